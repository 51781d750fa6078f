package ui

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// searchKey is what the search compares: lower case with accents and other
// marks removed, so "cafe" finds "Sunrise Café" and "nunez" finds "Núñez".
// ASCII text (most Page IDs and many names) skips the Unicode work.
func searchKey(s string) string {
	s = strings.ToLower(s)
	if isASCII(s) {
		return s
	}
	// A transformer keeps state: one per call, so workers may fold too.
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		return s
	}
	return out
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

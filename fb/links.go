package fb

import (
	"errors"
	"fmt"
	"net/url"
)

// MaxRefLength is the longest m.me ref Pagekeeper builds. Meta does not
// document a limit for the m.me ref parameter; the only documented limit for
// a Messenger ref is the plugins' data-ref, "<150 chars", with the same
// character set. A link that works is worth more than a long ref, so the
// stricter documented limit applies.
const MaxRefLength = 149

// maxUsernameLength is Facebook's limit for usernames.
const maxUsernameLength = 50

var (
	ErrInvalidPageName = errors.New("m.me link: the Page must be a Facebook username (letters, digits and dots) or a numeric Page ID")
	ErrInvalidRef      = errors.New("m.me link: the ref may contain only letters A–Z a–z, digits and + / = - . : _")
	ErrRefTooLong      = fmt.Errorf("m.me link: the ref may be at most %d characters", MaxRefLength)
)

// MMeLink builds https://m.me/<username or id>?ref=<ref>. An empty ref gives
// the plain link. A person opening it lands in the Page's Messenger
// conversation and the Page receives the ref in a referral or postback
// webhook.
func MMeLink(usernameOrID, ref string) (string, error) {
	if !validPageName(usernameOrID) {
		return "", ErrInvalidPageName
	}
	u := url.URL{Scheme: "https", Host: "m.me", Path: "/" + usernameOrID}
	if ref != "" {
		if len(ref) > MaxRefLength {
			return "", ErrRefTooLong
		}
		for i := 0; i < len(ref); i++ {
			if !refByte(ref[i]) {
				return "", ErrInvalidRef
			}
		}
		u.RawQuery = url.Values{"ref": {ref}}.Encode()
	}
	return u.String(), nil
}

func validPageName(s string) bool {
	if s == "" || len(s) > maxUsernameLength || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '.') {
			return false
		}
	}
	return true
}

func refByte(b byte) bool {
	switch {
	case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9':
		return true
	}
	switch b {
	case '+', '/', '=', '-', '.', ':', '_':
		return true
	}
	return false
}

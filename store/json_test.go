package store

import (
	"encoding/json"
	"slices"
	"testing"
)

// The fast list reader must read exactly what encoding/json reads, or
// leave the text to it.
func FuzzPlainStringsMatchesEncodingJSON(f *testing.F) {
	for _, s := range []string{`[]`, `["pages_messaging"]`, `["a","b","c"]`, `["a,b","c"]`, `["",""]`,
		`["a", "b"]`, `["a\",\"b"]`, `["\u003c"]`, `["é","日本"]`, "[\"\xff\"]", "[\"a\tb\"]", `["a""b"]`, `["a"],["b"]`,
		`[1,2]`, `["a",1]`, `null`, `["]`, `[""]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got, ok := plainStrings(text)
		if !ok {
			return
		}
		var want []string
		if err := json.Unmarshal([]byte(text), &want); err != nil {
			t.Fatalf("%q: fast path read %q, encoding/json refuses it: %v", text, got, err)
		}
		if !slices.Equal(got, want) || (got == nil) != (want == nil) {
			t.Fatalf("%q: fast path %q, encoding/json %q", text, got, want)
		}
	})
}

package main

import (
	"strings"
	"testing"
)

// The scan finds every known secret wherever it sits in a file, whatever
// its length, and nothing else.
func TestSecretSetFindsEverySecret(t *testing.T) {
	ss := newSecretSet()
	long := "EAA" + strings.Repeat("x9Y", 59)
	ss.add(long, "fake-app-secret", "AQ0123456789abcdef", "short")
	file := []byte("prefix\x00" + long + "\ncode=AQ0123456789abcdef&x fake-app-secret" + "EAA" + strings.Repeat("x9Y", 10))
	found := ss.find(file)
	want := map[string]bool{long: true, "fake-app-secret": true, "AQ0123456789abcdef": true}
	if len(found) != len(want) {
		t.Fatalf("found %q", found)
	}
	for _, f := range found {
		if !want[f] {
			t.Fatalf("found %q, not a secret in the file", f)
		}
	}
	if got := ss.find([]byte("EAA" + strings.Repeat("x9Y", 58))); len(got) != 0 {
		t.Fatalf("a prefix of a secret counted as the secret: %q", got)
	}
}

// A pretend Facebook's saved state gives its tokens and codes.
func TestSecretsFromState(t *testing.T) {
	ss := newSecretSet()
	ss.addFromState([]byte(`{"tokens":[{"value":"EAAtoken1234567890"}],"codes":[{"code":"AQcode1234567890"}]}`))
	if ss.len() != 2 || len(ss.find([]byte("..EAAtoken1234567890..AQcode1234567890"))) != 2 {
		t.Fatalf("%d secrets", ss.len())
	}
}

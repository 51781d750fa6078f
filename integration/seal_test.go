package integration

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

const testPageToken = "EAAGm0PX4ZCpsBAexample"

func newIdentity(t testing.TB) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestSealOpenRoundTrip(t *testing.T) {
	id := newIdentity(t)
	tok := token.New(testPageToken)
	a, err := Seal(tok, id.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Seal(tok, id.Recipient())
	if a == b {
		t.Fatal("two seals of one token are identical: age must use a fresh key each time")
	}
	raw, err := base64.StdEncoding.DecodeString(a)
	if err != nil {
		t.Fatalf("the sealed token is not base64: %v", err)
	}
	if strings.Contains(a, testPageToken) || bytes.Contains(raw, []byte(testPageToken)) {
		t.Fatal("the sealed form contains the token")
	}
	// It is a plain age file: `base64 -d | age -d -i key.txt` opens it.
	r, err := age.Decrypt(bytes.NewReader(raw), id)
	if err != nil {
		t.Fatal(err)
	}
	if plain, _ := io.ReadAll(r); string(plain) != testPageToken {
		t.Fatalf("age opens %q", plain)
	}
	got, err := Open(a, id)
	if err != nil || !got.Equal(tok) {
		t.Fatalf("Open: %v, equal %v", err, got.Equal(tok))
	}
}

func TestOpenRefuses(t *testing.T) {
	id := newIdentity(t)
	sealed, _ := Seal(token.New(testPageToken), newIdentity(t).Recipient())
	_, err := Open(sealed, id)
	if !errors.Is(err, ErrWrongKey) {
		t.Fatalf("sealed to another key: %v", err)
	}

	mine, _ := Seal(token.New(testPageToken), id.Recipient())
	raw, _ := base64.StdEncoding.DecodeString(mine)
	flipped := bytes.Clone(raw)
	flipped[len(flipped)-3] ^= 1
	var notToken bytes.Buffer
	w, _ := age.Encrypt(&notToken, id.Recipient())
	io.WriteString(w, "two words")
	w.Close()
	for name, s := range map[string]string{
		"not base64":      "%%%",
		"empty":           "",
		"truncated":       mine[:len(mine)/2],
		"tampered":        base64.StdEncoding.EncodeToString(flipped),
		"not a token":     base64.StdEncoding.EncodeToString(notToken.Bytes()),
		"far too long":    strings.Repeat("A", maxSealedLen+4),
		"plain text file": base64.StdEncoding.EncodeToString([]byte(testPageToken)),
	} {
		if _, err := Open(s, id); !errors.Is(err, ErrSealedInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, e := range []error{ErrWrongKey, ErrSealedInvalid} {
		if strings.Contains(e.Error(), testPageToken) {
			t.Fatal("an error shows the token")
		}
	}
	if _, err := Seal(token.Token{}, id.Recipient()); err == nil {
		t.Fatal("sealed the empty token")
	}
}

func TestSealToken(t *testing.T) {
	id := newIdentity(t)
	tok := token.New(testPageToken)
	info, err := SealToken(tok, id.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	if info.Fingerprint != Fingerprint(tok) || info.Type != "PAGE" {
		t.Fatalf("%+v", info)
	}
	if got, err := Open(info.Sealed, id); err != nil || !got.Equal(tok) {
		t.Fatalf("Open: %v", err)
	}
}

// The fingerprint is part of the contract: an integration in another
// language computes it with the documented shell line
// (printf 'pagekeeper-token-fingerprint-v1\0%s' "$TOKEN" | sha256sum | cut -c1-32),
// which gave this value for testPageToken.
func TestFingerprintIsTheDocumentedOne(t *testing.T) {
	tok := token.New(testPageToken)
	if got, want := Fingerprint(tok), "tfp1_43074977510dbdecd1a94f97d93e7184"; got != want {
		t.Fatalf("Fingerprint = %s, want %s", got, want)
	}
	if !ValidFingerprint(Fingerprint(tok)) {
		t.Fatal("its own form is not valid")
	}
	if Fingerprint(token.New(testPageToken+"x")) == Fingerprint(tok) {
		t.Fatal("two tokens, one fingerprint")
	}
	if strings.Contains(Fingerprint(tok), testPageToken[:8]) {
		t.Fatal("the fingerprint shows part of the token")
	}
	if Fingerprint(token.Token{}) != "" {
		t.Fatal("the empty token has a fingerprint")
	}
	for _, bad := range []string{"", "tfp1_", "tfp1_43074977510dbdecd1a94f97d93e718", "tfp1_43074977510DBDECD1A94F97D93E7184", "tfp2_43074977510dbdecd1a94f97d93e7184", "tfp1_43074977510dbdecd1a94f97d93e718g"} {
		if ValidFingerprint(bad) {
			t.Errorf("%q counted as a fingerprint", bad)
		}
	}
}

func FuzzOpen(f *testing.F) {
	id, _ := age.GenerateX25519Identity()
	good, _ := Seal(token.New(testPageToken), id.Recipient())
	f.Add(good)
	f.Add("")
	f.Add("YWdlLWVuY3J5cHRpb24ub3JnL3YxCg==")
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := Open(s, id)
		if err == nil && tok.IsZero() {
			t.Fatal("no error and no token")
		}
		if err != nil && !errors.Is(err, ErrSealedInvalid) && !errors.Is(err, ErrWrongKey) {
			t.Fatalf("unclassified error %v", err)
		}
	})
}

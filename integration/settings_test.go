package integration

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

func wantSettingError(t *testing.T, err error, f Field, p Problem) {
	t.Helper()
	var se *SettingError
	if !errors.As(err, &se) || se.Field != f || se.Problem != p {
		t.Fatalf("got %v, want %s/%s", err, f, p)
	}
	if len(se.Error()) < 20 {
		t.Fatalf("message %q says too little", se.Error())
	}
}

func TestCheckName(t *testing.T) {
	for _, ok := range []string{"Support Bot", "  Agent inbox  ", "Café Ñandú 24/7", strings.Repeat("é", MaxNameLength)} {
		if err := CheckName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	wantSettingError(t, CheckName("   "), FieldName, ProblemEmpty)
	wantSettingError(t, CheckName(strings.Repeat("x", MaxNameLength+1)), FieldName, ProblemTooLong)
	wantSettingError(t, CheckName("Bot\x00"), FieldName, ProblemControlChars)
	wantSettingError(t, CheckName("Bot\nTwo"), FieldName, ProblemControlChars)
}

func TestCheckURL(t *testing.T) {
	for _, ok := range []string{
		"https://bot.example.com/pagekeeper",
		"https://bot.example.com:8443/hooks?tenant=4",
		"http://127.0.0.1:8790/pagekeeper",
		"http://127.8.0.1/x",
		"http://localhost:8790/pagekeeper",
		"http://[::1]:8790/pagekeeper",
		" https://bot.example.com ",
	} {
		if _, err := CheckURL(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, tc := range []struct {
		raw string
		p   Problem
	}{
		{"", ProblemEmpty},
		{"bot.example.com/pagekeeper", ProblemNotURL},
		{"https://", ProblemNotURL},
		{"mailto:bot@example.com", ProblemNotURL},
		{"http://bot.example.com/pagekeeper", ProblemPlainHTTP},
		{"http://192.168.1.20:8790/pagekeeper", ProblemPlainHTTP},
		{"http://localhost.example.com/", ProblemPlainHTTP},
		{"ftp://bot.example.com/", ProblemScheme},
		{"https://user:pass@bot.example.com/", ProblemUserInfo},
		{"https://bot.example.com/#top", ProblemFragment},
		{"https://bot.example.com/" + strings.Repeat("a", maxURLLength), ProblemTooLong},
	} {
		_, err := CheckURL(tc.raw)
		wantSettingError(t, err, FieldURL, tc.p)
		if strings.Contains(err.Error(), "pass@") {
			t.Fatalf("the message repeats the password: %v", err)
		}
	}
}

func TestCheckSecret(t *testing.T) {
	s := NewSecret()
	if key, err := CheckSecret(s); err != nil || len(key) != newSecretBytes {
		t.Fatalf("a new secret: %v (%d bytes)", err, len(key))
	}
	if s.Equal(NewSecret()) {
		t.Fatal("two new secrets are equal")
	}
	b64 := func(n int) string { return base64.StdEncoding.EncodeToString(make([]byte, n)) }
	for _, tc := range []struct {
		s string
		p Problem
	}{
		{"", ProblemEmpty},
		{b64(32), ProblemSecretPrefix},
		{"whsec_not base64!", ProblemSecretEncode},
		{"whsec_" + b64(23), ProblemSecretLength},
		{"whsec_" + b64(65), ProblemSecretLength},
	} {
		_, err := CheckSecret(token.New(tc.s))
		wantSettingError(t, err, FieldSecret, tc.p)
		if tc.s != "" && strings.Contains(err.Error(), tc.s) {
			t.Fatalf("the message repeats the secret: %v", err)
		}
	}
	if _, err := CheckSecret(token.New("whsec_" + b64(24))); err != nil {
		t.Fatal(err)
	}
}

func TestParseRecipient(t *testing.T) {
	id := newIdentity(t)
	r, err := ParseRecipient("  " + id.Recipient().String() + "\n")
	if err != nil || r.String() != id.Recipient().String() {
		t.Fatalf("%v", err)
	}
	_, err = ParseRecipient(id.String())
	wantSettingError(t, err, FieldRecipient, ProblemIdentityGiven)
	if strings.Contains(err.Error(), id.String()) {
		t.Fatal("the message repeats the private key")
	}
	_, err = ParseRecipient("")
	wantSettingError(t, err, FieldRecipient, ProblemEmpty)
	_, err = ParseRecipient("age1qqqq")
	wantSettingError(t, err, FieldRecipient, ProblemNotRecipient)
	_, err = ParseRecipient("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk")
	wantSettingError(t, err, FieldRecipient, ProblemNotRecipient)
	_, err = ParseRecipient("age1pq1" + strings.Repeat("q", 100))
	wantSettingError(t, err, FieldRecipient, ProblemPostQuantum)
}

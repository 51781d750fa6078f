package integration

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

// The published test vector of the Standard Webhooks reference libraries
// (standard-webhooks/standard-webhooks, libraries/go/webhook_test.go,
// TestWebhookSign): whatever implements the HMAC must give exactly this.
func TestSignMatchesStandardWebhooksVector(t *testing.T) {
	s, err := NewSigner(token.New("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	if err := s.Sign(h, "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`)); err != nil {
		t.Fatal(err)
	}
	if got, want := h.Get(HeaderSignature), "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("webhook-signature %q, want the published %q", got, want)
	}
	if h.Get(HeaderID) != "msg_p5jXN8AQM9LWM0D4loKWxJek" || h.Get(HeaderTimestamp) != "1614265330" {
		t.Fatalf("headers %v", h)
	}
	// And the vector verifies at its own time.
	if _, err := s.Verify(h, []byte(`{"test": 2432232314}`), time.Unix(1614265330, 0), 0); err != nil {
		t.Fatalf("the published vector does not verify: %v", err)
	}
}

func TestVerifyRefuses(t *testing.T) {
	secret := NewSecret()
	s, err := NewSigner(secret)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewSigner(NewSecret())
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"type":"integration.test"}`)
	signed := func(signer *Signer, at time.Time) http.Header {
		h := http.Header{}
		if err := signer.Sign(h, "msg_abc", at, body); err != nil {
			t.Fatal(err)
		}
		return h
	}
	for _, tc := range []struct {
		name string
		h    http.Header
		body []byte
		code string // "" = accepted
	}{
		{"good", signed(s, now), body, ""},
		{"a little late, within tolerance", signed(s, now.Add(-DefaultTolerance)), body, ""},
		{"a little early, within tolerance", signed(s, now.Add(DefaultTolerance)), body, ""},
		{"body changed", signed(s, now), []byte(`{"type":"integration.tesT"}`), CodeSignatureInvalid},
		{"wrong secret", signed(other, now), body, CodeSignatureInvalid},
		{"stale", signed(s, now.Add(-DefaultTolerance-time.Second)), body, CodeTimestampTooOld},
		{"future", signed(s, now.Add(DefaultTolerance+time.Second)), body, CodeTimestampTooNew},
		{"no signature", func() http.Header { h := signed(s, now); h.Del(HeaderSignature); return h }(), body, CodeHeadersMissing},
		{"no id", func() http.Header { h := signed(s, now); h.Del(HeaderID); return h }(), body, CodeHeadersMissing},
		{"no timestamp", func() http.Header { h := signed(s, now); h.Del(HeaderTimestamp); return h }(), body, CodeHeadersMissing},
		{"timestamp not a number", func() http.Header { h := signed(s, now); h.Set(HeaderTimestamp, "soon"); return h }(), body, CodeHeadersInvalid},
		{"id with a dot", func() http.Header { h := signed(s, now); h.Set(HeaderID, "msg.abc"); return h }(), body, CodeHeadersInvalid},
		{"id changed", func() http.Header { h := signed(s, now); h.Set(HeaderID, "msg_abd"); return h }(), body, CodeSignatureInvalid},
		{"timestamp changed", func() http.Header {
			h := signed(s, now)
			h.Set(HeaderTimestamp, strconv.FormatInt(now.Unix()+1, 10))
			return h
		}(), body, CodeSignatureInvalid},
		{"signature of another version", func() http.Header {
			h := signed(s, now)
			h.Set(HeaderSignature, strings.Replace(h.Get(HeaderSignature), "v1,", "v1a,", 1))
			return h
		}(), body, CodeSignatureInvalid},
		// Rotation: several signatures, one of them good.
		{"one good among several", func() http.Header {
			h := signed(s, now)
			h.Set(HeaderSignature, signed(other, now).Get(HeaderSignature)+" "+h.Get(HeaderSignature))
			return h
		}(), body, ""},
		// svix reads svix-* headers first: an old captured request whose
		// signature moves to svix-* while fresh webhook-* values pass the
		// timestamp and replay checks must still be refused.
		{"old signature smuggled in svix-* headers", func() http.Header {
			old := signed(s, now.Add(-time.Hour))
			h := http.Header{}
			h.Set("svix-id", old.Get(HeaderID))
			h.Set("svix-timestamp", old.Get(HeaderTimestamp))
			h.Set("svix-signature", old.Get(HeaderSignature))
			h.Set(HeaderID, "msg_fresh")
			h.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
			h.Set(HeaderSignature, "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
			return h
		}(), body, CodeSignatureInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Verify(tc.h, tc.body, now, DefaultTolerance)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if got.ID != tc.h.Get(HeaderID) {
					t.Fatalf("ID %q", got.ID)
				}
				return
			}
			var ve *VerifyError
			if !errors.As(err, &ve) || ve.Code != tc.code {
				t.Fatalf("got %v, want code %s", err, tc.code)
			}
			if strings.Contains(err.Error(), secret.Reveal()) {
				t.Fatal("the error shows the secret")
			}
		})
	}
}

func TestSignRefusesUnusableIDs(t *testing.T) {
	s, _ := NewSigner(NewSecret())
	for _, id := range []string{"", "a.b", "a b", strings.Repeat("x", maxIDLength+1)} {
		if err := s.Sign(http.Header{}, id, time.Now(), nil); err == nil {
			t.Errorf("id %q was accepted", id)
		}
	}
	if id := NewMessageID(); !validID(id) || !strings.HasPrefix(id, "msg_") || id == NewMessageID() {
		t.Fatalf("NewMessageID %q", id)
	}
}

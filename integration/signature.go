package integration

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"time"

	svix "github.com/svix/svix-webhooks/go"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

// Every message between Pagekeeper and an integration, in both directions,
// is signed the Standard Webhooks way (standardwebhooks.com, spec 1.0.0):
// HMAC-SHA256 keyed with the shared secret over "{webhook-id}.{webhook-timestamp}.{body}",
// sent as "v1,<base64>" in webhook-signature. The HMAC itself is svix's
// maintained implementation; around it this file adds what svix leaves out
// or fixes: a configurable tolerance and clock, errors a caller can classify,
// and only the webhook-* headers ever reach the check.

// The headers of a signed message.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// DefaultTolerance is how far a message's timestamp may be from the
// receiver's clock, either way (the spec's and svix's 5 minutes).
const DefaultTolerance = 5 * time.Minute

// maxIDLength bounds a webhook-id.
const maxIDLength = 128

// Signer signs and verifies messages with one integration's secret. It is
// safe for concurrent use.
type Signer struct{ wh *svix.Webhook }

// NewSigner checks the secret's form (CheckSecret) and returns its Signer.
func NewSigner(secret token.Token) (*Signer, error) {
	key, err := CheckSecret(secret)
	if err != nil {
		return nil, err
	}
	wh, err := svix.NewWebhookRaw(key)
	if err != nil {
		return nil, fmt.Errorf("the signing secret cannot be used: %w", err)
	}
	return &Signer{wh: wh}, nil
}

// NewMessageID returns a new webhook-id: "msg_" and 128 random bits. A
// delivery keeps its ID on every retry; the receiver uses it to recognise
// a retry and to refuse a replay.
func NewMessageID() string { return newID("msg_") }

func newID(prefix string) string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// validID: the spec forbids "." (the signed content is dot-separated);
// Pagekeeper's IDs use only base64url characters.
func validID(id string) bool {
	if id == "" || len(id) > maxIDLength {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Sign sets the three webhook-* headers of a message with id, sent at at.
func (s *Signer) Sign(h http.Header, id string, at time.Time, body []byte) error {
	if !validID(id) {
		return fmt.Errorf("integration: %q is not a usable webhook-id (letters, digits, _ and - only)", id)
	}
	sig, err := s.wh.Sign(id, at, body)
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(at.Unix(), 10))
	h.Set(HeaderSignature, sig)
	return nil
}

// Signed is what a verified message's headers say.
type Signed struct {
	ID string    // webhook-id
	At time.Time // webhook-timestamp
}

// Verify checks a message: the three headers are there, its timestamp is
// within tolerance of now, and one of its v1 signatures is the HMAC of
// id, timestamp and the raw body. Errors are *VerifyError.
func (s *Signer) Verify(h http.Header, body []byte, now time.Time, tolerance time.Duration) (Signed, error) {
	id, ts, sig := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id == "" || ts == "" || sig == "" {
		return Signed{}, &VerifyError{Code: CodeHeadersMissing}
	}
	if !validID(id) {
		return Signed{}, &VerifyError{Code: CodeHeadersInvalid}
	}
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return Signed{}, &VerifyError{Code: CodeHeadersInvalid}
	}
	at := time.Unix(n, 0)
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	switch {
	case now.Sub(at) > tolerance:
		return Signed{}, &VerifyError{Code: CodeTimestampTooOld, Skew: now.Sub(at)}
	case at.Sub(now) > tolerance:
		return Signed{}, &VerifyError{Code: CodeTimestampTooNew, Skew: at.Sub(now)}
	}
	// svix prefers svix-* headers when all three are present: hand it only
	// the webhook-* values checked above, so that a captured old request
	// with svix-* headers added cannot pass with a fresh id and timestamp.
	only := http.Header{}
	only.Set(HeaderID, id)
	only.Set(HeaderTimestamp, ts)
	only.Set(HeaderSignature, sig)
	if err := s.wh.VerifyIgnoringTimestamp(body, only); err != nil {
		return Signed{}, &VerifyError{Code: CodeSignatureInvalid}
	}
	return Signed{ID: id, At: at}, nil
}

// VerifyError is a message that failed verification. Code is one of the
// answer codes (CodeHeadersMissing, CodeSignatureInvalid, …).
type VerifyError struct {
	Code string
	Skew time.Duration // for the timestamp codes: how far off it was
}

func (e *VerifyError) Error() string {
	switch e.Code {
	case CodeHeadersMissing:
		return "the message is not signed: a webhook-id, webhook-timestamp or webhook-signature header is missing"
	case CodeHeadersInvalid:
		return "the message's webhook-id or webhook-timestamp header is malformed"
	case CodeTimestampTooOld:
		return fmt.Sprintf("the message was signed %s ago, longer than allowed: a replay, or the two computers' clocks differ", e.Skew.Round(time.Second))
	case CodeTimestampTooNew:
		return fmt.Sprintf("the message is dated %s in the future: the two computers' clocks differ", e.Skew.Round(time.Second))
	}
	return "the message's signature does not match: it was changed on the way, or the two sides do not use the same signing secret"
}

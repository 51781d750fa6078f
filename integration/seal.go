package integration

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

// The Page token travels sealed with age (age-encryption.org/v1) to the
// integration's X25519 recipient, so that a TLS-terminating proxy, a request
// log or the outbox on Pagekeeper's disk never holds it in clear text. Only
// the holder of the matching identity (the integration's key file) opens it;
// `age -d -i key.txt` does the same on a command line.

// Errors of Open, for errors.Is.
var (
	// ErrSealedInvalid: the sealed value is not base64 of an age file, or
	// what it holds is not a token.
	ErrSealedInvalid = errors.New("the sealed token is damaged or not an age-encrypted token")
	// ErrWrongKey: the token was sealed to another recipient than this
	// identity's, i.e. Pagekeeper has another public key for this integration.
	ErrWrongKey = errors.New("the sealed token was not sealed to this integration's key: the recipient (age1…) set in Pagekeeper is not the public key of the key file this integration uses")
)

const (
	// maxTokenBytes bounds what Open accepts: Facebook's tokens are a few
	// hundred characters.
	maxTokenBytes = 4096
	// maxSealedLen bounds the base64 text Open decodes (a sealed token is
	// about 400 characters).
	maxSealedLen = 16 << 10
)

// SealToken seals tok to the integration's recipient and fingerprints it:
// the TokenInfo of a page.connected or page.token_renewed event, with Type
// and the expiry facts left for the caller.
func SealToken(tok token.Token, to age.Recipient) (*TokenInfo, error) {
	sealed, err := Seal(tok, to)
	if err != nil {
		return nil, err
	}
	return &TokenInfo{Sealed: sealed, Fingerprint: Fingerprint(tok), Type: "PAGE"}, nil
}

// Seal encrypts tok to recipient with age and returns it base64-encoded.
func Seal(tok token.Token, to age.Recipient) (string, error) {
	if tok.IsZero() {
		return "", errors.New("there is no token to seal")
	}
	if to == nil {
		return "", errors.New("the integration has no recipient key to seal the token to")
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, to)
	if err != nil {
		return "", fmt.Errorf("sealing the token: %w", err)
	}
	if _, err := io.WriteString(w, tok.Reveal()); err != nil {
		return "", fmt.Errorf("sealing the token: %w", err)
	}
	if err := w.Close(); err != nil {
		return "", fmt.Errorf("sealing the token: %w", err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// Open decrypts a sealed token with the integration's identity. The error
// wraps ErrWrongKey or ErrSealedInvalid and never holds any of the token.
func Open(sealed string, id age.Identity) (token.Token, error) {
	if len(sealed) > maxSealedLen {
		return token.Token{}, ErrSealedInvalid
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(sealed))
	if err != nil || len(raw) == 0 {
		return token.Token{}, ErrSealedInvalid
	}
	r, err := age.Decrypt(bytes.NewReader(raw), id)
	if err != nil {
		var nomatch *age.NoIdentityMatchError
		if errors.As(err, &nomatch) || errors.Is(err, age.ErrIncorrectIdentity) {
			return token.Token{}, ErrWrongKey
		}
		return token.Token{}, ErrSealedInvalid
	}
	b, err := io.ReadAll(io.LimitReader(r, maxTokenBytes+1))
	if err != nil || len(b) == 0 || len(b) > maxTokenBytes || !tokenChars(b) {
		return token.Token{}, ErrSealedInvalid
	}
	return token.New(string(b)), nil
}

// tokenChars: an access token is printable ASCII without spaces.
func tokenChars(b []byte) bool {
	for _, c := range b {
		if c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}

// The token fingerprint lets Pagekeeper and an integration say which token
// they hold without either revealing it: the first 16 bytes of SHA-256 over
// a domain label and the token, in hex, after "tfp1_". A token is long and
// random, so the fingerprint cannot be turned back into it; the label keeps
// it from matching any other hash of the token (appsecret_proof, a log
// line's digest). In a shell:
//
//	printf 'pagekeeper-token-fingerprint-v1\0%s' "$TOKEN" | sha256sum | cut -c1-32
const (
	fingerprintPrefix = "tfp1_"
	fingerprintLabel  = "pagekeeper-token-fingerprint-v1\x00"
	fingerprintHexLen = 32
)

// Fingerprint returns tok's fingerprint, or "" for the empty token.
func Fingerprint(tok token.Token) string {
	if tok.IsZero() {
		return ""
	}
	h := sha256.New()
	io.WriteString(h, fingerprintLabel)
	io.WriteString(h, tok.Reveal())
	return fingerprintPrefix + hex.EncodeToString(h.Sum(nil))[:fingerprintHexLen]
}

// ValidFingerprint reports whether s has the form Fingerprint gives.
func ValidFingerprint(s string) bool {
	hexPart, ok := strings.CutPrefix(s, fingerprintPrefix)
	if !ok || len(hexPart) != fingerprintHexLen {
		return false
	}
	for _, c := range hexPart {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

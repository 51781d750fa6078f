// Package token holds Token, the one type Pagekeeper uses for every Facebook
// access token, app secret and other credential it handles in memory.
//
// A Token never reveals its value when printed, formatted, logged or
// marshalled: the only way to read it is Reveal, and the only callers of
// Reveal are the HTTP layer that sends it to Facebook and the store that
// seals it. It lives in its own leaf package so that fb and store can share
// it without knowing each other.
package token

import (
	"encoding/json"
	"fmt"
	"log/slog"
)

// Token is a secret string. The zero value is the empty token.
type Token struct{ v string }

// New wraps a secret value.
func New(v string) Token { return Token{v: v} }

// Reveal returns the secret value. Call it only where the value must leave
// the process (an HTTP request to Facebook) or be sealed (the store).
func (t Token) Reveal() string { return t.v }

// IsZero reports whether the token is empty.
func (t Token) IsZero() bool { return t.v == "" }

// Equal compares two tokens without revealing either.
func (t Token) Equal(o Token) bool { return t.v == o.v }

// redacted is what every printing method shows: a short, fixed prefix (Meta's
// tokens start with "EAA") is enough for a person to tell a token is present.
func (t Token) redacted() string {
	if t.v == "" {
		return "(no token)"
	}
	return "(redacted)"
}

// String implements fmt.Stringer.
func (t Token) String() string { return t.redacted() }

// GoString implements fmt.GoStringer (%#v).
func (t Token) GoString() string { return "token.Token" + t.redacted() }

// Format implements fmt.Formatter so that every verb (%s %v %q %x %d …)
// prints the redacted form.
func (t Token) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(t.GoString()))
		return
	}
	_, _ = f.Write([]byte(t.redacted()))
}

// MarshalJSON writes the redacted form, never the value.
func (t Token) MarshalJSON() ([]byte, error) { return json.Marshal(t.redacted()) }

// MarshalText writes the redacted form (encoding/xml, flag printing, …).
func (t Token) MarshalText() ([]byte, error) { return []byte(t.redacted()), nil }

// LogValue implements slog.LogValuer.
func (t Token) LogValue() slog.Value { return slog.StringValue(t.redacted()) }

// Package relay is the rule shared by Pagekeeper's login and its HTTPS relay
// page (assets/relay.html): the login's state carries the loopback port,
// "<port>.<43 base64url characters>", and the relay forwards Facebook's
// answer to http://localhost:<port>/facebook/callback and nowhere else.
// NewState writes the state; Forward is what the relay page does, for
// callers that play the browser without running the page's script (the
// sandbox demo, tests). A browser test checks that the page and Forward
// agree.
package relay

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/url"
	"regexp"
	"strconv"
)

// CallbackPath is the path of Pagekeeper's loopback callback.
const CallbackPath = "/facebook/callback"

// forwarded are the parameters the relay passes on (relay.html FORWARD).
var forwarded = []string{"code", "state", "error", "error_reason", "error_description", "error_code"}

var stateRe = regexp.MustCompile(`^([0-9]{4,5})\.[A-Za-z0-9_-]{43}$`)

// printable is relay.html's VALUE rule: 1–2048 printable ASCII characters.
func printable(v string) bool {
	if len(v) == 0 || len(v) > 2048 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			return false
		}
	}
	return true
}

// ErrRefused: the answer is not one the relay page forwards (no state or a
// malformed one, a port outside 1024–65535, unexpected characters, neither
// a code nor an error).
var ErrRefused = errors.New("the relay refuses this answer: it is incomplete or was changed")

// NewState is a fresh state for a login listening on port: the port, a dot
// and 32 random bytes in base64url.
func NewState(port int) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return strconv.Itoa(port) + "." + base64.RawURLEncoding.EncodeToString(b), nil
}

// Forward is where the relay page sends the browser for Facebook's answer
// (any URL whose query holds it): the loopback callback with the forwarded
// parameters, or ErrRefused.
func Forward(answer *url.URL) (*url.URL, error) {
	q := answer.Query()
	m := stateRe.FindStringSubmatch(q.Get("state"))
	if m == nil {
		return nil, ErrRefused
	}
	port, _ := strconv.Atoi(m[1])
	if port < 1024 || port > 65535 {
		return nil, ErrRefused
	}
	out := url.Values{}
	for _, k := range forwarded {
		if !q.Has(k) {
			continue
		}
		v := q.Get(k)
		if !printable(v) {
			return nil, ErrRefused
		}
		out.Set(k, v)
	}
	if !out.Has("code") && !out.Has("error") {
		return nil, ErrRefused
	}
	return &url.URL{Scheme: "http", Host: "localhost:" + strconv.Itoa(port), Path: CallbackPath, RawQuery: out.Encode()}, nil
}

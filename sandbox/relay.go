package sandbox

import (
	"net/http"
	"strings"

	"github.com/pagekeeper/pagekeeper/assets"
)

// The relay host, simulated. A Live-mode app needs an https redirect URI,
// so the default app registers DemoRelayURL: Pagekeeper's relay page on
// "the business's relay host" (docs/LOGIN.md, relay mode). Facebook's rules
// apply to that URI as to any other (registered, exact, https); only its
// hosting is simulated: when the dialog sends a browser there, the fake
// sends it to the very same page (assets.RelayPage) served on its own
// origin at /_sandbox/relay, with the same query. A trainee's browser then
// runs the real relay page on a loopback http address, so there is no
// certificate to warn about, and the relay forwards to Pagekeeper's
// loopback callback exactly as it would from the business's host.

// relayPath is where the fake hosts the relay page.
const relayPath = "/_sandbox/relay"

// browserLocation is where a browser is sent for Facebook's redirect to:
// the fake's copy of the relay page for the simulated relay host, else
// to itself.
func (f *Fake) browserLocation(r *http.Request, to string) string {
	rest, ok := strings.CutPrefix(to, DemoRelayURL)
	if !ok || (rest != "" && rest[0] != '?' && rest[0] != '#') {
		return to
	}
	return requestBase(r) + relayPath + rest
}

// serveRelay serves the relay page as a static host would.
func serveRelay(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(assets.RelayPage)
	}
}

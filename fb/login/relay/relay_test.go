package relay

import (
	"net/url"
	"strings"
	"testing"
)

func TestForward(t *testing.T) {
	st, err := NewState(47321)
	if err != nil || !stateRe.MatchString(st) {
		t.Fatalf("state %q %v", st, err)
	}
	u, _ := url.Parse("https://relay.example/p.html?code=AQx&state=" + st + "&extra=drop")
	got, err := Forward(u)
	if err != nil || got.Scheme != "http" || got.Host != "localhost:47321" || got.Path != CallbackPath ||
		got.Query().Get("code") != "AQx" || got.Query().Get("state") != st || got.Query().Has("extra") {
		t.Fatalf("%v %v", got, err)
	}
	cancel, _ := url.Parse("https://relay.example/?error=access_denied&error_reason=user_denied&state=" + st)
	if got, err := Forward(cancel); err != nil || got.Query().Get("error") != "access_denied" {
		t.Fatalf("cancel: %v %v", got, err)
	}
	for _, bad := range []string{
		"?code=x", // no state
		"?code=x&state=80." + strings.Repeat("a", 43), // port below 1024
		"?code=x&state=99999." + strings.Repeat("a", 43),
		"?code=x&state=47321." + strings.Repeat("a", 42),
		"?code=x&state=47321." + strings.Repeat("a", 43) + "@evil.example",
		"?state=" + st,             // neither code nor error
		"?code=%0a&state=" + st,    // a control character
		"?code=%C3%A9&state=" + st, // not printable ASCII
	} {
		u, _ := url.Parse("https://relay.example/" + bad)
		if got, err := Forward(u); err == nil {
			t.Errorf("%s forwarded to %v", bad, got)
		}
	}
}

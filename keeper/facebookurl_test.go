package keeper

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/pagekeeper/pagekeeper/sandbox"
	"github.com/pagekeeper/pagekeeper/store"
)

func TestCheckFacebookURL(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://graph.example.com":         true,
		"https://proxy.example.com:8443/fb": true,
		"http://127.0.0.1:8765":             true,
		"http://[::1]:8765":                 true,
		"http://localhost:8765":             true,
		"http://example.com":                false,
		"http://10.0.0.5:8765":              false,
		"ftp://127.0.0.1":                   false,
		"127.0.0.1:8765":                    false,
		"https://user:pw@example.com":       false,
		"https://example.com/?x=1":          false,
	} {
		if err := checkFacebookURL(raw); (err == nil) != ok {
			t.Errorf("%s: %v", raw, err)
		}
	}
	if err := checkFacebookURL("https://user:hunter2@example.com"); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("a password in the address must be refused without being shown: %v", err)
	}
	ctx := context.Background()
	if _, err := Open(ctx, Options{Dir: t.TempDir(), Keyring: store.NewMemoryKeyring(), FacebookURL: "http://example.com"}); err == nil ||
		!strings.Contains(err.Error(), "https://") {
		t.Fatalf("an http address across the network was accepted: %v", err)
	}
	if _, err := Open(ctx, Options{Dir: t.TempDir(), Sandbox: true, FacebookURL: "https://graph.example.com"}); err == nil ||
		!strings.Contains(err.Error(), "sandbox") {
		t.Fatalf("the sandbox took another Facebook: %v", err)
	}
}

// --facebook-url points the real configuration's dialog, token endpoint
// and Graph at another server; the login is the one the settings describe
// (relay mode, the Login for Business configuration), as soon as they are
// saved.
func TestFacebookURLPointsTheRealConfigurationElsewhere(t *testing.T) {
	srv, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()
	k := openOnFake(t, srv, Options{Dir: t.TempDir(), Keyring: store.NewMemoryKeyring(), Ports: []int{0},
		OpenBrowser: func(string) error { return nil }})
	set := k.Settings()
	set.RedirectMode, set.RelayURL, set.LoginConfigID = RedirectRelay, sandbox.DemoRelayURL, sandbox.DemoConfigID
	if err := k.UpdateSettings(ctx, set, Secrets{}); err != nil {
		t.Fatal(err)
	}
	sess, err := k.StartLogin(ctx, "", false)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Cancel()
	u, _ := url.Parse(sess.URL())
	if !strings.HasPrefix(sess.URL(), srv.URL+"/v25.0/dialog/oauth?") || u.Query().Get("config_id") != sandbox.DemoConfigID ||
		u.Query().Get("redirect_uri") != sandbox.DemoRelayURL || u.Query().Has("scope") {
		t.Fatalf("dialog %s", u.Redacted())
	}
	if err := playLogin(ctx, srv.Fake, sess.URL(), sandbox.Consent{}); err != nil {
		t.Fatal(err)
	}
	g, err := sess.Wait()
	if err != nil || g.User.ID != sandbox.DemoUserID || !g.LongLived {
		t.Fatalf("login against the other server: %+v %v", g, err)
	}
}

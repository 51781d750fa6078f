package setup

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pagekeeper/pagekeeper/internal/logintest"
	"github.com/pagekeeper/pagekeeper/keeper"
	"github.com/pagekeeper/pagekeeper/sandbox"
)

// connectDemo connects the demo Pages through the real login (the test plays
// the person at the pretend Facebook's dialog).
func connectDemo(t *testing.T, s *Session) {
	t.Helper()
	ctx := context.Background()
	sess, err := s.Keeper.StartLogin(ctx, "", false)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _, _ = logintest.New().Login(sess.URL(), logintest.Choice{}) }()
	res, err := sess.Wait()
	if err != nil {
		t.Fatal(err)
	}
	plan, err := s.Keeper.PlanConnect(ctx, keeper.GrantFrom(res, false), keeper.Actor{OSUser: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Keeper.Apply(ctx, plan, nil)
	if err != nil || len(out.Failed()) > 0 {
		t.Fatalf("apply: %v %+v", err, out.Failed())
	}
}

func TestTheSandboxSurvivesARestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := Open(ctx, Options{DataDir: dir, Sandbox: true, Ports: []int{0}})
	if err != nil {
		t.Fatal(err)
	}
	if s.SandboxURL == "" {
		t.Fatal("the sandbox runs a pretend Facebook")
	}
	connectDemo(t, s)
	round, err := s.Keeper.CheckNow(ctx)
	if err != nil || round.Totals.Valid < 4 || round.Totals.Invalid+round.Totals.NeedsAttention > 0 {
		t.Fatalf("first run: %v %+v", err, round.Totals)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// A new process: the stored Page tokens must still be known to the new pretend Facebook.
	s, err = Open(ctx, Options{DataDir: dir, Sandbox: true, Ports: []int{0}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	again, err := s.Keeper.CheckNow(ctx)
	if err != nil || again.Totals.Valid != round.Totals.Valid {
		t.Fatalf("after a restart: %v %+v (before %+v)", err, again.Totals, round.Totals)
	}

	// Simulating a problem breaks the Page, as the sandbox menu does.
	if err := s.Simulate(sandbox.FaultRequest{Kind: "webhook_dropped", Page: sandbox.PageSunriseCafe}); err != nil {
		t.Fatal(err)
	}
	r, err := s.Keeper.CheckNow(ctx, sandbox.PageSunriseCafe)
	if err != nil || len(r.Pages) != 1 || r.Pages[0].Status != "needs_attention" {
		t.Fatalf("after dropping the webhook: %v %+v", err, r.Pages)
	}
}

func TestSimulateOnlyInTheSandbox(t *testing.T) {
	s := &Session{}
	if err := s.Simulate(sandbox.FaultRequest{Kind: "offline"}); !errors.Is(err, ErrNotSandbox) {
		t.Fatalf("err = %v", err)
	}
}

func TestADamagedSandboxStateStartsAfresh(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "sandbox-facebook.json"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	var logged []string
	s, err := Open(context.Background(), Options{DataDir: dir, Sandbox: true, Ports: []int{0},
		Logf: func(f string, a ...any) { logged = append(logged, fmt.Sprintf(f, a...)) }})
	if err != nil {
		t.Fatalf("a damaged practice state must not stop the sandbox: %v", err)
	}
	defer s.Close()
	if len(logged) == 0 {
		t.Fatal("the reset should be reported")
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "sandbox-facebook.json.unusable-*")); len(m) != 1 {
		t.Fatalf("the damaged file is kept aside: %v", m)
	}
}

func TestITsPresetIsAppliedAtFirstStart(t *testing.T) {
	exeDir, dataDir := t.TempDir(), t.TempDir()
	preset, err := os.ReadFile("../../assets/packaging/preset.example.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(exeDir, keeper.PresetFileName), preset, 0o644); err != nil {
		t.Fatal(err)
	}
	var logged []string
	s, err := Open(context.Background(), Options{DataDir: dataDir, AllowKeyFile: true, ExeDir: exeDir,
		Logf: func(f string, a ...any) { logged = append(logged, fmt.Sprintf(f, a...)) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	set, err := s.Keeper.Settings(context.Background())
	if err != nil || set.AppID != "1234567890123456" || len(set.Owners) != 2 || set.SMTP.Host != "smtp.example.com" {
		t.Fatalf("settings after the preset: %+v %v", set, err)
	}
	if len(logged) == 0 {
		t.Fatal("applying the preset should be reported for IT")
	}
}

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
		if err := CheckFacebookURL(raw); (err == nil) != ok {
			t.Errorf("%s: %v", raw, err)
		}
	}
	if _, err := Open(context.Background(), Options{DataDir: t.TempDir(), AllowKeyFile: true, FacebookURL: "http://example.com"}); err == nil {
		t.Fatal("an http address across the network was accepted")
	}
}

// --facebook-url points the real configuration's dialog, token endpoint
// and Graph at another server; the login is the one the settings describe
// (relay mode, the Login for Business configuration).
func TestFacebookURLPointsTheRealConfigurationElsewhere(t *testing.T) {
	srv, err := sandbox.Start(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	ctx := context.Background()
	s, err := Open(ctx, Options{DataDir: dir, AllowKeyFile: true, FacebookURL: srv.URL, Ports: []int{0},
		OpenBrowser: func(string) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	set := keeper.DefaultSettings()
	set.AppID, set.RedirectMode, set.RelayURL, set.LoginConfigID = srv.Fake.Options().AppID, keeper.RedirectRelay, sandbox.DemoRelayURL, sandbox.DemoConfigID
	if err := s.Keeper.SaveSettings(ctx, set); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	s, err = Open(ctx, Options{DataDir: dir, AllowKeyFile: true, FacebookURL: srv.URL, Ports: []int{0},
		OpenBrowser: func(string) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sess, err := s.Keeper.StartLogin(ctx, "", false)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Cancel()
	u, _ := url.Parse(sess.URL())
	if !strings.HasPrefix(sess.URL(), srv.URL+"/v25.0/dialog/oauth?") || u.Query().Get("config_id") != sandbox.DemoConfigID ||
		u.Query().Get("redirect_uri") != sandbox.DemoRelayURL || u.Query().Has("scope") {
		t.Fatalf("dialog %s", u.Redacted())
	}
	if err := PlayLogin(ctx, srv.Fake, sess.URL(), sandbox.Consent{}); err != nil {
		t.Fatal(err)
	}
	res, err := sess.Wait()
	if err != nil || res.User.ID != sandbox.DemoUserID {
		t.Fatalf("login against the other server: %+v %v", res, err)
	}
}

// AutoConsent: the sandbox plays the person at its dialog (the demo).
func TestAutoConsentConnectsWithoutABrowser(t *testing.T) {
	s, err := Open(context.Background(), Options{DataDir: t.TempDir(), Sandbox: true, Ports: []int{0},
		AutoConsent: &sandbox.Consent{Untick: []string{sandbox.PageHarborBooks}}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sess, err := s.Keeper.StartLogin(context.Background(), "", true)
	if err != nil {
		t.Fatal(err)
	}
	res, err := sess.Wait()
	if err != nil || res.User.ID != sandbox.DemoUserID || !res.LongLived {
		t.Fatalf("%+v %v", res, err)
	}
	plan, err := s.Keeper.PlanConnect(context.Background(), keeper.GrantFrom(res, true), keeper.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := plan.Candidate(sandbox.PageHarborBooks); ok {
		t.Fatal("the Page left unticked is offered")
	}
	if c, ok := plan.Candidate(sandbox.PageBlueDoorStudio); !ok || !c.Connectable {
		t.Fatalf("Blue Door Studio: %+v", c)
	}
}

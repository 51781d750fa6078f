// Package setup opens a Pagekeeper data folder with everything it needs to
// work: the keeper (store, manager lock), its Facebook (the real one per the
// saved settings, or in the sandbox the built-in fake Facebook on a loopback
// port, its state kept in the sandbox folder so practice survives a
// restart), and IT's preset on first start. The window (main) and the
// headless commands (ui/cli) share it, so both behave the same. It is the
// one non-test importer of the sandbox package besides the sandbox-server command.
package setup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/fb/login"
	"github.com/pagekeeper/pagekeeper/fb/login/relay"
	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/keeper"
	"github.com/pagekeeper/pagekeeper/sandbox"
	"github.com/pagekeeper/pagekeeper/store"
)

// Options choose the folder and how to reach Facebook.
type Options struct {
	// DataDir overrides the folder ("" = DefaultDir(Sandbox)).
	DataDir string
	// Sandbox: the built-in pretend Facebook, a separate folder, no system keyring.
	Sandbox bool
	// AllowKeyFile: the owner agreed to a key file when no keyring works.
	AllowKeyFile bool
	// OpenBrowser replaces the system browser for logins (nil = system browser).
	OpenBrowser func(url string) error
	// ExeDir is where IT's preset file may sit next to the program ("" = none).
	ExeDir string
	// Logf reports what an administrator may want to know (preset applied…).
	Logf func(format string, args ...any)
	// Version is Pagekeeper's version, for diagnostics.
	Version string
	// Ports, when set, replace the saved login callback ports (the
	// commands' --ports; 0 = any free port).
	Ports []int
	// FacebookURL, when set, points the real (non-sandbox) Facebook at
	// another server: its login dialog, token endpoint and Graph API (the
	// global --facebook-url, for tests and staging proxies). It must be an
	// https:// address, or an http:// one on this computer (CheckFacebookURL).
	FacebookURL string
	// AutoConsent, in the sandbox only, plays the person at the pretend
	// Facebook's dialog instead of opening a browser: every login consents
	// as it says, through the fake's Consent API (the demo, tests).
	AutoConsent *sandbox.Consent
}

// Session is an open data folder.
type Session struct {
	Keeper *keeper.Keeper
	// SandboxURL is the pretend Facebook's address ("" outside the sandbox);
	// its /_sandbox/ routes simulate problems, given SandboxAdminToken.
	SandboxURL        string
	SandboxAdminToken token.Token
	fake              *sandbox.Server
}

// sandboxSeed fixes the pretend world (Pages, people, tokens' randomness).
const sandboxSeed = 20261122

// DefaultDir is the data folder: the config folder's Pagekeeper, or its
// sandbox subfolder.
func DefaultDir(inSandbox bool) (string, error) {
	d, err := store.DefaultDir()
	if err != nil {
		return "", err
	}
	if inSandbox {
		d = filepath.Join(d, "sandbox")
	}
	return d, nil
}

// Open opens the folder and connects it to Facebook.
func Open(ctx context.Context, o Options) (*Session, error) {
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.FacebookURL != "" {
		if o.Sandbox {
			return nil, errors.New("--facebook-url points the real Facebook elsewhere; the sandbox has its own: use one or the other")
		}
		if err := CheckFacebookURL(o.FacebookURL); err != nil {
			return nil, err
		}
	}
	dir := o.DataDir
	if dir == "" {
		d, err := DefaultDir(o.Sandbox)
		if err != nil {
			return nil, err
		}
		dir = d
	}
	ko := keeper.Options{Dir: dir, AllowKeyFile: o.AllowKeyFile}
	if o.Sandbox {
		// The sandbox agrees for itself to a key file and never touches the
		// real keyring, so practising cannot disturb real credentials.
		ko.Keyring, ko.AllowKeyFile = noKeyring{}, true
	}
	k, err := keeper.Open(ctx, ko)
	if err != nil {
		return nil, err
	}
	s := &Session{Keeper: k}
	if o.Sandbox {
		err = s.startSandbox(dir, o)
	} else {
		err = s.useFacebook(ctx, o)
	}
	if err != nil {
		_ = k.Close()
		return nil, err
	}
	return s, nil
}

// startSandbox runs the pretend Facebook on a free loopback port. Its app
// is the hard, common case (a Business app in Live mode, the person with no
// role on it), so the sandbox logs in as a real customer must: through the
// relay page with the Login for Business configuration.
func (s *Session) startSandbox(dir string, o Options) error {
	opts := sandbox.Options{Seed: sandboxSeed, Clock: sandbox.NewRunningClock(time.Now()),
		StateFile: filepath.Join(dir, "sandbox-facebook.json")}
	srv, err := sandbox.Start(opts)
	var bad *sandbox.StateFileError
	if errors.As(err, &bad) {
		// A damaged practice state is set aside (kept, renamed) and the
		// sandbox starts afresh: the Pages then simply need renewing.
		o.Logf("the sandbox's saved state could not be read (%v); starting afresh", err)
		if _, derr := sandbox.DiscardStateFile(opts.StateFile); derr == nil {
			srv, err = sandbox.Start(opts)
		}
	}
	if err != nil {
		return fmt.Errorf("starting the sandbox's pretend Facebook: %w", err)
	}
	s.fake, s.SandboxURL, s.SandboxAdminToken = srv, srv.URL, token.New(srv.AdminToken)
	// Practice email passwords stay in memory, like every sandbox secret.
	s.Keeper.UseAlerts(keeper.AlertOptions{Keyring: store.NewMemoryKeyring()})
	// The sandbox plays the recommended set-up: an app whose App Secret is
	// configured, so logins turn into long-lived tokens and Page tokens that
	// never expire (without it Facebook's Page tokens last about an hour).
	fo := srv.Fake.Options()
	secret := token.New(fo.AppSecret)
	client := fb.New(fb.Config{GraphURL: srv.URL, LoginURL: srv.URL, AppID: fo.AppID, AppSecret: secret})
	settings, _ := s.Keeper.Settings(context.Background())
	base := login.Config{Ports: orPorts(o.Ports, settings.Ports), OpenBrowser: o.OpenBrowser, AppSecret: secret,
		Language: settings.Language, Business: settings.BusinessPages}
	if fo.Mode == sandbox.ModeLive {
		base.RelayURL = sandbox.DemoRelayURL
	}
	if fo.AppType == sandbox.AppBusiness {
		base.ConfigID = sandbox.DemoConfigID
	}
	if o.AutoConsent != nil {
		c := *o.AutoConsent
		base.OpenBrowser = func(dialogURL string) error {
			err := PlayLogin(context.Background(), srv.Fake, dialogURL, c)
			if err != nil {
				o.Logf("the sandbox could not play the login: %v", err)
			}
			return err
		}
	}
	s.Keeper.UseFacebook(client, base)
	return nil
}

// PlayLogin plays the person at the pretend Facebook's dialog dialogURL:
// it consents as c says through the fake's Consent API, then delivers
// Facebook's answer to the login's loopback callback as the browser would,
// through the relay page when the login uses one (relay.Forward is what the
// page does). It returns once the callback has answered.
func PlayLogin(ctx context.Context, fake *sandbox.Fake, dialogURL string, c sandbox.Consent) error {
	to, err := fake.Consent(dialogURL, c)
	if err != nil {
		return err
	}
	if to.Hostname() != "localhost" || to.Path != login.CallbackPath {
		if to, err = relay.Forward(to); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, to.String(), nil)
	if err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		// The *url.Error would print the callback address, code included.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("the login's callback did not answer: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the login's callback answered HTTP %d", resp.StatusCode)
	}
	return nil
}

// useFacebook points the keeper at Facebook per the saved settings, after
// applying IT's preset the first time.
func (s *Session) useFacebook(ctx context.Context, o Options) error {
	if o.ExeDir != "" {
		if path, ok := keeper.FindPreset(o.ExeDir); ok {
			if applied, err := s.Keeper.ApplyPresetOnce(ctx, path); err != nil {
				o.Logf("the IT preset %s was not applied: %v", path, err)
			} else if applied {
				o.Logf("applied the IT preset %s", path)
			}
		}
	}
	st, err := s.Keeper.Settings(ctx)
	if err != nil {
		return err
	}
	secret := s.Keeper.AppSecret(st.AppID)
	// --facebook-url: the dialog, the token endpoint and Graph all on it.
	fbURL := o.FacebookURL
	client := fb.New(fb.Config{GraphURL: fbURL, LoginURL: fbURL, AppID: st.AppID, Version: st.GraphVersion, AppSecret: secret})
	base := login.Config{AppID: st.AppID, Ports: orPorts(o.Ports, st.Ports), OpenBrowser: o.OpenBrowser, Language: st.Language,
		AppSecret: secret, ConfigID: st.LoginConfigID}
	if st.RedirectMode == keeper.RedirectRelay {
		base.RelayURL = st.RelayURL
	}
	s.Keeper.UseFacebook(client, base)
	return nil
}

// CheckFacebookURL accepts what --facebook-url may point at: any https://
// address, or an http:// one on this computer's loopback interface (a test
// server, a local proxy); never plain http across a network, where tokens
// would travel in the clear.
func CheckFacebookURL(raw string) error {
	u, err := url.Parse(raw)
	bad := fmt.Errorf("--facebook-url %q: use an https:// address, or http:// on this computer (127.0.0.1, [::1] or localhost)", raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return bad
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if h := u.Hostname(); h == "localhost" || net.ParseIP(h) != nil && net.ParseIP(h).IsLoopback() {
			return nil
		}
	}
	return bad
}

func orPorts(override, saved []int) []int {
	if len(override) > 0 {
		return override
	}
	return saved
}

// Close closes the folder (releasing the manager lock) and the sandbox.
func (s *Session) Close() error {
	err := s.Keeper.Close()
	if s.fake != nil {
		err = errors.Join(err, s.fake.Close())
	}
	return err
}

// noKeyring is the sandbox's keyring: none, so the store uses its key file.
type noKeyring struct{}

var errNoKeyring = errors.New("the sandbox does not use the system keyring")

func (noKeyring) Get(string, string) (string, error) { return "", errNoKeyring }
func (noKeyring) Set(string, string, string) error   { return errNoKeyring }
func (noKeyring) Delete(string, string) error        { return errNoKeyring }

// ExeDir is the folder of the running program ("" when unknown).
func ExeDir() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	return filepath.Dir(exe)
}

// ErrNotSandbox: a sandbox-only action outside the sandbox.
var ErrNotSandbox = errors.New("problems can be simulated only in the sandbox")

// Simulate applies a fault to the sandbox's pretend Facebook, as its
// "Simulate a problem" menu does.
func (s *Session) Simulate(r sandbox.FaultRequest) error {
	if s.fake == nil {
		return ErrNotSandbox
	}
	return s.fake.Fake.ApplyFault(r)
}

package keeper

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"time"

	"github.com/pagekeeper/pagekeeper/fb/login"
	"github.com/pagekeeper/pagekeeper/fb/login/relay"
	"github.com/pagekeeper/pagekeeper/sandbox"
)

// sandboxSeed fixes the pretend world (Pages, people, tokens' randomness).
const sandboxSeed = 20261122

// sandboxStateFile keeps the pretend Facebook's state in the sandbox folder.
const sandboxStateFile = "sandbox-facebook.json"

// startSandbox runs the pretend Facebook on a free loopback port, its state
// kept in the data folder so practice survives a restart.
func (k *Keeper) startSandbox() error {
	opts := sandbox.Options{Seed: sandboxSeed, Clock: sandbox.NewRunningClock(time.Now()),
		StateFile: filepath.Join(k.opts.Dir, sandboxStateFile)}
	srv, err := sandbox.Start(opts)
	var bad *sandbox.StateFileError
	if errors.As(err, &bad) {
		// A damaged practice state is set aside (kept, renamed) and the
		// sandbox starts afresh: the Pages then simply need renewing.
		k.logf("the sandbox's saved state could not be read (%v); starting afresh", err)
		if _, derr := sandbox.DiscardStateFile(opts.StateFile); derr != nil {
			return fmt.Errorf("setting the sandbox's damaged state aside: %w", derr)
		}
		srv, err = sandbox.Start(opts)
	}
	if err != nil {
		return fmt.Errorf("starting the sandbox's pretend Facebook: %w", err)
	}
	k.fake = srv
	return nil
}

// noKeyring is the sandbox's keyring for the data key: none, so the store
// uses its key file.
type noKeyring struct{}

var errNoKeyring = errors.New("the sandbox does not use the system keyring")

func (noKeyring) Get(string, string) (string, error) { return "", errNoKeyring }
func (noKeyring) Set(string, string, string) error   { return errNoKeyring }
func (noKeyring) Delete(string, string) error        { return errNoKeyring }

// ErrNotSandbox: a sandbox-only action outside the sandbox.
var ErrNotSandbox = errors.New("problems can be simulated only in the sandbox")

// Fault is a problem the sandbox's pretend Facebook plays on request, so a
// trainee can rehearse its repair. Kind is one of the pretend Facebook's
// fault kinds: password_changed, app_removed, role_lost, webhook_dropped,
// permission_removed, data_access_expired, token_expired, checkpoint,
// throttle, offline, reset.
type Fault struct {
	Kind string
	// PageID is the Page it hits (role_lost, webhook_dropped; a throttle's scope).
	PageID string
	// UserID is the Facebook account it hits ("" = the demo account).
	UserID string
	// Permission is the one removed (permission_removed).
	Permission string
	// Code is Facebook's throttling code (throttle; 0 = 4, the app limit).
	Code int
}

// Simulate makes the sandbox's pretend Facebook play f.
func (k *Keeper) Simulate(_ context.Context, f Fault) error {
	if k.fake == nil {
		return ErrNotSandbox
	}
	return k.fake.Fake.ApplyFault(sandbox.FaultRequest{Kind: f.Kind, Page: f.PageID, User: f.UserID,
		Permission: f.Permission, Code: f.Code})
}

// sandboxLogin makes base the login of the sandbox's app. That app is the
// hard, common case (a Business app in Live mode, the person with no role
// on it), so the sandbox logs in as a real customer must: through the relay
// page with the Login for Business configuration, whatever the practice
// settings say. With Options.SandboxAutoConsent the pretend person agrees
// in the dialog instead of a browser (playLogin).
func (k *Keeper) sandboxLogin(base *login.Config) {
	app := k.fake.Fake.Options()
	base.RelayURL, base.ConfigID = "", ""
	if app.Mode == sandbox.ModeLive {
		base.RelayURL = sandbox.DemoRelayURL
	}
	if app.AppType == sandbox.AppBusiness {
		base.ConfigID = sandbox.DemoConfigID
	}
	if k.opts.SandboxAutoConsent {
		base.OpenBrowser = func(dialogURL string) error {
			err := playLogin(context.Background(), k.fake.Fake, dialogURL, sandbox.Consent{})
			if err != nil {
				k.logf("the sandbox could not play the login: %v", err)
			}
			return err
		}
	}
}

// playLogin plays the person at the pretend Facebook's dialog dialogURL:
// it consents as c says through the fake's Consent API, then delivers
// Facebook's answer to the login's loopback callback as the browser would,
// through the relay page when the login uses one (relay.Forward is what the
// page does). It returns once the callback has answered.
func playLogin(ctx context.Context, fake *sandbox.Fake, dialogURL string, c sandbox.Consent) error {
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

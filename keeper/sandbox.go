package keeper

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/pagekeeper/pagekeeper/sandbox"
)

// sandboxSeed fixes the pretend world (Pages, people, tokens' randomness).
const sandboxSeed = 20261122

// startSandbox runs the pretend Facebook on a free loopback port, its state
// kept in the data folder so practice survives a restart.
func (k *Keeper) startSandbox() error {
	opts := sandbox.Options{Seed: sandboxSeed, Clock: sandbox.NewRunningClock(time.Now()),
		StateFile: filepath.Join(k.opts.Dir, "sandbox-facebook.json")}
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

// consentInSandbox plays the person at the pretend Facebook's dialog
// (Options.SandboxAutoConsent): it submits the dialog's form — the
// parameters of dialogURL, every permission asked for, every Page — as the
// pretend Facebook documents it, and follows the redirect to the login's
// callback, as a browser would.
func (k *Keeper) consentInSandbox(dialogURL string) error {
	u, err := url.Parse(dialogURL)
	if err != nil {
		return err
	}
	form := u.Query()
	form.Set("__action", "continue")
	for _, p := range strings.FieldsFunc(form.Get("scope"), func(r rune) bool { return r == ',' || r == ' ' }) {
		form.Add("perm", p)
	}
	for _, p := range k.fake.Fake.Pages() {
		form.Add("page", p.ID)
	}
	browser := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	u.RawQuery = ""
	resp, err := browser.PostForm(u.String(), form)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return fmt.Errorf("the pretend Facebook's dialog answered HTTP %d", resp.StatusCode)
	}
	resp, err = browser.Get(resp.Header.Get("Location"))
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}

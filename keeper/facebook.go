package keeper

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/fb/login"
	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/store"
)

// config is what the settings make of a Keeper: the settings themselves,
// and the Graph client and login set-up built from them with the secrets.
// It is never changed, only replaced whole (UpdateSettings), so work in
// flight — a health round, a login — finishes with the config it started
// with while the next one uses the new settings.
type config struct {
	settings Settings
	client   *fb.Client
	// login is the base of every Facebook login (app, ports, relay,
	// browser, language); StartLogin adds the per-login parts.
	login login.Config
	// integrations are the integrations in effect (integrations.go).
	integrations *integrationSet
}

// config is the current config; it is set from Open on.
func (k *Keeper) config() *config { return k.cfg.Load() }

// facebook is the Graph client of the current settings.
func (k *Keeper) facebook() *fb.Client { return k.config().client }

// newConfig builds the Graph client and the login set-up for set: on the
// sandbox's pretend Facebook with its app, or on Facebook (or
// Options.FacebookURL) with the saved App ID and App Secret.
func (k *Keeper) newConfig(set Settings) *config {
	fc := fb.Config{Version: set.GraphVersion, AppID: set.AppID, HTTPClient: k.http,
		Retry: k.opts.FacebookRetry, CallTimeout: k.opts.FacebookCallTimeout}
	if k.fake != nil {
		// The sandbox plays the recommended set-up: an app whose App Secret
		// is configured, so logins turn into long-lived tokens and Page
		// tokens that never expire (without it Facebook's Page tokens last
		// about an hour).
		app := k.fake.Fake.Options()
		fc.GraphURL, fc.LoginURL, fc.AppID, fc.AppSecret = k.fake.URL, k.fake.URL, app.AppID, token.New(app.AppSecret)
	} else {
		fc.GraphURL, fc.LoginURL, fc.AppSecret = k.opts.FacebookURL, k.opts.FacebookURL, k.appSecret(set.AppID)
	}
	client := fb.New(fc)
	base := login.Config{Client: client, AppSecret: fc.AppSecret, Ports: slices.Clone(set.Ports),
		OpenBrowser: k.opts.OpenBrowser, Pages: loginPages(LangOf(set.Language)), ConfigID: set.LoginConfigID}
	if set.RedirectMode == RedirectRelay {
		base.RelayURL = set.RelayURL
	}
	if len(k.opts.Ports) > 0 {
		base.Ports = slices.Clone(k.opts.Ports)
	}
	if k.fake != nil {
		k.sandboxLogin(&base)
	}
	c := &config{settings: set, client: client, login: base}
	if old := k.config(); old != nil {
		c.integrations = old.integrations
	}
	return c
}

// appSecret is the App Secret saved for appID, or the zero Token. A
// secret that cannot be read is reported (Logf; the error says from where)
// and treated as no secret: the secret is optional, and Pagekeeper must
// open without it.
func (k *Keeper) appSecret(appID string) token.Token {
	if appID == "" {
		return token.Token{}
	}
	v, err := k.secrets.Get(keyringService, appSecretUser(appID))
	switch {
	case errors.Is(err, store.ErrKeyNotFound):
		return token.Token{}
	case err != nil:
		k.logf("the App Secret could not be read (%v); logging in without it", err)
		return token.Token{}
	}
	return token.New(v)
}

// apply puts set into effect at once: the next round, login, email and
// scheduled wait use it; what is in flight finishes with the old config.
func (k *Keeper) apply(set Settings) {
	k.cfg.Store(k.newConfig(set))
	k.health().settingsChanged()
}

// reloadSettings re-reads the settings from the store (after a restore) and
// applies them.
func (k *Keeper) reloadSettings(ctx context.Context) error {
	set, err := k.loadSettings(ctx)
	if err != nil {
		return err
	}
	k.apply(set)
	ints, err := k.loadIntegrations(ctx)
	if err != nil {
		return err
	}
	k.putIntegrations(ints.list)
	if k.bot != nil {
		// The restored list knows Sandbox Bot at an old address (or not at all).
		return k.registerSandboxBot(ctx)
	}
	return nil
}

// checkFacebookURL accepts what --facebook-url (Options.FacebookURL) may
// point at: any https:// address, or an http:// one on this computer's
// loopback interface (a test server, a local proxy); never plain http
// across a network, where tokens would travel in the clear.
func checkFacebookURL(raw string) error {
	u, err := url.Parse(raw)
	shown := raw
	if err == nil {
		shown = u.Redacted() // a password in the address stays out of the message
	}
	bad := fmt.Errorf("--facebook-url %q: use an https:// address, or http:// on this computer (127.0.0.1, [::1] or localhost)", shown)
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

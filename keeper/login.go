package keeper

import (
	"context"
	"errors"

	"github.com/pagekeeper/pagekeeper/fb/login"
)

// ErrNoLogin: Facebook Login is not set up (no App ID yet).
var ErrNoLogin = errors.New("Facebook Login is not set up: enter your app's App ID in Settings")

// Renewing logins ask Facebook's dialog again for what lapsed (see RenewAuthType).
const (
	AuthTypeRerequest   = login.AuthTypeRerequest
	AuthTypeReauthorize = login.AuthTypeReauthorize
)

// LoginSession is a login waiting for Facebook in the owner's browser.
type LoginSession struct {
	s        *login.Session
	business bool
}

// StartLogin opens the local callback and the owner's browser on Facebook's
// dialog, with the settings in effect. authType is "" for a connect, or
// AuthTypeRerequest / AuthTypeReauthorize for a renewal (see
// RenewAuthType); business (or Settings.BusinessPages) also asks for the
// Pages of the person's businesses.
//
// One login runs at a time: a new one ends the one before and waits until
// its callback port is free. Ending ctx ends the login and frees its port.
func (k *Keeper) StartLogin(ctx context.Context, authType string, business bool) (*LoginSession, error) {
	if err := k.requireManager(); err != nil {
		return nil, err
	}
	c := k.config()
	cfg := c.login
	if cfg.Client.Config().AppID == "" {
		return nil, ErrNoLogin
	}
	cfg.AuthType, cfg.Business = authType, business || c.settings.BusinessPages
	cfg.OnAttempt = k.recordRejectedCallback
	k.loginMu.Lock()
	defer k.loginMu.Unlock()
	if prev := k.login; prev != nil {
		prev.Cancel()
		select {
		case <-prev.Done():
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		k.login = nil
	}
	s, err := login.Start(ctx, cfg)
	if err != nil {
		return nil, err
	}
	k.login = s
	return &LoginSession{s: s, business: cfg.Business}, nil
}

// URL is the dialog address to open in a browser (for a Copy button).
func (l *LoginSession) URL() string { return l.s.URL() }

// RedirectURL is where Facebook sends the browser back.
func (l *LoginSession) RedirectURL() string { return l.s.RedirectURL() }

// BrowserErr delivers the outcome of opening the browser once (nil when it
// opened), then is closed. On an error the person opens URL by hand; the
// login keeps waiting.
func (l *LoginSession) BrowserErr() <-chan error { return l.s.BrowserErr() }

// Done is closed when the login has ended and its port is free.
func (l *LoginSession) Done() <-chan struct{} { return l.s.Done() }

// Cancel ends the login; its port is free once Done is closed.
func (l *LoginSession) Cancel() { l.s.Cancel() }

// Wait blocks until the login ends and returns what it granted. The error
// is ErrLoginCancelled (Cancel in Facebook's dialog), ErrLoginTimeout, the
// context's error (Cancel, or the context of StartLogin ended), a
// *LoginStoppedError, or Facebook's failure (see Explain).
func (l *LoginSession) Wait() (Grant, error) {
	r, err := l.s.Wait()
	if err != nil {
		var de *login.DialogError
		if errors.As(err, &de) {
			return Grant{}, &LoginStoppedError{Code: de.Code, err: err}
		}
		return Grant{}, err
	}
	return Grant{User: r.User, UserToken: r.UserToken, Granted: r.Granted, Declined: r.Declined, Business: l.business,
		ExpiresAt: r.ExpiresAt, LongLived: r.LongLived}, nil
}

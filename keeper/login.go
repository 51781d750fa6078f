package keeper

import (
	"context"
	"errors"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/fb/login"
)

// UseFacebook sets the Graph client and the base of every Facebook login
// (the app, ports, relay, browser opener); StartLogin adds the per-login parts.
func (k *Keeper) UseFacebook(c *fb.Client, base login.Config) {
	k.graph = c
	base.Client = c
	k.loginBase = &base
}

// ErrNoLogin: Facebook Login is not set up (no App ID yet).
var ErrNoLogin = errors.New("Facebook Login is not set up: enter your app's App ID in Settings")

// LoginSession is a login waiting for Facebook in the owner's browser.
type LoginSession = login.Session

// StartLogin opens the local callback and the owner's browser on Facebook's
// dialog. authType is "" for a connect, or login.AuthTypeRerequest /
// login.AuthTypeReauthorize for a renewal (see RenewAuthType).
func (k *Keeper) StartLogin(ctx context.Context, authType string, business bool) (*LoginSession, error) {
	if err := k.requireManager(); err != nil {
		return nil, err
	}
	if k.loginBase == nil {
		return nil, ErrNoLogin
	}
	cfg := *k.loginBase
	if cfg.AppID == "" && (cfg.Client == nil || cfg.Client.Config().AppID == "") {
		return nil, ErrNoLogin
	}
	cfg.AuthType, cfg.Business = authType, business
	cfg.OnAttempt = k.recordRejectedCallback
	return login.Start(ctx, cfg)
}

// GrantFrom turns a finished login into the Grant PlanConnect works on.
func GrantFrom(r *login.Result, business bool) Grant {
	return Grant{User: r.User, UserToken: r.UserToken, Granted: r.Granted, Declined: r.Declined, Business: business,
		ExpiresAt: r.ExpiresAt, LongLived: r.LongLived}
}

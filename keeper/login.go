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

// The login's pages in the browser (fb/login shows them; keeper words
// them). "{name}" and "{detail}" are filled in by fb/login at the time.
var (
	msgPageSuccessTitle   = msg("login.page.success_title", "Connected to Facebook")
	msgPageSuccess        = msg("login.page.success", "Connected as {{.Name}}. You can close this tab and return to Pagekeeper.")
	msgPageCancelledTitle = msg("login.page.cancelled_title", "Login cancelled")
	msgPageCancelled      = msg("login.page.cancelled", "Login cancelled – you can close this tab and return to Pagekeeper. Nothing was changed.")
	msgPageFailedTitle    = msg("login.page.failed_title", "The Facebook login did not finish")
	msgPageRejectedCode   = msg("login.page.exchange_rejected",
		"Facebook did not accept the answer of this login: it had expired, was already used, or did not match the login Pagekeeper started.")
	msgPageTemporary   = msg("login.page.exchange_temporary", "Facebook had a temporary problem and could not finish the login.")
	msgPageUnknown     = msg("login.page.exchange_unknown", "Facebook answered in a way Pagekeeper does not understand.")
	msgPageDialogError = msg("login.page.dialog_error", "Facebook stopped the login before it finished.")
	msgNeedsSecret     = msg("login.needs_secret",
		"Facebook finishes this app's logins only with the app's App Secret, and Pagekeeper does not have it yet. In Pagekeeper, open Settings, enter the App Secret on the Facebook app tab, then log in again.")
	msgWrongSecret = msg("login.wrong_secret",
		"Facebook refused the App Secret Pagekeeper has for this app. Copy it again from Meta's App Dashboard (App settings, Basic), enter it in Pagekeeper's Settings, then log in again.")
	msgPageFacebookSaid  = msg("login.page.facebook_said", "Facebook said: “{{.Detail}}”")
	msgPageTryAgain      = msg("login.page.try_again", "Close this tab and start the login again in Pagekeeper. Nothing was changed.")
	msgPageRejectedTitle = msg("login.page.rejected_title", "This link does not belong to your login")
	msgPageRejected      = msg("login.page.rejected", "This page was opened with a link that does not match the login Pagekeeper is waiting for, so it was ignored and nothing was changed. If you are logging in, finish it in the tab Pagekeeper opened, or use the link Pagekeeper shows.")
	msgPageNoState       = msg("login.page.error_without_state", "Facebook reports that the login was not completed. If you pressed Cancel on Facebook, return to Pagekeeper and press Cancel there.")
	msgPageMissingCode   = msg("login.page.missing_code", "The answer from Facebook is incomplete (it has no login code), so it was ignored. Return to Pagekeeper and try again.")
	msgPageUsedTitle     = msg("login.page.used_title", "This login link was already used")
	msgPageUsed          = msg("login.page.used", "This login link was already used, so it was ignored. Return to Pagekeeper: it shows how the login ended.")
	msgPageStoppedTitle  = msg("login.page.stopped_title", "Pagekeeper stopped waiting")
	msgPageStopped       = msg("login.page.stopped", "Pagekeeper is no longer waiting for this login (it was cancelled or took too long). Nothing was changed. Start the login again in Pagekeeper.")
	msgPageBadTitle      = msg("login.page.bad_request_title", "Bad request")
	msgPageTooLong       = msg("login.page.too_long", "This address is too long to be a login answer, so it was ignored.")
	msgPageMalformed     = msg("login.page.malformed", "This address is malformed, so it was ignored.")
	msgPageNotFoundTitle = msg("login.page.not_found_title", "Not found")
	msgPageNotFound      = msg("login.page.not_found", "There is nothing here. Return to Pagekeeper.")
	msgPageMethodTitle   = msg("login.page.method_title", "Method not allowed")
	msgPageMethod        = msg("login.page.method", "Only a browser visit is expected here. Return to Pagekeeper.")
)

// loginPages are the login's pages in l.
func loginPages(l Lang) login.Messages {
	say := func(m message) string { return m.with().In(l) }
	return login.Messages{
		Lang:         string(l),
		SuccessTitle: say(msgPageSuccessTitle), Success: msgPageSuccess.with("Name", "{name}").In(l),
		CancelledTitle: say(msgPageCancelledTitle), Cancelled: say(msgPageCancelled),
		FailedTitle: say(msgPageFailedTitle), ExchangeRejected: say(msgPageRejectedCode), ExchangeTemporary: say(msgPageTemporary),
		ExchangeTimeout: ReasonTimeout.Explanation("").In(l), ExchangeOffline: ReasonOffline.Explanation("").In(l),
		ExchangeUnknown: say(msgPageUnknown), DialogError: say(msgPageDialogError),
		ExchangeNeedsSecret: say(msgNeedsSecret), ExchangeWrongSecret: say(msgWrongSecret),
		FacebookSaid: msgPageFacebookSaid.with("Detail", "{detail}").In(l), TryAgain: say(msgPageTryAgain),
		RejectedTitle: say(msgPageRejectedTitle), Rejected: say(msgPageRejected), ErrorWithoutState: say(msgPageNoState),
		MissingCode: say(msgPageMissingCode), UsedTitle: say(msgPageUsedTitle), Used: say(msgPageUsed),
		StoppedTitle: say(msgPageStoppedTitle), Stopped: say(msgPageStopped),
		BadRequestTitle: say(msgPageBadTitle), TooLong: say(msgPageTooLong), Malformed: say(msgPageMalformed),
		NotFoundTitle: say(msgPageNotFoundTitle), NotFound: say(msgPageNotFound),
		MethodTitle: say(msgPageMethodTitle), Method: say(msgPageMethod),
	}
}

package login

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/fb/token"
)

// Facebook's subcodes for a code it will not exchange (docs/FACEBOOK.md §1).
const (
	subCodeExpired          = 36007
	subRedirectMismatch     = 36008
	subCodeUsed             = 36009
	maxTokenResponseBytes   = 1 << 20
	tokenEndpointPathForLog = "/oauth/access_token"
)

// complete turns the callback's code into a Result: the exchange (the PKCE
// verifier always, the App Secret when there is one), optionally the
// long-lived exchange, then /me and /me/permissions. Any failure returns an
// error that names no secret.
func (s *Session) complete(code string) (*Result, error) {
	secrets := []token.Token{token.New(code), token.New(s.verifier), s.r.AppSecret}
	ctx, cancel := context.WithTimeout(s.ctx, s.r.ExchangeTimeout)
	defer cancel()
	opts := []oauth2.AuthCodeOption{oauth2.VerifierOption(s.verifier)}
	if !s.r.AppSecret.IsZero() {
		// Revealed only into the exchange's form (AuthStyleInParams).
		opts = append(opts, oauth2.SetAuthURLParam("client_secret", s.r.AppSecret.Reveal()))
	}
	tok, err := s.conf.Exchange(context.WithValue(ctx, oauth2.HTTPClient, s.http), code, opts...)
	if err != nil {
		return nil, s.exchangeError(ctx, err, secrets)
	}
	if tok.AccessToken == "" {
		return nil, &fb.Error{Class: fb.ClassUnknown, Reason: fb.ReasonUnknown, Message: "Facebook's token answer has no access token"}
	}
	res := &Result{UserToken: token.New(tok.AccessToken), ExpiresAt: tok.Expiry}
	if !s.r.AppSecret.IsZero() {
		if long, exp, err := s.longLived(res.UserToken); err != nil {
			res.LongLivedErr = err
		} else {
			res.UserToken, res.ExpiresAt, res.LongLived = long, exp, true
		}
	}

	gctx, gcancel := context.WithTimeout(s.ctx, 2*s.r.ExchangeTimeout)
	defer gcancel()
	me, err := s.client.Me(gctx, res.UserToken)
	if err != nil {
		return nil, s.graphError(err)
	}
	res.User = me
	perms, err := s.client.Permissions(gctx, res.UserToken)
	if err != nil {
		return nil, s.graphError(err)
	}
	for _, p := range perms {
		if p.Status == fb.PermissionGranted {
			res.Granted = append(res.Granted, p.Name)
		} else {
			res.Declined = append(res.Declined, p.Name)
		}
	}
	return res, nil
}

// graphError keeps the flow's cancellation recognisable.
func (s *Session) graphError(err error) error {
	if s.ctx.Err() != nil {
		return s.ctx.Err()
	}
	return err
}

// exchangeError classifies a failed exchange without ever using the text of
// err, which may quote request details.
func (s *Session) exchangeError(ctx context.Context, err error, secrets []token.Token) error {
	if s.ctx.Err() != nil {
		return s.ctx.Err()
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		e := fb.DecodeError(status, re.Body, secrets...)
		if clientRefused(e) {
			return &SecretError{Wrong: !s.r.AppSecret.IsZero(), Err: e}
		}
		return e
	}
	return transportError(ctx, err)
}

// Facebook's codes for an exchange whose client is not validated: 101
// ("Missing client_… parameter", nov/fb_graph #204) and 1 with a 4xx
// status ("Error validating client secret."; code 1 with a 5xx is the
// generic temporary failure).
const (
	codeInvalidClient = 101
	codeClientSecret  = 1
)

// clientRefused reports whether Facebook refused the exchange for the app's
// credentials (the App Secret missing or wrong), decided by code only.
func clientRefused(e *fb.Error) bool {
	return e.Code == codeInvalidClient || (e.Code == codeClientSecret && e.HTTPStatus >= 400 && e.HTTPStatus < 500)
}

// SecretError is a login Facebook would not finish for the App Secret:
// without one (the PKCE verifier alone was refused: ErrAppSecretNeeded) or
// with a wrong one (ErrAppSecretWrong). Err is Facebook's answer, for logs.
type SecretError struct {
	Wrong bool
	Err   *fb.Error
}

func (e *SecretError) sentinel() error {
	if e.Wrong {
		return ErrAppSecretWrong
	}
	return ErrAppSecretNeeded
}

func (e *SecretError) Error() string        { return e.sentinel().Error() }
func (e *SecretError) Is(target error) bool { return target == e.sentinel() }
func (e *SecretError) Unwrap() error        { return e.Err }

func transportError(ctx context.Context, err error) *fb.Error {
	var ne net.Error
	var ue *url.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil || (errors.As(err, &ne) && ne.Timeout()):
		return &fb.Error{Class: fb.ClassTransient, Reason: fb.ReasonTimeout, IsTransient: true,
			Message: "POST " + tokenEndpointPathForLog + ": timed out"}
	case errors.As(err, &ue):
		return &fb.Error{Class: fb.ClassTransient, Reason: fb.ReasonOffline, IsTransient: true,
			Message: "POST " + tokenEndpointPathForLog + ": could not reach Facebook"}
	}
	return &fb.Error{Class: fb.ClassUnknown, Reason: fb.ReasonUnknown,
		Message: "unexpected answer from Facebook's token endpoint"}
}

// longLived exchanges a short-lived user token for a ~60-day one. It needs
// the app secret (docs/FACEBOOK.md §4), which is why it is optional.
func (s *Session) longLived(short token.Token) (token.Token, time.Time, error) {
	ctx, cancel := context.WithTimeout(s.ctx, s.r.ExchangeTimeout)
	defer cancel()
	form := url.Values{
		"grant_type":        {"fb_exchange_token"},
		"client_id":         {s.r.AppID},
		"client_secret":     {s.r.AppSecret.Reveal()},
		"fb_exchange_token": {short.Reveal()},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.r.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return token.Token{}, time.Time{}, &fb.Error{Class: fb.ClassInvalidRequest, Reason: fb.ReasonInvalidParameter, Message: "invalid token endpoint address"}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := s.http.Do(req)
	if err != nil {
		return token.Token{}, time.Time{}, transportError(ctx, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenResponseBytes))
	if err != nil {
		return token.Token{}, time.Time{}, transportError(ctx, err)
	}
	if resp.StatusCode != http.StatusOK {
		return token.Token{}, time.Time{}, fb.DecodeError(resp.StatusCode, body, short, s.r.AppSecret)
	}
	var j struct {
		AccessToken string          `json:"access_token"`
		ExpiresIn   json.Number     `json:"expires_in"`
		Error       json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &j) != nil || j.AccessToken == "" {
		return token.Token{}, time.Time{}, fb.DecodeError(resp.StatusCode, body, short, s.r.AppSecret)
	}
	var exp time.Time
	if n, err := j.ExpiresIn.Int64(); err == nil && n > 0 {
		exp = time.Now().Add(time.Duration(n) * time.Second)
	}
	return token.New(j.AccessToken), exp, nil
}

// explain says in plain words why the login did not finish.
func explain(err error, m Messages) string {
	switch {
	case errors.Is(err, ErrAppSecretNeeded):
		return m.ExchangeNeedsSecret
	case errors.Is(err, ErrAppSecretWrong):
		return m.ExchangeWrongSecret
	}
	e, ok := fb.AsError(err)
	if !ok {
		return m.ExchangeUnknown
	}
	switch {
	case e.Reason == fb.ReasonTimeout:
		return m.ExchangeTimeout
	case e.Reason == fb.ReasonOffline:
		return m.ExchangeOffline
	case e.Class == fb.ClassTransient || e.Class == fb.ClassThrottled:
		return m.ExchangeTemporary
	case e.Subcode == subCodeExpired || e.Subcode == subCodeUsed || e.Subcode == subRedirectMismatch,
		e.Class == fb.ClassInvalidRequest, e.Class == fb.ClassAuth, e.Class == fb.ClassPermission:
		return m.ExchangeRejected
	}
	return m.ExchangeUnknown
}

package fb

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

// GranularScope is a permission limited to some objects (Pages). Empty
// TargetIDs means the permission applies to all.
type GranularScope struct {
	Scope     string
	TargetIDs []string
}

// TokenInfo is what debug_token says about a token.
type TokenInfo struct {
	Valid       bool
	Type        string // USER, PAGE, APP, SYSTEM_USER
	AppID       string
	Application string
	UserID      string
	ProfileID   string // the Page of a Page token
	IssuedAt    time.Time
	// ExpiresAt is zero when the token never expires (Never is then true) or
	// when Facebook did not say.
	ExpiresAt           time.Time
	Never               bool
	DataAccessExpiresAt time.Time
	Scopes              []string
	GranularScopes      []GranularScope
	// Error is why the token is invalid (is_valid:false), classified like
	// any other Graph error.
	Error *Error
}

// HasScope reports whether scope is among the token's scopes.
func (t TokenInfo) HasScope(scope string) bool {
	for _, s := range t.Scopes {
		if s == scope {
			return true
		}
	}
	return false
}

// tokenInfoJSON is debug_token's answer. Data and IsValid are pointers:
// an answer without them says nothing about the token.
type tokenInfoJSON struct {
	Data *struct {
		AppID               flexString      `json:"app_id"`
		Type                string          `json:"type"`
		Application         string          `json:"application"`
		Error               *graphErrorJSON `json:"error"`
		ExpiresAt           *flexInt        `json:"expires_at"`
		DataAccessExpiresAt flexInt         `json:"data_access_expires_at"`
		IsValid             *flexBool       `json:"is_valid"`
		IssuedAt            flexInt         `json:"issued_at"`
		ProfileID           flexString      `json:"profile_id"`
		Scopes              []string        `json:"scopes"`
		GranularScopes      []struct {
			Scope     string       `json:"scope"`
			TargetIDs []flexString `json:"target_ids"`
		} `json:"granular_scopes"`
		UserID flexString `json:"user_id"`
	} `json:"data"`
}

func unixOrZero(v flexInt) time.Time {
	if v <= 0 {
		return time.Time{}
	}
	return time.Unix(int64(v), 0).UTC()
}

// parseTokenInfo decodes a debug_token body. status is the HTTP status of
// the answer, used for the embedded error. An answer that does not say
// whether the token is valid (no data, no is_valid), or calls it valid
// without listing its scopes, is an unexpected answer: the verdict depends
// on those fields, and Facebook always sends them.
func parseTokenInfo(body []byte, status int, sc scrubber) (TokenInfo, error) {
	var j tokenInfoJSON
	err := json.Unmarshal(body, &j)
	if err != nil || j.Data == nil || j.Data.IsValid == nil || (bool(*j.Data.IsValid) && j.Data.Scopes == nil) {
		return TokenInfo{}, unexpectedAnswer(status, "unexpected debug_token answer from Facebook", err)
	}
	d := j.Data
	ti := TokenInfo{
		Valid:               bool(*d.IsValid),
		Type:                d.Type,
		AppID:               string(d.AppID),
		Application:         d.Application,
		UserID:              string(d.UserID),
		ProfileID:           string(d.ProfileID),
		IssuedAt:            unixOrZero(d.IssuedAt),
		DataAccessExpiresAt: unixOrZero(d.DataAccessExpiresAt),
		Scopes:              d.Scopes,
	}
	if d.ExpiresAt != nil {
		if *d.ExpiresAt == 0 {
			ti.Never = true
		} else {
			ti.ExpiresAt = unixOrZero(*d.ExpiresAt)
		}
	}
	for _, g := range d.GranularScopes {
		gs := GranularScope{Scope: g.Scope}
		for _, id := range g.TargetIDs {
			if id != "" {
				gs.TargetIDs = append(gs.TargetIDs, string(id))
			}
		}
		ti.GranularScopes = append(ti.GranularScopes, gs)
	}
	if d.Error != nil {
		ti.Error = d.Error.toError(status, sc)
	}
	if !ti.Valid && ti.Error == nil {
		// Invalid with no reason given: still a dead token.
		ti.Error = &Error{HTTPStatus: status, Code: codeOAuth, Class: ClassAuth, Reason: ReasonSessionInvalid, Message: "token is not valid"}
	}
	return ti, nil
}

// ErrCannotInspect: debug_token needs the app access token, which needs the
// App Secret (or the user token of one of the app's admins or developers,
// which a customer never has). Without an App Secret Pagekeeper judges a
// token by what it can still read instead.
var ErrCannotInspect = errors.New("facebook: token inspection needs the App Secret (debug_token answers only the app token or the app's developers)")

// CanInspect reports whether debug_token can be asked: Config has the App ID
// and the App Secret, so the app token can be formed.
func (c *Client) CanInspect() bool { return !c.appToken().IsZero() }

// appToken is "{app-id}|{app-secret}" (Meta's access-token guide), or zero.
func (c *Client) appToken() token.Token {
	if c.cfg.AppID == "" || c.cfg.AppSecret.IsZero() {
		return token.Token{}
	}
	return token.New(c.cfg.AppID + "|" + c.cfg.AppSecret.Reveal())
}

// InspectToken asks debug_token about input with the app token. Without an
// App Secret it returns ErrCannotInspect. An invalid input token is not an
// error: TokenInfo.Valid is false and TokenInfo.Error says why.
func (c *Client) InspectToken(ctx context.Context, input token.Token) (TokenInfo, error) {
	app := c.appToken()
	if app.IsZero() {
		return TokenInfo{}, ErrCannotInspect
	}
	return c.DebugToken(ctx, app, input)
}

// DebugToken inspects input using inspectWith as the access token: the app
// token, or the user token of an admin or developer of the app; Facebook
// answers anyone else, the token itself included, with (#100) "You must
// provide an app access token, or a user access token that is an owner or
// developer of the app" (docs/FACEBOOK.md §4). Most callers want
// InspectToken.
func (c *Client) DebugToken(ctx context.Context, inspectWith, input token.Token) (TokenInfo, error) {
	if inspectWith.IsZero() {
		return TokenInfo{}, ErrCannotInspect
	}
	r := &request{
		method: http.MethodGet, url: c.endpoint("debug_token"),
		params: url.Values{"input_token": {input.Reveal()}},
		tok:    inspectWith, secrets: []token.Token{input}, idempotent: true,
	}
	resp, err := c.do(ctx, r)
	if err != nil {
		return TokenInfo{}, err
	}
	return parseTokenInfo(resp.body, resp.status, r.scrubber(c.cfg.AppSecret))
}

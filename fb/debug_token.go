package fb

import (
	"context"
	"encoding/json"
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

type tokenInfoJSON struct {
	Data struct {
		AppID               flexString      `json:"app_id"`
		Type                string          `json:"type"`
		Application         string          `json:"application"`
		Error               *graphErrorJSON `json:"error"`
		ExpiresAt           *flexInt        `json:"expires_at"`
		DataAccessExpiresAt flexInt         `json:"data_access_expires_at"`
		IsValid             flexBool        `json:"is_valid"`
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
// the answer, used for the embedded error.
func parseTokenInfo(body []byte, status int, sc scrubber) (TokenInfo, error) {
	var j tokenInfoJSON
	if !scanTokenInfo(body, &j) { // the usual shape is read without reflection
		j = tokenInfoJSON{}
		if err := json.Unmarshal(body, &j); err != nil {
			return TokenInfo{}, &Error{HTTPStatus: status, Class: ClassUnknown, Reason: ReasonUnknown, Message: "unexpected debug_token answer from Facebook"}
		}
	}
	d := j.Data
	ti := TokenInfo{
		Valid:               bool(d.IsValid),
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

// DebugToken inspects input using inspectWith as the access token. With
// inspectWith equal to input (or zero) it is a self-inspection, which needs
// no app secret. An invalid input token is not an error: TokenInfo.Valid is
// false and TokenInfo.Error says why.
func (c *Client) DebugToken(ctx context.Context, inspectWith, input token.Token) (TokenInfo, error) {
	if inspectWith.IsZero() {
		inspectWith = input
	}
	r := &request{
		method: http.MethodGet, url: c.endpoint("debug_token"),
		params: url.Values{"input_token": {input.Reveal()}},
		tok:    inspectWith, secrets: []token.Token{input}, idempotent: true,
	}
	resp, err := c.do(ctx, r)
	if err != nil {
		if e, ok := AsError(err); ok && e.Class == ClassAuth && inspectWith.Equal(input) {
			// Self-inspection of a dead token may fail outright instead of
			// answering is_valid:false; either way the answer is "invalid".
			return TokenInfo{Error: e}, nil
		}
		return TokenInfo{}, err
	}
	return parseTokenInfo(resp.body, resp.status, r.scrubber(c.cfg.AppSecret))
}

package sandbox

import (
	"strings"
)

// debugTokenData is debug_token's answer: the fields of Meta's debug_token
// reference (docs/FACEBOOK.md §4), plus "type", which the manual-flow
// guide's sample shows. Field order is the JSON's.
type debugTokenData struct {
	AppID               string          `json:"app_id"`
	Type                string          `json:"type"`
	Application         string          `json:"application"`
	DataAccessExpiresAt int64           `json:"data_access_expires_at"`
	Error               *debugTokenErr  `json:"error,omitempty"`
	ExpiresAt           int64           `json:"expires_at"` // 0: never
	GranularScopes      []granularScope `json:"granular_scopes"`
	IsValid             bool            `json:"is_valid"`
	IssuedAt            int64           `json:"issued_at"`
	Metadata            map[string]any  `json:"metadata,omitempty"`
	ProfileID           string          `json:"profile_id,omitempty"`
	Scopes              []string        `json:"scopes"`
	UserID              string          `json:"user_id"`
}

// DebugTokenFields are the keys debug_token may answer under data.
var DebugTokenFields = []string{"app_id", "type", "application", "data_access_expires_at", "error", "expires_at",
	"granular_scopes", "is_valid", "issued_at", "metadata", "profile_id", "scopes", "user_id"}

type debugTokenErr struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Subcode int    `json:"subcode,omitempty"`
}

// granularScope: no target_ids means the permission applies to every
// object, so an empty list must be written, not left out.
type granularScope struct {
	Scope     string    `json:"scope"`
	TargetIDs *[]string `json:"target_ids,omitempty"`
}

// errInspectForbidden is what debug_token answers a caller that is neither
// the app nor one of its admins or developers.
func errInspectForbidden() *apiError {
	return errParam("(#100) You must provide an app access token, or a user access token that is an owner or developer of the app")
}

// debugToken answers GET /debug_token. The caller must be the app (its app
// token) or an admin or developer of the app (their user token); a
// customer's token or a Page token gets (#100), even about itself.
func (f *Fake) debugToken(c *call, t *tokenRec) (any, *apiError) {
	input := c.params.Get("input_token")
	if input == "" {
		return nil, errParam("(#100) The parameter input_token is required")
	}
	if !f.mayInspect(t) {
		return nil, errInspectForbidden()
	}
	if t.kind != kindApp {
		if e := f.checkToken(t); e != nil {
			return nil, e
		}
	}
	it := f.lookupToken(input)
	if it == nil {
		return map[string]any{"data": map[string]any{
			"error":    map[string]any{"code": 190, "message": "Invalid OAuth access token - Cannot parse access token"},
			"is_valid": false, "scopes": []string{},
		}}, nil
	}
	if it.kind == kindApp {
		return map[string]any{"data": map[string]any{"app_id": f.opts.AppID, "type": string(it.kind), "application": f.opts.AppName,
			"is_valid": true, "scopes": []string{}}}, nil
	}
	return map[string]any{"data": f.debugData(it)}, nil
}

// debugData describes a user, system user or Page token. Callers hold f.mu.
func (f *Fake) debugData(it *tokenRec) debugTokenData {
	u := f.users[it.userID]
	d := debugTokenData{AppID: f.opts.AppID, Type: string(it.kind), Application: f.opts.AppName,
		DataAccessExpiresAt: u.dataAccess.Unix(), IssuedAt: it.issued.Unix(), UserID: u.id,
		GranularScopes: []granularScope{}, Scopes: []string{}}
	if it.system {
		d.Type = "SYSTEM_USER"
	}
	if e := f.checkToken(it); e != nil {
		d.Error = &debugTokenErr{Code: e.code, Message: e.msg, Subcode: e.subcode}
	} else {
		d.IsValid = true
	}
	if !it.expires.IsZero() {
		d.ExpiresAt = it.expires.Unix()
	}
	if it.authType != "" {
		d.Metadata = map[string]any{"auth_type": it.authType}
	}
	if it.kind == kindPage {
		d.ProfileID = it.pageID
	}
	g := u.grant
	if g == nil {
		return d
	}
	var pageTargets []string
	if it.kind == kindPage {
		pageTargets = []string{it.pageID}
	} else {
		for _, pid := range u.pageOrder {
			if u.roles[pid] != nil && g.pages[pid] {
				pageTargets = append(pageTargets, pid)
			}
		}
	}
	for _, p := range g.permOrder {
		if g.perms[p] != "granted" {
			continue
		}
		d.Scopes = append(d.Scopes, p)
		gs := granularScope{Scope: p}
		switch {
		case strings.HasPrefix(p, "pages_") || p == "read_insights":
			ids := append([]string{}, pageTargets...)
			gs.TargetIDs = &ids
		case p == "business_management":
			ids := append([]string{}, u.biz...)
			gs.TargetIDs = &ids
		}
		d.GranularScopes = append(d.GranularScopes, gs)
	}
	return d
}

package sandbox

import (
	"strings"
)

// debugToken answers GET /debug_token (ref §3). The caller may use the app
// token, a valid token of the same app, or the input token itself
// (self-inspection, reported to work even when that token is no longer valid).
func (f *Fake) debugToken(c *call, t *tokenRec) (any, *apiError) {
	input := c.params.Get("input_token")
	if input == "" {
		return nil, errParam("(#100) The parameter input_token is required")
	}
	if t.kind != kindApp && c.token != input {
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
	return rawJSON(f.appendDebugData(make([]byte, 0, 768), it)), nil
}

// appendDebugData writes {"data":{…}} for a user or Page token, with the
// keys in the sorted order json.Marshal gave the map it replaces. Callers
// hold f.mu.
func (f *Fake) appendDebugData(b []byte, it *tokenRec) []byte {
	u := f.users[it.userID]
	b = append(b, `{"data":{"app_id":`...)
	b = appendJSONString(b, f.opts.AppID)
	b = append(b, `,"application":`...)
	b = appendJSONString(b, f.opts.AppName)
	b = append(b, `,"data_access_expires_at":`...)
	b = appendInt(b, u.dataAccess.Unix())
	e := f.checkToken(it)
	if e != nil {
		b = append(b, `,"error":{"code":`...)
		b = appendInt(b, int64(e.code))
		b = append(b, `,"message":`...)
		b = appendJSONString(b, e.msg)
		if e.subcode != 0 {
			b = append(b, `,"subcode":`...)
			b = appendInt(b, int64(e.subcode))
		}
		b = append(b, '}')
	}
	b = append(b, `,"expires_at":`...)
	if it.expires.IsZero() {
		b = append(b, '0') // never (ref §2.3)
	} else {
		b = appendInt(b, it.expires.Unix())
	}
	b = append(b, `,"granular_scopes":[`...)
	var pageTargets []string
	if g := u.grant; g != nil {
		if it.kind == kindPage {
			pageTargets = []string{it.pageID}
		} else {
			for _, pid := range u.pageOrder {
				if u.roles[pid] != nil && g.pages[pid] {
					pageTargets = append(pageTargets, pid)
				}
			}
		}
		n := 0
		for _, p := range g.permOrder {
			if g.perms[p] != "granted" {
				continue
			}
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = append(b, `{"scope":`...)
			b = appendJSONString(b, p)
			switch {
			case strings.HasPrefix(p, "pages_") || p == "read_insights":
				b = append(b, `,"target_ids":`...)
				b = appendJSONStrings(b, pageTargets)
			case p == "business_management":
				b = append(b, `,"target_ids":`...)
				b = appendJSONStrings(b, u.biz)
			}
			b = append(b, '}')
		}
	}
	b = append(b, `],"is_valid":`...)
	if e != nil {
		b = append(b, "false"...)
	} else {
		b = append(b, "true"...)
	}
	b = append(b, `,"issued_at":`...)
	b = appendInt(b, it.issued.Unix())
	if it.authType != "" {
		b = append(b, `,"metadata":{"auth_type":`...)
		b = appendJSONString(b, it.authType)
		b = append(b, '}')
	}
	if it.kind == kindPage {
		b = append(b, `,"profile_id":`...)
		b = appendJSONString(b, it.pageID)
	}
	b = append(b, `,"scopes":[`...)
	if g := u.grant; g != nil {
		n := 0
		for _, p := range g.permOrder {
			if g.perms[p] != "granted" {
				continue
			}
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = appendJSONString(b, p)
		}
	}
	b = append(b, `],"type":`...)
	b = appendJSONString(b, string(it.kind))
	b = append(b, `,"user_id":`...)
	b = appendJSONString(b, u.id)
	return append(b, `}}`...)
}

package fakefb

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
	d := map[string]any{"app_id": f.opts.AppID, "type": string(it.kind), "application": f.opts.AppName}
	if it.kind == kindApp {
		d["is_valid"] = true
		d["scopes"] = []string{}
		return map[string]any{"data": d}, nil
	}
	u := f.users[it.userID]
	d["user_id"] = u.id
	d["issued_at"] = it.issued.Unix()
	d["expires_at"] = int64(0) // never (ref §2.3)
	if !it.expires.IsZero() {
		d["expires_at"] = it.expires.Unix()
	}
	d["data_access_expires_at"] = u.dataAccess.Unix()
	if it.kind == kindPage {
		d["profile_id"] = it.pageID
	}
	if it.authType != "" {
		d["metadata"] = map[string]string{"auth_type": it.authType}
	}
	scopes := []string{}
	granular := []any{}
	if g := u.grant; g != nil {
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
			scopes = append(scopes, p)
			switch {
			case strings.HasPrefix(p, "pages_") || p == "read_insights":
				granular = append(granular, map[string]any{"scope": p, "target_ids": nonNil(pageTargets)})
			case p == "business_management":
				granular = append(granular, map[string]any{"scope": p, "target_ids": nonNil(u.biz)})
			default:
				granular = append(granular, map[string]any{"scope": p})
			}
		}
	}
	d["scopes"] = scopes
	d["granular_scopes"] = granular
	if e := f.checkToken(it); e != nil {
		d["is_valid"] = false
		ed := map[string]any{"code": e.code, "message": e.msg}
		if e.subcode != 0 {
			ed["subcode"] = e.subcode
		}
		d["error"] = ed
	} else {
		d["is_valid"] = true
	}
	return map[string]any{"data": d}, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

package sandbox

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// ---- users (docs/FACEBOOK.md §2) ----

func (f *Fake) userRoute(c *call, t *tokenRec, u *user, edge string, segs []string) (any, *apiError) {
	self := t.kind == kindUser && t.userID == u.id
	switch edge {
	case "":
		if c.method != http.MethodGet || !(self || t.kind == kindApp) {
			return nil, errUnsupported(c.method, u.id)
		}
		fields, _ := parseFields(c.params.Get("fields"), "id", "name")
		if e := checkFields(fields, "User", userFields, userEdges); e != nil {
			return nil, e
		}
		out := map[string]any{}
		first, last, _ := strings.Cut(u.name, " ")
		for _, fl := range fields {
			switch fl {
			case "id":
				out["id"] = u.id
			case "name":
				out["name"] = u.name
			case "first_name":
				out["first_name"] = first
			case "last_name":
				out["last_name"] = last
			}
		}
		return out, nil
	case "accounts", "assigned_pages":
		if !self || c.method != http.MethodGet {
			return nil, errUnsupported(c.method, u.id+"/"+edge)
		}
		return f.accounts(c, t, u, edge == "assigned_pages")
	case "permissions":
		if !(self || t.kind == kindApp) {
			return nil, errUnsupported(c.method, u.id+"/permissions")
		}
		return f.permissions(c, u, segs)
	case "businesses":
		if !self || c.method != http.MethodGet {
			return nil, errUnsupported(c.method, u.id+"/businesses")
		}
		if e := f.needPerm(t, "business_management"); e != nil {
			return nil, e
		}
		return f.paginate(c, len(u.biz), func(i int) any {
			b := f.businesses[u.biz[i]]
			return map[string]any{"id": b.id, "name": b.name}
		})
	}
	if userEdges[edge] && c.method == http.MethodGet {
		return map[string]any{"data": []any{}}, nil // a real edge the sandbox does not model
	}
	return nil, nonexistingField(edge, "User")
}

// checkFields refuses a field that the node type has neither as a field
// nor as an edge (docs/FACEBOOK.md §2).
func checkFields(fields []string, node string, known ...map[string]bool) *apiError {
next:
	for _, fl := range fields {
		for _, k := range known {
			if k[fl] {
				continue next
			}
		}
		return nonexistingField(fl, node)
	}
	return nil
}

// accounts answers /me/accounts (Pages the person has a role on, not those
// reached through a business) and /{user}/assigned_pages (those too). Both
// edges add "tasks" to each Page, which the Page node itself does not have.
func (f *Fake) accounts(c *call, t *tokenRec, u *user, assigned bool) (any, *apiError) {
	if e := f.needPerm(t, "pages_show_list"); e != nil {
		return nil, e
	}
	if assigned {
		if e := f.needPerm(t, "business_management"); e != nil {
			return nil, e
		}
	}
	fields, sub := parseFields(c.params.Get("fields"), "id", "name", "access_token", "category", "category_list", "tasks")
	if e := checkFields(fields, "Page", pageFields, pageEdges, edgeTaskField); e != nil {
		return nil, e
	}
	if f.opts.BusinessOnly && !assigned {
		return map[string]any{"data": []any{}}, nil
	}
	ids := u.accountIDs()
	if assigned {
		ids = nil
		for _, pid := range u.pageOrder {
			if u.roles[pid] != nil && u.grant.pages[pid] {
				ids = append(ids, pid)
			}
		}
	}
	return f.paginate(c, len(ids), func(i int) any {
		return f.pageFields(f.pages[ids[i]], fields, sub, t, c)
	})
}

// edgeTaskField: the one field the edges listing a person's Pages add.
var edgeTaskField = map[string]bool{"tasks": true}

func (f *Fake) permissions(c *call, u *user, segs []string) (any, *apiError) {
	switch c.method {
	case http.MethodGet:
		if len(segs) > 2 {
			return nil, errUnknownPath("/" + strings.Join(segs[2:], "/"))
		}
		data := []any{}
		if g := u.grant; g != nil {
			expired := !f.clock.Now().Before(u.dataAccess)
			for _, p := range g.permOrder {
				st := g.perms[p]
				if st == "granted" && expired {
					st = "expired"
				}
				data = append(data, map[string]string{"permission": p, "status": st})
			}
		}
		return map[string]any{"data": data}, nil
	case http.MethodDelete:
		if len(segs) == 2 {
			// Full de-authorisation (docs/FACEBOOK.md §4): tokens → 190/458.
			f.removeApp(u)
			return map[string]any{"success": true}, nil
		}
		if u.grant != nil {
			u.grant.setPerm(segs[2], "declined")
		}
		return rawJSON("true"), nil
	}
	return nil, errUnsupported(c.method, u.id+"/permissions")
}

// ---- Pages (docs/FACEBOOK.md §2, §3) ----

// pageVisible: whether the token may read the Page node. A user token sees
// the Pages granted to the app; a Page token its own Page; an app token
// published Pages.
func (f *Fake) pageVisible(t *tokenRec, p *page) bool {
	switch t.kind {
	case kindApp:
		return p.published
	case kindPage:
		return t.pageID == p.id
	}
	u := f.users[t.userID]
	return u.roles[p.id] != nil && u.grant.pages[p.id]
}

func (f *Fake) pageFields(p *page, fields []string, sub map[string]string, t *tokenRec, c *call) map[string]any {
	out := make(map[string]any, len(fields))
	var r *role
	if t.kind != kindApp {
		r = f.users[t.userID].roles[p.id]
	}
	for _, fl := range fields {
		switch fl {
		case "id":
			out["id"] = p.id
		case "name":
			out["name"] = p.name
		case "username":
			out["username"] = p.username
		case "category":
			out["category"] = p.category
		case "category_list":
			out["category_list"] = []map[string]string{{"id": p.categoryID, "name": p.category}}
		case "is_published":
			out["is_published"] = p.published
		case "link":
			out["link"] = p.link()
		case "picture":
			out["picture"] = map[string]any{"data": f.pictureData(c, p.id, "")}
		case "tasks":
			if r != nil {
				out["tasks"] = r.tasks
			}
		case "access_token":
			// "Only returned if the User making the request has a role"
			// (Page reference, access_token).
			switch {
			case t.kind == kindPage:
				out["access_token"] = t.value
			case t.kind == kindUser && r != nil:
				out["access_token"] = f.pageTokenFor(t, p.id).value
			}
		}
	}
	return out
}

func (f *Fake) pageRoute(c *call, t *tokenRec, p *page, edge string) (any, *apiError) {
	switch edge {
	case "":
		if c.method != http.MethodGet || !f.pageVisible(t, p) {
			return nil, errUnsupported(c.method, p.id)
		}
		fields, sub := parseFields(c.params.Get("fields"), "id", "name")
		if e := checkFields(fields, "Page", pageFields, pageEdges); e != nil {
			return nil, e
		}
		return f.pageFields(p, fields, sub, t, c), nil
	case "subscribed_apps":
		return f.subscribedApps(c, t, p)
	case "messages":
		return f.sendMessage(c, t, p)
	case "conversations":
		return f.conversations(c, t, p)
	}
	if pageEdges[edge] && c.method == http.MethodGet {
		return map[string]any{"data": []any{}}, nil // a real edge the sandbox does not model
	}
	return nil, nonexistingField(edge, "Page")
}

// pageTokenRole checks that t is a Page token for p and returns the role of
// the person it was derived from.
func (f *Fake) pageTokenRole(t *tokenRec, p *page) (*role, *apiError) {
	if t.kind != kindPage || t.pageID != p.id {
		return nil, errPageTokenRequired()
	}
	return f.users[t.userID].roles[p.id], nil
}

func (f *Fake) subscribedApps(c *call, t *tokenRec, p *page) (any, *apiError) {
	r, e := f.pageTokenRole(t, p)
	if e != nil {
		return nil, e
	}
	if !roleCan(r, capCreateContent|capManage|capModerate) {
		return nil, &apiError{code: 200, msg: "(#200) The user must be able to perform the CREATE_CONTENT, MANAGE or MODERATE task on the Page to manage its subscribed apps."}
	}
	if e := f.needPerm(t, "pages_manage_metadata", "pages_show_list"); e != nil {
		return nil, e
	}
	switch c.method {
	case http.MethodGet:
		if p.sub == nil {
			return map[string]any{"data": []any{}}, nil
		}
		return map[string]any{"data": []any{map[string]any{"category": "Business", "link": "https://pagekeeper.example/sandbox",
			"name": f.opts.AppName, "id": f.opts.AppID, "subscribed_fields": p.sub.fields}}}, nil
	case http.MethodPost:
		raw := strings.TrimSpace(c.params.Get("subscribed_fields"))
		var list []string
		if strings.HasPrefix(raw, "[") {
			for _, s := range strings.Split(strings.Trim(raw, "[]"), ",") {
				list = append(list, strings.Trim(strings.TrimSpace(s), `"'`))
			}
		} else {
			for _, s := range strings.Split(raw, ",") {
				list = append(list, strings.TrimSpace(s))
			}
		}
		list = slices.DeleteFunc(list, func(s string) bool { return s == "" })
		if len(list) == 0 {
			return nil, errParam("(#100) The parameter subscribed_fields is required")
		}
		for i, s := range list {
			if !subscribedFieldSet[s] {
				return nil, errParam(fmt.Sprintf("(#100) Param subscribed_fields[%d] must be one of {%s} - got \"%s\"", i,
					strings.ToUpper(strings.Join(SubscribedFieldsEnum, ", ")), s))
			}
		}
		p.sub = &subscription{fields: slices.Compact(list)}
		if f.opts.SubscribeSuccessAsString {
			return map[string]any{"success": "true"}, nil
		}
		return map[string]any{"success": true}, nil
	case http.MethodDelete:
		p.sub = nil
		if f.opts.UnsubscribeMessagingSuccess {
			return map[string]any{"success": true, "messaging_success": true}, nil
		}
		return map[string]any{"success": true}, nil
	}
	return nil, errUnsupported(c.method, p.id+"/subscribed_apps")
}

// ---- businesses (docs/FACEBOOK.md §2) ----

func (f *Fake) businessRoute(c *call, t *tokenRec, b *business, edge string) (any, *apiError) {
	if t.kind != kindUser || !slices.Contains(b.members, t.userID) || c.method != http.MethodGet {
		return nil, errUnsupported(c.method, b.id)
	}
	if e := f.needPerm(t, "business_management"); e != nil {
		return nil, e
	}
	var list []string
	switch edge {
	case "":
		fields, _ := parseFields(c.params.Get("fields"), "id", "name")
		if e := checkFields(fields, "Business", businessFields, businessEdges); e != nil {
			return nil, e
		}
		out := map[string]any{}
		for _, fl := range fields {
			switch fl {
			case "id":
				out["id"] = b.id
			case "name":
				out["name"] = b.name
			}
		}
		return out, nil
	case "owned_pages":
		list = b.owned
	case "client_pages":
		list = b.clients
	default:
		if businessEdges[edge] {
			return map[string]any{"data": []any{}}, nil // a real edge the sandbox does not model
		}
		return nil, nonexistingField(edge, "Business")
	}
	// These edges return plain Pages: asking for tasks is (#100).
	fields, sub := parseFields(c.params.Get("fields"), "id", "name")
	if e := checkFields(fields, "Page", pageFields, pageEdges); e != nil {
		return nil, e
	}
	u := f.users[t.userID]
	ids := slices.DeleteFunc(slices.Clone(list), func(pid string) bool { return u.roles[pid] == nil || !u.grant.pages[pid] })
	return f.paginate(c, len(ids), func(i int) any { return f.pageFields(f.pages[ids[i]], fields, sub, t, c) })
}

// ---- picture ----

func (f *Fake) pictureData(c *call, pageID, typ string) map[string]any {
	size := 50
	switch typ {
	case "normal":
		size = 100
	case "large":
		size = 200
	}
	if w, err := strconv.Atoi(c.params.Get("width")); err == nil && w > 0 {
		size = w
	}
	return map[string]any{"height": size, "is_silhouette": false, "url": c.base + "/rsrc/picture/" + pageID + ".png", "width": size}
}

func (f *Fake) picture(c *call, pageID string) (any, *apiError) {
	p := f.pages[pageID]
	if p == nil {
		return nil, errUnsupported(c.method, pageID)
	}
	d := f.pictureData(c, pageID, c.params.Get("type"))
	if r := c.params.Get("redirect"); r == "false" || r == "0" {
		return map[string]any{"data": d}, nil
	}
	return redirect(d["url"].(string)), nil
}

// accountIDs lists the Pages /me/accounts shows, cached so that paging
// through 10,000 Pages stays linear. Roles are only removed or restored and
// the Page set of a grant never changes in place (the dialog installs a new
// grant), so the grant pointer and the role count identify the result.
func (u *user) accountIDs() []string {
	key := accountsKey{u.grant, len(u.roles)}
	if u.accCache != nil && u.accKey == key {
		return u.accCache
	}
	ids := make([]string, 0, len(u.pageOrder))
	for _, pid := range u.pageOrder {
		if r := u.roles[pid]; r != nil && !r.viaBusiness && u.grant.pages[pid] {
			ids = append(ids, pid)
		}
	}
	u.accCache, u.accKey = ids, key
	return ids
}

type accountsKey struct {
	g      *grant
	nroles int
}

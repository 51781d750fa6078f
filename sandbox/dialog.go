package sandbox

import (
	"errors"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// dialogParams are the dialog parameters carried from the GET to the form
// POST as hidden inputs.
var dialogParams = []string{"client_id", "redirect_uri", "state", "scope", "response_type", "auth_type", "config_id",
	"code_challenge", "code_challenge_method", "display", "nonce"}

type dialogReq struct {
	vals               url.Values
	redirectURI, state string
	responseType       []string
	authType, configID string
	challenge, method  string
	scopes             []string
	user               *user
}

type pageFail struct {
	status     int
	title, msg string
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '+' })
}

// parseDialog validates the dialog parameters (ref §1.1, §1.7).
func (f *Fake) parseDialog(vals url.Values) (*dialogReq, *pageFail) {
	if vals.Get("client_id") != f.opts.AppID {
		return nil, &pageFail{400, "Invalid App ID", "The provided app ID does not look like a valid app ID."}
	}
	ru := vals.Get("redirect_uri")
	if ru == "" {
		return nil, &pageFail{400, "Missing redirect_uri", "The parameter redirect_uri is required."}
	}
	if pf := f.checkRedirect(ru); pf != nil {
		return nil, pf
	}
	d := &dialogReq{vals: vals, redirectURI: ru, state: vals.Get("state"), authType: vals.Get("auth_type"),
		configID: vals.Get("config_id"), challenge: vals.Get("code_challenge"), method: vals.Get("code_challenge_method")}
	if d.state == "" {
		// Facebook itself does not insist, but a login without state cannot
		// be protected from CSRF, so the fake refuses it to catch the bug.
		return nil, &pageFail{400, "Missing state", "The parameter state is required: send a random value and check that it comes back unchanged."}
	}
	d.responseType = splitList(vals.Get("response_type"))
	if len(d.responseType) == 0 {
		d.responseType = []string{"code"}
	}
	for _, rt := range d.responseType {
		if !slices.Contains([]string{"code", "token", "granted_scopes", "signed_request", "graph_domain"}, rt) {
			return nil, &pageFail{400, "Invalid response_type", "Unsupported response_type: " + rt}
		}
	}
	if d.configID != "" {
		perms, ok := f.opts.LoginConfigs[d.configID]
		if !ok {
			return nil, &pageFail{400, "Invalid configuration", "The configuration " + d.configID + " does not exist for this app."}
		}
		d.scopes = slices.Clone(perms)
	} else {
		d.scopes = splitList(vals.Get("scope"))
	}
	if d.challenge != "" {
		if d.method == "" {
			d.method = "plain"
		}
		if d.method != "S256" && d.method != "plain" {
			return nil, &pageFail{400, "Invalid code_challenge_method", "code_challenge_method must be S256 or plain."}
		}
	}
	d.user = f.users[vals.Get("as")]
	if d.user == nil {
		d.user = f.users[DemoUserID]
	}
	return d, nil
}

// checkRedirect applies the redirect rules: strict matching against the
// registered list; dev mode auto-allows localhost (not 127.0.0.1); live
// mode demands https (ref §0.2, §1.7).
func (f *Fake) checkRedirect(ru string) *pageFail {
	blocked := &pageFail{400, "URL Blocked", "This redirect failed because the redirect URI is not whitelisted in the app's Client OAuth Settings. Make sure Client and Web OAuth Login are on and add all your app domains as Valid OAuth Redirect URIs."}
	u, err := url.Parse(ru)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Fragment != "" {
		return blocked
	}
	registered := slices.Contains(f.opts.RegisteredRedirects, ru)
	if f.opts.LiveMode {
		if u.Scheme != "https" {
			return &pageFail{400, "Insecure Login Blocked", "You can't get an access token or log in to this app from an insecure page. Try re-loading the page as https://"}
		}
		if !registered {
			return blocked
		}
		return nil
	}
	if registered || ((u.Scheme == "http" || u.Scheme == "https") && u.Hostname() == "localhost") {
		return nil
	}
	return blocked
}

type dialogPerm struct {
	Name, Label       string
	Checked, Required bool
}

type dialogPage struct {
	ID, Name, Note string
	Checked        bool
}

type dialogUser struct {
	ID, Name string
	Selected bool
}

type dialogView struct {
	AppName, Action, UserName, UserID string
	Hidden                            []hiddenField
	Users                             []dialogUser
	Perms                             []dialogPerm
	Config                            bool
	Pages                             []dialogPage
	Reauth, Rerequest, Reauthorize    bool
	Checkpoint                        bool
	Error                             string
}

type hiddenField struct{ Name, Value string }

var permLabels = map[string]string{
	"public_profile":        "Your name and profile picture",
	"email":                 "Your email address",
	"pages_show_list":       "Show a list of the Pages you manage",
	"pages_messaging":       "Manage and access Page conversations in Messenger",
	"pages_manage_metadata": "Manage accounts, settings and webhooks for a Page",
	"pages_read_engagement": "Read content posted on the Page",
	"business_management":   "Manage your business",
}

// shownPerms are the permissions the dialog asks for: public_profile always;
// a permission the person declined before only with auth_type=rerequest
// (ref §1.5).
func (d *dialogReq) shownPerms() []string {
	out := []string{"public_profile"}
	for _, s := range d.scopes {
		if s == "public_profile" || slices.Contains(out, s) {
			continue
		}
		if g := d.user.grant; g != nil && g.perms[s] == "declined" && d.authType != "rerequest" && d.configID == "" {
			continue
		}
		out = append(out, s)
	}
	return out
}

func (d *dialogReq) wantsPages() bool {
	for _, s := range d.scopes {
		if strings.HasPrefix(s, "pages_") || s == "business_management" || s == "read_insights" {
			return true
		}
	}
	return false
}

func (f *Fake) dialogView(d *dialogReq, action string) *dialogView {
	u := d.user
	v := &dialogView{AppName: f.opts.AppName, Action: action, UserName: u.name, UserID: u.id, Config: d.configID != "",
		Reauth: d.authType == "reauthenticate", Rerequest: d.authType == "rerequest", Reauthorize: d.authType == "reauthorize",
		Checkpoint: u.checkpoint}
	for _, k := range dialogParams {
		if val := d.vals.Get(k); val != "" {
			v.Hidden = append(v.Hidden, hiddenField{k, val})
		}
	}
	for _, id := range f.userOrder {
		v.Users = append(v.Users, dialogUser{id, f.users[id].name, id == u.id})
	}
	for _, p := range d.shownPerms() {
		label := permLabels[p]
		if label == "" {
			label = p
		}
		v.Perms = append(v.Perms, dialogPerm{Name: p, Label: label, Checked: true, Required: p == "public_profile" || v.Config})
	}
	if d.wantsPages() {
		first := u.grant == nil || !u.grant.pagesChosen
		for _, pid := range u.pageOrder {
			r := u.roles[pid]
			if r == nil {
				continue
			}
			p := f.pages[pid]
			note := strings.Join(r.tasks, ", ")
			if r.viaBusiness {
				note = "via " + f.businesses[p.ownerBiz].name + " · " + note
			}
			if !p.published {
				note += " · unpublished"
			}
			v.Pages = append(v.Pages, dialogPage{ID: pid, Name: p.name, Note: note, Checked: first || u.grant.pages[pid]})
		}
	}
	return v
}

func (f *Fake) serveDialog(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		f.mu.Lock()
		d, pf := f.parseDialog(r.URL.Query())
		var v *dialogView
		if pf == nil {
			v = f.dialogView(d, r.URL.Path)
		}
		f.mu.Unlock()
		if pf != nil {
			renderFail(w, pf)
			return
		}
		renderHTML(w, http.StatusOK, dialogTmpl, v)
	case http.MethodPost:
		form, err := readDialogForm(r)
		if err != nil {
			renderFail(w, &pageFail{400, "Bad request", "The form could not be read."})
			return
		}
		f.submitDialog(w, r, form)
	default:
		w.Header().Set("Allow", "GET, POST")
		renderFail(w, &pageFail{405, "Method not allowed", "Use GET or POST."})
	}
}

// readDialogForm parses the urlencoded consent form itself: with thousands
// of Pages it has more fields than net/url's parameter cap allows.
func readDialogForm(r *http.Request) (url.Values, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	if err != nil {
		return nil, err
	}
	form := url.Values{}
	for _, kv := range strings.Split(string(b), "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, errors.New("malformed form")
		}
		form[k] = append(form[k], v)
	}
	return form, nil
}

func (f *Fake) submitDialog(w http.ResponseWriter, r *http.Request, form url.Values) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, pf := f.parseDialog(form)
	if pf != nil {
		renderFail(w, pf)
		return
	}
	if form.Get("__action") == "cancel" {
		// ref §1.2 "Canceled Login"; state on it is NOT FOUND (option).
		target := "error_reason=user_denied&error=access_denied&error_description=Permissions+error."
		if f.opts.EchoStateOnCancel {
			target += "&state=" + url.QueryEscape(d.state)
		}
		http.Redirect(w, r, joinQuery(d.redirectURI, target, slices.Contains(d.responseType, "token")), http.StatusFound)
		return
	}
	u := d.user
	if u.checkpoint {
		renderFail(w, &pageFail{403, "Your account is temporarily locked", "Log in at www.facebook.com and follow the instructions given."})
		return
	}
	if d.authType == "reauthenticate" && form.Get("password") == "" {
		renderFail(w, &pageFail{400, "Please re-enter your password", "For your security, you must re-enter your password to continue."})
		return
	}
	ticked := map[string]bool{}
	for _, p := range form["perm"] {
		ticked[p] = true
	}
	g := u.grant.clone()
	if g == nil {
		g = &grant{perms: map[string]string{}, pages: map[string]bool{}}
	}
	for _, p := range d.shownPerms() {
		switch {
		case p == "public_profile" || d.configID != "" || ticked[p]:
			g.setPerm(p, "granted")
		default:
			g.setPerm(p, "declined")
		}
	}
	if d.wantsPages() {
		pages := map[string]bool{}
		for _, pid := range form["page"] {
			if u.roles[pid] != nil {
				pages[pid] = true
			}
		}
		// Unticked Pages leave the grant: their Page tokens stop working.
		g.pages = pages
		g.pagesChosen = true
	}
	g.version++
	u.grant = g
	now := f.clock.Now()
	// Data access renews on login, but once lapsed only a reauthorize
	// login brings it back (ref §1.5, §2.4).
	if u.dataAccess.IsZero() || now.Before(u.dataAccess) || d.authType == "reauthorize" {
		u.dataAccess = now.Add(DataAccessTTL)
	}
	var parts []string
	if slices.Contains(d.responseType, "code") {
		code := "AQ" + f.randString(230, codeChars)
		f.codes[code] = &authCode{clientID: f.opts.AppID, redirectURI: d.redirectURI, userID: u.id, challenge: d.challenge,
			method: d.method, authType: d.authType, issued: now}
		parts = append(parts, "code="+url.QueryEscape(code))
	}
	fragment := slices.Contains(d.responseType, "token")
	if fragment {
		t := f.issueUser(u.id, false, d.authType)
		parts = append(parts, "access_token="+url.QueryEscape(t.value),
			"data_access_expiration_time="+strconv.FormatInt(u.dataAccess.Unix(), 10),
			"expires_in="+strconv.Itoa(int(ShortUserTokenTTL.Seconds())))
	}
	if slices.Contains(d.responseType, "granted_scopes") {
		var granted, denied []string
		for _, p := range g.permOrder {
			if g.perms[p] == "granted" {
				granted = append(granted, p)
			} else {
				denied = append(denied, p)
			}
		}
		parts = append(parts, "granted_scopes="+url.QueryEscape(strings.Join(granted, ",")), "denied_scopes="+url.QueryEscape(strings.Join(denied, ",")))
	}
	parts = append(parts, "state="+url.QueryEscape(d.state))
	http.Redirect(w, r, joinQuery(d.redirectURI, strings.Join(parts, "&"), fragment), http.StatusFound)
}

func joinQuery(base, q string, fragment bool) string {
	if fragment {
		return base + "#" + q
	}
	if strings.Contains(base, "?") {
		return base + "&" + q
	}
	return base + "?" + q
}

func renderFail(w http.ResponseWriter, pf *pageFail) {
	renderHTML(w, pf.status, failTmpl, map[string]string{"Title": pf.title, "Msg": pf.msg})
}

func renderHTML(w http.ResponseWriter, status int, t *template.Template, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = t.Execute(w, data)
}

const pageStyle = `<style>
body{font-family:system-ui,Helvetica,Arial,sans-serif;background:#f0f2f5;margin:0;color:#1c1e21}
main{max-width:560px;margin:40px auto;background:#fff;border-radius:8px;box-shadow:0 2px 8px rgba(0,0,0,.15);padding:24px}
h1{font-size:20px;margin:0 0 12px} .brand{color:#1877f2;font-weight:700;font-size:28px;margin-bottom:8px}
fieldset{border:1px solid #dddfe2;border-radius:6px;margin:12px 0;padding:8px 12px} legend{font-weight:600}
label{display:block;padding:4px 0} .note{color:#65676b;font-size:12px;margin-left:4px}
.buttons{display:flex;gap:8px;justify-content:flex-end;margin-top:16px}
button{border:0;border-radius:6px;padding:8px 16px;font-size:15px;cursor:pointer}
#continue{background:#1877f2;color:#fff} #cancel{background:#e4e6eb}
.switch{font-size:14px;color:#65676b;margin-bottom:12px} .warn{background:#fff3cd;padding:8px;border-radius:6px}
</style>`

var dialogTmpl = template.Must(template.New("dialog").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Log in With Facebook | {{.AppName}}</title>` + pageStyle + `</head>
<body><main>
<div class="brand">facebook</div>
<form class="switch" id="switch-user" method="get" action="{{.Action}}">
{{range .Hidden}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">{{end}}
<label for="as">Logged in as</label>
<select name="as" id="as" onchange="this.form.submit()">{{range .Users}}<option value="{{.ID}}"{{if .Selected}} selected{{end}}>{{.Name}}</option>{{end}}</select>
<button type="submit" id="switch">Switch</button>
</form>
<h1 id="title">{{.AppName}} is requesting access to your account</h1>
<p id="user" data-user-id="{{.UserID}}">You are logged in as <strong>{{.UserName}}</strong>.</p>
{{if .Checkpoint}}<p class="warn" id="checkpoint">Your account is temporarily locked. Log in at www.facebook.com and follow the instructions given.</p>{{end}}
{{if .Reauthorize}}<p class="warn" id="reauthorize">{{.AppName}}'s access to your data has expired. Continue to renew it.</p>{{end}}
{{if .Rerequest}}<p class="warn" id="rerequest">{{.AppName}} is asking again for permissions you declined before.</p>{{end}}
<form id="consent" method="post" action="{{.Action}}">
{{range .Hidden}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">{{end}}
<input type="hidden" name="as" value="{{.UserID}}">
{{if .Reauth}}<label for="password">Re-enter your password</label><input type="password" name="password" id="password" autocomplete="current-password">{{end}}
<fieldset id="permissions"><legend>{{if .Config}}{{.AppName}} will receive{{else}}Choose what you allow{{end}}</legend>
{{range .Perms}}<label><input type="checkbox" name="perm" value="{{.Name}}" id="perm-{{.Name}}"{{if .Checked}} checked{{end}}{{if .Required}} disabled{{end}}> {{.Label}} <span class="note">{{.Name}}</span></label>
{{end}}</fieldset>
{{if .Pages}}<fieldset id="pages"><legend>Choose the Pages {{.AppName}} can access</legend>
{{range .Pages}}<label><input type="checkbox" name="page" value="{{.ID}}" id="page-{{.ID}}"{{if .Checked}} checked{{end}}> {{.Name}} <span class="note">{{.Note}}</span></label>
{{end}}</fieldset>{{end}}
<div class="buttons">
<button type="submit" name="__action" value="continue" id="continue">Continue as {{.UserName}}</button>
<button type="submit" name="__action" value="cancel" id="cancel" formnovalidate>Cancel</button>
</div>
</form>
</main></body></html>
`))

var failTmpl = template.Must(template.New("fail").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>` + pageStyle + `</head>
<body><main><div class="brand">facebook</div><h1 id="error-title">{{.Title}}</h1><p id="error-message">{{.Msg}}</p></main></body></html>
`))

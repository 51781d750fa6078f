package sandbox

import (
	"errors"
	"fmt"
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
	config             *LoginConfig // the Login for Business configuration; nil: a classic login
	challenge, method  string
	scopes             []string
	user               *user
}

type pageFail struct {
	status     int
	title, msg string
}

// DialogPageError is a page Facebook's dialog shows instead of redirecting
// back to the app ("URL Blocked", "It looks like this app isn't
// available", …): the login dead-ends on facebook.com.
type DialogPageError struct {
	Status         int
	Title, Message string
}

func (e *DialogPageError) Error() string {
	return fmt.Sprintf("Facebook's dialog shows %q: %s", e.Title, e.Message)
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '+' })
}

// Meta's pages for a dialog that cannot go on (docs/FACEBOOK.md §1).
var (
	// A Business app without config_id (laravel/socialite #716,
	// thebergamo/react-native-fbsdk-next #625).
	failAppUnavailable = func(app string) *pageFail {
		return &pageFail{400, "It looks like this app isn't available", "To fix this, please contact " + app + "."}
	}
	// Development mode, a person without a role on the app (quoted in many
	// issues, e.g. tkesgar/miyako #1).
	failNotSetUp = &pageFail{403, "App not set up", "This app is still in development mode, and you don't have access to it. Switch to a registered test user or ask an app admin for permissions."}
	// Live mode refuses plain-http redirects (django-allauth #1994).
	failInsecure = &pageFail{400, "Insecure Login Blocked", "You can't get an access token or log in to this app from an insecure page. Try re-loading the page as https://"}
	// Strict Mode: only the registered redirect URIs, exactly (Meta's
	// 2017-12-18 blog post "strict URI matching").
	failBlocked = &pageFail{400, "URL Blocked", "This redirect failed because the redirect URI is not whitelisted in the app's Client OAuth Settings. Make sure Client and Web OAuth Login are on and add all your app domains as Valid OAuth Redirect URIs."}
)

// parseDialog validates the dialog parameters in the order Facebook does:
// the app, the redirect URI, the configuration, then the person.
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
	switch {
	case d.configID != "":
		// config_id replaces scope; Login for Business exists only for
		// Business apps.
		cfg, ok := f.opts.LoginConfigs[d.configID]
		if !ok || f.opts.AppType != AppBusiness {
			return nil, &pageFail{400, "Invalid configuration", "The configuration " + d.configID + " does not exist for this app."}
		}
		d.config = &cfg
		d.scopes = slices.Clone(cfg.Permissions)
	case f.opts.AppType == AppBusiness:
		return nil, failAppUnavailable(f.opts.AppName)
	default:
		d.scopes = splitList(vals.Get("scope"))
	}
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
	if f.opts.Mode == ModeDevelopment && f.opts.AppRole == RoleNone {
		return nil, failNotSetUp
	}
	return d, nil
}

// checkRedirect applies the redirect rules: strict matching against the
// registered list; development mode also allows http(s)://localhost (not
// 127.0.0.1) without registration; Live mode demands https.
func (f *Fake) checkRedirect(ru string) *pageFail {
	u, err := url.Parse(ru)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Fragment != "" {
		return failBlocked
	}
	registered := slices.Contains(f.opts.RegisteredRedirects, ru)
	if f.opts.Mode == ModeLive {
		if u.Scheme != "https" {
			return failInsecure
		}
		if !registered {
			return failBlocked
		}
		return nil
	}
	if registered || ((u.Scheme == "http" || u.Scheme == "https") && u.Hostname() == "localhost") {
		return nil
	}
	return failBlocked
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
// (or a configuration, which asks for all of its permissions).
func (d *dialogReq) shownPerms() []string {
	out := []string{"public_profile"}
	for _, s := range d.scopes {
		if s == "public_profile" || slices.Contains(out, s) {
			continue
		}
		if g := d.user.grant; g != nil && g.perms[s] == "declined" && d.authType != "rerequest" && d.config == nil {
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

// pagesOffered are the Pages of the Page picker, each with whether it
// starts ticked: all on a first login, afterwards those granted before.
func (f *Fake) pagesOffered(d *dialogReq) []dialogPage {
	if !d.wantsPages() {
		return nil
	}
	u := d.user
	first := u.grant == nil || !u.grant.pagesChosen
	var out []dialogPage
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
		out = append(out, dialogPage{ID: pid, Name: p.name, Note: note, Checked: first || u.grant.pages[pid]})
	}
	return out
}

func (f *Fake) dialogView(d *dialogReq, action string) *dialogView {
	u := d.user
	v := &dialogView{AppName: f.opts.AppName, Action: action, UserName: u.name, UserID: u.id, Config: d.config != nil,
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
		// A configuration is granted all or nothing: its boxes cannot be unticked.
		v.Perms = append(v.Perms, dialogPerm{Name: p, Label: label, Checked: true, Required: p == "public_profile" || v.Config})
	}
	v.Pages = f.pagesOffered(d)
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

// choice is what the person did in the dialog: the boxes left ticked.
type choice struct {
	cancel   bool
	perms    map[string]bool
	pages    map[string]bool
	password string
}

func (f *Fake) submitDialog(w http.ResponseWriter, r *http.Request, form url.Values) {
	f.mu.Lock()
	d, pf := f.parseDialog(form)
	var to string
	if pf == nil {
		c := choice{cancel: form.Get("__action") == "cancel", perms: map[string]bool{}, pages: map[string]bool{}, password: form.Get("password")}
		for _, p := range form["perm"] {
			c.perms[p] = true
		}
		for _, pid := range form["page"] {
			c.pages[pid] = true
		}
		to, pf = f.answer(d, c)
	}
	f.mu.Unlock()
	if pf != nil {
		renderFail(w, pf)
		return
	}
	http.Redirect(w, r, f.browserLocation(r, to), http.StatusFound)
}

// Consent is what the person does in the login dialog, for Fake.Consent.
// It starts from what the dialog shows ticked.
type Consent struct {
	As       string   // the person logging in (a user ID); "" is DemoUserID
	Cancel   bool     // press Cancel instead of Continue
	Decline  []string // permissions to untick (a configuration cannot be declined in part)
	Untick   []string // Page IDs to untick in the Page picker
	Tick     []string // Page IDs to tick that do not start ticked
	Password string   // re-entered password (auth_type=reauthenticate)
}

// Consent plays the person at the login dialog dialogURL (as built by the
// app) without a browser, and returns where Facebook redirects: the
// registered redirect URI with code (or error) and state, exactly as Meta
// would send it. A dialog that cannot go on gives a *DialogPageError (the
// page Facebook shows instead). The sandbox demo drives logins through it.
func (f *Fake) Consent(dialogURL string, c Consent) (*url.URL, error) {
	du, err := url.Parse(dialogURL)
	if err != nil {
		return nil, err
	}
	vals := du.Query()
	if c.As != "" {
		vals.Set("as", c.As)
	}
	defer f.changing()()
	d, pf := f.parseDialog(vals)
	if pf != nil {
		return nil, &DialogPageError{Status: pf.status, Title: pf.title, Message: pf.msg}
	}
	ch := choice{cancel: c.Cancel, perms: map[string]bool{}, pages: map[string]bool{}, password: c.Password}
	for _, p := range d.shownPerms() {
		ch.perms[p] = !slices.Contains(c.Decline, p)
	}
	for _, p := range f.pagesOffered(d) {
		ch.pages[p.ID] = (p.Checked || slices.Contains(c.Tick, p.ID)) && !slices.Contains(c.Untick, p.ID)
	}
	to, pf := f.answer(d, ch)
	if pf != nil {
		return nil, &DialogPageError{Status: pf.status, Title: pf.title, Message: pf.msg}
	}
	return url.Parse(to)
}

// answer records the person's choice and returns the redirect Facebook
// sends. Callers hold f.mu.
func (f *Fake) answer(d *dialogReq, c choice) (string, *pageFail) {
	if c.cancel {
		// Meta's manual-flow guide, "Canceled Login"; whether state comes
		// back on it is not documented (option).
		target := "error_reason=user_denied&error=access_denied&error_description=Permissions+error."
		if f.opts.EchoStateOnCancel {
			target += "&state=" + url.QueryEscape(d.state)
		}
		return joinQuery(d.redirectURI, target, slices.Contains(d.responseType, "token")), nil
	}
	u := d.user
	if u.checkpoint {
		return "", &pageFail{403, "Your account is temporarily locked", "Log in at www.facebook.com and follow the instructions given."}
	}
	if d.authType == "reauthenticate" && c.password == "" {
		return "", &pageFail{400, "Please re-enter your password", "For your security, you must re-enter your password to continue."}
	}
	g := u.grant.clone()
	if g == nil {
		g = &grant{perms: map[string]string{}, pages: map[string]bool{}}
	}
	for _, p := range d.shownPerms() {
		switch {
		case p == "public_profile" || d.config != nil || c.perms[p]:
			g.setPerm(p, "granted")
		default:
			g.setPerm(p, "declined")
		}
	}
	if d.wantsPages() {
		pages := map[string]bool{}
		for pid, on := range c.pages {
			if on && u.roles[pid] != nil {
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
	// login brings it back (docs/FACEBOOK.md "Data access").
	if u.dataAccess.IsZero() || now.Before(u.dataAccess) || d.authType == "reauthorize" {
		u.dataAccess = now.Add(DataAccessTTL)
	}
	system := d.config != nil && d.config.TokenType == TokenSystemUser
	var parts []string
	if slices.Contains(d.responseType, "code") {
		code := "AQ" + f.randString(230, codeChars)
		f.codes[code] = &authCode{clientID: f.opts.AppID, redirectURI: d.redirectURI, userID: u.id, challenge: d.challenge,
			method: d.method, authType: d.authType, issued: now, system: system}
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
	return joinQuery(d.redirectURI, strings.Join(parts, "&"), fragment), nil
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

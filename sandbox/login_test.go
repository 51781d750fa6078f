package sandbox

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDialogShowsUserPermissionsAndPages(t *testing.T) {
	s := start(t, Options{AppType: AppConsumer})
	df := openDialog(t, s, dialogQuery(s, url.Values{"state": {`<script>alert(1)</script>`}}))
	if !strings.Contains(df.html, DemoUserName) || !strings.Contains(df.html, `id="continue"`) || !strings.Contains(df.html, `id="cancel"`) {
		t.Fatal("dialog lacks the user or the buttons")
	}
	if strings.Contains(df.html, "<script>alert") {
		t.Fatal("state not escaped")
	}
	if got := df.hidden.Get("state"); got != `<script>alert(1)</script>` {
		t.Fatalf("state carried as %q", got)
	}
	for _, pid := range []string{PageSunriseCafe, PageHarborBooks, PageGreenLeafYoga, PageNightOwlBakery, PageOldTownTailor,
		PageRiversideDental, PageBlueDoorStudio, PageMapleStreetMarket} {
		if on, ok := df.checkbox["page-"+pid]; !ok || !on {
			t.Errorf("first login: page-%s present=%v ticked=%v", pid, ok, on)
		}
	}
	if _, ok := df.checkbox["page-"+PageLakesideBikes]; ok {
		t.Error("second user's Page shown to the demo user")
	}
	for _, p := range strings.Split(allScopes, ",") {
		if !df.checkbox["perm-"+p] {
			t.Errorf("permission %s not offered ticked", p)
		}
	}
	// User switcher.
	df2 := openDialog(t, s, dialogQuery(s, url.Values{"as": {SecondUserID}}))
	if !strings.Contains(df2.html, SecondUserName) || len(df2.checkbox) == 0 || df2.checkbox["page-"+PageSunriseCafe] {
		t.Fatal("second user's dialog wrong")
	}
	if !df2.checkbox["page-"+PageBlueDoorStudio] || !df2.checkbox["page-"+PageLakesideBikes] {
		t.Fatal("second user's Pages missing")
	}
}

func TestCodeFlowExchangeAndErrors(t *testing.T) {
	s := start(t, Options{})
	o := s.Fake.Options()
	code := loginCode(t, s, nil)
	base := url.Values{"client_id": {o.AppID}, "client_secret": {o.AppSecret}, "redirect_uri": {testRedirect}, "code": {code}}

	mismatch := exchange(t, s, with(base, "redirect_uri", testRedirect+"/"))
	wantError(t, mismatch, 100, 36008)
	badSecret := exchange(t, s, with(base, "client_secret", "nope"))
	wantError(t, badSecret, 1, 0)
	if badSecret.errField("message") != "Error validating client secret." {
		t.Fatalf("bad secret message %v", badSecret.errField("message"))
	}

	// GET works too (Meta's manual-flow guide shows GET).
	ok := get(t, s.URL+"/v25.0/oauth/access_token?"+base.Encode())
	if ok.status != 200 || ok.body["token_type"] != "bearer" || ok.body["expires_in"] != float64(5400) || ok.body["access_token"] == "" {
		t.Fatalf("exchange: %d %s", ok.status, ok.raw)
	}
	me := graphGet(t, s, "/v25.0/me", ok.body["access_token"].(string), nil)
	if me.body["id"] != DemoUserID || me.body["name"] != DemoUserName {
		t.Fatalf("/me %s", me.raw)
	}

	used := exchange(t, s, base)
	wantError(t, used, 100, 36009)
	if wa := used.header.Get("WWW-Authenticate"); wa != `OAuth "Facebook Platform" "invalid_code" "This authorization code has been used."` {
		t.Fatalf("WWW-Authenticate %q", wa)
	}

	code2 := loginCode(t, s, nil)
	s.Fake.Clock().Advance(11 * time.Minute)
	expired := exchange(t, s, with(base, "code", code2))
	wantError(t, expired, 100, 36007)
	if expired.errField("message") != "This authorization code has expired." {
		t.Fatal(expired.errField("message"))
	}

	// Long-lived exchange (the get-long-lived guide): needs the secret.
	short := ok.body["access_token"].(string)
	ex := url.Values{"grant_type": {"fb_exchange_token"}, "client_id": {o.AppID}, "client_secret": {o.AppSecret}, "fb_exchange_token": {short}}
	long := exchange(t, s, ex)
	if long.body["expires_in"] != float64(5184000) || long.body["token_type"] != "bearer" {
		t.Fatalf("long-lived: %s", long.raw)
	}
	noSecret := exchange(t, s, with(ex, "client_secret", ""))
	wantError(t, noSecret, 101, 0)
	s.Fake.Clock().Advance(2 * time.Hour)
	wantError(t, exchange(t, s, ex), 190, 463)

	cc := get(t, s.URL+"/oauth/access_token?grant_type=client_credentials&client_id="+o.AppID+"&client_secret="+o.AppSecret)
	if cc.body["access_token"] != o.AppID+"|"+o.AppSecret {
		t.Fatalf("client_credentials %s", cc.raw)
	}
	st := s.Fake.Stats()
	if st.TokenExchanges["authorization_code"] != 1 || st.TokenExchanges["fb_exchange_token"] != 1 || st.TokenExchanges["client_credentials"] != 1 {
		t.Fatalf("stats %+v", st.TokenExchanges)
	}
}

func with(v url.Values, k, val string) url.Values {
	n := url.Values{}
	for kk, vv := range v {
		n[kk] = vv
	}
	if val == "" {
		n.Del(k)
	} else {
		n.Set(k, val)
	}
	return n
}

func TestPKCE(t *testing.T) {
	s := start(t, Options{})
	o := s.Fake.Options()
	verifier := strings.Repeat("abcDEF123-._~", 4)
	cases := []struct {
		name, method, challenge, verifier string
		secret                            bool
		wantOK                            bool
	}{
		{"S256 without secret", "S256", s256(verifier), verifier, false, true},
		{"S256 with secret", "S256", s256(verifier), verifier, true, true},
		{"plain", "plain", verifier, verifier, false, true},
		{"wrong verifier", "S256", s256(verifier), verifier + "x", false, false},
		{"missing verifier even with secret", "S256", s256(verifier), "", true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code := loginCode(t, s, url.Values{"code_challenge": {c.challenge}, "code_challenge_method": {c.method}})
			f := url.Values{"client_id": {o.AppID}, "redirect_uri": {testRedirect}, "code": {code}}
			if c.verifier != "" {
				f.Set("code_verifier", c.verifier)
			}
			if c.secret {
				f.Set("client_secret", o.AppSecret)
			}
			r := exchange(t, s, f)
			if c.wantOK {
				if r.status != 200 || r.body["access_token"] == nil {
					t.Fatalf("%d %s", r.status, r.raw)
				}
				return
			}
			wantError(t, r, 100, 0)
			if !strings.Contains(r.errField("message").(string), "Invalid code verifier") {
				t.Fatal(r.raw)
			}
		})
	}
}

// Whether Facebook exchanges a code with the PKCE verifier and no secret
// is not documented for every app: the fake plays both answers.
func TestSecretlessExchangeRefusedOnOption(t *testing.T) {
	verifier := strings.Repeat("abcDEF123-._~", 4)
	for _, refuse := range []bool{false, true} {
		s := start(t, Options{RefuseSecretlessExchange: refuse})
		o := s.Fake.Options()
		q := url.Values{"code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}}
		base := url.Values{"client_id": {o.AppID}, "redirect_uri": {testRedirect}, "code_verifier": {verifier}}
		r := exchange(t, s, with(base, "code", loginCode(t, s, q)))
		if !refuse {
			if r.status != 200 {
				t.Fatalf("secretless exchange refused by default: %s", r.raw)
			}
			continue
		}
		wantError(t, r, 101, 0)
		// With the secret (and the verifier) it goes through.
		r = exchange(t, s, with(with(base, "client_secret", o.AppSecret), "code", loginCode(t, s, q)))
		if r.status != 200 {
			t.Fatalf("exchange with secret and verifier: %s", r.raw)
		}
	}
	// Without PKCE the secret is always needed.
	s := start(t, Options{})
	r := exchange(t, s, url.Values{"client_id": {s.Fake.Options().AppID}, "redirect_uri": {testRedirect}, "code": {loginCode(t, s, nil)}})
	wantError(t, r, 101, 0)
}

func TestCancelRedirect(t *testing.T) {
	for _, echo := range []bool{true, false} {
		s := start(t, Options{NoStateOnCancel: !echo})
		u := openDialog(t, s, dialogQuery(s, nil)).submit(t, s, "cancel")
		want := testRedirect + "?error_reason=user_denied&error=access_denied&error_description=Permissions+error."
		if echo {
			want += "&state=st-123"
		}
		if u.String() != want {
			t.Fatalf("cancel redirect\n got %s\nwant %s", u, want)
		}
	}
}

func TestRedirectRules(t *testing.T) {
	dev := Options{Mode: ModeDevelopment, AppRole: RoleDeveloper}
	devWith := func(r ...string) Options { o := dev; o.RegisteredRedirects = r; return o }
	live := func(r ...string) Options { return Options{RegisteredRedirects: r} }
	cases := []struct {
		name      string
		opts      Options
		redirect  string
		wantTitle string // "" = redirect allowed
	}{
		{"dev localhost any port", dev, "http://localhost:8765/cb", ""},
		{"dev 127.0.0.1 blocked", dev, "http://127.0.0.1:8765/cb", "URL Blocked"},
		{"dev other host blocked", devWith(), "https://example.com/cb", "URL Blocked"},
		{"dev registered", devWith("https://example.com/cb"), "https://example.com/cb", ""},
		{"live localhost insecure", live("http://localhost:8765/cb"), "http://localhost:8765/cb", "Insecure Login Blocked"},
		{"live http never allowed", Options{}, "http://localhost:47321/facebook/callback", "Insecure Login Blocked"},
		{"live unregistered", Options{}, "https://example.com/cb", "URL Blocked"},
		{"live exact match only", live("https://example.com/cb"), "https://example.com/cb/", "URL Blocked"},
		{"live registered https", live("https://example.com/cb"), "https://example.com/cb", ""},
		{"live default registers the demo relay", Options{}, DemoRelayURL, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := start(t, c.opts)
			q := dialogQuery(s, url.Values{"redirect_uri": {c.redirect}})
			r := get(t, s.URL+"/dialog/oauth?"+q.Encode())
			if c.wantTitle == "" {
				if r.status != 200 {
					t.Fatalf("%d %s", r.status, r.raw)
				}
				df := openDialog(t, s, q)
				if u := df.submit(t, s, "continue"); !strings.HasPrefix(u.String(), c.redirect+"?code=") {
					t.Fatalf("redirected to %s", u)
				}
				return
			}
			if r.header.Get("Location") != "" || !strings.Contains(string(r.raw), c.wantTitle) || !strings.Contains(r.header.Get("Content-Type"), "text/html") {
				t.Fatalf("want %q page, got %d %s", c.wantTitle, r.status, r.raw)
			}
		})
	}
	s := start(t, Options{})
	r := get(t, s.URL+"/dialog/oauth?"+with(dialogQuery(s, nil), "state", "").Encode())
	if r.status != 400 || r.header.Get("Location") != "" {
		t.Fatal("dialog without state accepted")
	}
	r = get(t, s.URL+"/dialog/oauth?"+with(dialogQuery(s, nil), "client_id", "999").Encode())
	if !strings.Contains(string(r.raw), "Invalid App ID") {
		t.Fatal("bad client_id accepted")
	}
}

// The default app is a Business app: its dialog needs a Login for Business
// configuration, and without one the person sees Meta's dead end.
func TestBusinessAppNeedsConfigID(t *testing.T) {
	s := start(t, Options{})
	q := with(dialogQuery(s, nil), "config_id", "")
	q.Set("scope", allScopes)
	r := get(t, s.URL+"/v25.0/dialog/oauth?"+q.Encode())
	if r.status != 400 || r.header.Get("Location") != "" || !strings.Contains(string(r.raw), "It looks like this app isn") {
		t.Fatalf("business app without config_id: %d %s", r.status, r.raw)
	}
	_, err := s.Fake.Consent(s.URL+"/v25.0/dialog/oauth?"+q.Encode(), Consent{})
	var pe *DialogPageError
	if !errors.As(err, &pe) || !strings.Contains(pe.Title, "isn't available") {
		t.Fatalf("Consent: %v", err)
	}
	// A consumer app takes scope and knows no configurations.
	c := start(t, Options{AppType: AppConsumer})
	if r := get(t, c.URL+"/dialog/oauth?"+dialogQuery(c, nil).Encode()); r.status != 200 {
		t.Fatalf("consumer app with scope: %d", r.status)
	}
	if r := get(t, c.URL+"/dialog/oauth?"+dialogQuery(c, url.Values{"config_id": {DemoConfigID}}).Encode()); r.status != 400 {
		t.Fatal("consumer app accepted a Login for Business configuration")
	}
}

// In development mode only people with a role on the app may log in.
func TestDevelopmentModeAdmitsOnlyRoleHolders(t *testing.T) {
	for role, ok := range map[AppRole]bool{RoleNone: false, RoleTester: true, RoleDeveloper: true, RoleAdmin: true} {
		s := start(t, Options{Mode: ModeDevelopment, AppRole: role})
		r := get(t, s.URL+"/dialog/oauth?"+dialogQuery(s, nil).Encode())
		if got := r.status == 200; got != ok {
			t.Errorf("role %s: dialog HTTP %d %s", role, r.status, r.raw)
		}
		if !ok && !strings.Contains(string(r.raw), "still in development mode") {
			t.Errorf("role %s: %s", role, r.raw)
		}
	}
	// Live mode admits anyone.
	s := start(t, Options{})
	if r := get(t, s.URL+"/dialog/oauth?"+dialogQuery(s, nil).Encode()); r.status != 200 {
		t.Fatalf("live mode refused a person without a role: %s", r.raw)
	}
}

// A configuration is granted all or nothing, and may give a business
// integration system user token.
func TestConfigurationAllOrNothingAndSystemUser(t *testing.T) {
	s := start(t, Options{})
	df := openDialog(t, s, dialogQuery(s, nil))
	if _, offered := df.checkbox["perm-pages_messaging"]; offered {
		t.Fatal("a configuration's permission can be unticked")
	}
	u, err := s.Fake.Consent(s.URL+"/dialog/oauth?"+dialogQuery(s, nil).Encode(), Consent{Decline: []string{"pages_messaging"}})
	if err != nil {
		t.Fatal(err)
	}
	tok := exchangeCode(t, s, u.Query().Get("code"))
	perms := dataList(t, graphGet(t, s, "/me/permissions", tok, nil))
	for _, p := range DemoConfigPermissions {
		if !slices.ContainsFunc(perms, func(m map[string]any) bool { return m["permission"] == p && m["status"] == "granted" }) {
			t.Errorf("%s not granted: %v", p, perms)
		}
	}
	app := s.Fake.AppToken()
	if d := graphGet(t, s, "/debug_token", app, url.Values{"input_token": {tok}}).body["data"].(map[string]any); d["type"] != "USER" || d["expires_at"] == float64(0) {
		t.Fatalf("user configuration token: %v", d)
	}
	u, err = s.Fake.Consent(s.URL+"/dialog/oauth?"+dialogQuery(s, url.Values{"config_id": {DemoSystemUserConfigID}}).Encode(), Consent{})
	if err != nil {
		t.Fatal(err)
	}
	r := exchange(t, s, url.Values{"client_id": {s.Fake.Options().AppID}, "client_secret": {s.Fake.Options().AppSecret},
		"redirect_uri": {testRedirect}, "code": {u.Query().Get("code")}})
	sys, _ := r.body["access_token"].(string)
	if sys == "" || r.body["expires_in"] != nil {
		t.Fatalf("system user exchange: %s", r.raw)
	}
	d := graphGet(t, s, "/debug_token", app, url.Values{"input_token": {sys}}).body["data"].(map[string]any)
	if d["type"] != "SYSTEM_USER" || d["expires_at"] != float64(0) || d["is_valid"] != true {
		t.Fatalf("system user token: %v", d)
	}
	pt := s.Fake.PageToken(sys, PageSunriseCafe)
	if d := graphGet(t, s, "/debug_token", app, url.Values{"input_token": {pt}}).body["data"].(map[string]any); d["expires_at"] != float64(0) {
		t.Fatalf("a system user's Page token expires: %v", d)
	}
}

// The browser is sent to the fake's own copy of the relay page for the
// simulated relay host; the query is Facebook's answer, unchanged.
func TestHostedRelay(t *testing.T) {
	s := start(t, Options{})
	df := openDialog(t, s, dialogQuery(s, nil))
	form := url.Values{}
	for k, v := range df.hidden {
		form[k] = v
	}
	for id, on := range df.checkbox {
		if on {
			form.Add(df.names[id], df.values[id])
		}
	}
	form.Set("__action", "continue")
	r := postForm(t, s.URL+"/v25.0/dialog/oauth", form)
	loc, err := url.Parse(r.header.Get("Location"))
	if err != nil || r.status != http.StatusFound || loc.Scheme+"://"+loc.Host != s.URL || loc.Path != relayPath ||
		loc.Query().Get("code") == "" || loc.Query().Get("state") != "st-123" {
		t.Fatalf("browser sent to %v (HTTP %d)", loc, r.status)
	}
	page := get(t, loc.String())
	if page.status != 200 || !strings.Contains(string(page.raw), "Pagekeeper's HTTPS relay page") ||
		page.header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("hosted relay: HTTP %d", page.status)
	}
	// The code is Facebook's answer for the registered URI.
	if tok := exchangeCode(t, s, loc.Query().Get("code")); tok == "" {
		t.Fatal("no token")
	}
	// Consent, the API, answers as Meta does: the registered URI itself.
	u, err := s.Fake.Consent(s.URL+"/dialog/oauth?"+dialogQuery(s, nil).Encode(), Consent{})
	if err != nil || !strings.HasPrefix(u.String(), DemoRelayURL+"?code=") {
		t.Fatalf("Consent: %v, %v", u, err)
	}
}

func TestConsentAPI(t *testing.T) {
	s := start(t, Options{AppType: AppConsumer})
	dialog := s.URL + "/v25.0/dialog/oauth?" + dialogQuery(s, nil).Encode()
	u, err := s.Fake.Consent(dialog, Consent{Decline: []string{"pages_read_engagement"}, Untick: []string{PageHarborBooks}})
	if err != nil {
		t.Fatal(err)
	}
	tok := exchangeCode(t, s, u.Query().Get("code"))
	acc := ids(dataList(t, graphGet(t, s, "/me/accounts", tok, url.Values{"limit": {"100"}})))
	if slices.Contains(acc, PageHarborBooks) || !slices.Contains(acc, PageSunriseCafe) {
		t.Fatalf("accounts %v", acc)
	}
	perms := dataList(t, graphGet(t, s, "/me/permissions", tok, nil))
	if !slices.ContainsFunc(perms, func(m map[string]any) bool {
		return m["permission"] == "pages_read_engagement" && m["status"] == "declined"
	}) {
		t.Fatalf("declined permission not recorded: %v", perms)
	}
	u, err = s.Fake.Consent(dialog, Consent{Cancel: true})
	if err != nil || u.Query().Get("error") != "access_denied" {
		t.Fatalf("cancel: %v %v", u, err)
	}
	// The same through the admin route, for scripts.
	body, _ := json.Marshal(ConsentRequest{DialogURL: dialog, As: SecondUserID})
	res := adminPost(t, s, "/_sandbox/consent", json.RawMessage(body))
	redirect, _ := res.body["redirect"].(string)
	ru, _ := url.Parse(redirect)
	if res.status != 200 || ru == nil || ru.Query().Get("code") == "" {
		t.Fatalf("consent route: %d %s", res.status, res.raw)
	}
	if me := graphGet(t, s, "/me", exchangeCode(t, s, ru.Query().Get("code")), nil); me.body["id"] != SecondUserID {
		t.Fatalf("consent as: %s", me.raw)
	}
}

// exchangeCode exchanges a code for the registered redirect with the secret.
func exchangeCode(t *testing.T, s *Server, code string) string {
	t.Helper()
	r := exchange(t, s, url.Values{"client_id": {s.Fake.Options().AppID}, "client_secret": {s.Fake.Options().AppSecret},
		"redirect_uri": {testRedirect}, "code": {code}})
	tok, _ := r.body["access_token"].(string)
	if tok == "" {
		t.Fatalf("exchange: %s", r.raw)
	}
	return tok
}

func TestUntickingPageRevokesItsTokens(t *testing.T) {
	s := start(t, Options{AppType: AppConsumer})
	tok := login(t, s, nil)
	pageTok := s.Fake.PageToken(tok, PageBlueDoorStudio)
	if r := graphGet(t, s, "/"+PageBlueDoorStudio+"/subscribed_apps", pageTok, nil); r.status != 200 {
		t.Fatalf("before: %s", r.raw)
	}
	df := openDialog(t, s, dialogQuery(s, nil))
	if !df.checkbox["page-"+PageBlueDoorStudio] || !df.checkbox["page-"+PageSunriseCafe] {
		t.Fatal("previously granted Pages not pre-ticked")
	}
	u := df.submit(t, s, "continue", "page-"+PageBlueDoorStudio, "perm-pages_read_engagement")
	tok2 := exchange(t, s, url.Values{"client_id": {s.Fake.Options().AppID}, "client_secret": {s.Fake.Options().AppSecret},
		"redirect_uri": {testRedirect}, "code": {u.Query().Get("code")}}).body["access_token"].(string)

	wantTokenError(t, graphGet(t, s, "/"+PageBlueDoorStudio+"/subscribed_apps", pageTok, nil), 492)
	acc := dataList(t, graphGet(t, s, "/me/accounts", tok2, url.Values{"limit": {"100"}}))
	if slices.Contains(ids(acc), PageBlueDoorStudio) || !slices.Contains(ids(acc), PageSunriseCafe) {
		t.Fatalf("accounts after untick: %v", ids(acc))
	}
	dbg := graphGet(t, s, "/debug_token", s.Fake.AppToken(), url.Values{"input_token": {tok2}})
	for _, g := range dbg.body["data"].(map[string]any)["granular_scopes"].([]any) {
		gm := g.(map[string]any)
		if gm["scope"] == "pages_show_list" && slices.Contains(toStrings(gm["target_ids"]), PageBlueDoorStudio) {
			t.Fatal("unticked Page still in target_ids")
		}
	}
	perms := dataList(t, graphGet(t, s, "/me/permissions", tok2, nil))
	if !slices.ContainsFunc(perms, func(m map[string]any) bool {
		return m["permission"] == "pages_read_engagement" && m["status"] == "declined"
	}) {
		t.Fatalf("declined permission not reported: %v", perms)
	}
	// Third dialog: Blue Door unticked, the others still ticked; declined
	// permission not re-asked without rerequest.
	df3 := openDialog(t, s, dialogQuery(s, nil))
	if df3.checkbox["page-"+PageBlueDoorStudio] || !df3.checkbox["page-"+PageHarborBooks] {
		t.Fatal("pre-ticks do not follow the last choice")
	}
	if _, asked := df3.checkbox["perm-pages_read_engagement"]; asked {
		t.Fatal("declined permission re-asked without auth_type=rerequest")
	}
	df4 := openDialog(t, s, dialogQuery(s, url.Values{"auth_type": {"rerequest"}}))
	if _, asked := df4.checkbox["perm-pages_read_engagement"]; !asked {
		t.Fatal("rerequest does not re-ask")
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

func TestConfigIDAndTokenResponse(t *testing.T) {
	s := start(t, Options{})
	df := openDialog(t, s, url.Values{"client_id": {s.Fake.Options().AppID}, "redirect_uri": {testRedirect}, "state": {"s"},
		"config_id": {DemoConfigID}, "response_type": {"code granted_scopes"}})
	if strings.Contains(df.html, `name="scope"`) {
		t.Fatal("scope carried with a configuration")
	}
	if !strings.Contains(df.html, `id="page-`+PageRiversideDental+`"`) {
		t.Fatal("FLB page picker missing")
	}
	u := df.submit(t, s, "continue")
	if u.Query().Get("code") == "" || !strings.Contains(u.Query().Get("granted_scopes"), "pages_messaging") {
		t.Fatalf("redirect %s", u)
	}
	bad := get(t, s.URL+"/dialog/oauth?"+url.Values{"client_id": {s.Fake.Options().AppID}, "redirect_uri": {testRedirect}, "state": {"s"}, "config_id": {"42"}}.Encode())
	if bad.status != 400 {
		t.Fatal("unknown config accepted")
	}
	// response_type=token puts the token in the fragment.
	u2 := openDialog(t, s, dialogQuery(s, url.Values{"response_type": {"token"}})).submit(t, s, "continue")
	frag, _ := url.ParseQuery(u2.Fragment)
	if frag.Get("access_token") == "" || frag.Get("state") != "st-123" {
		t.Fatalf("token redirect %s", u2)
	}
	if r := graphGet(t, s, "/me", frag.Get("access_token"), nil); r.status != http.StatusOK {
		t.Fatal(string(r.raw))
	}
}

func TestSeedDeterminism(t *testing.T) {
	a, b, c := New(Options{Seed: 7}), New(Options{Seed: 7}), New(Options{Seed: 8})
	ta := a.IssueUserToken(DemoUserID, true, []string{"pages_show_list"})
	if ta != b.IssueUserToken(DemoUserID, true, []string{"pages_show_list"}) || ta == c.IssueUserToken(DemoUserID, true, []string{"pages_show_list"}) {
		t.Fatal("tokens not determined by the seed")
	}
}

package sandbox

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDialogShowsUserPermissionsAndPages(t *testing.T) {
	s := start(t, Options{})
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

	// GET works too (ref §1.3).
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

	// Long-lived exchange (ref §2.2).
	short := ok.body["access_token"].(string)
	ex := url.Values{"grant_type": {"fb_exchange_token"}, "client_id": {o.AppID}, "client_secret": {o.AppSecret}, "fb_exchange_token": {short}}
	long := exchange(t, s, ex)
	if long.body["expires_in"] != float64(5184000) || long.body["token_type"] != "bearer" {
		t.Fatalf("long-lived: %s", long.raw)
	}
	noSecret := exchange(t, s, with(ex, "client_secret", ""))
	wantError(t, noSecret, 1, 0)
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
	cases := []struct {
		name      string
		opts      Options
		redirect  string
		wantTitle string // "" = redirect allowed
	}{
		{"dev localhost any port", Options{}, "http://localhost:8765/cb", ""},
		{"dev 127.0.0.1 blocked", Options{}, "http://127.0.0.1:8765/cb", "URL Blocked"},
		{"dev other host blocked", Options{}, "https://example.com/cb", "URL Blocked"},
		{"dev registered", Options{RegisteredRedirects: []string{"https://example.com/cb"}}, "https://example.com/cb", ""},
		{"live http insecure", Options{LiveMode: true, RegisteredRedirects: []string{"http://localhost:8765/cb"}}, "http://localhost:8765/cb", "Insecure Login Blocked"},
		{"live unregistered", Options{LiveMode: true}, "https://example.com/cb", "URL Blocked"},
		{"live exact match only", Options{LiveMode: true, RegisteredRedirects: []string{"https://example.com/cb"}}, "https://example.com/cb/", "URL Blocked"},
		{"live registered https", Options{LiveMode: true, RegisteredRedirects: []string{"https://example.com/cb"}}, "https://example.com/cb", ""},
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

func TestUntickingPageRevokesItsTokens(t *testing.T) {
	s := start(t, Options{})
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
	dbg := graphGet(t, s, "/debug_token", s.Fake.Options().AppID+"|"+s.Fake.Options().AppSecret, url.Values{"input_token": {tok2}})
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

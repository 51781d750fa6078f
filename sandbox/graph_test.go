package sandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

var fullScopes = strings.Split(allScopes, ",")

func TestAccountsShapeAndPaging(t *testing.T) {
	s := start(t, Options{ExtraPages: 10000})
	tok := login(t, s, nil)
	first := graphGet(t, s, "/v25.0/me/accounts", tok, url.Values{"summary": {"total_count"}})
	items := dataList(t, first)
	if len(items) != 25 {
		t.Fatalf("default limit: %d items", len(items))
	}
	it := items[0]
	if it["id"] != PageSunriseCafe || it["name"] != "Sunrise Café" || it["category"] != "Coffee Shop" {
		t.Fatalf("first item %v", it)
	}
	if _, ok := it["access_token"].(string); !ok {
		t.Fatal("access_token not a string")
	}
	if cl, ok := it["category_list"].([]any); !ok || cl[0].(map[string]any)["name"] != "Coffee Shop" {
		t.Fatalf("category_list %v", it["category_list"])
	}
	if tasks, ok := it["tasks"].([]any); !ok || len(tasks) != 6 {
		t.Fatalf("tasks %v", it["tasks"])
	}
	if first.body["summary"].(map[string]any)["total_count"] != float64(10007) {
		t.Fatalf("summary %v", first.body["summary"])
	}
	got := ids(items)
	if slices.Contains(got, PageRiversideDental) || !slices.Contains(got, PageNightOwlBakery) || !slices.Contains(got, PageOldTownTailor) {
		t.Fatalf("demo Pages in accounts: %v", got[:8])
	}
	paging := first.body["paging"].(map[string]any)
	if _, ok := paging["previous"]; ok {
		t.Fatal("first page has previous")
	}
	// Follow absolute next links with a plain client to the end.
	seen := map[string]bool{}
	for _, id := range got {
		seen[id] = true
	}
	next, _ := paging["next"].(string)
	pages := 1
	var last result
	for next != "" {
		if !strings.HasPrefix(next, s.URL+"/v25.0/me/accounts?") {
			t.Fatalf("next not absolute on the fake: %s", next)
		}
		resp, err := http.Get(next)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		last = result{status: resp.StatusCode, body: body}
		for _, id := range ids(dataList(t, last)) {
			if seen[id] {
				t.Fatalf("duplicate %s", id)
			}
			seen[id] = true
		}
		p, _ := body["paging"].(map[string]any)
		next, _ = p["next"].(string)
		pages++
	}
	if len(seen) != 10007 || pages < 30 {
		t.Fatalf("saw %d Pages over %d pages", len(seen), pages)
	}
	prev := last.body["paging"].(map[string]any)["previous"].(string)
	back := get(t, prev)
	if n := len(dataList(t, back)); n != 25 {
		t.Fatalf("previous page has %d items", n)
	}
	// limit and fields.
	r := graphGet(t, s, "/me/accounts", tok, url.Values{"limit": {"3"}, "fields": {"id,name,username,link,is_published,picture"}})
	it = dataList(t, r)[0]
	if len(dataList(t, r)) != 3 || it["username"] != "sunrisecafe.demo" || it["link"] != "https://www.facebook.com/sunrisecafe.demo" || it["access_token"] != nil {
		t.Fatalf("fields: %s", r.raw)
	}
	pic := it["picture"].(map[string]any)["data"].(map[string]any)
	if _, ok := pic["url"].(string); !ok || pic["is_silhouette"] != false || pic["width"] == nil {
		t.Fatalf("picture %v", pic)
	}
}

func TestBusinessOnlyAndBusinesses(t *testing.T) {
	s := start(t, Options{BusinessOnly: true})
	tok := login(t, s, nil)
	r := graphGet(t, s, "/me/accounts", tok, nil)
	if string(r.raw) != `{"data":[]}` {
		t.Fatalf("FLB accounts %s", r.raw)
	}
	dbg := graphGet(t, s, "/debug_token", s.Fake.AppToken(), url.Values{"input_token": {tok}})
	var targets []string
	for _, g := range dbg.body["data"].(map[string]any)["granular_scopes"].([]any) {
		if g.(map[string]any)["scope"] == "pages_messaging" {
			targets = toStrings(g.(map[string]any)["target_ids"])
		}
	}
	if !slices.Contains(targets, PageRiversideDental) || !slices.Contains(targets, PageSunriseCafe) {
		t.Fatalf("target_ids %v", targets)
	}
	biz := dataList(t, graphGet(t, s, "/me/businesses", tok, nil))
	if len(biz) != 1 || biz[0]["id"] != DemoBusinessID || biz[0]["name"] != DemoBusinessName {
		t.Fatalf("businesses %v", biz)
	}
	owned := dataList(t, graphGet(t, s, "/"+DemoBusinessID+"/owned_pages", tok, url.Values{"fields": {"id,name,access_token"}}))
	if len(owned) != 1 || owned[0]["id"] != PageRiversideDental || owned[0]["access_token"] == nil {
		t.Fatalf("owned_pages %v", owned)
	}
	client := dataList(t, graphGet(t, s, "/"+DemoBusinessID+"/client_pages", tok, nil))
	if len(client) != 1 || client[0]["id"] != PageMapleStreetMarket {
		t.Fatalf("client_pages %v", client)
	}
	page := graphGet(t, s, "/"+PageRiversideDental, tok, url.Values{"fields": {"id,name,username,category,is_published,link,picture,access_token"}})
	if page.body["access_token"] == nil || page.body["is_published"] != true {
		t.Fatalf("page node %s", page.raw)
	}
	// tasks exists only on the edges that list a person's Pages.
	for _, path := range []string{"/" + PageRiversideDental, "/" + DemoBusinessID + "/owned_pages", "/" + DemoBusinessID + "/client_pages"} {
		r := graphGet(t, s, path, tok, url.Values{"fields": {"id,name,tasks"}})
		wantError(t, r, 100, 0)
		if r.errField("message") != "(#100) Tried accessing nonexisting field (tasks) on node type (Page)" {
			t.Fatalf("%s: %s", path, r.raw)
		}
	}
	// assigned_pages adds tasks, business Pages included (they come with
	// business_management).
	assigned := dataList(t, graphGet(t, s, "/me/assigned_pages", tok, url.Values{"fields": {"id,tasks"}, "limit": {"100"}}))
	if !slices.Contains(ids(assigned), PageRiversideDental) || assigned[0]["tasks"] == nil {
		t.Fatalf("assigned_pages %v", assigned)
	}
}

// Every node refuses fields it does not have, in Meta's words, and leaves
// out real fields the sandbox does not model.
func TestUnknownFieldsRefusedOnEveryNode(t *testing.T) {
	s := start(t, Options{})
	tok := s.Fake.IssueUserToken(DemoUserID, true, fullScopes)
	pt := s.Fake.PageToken(tok, PageSunriseCafe)
	for _, c := range []struct{ path, tok, field, node string }{
		{"/me", tok, "favourite_colour", "User"},
		{"/" + PageSunriseCafe, pt, "tasks", "Page"},
		{"/" + PageSunriseCafe, pt, "colour", "Page"},
		{"/me/accounts", tok, "colour", "Page"},
		{"/" + DemoBusinessID, tok, "colour", "Business"},
	} {
		r := graphGet(t, s, c.path, c.tok, url.Values{"fields": {"id," + c.field}})
		wantError(t, r, 100, 0)
		if want := "(#100) Tried accessing nonexisting field (" + c.field + ") on node type (" + c.node + ")"; r.errField("message") != want {
			t.Errorf("%s %s: %v", c.path, c.field, r.errField("message"))
		}
	}
	r := graphGet(t, s, "/"+PageSunriseCafe, pt, url.Values{"fields": {"id,fan_count,about"}})
	if r.status != 200 || r.body["id"] != PageSunriseCafe {
		t.Fatalf("real Page fields refused: %s", r.raw)
	}
	if r := graphGet(t, s, "/me", tok, url.Values{"fields": {"id,locale"}}); r.status != 200 {
		t.Fatalf("real User field refused: %s", r.raw)
	}
}

// Graph API v27.0 took multi-ID reads, field aliases and asynchronous
// batches away from new apps; the sandbox's app is one.
func TestV27WithdrawnFeaturesRefused(t *testing.T) {
	s := start(t, Options{})
	tok := s.Fake.IssueUserToken(DemoUserID, true, fullScopes)
	wantError(t, graphGet(t, s, "/", tok, url.Values{"ids": {PageSunriseCafe + "," + PageHarborBooks}}), 100, 0)
	wantError(t, graphGet(t, s, "/me", tok, url.Values{"fields": {"id,name.as(who)"}}), 100, 0)
	r := postForm(t, s.URL+"/v25.0/", url.Values{"access_token": {tok}, "asynchronous": {"true"},
		"batch": {`[{"method":"GET","relative_url":"me"}]`}})
	wantError(t, r, 100, 0)
}

func TestDebugToken(t *testing.T) {
	s := start(t, Options{})
	o := s.Fake.Options()
	app := o.AppID + "|" + o.AppSecret
	long := s.Fake.IssueUserToken(DemoUserID, true, fullScopes)
	short := s.Fake.IssueUserToken(DemoUserID, false, fullScopes)
	pageLong := s.Fake.PageToken(long, PageSunriseCafe)
	pageShort := s.Fake.PageToken(short, PageSunriseCafe)
	data := func(r result) map[string]any {
		t.Helper()
		if r.status != 200 {
			t.Fatalf("debug_token HTTP %d %s", r.status, r.raw)
		}
		return r.body["data"].(map[string]any)
	}
	d := data(graphGet(t, s, "/debug_token", app, url.Values{"input_token": {long}}))
	for _, k := range []string{"app_id", "type", "application", "expires_at", "data_access_expires_at", "is_valid", "issued_at", "scopes", "granular_scopes", "user_id"} {
		if _, ok := d[k]; !ok {
			t.Errorf("missing %s", k)
		}
	}
	if d["type"] != "USER" || d["is_valid"] != true || d["user_id"] != DemoUserID || d["app_id"] != o.AppID ||
		d["expires_at"] != float64(DefaultStart.Add(LongUserTokenTTL).Unix()) ||
		d["data_access_expires_at"] != float64(DefaultStart.Add(DataAccessTTL).Unix()) {
		t.Fatalf("user token %v", d)
	}
	pd := data(graphGet(t, s, "/debug_token", app, url.Values{"input_token": {pageLong}}))
	if pd["type"] != "PAGE" || pd["expires_at"] != float64(0) || pd["profile_id"] != PageSunriseCafe {
		t.Fatalf("page token %v", pd)
	}
	ps := data(graphGet(t, s, "/debug_token", app, url.Values{"input_token": {pageShort}}))
	if ps["expires_at"] != float64(DefaultStart.Add(time.Hour).Unix()) {
		t.Fatalf("short page token expires_at %v", ps["expires_at"])
	}
	// Neither a customer's user token nor a Page token may inspect, not
	// even itself (nyaruka/rapidpro #3734 quotes Meta's answer).
	for _, caller := range []string{long, pageLong} {
		r := graphGet(t, s, "/debug_token", caller, url.Values{"input_token": {caller}})
		wantError(t, r, 100, 0)
		if r.errField("message") != "(#100) You must provide an app access token, or a user access token that is an owner or developer of the app" {
			t.Fatalf("self-inspection: %s", r.raw)
		}
	}
	s.Fake.ChangePassword(DemoUserID)
	inv := data(graphGet(t, s, "/debug_token", app, url.Values{"input_token": {long}}))
	e, _ := inv["error"].(map[string]any)
	if inv["is_valid"] != false || e["code"] != float64(190) || e["subcode"] != float64(460) || e["message"] == "" {
		t.Fatalf("invalid token %v", inv)
	}
	junk := data(graphGet(t, s, "/debug_token", app, url.Values{"input_token": {"EAAjunk"}}))
	if junk["is_valid"] != false || junk["error"] == nil {
		t.Fatalf("junk %v", junk)
	}
	wantError(t, graphGet(t, s, "/debug_token", app, nil), 100, 0)
}

// An admin's or developer's own user token may inspect tokens; a tester's may not.
func TestDebugTokenForAppDevelopers(t *testing.T) {
	for role, ok := range map[AppRole]bool{RoleAdmin: true, RoleDeveloper: true, RoleTester: false, RoleNone: false} {
		s := start(t, Options{AppRole: role})
		dev := s.Fake.IssueUserToken(DemoUserID, true, fullScopes)
		other := s.Fake.IssueUserToken(SecondUserID, true, fullScopes)
		r := graphGet(t, s, "/debug_token", dev, url.Values{"input_token": {s.Fake.PageToken(other, PageLakesideBikes)}})
		if got := r.status == 200; got != ok {
			t.Errorf("role %s: HTTP %d %s", role, r.status, r.raw)
		}
	}
}

func TestFaults(t *testing.T) {
	cases := []struct {
		name    string
		apply   func(f *Fake)
		path    string // "" = /me with the user token; otherwise with the Sunrise Page token
		code    int
		subcode int
	}{
		{"password changed (user)", func(f *Fake) { f.ChangePassword(DemoUserID) }, "", 190, 460},
		{"password changed (page)", func(f *Fake) { f.ChangePassword(DemoUserID) }, "/" + PageSunriseCafe, 190, 460},
		{"app removed", func(f *Fake) { f.RemoveApp(DemoUserID) }, "", 190, 458},
		{"app removed (page)", func(f *Fake) { f.RemoveApp(DemoUserID) }, "/" + PageSunriseCafe + "/subscribed_apps", 190, 458},
		{"role lost", func(f *Fake) { f.RemoveRole(DemoUserID, PageSunriseCafe) }, "/" + PageSunriseCafe + "/subscribed_apps", 190, 492},
		{"tokens expired", func(f *Fake) { f.ExpireTokens(DemoUserID) }, "", 190, 463},
		{"tokens expired (page)", func(f *Fake) { f.ExpireTokens(DemoUserID) }, "/" + PageSunriseCafe, 190, 463},
		{"checkpoint", func(f *Fake) { f.Checkpoint(DemoUserID) }, "", 190, 459},
		{"unconfirmed", func(f *Fake) { f.Unconfirm(DemoUserID) }, "", 190, 464},
		{"data access expired", func(f *Fake) { f.ExpireDataAccess(DemoUserID) }, "", 190, 493},
		{"injected 190 no subcode", func(f *Fake) { f.InjectError(DemoUserID, 1, 190, 0) }, "", 190, 0},
		{"injected 467", func(f *Fake) { f.InjectError("/me", 1, 190, 467) }, "", 190, 467},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := start(t, Options{})
			tok := s.Fake.IssueUserToken(DemoUserID, true, fullScopes)
			pt := s.Fake.PageToken(tok, PageSunriseCafe)
			call := func() result {
				if c.path == "" {
					return graphGet(t, s, "/me", tok, nil)
				}
				return graphGet(t, s, c.path, pt, nil)
			}
			if r := call(); r.status != 200 {
				t.Fatalf("before: %s", r.raw)
			}
			c.apply(s.Fake)
			wantTokenError(t, call(), c.subcode)
			s.Fake.Reset()
			if r := call(); r.status != 200 {
				t.Fatalf("after Reset: %s", r.raw)
			}
		})
	}
}

func TestPermissionFaultsAndRevocation(t *testing.T) {
	s := start(t, Options{})
	tok := s.Fake.IssueUserToken(DemoUserID, true, fullScopes)
	pt := s.Fake.PageToken(tok, PageSunriseCafe)
	s.Fake.RemovePermission(DemoUserID, "pages_messaging")
	perms := dataList(t, graphGet(t, s, "/me/permissions", tok, nil))
	if !slices.ContainsFunc(perms, func(m map[string]any) bool { return m["permission"] == "pages_messaging" && m["status"] == "declined" }) {
		t.Fatalf("permissions %v", perms)
	}
	r := graphDo(t, s, http.MethodPost, "/"+PageSunriseCafe+"/messages", pt, url.Values{"recipient": {`{"id":"` + SunriseCafePSID + `"}`},
		"messaging_type": {"RESPONSE"}, "message": {`{"text":"hi"}`}})
	wantError(t, r, 200, 0)
	if r.errField("message") != "(#200) Requires permission: pages_messaging" {
		t.Fatal(r.raw)
	}
	s.Fake.Reset()
	// Data access: permissions show expired; reauthorize renews it.
	s.Fake.ExpireDataAccess(DemoUserID)
	perms = dataList(t, graphGet(t, s, "/me/permissions", tok, nil))
	if perms[1]["status"] != "expired" {
		t.Fatalf("expired permissions %v", perms)
	}
	tok2 := login(t, s, nil)
	wantTokenError(t, graphGet(t, s, "/me", tok2, nil), 493)
	tok3 := login(t, s, url.Values{"auth_type": {"reauthorize"}})
	if r := graphGet(t, s, "/me", tok3, nil); r.status != 200 {
		t.Fatalf("reauthorize did not renew: %s", r.raw)
	}
	// Revoke one permission, then everything.
	one := graphDo(t, s, http.MethodDelete, "/me/permissions/business_management", tok3, nil)
	if string(one.raw) != "true" {
		t.Fatalf("revoke one: %s", one.raw)
	}
	wantError(t, graphGet(t, s, "/me/businesses", tok3, nil), 200, 0)
	all := graphDo(t, s, http.MethodPost, "/me/permissions", tok3, url.Values{"method": {"delete"}})
	if string(all.raw) != `{"success":true}` {
		t.Fatalf("revoke all: %s", all.raw)
	}
	wantTokenError(t, graphGet(t, s, "/me", tok3, nil), 458)
	wantTokenError(t, graphGet(t, s, "/"+PageSunriseCafe, s.Fake.PageToken(tok3, PageSunriseCafe), nil), 458)
}

func TestThrottleAndUsageHeaders(t *testing.T) {
	s := start(t, Options{})
	tok := s.Fake.IssueUserToken(DemoUserID, true, fullScopes)
	sun := s.Fake.PageToken(tok, PageSunriseCafe)
	harbor := s.Fake.PageToken(tok, PageHarborBooks)
	ok := graphGet(t, s, "/me", tok, nil)
	var app appUsage
	if err := json.Unmarshal([]byte(ok.header.Get("X-App-Usage")), &app); err != nil || app.CallCount >= 100 {
		t.Fatalf("X-App-Usage %q", ok.header.Get("X-App-Usage"))
	}
	pr := graphGet(t, s, "/"+PageSunriseCafe, sun, nil)
	var buc map[string][]bucUsage
	if err := json.Unmarshal([]byte(pr.header.Get("X-Business-Use-Case-Usage")), &buc); err != nil || buc[PageSunriseCafe][0].Type != "pages" {
		t.Fatalf("BUC %q", pr.header.Get("X-Business-Use-Case-Usage"))
	}

	s.Fake.Throttle(PageSunriseCafe, 80001)
	r := graphGet(t, s, "/"+PageSunriseCafe, sun, nil)
	wantError(t, r, 80001, 0)
	_ = json.Unmarshal([]byte(r.header.Get("X-Business-Use-Case-Usage")), &buc)
	if u := buc[PageSunriseCafe][0]; u.CallCount != 100 || u.EstimatedTimeToRegainAccess != 10 {
		t.Fatalf("throttled BUC %+v", u)
	}
	if r := graphGet(t, s, "/"+PageHarborBooks, harbor, nil); r.status != 200 {
		t.Fatal("throttle leaked to another Page")
	}
	s.Fake.Clock().Advance(11 * time.Minute)
	if r := graphGet(t, s, "/"+PageSunriseCafe, sun, nil); r.status != 200 {
		t.Fatal("throttle did not lift after its window")
	}
	for _, code := range []int{4, 17, 32, 613} {
		s.Fake.Throttle("/me", code)
		r := graphGet(t, s, "/me", tok, nil)
		wantError(t, r, code, map[int]int{613: 1996}[code])
		_ = json.Unmarshal([]byte(r.header.Get("X-App-Usage")), &app)
		if app.CallCount != 100 {
			t.Fatalf("code %d: X-App-Usage %q", code, r.header.Get("X-App-Usage"))
		}
		s.Fake.Reset()
	}
}

func TestTransientFailures(t *testing.T) {
	s := start(t, Options{})
	tok := s.Fake.IssueUserToken(DemoUserID, true, fullScopes)
	s.Fake.FailNext("/me", 2, 500)
	for range 2 {
		r := graphGet(t, s, "/me", tok, nil)
		if r.status != 500 {
			t.Fatalf("status %d", r.status)
		}
		wantError(t, r, 1, 0)
		if r.errField("is_transient") != true {
			t.Fatal("not transient")
		}
	}
	if r := graphGet(t, s, "/me", tok, nil); r.status != 200 {
		t.Fatal("third call failed")
	}
	s.Fake.FailNext("", 1, 503)
	r := graphGet(t, s, "/me", tok, nil)
	if r.status != 503 {
		t.Fatal(r.status)
	}
	wantError(t, r, 2, 0)
}

func TestAppSecretProof(t *testing.T) {
	for _, require := range []bool{false, true} {
		s := start(t, Options{RequireAppSecretProof: require})
		tok := s.Fake.IssueUserToken(DemoUserID, true, fullScopes)
		good := AppSecretProof(s.Fake.Options().AppSecret, tok)
		if r := graphGet(t, s, "/me", tok, url.Values{"appsecret_proof": {good}}); r.status != 200 {
			t.Fatalf("good proof: %s", r.raw)
		}
		bad := graphGet(t, s, "/me", tok, url.Values{"appsecret_proof": {strings.Repeat("0", 64)}})
		wantError(t, bad, 100, 0)
		if bad.errField("message") != "Invalid appsecret_proof provided in the API argument" {
			t.Fatal(bad.raw)
		}
		none := graphGet(t, s, "/me", tok, nil)
		if require {
			wantError(t, none, 100, 0)
			if none.errField("message") != "API calls from the server require an appsecret_proof argument" {
				t.Fatal(none.raw)
			}
		} else if none.status != 200 {
			t.Fatal(none.raw)
		}
	}
}

func TestVersionPrefixTokenPlacesAndOverrides(t *testing.T) {
	s := start(t, Options{})
	tok := s.Fake.IssueUserToken(DemoUserID, true, fullScopes)
	for _, p := range []string{"/me", "/v25.0/me", "/v19.0/me"} {
		req, _ := http.NewRequest(http.MethodGet, s.URL+p+"?format=json", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		if r := do(t, req); r.body["id"] != DemoUserID {
			t.Fatalf("%s: %s", p, r.raw)
		}
	}
	if r := postForm(t, s.URL+"/me", url.Values{"access_token": {tok}, "method": {"get"}}); r.body["name"] != DemoUserName {
		t.Fatalf("method=get override: %s", r.raw)
	}
	r := get(t, s.URL+"/me")
	wantError(t, r, 2500, 0)
	if !strings.Contains(r.header.Get("WWW-Authenticate"), `"invalid_request"`) {
		t.Fatal(r.header)
	}
	wantTokenError(t, graphGet(t, s, "/me", "EAAnotatoken", nil), 0)
	wantError(t, graphGet(t, s, "/99999", tok, nil), 100, 33)
	pt := s.Fake.PageToken(tok, PageSunriseCafe)
	if me := graphGet(t, s, "/me", pt, nil); me.body["id"] != PageSunriseCafe {
		t.Fatalf("/me with a Page token: %s", me.raw)
	}
}

func TestPicture(t *testing.T) {
	s := start(t, Options{})
	r := get(t, s.URL+"/"+PageSunriseCafe+"/picture")
	if r.status != http.StatusFound || !strings.HasPrefix(r.header.Get("Location"), s.URL+"/rsrc/picture/") {
		t.Fatalf("picture redirect %d %v", r.status, r.header)
	}
	img := get(t, r.header.Get("Location"))
	if img.header.Get("Content-Type") != "image/png" || len(img.raw) == 0 {
		t.Fatal("picture not served")
	}
	j := get(t, s.URL+"/"+PageSunriseCafe+"/picture?redirect=false&type=large")
	d := j.body["data"].(map[string]any)
	if d["width"] != float64(200) || d["height"] != float64(200) || d["is_silhouette"] != false || d["url"] == nil {
		t.Fatalf("picture json %s", j.raw)
	}
}

var graphTimeRe = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$`)

func TestConversations(t *testing.T) {
	s := start(t, Options{})
	tok := s.Fake.IssueUserToken(DemoUserID, true, fullScopes)
	pt := s.Fake.PageToken(tok, PageSunriseCafe)
	r := graphGet(t, s, "/"+PageSunriseCafe+"/conversations", pt, url.Values{"platform": {"messenger"},
		"fields": {"id,updated_time,participants,snippet,messages{message,from,created_time}"}})
	items := dataList(t, r)
	if len(items) != 1 {
		t.Fatalf("%s", r.raw)
	}
	c := items[0]
	if ut, _ := c["updated_time"].(string); ut != "2026-11-01T08:00:00+0000" || !graphTimeRe.MatchString(ut) {
		t.Fatalf("updated_time %v", c["updated_time"])
	}
	parts := c["participants"].(map[string]any)["data"].([]any)
	if parts[0].(map[string]any)["id"] != SunriseCafePSID {
		t.Fatalf("participants %v", parts)
	}
	msgs := c["messages"].(map[string]any)["data"].([]any)
	if m := msgs[0].(map[string]any); m["message"] == nil || m["from"] == nil || !graphTimeRe.MatchString(m["created_time"].(string)) {
		t.Fatalf("messages %v", msgs)
	}
	cid := c["id"].(string)
	mr := graphGet(t, s, "/"+cid+"/messages", pt, url.Values{"fields": {"message,from,to,created_time"}})
	if len(dataList(t, mr)) != 1 {
		t.Fatal(string(mr.raw))
	}
	if r := graphGet(t, s, "/"+PageSunriseCafe+"/conversations", pt, url.Values{"user_id": {"nobody"}}); len(dataList(t, r)) != 0 {
		t.Fatal("user_id filter")
	}
	for i := range 30 {
		s.Fake.AddConversation(PageSunriseCafe, "72000000000000"+string(rune('a'+i%26))+string(rune('a'+i/26)), DefaultStart.Add(-time.Duration(i)*time.Minute))
	}
	p1 := graphGet(t, s, "/"+PageSunriseCafe+"/conversations", pt, url.Values{"limit": {"25"}})
	if len(dataList(t, p1)) != 25 || p1.body["paging"].(map[string]any)["next"] == nil {
		t.Fatal("conversation paging")
	}
	nt := s.Fake.PageToken(tok, PageNightOwlBakery)
	wantError(t, graphGet(t, s, "/"+PageNightOwlBakery+"/conversations", nt, nil), 200, 0)
}

func TestRoleLossLeavesAccountsAndOtherUsersUnaffected(t *testing.T) {
	s := start(t, Options{})
	tok := s.Fake.IssueUserToken(DemoUserID, true, fullScopes)
	ben := s.Fake.IssueUserToken(SecondUserID, true, fullScopes)
	s.Fake.RemoveRole(DemoUserID, PageBlueDoorStudio)
	s.Fake.ExpireTokens(DemoUserID)
	if r := graphGet(t, s, "/"+PageBlueDoorStudio+"/subscribed_apps", s.Fake.PageToken(ben, PageBlueDoorStudio), nil); r.status != 200 {
		t.Fatalf("shared Page broken for the other admin: %s", r.raw)
	}
	s.Fake.Reset()
	s.Fake.RemoveRole(DemoUserID, PageBlueDoorStudio)
	acc := ids(dataList(t, graphGet(t, s, "/me/accounts", tok, nil)))
	if slices.Contains(acc, PageBlueDoorStudio) || len(acc) != 6 {
		t.Fatalf("accounts after role loss: %v", acc)
	}
	s.Fake.Reset()
	if acc := ids(dataList(t, graphGet(t, s, "/me/accounts", tok, nil))); !slices.Contains(acc, PageBlueDoorStudio) {
		t.Fatal("Reset did not restore the role")
	}
	if r := graphGet(t, s, "/me/accounts", ben, nil); len(dataList(t, r)) != 2 {
		t.Fatalf("second user's accounts %s", r.raw)
	}
}

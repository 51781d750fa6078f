package sandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestAppendJSONStringMatchesMarshal(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\\s`, "<a&b>", "\x00\x01\b\f\n\r\t\x1f\x7f", "caf\u00e9 \u2028\u2029 \U0001F600",
		"bad\xff\xfeutf8", "\xe2\x80", `{"data":{"error":{"message":"x"}}}`} {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Errorf("%q: got %s want %s", s, got, want)
		}
		if got := appendJSONString(nil, []byte(s)); string(got) != string(want) {
			t.Errorf("%q as bytes: got %s want %s", s, got, want)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	f.Add("hello <world> & \"you\"")
	f.Add("\xff\u2028")
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Fatalf("%q: got %s want %s", s, got, want)
		}
		if !utf8.ValidString(s) {
			return
		}
	})
}

// TestDebugTokenBytesUnchanged checks that the hand-written debug_token
// answer is byte for byte the map-based one, over every token state a
// sandbox can reach.
func TestDebugTokenBytesUnchanged(t *testing.T) {
	f := New(Options{Seed: 7, ExtraPages: 3, AppName: `Pagekeeper <"Sandbox"> & co`})
	f.mu.Lock()
	short := f.issueUser(DemoUserID, false, "rerequest")
	f.mu.Unlock()
	long := f.IssueUserToken(DemoUserID, true, fullScopes)
	second := f.IssueUserToken(SecondUserID, false, []string{"pages_show_list", "email"})
	noPages := f.IssueUserToken(NoPagesUserID, true, nil)
	toks := []string{long, second, noPages, short.value, f.appToken(), "EAAnotatoken", f.PageToken(long, PageSunriseCafe),
		f.PageToken(long, PageGreenLeafYoga), f.PageToken(long, ExtraPageID(2)), f.PageToken(second, PageLakesideBikes)}
	f.mu.Lock()
	toks = append(toks, f.pageTokenFor(short, PageHarborBooks).value)
	f.mu.Unlock()
	never := f.IssueUserToken(SecondUserID, true, nil) // issued before any fault
	toks = append(toks, never)
	compare := func(stage string) {
		t.Helper()
		f.mu.Lock()
		defer f.mu.Unlock()
		for i, tok := range toks {
			c := &call{method: http.MethodGet, path: "/debug_token", params: url.Values{"input_token": {tok}}, token: tok}
			caller := f.lookupToken(tok)
			if caller == nil { // an unknown token is inspected with the app token
				c.token = f.appToken()
				caller = f.lookupToken(c.token)
			}
			gotBody, gotErr := f.debugToken(c, caller)
			wantBody, wantErr := f.debugTokenMaps(c, caller)
			if (gotErr == nil) != (wantErr == nil) {
				t.Fatalf("%s token %d: error %v vs %v", stage, i, gotErr, wantErr)
			}
			got := encodeBody(t, gotBody)
			want := encodeBody(t, wantBody)
			if got != want {
				t.Fatalf("%s token %d:\n got %s\nwant %s", stage, i, got, want)
			}
		}
	}
	compare("fresh")
	f.RemovePermission(DemoUserID, "pages_messaging")
	f.RemoveRole(DemoUserID, PageGreenLeafYoga)
	f.Clock().Advance(2 * time.Hour) // the short tokens expire
	compare("expired, role and permission removed")
	f.ExpireDataAccess(SecondUserID)
	f.ChangePassword(DemoUserID)
	f.Checkpoint(NoPagesUserID)
	compare("faults")
	f.RemoveApp(SecondUserID)
	compare("app removed")
	f.Reset()
	compare("reset")
}

func encodeBody(t *testing.T, body any) string {
	t.Helper()
	if r, ok := body.(rawJSON); ok {
		return string(r)
	}
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestBatchEnvelopeCanonical checks that the hand-written batch envelope is
// what json.Marshal writes for the same results, headers, nulls and errors
// included.
func TestBatchEnvelopeCanonical(t *testing.T) {
	s := start(t, Options{})
	tok := s.Fake.IssueUserToken(DemoUserID, true, fullScopes)
	page := s.Fake.PageToken(tok, PageSunriseCafe)
	ops := []map[string]any{
		{"method": "GET", "relative_url": "debug_token?input_token=" + url.QueryEscape(page), "access_token": page},
		{"method": "GET", "relative_url": "me?fields=id,name"},
		{"method": "GET", "relative_url": "nonexistent_node_<x>"},
		{"method": "GET", "relative_url": PageSunriseCafe + "/picture"},
		{"method": "GET", "relative_url": "debug_token?input_token=bogus"},
		{"method": "GET", "relative_url": PageSunriseCafe + "?fields=id,name,access_token", "access_token": page},
	}
	s.Fake.NullBatchOps("/debug_token", 1)
	for _, inc := range []string{"true", "false"} {
		r, _ := postBatch(t, s, "/v25.0/", tok, ops, url.Values{"include_headers": {inc}})
		if r.status != 200 {
			t.Fatalf("batch: %d %s", r.status, r.raw)
		}
		var res []*batchResult
		if err := json.Unmarshal(r.raw, &res); err != nil {
			t.Fatal(err)
		}
		again, _ := json.Marshal(res)
		if string(again) != strings.TrimSpace(string(r.raw)) {
			t.Fatalf("include_headers=%s:\n got %s\nwant %s", inc, r.raw, again)
		}
	}
}

func TestUsageHeadersMatchMarshal(t *testing.T) {
	u := appUsage{CallCount: 42, TotalCPUTime: 21, TotalTime: 21}
	want, _ := json.Marshal(u)
	if got := appendUsage(nil, u); string(got) != string(want) {
		t.Fatalf("got %s want %s", got, want)
	}
	wantB, _ := json.Marshal(map[string][]bucUsage{PageSunriseCafe: {{Type: "pages", CallCount: 42, TotalCPUTime: 21, TotalTime: 21, EstimatedTimeToRegainAccess: 7}}})
	if got := appendBUCUsage(nil, PageSunriseCafe, u, 7); string(got) != string(wantB) {
		t.Fatalf("got %s want %s", got, wantB)
	}
}

func TestParseQueryMatchesNetURL(t *testing.T) {
	for _, q := range []string{"", "a=1", "a=1&b=2&a=3", "&&a=&=b&c", "input_token=EAAx&access_token=EAAy&appsecret_proof=ab12",
		"a=%41+b", "a;b=1", "x=%zz", "fields=id,name{a}"} {
		want, _ := url.ParseQuery(q)
		if got := parseQuery(q); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %v, want %v", q, got, want)
		}
	}
}

func TestStripVersion(t *testing.T) {
	for in, want := range map[string]string{"/v25.0/me": "/me", "/v25.0": "/", "/v25.0/": "/", "/v2.10//x": "/x", "/v25/me": "/v25/me",
		"/v25.0x/me": "/v25.0x/me", "/vx.0/me": "/vx.0/me", "/me": "/me", "": "/", "/": "/", "/v.1/me": "/v.1/me", "/v1./me": "/v1./me"} {
		if got := stripVersion(in); got != want {
			t.Errorf("stripVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

// debugTokenMaps is debug_token as it was built before the hand-written
// encoder: maps through json.Marshal. It is the oracle the fast path must
// match byte for byte.
func (f *Fake) debugTokenMaps(c *call, t *tokenRec) (any, *apiError) {
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
				granular = append(granular, map[string]any{"scope": p, "target_ids": nonNilOracle(pageTargets)})
			case p == "business_management":
				granular = append(granular, map[string]any{"scope": p, "target_ids": nonNilOracle(u.biz)})
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

func nonNilOracle(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

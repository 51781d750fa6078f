package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

type opResult struct {
	Code    int           `json:"code"`
	Headers []batchHeader `json:"headers"`
	Body    string        `json:"body"`
	parsed  map[string]any
}

func postBatch(t *testing.T, s *Server, path, token string, ops []map[string]any, extra url.Values) (result, []*opResult) {
	t.Helper()
	b, _ := json.Marshal(ops)
	form := url.Values{"batch": {string(b)}}
	if token != "" {
		form.Set("access_token", token)
	}
	for k, v := range extra {
		form[k] = v
	}
	r := postForm(t, s.URL+path, form)
	var out []*opResult
	if r.status == 200 {
		if err := json.Unmarshal(r.raw, &out); err != nil {
			t.Fatalf("batch answer %s: %v", r.raw, err)
		}
		for _, o := range out {
			if o != nil {
				_ = json.Unmarshal([]byte(o.Body), &o.parsed)
			}
		}
	}
	return r, out
}

func TestBatch(t *testing.T) {
	s := start(t, Options{})
	tok := s.Fake.IssueUserToken(DemoUserID, true, fullScopes)
	night := s.Fake.PageToken(tok, PageNightOwlBakery)
	ops := []map[string]any{
		{"method": "GET", "relative_url": "me"},
		{"method": "GET", "relative_url": "v25.0/" + PageSunriseCafe + "?fields=id,name"},
		{"method": "GET", "relative_url": PageNightOwlBakery + "/subscribed_apps", "access_token": night},
		{"method": "POST", "relative_url": PageSunriseCafe + "/subscribed_apps", "body": "subscribed_fields=messages,feed&access_token=" + s.Fake.PageToken(tok, PageSunriseCafe)},
	}
	r, res := postBatch(t, s, "/v25.0/", tok, ops, nil)
	if r.status != 200 || len(res) != 4 {
		t.Fatalf("batch %d %s", r.status, r.raw)
	}
	if res[0].Code != 200 || res[0].parsed["id"] != DemoUserID || len(res[0].Headers) == 0 {
		t.Fatalf("op0 %+v", res[0])
	}
	if res[1].parsed["name"] != "Sunrise Café" {
		t.Fatalf("op1 %+v", res[1])
	}
	if res[2].Code != 403 || res[2].parsed["error"].(map[string]any)["code"] != float64(200) {
		t.Fatalf("op2 (no task) %+v", res[2])
	}
	if res[3].Code != 200 || res[3].parsed["success"] != true {
		t.Fatalf("op3 %+v", res[3])
	}
	// include_headers=false drops the headers key.
	r, _ = postBatch(t, s, "/", tok, ops[:1], url.Values{"include_headers": {"false"}})
	if strings.Contains(string(r.raw), `"headers"`) {
		t.Fatalf("headers present: %s", r.raw)
	}
	// 50 is fine, 51 is error 100.
	fifty := make([]map[string]any, 50)
	for i := range fifty {
		fifty[i] = map[string]any{"method": "GET", "relative_url": fmt.Sprintf("me?i=%d", i)}
	}
	if r, res := postBatch(t, s, "/", tok, fifty, nil); r.status != 200 || len(res) != 50 {
		t.Fatalf("50 ops: %d", r.status)
	}
	r, _ = postBatch(t, s, "/", tok, append(fifty, fifty[0]), nil)
	wantError(t, r, 100, 0)
	// Top-level token is required.
	r, _ = postBatch(t, s, "/", "", ops[:1], nil)
	wantError(t, r, 100, 0)
	// Timed-out ops come back null; the rest still answer.
	s.Fake.NullBatchOps("", 1)
	_, res = postBatch(t, s, "/", tok, ops[:2], nil)
	if res[0] != nil || res[1] == nil || res[1].Code != 200 {
		t.Fatalf("null op: %+v", res)
	}
	// A transient op failure fails only that op.
	s.Fake.FailNext("/"+PageSunriseCafe, 1, 500)
	_, res = postBatch(t, s, "/", tok, ops[:2], nil)
	if res[0].Code != 200 || res[1].Code != 500 {
		t.Fatalf("transient op: %d %d", res[0].Code, res[1].Code)
	}
	// The whole batch can fail so the client retries op by op.
	s.Fake.FailNext(ScopeBatch, 1, 500)
	r, _ = postBatch(t, s, "/", tok, ops[:2], nil)
	if r.status != 500 {
		t.Fatalf("whole batch: %d", r.status)
	}
	wantError(t, r, 1, 0)
	if r, _ := postBatch(t, s, "/", tok, ops[:2], nil); r.status != 200 {
		t.Fatal("batch fault not one-shot")
	}
	st := s.Fake.Stats()
	if st.BatchRequests != 9 || st.BatchOps < 60 {
		t.Fatalf("stats %+v", st)
	}
}

func TestSubscribedApps(t *testing.T) {
	for _, asString := range []bool{false, true} {
		s := start(t, Options{SubscribeSuccessAsString: asString})
		tok := s.Fake.IssueUserToken(DemoUserID, true, fullScopes)
		pt := s.Fake.PageToken(tok, PageSunriseCafe)
		path := "/v25.0/" + PageSunriseCafe + "/subscribed_apps"
		if r := graphGet(t, s, path, pt, nil); string(r.raw) != `{"data":[]}` {
			t.Fatalf("initial GET %s", r.raw)
		}
		r := graphDo(t, s, http.MethodPost, path, pt, url.Values{"subscribed_fields": {"messages,messaging_postbacks,message_echoes"}})
		want := `{"success":true}`
		if asString {
			want = `{"success":"true"}`
		}
		if string(r.raw) != want {
			t.Fatalf("POST %s", r.raw)
		}
		got := dataList(t, graphGet(t, s, path, pt, nil))
		if len(got) != 1 || got[0]["id"] != s.Fake.Options().AppID || got[0]["name"] == nil || got[0]["category"] == nil || got[0]["link"] == nil {
			t.Fatalf("GET %v", got)
		}
		if f := got[0]["subscribed_fields"].([]any); len(f) != 3 || f[0] != "messages" {
			t.Fatalf("fields %v", f)
		}
		bad := graphDo(t, s, http.MethodPost, path, pt, url.Values{"subscribed_fields": {"messages,bogus"}})
		wantError(t, bad, 100, 0)
		wantError(t, graphDo(t, s, http.MethodPost, path, pt, nil), 100, 0)
		wantError(t, graphGet(t, s, path, tok, nil), 210, 0) // user token
		// MODERATE is enough to subscribe; ANALYZE/ADVERTISE is not.
		gl := s.Fake.PageToken(tok, PageGreenLeafYoga)
		if r := graphDo(t, s, http.MethodPost, "/"+PageGreenLeafYoga+"/subscribed_apps", gl, url.Values{"subscribed_fields": {"messages"}}); r.status != 200 {
			t.Fatalf("Green Leaf: %s", r.raw)
		}
		no := graphDo(t, s, http.MethodPost, "/"+PageNightOwlBakery+"/subscribed_apps", s.Fake.PageToken(tok, PageNightOwlBakery), url.Values{"subscribed_fields": {"messages"}})
		wantError(t, no, 200, 0)
		s.Fake.DropWebhook(PageSunriseCafe)
		if r := graphGet(t, s, path, pt, nil); string(r.raw) != `{"data":[]}` {
			t.Fatalf("after DropWebhook %s", r.raw)
		}
		s.Fake.Reset()
		if len(dataList(t, graphGet(t, s, path, pt, nil))) != 1 {
			t.Fatal("Reset did not restore the subscription")
		}
		if r := graphDo(t, s, http.MethodDelete, path, pt, nil); string(r.raw) != `{"success":true}` {
			t.Fatalf("DELETE %s", r.raw)
		}
		if r := graphGet(t, s, path, pt, nil); string(r.raw) != `{"data":[]}` {
			t.Fatalf("after DELETE %s", r.raw)
		}
	}
}

func sendJSON(t *testing.T, s *Server, pageID, token string, body map[string]any) result {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/v25.0/"+pageID+"/messages?access_token="+url.QueryEscape(token), bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	return do(t, req)
}

func TestSendAPIWindow(t *testing.T) {
	s := start(t, Options{})
	tok := s.Fake.IssueUserToken(DemoUserID, true, fullScopes)
	sun := s.Fake.PageToken(tok, PageSunriseCafe)
	harbor := s.Fake.PageToken(tok, PageHarborBooks)
	msg := func(psid, typ, tag string) map[string]any {
		m := map[string]any{"recipient": map[string]string{"id": psid}, "messaging_type": typ, "message": map[string]string{"text": "Thanks!"}}
		if tag != "" {
			m["tag"] = tag
		}
		return m
	}
	r := sendJSON(t, s, PageSunriseCafe, sun, msg(SunriseCafePSID, "RESPONSE", ""))
	if r.status != 200 || r.body["recipient_id"] != SunriseCafePSID || !strings.HasPrefix(r.body["message_id"].(string), "m_") {
		t.Fatalf("send: %s", r.raw)
	}
	// /me/messages with a Page token is the same thing; the form variant too.
	f := graphDo(t, s, http.MethodPost, "/me/messages", sun, url.Values{"recipient": {"{'id':'" + SunriseCafePSID + "'}"},
		"messaging_type": {"UPDATE"}, "message": {"{'text':'hello, world'}"}})
	if f.status != 200 {
		t.Fatalf("form send: %s", f.raw)
	}
	out := sendJSON(t, s, PageHarborBooks, harbor, msg(HarborBooksPSID, "RESPONSE", ""))
	wantError(t, out, 10, 2018278)
	if r := sendJSON(t, s, PageHarborBooks, harbor, msg(HarborBooksPSID, "MESSAGE_TAG", "HUMAN_AGENT")); r.status != 200 {
		t.Fatalf("HUMAN_AGENT within 7 days: %s", r.raw)
	}
	wantError(t, sendJSON(t, s, PageHarborBooks, harbor, msg(HarborBooksPSID, "MESSAGE_TAG", "PROMO")), 100, 0)
	wantError(t, sendJSON(t, s, PageSunriseCafe, sun, msg("999", "RESPONSE", "")), 100, 2018001)
	gl := s.Fake.PageToken(tok, PageGreenLeafYoga)
	wantError(t, sendJSON(t, s, PageGreenLeafYoga, gl, msg("1", "RESPONSE", "")), 200, 0)
	wantError(t, sendJSON(t, s, PageSunriseCafe, tok, msg(SunriseCafePSID, "RESPONSE", "")), 210, 0)

	s.Fake.Clock().Advance(24 * time.Hour)
	wantError(t, sendJSON(t, s, PageSunriseCafe, sun, msg(SunriseCafePSID, "RESPONSE", "")), 10, 2018278)
	s.Fake.AddConversation(PageSunriseCafe, SunriseCafePSID, s.Fake.Clock().Now().Add(-time.Minute))
	if r := sendJSON(t, s, PageSunriseCafe, sun, msg(SunriseCafePSID, "RESPONSE", "")); r.status != 200 {
		t.Fatalf("new message did not reopen the window: %s", r.raw)
	}
	s.Fake.BlockRecipient(PageSunriseCafe, SunriseCafePSID)
	wantError(t, sendJSON(t, s, PageSunriseCafe, sun, msg(SunriseCafePSID, "RESPONSE", "")), 551, 1545041)
}

// adminPost posts v as JSON to an admin route, with the admin token.
func adminPost(t *testing.T, s *Server, path string, v any) result {
	t.Helper()
	b, _ := json.Marshal(v)
	req, _ := http.NewRequest(http.MethodPost, s.URL+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.AdminToken)
	return do(t, req)
}

// adminGet reads an admin route, with the admin token.
func adminGet(t *testing.T, s *Server, path string) result {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+s.AdminToken)
	return do(t, req)
}

func TestAdminRoutes(t *testing.T) {
	s := start(t, Options{})
	tok := s.Fake.IssueUserToken(DemoUserID, true, fullScopes)
	st := adminGet(t, s, "/_sandbox/")
	if st.status != 200 || st.body["app_id"] != s.Fake.Options().AppID || st.body["now"] != "2026-11-01T09:00:00Z" {
		t.Fatalf("status %s", st.raw)
	}
	if r := adminPost(t, s, "/_sandbox/fault", map[string]any{"kind": "password_changed", "user": DemoUserID}); r.status != 200 {
		t.Fatal(string(r.raw))
	}
	wantTokenError(t, graphGet(t, s, "/me", tok, nil), 460)
	if r := adminPost(t, s, "/_sandbox/fault", map[string]any{"kind": "reset"}); r.status != 200 {
		t.Fatal(string(r.raw))
	}
	if r := graphGet(t, s, "/me", tok, nil); r.status != 200 {
		t.Fatal("reset over HTTP")
	}
	r := adminPost(t, s, "/_sandbox/fault", map[string]any{"kind": "throttle", "page": PageSunriseCafe, "code": 80001})
	if r.status != 200 {
		t.Fatal(string(r.raw))
	}
	wantError(t, graphGet(t, s, "/"+PageSunriseCafe, s.Fake.PageToken(tok, PageSunriseCafe), nil), 80001, 0)
	if r := adminPost(t, s, "/_sandbox/fault", map[string]any{"kind": "nonsense"}); r.status != 400 {
		t.Fatal("unknown kind accepted")
	}
	c := adminPost(t, s, "/_sandbox/clock", map[string]any{"advance": "24h"})
	if c.body["now"] != "2026-11-02T09:00:00Z" || !s.Fake.Clock().Now().Equal(DefaultStart.Add(24*time.Hour)) {
		t.Fatalf("clock %s", c.raw)
	}
	// Offline: graph connections drop, the admin routes stay up.
	adminPost(t, s, "/_sandbox/fault", map[string]any{"kind": "offline"})
	if _, err := http.Get(s.URL + "/me?access_token=" + tok); err == nil {
		t.Fatal("offline fake answered")
	}
	if r := adminGet(t, s, "/_sandbox/"); r.body["faults"].(map[string]any)["offline"] != true {
		t.Fatalf("status while offline %s", r.raw)
	}
	adminPost(t, s, "/_sandbox/fault", map[string]any{"kind": "offline", "enabled": false})
	if r := graphGet(t, s, "/me", tok, nil); r.status != 200 {
		t.Fatal("still offline")
	}
	adminPost(t, s, "/_sandbox/fault", map[string]any{"kind": "latency", "latency_ms": 30})
	t0 := time.Now()
	graphGet(t, s, "/me", tok, nil)
	if time.Since(t0) < 30*time.Millisecond {
		t.Fatal("latency not applied")
	}
}

// The admin routes change the pretend Facebook, and any web page in the
// trainee's browser can send requests to its loopback port. A cross-origin
// text/plain POST (what a page may send without asking), a missing or
// wrong token and an oversized body are all refused, and nothing changes
// (issue 16 item 12). The relay page stays open to browsers.
func TestAdminRoutesRefuseForeignCallers(t *testing.T) {
	s := start(t, Options{})
	tok := s.Fake.IssueUserToken(DemoUserID, true, fullScopes)
	fault := `{"kind":"password_changed","user":"` + DemoUserID + `"}`
	send := func(method, path, contentType, auth string, body io.Reader) result {
		t.Helper()
		req, _ := http.NewRequest(method, s.URL+path, body)
		req.Header.Set("Origin", "https://pages.example.net")
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		return do(t, req)
	}
	bearer := "Bearer " + s.AdminToken
	for _, tc := range []struct {
		name, method, path, contentType, auth string
		body                                  io.Reader
		status                                int
	}{
		{"a web page's text/plain POST", http.MethodPost, "/_sandbox/fault", "text/plain", "", strings.NewReader(fault), http.StatusUnauthorized},
		{"text/plain even with the token", http.MethodPost, "/_sandbox/fault", "text/plain;charset=UTF-8", bearer, strings.NewReader(fault), http.StatusUnsupportedMediaType},
		{"a form post with the token", http.MethodPost, "/_sandbox/fault", "application/x-www-form-urlencoded", bearer, strings.NewReader("kind=reset"), http.StatusUnsupportedMediaType},
		{"JSON without a token", http.MethodPost, "/_sandbox/fault", "application/json", "", strings.NewReader(fault), http.StatusUnauthorized},
		{"a wrong token", http.MethodPost, "/_sandbox/fault", "application/json", "Bearer sbx_guess", strings.NewReader(fault), http.StatusUnauthorized},
		{"the token without Bearer", http.MethodPost, "/_sandbox/fault", "application/json", s.AdminToken, strings.NewReader(fault), http.StatusUnauthorized},
		{"the status without a token", http.MethodGet, "/_sandbox/status", "", "", nil, http.StatusUnauthorized},
		{"a consent without a token", http.MethodPost, "/_sandbox/consent", "application/json", "", strings.NewReader(`{"dialog_url":"x"}`), http.StatusUnauthorized},
		{"a webhook without a token", http.MethodPost, "/_sandbox/webhook", "application/json", "", strings.NewReader(`{"callback_url":"http://127.0.0.1:1/"}`), http.StatusUnauthorized},
		{"an oversized body", http.MethodPost, "/_sandbox/fault", "application/json", bearer,
			strings.NewReader(`{"kind":"password_changed","user":"` + DemoUserID + `","scope":"` + strings.Repeat("x", 100<<10) + `"}`), http.StatusRequestEntityTooLarge},
		{"an oversized body without its length", http.MethodPost, "/_sandbox/message", "application/json", bearer,
			io.MultiReader(strings.NewReader(`{"page":"`+PageSunriseCafe+`","text":"`), strings.NewReader(strings.Repeat("x", 100<<10)), strings.NewReader(`"}`)), http.StatusRequestEntityTooLarge},
	} {
		r := send(tc.method, tc.path, tc.contentType, tc.auth, tc.body)
		if r.status != tc.status {
			t.Fatalf("%s: %d %s, want %d", tc.name, r.status, r.raw, tc.status)
		}
		if msg, _ := r.body["error"].(string); msg == "" {
			t.Fatalf("%s: no reason given: %s", tc.name, r.raw)
		}
		if r.header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("%s: the answer is shared with other origins", tc.name)
		}
		if me := graphGet(t, s, "/me", tok, nil); me.status != http.StatusOK {
			t.Fatalf("%s: the refused request changed the pretend Facebook: %s", tc.name, me.raw)
		}
	}
	if wh, ok := s.Fake.AppWebhook(); ok {
		t.Fatalf("a refused request set the app's webhook: %+v", wh)
	}
	// A preflight gets no permission either.
	if r := send(http.MethodOptions, "/_sandbox/fault", "", "", nil); r.header.Get("Access-Control-Allow-Origin") != "" || r.header.Get("Access-Control-Allow-Headers") != "" {
		t.Fatalf("preflight allowed: %v", r.header)
	}
	// The right call works; the relay page needs no token.
	if r := send(http.MethodPost, "/_sandbox/fault", "application/json; charset=utf-8", bearer, strings.NewReader(fault)); r.status != http.StatusOK {
		t.Fatalf("the admin's own call: %d %s", r.status, r.raw)
	}
	wantTokenError(t, graphGet(t, s, "/me", tok, nil), 460)
	if r := get(t, s.URL+"/_sandbox/relay?code=x&state=y"); r.status != http.StatusOK {
		t.Fatalf("relay page: %d", r.status)
	}
	// Every start has its own token.
	if other := start(t, Options{}); other.AdminToken == s.AdminToken || len(s.AdminToken) < 40 {
		t.Fatal("the admin token is not unguessable")
	}
}

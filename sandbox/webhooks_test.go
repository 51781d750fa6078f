package sandbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

const testVerifyToken = "pk-verify-Zq81"

// hookHit is one POST the app's endpoint received.
type hookHit struct {
	raw    []byte
	sig    string
	status int // what the endpoint answered
	msg    map[string]any
	entry  map[string]any
}

// hookEndpoint plays the app's webhook endpoint on a real socket: it
// answers the handshake like a correct endpoint (403 on a wrong verify
// token) and records every POST.
type hookEndpoint struct {
	*httptest.Server
	hits chan hookHit

	mu    sync.Mutex
	posts int
	// answer gives the status of the n-th POST (1-based); 0 means hang
	// until the sender gives up. Default: 200.
	answer func(n int) int
	// challenge rewrites the challenge echoed in the handshake.
	challenge func(string) string
	// hung is told when a POST starts hanging.
	hung chan struct{}
}

func newHookEndpoint(t *testing.T) *hookEndpoint {
	t.Helper()
	ep := &hookEndpoint{hits: make(chan hookHit, 100), hung: make(chan struct{}, 10)}
	ep.Server = httptest.NewServer(http.HandlerFunc(ep.serve))
	t.Cleanup(ep.Close)
	return ep
}

func (ep *hookEndpoint) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		q := r.URL.Query()
		if q.Get("hub.mode") != "subscribe" || q.Get("hub.verify_token") != testVerifyToken {
			http.Error(w, "Forbidden", http.StatusForbidden)
			return
		}
		c := q.Get("hub.challenge")
		ep.mu.Lock()
		if ep.challenge != nil {
			c = ep.challenge(c)
		}
		ep.mu.Unlock()
		_, _ = io.WriteString(w, c)
		return
	}
	raw, _ := io.ReadAll(r.Body)
	ep.mu.Lock()
	ep.posts++
	status := http.StatusOK
	if ep.answer != nil {
		status = ep.answer(ep.posts)
	}
	ep.mu.Unlock()
	if status == 0 {
		ep.hung <- struct{}{}
		<-r.Context().Done() // the fake's timeout (or Close) ends it
		return
	}
	h := hookHit{raw: raw, sig: r.Header.Get("X-Hub-Signature-256"), status: status}
	var p struct {
		Object string           `json:"object"`
		Entry  []map[string]any `json:"entry"`
	}
	if json.Unmarshal(raw, &p) == nil && p.Object == "page" && len(p.Entry) == 1 {
		h.entry = p.Entry[0]
		if m, _ := h.entry["messaging"].([]any); len(m) == 1 {
			h.msg, _ = m[0].(map[string]any)
		}
	}
	w.WriteHeader(status)
	ep.hits <- h
}

func (ep *hookEndpoint) setAnswer(f func(n int) int) {
	ep.mu.Lock()
	ep.answer = f
	ep.mu.Unlock()
}

func (ep *hookEndpoint) postCount() int {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	return ep.posts
}

// next waits for the next POST that got an answer.
func (ep *hookEndpoint) next(t *testing.T) hookHit {
	t.Helper()
	select {
	case h := <-ep.hits:
		return h
	case <-time.After(10 * time.Second):
		t.Fatal("no webhook delivery arrived")
		return hookHit{}
	}
}

func waitIdle(t *testing.T, f *Fake) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.WaitWebhooksIdle(ctx); err != nil {
		t.Fatalf("webhook deliveries did not settle: %v (stats %+v)", err, f.Stats().Webhooks)
	}
}

// webhookSandbox: the demo user's Sunrise Café subscribed (Page level) to
// pageFields, and the app subscribed (app level) to appFields at ep.
func webhookSandbox(t *testing.T, opts Options, ep *hookEndpoint, pageFields string, appFields ...string) (*Server, string) {
	t.Helper()
	s := start(t, opts)
	tok := s.Fake.IssueUserToken(DemoUserID, true, fullScopes)
	pt := s.Fake.PageToken(tok, PageSunriseCafe)
	r := graphDo(t, s, http.MethodPost, "/v25.0/"+PageSunriseCafe+"/subscribed_apps", pt, url.Values{"subscribed_fields": {pageFields}})
	if r.status != 200 {
		t.Fatalf("subscribe Page: %s", r.raw)
	}
	if err := s.Fake.SetAppWebhook(ep.URL+"/webhook", testVerifyToken, appFields); err != nil {
		t.Fatal(err)
	}
	return s, pt
}

// wantSigned checks X-Hub-Signature-256 the way the app must: HMAC-SHA256
// of the raw bytes with the app secret.
func wantSigned(t *testing.T, s *Server, h hookHit) {
	t.Helper()
	m := hmac.New(sha256.New, []byte(s.Fake.Options().AppSecret))
	m.Write(h.raw)
	if want := "sha256=" + hex.EncodeToString(m.Sum(nil)); h.sig != want {
		t.Fatalf("X-Hub-Signature-256 %q, want %q over %s", h.sig, want, h.raw)
	}
}

func TestWebhookHandshake(t *testing.T) {
	ep := newHookEndpoint(t)
	s := start(t, Options{})
	f := s.Fake
	app := f.Options().AppID

	// Wrong verify token: the endpoint answers 403 and nothing changes.
	err := f.SetAppWebhook(ep.URL, "not-the-token", []string{"messages"})
	var ve *WebhookVerifyError
	if !errors.As(err, &ve) || ve.Failure != VerifyStatus || ve.Status != 403 {
		t.Fatalf("wrong verify token: %v", err)
	}
	if strings.Contains(err.Error(), "not-the-token") {
		t.Fatalf("the error shows the verify token: %v", err)
	}
	if _, ok := f.AppWebhook(); ok {
		t.Fatal("subscription set although the handshake failed")
	}
	// 200 without the exact challenge.
	ep.challenge = func(c string) string { return c + "\n" }
	if err := f.SetAppWebhook(ep.URL, testVerifyToken, []string{"messages"}); !errors.As(err, &ve) || ve.Failure != VerifyChallenge {
		t.Fatalf("wrong challenge: %v", err)
	}
	ep.mu.Lock()
	ep.challenge = nil
	ep.mu.Unlock()
	// Nobody listening.
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	if err := f.SetAppWebhook(deadURL, testVerifyToken, []string{"messages"}); !errors.As(err, &ve) || ve.Failure != VerifyUnreachable ||
		strings.Contains(err.Error(), testVerifyToken) {
		t.Fatalf("unreachable: %v", err)
	}
	for _, bad := range []struct {
		u      string
		fields []string
	}{{"ftp://x/", []string{"messages"}}, {ep.URL, nil}, {ep.URL, []string{"messages", "bogus"}}} {
		if err := f.SetAppWebhook(bad.u, testVerifyToken, bad.fields); !errors.Is(err, ErrWebhookConfig) {
			t.Fatalf("%v: %v", bad, err)
		}
	}
	if err := f.SetAppWebhook(ep.URL, testVerifyToken, []string{"messages", "message_echoes"}); err != nil {
		t.Fatal(err)
	}
	if wh, ok := f.AppWebhook(); !ok || wh.CallbackURL != ep.URL || len(wh.Fields) != 2 {
		t.Fatalf("AppWebhook %+v %v", wh, ok)
	}

	// The Graph form, with an app token.
	appTok := app + "|" + f.Options().AppSecret
	r := graphDo(t, s, http.MethodPost, "/v25.0/"+app+"/subscriptions", appTok, url.Values{"object": {"page"},
		"callback_url": {ep.URL + "/hook"}, "fields": {"messages,messaging_postbacks"}, "verify_token": {testVerifyToken}})
	if string(r.raw) != `{"success":true}` {
		t.Fatalf("POST subscriptions: %d %s", r.status, r.raw)
	}
	g := graphGet(t, s, "/v25.0/"+app+"/subscriptions", appTok, nil)
	subs := dataList(t, g)
	if len(subs) != 1 || subs[0]["callback_url"] != ep.URL+"/hook" || subs[0]["object"] != "page" || len(subs[0]["fields"].([]any)) != 2 {
		t.Fatalf("GET subscriptions %s", g.raw)
	}
	bad := graphDo(t, s, http.MethodPost, "/v25.0/"+app+"/subscriptions", appTok, url.Values{"object": {"page"},
		"callback_url": {ep.URL}, "fields": {"messages"}, "verify_token": {"wrong"}})
	wantError(t, bad, 2200, 0)
	tok := f.IssueUserToken(DemoUserID, true, fullScopes)
	wantError(t, graphDo(t, s, http.MethodPost, "/"+app+"/subscriptions", tok, url.Values{"object": {"page"},
		"callback_url": {ep.URL}, "fields": {"messages"}, "verify_token": {testVerifyToken}}), 15, 0)
	if wh, _ := f.AppWebhook(); wh.CallbackURL != ep.URL+"/hook" {
		t.Fatalf("a refused POST changed the subscription: %+v", wh)
	}

	// The admin route.
	if r := adminPost(t, s, "/_sandbox/webhook", map[string]any{"callback_url": ep.URL, "verify_token": "nope", "fields": []string{"messages"}}); r.status != 502 {
		t.Fatalf("admin, wrong token: %d %s", r.status, r.raw)
	}
	if r := adminPost(t, s, "/_sandbox/webhook", map[string]any{"callback_url": ep.URL + "/admin", "verify_token": testVerifyToken, "fields": []string{"messages"}}); r.status != 200 {
		t.Fatalf("admin: %d %s", r.status, r.raw)
	}
	if st := adminGet(t, s, "/_sandbox/webhook"); st.body["callback_url"] != ep.URL+"/admin" || st.body["subscribed"] != true {
		t.Fatalf("admin status %s", st.raw)
	}
	if r := graphDo(t, s, http.MethodDelete, "/"+app+"/subscriptions", appTok, nil); string(r.raw) != `{"success":true}` {
		t.Fatalf("DELETE subscriptions %s", r.raw)
	}
	if _, ok := f.AppWebhook(); ok {
		t.Fatal("still subscribed after DELETE")
	}
}

func TestWebhookCustomerMessageSigned(t *testing.T) {
	ep := newHookEndpoint(t)
	s, pt := webhookSandbox(t, Options{}, ep, "messages", "messages")
	const psid = "7300000000000042"
	if err := s.Fake.CustomerMessage(PageSunriseCafe, psid, "Café äöå <b>&"); err != nil {
		t.Fatal(err)
	}
	h := ep.next(t)
	wantSigned(t, s, h)
	if !bytes.Contains(h.raw, []byte(`"text":"Caf\u00e9 \u00e4\u00f6\u00e5 <b>&"`)) {
		t.Fatalf("non-ASCII not escaped as Meta does: %s", h.raw)
	}
	for _, b := range h.raw {
		if b >= 0x80 {
			t.Fatalf("raw body has a non-ASCII byte: %s", h.raw)
		}
	}
	if !bytes.HasPrefix(h.raw, []byte(`{"object":"page","entry":[{"id":"`+PageSunriseCafe+`","time":`)) {
		t.Fatalf("envelope %s", h.raw)
	}
	now := s.Fake.Clock().Now().UnixMilli()
	m := h.msg
	msg, _ := m["message"].(map[string]any)
	if m["sender"].(map[string]any)["id"] != psid || m["recipient"].(map[string]any)["id"] != PageSunriseCafe ||
		m["timestamp"] != float64(now) || h.entry["time"] != float64(now) || msg["text"] != "Café äöå <b>&" {
		t.Fatalf("event %s", h.raw)
	}
	// The conversation is there, with the same message ID, and the window is open.
	r := graphGet(t, s, "/"+PageSunriseCafe+"/conversations", pt, url.Values{"user_id": {psid},
		"fields": {"id,updated_time,snippet,messages{id,message}"}})
	convs := dataList(t, r)
	if len(convs) != 1 || convs[0]["snippet"] != "Café äöå <b>&" || convs[0]["updated_time"] != graphTime(s.Fake.Clock().Now()) {
		t.Fatalf("conversations %s", r.raw)
	}
	if got := convs[0]["messages"].(map[string]any)["data"].([]any)[0].(map[string]any)["id"]; got != msg["mid"] {
		t.Fatalf("mid %v, conversation message %v", msg["mid"], got)
	}
	if r := sendJSON(t, s, PageSunriseCafe, pt, map[string]any{"recipient": map[string]string{"id": psid},
		"messaging_type": "RESPONSE", "message": map[string]string{"text": "Hej!"}}); r.status != 200 {
		t.Fatalf("reply inside the window: %s", r.raw)
	}

	// The admin route; characters outside the BMP become surrogate pairs.
	if r := adminPost(t, s, "/_sandbox/message", map[string]string{"page": PageSunriseCafe, "psid": psid, "text": "👍"}); r.status != 200 {
		t.Fatalf("admin message %s", r.raw)
	}
	h = ep.next(t)
	wantSigned(t, s, h)
	if !bytes.Contains(h.raw, []byte(`"text":"\ud83d\udc4d"`)) {
		t.Fatalf("emoji %s", h.raw)
	}
	if r := adminPost(t, s, "/_sandbox/message", map[string]string{"page": "404", "psid": psid, "text": "x"}); r.status != 400 {
		t.Fatalf("unknown Page: %d", r.status)
	}
	waitIdle(t, s.Fake)
	if st := s.Fake.Stats().Webhooks; st.Attempted != 2 || st.Succeeded != 2 || st.Failed != 0 || st.Pending != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestWebhookOnlyFieldsSubscribedAtBothLevels(t *testing.T) {
	ep := newHookEndpoint(t)
	// Page: messages + echoes; app: messages + postbacks.
	s, pt := webhookSandbox(t, Options{}, ep, "messages,message_echoes", "messages", "messaging_postbacks")
	if err := s.Fake.CustomerMessage(PageSunriseCafe, SunriseCafePSID, "first"); err != nil {
		t.Fatal(err)
	}
	if h := ep.next(t); h.msg["message"].(map[string]any)["text"] != "first" {
		t.Fatalf("first: %s", h.raw)
	}
	// An echo (app not subscribed) and a Get Started postback (Page not
	// subscribed) are not delivered.
	if r := sendJSON(t, s, PageSunriseCafe, pt, map[string]any{"recipient": map[string]string{"id": SunriseCafePSID},
		"messaging_type": "RESPONSE", "message": map[string]string{"text": "reply"}}); r.status != 200 {
		t.Fatal(string(r.raw))
	}
	if err := s.Fake.OpenMMe(PageSunriseCafe, "7300000000000007", "promo"); err != nil {
		t.Fatal(err)
	}
	if err := s.Fake.CustomerMessage(PageSunriseCafe, SunriseCafePSID, "second"); err != nil {
		t.Fatal(err)
	}
	// A Page's events go out in order, so "second" comes next only if the
	// others were never queued.
	if h := ep.next(t); h.msg["message"].(map[string]any)["text"] != "second" {
		t.Fatalf("delivered although a level lacks the field: %s", h.raw)
	}
	waitIdle(t, s.Fake)
	if n := ep.postCount(); n != 2 {
		t.Fatalf("%d deliveries, want 2", n)
	}
	// A Page without a subscription gets nothing.
	if err := s.Fake.CustomerMessage(PageHarborBooks, HarborBooksPSID, "hello?"); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, s.Fake)
	if st := s.Fake.Stats().Webhooks; st.Attempted != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestWebhookEchoOnSendAPI(t *testing.T) {
	ep := newHookEndpoint(t)
	s, pt := webhookSandbox(t, Options{}, ep, "messages,message_echoes", "message_echoes")
	r := sendJSON(t, s, PageSunriseCafe, pt, map[string]any{"recipient": map[string]string{"id": SunriseCafePSID},
		"messaging_type": "RESPONSE", "message": map[string]string{"text": "We open at 8 — välkommen!"}})
	if r.status != 200 {
		t.Fatal(string(r.raw))
	}
	h := ep.next(t)
	wantSigned(t, s, h)
	m := h.msg
	msg := m["message"].(map[string]any)
	if m["sender"].(map[string]any)["id"] != PageSunriseCafe || m["recipient"].(map[string]any)["id"] != SunriseCafePSID ||
		msg["is_echo"] != true || msg["mid"] != r.body["message_id"] || msg["text"] != "We open at 8 — välkommen!" {
		t.Fatalf("echo %s", h.raw)
	}
	if !bytes.Contains(h.raw, []byte(`"app_id":`+s.Fake.Options().AppID+`,`)) || !bytes.Contains(h.raw, []byte(`\u2014 v\u00e4lkommen`)) {
		t.Fatalf("echo body %s", h.raw)
	}
}

func TestWebhookRetriedThenDelivered(t *testing.T) {
	ep := newHookEndpoint(t)
	ep.setAnswer(func(n int) int {
		switch n {
		case 1:
			return 0 // slower than the timeout
		case 2:
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	s, _ := webhookSandbox(t, Options{Webhooks: WebhookOptions{Timeout: 300 * time.Millisecond, RetryBackoff: 5 * time.Millisecond,
		MaxBackoff: 20 * time.Millisecond}}, ep, "messages", "messages")
	if err := s.Fake.CustomerMessage(PageSunriseCafe, SunriseCafePSID, "are you there?"); err != nil {
		t.Fatal(err)
	}
	first := ep.next(t)
	if first.status != 500 {
		t.Fatalf("first answered attempt: %d", first.status)
	}
	if f := s.Fake.WebhookFailures(); len(f) != 1 || f[0].Page != PageSunriseCafe || f[0].Failures < 1 {
		t.Fatalf("failures while retrying: %+v", f)
	}
	ok := ep.next(t)
	if ok.status != 200 || !bytes.Equal(ok.raw, first.raw) {
		t.Fatalf("retry %d %s", ok.status, ok.raw)
	}
	wantSigned(t, s, ok)
	waitIdle(t, s.Fake)
	if n := ep.postCount(); n != 3 {
		t.Fatalf("%d POSTs, want 3 (timeout, 500, 200)", n)
	}
	if st := s.Fake.Stats().Webhooks; st.Attempted != 3 || st.Failed != 2 || st.Succeeded != 1 || st.Disabled != 0 {
		t.Fatalf("stats %+v", st)
	}
	if f := s.Fake.WebhookFailures(); len(f) != 0 {
		t.Fatalf("failures after success: %+v", f)
	}
}

func TestWebhookDisabledAfterRepeatedFailures(t *testing.T) {
	ep := newHookEndpoint(t)
	ep.setAnswer(func(int) int { return http.StatusInternalServerError })
	// Three failures are not enough while the first is younger than an hour.
	s, pt := webhookSandbox(t, Options{Webhooks: WebhookOptions{RetryBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond,
		DisableAfterFailures: 3}}, ep, "messages", "messages")
	path := "/v25.0/" + PageSunriseCafe + "/subscribed_apps"
	if err := s.Fake.CustomerMessage(PageSunriseCafe, SunriseCafePSID, "hello"); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		ep.next(t)
	}
	// The 5th POST was sent, so at least 4 failures are on record: past
	// the count, but not the window.
	if apps := dataList(t, graphGet(t, s, path, pt, nil)); len(apps) != 1 {
		t.Fatal("disabled before the window passed")
	}
	if f := s.Fake.WebhookFailures(); len(f) != 1 || f[0].Failures < 4 || f[0].Alert || f[0].LastErr != "HTTP 500" {
		t.Fatalf("failures %+v", f)
	}
	s.Close()

	// Threshold and window both passed: the app leaves subscribed_apps.
	ep2 := newHookEndpoint(t)
	ep2.setAnswer(func(int) int { return http.StatusInternalServerError })
	s, pt = webhookSandbox(t, Options{Webhooks: WebhookOptions{RetryBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond,
		DisableAfterFailures: 3, DisableAfter: time.Millisecond}}, ep2, "messages", "messages")
	for _, text := range []string{"one", "two"} {
		if err := s.Fake.CustomerMessage(PageSunriseCafe, SunriseCafePSID, text); err != nil {
			t.Fatal(err)
		}
	}
	waitIdle(t, s.Fake)
	if r := graphGet(t, s, path, pt, nil); string(r.raw) != `{"data":[]}` {
		t.Fatalf("subscribed_apps after disabling: %s", r.raw)
	}
	st := s.Fake.Stats().Webhooks
	if st.Disabled != 1 || st.Failed != 3 || st.Attempted != 3 || st.Dropped != 1 || st.Succeeded != 0 {
		t.Fatalf("stats %+v", st)
	}
	// Nothing more is sent for the Page until the app subscribes again.
	if err := s.Fake.CustomerMessage(PageSunriseCafe, SunriseCafePSID, "three"); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, s.Fake)
	if n := ep2.postCount(); n != 3 {
		t.Fatalf("%d POSTs after disabling, want 3", n)
	}
	// Disabling is not an injected fault: Reset leaves it.
	s.Fake.Reset()
	if r := graphGet(t, s, path, pt, nil); string(r.raw) != `{"data":[]}` {
		t.Fatalf("Reset restored a disabled webhook: %s", r.raw)
	}
}

func TestWebhookSubscriptionSurvivesRestart(t *testing.T) {
	ep := newHookEndpoint(t)
	s, _ := webhookSandbox(t, Options{Seed: 3}, ep, "messages", "messages", "message_echoes")
	var buf bytes.Buffer
	if err := s.Fake.SaveState(&buf); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), testVerifyToken) {
		t.Fatal("the state file holds the verify token")
	}
	restarted := start(t, Options{Seed: 3})
	if err := restarted.Fake.LoadState(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	wh, ok := restarted.Fake.AppWebhook()
	if !ok || wh.CallbackURL != ep.URL+"/webhook" || strings.Join(wh.Fields, ",") != "messages,message_echoes" {
		t.Fatalf("after LoadState: %+v %v", wh, ok)
	}
	if err := restarted.Fake.CustomerMessage(PageSunriseCafe, SunriseCafePSID, "still there?"); err != nil {
		t.Fatal(err)
	}
	h := ep.next(t)
	wantSigned(t, restarted, h)
	// The state file round-trips the subscription unchanged.
	var again bytes.Buffer
	if err := restarted.Fake.SaveState(&again); err != nil {
		t.Fatal(err)
	}
	var a, b struct {
		Webhook json.RawMessage `json:"webhook"`
	}
	_ = json.Unmarshal(buf.Bytes(), &a)
	_ = json.Unmarshal(again.Bytes(), &b)
	if len(a.Webhook) == 0 || !bytes.Equal(a.Webhook, b.Webhook) {
		t.Fatalf("webhook state %s vs %s", a.Webhook, b.Webhook)
	}
}

func TestWebhookCloseLeavesNoGoroutines(t *testing.T) {
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	ignore := goleak.IgnoreCurrent()

	ep := &hookEndpoint{hits: make(chan hookHit, 100), hung: make(chan struct{}, 10)}
	ep.Server = httptest.NewServer(http.HandlerFunc(ep.serve))
	// Sunrise Café's delivery fails and waits for a retry; Maple Street
	// Market's hangs (in flight at Close).
	ep.setAnswer(func(n int) int {
		if n == 1 {
			return http.StatusInternalServerError
		}
		return 0
	})
	s, err := Start(Options{Webhooks: WebhookOptions{Timeout: time.Minute, RetryBackoff: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	tok := s.Fake.IssueUserToken(DemoUserID, true, fullScopes)
	for _, pid := range []string{PageSunriseCafe, PageMapleStreetMarket} {
		if r := graphDo(t, s, http.MethodPost, "/"+pid+"/subscribed_apps", s.Fake.PageToken(tok, pid), url.Values{"subscribed_fields": {"messages"}}); r.status != 200 {
			t.Fatal(string(r.raw))
		}
	}
	if err := s.Fake.SetAppWebhook(ep.URL, testVerifyToken, []string{"messages"}); err != nil {
		t.Fatal(err)
	}
	_ = s.Fake.CustomerMessage(PageSunriseCafe, SunriseCafePSID, "a")
	ep.next(t) // the 500
	_ = s.Fake.CustomerMessage(PageMapleStreetMarket, MapleStreetMarketPSID, "b")
	select {
	case <-ep.hung:
	case <-time.After(10 * time.Second):
		t.Fatal("the second delivery was not sent")
	}
	if st := s.Fake.Stats().Webhooks; st.Pending != 2 {
		t.Fatalf("stats before Close %+v", st)
	}

	done := make(chan error, 1)
	go func() { done <- s.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close waited for a delivery")
	}
	if err := s.Fake.SetAppWebhook(ep.URL, testVerifyToken, []string{"messages"}); !errors.Is(err, ErrFakeClosed) {
		t.Fatalf("SetAppWebhook after Close: %v", err)
	}
	_ = s.Fake.CustomerMessage(PageSunriseCafe, SunriseCafePSID, "after close") // dropped, no goroutine
	ep.Close()
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	goleak.VerifyNone(t, ignore)
}

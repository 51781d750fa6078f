package fb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

const (
	sentinel       = "EAAsentinelSECRETtoken0123456789"
	sentinelSecret = "sentinel-app-secret-42"
)

var sentinelTok = token.New(sentinel)

// recorder is a test Sleep hook: it records the waits and does not wait.
type recorder struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (r *recorder) sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	r.waits = append(r.waits, d)
	r.mu.Unlock()
	return ctx.Err()
}

func (r *recorder) all() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.waits...)
}

func newTestClient(t *testing.T, h http.Handler, mod func(*Config)) (*Client, *httptest.Server, *recorder) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	rec := &recorder{}
	cfg := Config{GraphURL: srv.URL, AppSecret: token.New(sentinelSecret), Sleep: rec.sleep, CallTimeout: 5 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	return New(cfg), srv, rec
}

// assertNoSecret fails if any rendering of err (or its chain) shows a
// credential: the token, the app secret or the appsecret_proof.
func assertNoSecret(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("expected an error")
	}
	proof := appSecretProof(sentinelTok, token.New(sentinelSecret))
	var texts []string
	for e := err; e != nil; e = errors.Unwrap(e) {
		texts = append(texts, e.Error(), fmt.Sprintf("%v|%+v|%#v|%s|%q", e, e, e, e, e))
	}
	for _, s := range texts {
		for _, bad := range []string{sentinel, sentinelSecret, proof, url.QueryEscape(sentinel)} {
			if strings.Contains(s, bad) {
				t.Fatalf("credential leaked in error text: %s", s)
			}
		}
	}
}

func TestNoTokenInAnyErrorString(t *testing.T) {
	echo := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			w.WriteHeader(status)
			// A server that echoes the whole request URL and token back.
			fmt.Fprintf(w, `{"error":{"code":190,"message":"bad token %s in %s proof %s","error_user_msg":"%s","fbtrace_id":"%s"}}`,
				r.Form.Get("access_token"), r.URL.String(), r.Form.Get("appsecret_proof"), r.Form.Get("access_token"), r.Form.Get("access_token"))
		}
	}
	modes := map[string]struct {
		h   http.Handler
		mod func(*Config)
		ctx func() (context.Context, context.CancelFunc)
	}{
		"graph error echoing token": {h: echo(400)},
		"5xx echoing token":         {h: echo(500)},
		"200 error envelope":        {h: echo(200)},
		"garbage body": {h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(502)
			io.WriteString(w, "<html>"+r.URL.String()+"</html>")
		})},
		"connection reset": {h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hj, _ := w.(http.Hijacker)
			c, _, _ := hj.Hijack()
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
			c.Close()
		})},
		"call timeout": {h: hang, mod: func(c *Config) { c.CallTimeout = 50 * time.Millisecond }},
		"context cancelled": {h: hang, ctx: func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			return ctx, cancel
		}},
		"redirect loop": {h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.String(), http.StatusFound)
		})},
		"connection refused": {h: http.NotFoundHandler(), mod: func(c *Config) {
			ln, _ := net.Listen("tcp", "127.0.0.1:0")
			c.GraphURL = "http://" + ln.Addr().String()
			ln.Close()
		}},
		"dns failure": {h: http.NotFoundHandler(), mod: func(c *Config) {
			c.GraphURL = "http://pagekeeper-test.invalid"
			c.CallTimeout = 2 * time.Second
		}},
	}
	for name, m := range modes {
		t.Run(name, func(t *testing.T) {
			c, _, _ := newTestClient(t, m.h, func(cfg *Config) {
				cfg.Retry.MaxAttempts = 2
				if m.mod != nil {
					m.mod(cfg)
				}
			})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if m.ctx != nil {
				ctx, cancel = m.ctx()
			}
			defer cancel()
			calls := map[string]func() error{
				"Me":          func() error { _, err := c.Me(ctx, sentinelTok); return err },
				"Accounts":    func() error { _, err := c.Accounts(ctx, sentinelTok); return err },
				"DebugToken":  func() error { _, err := c.DebugToken(ctx, token.New("other-inspector-token"), sentinelTok); return err },
				"Subscribe":   func() error { return c.Subscribe(ctx, "1", sentinelTok, []string{"messages"}) },
				"Unsubscribe": func() error { return c.Unsubscribe(ctx, "1", sentinelTok) },
				"SendText":    func() error { _, err := c.SendText(ctx, "1", sentinelTok, "psid", "hi"); return err },
			}
			for cname, call := range calls {
				err := call()
				if err == nil {
					t.Fatalf("%s: expected an error", cname)
				}
				assertNoSecret(t, err)
				if _, ok := AsError(err); !ok {
					t.Fatalf("%s: not an *Error: %T", cname, err)
				}
			}
			// The batch path too: whole-batch failure and then op by op.
			res, _ := c.Batch(ctx, sentinelTok, []BatchOp{{RelativeURL: "me"}, {RelativeURL: "debug_token", inputToken: sentinelTok}})
			for _, r := range res {
				if r.Err != nil {
					assertNoSecret(t, r.Err)
				}
			}
		})
	}
}

func TestTransportErrorsAreClassified(t *testing.T) {
	// Offline: nothing listens.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	c := New(Config{GraphURL: "http://" + addr, Retry: RetryPolicy{MaxAttempts: 1}})
	_, err := c.Me(context.Background(), sentinelTok)
	if e, ok := AsError(err); !ok || e.Class != ClassTransient || e.Reason != ReasonOffline {
		t.Fatalf("offline: %v", err)
	}
	assertNoSecret(t, err)

	// Timeout.
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-block:
		}
	}))
	defer srv.Close()
	defer close(block)
	c = New(Config{GraphURL: srv.URL, CallTimeout: 30 * time.Millisecond, Retry: RetryPolicy{MaxAttempts: 1}})
	_, err = c.Me(context.Background(), sentinelTok)
	if e, ok := AsError(err); !ok || e.Reason != ReasonTimeout || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("timeout: %v", err)
	}
	if !strings.Contains(err.Error(), "/v25.0/me") || strings.Contains(err.Error(), "?") {
		t.Fatalf("message should name the path only: %s", err)
	}
}

func TestCredentialsArePlacedAsMetaExpects(t *testing.T) {
	type seen struct {
		method, query, body, contentType string
	}
	var mu sync.Mutex
	var got []seen
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.Method, r.URL.RawQuery, string(b), r.Header.Get("Content-Type")})
		mu.Unlock()
		switch {
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/messages"):
			io.WriteString(w, `{"recipient_id":"42","message_id":"m_1"}`)
		case r.Method != http.MethodGet:
			io.WriteString(w, `{"success":true}`)
		default:
			io.WriteString(w, `{"id":"1","name":"A"}`)
		}
	}), nil)
	ctx := context.Background()
	if _, err := c.Me(ctx, sentinelTok); err != nil {
		t.Fatal(err)
	}
	if err := c.Subscribe(ctx, "1", sentinelTok, []string{"messages", "messaging_postbacks"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendText(ctx, "1", sentinelTok, "42", "héllo"); err != nil {
		t.Fatal(err)
	}
	proof := appSecretProof(sentinelTok, token.New(sentinelSecret))
	get, _ := url.ParseQuery(got[0].query)
	if got[0].method != "GET" || get.Get("access_token") != sentinel || get.Get("appsecret_proof") != proof || got[0].body != "" {
		t.Fatalf("GET: %+v", got[0])
	}
	for _, s := range got[1:] {
		form, _ := url.ParseQuery(s.body)
		if s.method != "POST" || s.contentType != "application/x-www-form-urlencoded" ||
			form.Get("access_token") != sentinel || form.Get("appsecret_proof") != proof || strings.Contains(s.query, "access_token") {
			t.Fatalf("POST: %+v", s)
		}
	}
	sub, _ := url.ParseQuery(got[1].body)
	if sub.Get("subscribed_fields") != "messages,messaging_postbacks" {
		t.Fatalf("subscribed_fields = %q", sub.Get("subscribed_fields"))
	}
	msg, _ := url.ParseQuery(got[2].body)
	if msg.Get("messaging_type") != "RESPONSE" || msg.Get("recipient") != `{"id":"42"}` || msg.Get("message") != `{"text":"héllo"}` {
		t.Fatalf("send form: %v", msg)
	}
	// Known HMAC-SHA256 vector: key "key", message "The quick brown fox jumps over the lazy dog".
	if p := appSecretProof(token.New("The quick brown fox jumps over the lazy dog"), token.New("key")); p != "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8" {
		t.Fatalf("proof = %s", p)
	}
}

func TestSendTextLimitsBeforeAnyRequest(t *testing.T) {
	var n atomic.Int32
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		io.WriteString(w, `{"recipient_id":"1","message_id":"m"}`)
	}), nil)
	ok := strings.Repeat("ä", MaxTextLength) // 2000 characters, 4000 bytes: allowed
	if _, err := c.SendText(context.Background(), "1", sentinelTok, "p", ok); err != nil {
		t.Fatalf("2000 characters must pass: %v", err)
	}
	for _, bad := range []string{ok + "a", "", "  ", "\xff"} {
		if _, err := c.SendText(context.Background(), "1", sentinelTok, "p", bad); err == nil {
			t.Fatalf("%.10q: expected a local error", bad)
		}
	}
	if _, err := c.SendText(context.Background(), "1", sentinelTok, "p", ok+"a"); !errors.Is(err, ErrTextTooLong) {
		t.Fatalf("err = %v", err)
	}
	if n.Load() != 1 {
		t.Fatalf("requests = %d, want 1", n.Load())
	}
}

// hang waits until the client goes away. The body is drained first: only
// then does the server notice a closed connection.
var hang = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
})

// graphFail answers with a Graph error envelope.
func graphFail(w http.ResponseWriter, status, code, sub int) {
	w.WriteHeader(status)
	w.Write(envelope(code, sub, "injected", nil))
}

func TestThrottledAndTransientAreRetriedWithBackoff(t *testing.T) {
	var n atomic.Int32
	c, _, rec := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			graphFail(w, 400, 4, 0)
		case 2:
			graphFail(w, 500, 2, 0)
		default:
			io.WriteString(w, `{"id":"7","name":"Seven"}`)
		}
	}), func(c *Config) {
		c.Retry = RetryPolicy{MaxAttempts: 4, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	})
	c.jitter = func() float64 { return 1 } // the cap itself, to check the exponent
	u, err := c.Me(context.Background(), sentinelTok)
	if err != nil || u.ID != "7" {
		t.Fatalf("Me = %+v, %v", u, err)
	}
	if got := rec.all(); len(got) != 2 || got[0] != 100*time.Millisecond || got[1] != 200*time.Millisecond {
		t.Fatalf("waits = %v", got)
	}
	// Full jitter stays within [0, cap].
	c.jitter = func() float64 { return 0.5 }
	if d := c.backoff(10); d != 500*time.Millisecond {
		t.Fatalf("backoff(10) = %v", d)
	}
}

func TestAuthAndInvalidErrorsAreNotRetried(t *testing.T) {
	for _, code := range [][2]int{{190, 460}, {200, 0}, {100, 33}, {368, 0}} {
		var n atomic.Int32
		c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			graphFail(w, 400, code[0], code[1])
		}), nil)
		if _, err := c.Me(context.Background(), sentinelTok); err == nil || n.Load() != 1 {
			t.Fatalf("code %v: err %v after %d requests", code, err, n.Load())
		}
	}
}

func TestRetriesStopAtTheDeadline(t *testing.T) {
	var n atomic.Int32
	c, _, rec := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		graphFail(w, 500, 1, 0)
	}), func(c *Config) {
		c.Retry = RetryPolicy{MaxAttempts: 10, BaseDelay: 10 * time.Second, MaxDelay: time.Minute}
	})
	c.jitter = func() float64 { return 1 }
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := c.Me(ctx, sentinelTok)
	if !IsTransient(err) || n.Load() != 1 || len(rec.all()) != 0 {
		t.Fatalf("err %v after %d requests, waits %v: a 10 s wait must not start with 2 s left", err, n.Load(), rec.all())
	}

	// With the real sleeper and small delays, the call ends by the deadline.
	c2, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		graphFail(w, 500, 1, 0)
	}), func(c *Config) {
		c.Sleep = nil
		c.Retry = RetryPolicy{MaxAttempts: 1000, BaseDelay: 20 * time.Millisecond, MaxDelay: 40 * time.Millisecond}
	})
	ctx, cancel = context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c2.Me(ctx, sentinelTok)
	if err == nil || time.Since(start) > 2*time.Second {
		t.Fatalf("err %v after %v", err, time.Since(start))
	}
}

func TestSendIsNotRetriedOnServerErrors(t *testing.T) {
	var n atomic.Int32
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			graphFail(w, 500, 2, 0)
			return
		}
		io.WriteString(w, `{"recipient_id":"1","message_id":"m"}`)
	}), func(c *Config) { c.Retry.MaxAttempts = 5 })
	if _, err := c.SendText(context.Background(), "1", sentinelTok, "p", "hi"); !IsTransient(err) || n.Load() != 1 {
		t.Fatalf("a send that may have reached Facebook must not be repeated: err %v, %d requests", err, n.Load())
	}
	// Throttled means refused: retried.
	n.Store(0)
	c2, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			graphFail(w, 400, 80006, 0)
			return
		}
		io.WriteString(w, `{"recipient_id":"1","message_id":"m"}`)
	}), func(c *Config) { c.Retry.MaxAttempts = 5 })
	if r, err := c2.SendText(context.Background(), "1", sentinelTok, "p", "hi"); err != nil || r.MessageID != "m" {
		t.Fatalf("throttled send: %v", err)
	}
}

func TestUsageHeadersSlowRetries(t *testing.T) {
	var n atomic.Int32
	var seen []Usage
	var mu sync.Mutex
	c, _, rec := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-App-Usage", `{"call_count":28,"total_time":25,"total_cputime":25}`)
		w.Header().Set("X-Business-Use-Case-Usage", `{"111":[{"type":"pages","call_count":100,"total_cputime":23,"total_time":23,"estimated_time_to_regain_access":3}]}`)
		if n.Add(1) == 1 {
			graphFail(w, 400, 80001, 0)
			return
		}
		io.WriteString(w, `{"id":"1","name":"x"}`)
	}), func(c *Config) {
		c.Retry = RetryPolicy{MaxAttempts: 3, BaseDelay: 10 * time.Millisecond, MaxDelay: 20 * time.Millisecond}
		c.OnUsage = func(u Usage) { mu.Lock(); seen = append(seen, u); mu.Unlock() }
	})
	if _, err := c.Me(context.Background(), sentinelTok); err != nil {
		t.Fatal(err)
	}
	if w := rec.all(); len(w) != 1 || w[0] < 3*time.Minute {
		t.Fatalf("the retry must wait the estimated 3 minutes to regain access; waits %v", w)
	}
	u := c.Usage()
	if u.App == nil || u.App.CallCount != 28 || u.Max() != 100 || u.RegainIn() != 3*time.Minute {
		t.Fatalf("usage = %+v", u)
	}
	mu.Lock()
	if len(seen) != 2 {
		t.Fatalf("OnUsage called %d times", len(seen))
	}
	mu.Unlock()

	// The same 3 minutes do not fit in a 1-minute deadline: surfaced at once.
	n.Store(0)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	before := len(rec.all())
	if _, err := c.Me(ctx, sentinelTok); !IsThrottled(err) || n.Load() != 1 || len(rec.all()) != before {
		t.Fatalf("err %v after %d requests", err, n.Load())
	}
}

func TestPagingStripsCredentialsAndRefusesOtherHosts(t *testing.T) {
	var srvURL string
	var evil atomic.Int32
	evilSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { evil.Add(1) }))
	defer evilSrv.Close()
	c, srv, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if len(q["access_token"]) != 1 || q.Get("access_token") != sentinel || len(q["appsecret_proof"]) != 1 {
			http.Error(w, `{"error":{"code":100,"message":"credentials wrong"}}`, 400)
			return
		}
		switch q.Get("after") {
		case "":
			if !strings.HasPrefix(r.URL.Path, "/v25.0/me/accounts") {
				t.Errorf("path %s", r.URL.Path)
			}
			fmt.Fprintf(w, `{"data":[{"id":"1","name":"One","access_token":"pt1","tasks":["MANAGE"],"is_published":true,"picture":{"data":{"url":"https://x/1.png"}}}],
				"paging":{"cursors":{"after":"c1"},"next":"%s/v25.0/me/accounts?limit=1&after=c1&access_token=LEAKED&appsecret_proof=OLD"}}`, srvURL)
		case "c1":
			fmt.Fprintf(w, `{"data":[],"paging":{"next":"%s/v25.0/me/accounts?limit=1&after=c2"}}`, srvURL)
		case "c2":
			io.WriteString(w, `{"data":[{"id":2,"name":"Two","access_token":"pt2"}],"paging":{"previous":"x"}}`)
		}
	}), nil)
	srvURL = srv.URL
	pages, err := c.Accounts(context.Background(), sentinelTok)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 2 || pages[0].ID != "1" || pages[1].ID != "2" || pages[0].AccessToken.Reveal() != "pt1" ||
		pages[0].Published == nil || !*pages[0].Published || pages[1].Published != nil || pages[0].PictureURL != "https://x/1.png" {
		t.Fatalf("pages = %+v", pages)
	}

	// A next link to another host is refused, and nothing is sent there.
	c2, srv2, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"data":[{"id":"1"}],"paging":{"next":"%s/v25.0/me/accounts?after=x"}}`, evilSrv.URL)
	}), nil)
	_ = srv2
	if _, err := c2.Accounts(context.Background(), sentinelTok); err == nil || evil.Load() != 0 {
		t.Fatalf("followed a foreign next link: err %v, evil hits %d", err, evil.Load())
	}
}

func TestSubscribeAcceptsBothSuccessForms(t *testing.T) {
	for body, ok := range map[string]bool{
		`{"success":true}`: true, `{"success":"true"}`: true, `{"success":true,"messaging_success":true}`: true,
		`{"success":false}`: false, `{"success":"false"}`: false, `{}`: false,
	} {
		c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) }), nil)
		err := c.Subscribe(context.Background(), "1", sentinelTok, []string{"messages"})
		if (err == nil) != ok {
			t.Errorf("%s: err %v", body, err)
		}
		err = c.Unsubscribe(context.Background(), "1", sentinelTok)
		if (err == nil) != ok {
			t.Errorf("DELETE %s: err %v", body, err)
		}
	}
	c := New(Config{})
	if err := c.Subscribe(context.Background(), "1", sentinelTok, nil); err == nil {
		t.Error("no fields must be refused locally")
	}
	if err := c.Subscribe(context.Background(), "1", sentinelTok, []string{"messages&x=1"}); err == nil {
		t.Error("a field name that could inject a parameter must be refused")
	}
	if _, err := c.Page(context.Background(), sentinelTok, "../me"); err == nil {
		t.Error("an ID that changes the path must be refused")
	}
}

func TestDebugTokenParsing(t *testing.T) {
	bodies := map[string]string{
		"page": `{"data":{"app_id":"1234","type":"PAGE","application":"My Connector","data_access_expires_at":1767225600,
			"expires_at":0,"is_valid":true,"issued_at":1759449600,"profile_id":"111222333",
			"scopes":["pages_show_list","pages_messaging"],
			"granular_scopes":[{"scope":"pages_show_list","target_ids":["111222333", 444]},{"scope":"pages_messaging"}],
			"user_id":"555666777"}}`,
		"user": `{"data":{"app_id":138483919580948,"type":"USER","application":"Social Cafe","expires_at":1352419328,
			"is_valid":true,"issued_at":1347235328,"metadata":{"sso":"iphone-safari"},"scopes":["email"],"user_id":"1207059"}}`,
		"invalid": `{"data":{"app_id":"1234","type":"USER","application":"My Connector","error":{"code":190,
			"message":"Error validating access token: The user has not authorized application 1234.","subcode":458},
			"is_valid":false,"scopes":[],"user_id":"555666777"}}`,
	}
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, bodies[r.URL.Query().Get("input_token")])
	}), nil)
	ctx := context.Background()
	app := token.New("1234|app-secret")
	p, err := c.DebugToken(ctx, app, token.New("page"))
	if err != nil || !p.Valid || p.Type != "PAGE" || !p.Never || !p.ExpiresAt.IsZero() || p.ProfileID != "111222333" ||
		p.DataAccessExpiresAt.Unix() != 1767225600 || len(p.GranularScopes) != 2 ||
		strings.Join(p.GranularScopes[0].TargetIDs, ",") != "111222333,444" || p.GranularScopes[1].TargetIDs != nil || !p.HasScope("pages_messaging") {
		t.Fatalf("page = %+v, %v", p, err)
	}
	u, err := c.DebugToken(ctx, token.New("app|x"), token.New("user"))
	if err != nil || u.AppID != "138483919580948" || u.Never || u.ExpiresAt.Unix() != 1352419328 || u.IssuedAt.Unix() != 1347235328 {
		t.Fatalf("user = %+v, %v", u, err)
	}
	inv, err := c.DebugToken(ctx, app, token.New("invalid"))
	if err != nil || inv.Valid || inv.Error == nil || inv.Error.Reason != ReasonAppRemoved || inv.Error.Class != ClassAuth {
		t.Fatalf("invalid = %+v, %v", inv, err)
	}
}

func TestConversationsTimeFormats(t *testing.T) {
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("platform") != "messenger" || r.URL.Query().Get("limit") != "3" {
			t.Errorf("query %v", r.URL.Query())
		}
		io.WriteString(w, `{"data":[{"id":"t_1","updated_time":"2026-11-01T09:00:00+0000"},
			{"id":"t_2","updated_time":"2026-11-01T10:00:00+01:00"},{"id":"t_3","updated_time":1793523600},
			{"id":"t_4","updated_time":"1793523600"}]}`)
	}), nil)
	cs, err := c.Conversations(context.Background(), "1", sentinelTok, 3)
	if err != nil || len(cs) != 4 {
		t.Fatalf("%v %v", cs, err)
	}
	want := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	for _, cv := range cs[:2] {
		if !cv.UpdatedTime.Equal(want) {
			t.Errorf("%s: %v", cv.ID, cv.UpdatedTime)
		}
	}
	if cs[2].UpdatedTime.Unix() != 1793523600 || !cs[3].UpdatedTime.Equal(cs[2].UpdatedTime) {
		t.Errorf("unix: %v %v", cs[2].UpdatedTime, cs[3].UpdatedTime)
	}
}

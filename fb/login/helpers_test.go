package login

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/pagekeeper/pagekeeper/internal/logintest"
	"github.com/pagekeeper/pagekeeper/sandbox"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeEnv is the fake Facebook behind a recorder that keeps every token
// endpoint request and can make that endpoint fail or hang.
type fakeEnv struct {
	URL  string
	Fake *sandbox.Fake

	mu         sync.Mutex
	tokenPosts []url.Values
	failToken  int  // answer the next n token requests with 500
	hangToken  bool // never answer token requests (until the client gives up)
	// posted receives one value per token request, once it is recorded.
	posted chan struct{}
}

func startFake(t *testing.T, opts sandbox.Options) *fakeEnv {
	t.Helper()
	env := &fakeEnv{Fake: sandbox.New(opts), posted: make(chan struct{}, 100)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/oauth/access_token") {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			form, _ := url.ParseQuery(string(body))
			for k, v := range r.URL.Query() {
				form[k] = append(form[k], v...)
			}
			env.mu.Lock()
			env.tokenPosts = append(env.tokenPosts, form)
			fail, hang := env.failToken > 0, env.hangToken
			if fail {
				env.failToken--
			}
			env.mu.Unlock()
			select {
			case env.posted <- struct{}{}:
			default: // nobody waits for that many
			}
			switch {
			case hang:
				<-r.Context().Done()
				return
			case fail:
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = io.WriteString(w, `{"error":{"message":"An unknown error occurred","type":"OAuthException","code":1,"is_transient":true,"fbtrace_id":"AbCdEf"}}`)
				return
			}
		}
		env.Fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	env.URL = srv.URL
	return env
}

func (e *fakeEnv) posts() []url.Values {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]url.Values(nil), e.tokenPosts...)
}

func (e *fakeEnv) codeExchanges() int {
	return e.Fake.Stats().TokenExchanges["authorization_code"]
}

// attempts records OnAttempt calls.
type attempts struct {
	mu   sync.Mutex
	list []Attempt
}

func (a *attempts) record(at Attempt) {
	a.mu.Lock()
	a.list = append(a.list, at)
	a.mu.Unlock()
}

func (a *attempts) kinds() []AttemptKind {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []AttemptKind
	for _, at := range a.list {
		out = append(out, at.Kind)
	}
	return out
}

// devApp is the easier world for tests about the loopback callback itself:
// a consumer app in development mode, whose admin logs in, so Facebook
// redirects straight to http://localhost.
var devApp = sandbox.Options{AppType: sandbox.AppConsumer, Mode: sandbox.ModeDevelopment, AppRole: sandbox.RoleAdmin}

// config is a login against env on any free port, with a browser opener
// that does nothing (the test's Browser plays the person). Against a Live
// app it logs in as a customer must: through the relay page (registered;
// its hosting simulated by the fake), and for a Business app with the Login
// for Business configuration.
func config(env *fakeEnv, rec *attempts) Config {
	o := env.Fake.Options()
	c := Config{
		AppID: o.AppID, LoginURL: env.URL, GraphURL: env.URL, Version: "v25.0",
		Ports: []int{0}, Timeout: 20 * time.Second, ExchangeTimeout: 5 * time.Second,
		OpenBrowser: func(string) error { return nil }, Pages: english,
	}
	if o.Mode == sandbox.ModeLive {
		c.RelayURL = sandbox.DemoRelayURL
	}
	if o.AppType == sandbox.AppBusiness {
		c.ConfigID = sandbox.DemoConfigID
	}
	if rec != nil {
		c.OnAttempt = rec.record
	}
	return c
}

func start(t *testing.T, cfg Config) *Session {
	t.Helper()
	s, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Cancel()
		<-s.Done()
	})
	return s
}

// wait waits for the login with a deadline.
func wait(t *testing.T, s *Session) (*Result, error) {
	t.Helper()
	select {
	case <-s.Done():
	case <-time.After(15 * time.Second):
		t.Fatal("login did not end")
	}
	return s.Wait()
}

func stillWaiting(t *testing.T, s *Session) {
	t.Helper()
	select {
	case <-s.Done():
		_, err := s.Wait()
		t.Fatalf("login ended, want it still waiting: %v", err)
	default:
	}
}

// callbackURL is the loopback callback address with the given query.
func callbackURL(s *Session, q string) string {
	return "http://localhost:" + strconv.Itoa(s.Port()) + CallbackPath + "?" + q
}

// withQuery returns u (a callback address) with key set to val ("" removes it).
func withQuery(u *url.URL, key, val string) string {
	q := u.Query()
	if val == "" {
		q.Del(key)
	} else {
		q.Set(key, val)
	}
	v := *u
	v.RawQuery = q.Encode()
	return v.String()
}

func mustPage(t *testing.T, p *logintest.Page, err error, status int, text string) *logintest.Page {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != status || !strings.Contains(p.Body, text) {
		t.Fatalf("got HTTP %d, want %d with %q:\n%s", p.Status, status, text, p.Body)
	}
	checkHygiene(t, p)
	return p
}

// checkHygiene is test 13's header and content rules for any callback page.
func checkHygiene(t *testing.T, p *logintest.Page) {
	t.Helper()
	want := map[string]string{
		"Referrer-Policy":        "no-referrer",
		"Cache-Control":          "no-store",
		"Content-Type":           "text/html; charset=utf-8",
		"X-Content-Type-Options": "nosniff",
	}
	for k, v := range want {
		if got := p.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if csp := p.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'none'; style-src 'unsafe-inline'") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	low := strings.ToLower(p.Body)
	for _, bad := range []string{"http://", "https://", "<script", "<a ", "<img", "<link", "src=", "href="} {
		if strings.Contains(low, bad) {
			t.Errorf("callback page contains %q:\n%s", bad, p.Body)
		}
	}
}

// refused reports whether nothing listens on 127.0.0.1:port any more.
func refused(port int) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err == nil {
		_ = c.Close()
		return false
	}
	return true
}

// rebind proves the port is free by opening and closing it.
func rebind(t *testing.T, port int) {
	t.Helper()
	ln, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatalf("port %d still busy after the login: %v", port, err)
	}
	_ = ln.Close()
}

// freePort finds a port free on both loopback families.
func freePort(t *testing.T) int {
	t.Helper()
	for range 20 {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := ln.Addr().(*net.TCPAddr).Port
		ln6, err := net.Listen("tcp6", net.JoinHostPort("::1", strconv.Itoa(p)))
		_ = ln.Close()
		if err == nil {
			_ = ln6.Close()
			return p
		}
		if noIPv6(err) {
			return p
		}
	}
	t.Fatal("no free port")
	return 0
}

// fmtAll prints v every way a log line might.
func fmtAll(v any) string {
	return fmt.Sprintf("%v %+v %#v %s", v, v, v, v)
}

func s256(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func u2s(n int) string { return strconv.Itoa(n) }

// redactForm is a token request fit for a failure message.
func redactForm(v url.Values) url.Values {
	out := url.Values{}
	for k := range v {
		out.Set(k, "…")
	}
	return out
}

// english are the callback pages' texts the tests hand in, as keeper
// does with its catalog's (keeper's tests check the real ones).
var english = Messages{
	Lang:         "en",
	SuccessTitle: "Connected to Facebook",
	Success:      "Connected as {name}. You can close this tab and return to Pagekeeper.",

	CancelledTitle: "Login cancelled",
	Cancelled:      "Login cancelled – you can close this tab and return to Pagekeeper. Nothing was changed.",

	FailedTitle:         "The Facebook login did not finish",
	ExchangeRejected:    "exchange rejected",
	ExchangeTemporary:   "exchange temporary",
	ExchangeTimeout:     "exchange timeout",
	ExchangeOffline:     "exchange offline",
	ExchangeUnknown:     "exchange unknown",
	DialogError:         "Facebook stopped the login before it finished.",
	ExchangeNeedsSecret: "needs the App Secret",
	ExchangeWrongSecret: "wrong App Secret",
	FacebookSaid:        "Facebook said: “{detail}”",
	TryAgain:            "Close this tab and start the login again in Pagekeeper. Nothing was changed.",

	RejectedTitle:     "This link does not belong to your login",
	Rejected:          "This page was opened with a link that does not match the login Pagekeeper is waiting for",
	ErrorWithoutState: "Facebook reports that the login was not completed.",
	MissingCode:       "The answer from Facebook is incomplete (it has no login code)",

	UsedTitle: "This login link was already used",
	Used:      "This login link was already used, so it was ignored.",

	StoppedTitle: "Pagekeeper stopped waiting",
	Stopped:      "Pagekeeper is no longer waiting for this login",

	BadRequestTitle: "Bad request",
	TooLong:         "This address is too long to be a login answer, so it was ignored.",
	Malformed:       "This address is malformed, so it was ignored.",
	NotFoundTitle:   "Not found",
	NotFound:        "There is nothing here. Return to Pagekeeper.",
	MethodTitle:     "Method not allowed",
	Method:          "Only a browser visit is expected here. Return to Pagekeeper.",
}

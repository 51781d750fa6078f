package login

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/fb/login/relay"
	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/internal/logintest"
	"github.com/pagekeeper/pagekeeper/sandbox"
)

func TestLoginSucceeds(t *testing.T) {
	env := startFake(t, sandbox.Options{})
	var rec attempts
	opened := make(chan string, 1)
	cfg := config(env, &rec)
	cfg.OpenBrowser = func(u string) error { opened <- u; return nil }
	s := start(t, cfg)
	if got := <-opened; got != s.URL() {
		t.Fatalf("browser opened %q, want the session URL", got)
	}
	if err := <-s.BrowserErr(); err != nil {
		t.Fatal(err)
	}
	b := logintest.New()
	p, cb, err := b.Login(s.URL(), logintest.Choice{})
	mustPage(t, p, err, http.StatusOK, "Connected as "+sandbox.DemoUserName+". You can close this tab")
	res, err := wait(t, s)
	if err != nil {
		t.Fatal(err)
	}
	if res.User.ID != sandbox.DemoUserID || res.User.Name != sandbox.DemoUserName {
		t.Fatalf("user %+v", res.User)
	}
	// A Login for Business configuration is granted all or nothing.
	for _, p := range sandbox.DemoConfigPermissions {
		if !slices.Contains(res.Granted, p) {
			t.Errorf("%s not granted: %v", p, res.Granted)
		}
	}
	if len(res.Declined) != 0 {
		t.Errorf("declined %v", res.Declined)
	}
	if res.UserToken.IsZero() || res.LongLived || res.ExpiresAt.IsZero() {
		t.Fatalf("result %+v", res)
	}
	if env.codeExchanges() != 1 {
		t.Fatalf("%d exchanges", env.codeExchanges())
	}
	if len(rec.kinds()) != 0 {
		t.Fatalf("attempts %v", rec.kinds())
	}
	if cb.Hostname() != "localhost" || cb.Path != CallbackPath {
		t.Fatalf("callback %s", cb.Redacted())
	}
	// The port closed with the login.
	if !refused(s.Port()) {
		t.Fatal("port still open after the login")
	}
	rebind(t, s.Port())
	// Nothing printed from the Result shows the token.
	if strings.Contains(fmtAll(res), res.UserToken.Reveal()) {
		t.Fatal("Result prints the token")
	}
}

// Test 1: a wrong state gets a 400, nothing is exchanged, the login waits on.
// Test 2: missing or blank state, and missing code with the right state.
// Test 4: error=… with a wrong state is forged too.
func TestForgedCallbacksAreRejectedAndTheLoginWaits(t *testing.T) {
	env := startFake(t, sandbox.Options{})
	var rec attempts
	s := start(t, config(env, &rec))
	b := logintest.New()
	cb, err := b.Consent(s.URL(), logintest.Choice{})
	if err != nil {
		t.Fatal(err)
	}
	good := cb.Query().Get("state")
	cases := []struct {
		name, url string
		kind      AttemptKind
		text      string
	}{
		{"wrong state", withQuery(cb, "state", good[:len(good)-1]+"x"), AttemptStateMismatch, english.Rejected},
		{"other state", withQuery(cb, "state", "47321.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), AttemptStateMismatch, english.Rejected},
		{"missing state", withQuery(cb, "state", ""), AttemptMissingState, english.Rejected},
		{"blank state", callbackURL(s, "code=abc&state="), AttemptMissingState, english.Rejected},
		{"spaces state", callbackURL(s, "code=abc&state=%20%20"), AttemptMissingState, english.Rejected},
		{"two states", callbackURL(s, "code=abc&state="+url.QueryEscape(good)+"&state=x"), AttemptMalformed, english.Malformed},
		{"missing code", callbackURL(s, "state="+url.QueryEscape(good)), AttemptMissingCode, english.MissingCode},
		{"blank code", callbackURL(s, "code=&state="+url.QueryEscape(good)), AttemptMissingCode, english.MissingCode},
		{"error, wrong state", callbackURL(s, "error=access_denied&error_reason=user_denied&state=bad"), AttemptStateMismatch, english.Rejected},
		{"error, no state", callbackURL(s, "error=access_denied&error_reason=user_denied"), AttemptMissingState, english.ErrorWithoutState},
	}
	for _, c := range cases {
		p, err := b.Get(c.url)
		mustPage(t, p, err, http.StatusBadRequest, c.text)
		if strings.Contains(p.Body, english.SuccessTitle) || strings.Contains(p.Body, cb.Query().Get("code")) {
			t.Fatalf("%s: page claims success or echoes the code", c.name)
		}
		if k := rec.kinds(); len(k) == 0 || k[len(k)-1] != c.kind {
			t.Fatalf("%s: attempts %v, want last %s", c.name, k, c.kind)
		}
		if n := env.codeExchanges(); n != 0 || len(env.posts()) != 0 {
			t.Fatalf("%s: %d exchanges", c.name, n)
		}
		stillWaiting(t, s)
	}
	// The genuine callback still works.
	p, err := b.Get(cb.String())
	mustPage(t, p, err, http.StatusOK, "Connected as")
	if _, err := wait(t, s); err != nil {
		t.Fatal(err)
	}
	if env.codeExchanges() != 1 {
		t.Fatal("want exactly one exchange")
	}
}

// Test 3: Cancel in Facebook's dialog.
func TestCancelInDialog(t *testing.T) {
	env := startFake(t, sandbox.Options{})
	var rec attempts
	s := start(t, config(env, &rec))
	p, cb, err := logintest.New().Login(s.URL(), logintest.Choice{Cancel: true})
	mustPage(t, p, err, http.StatusOK, "Login cancelled – you can close this tab and return to Pagekeeper")
	if cb.Query().Get("error") != "access_denied" {
		t.Fatalf("fake redirected to %s", cb.Redacted())
	}
	_, err = wait(t, s)
	if !errors.Is(err, ErrCancelled) {
		t.Fatalf("err %v, want ErrCancelled", err)
	}
	if env.codeExchanges() != 0 || len(rec.kinds()) != 0 {
		t.Fatalf("exchanges %d attempts %v", env.codeExchanges(), rec.kinds())
	}
	if !refused(s.Port()) {
		t.Fatal("port still open")
	}
}

// Facebook may omit state on its cancel redirect (not documented): the
// page tells the person to cancel in Pagekeeper, and the login is not ended
// by a request anyone could forge. (Behind the relay, such an answer stops
// at the relay page, which cannot tell where to forward it.)
func TestCancelWithoutStateKeepsWaiting(t *testing.T) {
	o := devApp
	o.NoStateOnCancel = true
	env := startFake(t, o)
	var rec attempts
	s := start(t, config(env, &rec))
	p, _, err := logintest.New().Login(s.URL(), logintest.Choice{Cancel: true})
	mustPage(t, p, err, http.StatusBadRequest, english.ErrorWithoutState)
	stillWaiting(t, s)
	if k := rec.kinds(); !slices.Equal(k, []AttemptKind{AttemptMissingState}) {
		t.Fatalf("attempts %v", k)
	}
	s.Cancel()
	if _, err := wait(t, s); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
}

// Test 5: replaying the used callback exchanges nothing more.
func TestReplayIsRefused(t *testing.T) {
	env := startFake(t, sandbox.Options{})
	var rec attempts
	s := start(t, config(env, &rec))
	b := logintest.New()
	cb, err := b.Consent(s.URL(), logintest.Choice{})
	if err != nil {
		t.Fatal(err)
	}
	// Two arrivals at once while the exchange is slow: one wins, the other
	// is told the link was used.
	env.Fake.SetLatency(300 * time.Millisecond)
	pages := make(chan *logintest.Page, 2)
	for range 2 {
		go func() {
			p, err := b.Get(cb.String())
			if err != nil {
				p = &logintest.Page{Body: err.Error()}
			}
			pages <- p
		}()
	}
	p1, p2 := <-pages, <-pages
	if p1.Status == http.StatusBadRequest {
		p1, p2 = p2, p1
	}
	mustPage(t, p1, nil, http.StatusOK, "Connected as")
	mustPage(t, p2, nil, http.StatusBadRequest, "This login link was already used")
	if _, err := wait(t, s); err != nil {
		t.Fatal(err)
	}
	env.Fake.SetLatency(0)
	// After the login the port is closed: a reload is refused outright.
	if _, err := b.Get(cb.String()); err == nil {
		t.Fatal("reload after the login reached a server")
	}
	if env.codeExchanges() != 1 || len(env.posts()) != 1 {
		t.Fatalf("%d exchanges, %d token requests", env.codeExchanges(), len(env.posts()))
	}
	if k := rec.kinds(); !slices.Equal(k, []AttemptKind{AttemptReplay}) {
		t.Fatalf("attempts %v", k)
	}
}

// Test 6: other paths and methods neither end nor consume the login.
func TestOtherPathsAndMethods(t *testing.T) {
	env := startFake(t, sandbox.Options{})
	var rec attempts
	s := start(t, config(env, &rec))
	b := logintest.New()
	cb, err := b.Consent(s.URL(), logintest.Choice{})
	if err != nil {
		t.Fatal(err)
	}
	base := "http://localhost:" + cb.Port()
	p, err := b.Get(base + "/favicon.ico")
	mustPage(t, p, err, http.StatusNotFound, english.NotFound)
	p, err = b.Get(base + "/callback?" + cb.RawQuery)
	mustPage(t, p, err, http.StatusNotFound, english.NotFound)
	req, _ := http.NewRequest(http.MethodPost, cb.String(), strings.NewReader("x=1"))
	p, err = b.Do(req)
	mustPage(t, p, err, http.StatusMethodNotAllowed, english.Method)
	if p.Header.Get("Allow") != http.MethodGet {
		t.Fatalf("Allow %q", p.Header.Get("Allow"))
	}
	stillWaiting(t, s)
	if env.codeExchanges() != 0 {
		t.Fatal("exchanged on a wrong path or method")
	}
	if k := rec.kinds(); !slices.Equal(k, []AttemptKind{AttemptWrongPath, AttemptWrongMethod}) {
		t.Fatalf("attempts %v (favicon.ico must not be recorded)", k)
	}
	p, err = b.Get(cb.String())
	mustPage(t, p, err, http.StatusOK, "Connected as")
	if _, err := wait(t, s); err != nil {
		t.Fatal(err)
	}
}

// Test 9: the time-out frees the port and refuses late callbacks.
func TestTimeout(t *testing.T) {
	env := startFake(t, sandbox.Options{})
	cfg := config(env, nil)
	cfg.Timeout = 100 * time.Millisecond
	s := start(t, cfg)
	cb, err := logintest.New().Consent(s.URL(), logintest.Choice{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = wait(t, s)
	if !errors.Is(err, ErrTimeout) || err.Error() != "login timed out – try again" {
		t.Fatalf("err %v", err)
	}
	rebind(t, s.Port())
	if _, err := logintest.New().Get(cb.String()); err == nil {
		t.Fatal("late callback reached a server")
	}
	if env.codeExchanges() != 0 {
		t.Fatal("late callback exchanged")
	}
}

// Test 10: Cancel in the app closes the port within a second (goroutine
// leaks are caught by TestMain's goleak check).
func TestCancelInApp(t *testing.T) {
	env := startFake(t, sandbox.Options{})
	s := start(t, config(env, nil))
	t0 := time.Now()
	s.Cancel()
	select {
	case <-s.Done():
	case <-time.After(time.Second):
		t.Fatal("port not closed within 1 s of Cancel")
	}
	if d := time.Since(t0); d > time.Second {
		t.Fatalf("Cancel took %v", d)
	}
	if _, err := s.Wait(); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	if !refused(s.Port()) {
		t.Fatal("port still open")
	}
	rebind(t, s.Port())
	s.Cancel() // twice is fine
}

func TestParentContextEndsTheLogin(t *testing.T) {
	env := startFake(t, sandbox.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	s, err := Start(ctx, config(env, nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wait(t, s); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	rebind(t, s.Port())
}

// Cancel while the code is being exchanged: the exchange is abandoned, the
// browser is told, and the login ends cancelled.
func TestCancelDuringExchange(t *testing.T) {
	env := startFake(t, sandbox.Options{})
	s := start(t, config(env, nil))
	b := logintest.New()
	cb, err := b.Consent(s.URL(), logintest.Choice{})
	if err != nil {
		t.Fatal(err)
	}
	env.mu.Lock()
	env.hangToken = true
	env.mu.Unlock()
	page := make(chan *logintest.Page, 1)
	go func() {
		p, err := b.Get(cb.String())
		if err != nil {
			p = &logintest.Page{Body: err.Error()}
		}
		page <- p
	}()
	select { // the exchange is under way (and hangs)
	case <-env.posted:
	case <-time.After(15 * time.Second):
		t.Fatal("the callback's code was never exchanged")
	}
	s.Cancel()
	mustPage(t, <-page, nil, http.StatusServiceUnavailable, english.Stopped)
	if _, err := wait(t, s); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
}

// Test 11: the browser cannot be opened; the person opens the link by hand.
func TestBrowserCannotOpen(t *testing.T) {
	env := startFake(t, sandbox.Options{})
	cfg := config(env, nil)
	boom := errors.New("no browser on this machine")
	cfg.OpenBrowser = func(string) error { return boom }
	s := start(t, cfg)
	select {
	case err := <-s.BrowserErr():
		if !errors.Is(err, boom) {
			t.Fatalf("BrowserErr %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no BrowserErr")
	}
	stillWaiting(t, s)
	p, _, err := logintest.New().Login(s.URL(), logintest.Choice{})
	mustPage(t, p, err, http.StatusOK, "Connected as")
	if _, err := wait(t, s); err != nil {
		t.Fatal(err)
	}
}

// Test 15: the exchange fails: a specific error, no result, no secret in any
// output.
func TestExchangeFailures(t *testing.T) {
	cases := []struct {
		name    string
		prepare func(env *fakeEnv, cfg *Config)
		tamper  bool // send a code Facebook never issued
		check   func(t *testing.T, e *fb.Error)
		text    string
	}{
		{"invalid code", nil, true, func(t *testing.T, e *fb.Error) {
			if e.Class != fb.ClassInvalidRequest || e.Code != 100 {
				t.Fatalf("error %+v", e)
			}
		}, english.ExchangeRejected},
		{"server error", func(env *fakeEnv, _ *Config) { env.failToken = 1 }, false, func(t *testing.T, e *fb.Error) {
			if e.Class != fb.ClassTransient || e.HTTPStatus != 500 {
				t.Fatalf("error %+v", e)
			}
		}, english.ExchangeTemporary},
		{"hangs", func(env *fakeEnv, cfg *Config) { env.hangToken = true; cfg.ExchangeTimeout = 200 * time.Millisecond }, false,
			func(t *testing.T, e *fb.Error) {
				if e.Reason != fb.ReasonTimeout {
					t.Fatalf("error %+v", e)
				}
			}, english.ExchangeTimeout},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := startFake(t, sandbox.Options{})
			var rec attempts
			cfg := config(env, &rec)
			b := logintest.New()
			if c.prepare != nil {
				env.mu.Lock()
				c.prepare(env, &cfg)
				env.mu.Unlock()
			}
			s := start(t, cfg)
			cb, err := b.Consent(s.URL(), logintest.Choice{})
			if err != nil {
				t.Fatal(err)
			}
			code := cb.Query().Get("code")
			target := cb.String()
			if c.tamper {
				target = withQuery(cb, "code", "AQ"+strings.Repeat("z", 60))
			}
			p, err := b.Get(target)
			mustPage(t, p, err, http.StatusBadGateway, c.text)
			res, err := wait(t, s)
			if res != nil {
				t.Fatal("a result despite the failure")
			}
			e, ok := fb.AsError(err)
			if !ok {
				t.Fatalf("err %T %v, want *fb.Error", err, err)
			}
			c.check(t, e)
			for _, secret := range []string{code, s.verifier, "AQzzzz"} {
				for _, out := range []string{err.Error(), p.Body, fmtAll(err)} {
					if strings.Contains(out, secret) {
						t.Fatalf("secret in output: %s", out)
					}
				}
			}
			if len(rec.kinds()) != 0 {
				t.Fatalf("attempts %v", rec.kinds())
			}
			rebind(t, s.Port())
		})
	}
}

// Test 12: PKCE S256.
func TestPKCE(t *testing.T) {
	// RFC 7636 Appendix B: the published verifier and challenge.
	const verifier, challenge = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	if got := s256(verifier); got != challenge {
		t.Fatalf("S256(RFC 7636 B verifier) = %s", got)
	}
	if got := oauth2.S256ChallengeFromVerifier(verifier); got != challenge {
		t.Fatalf("x/oauth2 S256 = %s", got)
	}

	env := startFake(t, sandbox.Options{})
	env.failToken = 1 // the first attempt fails at the exchange
	seen := map[string]bool{}
	for attempt := range 3 {
		s := start(t, config(env, nil))
		u, _ := url.Parse(s.URL())
		q := u.Query()
		if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") != s256(s.verifier) {
			t.Fatalf("challenge %q method %q", q.Get("code_challenge"), q.Get("code_challenge_method"))
		}
		if n := len(s.verifier); n < 43 || n > 128 || !regexp.MustCompile(`^[A-Za-z0-9._~-]+$`).MatchString(s.verifier) {
			t.Fatalf("verifier %d chars", n)
		}
		if strings.Contains(s.URL(), s.verifier) {
			t.Fatal("the dialog URL carries the verifier")
		}
		for _, v := range []string{s.verifier, q.Get("state"), q.Get("code_challenge")} {
			if seen[v] {
				t.Fatalf("attempt %d reuses a verifier, state or challenge", attempt)
			}
			seen[v] = true
		}
		if attempt < 2 {
			p, _, err := logintest.New().Login(s.URL(), logintest.Choice{})
			if err != nil {
				t.Fatal(err)
			}
			_, lerr := wait(t, s)
			if (attempt == 0) != (lerr != nil) || (attempt == 0) != (p.Status == http.StatusBadGateway) {
				t.Fatalf("attempt %d: HTTP %d err %v", attempt, p.Status, lerr)
			}
			posts := env.posts()
			last := posts[len(posts)-1]
			if last.Get("code_verifier") != s.verifier || last.Has("client_secret") || last.Get("grant_type") != "authorization_code" ||
				last.Get("redirect_uri") != s.RedirectURL() || last.Get("client_id") != env.Fake.Options().AppID {
				t.Fatalf("token request %v", redactForm(last))
			}
		}
	}
}

func TestDialogURL(t *testing.T) {
	// A Business app: its Login for Business configuration, no scope, and
	// the relay as redirect_uri.
	env := startFake(t, sandbox.Options{})
	cfg := config(env, nil)
	cfg.Business = true
	cfg.AuthType = AuthTypeRerequest
	s := start(t, cfg)
	u, err := url.Parse(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Path != "/v25.0/dialog/oauth" || q.Get("client_id") != env.Fake.Options().AppID || q.Get("response_type") != "code" {
		t.Fatalf("dialog URL %s", u.Redacted())
	}
	if q.Get("redirect_uri") != sandbox.DemoRelayURL || q.Get("redirect_uri") != s.RedirectURL() {
		t.Fatalf("redirect_uri %q", q.Get("redirect_uri"))
	}
	if q.Get("config_id") != sandbox.DemoConfigID || q.Has("scope") {
		t.Fatalf("config_id %q, scope %q: a configuration replaces scope", q.Get("config_id"), q.Get("scope"))
	}
	if q.Get("auth_type") != "rerequest" || q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 {
		t.Fatalf("auth_type %q, PKCE %q", q.Get("auth_type"), q.Get("code_challenge_method"))
	}
	if !regexp.MustCompile(`^` + u2s(s.Port()) + `\.[A-Za-z0-9_-]{43}$`).MatchString(q.Get("state")) {
		t.Fatalf("state %q", q.Get("state"))
	}

	// A consumer app in development mode: scope, and the loopback callback.
	env = startFake(t, devApp)
	cfg = config(env, nil)
	cfg.Business = true
	s = start(t, cfg)
	u, _ = url.Parse(s.URL())
	q = u.Query()
	if q.Get("redirect_uri") != "http://localhost:"+u2s(s.Port())+"/facebook/callback" || q.Get("redirect_uri") != s.RedirectURL() || q.Has("config_id") {
		t.Fatalf("redirect_uri %q", q.Get("redirect_uri"))
	}
	scopes := strings.Fields(q.Get("scope"))
	for _, want := range append(slices.Clone(DefaultScopes), "business_management") {
		if !slices.Contains(scopes, want) {
			t.Fatalf("scope %v lacks %s", scopes, want)
		}
	}
}

func TestAuthTypeFor(t *testing.T) {
	for _, c := range []struct {
		declined []string
		expired  bool
		want     string
	}{{nil, false, ""}, {[]string{"pages_messaging"}, false, "rerequest"}, {nil, true, "reauthorize"}, {[]string{"x"}, true, "reauthorize"}} {
		if got := AuthTypeFor(c.declined, c.expired); got != c.want {
			t.Errorf("AuthTypeFor(%v, %v) = %q, want %q", c.declined, c.expired, got, c.want)
		}
	}
}

// A rerequest login shows the declined permission again (Meta's
// manual-flow guide); declining in part is for a consumer app's classic
// login only.
func TestRerequestAsksAgain(t *testing.T) {
	env := startFake(t, sandbox.Options{AppType: sandbox.AppConsumer})
	s := start(t, config(env, nil))
	p, _, err := logintest.New().Login(s.URL(), logintest.Choice{Untick: []string{"perm-pages_messaging"}})
	mustPage(t, p, err, http.StatusOK, "Connected as")
	res, err := wait(t, s)
	if err != nil || !slices.Contains(res.Declined, "pages_messaging") {
		t.Fatalf("first login: %v %v", res, err)
	}
	cfg := config(env, nil)
	cfg.AuthType = AuthTypeFor(res.Declined, false)
	s2 := start(t, cfg)
	p, _, err = logintest.New().Login(s2.URL(), logintest.Choice{})
	mustPage(t, p, err, http.StatusOK, "Connected as")
	res2, err := wait(t, s2)
	if err != nil || !slices.Contains(res2.Granted, "pages_messaging") {
		t.Fatalf("rerequest login: %+v %v", res2, err)
	}
}

func TestLongLivedExchange(t *testing.T) {
	env := startFake(t, sandbox.Options{})
	cfg := config(env, nil)
	cfg.AppSecret = token.New(env.Fake.Options().AppSecret)
	s := start(t, cfg)
	p, _, err := logintest.New().Login(s.URL(), logintest.Choice{})
	mustPage(t, p, err, http.StatusOK, "Connected as")
	res, err := wait(t, s)
	if err != nil {
		t.Fatal(err)
	}
	if !res.LongLived || res.LongLivedErr != nil || time.Until(res.ExpiresAt) < 50*24*time.Hour {
		t.Fatalf("long-lived %v until %v err %v", res.LongLived, res.ExpiresAt, res.LongLivedErr)
	}
	st := env.Fake.Stats().TokenExchanges
	if st["authorization_code"] != 1 || st["fb_exchange_token"] != 1 {
		t.Fatalf("exchanges %v", st)
	}
	if posts := env.posts(); !posts[0].Has("client_secret") || !posts[0].Has("code_verifier") || !posts[1].Has("client_secret") {
		t.Fatalf("the code exchange carries the secret and the PKCE verifier, and so does the long-lived one: %v", redactForm(posts[0]))
	}

	// A wrong secret: Facebook refuses the exchange, and no error shows it.
	cfg.AppSecret = token.New("wrong-secret")
	s2 := start(t, cfg)
	p, _, err = logintest.New().Login(s2.URL(), logintest.Choice{})
	mustPage(t, p, err, http.StatusBadGateway, english.ExchangeWrongSecret)
	res2, err := wait(t, s2)
	if res2 != nil || !errors.Is(err, ErrAppSecretWrong) || strings.Contains(fmtAll(err), "wrong-secret") {
		t.Fatalf("result %+v err %v", res2, err)
	}
}

// Whether Facebook finishes a login with the PKCE verifier and no App
// Secret is not documented for every app: when it refuses, the person and
// the owner read that the App Secret is needed, not a raw error.
func TestSecretlessExchangeRefused(t *testing.T) {
	env := startFake(t, sandbox.Options{RefuseSecretlessExchange: true})
	s := start(t, config(env, nil))
	p, _, err := logintest.New().Login(s.URL(), logintest.Choice{})
	mustPage(t, p, err, http.StatusBadGateway, english.ExchangeNeedsSecret)
	_, err = wait(t, s)
	if !errors.Is(err, ErrAppSecretNeeded) || !strings.Contains(err.Error(), "enter the App Secret in Settings") {
		t.Fatalf("err %v", err)
	}
	var fe *fb.Error
	if !errors.As(err, &fe) || fe.Code != 101 {
		t.Fatalf("Facebook's answer is kept for the log: %v", fe)
	}
	// With the App Secret the same app logs in.
	cfg := config(env, nil)
	cfg.AppSecret = token.New(env.Fake.Options().AppSecret)
	s2 := start(t, cfg)
	p, _, err = logintest.New().Login(s2.URL(), logintest.Choice{})
	mustPage(t, p, err, http.StatusOK, "Connected as")
	if _, err := wait(t, s2); err != nil {
		t.Fatal(err)
	}
}

// Relay mode: redirect_uri is the relay page, the state carries the port,
// and the exchange repeats the relay address.
func TestRelayMode(t *testing.T) {
	const relayURL = "https://relay.example.com/pagekeeper/relay.html"
	env := startFake(t, sandbox.Options{RegisteredRedirects: []string{relayURL}})
	cfg := config(env, nil)
	port := freePort(t)
	cfg.Ports = []int{port}
	cfg.RelayURL = relayURL
	s := start(t, cfg)
	u, _ := url.Parse(s.URL())
	if u.Query().Get("redirect_uri") != relayURL || s.RedirectURL() != relayURL {
		t.Fatalf("redirect_uri %q", u.Query().Get("redirect_uri"))
	}
	state := u.Query().Get("state")
	if !regexp.MustCompile(`^` + u2s(port) + `\.[A-Za-z0-9_-]{43}$`).MatchString(state) {
		t.Fatalf("state %q does not carry the port", state)
	}
	at, err := env.Fake.Consent(s.URL(), sandbox.Consent{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(at.String(), relayURL+"?") {
		t.Fatalf("Facebook sent the browser to %s", at.Redacted())
	}
	// What relay.html does (the browser test runs the page itself).
	cb, err := relay.Forward(at)
	if err != nil || cb.Port() != u2s(port) {
		t.Fatalf("forward: %v %v", cb, err)
	}
	p, err := logintest.New().Get(cb.String())
	mustPage(t, p, err, http.StatusOK, "Connected as")
	if _, err := wait(t, s); err != nil {
		t.Fatal(err)
	}
	if posts := env.posts(); len(posts) != 1 || posts[0].Get("redirect_uri") != relayURL {
		t.Fatal("the exchange must use the relay address as redirect_uri")
	}
}

// The pages say what keeper hands in, in its language, escaped.
func TestPagesSayTheTextsHandedIn(t *testing.T) {
	env := startFake(t, sandbox.Options{})
	cfg := config(env, nil)
	cfg.Pages = english
	cfg.Pages.Lang, cfg.Pages.Rejected, cfg.Pages.Success = "es", "Este enlace no corresponde <b>", "Conectado como {name}."
	s := start(t, cfg)
	p, err := logintest.New().Get(callbackURL(s, "code=x&state=bad"))
	mustPage(t, p, err, http.StatusBadRequest, "Este enlace no corresponde &lt;b&gt;")
	if !strings.Contains(p.Body, `lang="es"`) {
		t.Fatal("lang attribute")
	}
	p, _, err = logintest.New().Login(s.URL(), logintest.Choice{})
	mustPage(t, p, err, http.StatusOK, "Conectado como "+sandbox.DemoUserName+".")
	if _, err := wait(t, s); err != nil {
		t.Fatal(err)
	}
}

func TestSetupErrors(t *testing.T) {
	for _, cfg := range []Config{
		{},
		{AppID: "abc"},
		{AppID: "123", Ports: []int{80}},
		{AppID: "123", RelayURL: "http://relay.example.com/"},
		{AppID: "123", ConfigID: "my-config"},
		{AppID: "123", AuthType: "sometimes"},
		{AppID: "123", LoginURL: "ftp://x"},
	} {
		var se *SetupError
		if _, err := Start(context.Background(), cfg); !errors.As(err, &se) {
			t.Errorf("%+v: err %v, want *SetupError", cfg, err)
		}
	}
}

package login

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pagekeeper/pagekeeper/assets"
	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/fb/login/relay"
	"github.com/pagekeeper/pagekeeper/internal/browsertest"
	"github.com/pagekeeper/pagekeeper/sandbox"
)

// dialog opens the login in the browser, clicks the elements with these
// ids and returns the text of the callback page the browser ends on.
func dialog(t *testing.T, bctx context.Context, s *Session, clicks ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(bctx, 30*time.Second)
	defer cancel()
	steps := []chromedp.Action[chromedp.Void]{chromedp.Navigate(s.URL()), chromedp.WaitVisible(chromedp.ID("continue"))}
	for _, id := range clicks {
		steps = append(steps, chromedp.Click(chromedp.ID(id)))
	}
	steps = append(steps, chromedp.WaitReady(chromedp.CSS(`main[role="main"]`)))
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browser: %v", err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	return text
}

func currentURL(t *testing.T, bctx context.Context) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(bctx, 10*time.Second)
	defer cancel()
	u, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestRealBrowserLogin(t *testing.T) {
	bctx := browsertest.Start(t)
	env := startFake(t, sandbox.Options{})
	client := fb.New(fb.Config{GraphURL: env.URL, LoginURL: env.URL, AppID: env.Fake.Options().AppID,
		HTTPClient: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}})

	// First login: untick Harbor Books, keep the others.
	cfg := config(env, nil)
	cfg.Client = client
	s := start(t, cfg)
	text := dialog(t, bctx, s, "page-"+sandbox.PageHarborBooks, "continue")
	if !strings.Contains(text, "Connected as "+sandbox.DemoUserName) {
		t.Fatalf("browser shows %q", text)
	}
	if u := currentURL(t, bctx); !strings.HasPrefix(u, "http://localhost:") || !strings.Contains(u, CallbackPath) {
		t.Fatalf("browser ended on %s", u)
	}
	res, err := wait(t, s)
	if err != nil {
		t.Fatal(err)
	}
	if res.User.Name != sandbox.DemoUserName {
		t.Fatalf("user %+v", res.User)
	}
	pages, err := client.DiscoverPages(context.Background(), res.UserToken, fb.DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tokens := map[string]bool{}
	var sunrise fb.Page
	for _, p := range pages {
		tokens[p.ID] = !p.AccessToken.IsZero()
		if p.ID == sandbox.PageSunriseCafe {
			sunrise = p
		}
	}
	if !tokens[sandbox.PageSunriseCafe] || tokens[sandbox.PageHarborBooks] {
		t.Fatalf("granted Pages %v: want Sunrise Café with a token, Harbor Books without", tokens)
	}

	// Second login: untick Sunrise Café, granted before: its Page token from
	// the first login stops working at Facebook.
	s2 := start(t, cfg)
	text = dialog(t, bctx, s2, "page-"+sandbox.PageSunriseCafe, "continue")
	if !strings.Contains(text, "Connected as") {
		t.Fatalf("browser shows %q", text)
	}
	if _, err := wait(t, s2); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Page(context.Background(), sunrise.AccessToken, sunrise.ID); !fb.IsAuth(err) {
		t.Fatalf("the unticked Page's token still works (err %v)", err)
	}
	if env.codeExchanges() != 2 {
		t.Fatalf("%d exchanges", env.codeExchanges())
	}
}

func TestRealBrowserCancel(t *testing.T) {
	bctx := browsertest.Start(t)
	env := startFake(t, sandbox.Options{})
	s := start(t, config(env, nil))
	text := dialog(t, bctx, s, "cancel")
	if !strings.Contains(text, "Login cancelled – you can close this tab and return to Pagekeeper") {
		t.Fatalf("browser shows %q", text)
	}
	if _, err := wait(t, s); !errors.Is(err, ErrCancelled) {
		t.Fatalf("err %v", err)
	}
}

// The relay page (assets/relay.html), served over HTTPS as the registered
// redirect URI, forwards the browser to the loopback callback.
func TestRealBrowserRelay(t *testing.T) {
	relaySrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(assets.RelayPage)
	}))
	t.Cleanup(relaySrv.Close)
	relay := relaySrv.URL + "/pagekeeper/relay.html"
	bctx := browsertest.Start(t, chromedp.Flag("ignore-certificate-errors", true))
	env := startFake(t, sandbox.Options{RegisteredRedirects: []string{relay}})
	cfg := config(env, nil)
	cfg.RelayURL = relay
	cfg.Ports = []int{freePort(t)}
	s := start(t, cfg)
	text := dialog(t, bctx, s, "continue")
	if !strings.Contains(text, "Connected as "+sandbox.DemoUserName) {
		t.Fatalf("browser shows %q", text)
	}
	if u := currentURL(t, bctx); !strings.HasPrefix(u, "http://localhost:") {
		t.Fatalf("the relay did not forward to the callback: %s", u)
	}
	if _, err := wait(t, s); err != nil {
		t.Fatal(err)
	}
	if posts := env.posts(); len(posts) != 1 || posts[0].Get("redirect_uri") != relay {
		t.Fatal("exchange must repeat the relay redirect_uri")
	}
}

// The relay page (run by a real browser) and relay.Forward (its Go
// counterpart, for callers that cannot run the page) forward the same
// answers to the same place, and refuse the same ones.
func TestRelayPageMatchesForward(t *testing.T) {
	relaySrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(assets.RelayPage)
	}))
	t.Cleanup(relaySrv.Close)
	got := make(chan string, 1)
	port := freePort(t)
	ln, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", u2s(port)))
	if err != nil {
		t.Fatal(err)
	}
	cb := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/favicon.ico" { // the browser's own request after a page, not a forward
			http.NotFound(w, r)
			return
		}
		select {
		case got <- r.URL.RequestURI():
		default:
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<!doctype html><main>callback</main>")
	})}
	go func() { _ = cb.Serve(ln) }()
	t.Cleanup(func() { _ = cb.Close() })
	bctx := browsertest.Start(t, chromedp.Flag("ignore-certificate-errors", true))

	st, err := relay.NewState(port)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"code=AQabc-_x&state=" + st + "&extra=1",
		"error=access_denied&error_reason=user_denied&error_description=Permissions+error.&state=" + st,
		"code=AQabc&state=80.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"state=" + st,
		"code=x",
	} {
		u, _ := url.Parse(relaySrv.URL + "/relay.html?" + q)
		want, ferr := relay.Forward(u)
		ctx, cancel := context.WithTimeout(bctx, 20*time.Second)
		err := chromedp.Do(ctx, chromedp.Navigate(u.String()), chromedp.WaitReady(chromedp.CSS("main")))
		text, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if ferr != nil {
			if !strings.Contains(text, "This link cannot be used") {
				t.Errorf("%s: Forward refuses, the page shows %q", q, text)
			}
			continue
		}
		select {
		case uri := <-got:
			if gu, _ := url.Parse(uri); gu.Path != want.Path || !reflect.DeepEqual(gu.Query(), want.Query()) {
				t.Errorf("%s: the page forwarded to %s, Forward to %s", q, uri, want.RequestURI())
			}
		case <-time.After(10 * time.Second):
			t.Errorf("%s: the page did not forward (it shows %q)", q, text)
		}
	}
}

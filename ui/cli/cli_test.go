package cli

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/internal/logintest"
	"github.com/pagekeeper/pagekeeper/keeper/setup"
	"github.com/pagekeeper/pagekeeper/sandbox"
)

// terminal collects a command's output and hands over its lines as they come.
type terminal struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	lines chan string
	w     *io.PipeWriter
	done  chan struct{}
}

func newTerminal() *terminal {
	r, w := io.Pipe()
	t := &terminal{lines: make(chan string, 100), w: w, done: make(chan struct{})}
	go func() {
		defer close(t.done)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			t.mu.Lock()
			t.buf.WriteString(sc.Text() + "\n")
			t.mu.Unlock()
			select {
			case t.lines <- sc.Text():
			default:
			}
		}
	}()
	return t
}

func (t *terminal) close() string {
	_ = t.w.Close()
	<-t.done
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}

// waitLine returns the first line matching re.
func (t *terminal) waitLine(tt *testing.T, re *regexp.Regexp) string {
	tt.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case l := <-t.lines:
			if re.MatchString(l) {
				return l
			}
		case <-deadline:
			tt.Fatalf("no line matching %s", re)
		}
	}
}

type run struct {
	code           int
	stdout, stderr string
	callback       string // the callback address the browser visited (holds the code)
	page           *logintest.Page
}

// connect runs `pagekeeper connect args…` in-process with a goroutine as the
// person at the browser.
func connect(t *testing.T, choice logintest.Choice, args ...string) run {
	t.Helper()
	return connectIn(t, t.TempDir(), choice, args...)
}

// connectIn runs connect on the data folder dir.
func connectIn(t *testing.T, dir string, choice logintest.Choice, args ...string) run {
	t.Helper()
	out, errOut := newTerminal(), newTerminal()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	codeCh := make(chan int, 1)
	go func() {
		codeCh <- Run("connect", args, Env{Stdout: out.w, Stderr: errOut.w, Context: ctx,
			Setup: setup.Options{DataDir: dir, OpenBrowser: func(string) error { t.Error("a browser was opened despite --no-browser"); return nil }}})
	}()
	link := out.waitLine(t, regexp.MustCompile(`^https?://`))
	b := logintest.New()
	page, cb, err := b.Login(strings.TrimSpace(link), choice)
	if err != nil {
		t.Fatal(err)
	}
	var code int
	select {
	case code = <-codeCh:
	case <-ctx.Done():
		t.Fatal("connect did not finish")
	}
	return run{code: code, stdout: out.close(), stderr: errOut.close(), callback: cb.String(), page: page}
}

var (
	tokenRe = regexp.MustCompile(`EAA[A-Za-z0-9]{20,}`)
	b64Run  = regexp.MustCompile(`[A-Za-z0-9_-]{43,}`)
	stateRe = regexp.MustCompile(`state=[0-9]+\.([A-Za-z0-9_-]{43})`)
	chalRe  = regexp.MustCompile(`code_challenge=([A-Za-z0-9_-]{43})`)
	codeRe  = regexp.MustCompile(`code=(AQ[A-Za-z0-9_-]+)`)
)

// noSecrets checks the output holds no token, no code and no verifier: the
// only long random strings allowed are the state and the challenge, both
// public parts of the link.
func noSecrets(t *testing.T, r run) {
	t.Helper()
	all := r.stdout + r.stderr
	if tokenRe.MatchString(all) {
		t.Fatal("a token was printed")
	}
	if m := codeRe.FindStringSubmatch(r.callback); m != nil && strings.Contains(all, m[1]) {
		t.Fatal("the code was printed")
	}
	allowed := map[string]bool{}
	for _, re := range []*regexp.Regexp{stateRe, chalRe} {
		if m := re.FindStringSubmatch(all); m != nil {
			allowed[m[1]] = true
		}
	}
	for _, s := range b64Run.FindAllString(all, -1) {
		if !allowed[s] {
			t.Fatalf("unexpected secret-like string printed: %s", s)
		}
	}
}

func TestConnectSandboxNoBrowser(t *testing.T) {
	r := connect(t, logintest.Choice{Untick: []string{"page-" + sandbox.PageHarborBooks}}, "--no-browser", "--sandbox", "--ports", "0")
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r.page.Status != http.StatusOK || !strings.Contains(r.page.Body, "Connected as "+sandbox.DemoUserName) {
		t.Fatalf("browser saw HTTP %d", r.page.Status)
	}
	for _, want := range []string{
		"Open this link in a browser on this computer",
		"Logged in as " + sandbox.DemoUserName + " (Facebook ID " + sandbox.DemoUserID + ")",
		"Permissions granted: ",
		"- Sunrise Café (ID " + sandbox.PageSunriseCafe + "), tasks: ANALYZE, ADVERTISE, MESSAGING, MODERATE, CREATE_CONTENT, MANAGE\n    can be connected",
		"- Green Leaf Yoga (ID " + sandbox.PageGreenLeafYoga + "), tasks: MODERATE\n    cannot be connected: Your role on this Page does not include messaging",
		"- Night Owl Bakery (ID " + sandbox.PageNightOwlBakery + "), tasks: ANALYZE, ADVERTISE\n    cannot be connected",
		"- Old Town Tailor (ID " + sandbox.PageOldTownTailor + ")",
		"The Page is unpublished",
		"Sunrise Café: webhooks subscribed",
		"Sunrise Café: token stored; connected",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "Harbor Books") {
		t.Error("the Page unticked in Facebook's dialog is listed")
	}
	noSecrets(t, r)
}

func TestConnectBusinessPages(t *testing.T) {
	r := connect(t, logintest.Choice{}, "--no-browser", "--sandbox", "--business", "--ports", "0")
	if r.code != ExitOK || !strings.Contains(r.stdout, "Riverside Dental") || !strings.Contains(r.stdout, "business_management") {
		t.Fatalf("exit %d\n%s", r.code, r.stdout)
	}
	noSecrets(t, r)
}

func TestConnectCancelled(t *testing.T) {
	r := connect(t, logintest.Choice{Cancel: true}, "--no-browser", "--sandbox", "--ports", "0")
	if r.code != ExitFailed || !strings.Contains(r.stderr, "Login cancelled") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	noSecrets(t, r)
}

func TestConnectTimesOut(t *testing.T) {
	var out, errOut bytes.Buffer
	code := Run("connect", []string{"--no-browser", "--sandbox", "--ports", "0", "--timeout", "100ms"},
		Env{Stdout: &out, Stderr: &errOut, Context: context.Background(), Setup: setup.Options{DataDir: t.TempDir()}})
	if code != ExitFailed || !strings.Contains(errOut.String(), "Login timed out – try again") {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
}

func TestUsageErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		env  Env
	}{
		{"nope", nil, Env{}},
		{"connect", []string{"--bogus"}, Env{}},
		{"connect", []string{"extra"}, Env{}},
		{"connect", []string{"--no-browser", "--allow"}, Env{}},
		{"disconnect", []string{"--sandbox"}, Env{}},
		{"log", []string{"--sandbox"}, Env{}},
		{"export", []string{"--sandbox"}, Env{}},
		{"renew", []string{"--sandbox"}, Env{}},
		{"connect", []string{"--no-browser", "--sandbox", "--ports", "x"}, Env{}},
		{"sandbox-server", []string{"--addr", "0.0.0.0:8765"}, Env{}},
	} {
		var out, errOut bytes.Buffer
		c.env.Stdout, c.env.Stderr, c.env.Context = &out, &errOut, context.Background()
		c.env.Setup.DataDir = t.TempDir()
		if code := Run(c.name, c.args, c.env); code != ExitUsage {
			t.Errorf("%s %v: exit %d, want 2", c.name, c.args, code)
		}
		if errOut.Len() == 0 {
			t.Errorf("%s %v: no explanation on stderr", c.name, c.args)
		}
	}
	if !IsCommand("connect") || !IsCommand("sandbox-server") || IsCommand("window") {
		t.Fatal("IsCommand")
	}
}

// sandboxServer runs `pagekeeper sandbox-server args…` in-process and
// returns its printed lines by prefix; stop ends it.
func sandboxServer(t *testing.T, args ...string) (lines map[string]string, stop func()) {
	t.Helper()
	out := newTerminal()
	var errOut bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	codeCh := make(chan int, 1)
	go func() {
		codeCh <- Run("sandbox-server", append([]string{"--addr", "127.0.0.1:0"}, args...), Env{Stdout: out.w, Stderr: &errOut, Context: ctx})
	}()
	lines = map[string]string{}
	for _, prefix := range []string{"Pagekeeper sandbox (pretend Facebook) at ", "App ID: ", "App: ", "Login configuration: ", "Relay: ", "Login dialog: ", "Admin: ", "Admin token: "} {
		l := out.waitLine(t, regexp.MustCompile("^"+regexp.QuoteMeta(prefix)))
		lines[prefix] = strings.TrimPrefix(l, prefix)
	}
	return lines, func() {
		cancel()
		if code := <-codeCh; code != ExitOK {
			t.Errorf("exit %d: %s", code, errOut.String())
		}
		out.close()
	}
}

// sandbox-server prints what an app set-up needs (App ID, the Login for
// Business configuration, the relay it accepts) and plays the hard world by
// default: its sample dialog goes through the relay with the configuration.
func TestSandboxServer(t *testing.T) {
	lines, stop := sandboxServer(t)
	defer stop()
	if lines["App ID: "] == "" || lines["Login configuration: "] != sandbox.DemoConfigID ||
		!strings.HasPrefix(lines["Relay: "], sandbox.DemoRelayURL+" ") || !strings.Contains(lines["App: "], "business type, live mode") ||
		!strings.Contains(lines["App: "], "no role") {
		t.Fatalf("printed %v", lines)
	}
	b := logintest.New()
	cb, err := b.Consent(lines["Login dialog: "], logintest.Choice{})
	if err != nil {
		t.Fatal(err)
	}
	if cb.Hostname() != "localhost" || cb.Port() != "47321" || cb.Query().Get("code") == "" {
		t.Fatalf("the relay would forward to %s", cb.Redacted())
	}
	admin := strings.Fields(lines["Admin: "])[0]
	if p, err := b.Get(admin); err != nil || p.Status != http.StatusUnauthorized {
		t.Fatalf("the admin route without the printed token: %v %+v", err, p)
	}
	req, _ := http.NewRequest(http.MethodGet, admin, nil)
	req.Header.Set("Authorization", "Bearer "+strings.Fields(lines["Admin token: "])[0])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"app_type":"business"`) || !strings.Contains(string(body), `"mode":"live"`) {
		t.Fatalf("admin route with the printed token: %d %s", resp.StatusCode, body)
	}
}

// The flags choose the easier answers: a consumer app in development
// mode admits only the people with a role on it.
func TestSandboxServerFlags(t *testing.T) {
	lines, stop := sandboxServer(t, "--app-type", "consumer", "--mode", "development", "--app-role", "none")
	page, err := logintest.New().Get(lines["Login dialog: "])
	if err != nil || page.Status == http.StatusOK || !strings.Contains(page.Body, "still in development mode") {
		t.Fatalf("a person without a role in development mode: %v %d", err, page.Status)
	}
	stop()
	lines, stop = sandboxServer(t, "--app-type", "consumer", "--mode", "development", "--app-role", "tester")
	defer stop()
	if !strings.Contains(lines["Login dialog: "], "scope=") || strings.Contains(lines["Login dialog: "], "config_id") {
		t.Fatalf("consumer app dialog %s", lines["Login dialog: "])
	}
	if page, err := logintest.New().Get(lines["Login dialog: "]); err != nil || page.Status != http.StatusOK {
		t.Fatalf("a tester in development mode: %v", err)
	}
	for _, bad := range [][]string{{"--app-type", "gaming"}, {"--mode", "beta"}, {"--app-role", "owner"}, {"--redirect-uri", "relay.html"}} {
		var out, errOut bytes.Buffer
		if code := Run("sandbox-server", append([]string{"--addr", "127.0.0.1:0"}, bad...), Env{Stdout: &out, Stderr: &errOut,
			Context: context.Background()}); code != ExitUsage || errOut.Len() == 0 {
			t.Errorf("%v: exit %d %s", bad, code, errOut.String())
		}
	}
}

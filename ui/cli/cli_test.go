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
	"github.com/pagekeeper/pagekeeper/keeper"
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
			Keeper: keeper.Options{Dir: dir, OpenBrowser: func(string) error { t.Error("a browser was opened despite --no-browser"); return nil }}})
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
		Env{Stdout: &out, Stderr: &errOut, Context: context.Background(), Keeper: keeper.Options{Dir: t.TempDir()}})
	if code != ExitFailed || !strings.Contains(errOut.String(), "The login timed out") {
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
	} {
		var out, errOut bytes.Buffer
		c.env.Stdout, c.env.Stderr, c.env.Context = &out, &errOut, context.Background()
		c.env.Keeper.Dir = t.TempDir()
		if code := Run(c.name, c.args, c.env); code != ExitUsage {
			t.Errorf("%s %v: exit %d, want %d", c.name, c.args, code, ExitUsage)
		}
		if errOut.Len() == 0 {
			t.Errorf("%s %v: no explanation on stderr", c.name, c.args)
		}
	}
	if !IsCommand("connect") || !IsCommand("check") || IsCommand("sandbox-server") || IsCommand("window") {
		t.Fatal("IsCommand")
	}
}

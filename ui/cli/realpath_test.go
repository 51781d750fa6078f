package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	gokeyring "github.com/zalando/go-keyring"

	"github.com/pagekeeper/pagekeeper/assets"
	"github.com/pagekeeper/pagekeeper/internal/browsertest"
	"github.com/pagekeeper/pagekeeper/keeper"
	"github.com/pagekeeper/pagekeeper/sandbox"
)

// TestTheRealPathEndToEnd is the first start of a real installation, not
// the sandbox mode: Pagekeeper's real Facebook configuration, pointed with
// --facebook-url at `pagekeeper sandbox-server` in its default world (a
// Business app in Live mode, the person without a role on it). IT's preset
// gives the App ID, the relay page (a real HTTPS server with a test
// certificate) and the Login for Business configuration; the owner enters
// the App Secret; `connect --no-browser` prints the link, a real headless
// Chromium completes Facebook's dialog and the relay's forward; Pages of
// both task families are connected and `check` finds them valid. Then a
// Page token is revoked in the fake: Invalid, with the reason.
func TestTheRealPathEndToEnd(t *testing.T) {
	bctx := browsertest.Start(t, chromedp.Flag("ignore-certificate-errors", true))
	// The OS keyring, as on an owner's computer (in memory for the test).
	gokeyring.MockInit()

	// The business's relay host: the shipped relay page over HTTPS.
	relaySrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(assets.RelayPage)
	}))
	t.Cleanup(relaySrv.Close)
	relayURL := relaySrv.URL + "/pagekeeper/relay.html"

	// The pretend Facebook, run as an outside tester would, the relay
	// registered as the app's redirect URI.
	lines, stop := sandboxServer(t, "--redirect-uri", relayURL)
	defer stop()
	fbURL := lines["Pagekeeper sandbox (pretend Facebook) at "]
	appID, configID := lines["App ID: "], lines["Login configuration: "]
	adminToken, _, _ := strings.Cut(lines["Admin token: "], " ")

	// IT's preset next to the program; a fresh data folder.
	exeDir, dataDir := t.TempDir(), t.TempDir()
	preset, _ := json.Marshal(map[string]any{"app_id": appID, "redirect_mode": "relay", "relay_url": relayURL,
		"login_config_id": configID, "ports": []int{freeTCPPort(t)}})
	if err := os.WriteFile(filepath.Join(exeDir, keeper.PresetFileName), preset, 0o644); err != nil {
		t.Fatal(err)
	}
	so := keeper.Options{Dir: dataDir, ExeDir: exeDir, FacebookURL: fbURL}

	// The owner enters the App Secret in Settings (kept in the keyring).
	k, err := keeper.Open(context.Background(), so)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.UpdateSettings(context.Background(), k.Settings(), keeper.Secrets{AppSecret: keeper.NewSecret(sandbox.DefaultAppSecret)}); err != nil {
		t.Fatal(err)
	}
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}

	// connect --no-browser; Chromium plays the person.
	out, errOut := newTerminal(), newTerminal()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	codeCh := make(chan int, 1)
	go func() {
		codeCh <- Run("connect", []string{"--no-browser"}, Env{Stdout: out.w, Stderr: errOut.w, Context: ctx, Keeper: so})
	}()
	link := strings.TrimSpace(out.waitLine(t, regexp.MustCompile(`^https?://`)))
	if !strings.HasPrefix(link, fbURL+"/") || !strings.Contains(link, "config_id="+configID) || strings.Contains(link, "scope=") {
		t.Fatalf("dialog link %s", link)
	}
	bc, bcancel := context.WithTimeout(bctx, 60*time.Second)
	defer bcancel()
	err = chromedp.Do(bc, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("continue")),
		chromedp.Click(chromedp.ID("continue")), chromedp.WaitReady(chromedp.CSS(`main[role="main"]`)))
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	text, err := chromedp.Run(bc, chromedp.Text(chromedp.CSS("main")))
	if err != nil || !strings.Contains(text, "Connected as "+sandbox.DemoUserName) {
		t.Fatalf("the browser shows %q (%v)", text, err)
	}
	var code int
	select {
	case code = <-codeCh:
	case <-ctx.Done():
		t.Fatal("connect did not finish")
	}
	stdout, stderr := out.close(), errOut.close()
	if code != ExitOK {
		t.Fatalf("connect: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"Sunrise Café: token stored; connected", // classic tasks
		"Harbor Books: token stored; connected", // New Pages Experience tasks
		"tasks: PROFILE_PLUS_FULL_CONTROL",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("connect output lacks %q:\n%s", want, stdout)
		}
	}
	noSecrets(t, run{stdout: stdout, stderr: stderr})

	if code, pages := check(t, so); code != CheckAllValid || pages[sandbox.PageHarborBooks].Status != "valid" {
		t.Fatalf("check after connecting: exit %d %+v", code, pages)
	}

	// A Page token revoked on Facebook's side (the person lost the Page role).
	fault, _ := json.Marshal(sandbox.FaultRequest{Kind: "role_lost", Page: sandbox.PageHarborBooks})
	req, _ := http.NewRequest(http.MethodPost, fbURL+"/_sandbox/fault", bytes.NewReader(fault))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("fault: %v %v", err, resp)
	}
	resp.Body.Close()
	code, pages := check(t, so)
	hb, sc := pages[sandbox.PageHarborBooks], pages[sandbox.PageSunriseCafe]
	if code != CheckNeedsAction || hb.Status != "invalid" || hb.Reason != string(keeper.ReasonRoleLost) || sc.Status != "valid" {
		t.Fatalf("check after the revocation: exit %d, Harbor Books %+v, Sunrise Café %+v", code, hb, sc)
	}
}

// check runs `pagekeeper check --json` and returns its exit code and Pages by ID.
func check(t *testing.T, so keeper.Options) (int, map[string]checkPageJSON) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run("check", []string{"--json"}, Env{Stdout: &out, Stderr: &errOut, Context: context.Background(), Keeper: so})
	var j checkJSON
	if err := json.Unmarshal(out.Bytes(), &j); err != nil {
		t.Fatalf("check --json: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	pages := map[string]checkPageJSON{}
	for _, p := range j.Pages {
		pages[p.ID] = p
	}
	return code, pages
}

// sandboxServer runs `pagekeeper sandbox-server args…` (sandbox.Main)
// in-process, as an outside tester would run it, and returns its printed
// lines by prefix; stop ends it.
func sandboxServer(t *testing.T, args ...string) (lines map[string]string, stop func()) {
	t.Helper()
	out := newTerminal()
	var errOut bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	codeCh := make(chan int, 1)
	go func() {
		codeCh <- sandbox.Main(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...), out.w, &errOut)
	}()
	lines = map[string]string{}
	for _, prefix := range []string{"Pagekeeper sandbox (pretend Facebook) at ", "App ID: ", "Login configuration: ", "Relay: ", "Admin: ", "Admin token: "} {
		l := out.waitLine(t, regexp.MustCompile("^"+regexp.QuoteMeta(prefix)))
		lines[prefix] = strings.TrimPrefix(l, prefix)
	}
	return lines, func() {
		cancel()
		if code := <-codeCh; code != ExitOK {
			t.Errorf("sandbox-server: exit %d: %s", code, errOut.String())
		}
		out.close()
	}
}

func freeTCPPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	p, _ := strconv.Atoi(strings.TrimPrefix(ln.Addr().String(), "127.0.0.1:"))
	return p
}

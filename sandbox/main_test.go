package sandbox

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/fb"
	fblogin "github.com/pagekeeper/pagekeeper/fb/login"
	"github.com/pagekeeper/pagekeeper/internal/logintest"
)

// mainLines are the lines Main prints for a set-up, by prefix.
var mainLines = []string{"Pagekeeper sandbox (pretend Facebook) at ", "App ID: ", "App: ", "Login configuration: ", "Relay: ", "Login dialog: ", "Admin: ", "Admin token: "}

// serveMain runs `pagekeeper sandbox-server args…` in-process and returns
// its printed lines by prefix; stop ends it and checks its exit.
func serveMain(t *testing.T, args ...string) (lines map[string]string, stop func()) {
	t.Helper()
	outR, outW := io.Pipe()
	printed := make(chan string, 20)
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			printed <- sc.Text()
		}
		close(printed)
	}()
	var errOut bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	codeCh := make(chan int, 1)
	go func() {
		codeCh <- Main(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...), outW, &errOut)
		outW.Close()
	}()
	lines = map[string]string{}
	deadline := time.After(20 * time.Second)
	for _, prefix := range mainLines {
	wait:
		for {
			select {
			case l, ok := <-printed:
				if !ok {
					t.Fatalf("sandbox-server ended before printing %q: %s", prefix, errOut.String())
				}
				if rest, ok := strings.CutPrefix(l, prefix); ok {
					lines[prefix] = rest
					break wait
				}
			case <-deadline:
				t.Fatalf("no line starting %q", prefix)
			}
		}
	}
	return lines, func() {
		t.Helper()
		cancel()
		if code := <-codeCh; code != exitOK {
			t.Errorf("exit %d: %s", code, errOut.String())
		}
		for range printed {
		}
	}
}

// sandbox-server prints what an app set-up needs (App ID, the Login for
// Business configuration, the relay it accepts) and plays the hard world by
// default: its sample dialog goes through the relay with the configuration.
func TestMainServesThePretendFacebookUntilStopped(t *testing.T) {
	lines, stop := serveMain(t)
	defer stop()
	if lines["App ID: "] == "" || lines["Login configuration: "] != DemoConfigID ||
		!strings.HasPrefix(lines["Relay: "], DemoRelayURL+" ") || !strings.Contains(lines["App: "], "business type, live mode") ||
		!strings.Contains(lines["App: "], "no role") {
		t.Fatalf("printed %v", lines)
	}
	b := logintest.New()
	cb, err := b.Consent(lines["Login dialog: "], logintest.Choice{})
	if err != nil {
		t.Fatal(err)
	}
	if cb.Hostname() != "localhost" || cb.Port() != strconv.Itoa(samplePort) || cb.Query().Get("code") == "" {
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
func TestMainFlagsChooseTheApp(t *testing.T) {
	lines, stop := serveMain(t, "--app-type", "consumer", "--mode", "development", "--app-role", "none")
	page, err := logintest.New().Get(lines["Login dialog: "])
	if err != nil || page.Status == http.StatusOK || !strings.Contains(page.Body, "still in development mode") {
		t.Fatalf("a person without a role in development mode: %v %+v", err, page)
	}
	stop()
	lines, stop = serveMain(t, "--app-type", "consumer", "--mode", "development", "--app-role", "tester")
	defer stop()
	if !strings.Contains(lines["Login dialog: "], "scope=") || strings.Contains(lines["Login dialog: "], "config_id") {
		t.Fatalf("consumer app dialog %s", lines["Login dialog: "])
	}
	if page, err := logintest.New().Get(lines["Login dialog: "]); err != nil || page.Status != http.StatusOK {
		t.Fatalf("a tester in development mode: %v", err)
	}
	for _, bad := range [][]string{{"--app-type", "gaming"}, {"--mode", "beta"}, {"--app-role", "owner"}, {"--redirect-uri", "relay.html"}} {
		var out, errOut bytes.Buffer
		if code := Main(context.Background(), append([]string{"--addr", "127.0.0.1:0"}, bad...), &out, &errOut); code != exitUsage || errOut.Len() == 0 {
			t.Errorf("%v: exit %d %s", bad, code, errOut.String())
		}
	}
}

func TestMainRefusesAnAddressOffThisComputer(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Main(context.Background(), []string{"--addr", "0.0.0.0:8765"}, &out, &errOut); code != exitUsage || !strings.Contains(errOut.String(), "loopback") {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
}

// The sample dialog is the login Pagekeeper starts by default: its copy of
// fb/login's defaults (the sandbox cannot import fb) must not drift.
func TestMainSamplesPagekeepersDefaultLogin(t *testing.T) {
	if sampleVersion != fb.DefaultVersion || sampleScopes != strings.Join(fblogin.DefaultScopes, ",") || samplePort != fblogin.DefaultPorts[0] {
		t.Fatalf("sample %s %s %d; Pagekeeper's defaults %s %v %d", sampleVersion, sampleScopes, samplePort,
			fb.DefaultVersion, fblogin.DefaultScopes, fblogin.DefaultPorts[0])
	}
}

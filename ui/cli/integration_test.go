package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/integration/example"
	"github.com/pagekeeper/pagekeeper/internal/logintest"
	"github.com/pagekeeper/pagekeeper/internal/testcert"
	"github.com/pagekeeper/pagekeeper/keeper"
	"github.com/pagekeeper/pagekeeper/sandbox"
	"github.com/pagekeeper/pagekeeper/store"
)

// exampleArgsEnv makes this test binary, started again, run
// `pagekeeper integration-example` with the JSON arguments it holds.
const exampleArgsEnv = "PAGEKEEPER_CLI_TEST_EXAMPLE_ARGS"

// TestHelperExampleProcess is the example integration's process.
func TestHelperExampleProcess(t *testing.T) {
	raw := os.Getenv(exampleArgsEnv)
	if raw == "" {
		t.Skip("child process only")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		t.Fatal(err)
	}
	os.Exit(example.Main(args, os.Stdout, os.Stderr))
}

// lockedBuf keeps a process's log; seen is signalled once it holds want.
type lockedBuf struct {
	mu   sync.Mutex
	b    bytes.Buffer
	want string
	seen chan struct{}
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n, err := l.b.Write(p)
	if l.want != "" && strings.Contains(l.b.String(), l.want) {
		close(l.seen)
		l.want = ""
	}
	return n, err
}

// watch returns a channel closed once the log holds want.
func (l *lockedBuf) watch(want string) <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.want, l.seen = want, make(chan struct{})
	if strings.Contains(l.b.String(), want) {
		close(l.seen)
		l.want = ""
	}
	return l.seen
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// exampleProcess runs the example integration as its own process and
// returns its printed lines by prefix and its log; it is stopped (Ctrl-C)
// when the test ends, and must stop cleanly.
func exampleProcess(t *testing.T, args ...string) (lines map[string]string, log *lockedBuf) {
	t.Helper()
	raw, _ := json.Marshal(append([]string{"--addr", "127.0.0.1:0"}, args...))
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperExampleProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), exampleArgsEnv+"="+string(raw))
	log = &lockedBuf{}
	cmd.Stderr = log
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	got := make(chan map[string]string, 1)
	go func() {
		m := map[string]string{}
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			for _, p := range []string{"Recipient: ", "Pagekeeper deliveries and status: ", "Messenger webhook (callback URL): ", "Listening on "} {
				if v, ok := strings.CutPrefix(sc.Text(), p); ok {
					m[p] = v
				}
			}
			if strings.HasPrefix(sc.Text(), "Listening on ") {
				got <- m
			}
		}
	}()
	exited := make(chan error, 1)
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("the example integration did not stop cleanly: %v\n%s", err, log)
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("the example integration did not stop on Ctrl-C")
		}
	})
	go func() { exited <- cmd.Wait() }()
	select {
	case lines = <-got:
	case <-time.After(60 * time.Second):
		t.Fatalf("the example integration did not start:\n%s", log)
	}
	return lines, log
}

// runWith runs a command with the options so and standard input stdin.
func runWith(so keeper.Options, stdin string, name string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := Run(name, args, Env{Stdout: &out, Stderr: &errOut, Stdin: strings.NewReader(stdin), Context: context.Background(), Keeper: so})
	return code, out.String(), errOut.String()
}

// The example integration runs as its own process, over a real TLS socket
// (a test certificate) and a loopback one, against a real Pagekeeper whose
// Facebook is `pagekeeper sandbox-server`: `integration add` with the
// secret on standard input, `connect` hands every Page its token (sealed)
// and says the integration has it, `check` finds it so, `integration test`
// is answered; on loopback the pretend Facebook's webhooks reach it, a
// customer's message is answered through the Send API, and Pagekeeper's
// end-to-end check sees both. Nothing prints a token.
func TestTheExampleIntegrationAsItsOwnProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	for _, tls := range []bool{false, true} {
		name := "loopback"
		if tls {
			name = "tls"
		}
		t.Run(name, func(t *testing.T) { exampleEndToEnd(t, tls) })
	}
}

func exampleEndToEnd(t *testing.T, tls bool) {
	lines, stop := sandboxServer(t)
	defer stop()
	fbURL, appID, configID := lines["Pagekeeper sandbox (pretend Facebook) at "], lines["App ID: "], lines["Login configuration: "]

	exDir := t.TempDir()
	appSecretFile := filepath.Join(exDir, "app-secret.txt")
	if err := os.WriteFile(appSecretFile, []byte(sandbox.DefaultAppSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const verify = "pk-cli-test-verify"
	args := []string{"--key-file", filepath.Join(exDir, "key.txt"), "--secret-file", filepath.Join(exDir, "secret.txt"),
		"--app-secret-file", appSecretFile, "--verify-token", verify, "--graph-url", fbURL}
	so := keeper.Options{Dir: t.TempDir(), FacebookURL: fbURL, Keyring: store.NewMemoryKeyring(),
		OpenBrowser: func(string) error { t.Error("a browser was opened despite --no-browser"); return nil }}
	if tls {
		cert, key, pool := testcert.WriteLoopback(t, exDir)
		args = append(args, "--tls-cert", cert, "--tls-key", key)
		so.IntegrationRootCAs = pool
	}
	ex, exLog := exampleProcess(t, args...)
	deliveries := ex["Pagekeeper deliveries and status: "]
	if tls != strings.HasPrefix(deliveries, "https://") {
		t.Fatalf("the example serves %s", deliveries)
	}

	// The owner sets up the app, then adds the integration: its secret on standard input.
	k, err := keeper.Open(context.Background(), so)
	if err != nil {
		t.Fatal(err)
	}
	set := k.Settings()
	set.AppID, set.RedirectMode, set.RelayURL, set.LoginConfigID = appID, keeper.RedirectRelay, sandbox.DemoRelayURL, configID
	if err := k.UpdateSettings(context.Background(), set, keeper.Secrets{AppSecret: keeper.NewSecret(sandbox.DefaultAppSecret)}); err != nil {
		t.Fatal(err)
	}
	k.Close()
	secret, err := os.ReadFile(filepath.Join(exDir, "secret.txt"))
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runWith(so, string(secret), "integration", "add", "Example", "--url", deliveries, "--recipient", ex["Recipient: "])
	if code != ExitOK || !strings.Contains(out, "Added Example.") {
		t.Fatalf("integration add: %d\n%s%s", code, out, errOut)
	}

	// connect --no-browser; the scripted browser plays the person.
	term, errTerm := newTerminal(), newTerminal()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	codeCh := make(chan int, 1)
	go func() {
		codeCh <- Run("connect", []string{"--no-browser", "--ports", "0"}, Env{Stdout: term.w, Stderr: errTerm.w, Context: ctx, Keeper: so})
	}()
	link := term.waitLine(t, regexp.MustCompile(`^https?://`))
	if _, _, err := logintest.New().Login(strings.TrimSpace(link), logintest.Choice{}); err != nil {
		t.Fatal(err)
	}
	code = <-codeCh
	out, errOut = term.close(), errTerm.close()
	if code != ExitOK || !regexp.MustCompile(`(?m)^Sunrise Café: Example has the current token \(since \d\d:\d\d\)\.$`).MatchString(out) {
		t.Fatalf("connect: exit %d\n%s\n%s\nexample:\n%s", code, out, errOut, exLog)
	}

	// check: valid, and the integration has each Page's current token.
	code, pages := check(t, so)
	if code != CheckAllValid || len(pages) < 4 {
		t.Fatalf("check: exit %d: %+v", code, pages)
	}
	for _, p := range pages {
		if p.Integration.Name != "Example" || p.Integration.State != string(keeper.IntegrationCurrent) {
			t.Fatalf("%s: %+v", p.Name, p.Integration)
		}
	}
	if code, out, errOut := runWith(so, "", "integration", "test", "Example"); code != ExitOK || !strings.Contains(out, "Example received the test event.") {
		t.Fatalf("integration test: %d %s %s", code, out, errOut)
	}

	if !tls {
		// Facebook's webhooks reach it (the pretend Facebook trusts only real
		// certificates, as Meta does): a customer writes, it answers.
		admin, _, _ := strings.Cut(lines["Admin token: "], " ")
		post := func(path string, body any) {
			b, _ := json.Marshal(body)
			req, err := http.NewRequest(http.MethodPost, fbURL+path, bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+admin)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: HTTP %d", path, resp.StatusCode)
			}
		}
		post("/_sandbox/webhook", map[string]any{"callback_url": ex["Messenger webhook (callback URL): "], "verify_token": verify, "fields": []string{"messages"}})
		since := time.Now()
		replied := exLog.watch("replied to a message on Page " + sandbox.PageSunriseCafe)
		post("/_sandbox/message", map[string]string{"page": sandbox.PageSunriseCafe, "psid": "7000000000000042", "text": "Are you open today?"})
		select {
		case <-replied:
		case <-time.After(30 * time.Second):
			t.Fatalf("the example integration did not reply:\n%s", exLog)
		}
		k, err := keeper.Open(context.Background(), so)
		if err != nil {
			t.Fatal(err)
		}
		defer k.Close()
		e2e, err := k.CheckEndToEnd(context.Background(), sandbox.PageSunriseCafe, since)
		if err != nil || !e2e.Done() || !e2e.Received || !e2e.Replied || !e2e.ReplyOnFacebook {
			t.Fatalf("the loop did not close: %+v %q %v\n%s", e2e, e2e.Advice, err, exLog)
		}
	}
	// Nothing printed or logged holds a token.
	for _, text := range []string{out, errOut, exLog.String()} {
		if tokenRe.MatchString(text) {
			t.Fatalf("a token was printed: %s", tokenRe.FindString(text))
		}
	}
}

// The integration commands, as IT uses them: add with the secret from
// standard input (never an argument), list, a refusal that says why, a
// removal that must say where the Pages go.
func TestIntegrationCommands(t *testing.T) {
	// The keyring, shared by the commands as the system's is.
	so := keeper.Options{Dir: t.TempDir(), Keyring: store.NewMemoryKeyring()}
	const recipient = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"
	code, _, errOut := runWith(so, "", "integration", "add", "Support Bot", "--url", "https://bot.example.com/pagekeeper", "--recipient", recipient)
	if code != ExitUsage || !strings.Contains(errOut, "no signing secret on standard input") {
		t.Fatalf("without a secret: %d %s", code, errOut)
	}
	code, out, errOut := runWith(so, "", "integration", "add", "Support Bot", "--url", "http://bot.example.com/pagekeeper", "--recipient", recipient, "--new-secret")
	if code != ExitFailed || !strings.Contains(errOut, "plain http to another computer") {
		t.Fatalf("plain http: %d %s %s", code, out, errOut)
	}
	code, out, errOut = runWith(so, "", "integration", "add", "Support Bot", "--url", "https://bot.example.com/pagekeeper", "--recipient", recipient, "--new-secret")
	secret := regexp.MustCompile(`whsec_[A-Za-z0-9+/=]{40,}`).FindString(out)
	if code != ExitOK || secret == "" {
		t.Fatalf("--new-secret: %d %s %s", code, out, errOut)
	}
	code, out, _ = runWith(so, secret+"\n", "integration", "add", "Agent Inbox", "--url", "https://inbox.example.com/pk", "--recipient", recipient)
	if code != ExitOK {
		t.Fatalf("add from stdin: %d %s", code, out)
	}
	code, out, _ = runWith(so, "", "integration", "list", "--json")
	var list struct {
		Integrations []integrationJSON `json:"integrations"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || code != ExitOK || len(list.Integrations) != 2 ||
		!list.Integrations[0].Default || !list.Integrations[1].HasSecret || strings.Contains(out, secret) {
		t.Fatalf("list: %d %v %s", code, err, out)
	}
	if code, _, errOut := runWith(so, "", "integration", "test", "Nope"); code != ExitFailed ||
		!strings.Contains(errOut, "There is no integration named “Nope”. Choose one of: Support Bot, Agent Inbox.") {
		t.Fatalf("test Nope: %d %s", code, errOut)
	}
	if code, _, errOut := runWith(so, "", "integration", "remove", "Agent Inbox", "--move-pages-to", "X", "--unlink-pages"); code != ExitUsage {
		t.Fatalf("both: %d %s", code, errOut)
	}
	if code, out, errOut := runWith(so, "", "integration", "change", "agent inbox", "--url", "https://inbox2.example.com/pk"); code != ExitOK ||
		!strings.Contains(out, "Agent Inbox is changed.") {
		t.Fatalf("change: %d %s %s", code, out, errOut)
	}
	if _, out, _ := runWith(so, "", "integration", "list"); !strings.Contains(out, "https://inbox2.example.com/pk") {
		t.Fatalf("after the change: %s", out)
	}
	if code, out, errOut := runWith(so, "", "integration", "remove", "agent inbox"); code != ExitOK || !strings.Contains(out, "is removed") {
		t.Fatalf("remove: %d %s %s", code, out, errOut)
	}
	if code, _, errOut := runWith(so, "", "integration", "frobnicate"); code != ExitUsage || !strings.Contains(errOut, "unknown command") {
		t.Fatalf("%d %s", code, errOut)
	}
}

// sandboxBot starts the example integration in-process, as main does for the sandbox.
func sandboxBot(_ context.Context, c keeper.SandboxIntegrationConfig) (keeper.SandboxIntegrationServer, error) {
	srv, err := example.Start(example.Config{KeyFile: filepath.Join(c.Dir, "key.txt"), SecretFile: filepath.Join(c.Dir, "secret.txt"),
		AppSecret: c.AppSecret, VerifyToken: c.VerifyToken, GraphURL: c.GraphURL})
	if err != nil {
		return keeper.SandboxIntegrationServer{}, err
	}
	return keeper.SandboxIntegrationServer{URL: srv.DeliveryURL(), WebhookURL: srv.WebhookURL(), Recipient: srv.Recipient,
		Secret: srv.Secret, Close: srv.Close}, nil
}

// sandbox-demo hands the demo Pages to Sandbox Bot, the sandbox's own
// integration; --integration names another (an unknown one is a usage
// error naming those there are).
func TestSandboxDemoHandsThePagesToSandboxBot(t *testing.T) {
	so := keeper.Options{Dir: t.TempDir(), SandboxIntegration: sandboxBot}
	code, out, errOut := runWith(so, "", "sandbox-demo", "--integration", "Nope")
	if code != ExitUsage || !strings.Contains(errOut, "There is no integration named “Nope”. Choose one of: Sandbox Bot.") {
		t.Fatalf("%d %s %s", code, out, errOut)
	}
	code, out, errOut = runWith(so, "", "sandbox-demo")
	if code != ExitOK || !regexp.MustCompile(`(?m)^Sunrise Café: Sandbox Bot has the current token \(since \d\d:\d\d\)\.$`).MatchString(out) {
		t.Fatalf("%d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runWith(so, "", "status", "--sandbox", "--json")
	var st struct {
		Pages []pageJSON `json:"pages"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || code != ExitOK || len(st.Pages) < 4 {
		t.Fatalf("%d %v %s", code, err, out)
	}
	for _, p := range st.Pages {
		if p.Integration.Name != keeper.SandboxIntegrationName || p.Integration.State != "current" {
			t.Fatalf("%s: %+v", p.Name, p.Integration)
		}
	}
}

// untouchedInput fails the test when a command reads it: a command that is
// refused must be refused before it asks for a secret.
type untouchedInput struct{ t *testing.T }

func (u untouchedInput) Read([]byte) (int, error) {
	u.t.Error("the command read standard input although it was refused")
	return 0, io.EOF
}

// The integration commands follow the rules of every command (issue 16
// item 11, item 6): a stray argument is a usage error; on a folder without
// Pagekeeper's data the commands that read or change what is there create
// nothing; while another process holds the folder every changing command
// is refused at once, naming the holder, and list and test still read.
func TestIntegrationCommandsFollowTheFolderRules(t *testing.T) {
	const recipient = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"
	missing := keeper.Options{Dir: filepath.Join(t.TempDir(), "Pagekeper"), Keyring: store.NewMemoryKeyring()}
	if code, _, errOut := runWith(missing, "", "integration", "list", "extra"); code != ExitUsage || !strings.Contains(errOut, `unexpected argument "extra"`) {
		t.Fatalf("list extra: %d %s", code, errOut)
	}
	for _, args := range [][]string{{"list"}, {"list", "--json"}, {"test", "Bot"}, {"change", "Bot", "--url", "https://x.example.com"},
		{"set-secret", "Bot"}, {"remove", "Bot"}} {
		code, _, errOut := runWith(missing, "whsec_x\n", "integration", args...)
		if code != ExitCouldNotRun || !strings.Contains(errOut, "There is no Pagekeeper data in "+missing.Dir) {
			t.Errorf("%v on no data: %d %s", args, code, errOut)
		}
		if _, err := os.Stat(missing.Dir); !os.IsNotExist(err) {
			t.Fatalf("%v created the folder: %v", args, err)
		}
	}

	so := keeper.Options{Dir: t.TempDir(), Keyring: store.NewMemoryKeyring()}
	if code, out, errOut := runWith(so, "", "integration", "add", "Bot", "--url", "https://bot.example.com/pk", "--recipient", recipient, "--new-secret"); code != ExitOK {
		t.Fatalf("add: %d %s %s", code, out, errOut)
	}
	lock, err := store.AcquireLockFor(so.Dir, "pagekeeper connect")
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	for _, args := range [][]string{
		{"add", "Other", "--url", "https://other.example.com/pk", "--recipient", recipient},
		{"change", "Bot", "--url", "https://bot2.example.com/pk"}, {"set-secret", "Bot"}, {"remove", "Bot", "--unlink-pages"},
	} {
		var out, errOut bytes.Buffer
		code := Run("integration", args, Env{Stdout: &out, Stderr: &errOut, Stdin: untouchedInput{t}, Context: context.Background(), Keeper: so})
		if code != ExitCouldNotRun || !strings.Contains(errOut.String(), "`pagekeeper connect` run by") ||
			!strings.Contains(errOut.String(), "Wait until it ends") {
			t.Errorf("%v while held: %d %s %s", args, code, out.String(), errOut.String())
		}
	}
	if code, out, errOut := runWith(so, "", "integration", "list"); code != ExitOK || !strings.Contains(out, "https://bot.example.com/pk") {
		t.Errorf("list while held: %d %s %s", code, out, errOut)
	}
	if code, _, errOut := runWith(so, "", "integration", "test", "Nope"); code != ExitFailed || !strings.Contains(errOut, "There is no integration named “Nope”") {
		t.Errorf("test while held: %d %s", code, errOut)
	}
}

// A sandbox folder holds Sandbox Bot's own folder beside Pagekeeper's
// files: it is still only Pagekeeper's, so the reading commands use it and
// a changing one makes it private again (a folder that also holds a
// person's files is never changed).
func TestASandboxFolderWithSandboxBotIsPagekeepers(t *testing.T) {
	so := keeper.Options{Dir: t.TempDir(), SandboxIntegration: sandboxBot}
	if code, out, errOut := runWith(so, "", "sandbox-demo"); code != ExitOK {
		t.Fatalf("sandbox-demo: %d %s %s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(so.Dir, "sandbox-bot", "key.txt")); err != nil {
		t.Fatalf("Sandbox Bot's folder: %v", err)
	}
	if err := os.Chmod(so.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"integration", "list", "--sandbox"}, {"status", "--sandbox"}, {"check", "--sandbox"}} {
		if code, out, errOut := runWith(so, "", args[0], args[1:]...); code != ExitOK || strings.Contains(errOut, "will not use") {
			t.Errorf("%v: %d %s %s", args, code, out, errOut)
		}
	}
	if code, out, errOut := runWith(so, "", "sandbox-demo"); code != ExitOK {
		t.Fatalf("sandbox-demo again: %d %s %s", code, out, errOut)
	}
	if fi, err := os.Stat(so.Dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("the sandbox folder after sandbox-demo: %v %v, want 700", fi.Mode(), err)
	}
}

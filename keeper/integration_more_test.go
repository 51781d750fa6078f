package keeper

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/integration/example"
	"github.com/pagekeeper/pagekeeper/sandbox"
)

// lineSignal is an io.Writer that signals each line holding want.
type lineSignal struct {
	want string
	hit  chan string
}

func (l *lineSignal) Write(p []byte) (int, error) {
	for _, line := range strings.Split(string(p), "\n") {
		if strings.Contains(line, l.want) {
			select {
			case l.hit <- line:
			default:
			}
		}
	}
	return len(p), nil
}

// sandboxBot starts the example integration as main does for the sandbox;
// its log goes to w.
func sandboxBot(w *lineSignal) func(context.Context, SandboxIntegrationConfig) (SandboxIntegrationServer, error) {
	return func(_ context.Context, c SandboxIntegrationConfig) (SandboxIntegrationServer, error) {
		srv, err := example.Start(example.Config{KeyFile: filepath.Join(c.Dir, "key.txt"), SecretFile: filepath.Join(c.Dir, "secret.txt"),
			AppSecret: c.AppSecret, VerifyToken: c.VerifyToken, GraphURL: c.GraphURL, Log: log.New(w, "", 0)})
		if err != nil {
			return SandboxIntegrationServer{}, err
		}
		return SandboxIntegrationServer{URL: srv.DeliveryURL(), WebhookURL: srv.WebhookURL(), Recipient: srv.Recipient,
			Secret: srv.Secret, Close: srv.Close}, nil
	}
}

// The sandbox closes the loop out of the box: Sandbox Bot is the default
// integration, it is handed the Pages, a pretend customer's message reaches
// it through the pretend Facebook's webhook, and its reply reaches the
// customer. After a restart (a new port) it is still the one.
func TestTheSandboxClosesTheLoopWithSandboxBot(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	replied := &lineSignal{want: "replied to a message on Page " + sandbox.PageSunriseCafe, hit: make(chan string, 10)}
	open := func() *Keeper {
		k, err := Open(ctx, Options{Dir: dir, Sandbox: true, SandboxAutoConsent: true, Ports: []int{0},
			SandboxIntegration: sandboxBot(replied)})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	k := open()
	if got := k.DefaultIntegration(); got != SandboxIntegrationName {
		t.Fatalf("default integration %q", got)
	}
	connectDemo(t, k)
	if _, err := k.DeliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	sum, err := k.Pages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range sum.Pages {
		if p.Integration.Status != IntegrationCurrent || !strings.HasPrefix(p.Integration.Text().String(), "Sandbox Bot has the current token") {
			t.Fatalf("%s: %s %q", p.Name, p.Integration.Status, p.Integration.Text())
		}
	}
	first, _ := k.integrations().find(SandboxIntegrationName)
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}

	k = open()
	defer k.Close()
	again, _ := k.integrations().find(SandboxIntegrationName)
	if again.URL == first.URL || again.Recipient != first.Recipient {
		t.Fatalf("after a restart: %s %s (before %s %s)", again.URL, again.Recipient, first.URL, first.Recipient)
	}
	since := time.Now()
	if _, err := k.SandboxCustomerMessage(ctx, sandbox.PageSunriseCafe, "Are you open today?"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-replied.hit:
	case <-time.After(30 * time.Second):
		t.Fatal("Sandbox Bot did not reply")
	}
	e2e, err := k.CheckEndToEnd(ctx, sandbox.PageSunriseCafe, since)
	if err != nil {
		t.Fatal(err)
	}
	if !e2e.Done() || !e2e.Received || !e2e.Replied || !e2e.ReplyOnFacebook {
		t.Fatalf("%+v %q", e2e, e2e.Advice)
	}
}

// IT's preset brings an integration without its secret: it waits, "needs
// its signing secret", and what waited goes out once the secret is entered.
func TestAPresetIntegrationWaitsForItsSecret(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	bot := newTestBot(t, e.clock.Now)
	exeDir := t.TempDir()
	preset, _ := json.Marshal(map[string]any{"integrations": []map[string]string{{"name": "Support Bot", "url": bot.url, "recipient": bot.recipient}}})
	if err := os.WriteFile(filepath.Join(exeDir, PresetFileName), preset, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := e.k.Close(); err != nil {
		t.Fatal(err)
	}
	e.dir = t.TempDir()
	e.k = openOnFake(t, e.srv, Options{Dir: e.dir, Keyring: e.kr, Now: e.clock.Now, ExeDir: exeDir})
	list, err := e.k.Integrations(context.Background())
	if err != nil || len(list) != 1 || list[0].HasSecret || list[0].State(e.clock.Now()).String() !=
		"Support Bot needs its signing secret: nothing is delivered to it until it is entered." {
		t.Fatalf("%+v %v", list, err)
	}
	ids := e.connectDemo(false)
	e.deliver()
	if s := e.integrationOf(ids[0]); s.Status != IntegrationNeedsSecret || len(bot.requests) != 0 {
		t.Fatalf("%s, %d requests", s.Status, len(bot.requests))
	}
	// A secret in the preset is refused, naming it.
	bad, _ := json.Marshal(map[string]any{"integrations": []map[string]string{{"name": "X", "url": bot.url, "recipient": bot.recipient, "secret": "whsec_x"}}})
	p := filepath.Join(t.TempDir(), "preset.json")
	os.WriteFile(p, bad, 0o644)
	if _, err := LoadPreset(p); err == nil || !strings.Contains(err.Error(), `"integrations.secret" looks like a secret`) {
		t.Fatalf("%v", err)
	}
	if err := e.k.SetIntegrationSecret(context.Background(), "Support Bot", NewSecret(bot.secret.Reveal()), Actor{OSUser: "it"}); err != nil {
		t.Fatal(err)
	}
	e.deliver()
	for _, id := range ids {
		if s := e.integrationOf(id); s.Status != IntegrationCurrent {
			t.Fatalf("%s: %s", id, s.Status)
		}
	}
}

// No Page token is readable anywhere but sealed: not in the data folder's
// files (database, WAL, outbox), the log, the history, or the requests the
// integration received; nor is the signing secret.
func TestNoTokenIsReadableInTheOutboxTheDatabaseTheLogsOrTheRequests(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	var logs bytes.Buffer
	var logMu sync.Mutex
	e.k.Close()
	e.k = openOnFake(t, e.srv, Options{Dir: e.dir, Keyring: e.kr, Now: e.clock.Now, Logf: func(f string, a ...any) {
		logMu.Lock()
		fmt.Fprintf(&logs, f+"\n", a...)
		logMu.Unlock()
	}})
	bot := newTestBot(t, e.clock.Now)
	e.addBot(bot, "Support Bot")
	bot.setDown(503)
	ids := e.connectDemo(false)
	e.deliver() // fails: the events wait in the outbox, tokens inside
	var tokens []string
	for _, id := range ids {
		tok, err := e.k.store.Token(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, tok.Reveal())
	}
	scanDir := func(when string) {
		err := filepath.WalkDir(e.dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, tok := range append(tokens, bot.secret.Reveal()) {
				if bytes.Contains(b, []byte(tok)) {
					t.Errorf("%s: %s holds a token or the secret in clear text", when, filepath.Base(path))
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	scanDir("with events waiting")
	bot.setDown(0)
	e.clock.Advance(time.Minute)
	e.deliver()
	e.clock.Advance(time.Minute)
	e.connectDemo(true)
	e.deliver()
	if _, err := e.k.Disconnect(context.Background(), ids[0], Actor{OSUser: "tester"}); err != nil {
		t.Fatal(err)
	}
	e.deliver()
	bot.mu.Lock()
	tokens = append(tokens, bot.tokens...)
	requests := bot.requests
	bot.mu.Unlock()
	if len(bot.tokens) < len(ids) {
		t.Fatalf("the integration opened %d tokens", len(bot.tokens))
	}
	scanDir("after delivering")
	evs, err := e.k.store.Events(context.Background(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, ev := range evs {
		texts = append(texts, ev.Detail)
	}
	for _, r := range requests {
		texts = append(texts, string(r.Body), fmt.Sprint(r.Header))
	}
	logMu.Lock()
	texts = append(texts, logs.String())
	logMu.Unlock()
	for _, text := range texts {
		for _, tok := range append(tokens, bot.secret.Reveal()) {
			if strings.Contains(text, tok) {
				t.Fatalf("a token or the secret in clear text: %.80q", text)
			}
		}
	}
}

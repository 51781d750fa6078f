package keeper

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/integration"
	"github.com/pagekeeper/pagekeeper/sandbox"
	"github.com/pagekeeper/pagekeeper/store"
)

// fileKeyring is a keyring in a JSON file, so that the test and its child
// processes share the data key and the integration's signing secret.
type fileKeyring struct {
	path string
	mu   sync.Mutex
}

func (f *fileKeyring) load() map[string]string {
	m := map[string]string{}
	if b, err := os.ReadFile(f.path); err == nil {
		_ = json.Unmarshal(b, &m)
	}
	return m
}

func (f *fileKeyring) Get(service, user string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if v, ok := f.load()[service+"/"+user]; ok {
		return v, nil
	}
	return "", store.ErrKeyNotFound
}

func (f *fileKeyring) Set(service, user, value string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.load()
	m[service+"/"+user] = value
	b, _ := json.Marshal(m)
	tmp := f.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, f.path)
}

func (f *fileKeyring) Delete(service, user string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.load()
	delete(m, service+"/"+user)
	b, _ := json.Marshal(m)
	return os.WriteFile(f.path, b, 0o600)
}

// TestHelperDeliverLoop is the child process of
// TestDeliveriesSurviveAKillAtAnyMoment: it connects and renews the demo
// Pages and delivers their tokens, in a loop, until it is killed.
func TestHelperDeliverLoop(t *testing.T) {
	dir := os.Getenv("PAGEKEEPER_DELIVERY_CRASH_DIR")
	if dir == "" {
		t.Skip("child process only")
	}
	e := newEnv(t, sandbox.Options{Seed: 99})
	_ = e.k.Close()
	e.dir, e.kr = dir, nil
	e.k = openOnFake(t, e.srv, Options{Dir: dir, Keyring: &fileKeyring{path: filepath.Join(dir, "keyring.json")}})
	fmt.Println("ready")
	for {
		p := e.plan(e.login(sandbox.DemoUserID, demoPages))
		p.Renew = true
		if _, err := e.k.Apply(context.Background(), p, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := e.k.DeliverDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		fmt.Println("delivered")
	}
}

// Deliveries survive a SIGKILL at any moment of connecting, renewing and
// delivering: once a Pagekeeper runs again, every Page's current token
// reaches the integration; it never processes a token older than one it
// already has; and an event sent more than once is the same event (same
// webhook-id, same body).
func TestDeliveriesSurviveAKillAtAnyMoment(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	bot := newTestBot(t, time.Now)
	kr := &fileKeyring{path: filepath.Join(dir, "keyring.json")}
	{
		e := newEnv(t, sandbox.Options{Seed: 99})
		_ = e.k.Close()
		k := openOnFake(t, e.srv, Options{Dir: dir, Keyring: kr})
		if err := k.AddIntegration(context.Background(), bot.setup("Support Bot"), Actor{OSUser: "tester"}); err != nil {
			t.Fatal(err)
		}
		if err := k.Close(); err != nil {
			t.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(14, 7))
	for round := 0; round < 20; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperDeliverLoop$", "-test.count=1")
		cmd.Env = append(os.Environ(), "PAGEKEEPER_DELIVERY_CRASH_DIR="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(out)
		for lines.Scan() && lines.Text() != "ready" {
		}
		go func() {
			for lines.Scan() {
			}
		}()
		// The pause is the scenario, not a wait for work: the child is
		// killed at a random moment of its loop.
		time.Sleep(time.Duration(5+rng.IntN(200)) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
	}

	// Pagekeeper runs again and delivers what waits.
	e := newEnv(t, sandbox.Options{Seed: 99})
	_ = e.k.Close()
	e.dir = dir
	e.k = openOnFake(t, e.srv, Options{Dir: dir, Keyring: kr})
	ctx := context.Background()
	if pass, err := e.k.DeliverDue(ctx); err != nil || pass.Pending != 0 {
		ds, _ := e.k.store.Deliveries(ctx, "")
		for _, d := range ds {
			if d.State == store.DeliveryPending {
				t.Logf("%+v", d.LastError)
			}
		}
		t.Fatalf("after the kills: %+v %v", pass, err)
	}
	got := bot.events("")
	if len(got) == 0 {
		t.Fatal("nothing was ever delivered")
	}
	t.Logf("%d events processed, %d requests", len(got), len(bot.requests))
	pages, err := e.k.store.Pages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		var last gotEvent
		for _, ev := range bot.events(p.ID) {
			if ev.Type != integration.PageConnected && ev.Type != integration.PageTokenRenewed {
				continue
			}
			if !last.At.IsZero() && ev.At.Before(last.At) {
				t.Fatalf("%s: a token of %v arrived after one of %v", p.Name, ev.At, last.At)
			}
			last = ev
		}
		if last.Fingerprint != e.fingerprint(p.ID) {
			t.Fatalf("%s: the integration's last token is not the current one", p.Name)
		}
		if s := e.integrationOf(p.ID); s.Status != IntegrationCurrent {
			t.Fatalf("%s: %s", p.Name, s.Status)
		}
	}
	bodies := map[string]string{}
	for _, r := range bot.requests {
		if b, seen := bodies[r.ID]; seen && b != string(r.Body) {
			t.Fatalf("webhook-id %s was sent with two bodies", r.ID)
		}
		bodies[r.ID] = string(r.Body)
	}
	ids := map[string]bool{}
	for _, ev := range got {
		if ids[ev.ID] {
			t.Fatalf("event %s was processed twice", ev.ID)
		}
		ids[ev.ID] = true
	}
	if strings.Contains(fmt.Sprint(got), "\x00") {
		t.Fatal("garbled events")
	}
}

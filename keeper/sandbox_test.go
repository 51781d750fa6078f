package keeper

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/pagekeeper/pagekeeper/sandbox"
)

// connectDemo connects the demo Pages through the real login, the pretend
// person agreeing in the pretend Facebook's dialog (SandboxAutoConsent).
func connectDemo(t *testing.T, k *Keeper) {
	t.Helper()
	ctx := context.Background()
	sess, err := k.StartLogin(ctx, "", false)
	if err != nil {
		t.Fatal(err)
	}
	g, err := sess.Wait()
	if err != nil {
		t.Fatal(err)
	}
	plan, err := k.PlanConnect(ctx, g, Actor{OSUser: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := k.Apply(ctx, plan, nil)
	if err != nil || len(out.Failed()) > 0 {
		t.Fatalf("apply: %v %+v", err, out.Failed())
	}
}

func openSandbox(t *testing.T, dir string, logf func(string, ...any)) *Keeper {
	t.Helper()
	k, err := Open(context.Background(), Options{Dir: dir, Sandbox: true, SandboxAutoConsent: true, Ports: []int{0}, Logf: logf})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestTheSandboxSurvivesARestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	k := openSandbox(t, dir, nil)
	if !k.InSandbox() {
		t.Fatal("the sandbox runs a pretend Facebook")
	}
	connectDemo(t, k)
	round, err := k.CheckNow(ctx)
	if err != nil || round.Totals.Valid < 4 || round.Totals.Invalid+round.Totals.NeedsAttention > 0 {
		t.Fatalf("first run: %v %+v", err, round.Totals)
	}
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}

	// A new process: the stored Page tokens must still be known to the new pretend Facebook.
	k = openSandbox(t, dir, nil)
	defer k.Close()
	again, err := k.CheckNow(ctx)
	if err != nil || again.Totals.Valid != round.Totals.Valid {
		t.Fatalf("after a restart: %v %+v (before %+v)", err, again.Totals, round.Totals)
	}

	// Simulating a problem breaks the Page, as the sandbox menu does.
	if err := k.Simulate(ctx, Fault{Kind: "webhook_dropped", PageID: sandbox.PageSunriseCafe}); err != nil {
		t.Fatal(err)
	}
	r, err := k.CheckNow(ctx, sandbox.PageSunriseCafe)
	if err != nil || len(r.Pages) != 1 || r.Pages[0].Status != StatusNeedsAttention {
		t.Fatalf("after dropping the webhook: %v %+v", err, r.Pages)
	}
}

func TestSimulateOnlyInTheSandbox(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 3})
	if err := e.k.Simulate(context.Background(), Fault{Kind: "offline"}); !errors.Is(err, ErrNotSandbox) {
		t.Fatalf("err = %v", err)
	}
}

func TestADamagedSandboxStateStartsAfresh(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "sandbox-facebook.json"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var logged []string
	k := openSandbox(t, dir, func(f string, a ...any) {
		mu.Lock()
		logged = append(logged, fmt.Sprintf(f, a...))
		mu.Unlock()
	})
	defer k.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(logged) == 0 {
		t.Fatal("the reset should be reported")
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "sandbox-facebook.json.unusable-*")); len(m) != 1 {
		t.Fatalf("the damaged file is kept aside: %v", m)
	}
}

// The sandbox's app is the hard, common case, so it logs in as a customer
// must: through the relay with the Login for Business configuration, never
// with scope; the pretend person agrees through the fake's Consent API, and
// the login is long-lived (the sandbox has its app's secret).
func TestTheSandboxLogsInAsACustomerMust(t *testing.T) {
	k := openSandbox(t, t.TempDir(), nil)
	defer k.Close()
	ctx := context.Background()
	sess, err := k.StartLogin(ctx, "", false)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(sess.URL())
	if q := u.Query(); q.Get("config_id") != sandbox.DemoConfigID || q.Get("redirect_uri") != sandbox.DemoRelayURL || q.Has("scope") {
		t.Fatalf("dialog %s", u.Redacted())
	}
	g, err := sess.Wait()
	if err != nil || g.User.ID != sandbox.DemoUserID || !g.LongLived {
		t.Fatalf("%+v %v", g, err)
	}
	plan, err := k.PlanConnect(ctx, g, Actor{})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{sandbox.PageHarborBooks, sandbox.PageBlueDoorStudio} {
		if c, ok := plan.Candidate(id); !ok || !c.Connectable {
			t.Fatalf("%s: %+v", id, c)
		}
	}
}

package setup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/pagekeeper/pagekeeper/internal/logintest"
	"github.com/pagekeeper/pagekeeper/keeper"
	"github.com/pagekeeper/pagekeeper/sandbox"
)

// connectDemo connects the demo Pages through the real login (the test plays
// the person at the pretend Facebook's dialog).
func connectDemo(t *testing.T, s *Session) {
	t.Helper()
	ctx := context.Background()
	sess, err := s.Keeper.StartLogin(ctx, "", false)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _, _ = logintest.New().Login(sess.URL(), logintest.Choice{}) }()
	res, err := sess.Wait()
	if err != nil {
		t.Fatal(err)
	}
	plan, err := s.Keeper.PlanConnect(ctx, keeper.GrantFrom(res, false), keeper.Actor{OSUser: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Keeper.Apply(ctx, plan, nil)
	if err != nil || len(out.Failed()) > 0 {
		t.Fatalf("apply: %v %+v", err, out.Failed())
	}
}

func TestTheSandboxSurvivesARestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := Open(ctx, Options{DataDir: dir, Sandbox: true, Ports: []int{0}})
	if err != nil {
		t.Fatal(err)
	}
	if s.SandboxURL == "" {
		t.Fatal("the sandbox runs a pretend Facebook")
	}
	connectDemo(t, s)
	round, err := s.Keeper.CheckNow(ctx)
	if err != nil || round.Totals.Valid < 4 || round.Totals.Invalid+round.Totals.NeedsAttention > 0 {
		t.Fatalf("first run: %v %+v", err, round.Totals)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// A new process: the stored Page tokens must still be known to the new pretend Facebook.
	s, err = Open(ctx, Options{DataDir: dir, Sandbox: true, Ports: []int{0}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	again, err := s.Keeper.CheckNow(ctx)
	if err != nil || again.Totals.Valid != round.Totals.Valid {
		t.Fatalf("after a restart: %v %+v (before %+v)", err, again.Totals, round.Totals)
	}

	// Simulating a problem breaks the Page, as the sandbox menu does.
	if err := s.Simulate(sandbox.FaultRequest{Kind: "webhook_dropped", Page: sandbox.PageSunriseCafe}); err != nil {
		t.Fatal(err)
	}
	r, err := s.Keeper.CheckNow(ctx, sandbox.PageSunriseCafe)
	if err != nil || len(r.Pages) != 1 || r.Pages[0].Status != "needs_attention" {
		t.Fatalf("after dropping the webhook: %v %+v", err, r.Pages)
	}
}

func TestSimulateOnlyInTheSandbox(t *testing.T) {
	s := &Session{}
	if err := s.Simulate(sandbox.FaultRequest{Kind: "offline"}); !errors.Is(err, ErrNotSandbox) {
		t.Fatalf("err = %v", err)
	}
}

func TestADamagedSandboxStateStartsAfresh(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "sandbox-facebook.json"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	var logged []string
	s, err := Open(context.Background(), Options{DataDir: dir, Sandbox: true, Ports: []int{0},
		Logf: func(f string, a ...any) { logged = append(logged, fmt.Sprintf(f, a...)) }})
	if err != nil {
		t.Fatalf("a damaged practice state must not stop the sandbox: %v", err)
	}
	defer s.Close()
	if len(logged) == 0 {
		t.Fatal("the reset should be reported")
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "sandbox-facebook.json.unusable-*")); len(m) != 1 {
		t.Fatalf("the damaged file is kept aside: %v", m)
	}
}

func TestITsPresetIsAppliedAtFirstStart(t *testing.T) {
	exeDir, dataDir := t.TempDir(), t.TempDir()
	preset, err := os.ReadFile("../../assets/packaging/preset.example.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(exeDir, keeper.PresetFileName), preset, 0o644); err != nil {
		t.Fatal(err)
	}
	var logged []string
	s, err := Open(context.Background(), Options{DataDir: dataDir, AllowKeyFile: true, ExeDir: exeDir,
		Logf: func(f string, a ...any) { logged = append(logged, fmt.Sprintf(f, a...)) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	set, err := s.Keeper.Settings(context.Background())
	if err != nil || set.AppID != "1234567890123456" || len(set.Owners) != 2 || set.SMTP.Host != "smtp.example.com" {
		t.Fatalf("settings after the preset: %+v %v", set, err)
	}
	if len(logged) == 0 {
		t.Fatal("applying the preset should be reported for IT")
	}
}

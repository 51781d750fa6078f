package keeper

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/sandbox"
	"github.com/pagekeeper/pagekeeper/store"
)

// TestHelperApplyLoop is the child process of TestCrashDuringApplyLeavesEachPageOldOrNew:
// it connects and renews the demo Pages in a loop until it is killed.
func TestHelperApplyLoop(t *testing.T) {
	dir := os.Getenv("PAGEKEEPER_CRASH_DIR")
	if dir == "" {
		t.Skip("child process only")
	}
	e := newEnv(t, sandbox.Options{Seed: 99})
	_ = e.k.Close()
	e.dir, e.kr = dir, nil
	e.k = openOnFake(t, e.srv, Options{Dir: dir, Keyring: crashKeyring{}, AllowKeyFile: true})
	fmt.Println("ready")
	for i := 0; ; i++ {
		p := e.plan(e.login(sandbox.DemoUserID, demoPages))
		p.Renew = i > 0
		if _, err := e.k.Apply(context.Background(), p, func(pr Progress) {
			if pr.Step == StepSaved {
				fmt.Println("saved", pr.PageID)
			}
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// crashKeyring has no keyring, so parent and child share the key file.
type crashKeyring struct{}

func (crashKeyring) Get(string, string) (string, error) { return "", store.ErrKeyNotFound }
func (crashKeyring) Set(string, string, string) error   { return fmt.Errorf("no keyring") }
func (crashKeyring) Delete(string, string) error        { return nil }

func TestCrashDuringApplyLeavesEachPageOldOrNew(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(7, 11))
	for round := 0; round < 20; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperApplyLoop$", "-test.count=1")
		cmd.Env = append(os.Environ(), "PAGEKEEPER_CRASH_DIR="+dir)
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
		saved := make(chan string, 1000)
		go func() {
			for lines.Scan() {
				if id, ok := strings.CutPrefix(lines.Text(), "saved "); ok {
					saved <- id
				}
			}
			close(saved)
		}()
		// The pause is the scenario, not a wait for work: the child is killed
		// at a random moment of its loop, and every moment must be survivable.
		time.Sleep(time.Duration(5+rng.IntN(120)) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		var reported []string
		for id := range saved {
			reported = append(reported, id)
		}
		t.Logf("round %d: %d saves reported", round, len(reported))
		checkConsistent(t, dir, reported)
	}
}

// checkConsistent: every Page is either absent (never saved) or fully
// saved: its token opens, its latest event is the save that set it, and every
// save the child reported is there.
func checkConsistent(t *testing.T, dir string, reported []string) {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, store.Options{Dir: dir, Keyring: crashKeyring{}, AllowKeyFile: true})
	if err != nil {
		t.Fatalf("after a kill the folder must open: %v", err)
	}
	defer s.Close()
	pages, err := s.Pages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]store.Page{}
	for _, p := range pages {
		have[p.ID] = p
		tok, err := s.Token(ctx, p.ID)
		if err != nil || tok.IsZero() {
			t.Fatalf("%s is saved without its token: %v", p.Name, err)
		}
		evs, err := s.Events(ctx, p.ID, 1)
		if err != nil || len(evs) != 1 {
			t.Fatalf("%s has no event: %v", p.Name, err)
		}
		if !evs[0].At.Equal(p.ConnectedAt) {
			t.Fatalf("%s: the page (saved %v) and its latest event (%v) disagree", p.Name, p.ConnectedAt, evs[0].At)
		}
	}
	for _, id := range reported {
		if _, ok := have[id]; !ok {
			t.Fatalf("page %s was reported saved but is missing", id)
		}
	}
}

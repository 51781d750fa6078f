package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/pagekeeper/pagekeeper/keeper"
)

func runIn(t *testing.T, dir, name string, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(name, args, Env{Stdout: &out, Stderr: &errb, Context: context.Background(), Keeper: keeper.Options{Dir: dir, Sandbox: true}})
	return code, out.String() + errb.String()
}

func TestCheckExitCodesAndJSON(t *testing.T) {
	dir := t.TempDir()
	// A folder without Pagekeeper's data is "could not check", and stays as it was.
	if code, out := runIn(t, dir, "check"); code != CheckCouldNotCheck || !strings.Contains(out, "There is no Pagekeeper data in "+dir) {
		t.Fatalf("no data: exit %d\n%s", code, out)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) > 0 {
		t.Fatalf("check wrote into a folder without Pagekeeper data: %v %v", entries, err)
	}
	k, err := keeper.Open(context.Background(), keeper.Options{Dir: dir, Sandbox: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	if code, out := runIn(t, dir, "check"); code != CheckAllValid || !strings.Contains(out, "No Pages") {
		t.Fatalf("no Pages: exit %d\n%s", code, out)
	}
	if code, out := runIn(t, dir, "sandbox-demo"); code != ExitOK {
		t.Fatalf("sandbox-demo: exit %d\n%s", code, out)
	}
	if code, out := runIn(t, dir, "check"); code != CheckAllValid || !strings.Contains(out, "Sunrise Café") {
		t.Fatalf("healthy sandbox: exit %d\n%s", code, out)
	}
	if code, out := runIn(t, dir, "sandbox-demo", "--break"); code == ExitUsage {
		t.Fatalf("sandbox-demo --break: exit %d\n%s", code, out)
	}
	code, out := runIn(t, dir, "check", "--json")
	if code != CheckNeedsAction {
		t.Fatalf("a broken Page: exit %d\n%s", code, out)
	}
	var j checkJSON
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	found := false
	for _, p := range j.Pages {
		if p.Name == "Harbor Books" {
			found = p.Status == "invalid" && p.Reason == "role_lost" && p.Action != "" && p.Repair == "renew"
		}
	}
	if j.ExitCode != CheckNeedsAction || j.Totals.Invalid != 1 || !found {
		t.Fatalf("JSON: %+v", j)
	}
}

func TestCheckExitCodeOf(t *testing.T) {
	for _, c := range []struct {
		t    keeper.Totals
		want int
	}{{keeper.Totals{Valid: 3}, 0}, {keeper.Totals{}, 0}, {keeper.Totals{Valid: 1, CouldNotCheck: 2}, 2},
		{keeper.Totals{Invalid: 1, CouldNotCheck: 2}, 1}, {keeper.Totals{NeedsAttention: 1}, 1}} {
		if got := exitCodeOf(c.t); got != c.want {
			t.Errorf("exitCodeOf(%+v) = %d, want %d", c.t, got, c.want)
		}
	}
}

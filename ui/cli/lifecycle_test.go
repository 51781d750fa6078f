package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pagekeeper/pagekeeper/internal/logintest"
	"github.com/pagekeeper/pagekeeper/keeper"
	"github.com/pagekeeper/pagekeeper/sandbox"
)

// runCmd runs a headless command on the sandbox folder dir.
func runCmd(t *testing.T, dir, name string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	var before []string // `integration list`: the subcommand, then the flags
	if cmd, sub, ok := strings.Cut(name, " "); ok {
		name, before = cmd, []string{sub}
	}
	code := Run(name, append(append(before, "--sandbox"), args...), Env{Stdout: &out, Stderr: &errOut,
		Context: context.Background(), Keeper: keeper.Options{Dir: dir}})
	return code, out.String(), errOut.String()
}

func TestHeadlessLifecycleOnTheSandbox(t *testing.T) {
	dir := t.TempDir()
	r := connectIn(t, dir, logintest.Choice{}, "--no-browser", "--sandbox", "--ports", "0")
	if r.code != ExitOK {
		t.Fatalf("connect exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	// status: the connected Pages, from the data folder (a new process would see the same).
	code, out, _ := runCmd(t, dir, "status", "--json")
	var st struct {
		Pages []struct{ ID, Name, Status string }
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	if code != ExitOK || len(st.Pages) < 4 {
		t.Fatalf("status exit %d: %+v", code, st)
	}
	// Listed by name, as a person looks a Page up.
	if !slices.IsSortedFunc(st.Pages, func(a, b struct{ ID, Name, Status string }) int {
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	}) {
		t.Errorf("status lists the Pages out of name order: %+v", st.Pages)
	}

	// disconnect refuses without --yes and explains the consequence.
	code, _, errOut := runCmd(t, dir, "disconnect", sandbox.PageSunriseCafe)
	if code != ExitFailed || !strings.Contains(errOut, "Sunrise Café will stop receiving Messenger messages") || !strings.Contains(errOut, "--yes") {
		t.Fatalf("disconnect without --yes: exit %d: %s", code, errOut)
	}
	code, out, errOut = runCmd(t, dir, "disconnect", sandbox.PageSunriseCafe, "--yes")
	if code != ExitOK || !strings.Contains(out, "Sunrise Café is disconnected") {
		t.Fatalf("disconnect --yes: exit %d: %s %s", code, out, errOut)
	}

	// log: the redacted diagnostics, history included.
	code, out, _ = runCmd(t, dir, "log", sandbox.PageSunriseCafe)
	if code != ExitOK || !strings.Contains(out, "page_connected") || !strings.Contains(out, "page_disconnected") {
		t.Fatalf("log: exit %d:\n%s", code, out)
	}
	if tokenRe.MatchString(out) {
		t.Fatal("log printed a token")
	}

	// export: Pages and events in one CSV, no tokens.
	file := filepath.Join(t.TempDir(), "export.csv")
	if code, out, errOut := runCmd(t, dir, "export", "--csv", file); code != ExitOK {
		t.Fatalf("export: exit %d: %s %s", code, out, errOut)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil || len(recs) < 6 || recs[0][0] != "record" {
		t.Fatalf("export csv: %v %d rows", err, len(recs))
	}
	kinds := map[string]int{}
	for _, r := range recs[1:] {
		kinds[r[0]]++
	}
	if kinds["page"] < 4 || kinds["event"] < 4 || tokenRe.Match(raw) {
		t.Fatalf("export rows by kind: %v", kinds)
	}
	// --csv - writes the same CSV to standard output, and says so elsewhere.
	code, out, errOut = runCmd(t, dir, "export", "--csv", "-")
	if code != ExitOK || out != string(raw) || !strings.Contains(errOut, "rows to -") {
		t.Fatalf("export --csv -: exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
}

func TestRenewNeedsPagesOrAll(t *testing.T) {
	code, _, errOut := runCmd(t, t.TempDir(), "renew")
	if code != ExitUsage || !strings.Contains(errOut, "--all") {
		t.Fatalf("renew without pages: exit %d %s", code, errOut)
	}
}

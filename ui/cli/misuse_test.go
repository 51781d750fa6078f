package cli

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/keeper"
	"github.com/pagekeeper/pagekeeper/sandbox"
	"github.com/pagekeeper/pagekeeper/store"
)

// demoDir is a sandbox data folder with the demo Pages connected.
func demoDir(t *testing.T, args ...string) string {
	t.Helper()
	dir := t.TempDir()
	if code, out := runIn(t, dir, "sandbox-demo", args...); code != ExitOK {
		t.Fatalf("sandbox-demo: exit %d\n%s", code, out)
	}
	return dir
}

// Issue 16 item 11: stray arguments, a --timeout of 0 or an overflow, and a
// Page that is not here are usage errors with a clear message, before
// anything happens (renew asks for no login).
func TestMisuseIsAUsageErrorBeforeAnythingHappens(t *testing.T) {
	dir := demoDir(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"status", "extra"}, `unexpected argument "extra"`},
		{[]string{"check", "extra"}, `unexpected argument "extra"`},
		{[]string{"sandbox-demo", "extra"}, `unexpected argument "extra"`},
		{[]string{"acknowledge-reset", "extra"}, `unexpected argument "extra"`},
		{[]string{"check", "--timeout", "0s"}, "--timeout 0s: give a time longer than 0s and at most 24h"},
		{[]string{"connect", "--timeout", "-1m"}, "--timeout -1m0s: give a time"},
		{[]string{"connect", "--timeout", "2562047h"}, "at most 24h"},
		{[]string{"renew", "--all", "--timeout", "25h"}, "at most 24h"},
		{[]string{"renew", "abc", "--no-browser"}, "no Page with ID abc here"},
		{[]string{"renew", sandbox.PageSunriseCafe, "abc"}, "no Page with ID abc here"},
	} {
		code, out := runIn(t, dir, c.args[0], c.args[1:]...)
		if code != ExitUsage || !strings.Contains(out, c.want) || strings.Contains(out, "Open this link") {
			t.Errorf("%v: exit %d\n%s", c.args, code, out)
		}
	}
	// A deadline too short to finish says so in words.
	if code, out := runIn(t, dir, "check", "--timeout", "1ns"); code != CheckCouldNotCheck ||
		!strings.Contains(out, "did not finish within --timeout 1ns") || strings.Contains(out, "deadline exceeded") {
		t.Errorf("check --timeout 1ns: exit %d\n%s", code, out)
	}
}

func TestFailedSummarySaysWhatWasSaved(t *testing.T) {
	for _, c := range []struct {
		failed, total int
		want          string
	}{
		{5, 5, "None of the 5 Pages could be saved."},
		{1, 1, "The Page could not be saved."},
		{1, 2, "1 of 2 Pages could not be saved; the other one is saved."},
		{2, 5, "2 of 5 Pages could not be saved; the other 3 are saved."},
	} {
		if got := (Env{}).failedSummary(c.failed, c.total); got != c.want {
			t.Errorf("%d of %d: %q, want %q", c.failed, c.total, got, c.want)
		}
	}
}

// A view-only check names what holds the folder: the window, or a command.
func TestNotRecordedNamesTheHolder(t *testing.T) {
	at := time.Now()
	window := Env{}.notRecorded(keeper.LockInfo{User: "ana", Host: "laptop", PID: 7, StartedAt: at}, nil)
	command := Env{}.notRecorded(keeper.LockInfo{User: "ana", Host: "laptop", PID: 8, StartedAt: at, Command: "pagekeeper connect"}, nil)
	if !strings.Contains(window, "the Pagekeeper window of ana on laptop (pid 7)") {
		t.Errorf("%q", window)
	}
	if !strings.Contains(command, "`pagekeeper connect` run by ana on laptop (pid 8)") || strings.Contains(command, "window") {
		t.Errorf("%q", command)
	}
}

// G1 kept a known problem through a round that could not check it; the
// terminal shows it: a note after the table, and not_reconfirmed and
// confirmed_at in JSON, for check and status.
func TestNotReconfirmedIsShown(t *testing.T) {
	dir := demoDir(t, "--break")
	k, err := keeper.Open(context.Background(), keeper.Options{Dir: dir, Sandbox: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Simulate(context.Background(), keeper.Fault{Kind: "offline"}); err != nil {
		t.Fatal(err)
	}
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	code, out := runIn(t, dir, "check", "--json")
	var j checkJSON
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var hb *checkPageJSON
	for i := range j.Pages {
		if j.Pages[i].ID == sandbox.PageHarborBooks {
			hb = &j.Pages[i]
		}
	}
	if code != CheckNeedsAction || hb == nil || hb.Status != "invalid" || hb.NotReconfirmed != "offline" || hb.ConfirmedAt.IsZero() {
		t.Fatalf("check --json offline: exit %d %+v", code, hb)
	}
	for _, name := range []string{"check", "status"} {
		code, out := runIn(t, dir, name)
		if code != ExitFailed || !strings.Contains(out, "Note: Harbor Books: Not re-confirmed: the last check could not reach a verdict") {
			t.Errorf("%s: exit %d\n%s", name, code, out)
		}
	}
	_, out = runIn(t, dir, "status", "--json")
	var st struct {
		Pages []pageJSON `json:"pages"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	for _, p := range st.Pages {
		if p.ID == sandbox.PageHarborBooks && (p.NotReconfirmed != "offline" || p.ConfirmedAt.IsZero()) {
			t.Errorf("status --json: %+v", p)
		}
	}
}

// Issue 16 item 6: after a damaged file is moved aside, status and check
// report the reset and exit 1 until acknowledge-reset.
func TestAResetIsReportedUntilAcknowledged(t *testing.T) {
	dir := demoDir(t)
	db, err := sql.Open("sqlite", filepath.Join(dir, "pagekeeper.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA user_version = 1"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if code, out := runIn(t, dir, "status"); code != ExitCouldNotRun || !strings.Contains(out, "moved aside") {
		t.Fatalf("status on the damaged file: exit %d\n%s", code, out)
	}
	for range 2 {
		code, out := runIn(t, dir, "check", "--json")
		var j checkJSON
		if err := json.Unmarshal([]byte(out), &j); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if code != CheckNeedsAction || j.ExitCode != CheckNeedsAction || j.DataReset == nil || j.DataReset.PagesLost != 5 ||
			!strings.Contains(j.DataReset.Message, "acknowledge") {
			t.Fatalf("check after the reset: exit %d %+v", code, j.DataReset)
		}
	}
	if code, out := runIn(t, dir, "status"); code != ExitFailed || !strings.Contains(out, "Pagekeeper's data was reset on") {
		t.Fatalf("status after the reset: exit %d\n%s", code, out)
	}
	if code, out := runIn(t, dir, "acknowledge-reset"); code != ExitOK || !strings.Contains(out, "Acknowledged") {
		t.Fatalf("acknowledge-reset: exit %d\n%s", code, out)
	}
	if code, out := runIn(t, dir, "check"); code != CheckAllValid || strings.Contains(out, "reset") {
		t.Fatalf("check after the acknowledgement: exit %d\n%s", code, out)
	}
}

// The folder rules, the reset notice and the misuse messages are said in
// the person's language too: here a Spanish system (the data of a reset
// store, and a folder that is not Pagekeeper's, have no Settings yet).
func TestTheFolderRulesSpeakSpanish(t *testing.T) {
	t.Setenv("LC_ALL", "es_ES.UTF-8")
	dir := demoDir(t)
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, ".bashrc"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	lock, err := store.AcquireLockFor(dir, "pagekeeper connect")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		dir     string
		args    []string
		code    int
		spanish string
	}{
		{dir, []string{"status", "extra"}, ExitUsage, `argumento inesperado "extra" (no admite argumentos`},
		{dir, []string{"check", "--timeout", "0s"}, ExitUsage, "indica un tiempo mayor que 0s"},
		{dir, []string{"check"}, ExitOK, "(Esta comprobación no se ha guardado: `pagekeeper connect`, ejecutado por "},
		{dir, []string{"disconnect", sandbox.PageSunriseCafe, "--yes"}, ExitCouldNotRun,
			"Otro comando de Pagekeeper está usando estas Páginas: `pagekeeper connect`, ejecutado por "},
		{filepath.Join(home, "nada"), []string{"status"}, ExitCouldNotRun, "No hay datos de Pagekeeper en "},
		{home, []string{"sandbox-demo"}, ExitCouldNotRun, `ya contiene otros archivos (".bashrc") y ningún dato de Pagekeeper`},
	} {
		code, out := runIn(t, c.dir, c.args[0], c.args[1:]...)
		if code != c.code || !strings.Contains(out, c.spanish) {
			t.Errorf("%v: exit %d, want %d and %q:\n%s", c.args, code, c.code, c.spanish, out)
		}
	}
	if err := lock.Release(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "pagekeeper.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA user_version = 1"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	runIn(t, dir, "status") // moves the damaged file aside
	if code, out := runIn(t, dir, "status"); code != ExitFailed || !strings.Contains(out, "Los datos de Pagekeeper se restablecieron el ") ||
		!strings.Contains(out, "las 5 Páginas conectadas entonces ya no están conectadas aquí") {
		t.Errorf("status after the reset: exit %d\n%s", code, out)
	}
	if code, out := runIn(t, dir, "acknowledge-reset"); code != ExitOK || !strings.Contains(out, "Confirmado: el restablecimiento de datos del ") {
		t.Errorf("acknowledge-reset: exit %d\n%s", code, out)
	}
	if code, out := runIn(t, dir, "acknowledge-reset"); code != ExitOK || !strings.Contains(out, "No hay ningún restablecimiento de datos que confirmar.") {
		t.Errorf("acknowledge-reset again: exit %d\n%s", code, out)
	}
}

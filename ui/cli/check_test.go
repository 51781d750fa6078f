package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func runCheckCmd(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run("check", args, Env{Stdout: &out, Stderr: &errb, Context: context.Background()})
	return code, out.String() + errb.String()
}

func TestCheckExitCodesAndJSON(t *testing.T) {
	if code, out := runCheckCmd(t, "--sandbox"); code != CheckAllValid || !strings.Contains(out, "Sunrise Café") || !strings.Contains(out, "5 valid") {
		t.Fatalf("healthy sandbox: exit %d\n%s", code, out)
	}
	code, out := runCheckCmd(t, "--sandbox", "--simulate", "password_changed", "--json")
	if code != CheckNeedsAction {
		t.Fatalf("password changed: exit %d\n%s", code, out)
	}
	var j checkJSON
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if j.ExitCode != 1 || j.Totals.Invalid != 5 || len(j.Pages) != 5 || j.Pages[0].Reason != "password_changed" || j.Pages[0].Action == "" || j.Pages[0].Repair != "renew" {
		t.Fatalf("JSON: %+v", j)
	}
	if code, out := runCheckCmd(t, "--sandbox", "--simulate", "rate_limited"); code != CheckCouldNotCheck || !strings.Contains(out, "Could not check") {
		t.Fatalf("throttled only: exit %d\n%s", code, out)
	}
	if code, _ := runCheckCmd(t, "--simulate", "offline"); code != ExitUsage {
		t.Fatalf("--simulate without --sandbox: exit %d", code)
	}
}

package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/pagekeeper/pagekeeper/keeper"
)

// Exit codes of check (docs/MONITORING.md): the commands' codes, in
// monitoring's words.
const (
	CheckAllValid      = ExitOK
	CheckNeedsAction   = ExitFailed      // a Page is Invalid or Needs attention
	CheckCouldNotCheck = ExitCouldNotRun // the check could not run, or some Pages could not be checked (and none needs action)
)

// checkJSON is the --json output; docs/MONITORING.md documents it.
type checkJSON struct {
	CheckedAt time.Time       `json:"checked_at"`
	ExitCode  int             `json:"exit_code"`
	Totals    keeper.Totals   `json:"totals"`
	Pages     []checkPageJSON `json:"pages"`
	Error     string          `json:"error,omitempty"`
}

type checkPageJSON struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Status      string    `json:"status"`
	Reason      string    `json:"reason,omitempty"`
	ReasonText  string    `json:"reason_text,omitempty"`
	Explanation string    `json:"explanation,omitempty"`
	Action      string    `json:"action,omitempty"`
	Repair      string    `json:"repair,omitempty"`
	CheckedAt   time.Time `json:"checked_at"`
	LastOKAt    time.Time `json:"last_ok_at,omitzero"`
	// Integration is where the Page's messages go and what it has of the Page.
	Integration integrationStateJSON `json:"integration"`
}

func runCheck(args []string, env Env) int {
	fs := flag.NewFlagSet("pagekeeper check", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	sandbox := fs.Bool("sandbox", false, "check the sandbox's Pages on the built-in pretend Facebook")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up checking after this long")
	if code, ok := parse(fs, args, "Usage: pagekeeper check [--json] [--sandbox] [--timeout 5m]\n\n"+
		"Checks every connected Page now and prints each Page's status, the reason in words and what\n"+
		"to do. Exit status: 0 every Page valid, 1 a Page is invalid or needs attention, 2 the check\n"+
		"could not run or some Pages could not be checked, 64 wrong usage. See docs/MONITORING.md.\n", env); !ok {
		return code
	}
	ctx, cancel := context.WithTimeout(env.Context, *timeout)
	defer cancel()

	fail := func(err error) int {
		if *asJSON {
			_ = json.NewEncoder(env.Stdout).Encode(checkJSON{CheckedAt: time.Now().UTC(), ExitCode: CheckCouldNotCheck, Error: err.Error(), Pages: []checkPageJSON{}})
		} else {
			fmt.Fprintln(env.Stderr, "pagekeeper check: "+env.errText(err))
		}
		return CheckCouldNotCheck
	}
	k, err := env.open(*sandbox)
	if err != nil {
		return fail(err)
	}
	defer k.Close()
	// What waits for the integrations goes out first: a delivery that works
	// now is not reported as failing.
	dctx, dcancel := context.WithTimeout(ctx, *timeout/2)
	_, _ = k.DeliverDue(dctx)
	dcancel()
	r, err := k.CheckNow(ctx)
	if err != nil {
		if *asJSON {
			return fail(fmt.Errorf("the check could not run: %w", err))
		}
		fmt.Fprintln(env.Stderr, "pagekeeper check: "+env.tr("cli.check.failed", "the check could not run: {{.Why}}", map[string]any{"Why": keeper.Describe(err)}))
		return CheckCouldNotCheck
	}
	code := exitCodeOf(r.Totals)
	if *asJSON {
		out := checkJSON{CheckedAt: r.Finished.UTC(), ExitCode: code, Totals: r.Totals, Pages: []checkPageJSON{}}
		for _, p := range r.Pages {
			out.Pages = append(out.Pages, checkPageJSON{ID: p.ID, Name: p.Name, Status: string(p.Status), Reason: string(p.Reason),
				ReasonText: p.ReasonText.String(), Explanation: p.Explanation.String(), Action: p.Action.String(),
				Repair: string(p.Repair), CheckedAt: p.CheckedAt.UTC(), LastOKAt: p.LastOKAt.UTC(), Integration: integrationToJSON(p.Integration)})
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(out)
		return code
	}
	if len(r.Pages) == 0 {
		fmt.Fprintln(env.Stdout, env.tr("cli.check.none", "No Pages are connected."))
		return code
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, env.tr("cli.check.header", "PAGE\tID\tSTATUS\tREASON\tWHAT TO DO"))
	for _, p := range r.Pages {
		reason, action := env.text(p.ReasonText), env.text(p.Action)
		if reason == "" {
			reason, action = "—", "—"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Name, p.ID, env.text(p.Words()), reason, action)
	}
	_ = tw.Flush()
	t := r.Totals
	fmt.Fprintln(env.Stdout, "\n"+env.tr("cli.check.totals", "{{.Valid}} valid, {{.NeedsAttention}} need attention, {{.Invalid}} invalid, {{.CouldNotCheck}} could not be checked.",
		map[string]any{"Valid": t.Valid, "NeedsAttention": t.NeedsAttention, "Invalid": t.Invalid, "CouldNotCheck": t.CouldNotCheck}))
	if _, ro := k.ReadOnly(); ro {
		fmt.Fprintln(env.Stdout, env.tr("cli.check.not_recorded", "(The window manages these Pages: this check was not recorded.)"))
	}
	return code
}

func exitCodeOf(t keeper.Totals) int {
	switch {
	case t.Invalid > 0 || t.NeedsAttention > 0:
		return CheckNeedsAction
	case t.CouldNotCheck > 0:
		return CheckCouldNotCheck
	}
	return CheckAllValid
}

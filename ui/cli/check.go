package cli

import (
	"context"
	"encoding/json"
	"errors"
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
	DataReset *resetJSON      `json:"data_reset,omitempty"`
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
	// NotReconfirmed is why this round could not check a Page whose known
	// problem (status, reason) is kept; ConfirmedAt when a round last
	// confirmed it.
	NotReconfirmed string    `json:"not_reconfirmed,omitempty"`
	ConfirmedAt    time.Time `json:"confirmed_at,omitzero"`
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
	if !noArguments(fs, env, "check") || !timeoutOK(*timeout, env, "check") {
		return ExitUsage
	}
	ctx, cancel := context.WithTimeout(env.Context, *timeout)
	defer cancel()

	var reset *resetJSON
	// fail says why the check could not run: in English in JSON, in the
	// person's language in the table's place.
	failText := func(why keeper.Text) int {
		code := CheckCouldNotCheck
		if reset != nil {
			code = CheckNeedsAction // a person must act on the reset whatever else failed
		}
		if *asJSON {
			_ = json.NewEncoder(env.Stdout).Encode(checkJSON{CheckedAt: time.Now().UTC(), ExitCode: code, Error: why.String(),
				Pages: []checkPageJSON{}, DataReset: reset})
		} else {
			fmt.Fprintln(env.Stderr, "pagekeeper check: "+env.text(why))
			printReset(env, reset)
		}
		return code
	}
	fail := func(err error) int { return failText(keeper.Describe(err)) }
	k, err := env.open("check", *sandbox, keeper.UseRead)
	if err != nil {
		return fail(err)
	}
	defer k.Close()
	if reset, err = dataReset(env.Context, k); err != nil {
		return fail(err)
	}
	// What waits for the integrations goes out first: a delivery that works
	// now is not reported as failing.
	dctx, dcancel := context.WithTimeout(ctx, *timeout/2)
	_, _ = k.DeliverDue(dctx)
	dcancel()
	r, err := k.CheckNow(ctx)
	var partly *keeper.RoundSaveError
	switch {
	case errors.As(err, &partly):
		return fail(err)
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil:
		return failText(tr("cli.check.timed_out",
			"The check did not finish within --timeout {{.Timeout}}; nothing more was checked. Try again, or give it longer.",
			map[string]any{"Timeout": timeout.String()}))
	case err != nil:
		return failText(tr("cli.check.failed", "the check could not run: {{.Why}}", map[string]any{"Why": keeper.Describe(err)}))
	}
	code := exitCodeOf(r.Totals)
	if reset != nil {
		code = CheckNeedsAction
	}
	if *asJSON {
		out := checkJSON{CheckedAt: r.Finished.UTC(), ExitCode: code, Totals: r.Totals, Pages: []checkPageJSON{}, DataReset: reset}
		for _, p := range r.Pages {
			out.Pages = append(out.Pages, checkPageJSON{ID: p.ID, Name: p.Name, Status: string(p.Status), Reason: string(p.Reason),
				ReasonText: p.ReasonText.String(), Explanation: p.Explanation.String(), Action: p.Action.String(),
				Repair: string(p.Repair), CheckedAt: p.CheckedAt.UTC(), LastOKAt: p.LastOKAt.UTC(),
				NotReconfirmed: string(p.NotReconfirmed), ConfirmedAt: p.ConfirmedAt.UTC(), Integration: integrationToJSON(p.Integration)})
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(out)
		return code
	}
	printReset(env, reset)
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
	printNotes(env, r.Pages)
	t := r.Totals
	fmt.Fprintln(env.Stdout, "\n"+env.tr("cli.check.totals", "{{.Valid}} valid, {{.NeedsAttention}} need attention, {{.Invalid}} invalid, {{.CouldNotCheck}} could not be checked.",
		map[string]any{"Valid": t.Valid, "NeedsAttention": t.NeedsAttention, "Invalid": t.Invalid, "CouldNotCheck": t.CouldNotCheck}))
	if holder, ro := k.ReadOnly(); ro {
		fmt.Fprintln(env.Stdout, env.notRecorded(holder, k.Unwritable()))
	}
	return code
}

// notRecorded says why a view-only check recorded nothing: who manages the
// folder (the window, or which command), or why it cannot be written.
func (env Env) notRecorded(holder keeper.LockInfo, unwritable error) string {
	switch {
	case unwritable != nil:
		return env.tr("cli.check.not_recorded_unwritable", "(This check was not recorded: {{.Why}})",
			map[string]any{"Why": keeper.Describe(unwritable)})
	case holder.Command != "":
		return env.tr("cli.check.not_recorded_command", "(This check was not recorded: {{.Holder}} is using these Pages.)",
			map[string]any{"Holder": holder.Text()})
	}
	return env.tr("cli.check.not_recorded", "(This check was not recorded: the Pagekeeper window of {{.Holder}} manages these Pages.)",
		map[string]any{"Holder": holder.Text()})
}

// printNotes prints the "not re-confirmed" note of each Page that has one,
// after the table.
func printNotes(env Env, pages []keeper.PageStatus) {
	first := true
	for _, p := range pages {
		if note := p.Note(); !note.IsZero() {
			if first {
				fmt.Fprintln(env.Stdout)
				first = false
			}
			fmt.Fprintln(env.Stdout, env.tr("cli.note", "Note: {{.Page}}: {{.Note}}", map[string]any{"Page": p.Name, "Note": note}))
		}
	}
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

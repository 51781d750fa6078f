package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/pagekeeper/pagekeeper/keeper"
)

func runDisconnect(args []string, env Env) int {
	fs := flag.NewFlagSet("pagekeeper disconnect", flag.ContinueOnError)
	sandbox := fs.Bool("sandbox", false, "use the sandbox data folder")
	yes := fs.Bool("yes", false, "confirm the disconnection")
	if code, ok := parse(fs, args, "Usage: pagekeeper disconnect PAGE-ID --yes [--sandbox]\n\n"+
		"Disconnects a Page: its webhook subscription is removed on Facebook, its token deleted.\n"+
		"When Facebook cannot be reached the Page is disconnected here at once and the clean-up on\n"+
		"Facebook is retried until it succeeds. Exit status: 0 disconnected, 1 refused (no --yes)\n"+
		"or failed, 2 the data folder could not be opened, 64 wrong usage.\n", env); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(env.Stderr, "pagekeeper disconnect: "+env.tr("cli.one_page_id", "name exactly one Page ID"))
		return ExitUsage
	}
	id := fs.Arg(0)
	k, err := env.open("disconnect", *sandbox, keeper.UseChangeExisting)
	if err != nil {
		return failOpen(env, err)
	}
	defer k.Close()
	w, err := k.DisconnectWarning(env.Context, id)
	if errors.Is(err, keeper.ErrNotFound) {
		fmt.Fprintln(env.Stderr, "pagekeeper disconnect: "+env.tr("cli.no_such_page", "no Page with ID {{.ID}} here (see pagekeeper status)", map[string]any{"ID": id}))
		return ExitUsage
	} else if err != nil {
		return failOpen(env, err)
	}
	if !*yes {
		fmt.Fprintln(env.Stderr, env.tr("cli.disconnect.not_confirmed", "Not disconnected. {{.Warning}}\nRun again with --yes to disconnect {{.Name}}.",
			map[string]any{"Warning": w.Text, "Name": w.PageName}))
		return ExitFailed
	}
	pending, err := k.Disconnect(env.Context, id, keeper.OSActor())
	if err != nil {
		fmt.Fprintln(env.Stderr, "pagekeeper disconnect: "+env.errText(err))
		return ExitFailed
	}
	if pending {
		fmt.Fprintln(env.Stdout, env.tr("cli.disconnect.pending", "{{.Name}} is disconnected here. Facebook could not be reached; the webhook subscription there will be removed as soon as it can (Pagekeeper retries while it runs).", map[string]any{"Name": w.PageName}))
	} else {
		fmt.Fprintln(env.Stdout, env.tr("cli.disconnect.done", "{{.Name}} is disconnected: webhook subscription removed, token deleted.", map[string]any{"Name": w.PageName}))
	}
	return ExitOK
}

// pageJSON is the machine-readable form of a Page's status (docs/COMMANDS.md).
type pageJSON struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Status      string    `json:"status"`
	Reason      string    `json:"reason,omitempty"`
	Explanation string    `json:"explanation,omitempty"`
	Action      string    `json:"action,omitempty"`
	CheckedAt   time.Time `json:"checked_at,omitzero"`
	StatusSince time.Time `json:"status_since,omitzero"`
	// NotReconfirmed and ConfirmedAt: as in check --json.
	NotReconfirmed string    `json:"not_reconfirmed,omitempty"`
	ConfirmedAt    time.Time `json:"confirmed_at,omitzero"`
	// Integration is where the Page's messages go and what it has of the Page.
	Integration integrationStateJSON `json:"integration"`
}

// integrationStateJSON is a Page's keeper.IntegrationState (docs/COMMANDS.md).
type integrationStateJSON struct {
	Name         string    `json:"name,omitempty"`
	State        string    `json:"state"`
	Text         string    `json:"text,omitempty"`
	Since        time.Time `json:"since,omitzero"`
	FailingSince time.Time `json:"failing_since,omitzero"`
	Problem      string    `json:"problem,omitempty"`
	RetryAt      time.Time `json:"retry_at,omitzero"`
	Pending      int       `json:"pending"`
}

func integrationToJSON(s keeper.IntegrationState) integrationStateJSON {
	return integrationStateJSON{Name: s.Name, State: string(s.Status), Text: s.Text().String(), Since: s.Since,
		FailingSince: s.FailingSince, Problem: s.Problem.String(), RetryAt: s.RetryAt, Pending: s.Pending}
}

func toJSON(p keeper.PageStatus) pageJSON {
	j := pageJSON{ID: p.ID, Name: p.Name, Status: string(p.Status), Reason: string(p.Reason), CheckedAt: p.CheckedAt, StatusSince: p.StatusSince,
		NotReconfirmed: string(p.NotReconfirmed), ConfirmedAt: p.ConfirmedAt, Integration: integrationToJSON(p.Integration)}
	if p.Reason != "" {
		j.Explanation, j.Action = p.Explanation.String(), p.Action.String()
	}
	return j
}

func runStatus(args []string, env Env) int {
	fs := flag.NewFlagSet("pagekeeper status", flag.ContinueOnError)
	sandbox := fs.Bool("sandbox", false, "use the sandbox data folder")
	asJSON := fs.Bool("json", false, "print JSON")
	if code, ok := parse(fs, args, "Usage: pagekeeper status [--json] [--sandbox]\n\n"+
		"Shows every Page's status as last checked (no call to Facebook; use `pagekeeper check`\n"+
		"for a fresh check). Exit status: 0 all connected Pages valid, 1 one needs attention or\n"+
		"is invalid, 2 the data folder could not be opened, 64 wrong usage.\n", env); !ok {
		return code
	}
	if !noArguments(fs, env, "status") {
		return ExitUsage
	}
	k, err := env.open("status", *sandbox, keeper.UseRead)
	if err != nil {
		return failOpen(env, err)
	}
	defer k.Close()
	sum, err := k.Pages(env.Context)
	if err != nil {
		return failOpen(env, err)
	}
	sum = sum.ByName()
	reset, err := dataReset(env.Context, k)
	if err != nil {
		return failOpen(env, err)
	}
	code := ExitOK
	if sum.Totals.Invalid+sum.Totals.NeedsAttention > 0 || reset != nil {
		code = ExitFailed
	}
	if *asJSON {
		out := make([]pageJSON, 0, len(sum.Pages))
		for _, p := range sum.Pages {
			out = append(out, toJSON(p))
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		j := map[string]any{"pages": out, "totals": sum.Totals}
		if reset != nil {
			j["data_reset"] = reset
		}
		_ = enc.Encode(j)
		return code
	}
	printReset(env, reset)
	if len(sum.Pages) == 0 {
		fmt.Fprintln(env.Stdout, env.tr("cli.status.none", "No Pages connected yet. Connect some with `pagekeeper connect` or in the window."))
		return code
	}
	if len(k.IntegrationNames()) == 0 {
		fmt.Fprintln(env.Stdout, env.tr("cli.status.no_integration", "No integration receives these Pages' messages (add one with `pagekeeper integration add`)."))
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, env.tr("cli.status.header", "PAGE\tID\tSTATUS\tWHY\tLAST CHECKED\tINTEGRATION"))
	for _, p := range sum.Pages {
		checked := env.tr("time.never", "never")
		if !p.CheckedAt.IsZero() {
			checked = p.CheckedAt.Local().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, p.ID, env.text(p.Words()), env.text(p.ReasonText), checked, env.text(p.Integration.Text()))
	}
	_ = tw.Flush()
	printNotes(env, sum.Pages)
	return code
}

func runLog(args []string, env Env) int {
	fs := flag.NewFlagSet("pagekeeper log", flag.ContinueOnError)
	sandbox := fs.Bool("sandbox", false, "use the sandbox data folder")
	asJSON := fs.Bool("json", false, "print JSON")
	if code, ok := parse(fs, args, "Usage: pagekeeper log PAGE-ID [--json] [--sandbox]\n\n"+
		"Shows a Page's status, permissions, token facts, webhook fields and history. The text\n"+
		"form is the same redacted summary as the window's \"Copy diagnostics\".\n", env); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(env.Stderr, "pagekeeper log: "+env.tr("cli.one_page_id", "name exactly one Page ID"))
		return ExitUsage
	}
	k, err := env.open("log", *sandbox, keeper.UseRead)
	if err != nil {
		return failOpen(env, err)
	}
	defer k.Close()
	id := fs.Arg(0)
	if !*asJSON {
		text, err := k.Diagnostics(env.Context, id)
		if errors.Is(err, keeper.ErrNotFound) {
			fmt.Fprintln(env.Stderr, "pagekeeper log: "+env.tr("cli.no_such_page", "no Page with ID {{.ID}} here (see pagekeeper status)", map[string]any{"ID": id}))
			return ExitUsage
		} else if err != nil {
			return failOpen(env, err)
		}
		fmt.Fprint(env.Stdout, text)
		return ExitOK
	}
	l, err := k.PageLog(env.Context, id, 1000)
	if errors.Is(err, keeper.ErrNotFound) {
		fmt.Fprintln(env.Stderr, "pagekeeper log: "+env.tr("cli.no_such_page", "no Page with ID {{.ID}} here (see pagekeeper status)", map[string]any{"ID": id}))
		return ExitUsage
	} else if err != nil {
		return failOpen(env, err)
	}
	type eventJSON struct {
		At     time.Time `json:"at"`
		Kind   string    `json:"kind"`
		Actor  string    `json:"actor_facebook,omitempty"`
		OSUser string    `json:"actor_os_user,omitempty"`
		Detail string    `json:"detail"`
	}
	events := make([]eventJSON, 0, len(l.Events))
	for _, e := range l.Events {
		events = append(events, eventJSON{At: e.At, Kind: e.Kind, Actor: e.ActorFBName, OSUser: e.ActorOSUser, Detail: e.Detail})
	}
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(map[string]any{"page": l.Record, "events": events})
	return ExitOK
}

func runExport(args []string, env Env) int {
	fs := flag.NewFlagSet("pagekeeper export", flag.ContinueOnError)
	sandbox := fs.Bool("sandbox", false, "use the sandbox data folder")
	file := fs.String("csv", "", "the CSV file to write (- for standard output)")
	if code, ok := parse(fs, args, "Usage: pagekeeper export --csv FILE [--sandbox]\n\n"+
		"Writes every Page with its status, then every event of the history, to one CSV file\n"+
		"(column `record` is page or event). No token is ever exported. A file is replaced\n"+
		"only once the export is complete; - (or a pipe, or a device like /dev/stdout) is\n"+
		"written to directly.\n", env); !ok {
		return code
	}
	if *file == "" || fs.NArg() > 0 {
		fmt.Fprintln(env.Stderr, "pagekeeper export: "+env.tr("cli.export.usage", "give the file with --csv FILE"))
		return ExitUsage
	}
	k, err := env.open("export", *sandbox, keeper.UseRead)
	if err != nil {
		return failOpen(env, err)
	}
	defer k.Close()
	var n int
	stream, err := writeCSV(*file, env.Stdout, func(w io.Writer) (err error) {
		n, err = k.ExportCSV(env.Context, w)
		return err
	})
	if err != nil {
		fmt.Fprintln(env.Stderr, "pagekeeper export: "+env.errText(err))
		return ExitFailed
	}
	summary := env.Stdout
	if stream { // the CSV may be on standard output: keep it clean
		summary = env.Stderr
	}
	fmt.Fprintln(summary, env.tr("cli.export.done", "Wrote {{.Rows}} rows to {{.File}}", map[string]any{"Rows": n, "File": *file}))
	return ExitOK
}

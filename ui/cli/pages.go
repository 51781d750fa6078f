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
		fmt.Fprintln(env.Stderr, "pagekeeper disconnect: name exactly one Page ID")
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
		fmt.Fprintf(env.Stderr, "pagekeeper disconnect: no Page with ID %s here (see pagekeeper status)\n", id)
		return ExitUsage
	} else if err != nil {
		return failOpen(env, err)
	}
	if !*yes {
		fmt.Fprintf(env.Stderr, "Not disconnected. %s\nRun again with --yes to disconnect %s.\n", w.Text, w.PageName)
		return ExitFailed
	}
	pending, err := k.Disconnect(env.Context, id, keeper.OSActor())
	if err != nil {
		fmt.Fprintf(env.Stderr, "pagekeeper disconnect: %v\n", err)
		return ExitFailed
	}
	if pending {
		fmt.Fprintf(env.Stdout, "%s is disconnected here. Facebook could not be reached; the webhook subscription there will be removed as soon as it can (Pagekeeper retries while it runs).\n", w.PageName)
	} else {
		fmt.Fprintf(env.Stdout, "%s is disconnected: webhook subscription removed, token deleted.\n", w.PageName)
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
}

func toJSON(p keeper.PageStatus) pageJSON {
	j := pageJSON{ID: p.ID, Name: p.Name, Status: string(p.Status), Reason: string(p.Reason), CheckedAt: p.CheckedAt, StatusSince: p.StatusSince,
		NotReconfirmed: string(p.NotReconfirmed), ConfirmedAt: p.ConfirmedAt}
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
	printReset(env.Stdout, reset)
	if len(sum.Pages) == 0 {
		fmt.Fprintln(env.Stdout, "No Pages connected yet. Connect some with `pagekeeper connect` or in the window.")
		return code
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PAGE\tID\tSTATUS\tWHY\tLAST CHECKED")
	for _, p := range sum.Pages {
		checked := "never"
		if !p.CheckedAt.IsZero() {
			checked = p.CheckedAt.Local().Format("2006-01-02 15:04")
		}
		why := ""
		if p.Reason != "" {
			why = p.ReasonText.String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Name, p.ID, p.Status.Words(), why, checked)
	}
	_ = tw.Flush()
	printNotes(env.Stdout, sum.Pages)
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
		fmt.Fprintln(env.Stderr, "pagekeeper log: name exactly one Page ID")
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
			fmt.Fprintf(env.Stderr, "pagekeeper log: no Page with ID %s here\n", id)
			return ExitUsage
		} else if err != nil {
			return failOpen(env, err)
		}
		fmt.Fprint(env.Stdout, text)
		return ExitOK
	}
	l, err := k.PageLog(env.Context, id, 1000)
	if errors.Is(err, keeper.ErrNotFound) {
		fmt.Fprintf(env.Stderr, "pagekeeper log: no Page with ID %s here\n", id)
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
		fmt.Fprintln(env.Stderr, "pagekeeper export: give the file with --csv FILE")
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
		fmt.Fprintf(env.Stderr, "pagekeeper export: %v\n", err)
		return ExitFailed
	}
	summary := env.Stdout
	if stream { // the CSV may be on standard output: keep it clean
		summary = env.Stderr
	}
	fmt.Fprintf(summary, "Wrote %d rows to %s\n", n, *file)
	return ExitOK
}

package cli

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/pagekeeper/pagekeeper/keeper"
)

// resetJSON is a data reset in `status --json` and `check --json`
// (docs/MONITORING.md).
type resetJSON struct {
	At           time.Time `json:"at"`
	MovedTo      string    `json:"moved_to"`
	PagesLost    int       `json:"pages_lost"` // -1: unknown
	NewestBackup string    `json:"newest_backup,omitempty"`
	Message      string    `json:"message"` // in English, as JSON's other words
	// text is Message, for the person reading the table.
	text keeper.Text
}

// dataReset is the data reset not yet acknowledged (nil: none).
func dataReset(ctx context.Context, k *keeper.Keeper) (*resetJSON, error) {
	r, found, err := k.DataReset(ctx)
	if err != nil || !found {
		return nil, err
	}
	return &resetJSON{At: r.At.UTC(), MovedTo: r.MovedTo, PagesLost: r.PagesLost, NewestBackup: r.NewestBackup,
		Message: r.Text().String(), text: r.Text()}, nil
}

// printReset says that the data was reset, before the table.
func printReset(env Env, r *resetJSON) {
	if r != nil {
		fmt.Fprintf(env.Stdout, "%s\n\n", env.text(r.text))
	}
}

// runAcknowledgeReset ends the notice of a data reset (issue 16 item 6):
// until then status and check report it and exit 1, so that a wiped list
// never looks like "every Page valid".
func runAcknowledgeReset(args []string, env Env) int {
	fs := flag.NewFlagSet("pagekeeper acknowledge-reset", flag.ContinueOnError)
	sandbox := fs.Bool("sandbox", false, "use the sandbox data folder")
	if code, ok := parse(fs, args, "Usage: pagekeeper acknowledge-reset [--sandbox]\n\n"+
		"After a damaged data file was moved aside, Pagekeeper started with an empty list and says\n"+
		"so in status and check (exit 1) until a person acknowledges it. Restore a backup instead\n"+
		"if you have one; otherwise connect the Pages again and run this. Exit status: 0 done (or\n"+
		"nothing to acknowledge), 2 the data folder could not be used, 64 wrong usage.\n", env); !ok {
		return code
	}
	if !noArguments(fs, env, "acknowledge-reset") {
		return ExitUsage
	}
	k, err := env.open("acknowledge-reset", *sandbox, keeper.UseChangeExisting)
	if err != nil {
		return failOpen(env, err)
	}
	defer k.Close()
	r, found, err := k.DataReset(env.Context)
	if err != nil {
		return failOpen(env, err)
	}
	if !found {
		fmt.Fprintln(env.Stdout, env.tr("cli.reset.nothing", "There is no data reset to acknowledge."))
		return ExitOK
	}
	if err := k.AcknowledgeReset(env.Context, keeper.OSActor()); err != nil {
		return failOpen(env, err)
	}
	fmt.Fprintln(env.Stdout, env.tr("cli.reset.acknowledged",
		"Acknowledged: the data reset of {{.When}} is no longer reported. The damaged file stays in the data folder as {{.MovedTo}}.",
		map[string]any{"When": r.At.Local(), "MovedTo": r.MovedTo}))
	return ExitOK
}

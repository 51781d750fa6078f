package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/fb/fakefb"
	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/keeper"
)

func init() {
	commands["check"] = command{"check every connected Page now; exit 0 all valid, 1 a Page needs action, 2 could not check", runCheck}
}

// Exit codes of check (see docs/MONITORING.md).
const (
	CheckAllValid      = 0
	CheckNeedsAction   = 1 // a Page is Invalid or Needs attention
	CheckCouldNotCheck = 2 // the check could not run, or some Pages could not be checked (and none needs action)
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
}

func runCheck(args []string, env Env) int {
	fs := flag.NewFlagSet("pagekeeper check", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	sandbox := fs.Bool("sandbox", env.Sandbox, "check demo Pages on the built-in pretend Facebook (a throwaway folder)")
	simulate := fs.String("simulate", "", "with --sandbox: a problem to rehearse (password_changed, app_removed, webhook_dropped, data_access_expired, rate_limited, offline)")
	dataDir := fs.String("data-dir", "", "data folder (default: your config folder's Pagekeeper)")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up checking after this long")
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: pagekeeper check [--json] [--sandbox [--simulate problem]] [--data-dir DIR]\n\n"+
			"Checks every connected Page now and prints each Page's status, the reason in words and what\n"+
			"to do. Exit status: 0 every Page valid, 1 a Page is invalid or needs attention, 2 the check\n"+
			"could not run or some Pages could not be checked. See docs/MONITORING.md.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "pagekeeper check: unexpected argument %q\n", fs.Arg(0))
		return ExitUsage
	}
	ctx, cancel := context.WithTimeout(env.Context, *timeout)
	defer cancel()

	fail := func(err error) int {
		if *asJSON {
			_ = json.NewEncoder(env.Stdout).Encode(checkJSON{CheckedAt: time.Now().UTC(), ExitCode: CheckCouldNotCheck, Error: err.Error(), Pages: []checkPageJSON{}})
		} else {
			fmt.Fprintf(env.Stderr, "pagekeeper check: %v\n", err)
		}
		return CheckCouldNotCheck
	}
	var k *keeper.Keeper
	if *sandbox {
		kk, cleanup, err := sandboxKeeper(ctx, *simulate)
		if err != nil {
			return fail(err)
		}
		defer cleanup()
		k = kk
	} else {
		if *simulate != "" {
			fmt.Fprintln(env.Stderr, "pagekeeper check: --simulate works only with --sandbox")
			return ExitUsage
		}
		kk, err := openForCheck(ctx, *dataDir)
		if err != nil {
			return fail(err)
		}
		defer kk.Close()
		k = kk
	}
	r, err := k.CheckNow(ctx)
	if err != nil {
		return fail(fmt.Errorf("the check could not run: %w", err))
	}
	code := exitCodeOf(r.Totals)
	if *asJSON {
		out := checkJSON{CheckedAt: r.Finished.UTC(), ExitCode: code, Totals: r.Totals, Pages: []checkPageJSON{}}
		for _, p := range r.Pages {
			out.Pages = append(out.Pages, checkPageJSON{ID: p.ID, Name: p.Name, Status: string(p.Status), Reason: string(p.Reason),
				ReasonText: p.ReasonText.String(), Explanation: p.Explanation.String(), Action: p.Action.String(),
				Repair: string(p.Repair), CheckedAt: p.CheckedAt.UTC(), LastOKAt: p.LastOKAt.UTC()})
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(out)
		return code
	}
	if len(r.Pages) == 0 {
		fmt.Fprintln(env.Stdout, "No Pages are connected.")
		return code
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PAGE\tID\tSTATUS\tREASON\tWHAT TO DO")
	for _, p := range r.Pages {
		reason, action := p.ReasonText.String(), p.Action.String()
		if reason == "" {
			reason, action = "—", "—"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Name, p.ID, keeper.StatusText(p.Status), reason, action)
	}
	_ = tw.Flush()
	t := r.Totals
	fmt.Fprintf(env.Stdout, "\n%d valid, %d need attention, %d invalid, %d could not be checked.\n", t.Valid, t.NeedsAttention, t.Invalid, t.CouldNotCheck)
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

// openForCheck opens the data folder (read-only when the window manages
// it: the round is then checked but not recorded) with a Graph client from
// the saved settings.
func openForCheck(ctx context.Context, dir string) (*keeper.Keeper, error) {
	k, err := keeper.Open(ctx, keeper.Options{Dir: dir})
	if err != nil {
		return nil, err
	}
	set, err := k.Settings(ctx)
	if err != nil {
		k.Close()
		return nil, err
	}
	k.UseGraph(fb.New(fb.Config{AppID: set.AppID, Version: set.GraphVersion}))
	return k, nil
}

// noKeyring declines, so the throwaway sandbox folder uses its key file
// and the real keyring is never touched.
type noKeyring struct{}

var errNoKeyring = errors.New("the sandbox does not use the system keyring")

func (noKeyring) Get(string, string) (string, error) { return "", errNoKeyring }
func (noKeyring) Set(string, string, string) error   { return errNoKeyring }
func (noKeyring) Delete(string, string) error        { return errNoKeyring }

// sandboxKeeper connects the demo Pages on a fresh pretend Facebook in a
// throwaway folder, through the real login reconciliation (PlanConnect and
// Apply), then applies the problem to rehearse.
func sandboxKeeper(ctx context.Context, simulate string) (*keeper.Keeper, func(), error) {
	srv, err := fakefb.Start(fakefb.Options{})
	if err != nil {
		return nil, nil, fmt.Errorf("could not start the sandbox: %w", err)
	}
	dir, err := os.MkdirTemp("", "pagekeeper-check-")
	if err != nil {
		srv.Close()
		return nil, nil, err
	}
	cleanup := func() { srv.Close(); os.RemoveAll(dir) }
	k, err := keeper.Open(ctx, keeper.Options{Dir: filepath.Join(dir, "data"), Keyring: noKeyring{}, AllowKeyFile: true, Now: srv.Fake.Clock().Now})
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	cleanup = func() { k.Close(); srv.Close(); os.RemoveAll(dir) }
	k.UseGraph(fb.New(fb.Config{GraphURL: srv.URL, AppID: srv.Fake.Options().AppID, Retry: fb.RetryPolicy{MaxAttempts: 1}}))
	f := srv.Fake
	scopes := []string{"pages_show_list", "pages_manage_metadata", "pages_messaging", "pages_read_engagement"}
	user := token.New(f.IssueUserToken(fakefb.DemoUserID, true, scopes))
	plan, err := k.PlanConnect(ctx, keeper.Grant{User: fb.User{ID: fakefb.DemoUserID, Name: fakefb.DemoUserName}, UserToken: user, Granted: scopes}, keeper.Actor{OSUser: "sandbox"})
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	if _, err := k.Apply(ctx, plan, nil); err != nil {
		cleanup()
		return nil, nil, err
	}
	switch simulate {
	case "":
	case "password_changed":
		f.ChangePassword(fakefb.DemoUserID)
	case "app_removed":
		f.RemoveApp(fakefb.DemoUserID)
	case "webhook_dropped":
		f.DropWebhook(fakefb.PageSunriseCafe)
	case "data_access_expired":
		f.ExpireDataAccess(fakefb.DemoUserID)
	case "rate_limited":
		f.Throttle("", 4)
	case "offline":
		f.SetOffline(true)
	default:
		cleanup()
		return nil, nil, fmt.Errorf("unknown problem %q to simulate", simulate)
	}
	return k, cleanup, nil
}

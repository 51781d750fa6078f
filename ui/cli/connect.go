package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/pagekeeper/pagekeeper/keeper"
)

// defaultLoginTimeout is how long connect and renew wait for Facebook.
const defaultLoginTimeout = 5 * time.Minute

// loginFlags are the flags of the commands that log in (connect, renew).
type loginFlags struct {
	noBrowser, sandbox, business, yes bool
	timeout                           time.Duration
	ports                             string
}

func (l *loginFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&l.noBrowser, "no-browser", false, "do not open a browser: print the link to open yourself")
	fs.BoolVar(&l.sandbox, "sandbox", false, "use the built-in pretend Facebook and the sandbox data folder")
	fs.BoolVar(&l.business, "business", false, "also look for Pages owned through a Business portfolio (asks for business_management)")
	fs.BoolVar(&l.yes, "yes", false, "confirm that Pages missing from this login, or left out with --pages, are disconnected")
	fs.DurationVar(&l.timeout, "timeout", defaultLoginTimeout, "how long to wait for the login")
	fs.StringVar(&l.ports, "ports", "", "callback ports to try, comma-separated (default: the ports in Settings)")
}

// parse parses a command's flags, which may come before or after its
// arguments (`disconnect PAGE --yes`); fs.Args() then holds the arguments.
// ok=false means return code.
func parse(fs *flag.FlagSet, args []string, usage string, env Env) (code int, ok bool) {
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprint(env.Stderr, usage+"\nFlags:\n")
		fs.PrintDefaults()
	}
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return ExitOK, false
			}
			return ExitUsage, false
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	_ = fs.Parse(append([]string{"--"}, positional...))
	return 0, true
}

func runConnect(args []string, env Env) int {
	var lf loginFlags
	fs := flag.NewFlagSet("pagekeeper connect", flag.ContinueOnError)
	lf.register(fs)
	pages := fs.String("pages", "", "connect only these Page IDs (comma-separated); default: every Page that can be connected")
	if code, ok := parse(fs, args, "Usage: pagekeeper connect [--no-browser] [--sandbox] [--business] [--pages ID,…] [--yes]\n\n"+
		"Logs in with Facebook, lists the Pages the login reaches (with why a Page cannot be\n"+
		"connected) and connects them: token stored sealed, webhooks subscribed and verified.\n"+
		"Exit status: 0 every chosen Page connected, 1 login failed, a Page failed, or a\n"+
		"disconnection needs --yes, 2 the data folder could not be opened or the login could\n"+
		"not start, 64 wrong usage.\n", env); !ok {
		return code
	}
	if !noArguments(fs, env, "connect") || !timeoutOK(lf.timeout, env, "connect") {
		return ExitUsage
	}
	k, code, ok := env.openForLogin("connect", lf, keeper.UseChange)
	if !ok {
		return code
	}
	defer k.Close()
	var plan *keeper.Plan
	plan, code, ok = loginAndPlan(env, k, lf, "")
	if !ok {
		return code
	}
	if *pages != "" {
		want := map[string]bool{}
		for _, id := range strings.Split(*pages, ",") {
			want[strings.TrimSpace(id)] = true
		}
		for _, c := range plan.Candidates {
			if _, err := plan.Select(c.ID, want[c.ID] && c.Connectable); err != nil {
				fmt.Fprintf(env.Stderr, "pagekeeper connect: %s: %v\n", c.Name, err)
			}
			delete(want, c.ID)
		}
		for id := range want {
			fmt.Fprintf(env.Stderr, "pagekeeper connect: Page %s is not reachable with this login\n", id)
			return ExitFailed
		}
	}
	return applyPlan(env, k, plan, lf.yes)
}

func runRenew(args []string, env Env) int {
	var lf loginFlags
	fs := flag.NewFlagSet("pagekeeper renew", flag.ContinueOnError)
	lf.register(fs)
	all := fs.Bool("all", false, "renew every Page that needs it (Invalid or Needs attention)")
	if code, ok := parse(fs, args, "Usage: pagekeeper renew [PAGE-ID…|--all] [--no-browser] [--sandbox] [--yes]\n\n"+
		"Renews connections with a new Facebook login (asking again for declined permissions or\n"+
		"expired data access as needed), keeps each Page's history and checks it again at once.\n"+
		"Exit status: 0 renewed and valid, 1 failed or still not valid, 2 the data folder could\n"+
		"not be opened or the login could not start, 64 wrong usage.\n", env); !ok {
		return code
	}
	ids := fs.Args()
	if len(ids) == 0 && !*all {
		fmt.Fprintln(env.Stderr, "pagekeeper renew: name the Page IDs to renew, or --all")
		return ExitUsage
	}
	if !timeoutOK(lf.timeout, env, "renew") {
		return ExitUsage
	}
	k, code, ok := env.openForLogin("renew", lf, keeper.UseChangeExisting)
	if !ok {
		return code
	}
	defer k.Close()
	// A Page that is not here is said before anyone is asked to log in.
	if code, ok := knownPages(env, k, ids); !ok {
		return code
	}
	if *all {
		sum, err := k.Pages(env.Context)
		if err != nil {
			return failOpen(env, err)
		}
		for _, p := range sum.Pages {
			if p.Status.NeedsOwner() {
				ids = append(ids, p.ID)
			}
		}
		if len(ids) == 0 {
			fmt.Fprintln(env.Stdout, "No Page needs renewing.")
			return ExitOK
		}
	}
	var plan *keeper.Plan
	plan, code, ok = loginAndPlan(env, k, lf, k.RenewAuthType(env.Context, ids...))
	if !ok {
		return code
	}
	plan.Renew = true
	for _, id := range ids {
		if c, found := plan.Candidate(id); !found || !c.Connectable {
			fmt.Fprintf(env.Stderr, "Page %s was not renewed: this login does not reach it. Log in with an account that manages it and keep it selected.\n", id)
			return ExitFailed
		}
	}
	if code := applyPlan(env, k, plan, lf.yes); code != ExitOK {
		return code
	}
	round, err := k.CheckNow(env.Context, ids...)
	if err != nil {
		fmt.Fprintf(env.Stderr, "Renewed, but the check afterwards failed: %v\n", err)
		return ExitFailed
	}
	code = ExitOK
	for _, p := range round.Pages {
		fmt.Fprintf(env.Stdout, "%s: %s\n", p.Name, p.Status.Words())
		if p.Status != keeper.StatusValid {
			fmt.Fprintf(env.Stdout, "    %s %s\n", p.Explanation, p.Action)
			code = ExitFailed
		}
	}
	return code
}

// knownPages refuses Page IDs that are not here (a typo, another data
// folder) as a usage error.
func knownPages(env Env, k *keeper.Keeper, ids []string) (int, bool) {
	if len(ids) == 0 {
		return ExitOK, true
	}
	sum, err := k.Pages(env.Context)
	if err != nil {
		return failOpen(env, err), false
	}
	here := map[string]bool{}
	for _, p := range sum.Pages {
		here[p.ID] = true
	}
	for _, id := range ids {
		if !here[id] {
			fmt.Fprintf(env.Stderr, "pagekeeper renew: no Page with ID %s here (see pagekeeper status); nothing was done\n", id)
			return ExitUsage, false
		}
	}
	return ExitOK, true
}

// openForLogin opens the folder for the command name with the browser and
// port choices of the flags; a wrong --ports is a usage error.
func (env Env) openForLogin(name string, lf loginFlags, use keeper.Use) (*keeper.Keeper, int, bool) {
	o := env.options(name, lf.sandbox, use)
	if lf.noBrowser {
		o.OpenBrowser = func(string) error { return errNoBrowserWanted }
	}
	if lf.ports != "" {
		ps, err := parsePorts(lf.ports)
		if err != nil {
			fmt.Fprintf(env.Stderr, "pagekeeper: --ports: %v\n", err)
			return nil, ExitUsage, false
		}
		o.Ports = ps
	}
	k, err := keeper.Open(env.Context, o)
	if err != nil {
		return nil, failOpen(env, err), false
	}
	return k, ExitOK, true
}

func parsePorts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		p, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || p < 0 || p > 65535 {
			return nil, fmt.Errorf("%q is not a port number", f)
		}
		out = append(out, p)
	}
	return out, nil
}

var errNoBrowserWanted = errors.New("--no-browser")

// loginAndPlan runs the login and prints what it reaches.
func loginAndPlan(env Env, k *keeper.Keeper, lf loginFlags, authType string) (*keeper.Plan, int, bool) {
	if k.InSandbox() {
		fmt.Fprintln(env.Stdout, "Sandbox: logging in to the built-in pretend Facebook (no real account is used).")
	}
	ctx, cancel := context.WithTimeout(env.Context, lf.timeout+time.Minute)
	defer cancel()
	sess, err := k.StartLogin(ctx, authType, lf.business)
	if err != nil {
		fmt.Fprintf(env.Stderr, "pagekeeper: %v\n", err)
		return nil, ExitCouldNotRun, false
	}
	fmt.Fprintln(env.Stdout, "Open this link in a browser on this computer:")
	fmt.Fprintln(env.Stdout, sess.URL())
	fmt.Fprintf(env.Stdout, "Waiting up to %s for Facebook… (Ctrl+C stops)\n", lf.timeout)
	if !lf.noBrowser {
		go func() {
			if err := <-sess.BrowserErr(); err != nil {
				fmt.Fprintln(env.Stderr, "Could not open a browser: open the link above yourself.")
			}
		}()
	}
	timer := time.AfterFunc(lf.timeout, sess.Cancel)
	grant, err := sess.Wait()
	if !timer.Stop() && errors.Is(err, context.Canceled) {
		err = keeper.ErrLoginTimeout
	}
	if err != nil {
		fmt.Fprintln(env.Stderr, failureText(err))
		return nil, ExitFailed, false
	}
	fmt.Fprintf(env.Stdout, "Logged in as %s (Facebook ID %s).\n", grant.User.Name, grant.User.ID)
	fmt.Fprintf(env.Stdout, "Permissions granted: %s\n", listOrNone(grant.Granted))
	fmt.Fprintf(env.Stdout, "Permissions declined: %s\n", listOrNone(grant.Declined))
	plan, err := k.PlanConnect(env.Context, grant, keeper.OSActor())
	if err != nil {
		fmt.Fprintf(env.Stderr, "Could not list the Pages: %s\n", failureText(err))
		return nil, ExitFailed, false
	}
	printPlan(env.Stdout, plan)
	return plan, 0, true
}

func printPlan(w io.Writer, p *keeper.Plan) {
	if len(p.Candidates) == 0 {
		fmt.Fprintln(w, "No Pages found. Log in again and select your Pages in Facebook's dialog, or check that this account manages them.")
	} else {
		fmt.Fprintf(w, "Pages found: %d\n", len(p.Candidates))
	}
	for _, c := range p.Candidates {
		name := c.Name
		if name == "" {
			name = "(name not readable)"
		}
		tasks := listOrNone(c.Tasks)
		if !c.TasksKnown {
			tasks = "not reported by Facebook for this Page"
		}
		fmt.Fprintf(w, "- %s (ID %s), tasks: %s\n", name, c.ID, tasks)
		switch {
		case !c.Connectable:
			fmt.Fprintf(w, "    cannot be connected: %s\n", c.WhyNot)
		case c.Connected:
			fmt.Fprintln(w, "    connected now; can be renewed")
		default:
			fmt.Fprintln(w, "    can be connected")
		}
	}
	for _, m := range p.Missing {
		fmt.Fprintf(w, "! %s (ID %s): %s\n", m.Name, m.ID, m.Warning)
	}
}

// applyPlan confirms (with --yes) what must be confirmed, then saves.
func applyPlan(env Env, k *keeper.Keeper, plan *keeper.Plan, yes bool) int {
	if warnings := plan.Unconfirmed(); len(warnings) > 0 {
		if !yes {
			fmt.Fprintln(env.Stderr, "Nothing was saved. These Pages would be disconnected:")
			for _, w := range warnings {
				fmt.Fprintf(env.Stderr, "  %s: %s\n", w.PageName, w.Text)
			}
			fmt.Fprintln(env.Stderr, "Log in again and keep them selected, or run again with --yes to disconnect them.")
			return ExitFailed
		}
		for _, w := range warnings {
			_ = plan.ConfirmDisconnect(w.PageID)
		}
	}
	res, err := k.Apply(env.Context, plan, func(p keeper.Progress) {
		switch p.Step {
		case keeper.StepSubscribed:
			fmt.Fprintf(env.Stdout, "%s: webhooks subscribed\n", p.PageName)
		case keeper.StepVerified:
			fmt.Fprintf(env.Stdout, "%s: subscription verified\n", p.PageName)
		case keeper.StepSaved:
			fmt.Fprintf(env.Stdout, "%s: token stored; connected\n", p.PageName)
		case keeper.StepDisconnected:
			fmt.Fprintf(env.Stdout, "%s: disconnected\n", p.PageName)
		case keeper.StepFailed:
			fmt.Fprintf(env.Stdout, "%s: NOT saved: %s\n", p.PageName, failureText(p.Err))
		}
	})
	if err != nil {
		fmt.Fprintf(env.Stderr, "pagekeeper: %v\n", err)
		return ExitFailed
	}
	if n := len(res.Failed()); n > 0 {
		fmt.Fprintln(env.Stdout, failedSummary(n, len(res.Pages)))
		return ExitFailed
	}
	return ExitOK
}

// failedSummary says how many of the Pages Apply handled failed, and that
// the others (if any) are done.
func failedSummary(failed, total int) string {
	switch {
	case failed == total && total == 1:
		return "The Page could not be saved."
	case failed == total:
		return fmt.Sprintf("None of the %d Pages could be saved.", total)
	case total-failed == 1:
		return fmt.Sprintf("%d of %d Pages could not be saved; the other one is saved.", failed, total)
	}
	return fmt.Sprintf("%d of %d Pages could not be saved; the other %d are saved.", failed, total, total-failed)
}

// failureText says in plain words how an action ended.
func failureText(err error) string {
	var stopped *keeper.LoginStoppedError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, keeper.ErrLoginCancelled):
		return "Login cancelled in Facebook's dialog. Nothing was changed."
	case errors.Is(err, keeper.ErrLoginTimeout):
		return "Login timed out – try again."
	case errors.Is(err, keeper.ErrAppSecretNeeded), errors.Is(err, keeper.ErrAppSecretWrong):
		return err.Error() + "."
	case errors.Is(err, context.Canceled):
		return "Stopped. Nothing was changed."
	case errors.As(err, &stopped):
		return "Facebook stopped the login (" + stopped.Code + "). Try again; if it keeps happening, check the app's Facebook Login settings."
	}
	what, todo := keeper.Explain(err)
	return strings.TrimSpace(what.String() + " " + todo.String())
}

func listOrNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}

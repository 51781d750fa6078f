package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
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
	integration                       string
}

func (l *loginFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&l.noBrowser, "no-browser", false, "do not open a browser: print the link to open yourself")
	fs.BoolVar(&l.sandbox, "sandbox", false, "use the built-in pretend Facebook and the sandbox data folder")
	fs.BoolVar(&l.business, "business", false, "also look for Pages owned through a Business portfolio (asks for business_management)")
	fs.BoolVar(&l.yes, "yes", false, "confirm that Pages missing from this login, or left out with --pages, are disconnected")
	fs.DurationVar(&l.timeout, "timeout", defaultLoginTimeout, "how long to wait for the login")
	fs.StringVar(&l.ports, "ports", "", "callback ports to try, comma-separated (default: the ports in Settings)")
	fs.StringVar(&l.integration, "integration", "", "the integration the Pages' messages go to (default: where each goes now, else the default integration); none for no integration")
}

// chooseIntegration sends every chosen Page's messages to --integration.
func chooseIntegration(env Env, k *keeper.Keeper, plan *keeper.Plan, name string) bool {
	if name == "" {
		return true
	}
	if strings.EqualFold(name, "none") {
		name = keeper.NoIntegration
	}
	for _, c := range plan.Candidates {
		if !c.Selected {
			continue
		}
		if err := k.SetIntegration(plan, c.ID, name); err != nil {
			fmt.Fprintf(env.Stderr, "pagekeeper: --integration: %s\n", env.errText(err))
			return false
		}
	}
	return true
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
	if code, ok := parse(fs, args, "Usage: pagekeeper connect [--no-browser] [--sandbox] [--business] [--pages ID,…] [--integration NAME] [--yes]\n\n"+
		"Logs in with Facebook, lists the Pages the login reaches (with why a Page cannot be\n"+
		"connected) and connects them: token stored sealed, webhooks subscribed and verified, and\n"+
		"the token handed to the integration the Page's messages go to.\n"+
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
				fmt.Fprintf(env.Stderr, "pagekeeper connect: %s: %s\n", c.Name, env.errText(err))
			}
			delete(want, c.ID)
		}
		for id := range want {
			fmt.Fprintln(env.Stderr, "pagekeeper connect: "+env.tr("cli.connect.unreachable", "Page {{.ID}} is not reachable with this login", map[string]any{"ID": id}))
			return ExitFailed
		}
	}
	if !chooseIntegration(env, k, plan, lf.integration) {
		return ExitUsage
	}
	if code := applyPlan(env, k, plan, lf.yes); code != ExitOK {
		return code
	}
	return deliverAndReport(env, k)
}

func runRenew(args []string, env Env) int {
	var lf loginFlags
	fs := flag.NewFlagSet("pagekeeper renew", flag.ContinueOnError)
	lf.register(fs)
	all := fs.Bool("all", false, "renew every Page that needs it (Invalid or Needs attention)")
	if code, ok := parse(fs, args, "Usage: pagekeeper renew [PAGE-ID…|--all] [--no-browser] [--sandbox] [--integration NAME] [--yes]\n\n"+
		"Renews connections with a new Facebook login (asking again for declined permissions or\n"+
		"expired data access as needed), keeps each Page's history and checks it again at once.\n"+
		"Exit status: 0 renewed and valid, 1 failed or still not valid, 2 the data folder could\n"+
		"not be opened or the login could not start, 64 wrong usage.\n", env); !ok {
		return code
	}
	ids := fs.Args()
	if len(ids) == 0 && !*all {
		fmt.Fprintln(env.Stderr, "pagekeeper renew: "+env.tr("cli.renew.usage", "name the Page IDs to renew, or --all"))
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
			fmt.Fprintln(env.Stdout, env.tr("cli.renew.nothing", "No Page needs renewing."))
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
			fmt.Fprintln(env.Stderr, env.tr("cli.renew.unreachable", "Page {{.ID}} was not renewed: this login does not reach it. Log in with an account that manages it and keep it selected.", map[string]any{"ID": id}))
			return ExitFailed
		}
	}
	if !chooseIntegration(env, k, plan, lf.integration) {
		return ExitUsage
	}
	if code := applyPlan(env, k, plan, lf.yes); code != ExitOK {
		return code
	}
	if code := deliverAndReport(env, k); code != ExitOK {
		return code
	}
	round, err := k.CheckNow(env.Context, ids...)
	if err != nil {
		fmt.Fprintln(env.Stderr, env.tr("cli.renew.check_failed", "Renewed, but the check afterwards failed: {{.Why}}", map[string]any{"Why": keeper.Describe(err)}))
		return ExitFailed
	}
	code = ExitOK
	for _, p := range round.Pages {
		fmt.Fprintf(env.Stdout, "%s: %s\n", p.Name, env.text(p.Words()))
		if p.Status != keeper.StatusValid {
			fmt.Fprintf(env.Stdout, "    %s %s\n", env.text(p.Explanation), env.text(p.Action))
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
			fmt.Fprintln(env.Stderr, "pagekeeper renew: "+env.tr("cli.renew.unknown_page",
				"no Page with ID {{.ID}} here (see pagekeeper status); nothing was done", map[string]any{"ID": id}))
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
		ps, err := keeper.ParsePorts(lf.ports)
		if err != nil {
			fmt.Fprintf(env.Stderr, "pagekeeper: --ports: %s\n", env.errText(err))
			return nil, ExitUsage, false
		}
		o.Ports = ps
	}
	k, err := env.openWith(o)
	if err != nil {
		return nil, failOpen(env, err), false
	}
	return k, ExitOK, true
}

var errNoBrowserWanted = errors.New("--no-browser")

// loginAndPlan runs the login and prints what it reaches.
func loginAndPlan(env Env, k *keeper.Keeper, lf loginFlags, authType string) (*keeper.Plan, int, bool) {
	if k.InSandbox() {
		fmt.Fprintln(env.Stdout, env.tr("cli.login.sandbox", "Sandbox: logging in to the built-in pretend Facebook (no real account is used)."))
	}
	ctx, cancel := context.WithTimeout(env.Context, lf.timeout+time.Minute)
	defer cancel()
	sess, err := k.StartLogin(ctx, authType, lf.business)
	if err != nil {
		fmt.Fprintf(env.Stderr, "pagekeeper: %s\n", env.errText(err))
		return nil, ExitCouldNotRun, false
	}
	fmt.Fprintln(env.Stdout, env.tr("cli.login.open", "Open this link in a browser on this computer:"))
	fmt.Fprintln(env.Stdout, sess.URL())
	fmt.Fprintln(env.Stdout, env.tr("cli.login.waiting", "Waiting up to {{.Timeout}} for Facebook… (Ctrl+C stops)", map[string]any{"Timeout": lf.timeout}))
	if !lf.noBrowser {
		go func() {
			if err := <-sess.BrowserErr(); err != nil {
				fmt.Fprintln(env.Stderr, env.tr("cli.login.no_browser", "Could not open a browser: open the link above yourself."))
			}
		}()
	}
	timer := time.AfterFunc(lf.timeout, sess.Cancel)
	grant, err := sess.Wait()
	if !timer.Stop() && errors.Is(err, context.Canceled) {
		err = keeper.ErrLoginTimeout
	}
	if err != nil {
		fmt.Fprintln(env.Stderr, env.errText(err))
		return nil, ExitFailed, false
	}
	fmt.Fprintln(env.Stdout, env.tr("cli.login.done", "Logged in as {{.Name}} (Facebook ID {{.ID}}).", map[string]any{"Name": grant.User.Name, "ID": grant.User.ID}))
	fmt.Fprintln(env.Stdout, env.tr("cli.login.granted", "Permissions granted: {{.List}}", map[string]any{"List": env.listOrNone(grant.Granted)}))
	fmt.Fprintln(env.Stdout, env.tr("cli.login.declined", "Permissions declined: {{.List}}", map[string]any{"List": env.listOrNone(grant.Declined)}))
	plan, err := k.PlanConnect(env.Context, grant, keeper.OSActor())
	if err != nil {
		fmt.Fprintln(env.Stderr, env.tr("cli.plan.failed", "Could not list the Pages: {{.Why}}", map[string]any{"Why": keeper.Describe(err)}))
		return nil, ExitFailed, false
	}
	env.printPlan(plan)
	return plan, 0, true
}

func (env Env) printPlan(p *keeper.Plan) {
	w := env.Stdout
	if len(p.Candidates) == 0 {
		fmt.Fprintln(w, env.tr("cli.plan.none", "No Pages found. Log in again and select your Pages in Facebook's dialog, or check that this account manages them."))
	} else {
		fmt.Fprintln(w, env.tr("cli.plan.found", "Pages found: {{.Count}}", map[string]any{"Count": len(p.Candidates)}))
	}
	for _, c := range p.Candidates {
		name := c.Name
		if name == "" {
			name = env.tr("cli.plan.no_name", "(name not readable)")
		}
		tasks := env.listOrNone(c.Tasks)
		if !c.TasksKnown {
			tasks = env.tr("cli.plan.tasks_unknown", "not reported by Facebook for this Page")
		}
		fmt.Fprintln(w, env.tr("cli.plan.page", "- {{.Name}} (ID {{.ID}}), tasks: {{.Tasks}}", map[string]any{"Name": name, "ID": c.ID, "Tasks": tasks}))
		switch {
		case !c.Connectable:
			fmt.Fprintln(w, "    "+env.tr("cli.plan.cannot", "cannot be connected: {{.Why}}", map[string]any{"Why": c.WhyNot}))
		case c.Connected:
			fmt.Fprintln(w, "    "+env.tr("cli.plan.connected", "connected now; can be renewed"))
		default:
			fmt.Fprintln(w, "    "+env.tr("cli.plan.can", "can be connected"))
		}
	}
	for _, m := range p.Missing {
		fmt.Fprintf(w, "! %s (ID %s): %s\n", m.Name, m.ID, env.text(m.Warning))
	}
}

// applyPlan confirms (with --yes) what must be confirmed, then saves.
func applyPlan(env Env, k *keeper.Keeper, plan *keeper.Plan, yes bool) int {
	if warnings := plan.Unconfirmed(); len(warnings) > 0 {
		if !yes {
			fmt.Fprintln(env.Stderr, env.tr("cli.apply.would_disconnect", "Nothing was saved. These Pages would be disconnected:"))
			for _, w := range warnings {
				fmt.Fprintf(env.Stderr, "  %s: %s\n", w.PageName, env.text(w.Text))
			}
			fmt.Fprintln(env.Stderr, env.tr("cli.apply.confirm", "Log in again and keep them selected, or run again with --yes to disconnect them."))
			return ExitFailed
		}
		for _, w := range warnings {
			_ = plan.ConfirmDisconnect(w.PageID)
		}
	}
	res, err := k.Apply(env.Context, plan, func(p keeper.Progress) {
		data := map[string]any{"Name": p.PageName}
		switch p.Step {
		case keeper.StepSubscribed:
			fmt.Fprintln(env.Stdout, env.tr("cli.apply.subscribed", "{{.Name}}: webhooks subscribed", data))
		case keeper.StepVerified:
			fmt.Fprintln(env.Stdout, env.tr("cli.apply.verified", "{{.Name}}: subscription verified", data))
		case keeper.StepSaved:
			fmt.Fprintln(env.Stdout, env.tr("cli.apply.saved", "{{.Name}}: token stored; connected", data))
		case keeper.StepDisconnected:
			fmt.Fprintln(env.Stdout, env.tr("cli.apply.disconnected", "{{.Name}}: disconnected", data))
		case keeper.StepFailed:
			data["Why"] = keeper.Describe(p.Err)
			fmt.Fprintln(env.Stdout, env.tr("cli.apply.failed", "{{.Name}}: NOT saved: {{.Why}}", data))
		}
	})
	if err != nil {
		fmt.Fprintf(env.Stderr, "pagekeeper: %s\n", env.errText(err))
		return ExitFailed
	}
	if n := len(res.Failed()); n > 0 {
		fmt.Fprintln(env.Stdout, env.failedSummary(n, len(res.Pages)))
		return ExitFailed
	}
	return ExitOK
}

// failedSummary says how many of the Pages Apply handled failed, and that
// the others (if any) are done.
func (env Env) failedSummary(failed, total int) string {
	switch {
	case failed == total && total == 1:
		return env.tr("cli.apply.one_failed", "The Page could not be saved.")
	case failed == total:
		return env.tr("cli.apply.none_saved", "None of the {{.Count}} Pages could be saved.", map[string]any{"Count": total})
	case total-failed == 1:
		return env.tr("cli.apply.all_but_one_failed", "{{.Failed}} of {{.Count}} Pages could not be saved; the other one is saved.",
			map[string]any{"Failed": failed, "Count": total})
	}
	return env.tr("cli.apply.some_failed", "{{.Failed}} of {{.Count}} Pages could not be saved; the other {{.Saved}} are saved.",
		map[string]any{"Failed": failed, "Count": total, "Saved": total - failed})
}

// listOrNone is a list of codes (permissions, tasks), or "none".
func (env Env) listOrNone(xs []string) string {
	if len(xs) == 0 {
		return env.tr("list.none", "none")
	}
	return strings.Join(xs, ", ")
}

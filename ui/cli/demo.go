package cli

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/pagekeeper/pagekeeper/keeper"
)

// demoBrokenPage is the sandbox Page --break breaks: it loses its role.
const demoBrokenPage = "Harbor Books"

// runSandboxDemo fills the sandbox for a demonstration, a training or the
// GUI smoke test: the pretend person agrees in the pretend Facebook's
// dialog (through the fake's Consent API: Options.SandboxAutoConsent), the
// demo Pages are connected, and with --break Harbor Books loses
// its Page role and every Page is checked, so the dashboard has a problem
// to fix.
func runSandboxDemo(args []string, env Env) int {
	fs := flag.NewFlagSet("pagekeeper sandbox-demo", flag.ContinueOnError)
	breakOne := fs.Bool("break", false, "also break one Page ("+demoBrokenPage+" loses its role) and check every Page")
	into := fs.String("integration", "", "the integration the Pages' messages go to (default: the default integration, Sandbox Bot); none for no integration")
	if code, ok := parse(fs, args, "Usage: pagekeeper sandbox-demo [--break] [--integration NAME]\n\n"+
		"Connects the sandbox's demo Pages as if you had logged in, so the sandbox window has\n"+
		"something to show, and hands them to the sandbox's own integration (Sandbox Bot). Only in\n"+
		"the sandbox; nothing real is touched.\n", env); !ok {
		return code
	}
	if !noArguments(fs, env, "sandbox-demo") {
		return ExitUsage
	}
	o := env.options("sandbox-demo", true, keeper.UseChange)
	o.SandboxAutoConsent, o.Ports = true, []int{0}
	k, err := env.openWith(o)
	if err != nil {
		return failOpen(env, err)
	}
	defer k.Close()
	plan, code, ok := loginAndPlan(env, k, loginFlags{business: true, timeout: defaultLoginTimeout}, "")
	if !ok {
		return code
	}
	if !chooseIntegration(env, k, plan, *into) {
		return ExitUsage
	}
	if code := applyPlan(env, k, plan, true); code != ExitOK {
		return code
	}
	if code := deliverAndReport(env, k); code != ExitOK {
		return code
	}
	if !*breakOne {
		return ExitOK
	}
	broken := ""
	for _, c := range plan.Candidates {
		if c.Name == demoBrokenPage {
			broken = c.ID
		}
	}
	if err := k.Simulate(env.Context, keeper.Fault{Kind: "role_lost", PageID: broken}); err != nil {
		fmt.Fprintln(env.Stderr, "pagekeeper sandbox-demo: "+env.errText(err))
		return ExitFailed
	}
	round, err := k.CheckNow(env.Context)
	if err != nil {
		fmt.Fprintln(env.Stderr, "pagekeeper sandbox-demo: "+env.errText(err))
		return ExitFailed
	}
	for _, p := range round.Pages {
		fmt.Fprintf(env.Stdout, "%s: %s\n", p.Name, env.text(p.Words()))
	}
	// The round queued the broken Page's new status for its integration:
	// deliver it now, so the demo leaves nothing waiting.
	ctx, cancel := context.WithTimeout(env.Context, time.Minute)
	defer cancel()
	if _, err := k.DeliverDue(ctx); err != nil {
		fmt.Fprintln(env.Stderr, "pagekeeper sandbox-demo: "+env.errText(err))
	}
	return ExitOK
}

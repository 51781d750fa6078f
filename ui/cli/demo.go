package cli

import (
	"flag"
	"fmt"

	"github.com/pagekeeper/pagekeeper/fb/login"
	"github.com/pagekeeper/pagekeeper/keeper"
	"github.com/pagekeeper/pagekeeper/keeper/setup"
	"github.com/pagekeeper/pagekeeper/sandbox"
)

// runSandboxDemo fills the sandbox for a demonstration, a training or the
// GUI smoke test: it plays the person at the pretend Facebook's dialog
// (through the fake's Consent API, setup.Options.AutoConsent), connects the
// demo Pages, and with --break simulates a lost Page role on Harbor Books
// and checks every Page, so the dashboard has a problem to fix.
func runSandboxDemo(args []string, env Env) int {
	fs := flag.NewFlagSet("pagekeeper sandbox-demo", flag.ContinueOnError)
	breakOne := fs.Bool("break", false, "also break one Page (Harbor Books loses its role) and check every Page")
	if code, ok := parse(fs, args, "Usage: pagekeeper sandbox-demo [--break]\n\n"+
		"Connects the sandbox's demo Pages as if you had logged in, so the sandbox window has\n"+
		"something to show. Only in the sandbox; nothing real is touched.\n", env); !ok {
		return code
	}
	o := env.Setup
	o.Sandbox, o.Ports, o.AutoConsent = true, []int{0}, &sandbox.Consent{}
	s, err := setup.Open(env.Context, o)
	if err != nil {
		return failOpen(env, err)
	}
	defer s.Close()
	plan, code, ok := loginAndPlan(env, s, loginFlags{business: true, timeout: login.DefaultTimeout}, "")
	if !ok {
		return code
	}
	if code := applyPlan(env, s.Keeper, plan, true); code != ExitOK {
		return code
	}
	if !*breakOne {
		return ExitOK
	}
	if err := s.Simulate(sandbox.FaultRequest{Kind: "role_lost", User: sandbox.DemoUserID, Page: sandbox.PageHarborBooks}); err != nil {
		fmt.Fprintf(env.Stderr, "pagekeeper sandbox-demo: %v\n", err)
		return ExitFailed
	}
	round, err := s.Keeper.CheckNow(env.Context)
	if err != nil {
		fmt.Fprintf(env.Stderr, "pagekeeper sandbox-demo: checking: %v\n", err)
		return ExitFailed
	}
	for _, p := range round.Pages {
		fmt.Fprintf(env.Stdout, "%s: %s\n", p.Name, keeper.StatusText(p.Status))
	}
	return ExitOK
}

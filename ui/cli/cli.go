// Package cli is Pagekeeper's terminal interface: the headless commands an
// account manager or a monitoring script runs instead of the window. It
// never imports Fyne. main hands it the command name, its arguments and an
// Env; it returns the process exit code.
package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"sort"
	"syscall"

	"github.com/pagekeeper/pagekeeper/keeper/setup"
)

// Exit codes (docs/COMMANDS.md).
const (
	ExitOK     = 0
	ExitFailed = 1 // the action failed, was refused or cancelled, or a Page needs the owner
	ExitUsage  = 2 // usage or setup error: nothing was done
)

// Env is what a command gets from main.
type Env struct {
	Stdout, Stderr io.Writer
	// Setup is how main's global flags open the data folder; a command's own
	// --sandbox flag switches it to the sandbox.
	Setup setup.Options
	// Context ends a running command; default: until SIGINT or SIGTERM.
	Context context.Context
}

// open opens the data folder the flags select.
func (env Env) open(sandbox bool) (*setup.Session, error) {
	o := env.Setup
	o.Sandbox = o.Sandbox || sandbox
	return setup.Open(env.Context, o)
}

// failOpen explains why the data folder could not be opened.
func failOpen(env Env, err error) int {
	fmt.Fprintf(env.Stderr, "pagekeeper: %v\n", err)
	return ExitUsage
}

type command struct {
	summary string
	run     func(args []string, env Env) int
}

var commands = map[string]command{
	"connect":        {"log in with Facebook and connect the Pages it reaches", runConnect},
	"renew":          {"renew the connection of some Pages (or --all) with a new login", runRenew},
	"disconnect":     {"disconnect a Page (needs --yes)", runDisconnect},
	"status":         {"show every Page's status, as last checked", runStatus},
	"log":            {"show one Page's facts and history", runLog},
	"export":         {"write the Pages and their history to a CSV file", runExport},
	"sandbox-server": {"serve the pretend Facebook on a local address for practice and tests", runSandboxServer},
	"sandbox-demo":   {"connect the sandbox's demo Pages (--break: and break one) for a demonstration", runSandboxDemo},
}

// IsCommand reports whether name is a headless command.
func IsCommand(name string) bool {
	_, ok := commands[name]
	return ok
}

// Usage lists the commands, one a line, for main's --help.
func Usage() string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	var s string
	for _, n := range names {
		s += fmt.Sprintf("  pagekeeper %-15s %s\n", n, commands[n].summary)
	}
	return s
}

// Run runs the command name with its arguments and returns the exit code.
func Run(name string, args []string, env Env) int {
	if env.Stdout == nil {
		env.Stdout = os.Stdout
	}
	if env.Stderr == nil {
		env.Stderr = os.Stderr
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(env.Stderr, "pagekeeper: unknown command %q. Commands:\n%s", name, Usage())
		return ExitUsage
	}
	if env.Context == nil {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		env.Context = ctx
	}
	return c.run(slices.Clone(args), env)
}

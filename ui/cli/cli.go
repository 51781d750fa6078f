// Package cli is Pagekeeper's terminal interface: the headless commands an
// account manager or a monitoring script runs instead of the window. It
// imports only keeper (never Fyne). main hands it the command name, its
// arguments and an Env; it returns the process exit code.
package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/pagekeeper/pagekeeper/keeper"
)

// Exit codes of every command (docs/COMMANDS.md; check's meanings are
// docs/MONITORING.md's). They never overlap: a script can tell a Page that
// needs its owner from a check that could not run, and both from a typo.
const (
	ExitOK          = 0  // done; check: every Page valid
	ExitFailed      = 1  // the action failed, was refused or cancelled; check: a Page needs the owner
	ExitCouldNotRun = 2  // nothing was done: the data folder or Facebook could not be used; check: could not check
	ExitUsage       = 64 // the command line is wrong (sysexits' EX_USAGE): nothing was done
)

// Env is what a command gets from main.
type Env struct {
	Stdout, Stderr io.Writer
	// Keeper is how main's global flags open the data folder; a command's
	// own --sandbox flag switches it to the sandbox.
	Keeper keeper.Options
	// Context ends a running command; default: until SIGINT or SIGTERM.
	Context context.Context
}

// open opens the data folder the flags select for the command name, which
// uses it as use says (a reading command never creates a folder; a changing
// one is refused when another process manages it).
func (env Env) open(name string, sandbox bool, use keeper.Use) (*keeper.Keeper, error) {
	return keeper.Open(env.Context, env.options(name, sandbox, use))
}

func (env Env) options(name string, sandbox bool, use keeper.Use) keeper.Options {
	o := env.Keeper
	o.Sandbox = o.Sandbox || sandbox
	o.Use, o.Command = use, "pagekeeper "+name
	return o
}

// failOpen explains why the data folder could not be opened.
func failOpen(env Env, err error) int {
	fmt.Fprintf(env.Stderr, "pagekeeper: %v\n", err)
	return ExitCouldNotRun
}

type command struct {
	name, summary string
	run           func(args []string, env Env) int
}

// commands are the headless commands, in the order --help lists them.
var commands = []command{
	{"connect", "log in with Facebook and connect the Pages it reaches", runConnect},
	{"renew", "renew the connection of some Pages (or --all) with a new login", runRenew},
	{"disconnect", "disconnect a Page (needs --yes)", runDisconnect},
	{"status", "show every Page's status, as last checked", runStatus},
	{"check", "check every connected Page now; exit 0 all valid, 1 a Page needs action, 2 could not check", runCheck},
	{"log", "show one Page's facts and history", runLog},
	{"export", "write the Pages and their history to a CSV file", runExport},
	{"sandbox-demo", "connect the sandbox's demo Pages (--break: and break one) for a demonstration", runSandboxDemo},
	{"acknowledge-reset", "acknowledge that the data was reset after a damaged file (status and check say so until then)", runAcknowledgeReset},
}

func find(name string) (command, bool) {
	i := slices.IndexFunc(commands, func(c command) bool { return c.name == name })
	if i < 0 {
		return command{}, false
	}
	return commands[i], true
}

// IsCommand reports whether name is a headless command.
func IsCommand(name string) bool {
	_, ok := find(name)
	return ok
}

// Usage lists the commands, one a line, for main's --help.
func Usage() string {
	var b strings.Builder
	for _, c := range commands {
		fmt.Fprintf(&b, "  pagekeeper %-15s %s\n", c.name, c.summary)
	}
	return b.String()
}

// Run runs the command name with its arguments and returns the exit code.
func Run(name string, args []string, env Env) int {
	if env.Stdout == nil {
		env.Stdout = os.Stdout
	}
	if env.Stderr == nil {
		env.Stderr = os.Stderr
	}
	c, ok := find(name)
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

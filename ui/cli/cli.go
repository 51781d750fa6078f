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
	// Stdin is where `settings set` and `integration add` read a secret
	// (nil = os.Stdin): never from the command line, which other users and
	// the shell's history can see.
	Stdin io.Reader
	// Keeper is how main's global flags open the data folder; a command's
	// own --sandbox flag switches it to the sandbox.
	Keeper keeper.Options
	// Context ends a running command; default: until SIGINT or SIGTERM.
	Context context.Context

	// lang is the language the command speaks: the system's until the
	// data folder is open, then the one chosen in Settings (opened).
	lang *keeper.Lang
}

// open opens the data folder the flags select for the command name, which
// uses it as use says (a reading command never creates a folder; a changing
// one is refused when another process manages it).
func (env Env) open(name string, sandbox bool, use keeper.Use) (*keeper.Keeper, error) {
	return env.openWith(env.options(name, sandbox, use))
}

// options are the keeper.Options of the command name.
func (env Env) options(name string, sandbox bool, use keeper.Use) keeper.Options {
	o := env.Keeper
	o.Sandbox = o.Sandbox || sandbox
	o.Use, o.Command = use, "pagekeeper "+name
	return o
}

// openWith opens the data folder with o, and speaks its language from then on.
func (env Env) openWith(o keeper.Options) (*keeper.Keeper, error) {
	k, err := keeper.Open(env.Context, o)
	if err == nil && env.lang != nil {
		*env.lang = k.Lang()
	}
	return k, err
}

// failOpen explains why the data folder could not be opened.
func failOpen(env Env, err error) int {
	fmt.Fprintf(env.Stderr, "pagekeeper: %s\n", env.errText(err))
	return ExitCouldNotRun
}

// language is what the command speaks now.
func (env Env) language() keeper.Lang {
	if env.lang == nil {
		return keeper.SystemLang()
	}
	return *env.lang
}

// tr is the command's own sentence key in its language; data fills its
// {{.Name}} placeholders (a test checks each key is in every bundle).
func (env Env) tr(key, english string, data ...map[string]any) string {
	return env.text(tr(key, english, data...))
}

// tr is the command's own sentence as a keeper.Text, for a sentence that
// is rendered later (in the command's language, or in English for JSON).
func tr(key, english string, data ...map[string]any) keeper.Text {
	t := keeper.Text{Key: key, Template: english}
	if len(data) > 0 {
		t.Data = data[0]
	}
	return t
}

// text is a keeper sentence in the command's language.
func (env Env) text(t keeper.Text) string { return t.In(env.language()) }

// errText is a failure in words: what happened and what to do.
func (env Env) errText(err error) string { return env.text(keeper.Describe(err)) }

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
	{"settings", "list, show or change a setting (secrets from standard input)", runSettings},
	{"integration", "add, list, test or remove the Messenger integrations that receive the Pages", runIntegration},
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
	if env.Stdin == nil {
		env.Stdin = os.Stdin
	}
	l := keeper.SystemLang()
	env.lang = &l
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

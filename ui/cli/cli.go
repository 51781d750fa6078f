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
)

// Exit codes.
const (
	ExitOK     = 0
	ExitFailed = 1 // the login failed, was cancelled or timed out
	ExitUsage  = 2 // usage or setup error
)

// Settings are the saved settings the commands need (main reads them from
// the data folder; the sandbox needs none).
type Settings struct {
	AppID        string
	GraphVersion string
	Ports        []int
	RelayURL     string // relay mode when set
	Business     bool   // also look for Pages of the person's businesses
	Language     string // callback page language; "" = the browser's
}

// Env is what a command gets from main.
type Env struct {
	Stdout, Stderr io.Writer
	// Settings loads the saved settings; nil means none are saved.
	Settings func(ctx context.Context) (Settings, error)
	// Sandbox is main's global --sandbox flag.
	Sandbox bool
	// Context ends a running command; default: until SIGINT or SIGTERM.
	Context context.Context
	// OpenBrowser replaces the system browser (tests).
	OpenBrowser func(url string) error
}

type command struct {
	summary string
	run     func(args []string, env Env) int
}

var commands = map[string]command{
	"connect":        {"log in with Facebook and list the Pages it reaches (nothing is saved)", runConnect},
	"sandbox-server": {"serve the pretend Facebook on a local address for practice and tests", runSandboxServer},
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

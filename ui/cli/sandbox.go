package cli

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/fb/login"
	"github.com/pagekeeper/pagekeeper/sandbox"
)

func runSandboxServer(args []string, env Env) int {
	fs := flag.NewFlagSet("pagekeeper sandbox-server", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	addr := fs.String("addr", "127.0.0.1:8765", "loopback address to serve the pretend Facebook on")
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: pagekeeper sandbox-server [--addr 127.0.0.1:PORT]\n\n"+
			"Serves the built-in pretend Facebook (login dialog, Graph API, admin routes) until\n"+
			"interrupted. It listens on this computer only.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "pagekeeper sandbox-server: unexpected argument %q\n", fs.Arg(0))
		return ExitUsage
	}
	host, _, err := net.SplitHostPort(*addr)
	if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
		fmt.Fprintf(env.Stderr, "pagekeeper sandbox-server: --addr %q must be a loopback address such as 127.0.0.1:8765\n", *addr)
		return ExitUsage
	}
	srv, err := sandbox.StartAt(*addr, sandbox.Options{Clock: sandbox.NewRunningClock(time.Now())})
	if err != nil {
		fmt.Fprintf(env.Stderr, "pagekeeper sandbox-server: cannot listen on %s: %v\n", *addr, err)
		return ExitUsage
	}
	defer srv.Close()

	redirect := fmt.Sprintf("http://localhost:%d%s", login.DefaultPorts[0], login.CallbackPath)
	q := url.Values{
		"client_id":    {srv.Fake.Options().AppID},
		"redirect_uri": {redirect},
		"state":        {"sample-state"},
		"scope":        {strings.Join(login.DefaultScopes, ",")},
	}
	fmt.Fprintf(env.Stdout, "Pagekeeper sandbox (pretend Facebook) at %s\n", srv.URL)
	fmt.Fprintf(env.Stdout, "App ID: %s\n", srv.Fake.Options().AppID)
	fmt.Fprintf(env.Stdout, "Login dialog: %s/%s/dialog/oauth?%s\n", srv.URL, fb.DefaultVersion, q.Encode())
	fmt.Fprintf(env.Stdout, "Admin: %s/_sandbox/status (faults: POST /_sandbox/fault, clock: POST /_sandbox/clock, counters: GET /_sandbox/stats)\n", srv.URL)
	fmt.Fprintln(env.Stdout, "Press Ctrl+C to stop.")
	<-env.Context.Done()
	fmt.Fprintln(env.Stdout, "Sandbox stopped.")
	return ExitOK
}

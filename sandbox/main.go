package sandbox

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"time"
)

// Exit codes of Main, as the headless commands' (docs/COMMANDS.md).
const (
	exitOK          = 0
	exitCouldNotRun = 2
	exitUsage       = 64
)

// The login Pagekeeper starts by default, for the sample dialog link Main
// prints (fb/login's defaults; sandbox cannot import fb, whose tests use it).
const (
	sampleRedirect = "http://localhost:47321/facebook/callback"
	sampleVersion  = "v25.0"
	sampleScopes   = "pages_show_list,pages_manage_metadata,pages_messaging,pages_read_engagement"
)

// Main is the `pagekeeper sandbox-server` command: it serves the pretend
// Facebook alone on a loopback address until ctx ends, and returns the exit
// code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("pagekeeper sandbox-server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8765", "loopback address to serve the pretend Facebook on")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: pagekeeper sandbox-server [--addr 127.0.0.1:PORT]\n\n"+
			"Serves the built-in pretend Facebook (login dialog, Graph API, admin routes) until\n"+
			"interrupted. It listens on this computer only.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "pagekeeper sandbox-server: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	host, _, err := net.SplitHostPort(*addr)
	if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
		fmt.Fprintf(stderr, "pagekeeper sandbox-server: --addr %q must be a loopback address such as 127.0.0.1:8765\n", *addr)
		return exitUsage
	}
	srv, err := StartAt(*addr, Options{Clock: NewRunningClock(time.Now())})
	if err != nil {
		fmt.Fprintf(stderr, "pagekeeper sandbox-server: cannot listen on %s: %v\n", *addr, err)
		return exitCouldNotRun
	}
	defer srv.Close()

	q := url.Values{
		"client_id":    {srv.Fake.Options().AppID},
		"redirect_uri": {sampleRedirect},
		"state":        {"sample-state"},
		"scope":        {sampleScopes},
	}
	fmt.Fprintf(stdout, "Pagekeeper sandbox (pretend Facebook) at %s\n", srv.URL)
	fmt.Fprintf(stdout, "App ID: %s\n", srv.Fake.Options().AppID)
	fmt.Fprintf(stdout, "Login dialog: %s/%s/dialog/oauth?%s\n", srv.URL, sampleVersion, q.Encode())
	fmt.Fprintf(stdout, "Admin: %s/_sandbox/status (faults: POST /_sandbox/fault, clock: POST /_sandbox/clock, counters: GET /_sandbox/stats)\n", srv.URL)
	fmt.Fprintln(stdout, "Press Ctrl+C to stop.")
	<-ctx.Done()
	fmt.Fprintln(stdout, "Sandbox stopped.")
	return exitOK
}

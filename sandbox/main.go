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

	"github.com/pagekeeper/pagekeeper/fb/login/relay"
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
	samplePort    = 27182 // login.DefaultPorts[0]
	sampleVersion = "v25.0"
	sampleScopes  = "pages_show_list,pages_manage_metadata,pages_messaging,pages_read_engagement"
)

// Main is the `pagekeeper sandbox-server` command: it serves the pretend
// Facebook alone on a loopback address until ctx ends, and returns the exit
// code. By default its app is what a real customer meets (Options' defaults);
// the flags choose the easier answers.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("pagekeeper sandbox-server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8765", "loopback address to serve the pretend Facebook on")
	appType := fs.String("app-type", string(AppBusiness), "the Meta app's type: business (Facebook Login for Business) or consumer")
	mode := fs.String("mode", string(ModeLive), "the app's mode: live or development")
	role := fs.String("app-role", string(RoleNone), "the role the people logging in have on the app: none, admin, developer or tester")
	var redirects []string
	fs.Func("redirect-uri", "also accept this redirect URI, as if registered in the App Dashboard (repeatable)", func(v string) error {
		if u, err := url.Parse(v); err != nil || !u.IsAbs() || u.Host == "" {
			return errors.New("not an absolute address")
		}
		redirects = append(redirects, v)
		return nil
	})
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: pagekeeper sandbox-server [--addr 127.0.0.1:PORT] [--app-type business|consumer]\n"+
			"       [--mode live|development] [--app-role none|admin|developer|tester] [--redirect-uri URL]\n\n"+
			"Serves the built-in pretend Facebook (login dialog, Graph API, admin routes) until\n"+
			"interrupted. It listens on this computer only. By default its app is what a real customer\n"+
			"meets: a Business app in Live mode whose users have no role on it, logging in with a\n"+
			"Facebook Login for Business configuration through an https relay page.\n\nFlags:\n")
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
	opts := Options{Clock: NewRunningClock(time.Now()), RegisteredRedirects: append([]string{DemoRelayURL}, redirects...)}
	var ok bool
	if opts.AppType, ok = ParseAppType(*appType); !ok {
		fmt.Fprintf(stderr, "pagekeeper sandbox-server: --app-type %q: use business or consumer\n", *appType)
		return exitUsage
	}
	if opts.Mode, ok = ParseMode(*mode); !ok {
		fmt.Fprintf(stderr, "pagekeeper sandbox-server: --mode %q: use live or development\n", *mode)
		return exitUsage
	}
	if opts.AppRole, ok = ParseAppRole(*role); !ok {
		fmt.Fprintf(stderr, "pagekeeper sandbox-server: --app-role %q: use none, admin, developer or tester\n", *role)
		return exitUsage
	}
	// The sample dialog goes through the relay, so its state carries the
	// loopback port as Pagekeeper's own logins do (relay.NewState).
	state, err := relay.NewState(samplePort)
	if err != nil {
		fmt.Fprintf(stderr, "pagekeeper sandbox-server: %v\n", err)
		return exitCouldNotRun
	}
	srv, err := StartAt(*addr, opts)
	if err != nil {
		fmt.Fprintf(stderr, "pagekeeper sandbox-server: cannot listen on %s: %v\n", *addr, err)
		return exitCouldNotRun
	}
	defer srv.Close()

	o := srv.Fake.Options()
	q := url.Values{"client_id": {o.AppID}, "redirect_uri": {DemoRelayURL}, "state": {state}}
	if o.AppType == AppBusiness {
		q.Set("config_id", DemoConfigID)
	} else {
		q.Set("scope", sampleScopes)
	}
	fmt.Fprintf(stdout, "Pagekeeper sandbox (pretend Facebook) at %s\n", srv.URL)
	fmt.Fprintf(stdout, "App ID: %s\n", o.AppID)
	fmt.Fprintf(stdout, "App: %s type, %s mode; the people logging in have %s\n", o.AppType, o.Mode, roleWords(o.AppRole))
	if o.AppType == AppBusiness {
		fmt.Fprintf(stdout, "Login configuration: %s\n", DemoConfigID)
	} else {
		fmt.Fprintln(stdout, "Login configuration: none (a consumer app's dialog takes scope)")
	}
	fmt.Fprintf(stdout, "Relay: %s (registered; browsers are sent to the same page at %s%s)\n", DemoRelayURL, srv.URL, relayPath)
	for _, r := range redirects {
		fmt.Fprintf(stdout, "Also registered: %s\n", r)
	}
	if o.Mode == ModeDevelopment {
		fmt.Fprintln(stdout, "Development mode: http://localhost redirects are allowed without registration.")
	}
	fmt.Fprintf(stdout, "Login dialog: %s/%s/dialog/oauth?%s\n", srv.URL, sampleVersion, q.Encode())
	fmt.Fprintf(stdout, "Admin: %s/_sandbox/status (faults: POST /_sandbox/fault, clock: POST /_sandbox/clock, counters: GET /_sandbox/stats, consent: POST /_sandbox/consent)\n", srv.URL)
	// The admin routes change the pretend Facebook: only whoever reads this
	// output may call them (a web page in the browser cannot).
	fmt.Fprintf(stdout, "Admin token: %s (send it as Authorization: Bearer <token>, with JSON bodies)\n", srv.AdminToken)
	fmt.Fprintln(stdout, "Press Ctrl+C to stop.")
	<-ctx.Done()
	fmt.Fprintln(stdout, "Sandbox stopped.")
	return exitOK
}

func roleWords(r AppRole) string {
	if r == RoleNone {
		return "no role on the app"
	}
	return "the " + string(r) + " role on the app"
}

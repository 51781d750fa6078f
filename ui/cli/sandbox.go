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
	"github.com/pagekeeper/pagekeeper/fb/login/relay"
	"github.com/pagekeeper/pagekeeper/sandbox"
)

func runSandboxServer(args []string, env Env) int {
	fs := flag.NewFlagSet("pagekeeper sandbox-server", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	addr := fs.String("addr", "127.0.0.1:8765", "loopback address to serve the pretend Facebook on")
	appType := fs.String("app-type", string(sandbox.AppBusiness), "the Meta app's type: business (Facebook Login for Business) or consumer")
	mode := fs.String("mode", string(sandbox.ModeLive), "the app's mode: live or development")
	role := fs.String("app-role", string(sandbox.RoleNone), "the role the people logging in have on the app: none, admin, developer or tester")
	var redirects []string
	fs.Func("redirect-uri", "also accept this redirect URI, as if registered in the App Dashboard (repeatable)", func(v string) error {
		if u, err := url.Parse(v); err != nil || !u.IsAbs() || u.Host == "" {
			return errors.New("not an absolute address")
		}
		redirects = append(redirects, v)
		return nil
	})
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: pagekeeper sandbox-server [--addr 127.0.0.1:PORT] [--app-type business|consumer]\n"+
			"       [--mode live|development] [--app-role none|admin|developer|tester] [--redirect-uri URL]\n\n"+
			"Serves the built-in pretend Facebook (login dialog, Graph API, admin routes) until\n"+
			"interrupted. It listens on this computer only. By default its app is what a real customer\n"+
			"meets: a Business app in Live mode whose users have no role on it, logging in with a\n"+
			"Facebook Login for Business configuration through an https relay page.\n\nFlags:\n")
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
	opts := sandbox.Options{Clock: sandbox.NewRunningClock(time.Now()), RegisteredRedirects: append([]string{sandbox.DemoRelayURL}, redirects...)}
	var ok bool
	if opts.AppType, ok = sandbox.ParseAppType(*appType); !ok {
		fmt.Fprintf(env.Stderr, "pagekeeper sandbox-server: --app-type %q: use business or consumer\n", *appType)
		return ExitUsage
	}
	if opts.Mode, ok = sandbox.ParseMode(*mode); !ok {
		fmt.Fprintf(env.Stderr, "pagekeeper sandbox-server: --mode %q: use live or development\n", *mode)
		return ExitUsage
	}
	if opts.AppRole, ok = sandbox.ParseAppRole(*role); !ok {
		fmt.Fprintf(env.Stderr, "pagekeeper sandbox-server: --app-role %q: use none, admin, developer or tester\n", *role)
		return ExitUsage
	}
	srv, err := sandbox.StartAt(*addr, opts)
	if err != nil {
		fmt.Fprintf(env.Stderr, "pagekeeper sandbox-server: cannot listen on %s: %v\n", *addr, err)
		return ExitUsage
	}
	defer srv.Close()

	o := srv.Fake.Options()
	state, err := relay.NewState(login.DefaultPorts[0])
	if err != nil {
		fmt.Fprintf(env.Stderr, "pagekeeper sandbox-server: %v\n", err)
		return ExitFailed
	}
	q := url.Values{"client_id": {o.AppID}, "redirect_uri": {sandbox.DemoRelayURL}, "state": {state}}
	if o.AppType == sandbox.AppBusiness {
		q.Set("config_id", sandbox.DemoConfigID)
	} else {
		q.Set("scope", strings.Join(login.DefaultScopes, ","))
	}
	out := env.Stdout
	fmt.Fprintf(out, "Pagekeeper sandbox (pretend Facebook) at %s\n", srv.URL)
	fmt.Fprintf(out, "App ID: %s\n", o.AppID)
	fmt.Fprintf(out, "App: %s type, %s mode; the people logging in have %s\n", o.AppType, o.Mode, roleWords(o.AppRole))
	if o.AppType == sandbox.AppBusiness {
		fmt.Fprintf(out, "Login configuration: %s\n", sandbox.DemoConfigID)
	} else {
		fmt.Fprintln(out, "Login configuration: none (a consumer app's dialog takes scope)")
	}
	fmt.Fprintf(out, "Relay: %s (registered; browsers are sent to the same page at %s/_sandbox/relay)\n", sandbox.DemoRelayURL, srv.URL)
	for _, r := range redirects {
		fmt.Fprintf(out, "Also registered: %s\n", r)
	}
	if o.Mode == sandbox.ModeDevelopment {
		fmt.Fprintln(out, "Development mode: http://localhost redirects are allowed without registration.")
	}
	fmt.Fprintf(out, "Login dialog: %s/%s/dialog/oauth?%s\n", srv.URL, fb.DefaultVersion, q.Encode())
	fmt.Fprintf(out, "Admin: %s/_sandbox/status (faults: POST /_sandbox/fault, clock: POST /_sandbox/clock, counters: GET /_sandbox/stats, consent: POST /_sandbox/consent)\n", srv.URL)
	// The admin routes change the pretend Facebook: only whoever reads this
	// output may call them (a web page in the browser cannot).
	fmt.Fprintf(out, "Admin token: %s (send it as Authorization: Bearer <token>, with JSON bodies)\n", srv.AdminToken)
	fmt.Fprintln(out, "Press Ctrl+C to stop.")
	<-env.Context.Done()
	fmt.Fprintln(out, "Sandbox stopped.")
	return ExitOK
}

func roleWords(r sandbox.AppRole) string {
	if r == sandbox.RoleNone {
		return "no role on the app"
	}
	return "the " + string(r) + " role on the app"
}

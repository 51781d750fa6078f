package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/fb/fakefb"
	"github.com/pagekeeper/pagekeeper/fb/login"
)

func runConnect(args []string, env Env) int {
	fs := flag.NewFlagSet("pagekeeper connect", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	noBrowser := fs.Bool("no-browser", false, "do not open a browser: print the link to open yourself")
	sandbox := fs.Bool("sandbox", env.Sandbox, "log in to the built-in pretend Facebook instead of the real one")
	business := fs.Bool("business", false, "also look for Pages owned through a Business portfolio (asks for business_management)")
	timeout := fs.Duration("timeout", login.DefaultTimeout, "how long to wait for the login")
	ports := fs.String("ports", "", "callback ports to try, comma-separated (default: the ports in Settings)")
	lang := fs.String("lang", "", "language of the pages shown in the browser: en or es (default: the browser's)")
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: pagekeeper connect [--no-browser] [--sandbox] [--business]\n\n"+
			"Logs in with Facebook and lists the Pages the login reaches, with whether each can be\n"+
			"connected. Nothing is saved. Exit status: 0 logged in, 1 login failed, cancelled or timed out,\n"+
			"2 usage or setup error.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "pagekeeper connect: unexpected argument %q\n", fs.Arg(0))
		return ExitUsage
	}
	ctx := env.Context

	var set Settings
	var graphURL, loginURL string
	if *sandbox {
		srv, err := fakefb.Start(fakefb.Options{Clock: fakefb.NewRunningClock(time.Now())})
		if err != nil {
			fmt.Fprintf(env.Stderr, "pagekeeper: could not start the sandbox: %v\n", err)
			return ExitUsage
		}
		defer srv.Close()
		set = Settings{AppID: srv.Fake.Options().AppID}
		graphURL, loginURL = srv.URL, srv.URL
		fmt.Fprintln(env.Stdout, "Sandbox: logging in to the built-in pretend Facebook (no real account is used).")
	} else {
		if env.Settings != nil {
			s, err := env.Settings(ctx)
			if err != nil {
				fmt.Fprintf(env.Stderr, "pagekeeper: could not read the settings: %v\n", err)
				return ExitUsage
			}
			set = s
		}
		if set.AppID == "" {
			fmt.Fprintln(env.Stderr, "pagekeeper: no Facebook App ID is set. Open Pagekeeper's Settings and enter your app's ID (or try --sandbox).")
			return ExitUsage
		}
	}
	set.Business = set.Business || *business
	if *lang != "" {
		set.Language = *lang
	}
	if *ports != "" {
		ps, err := parsePorts(*ports)
		if err != nil {
			fmt.Fprintf(env.Stderr, "pagekeeper connect: --ports: %v\n", err)
			return ExitUsage
		}
		set.Ports = ps
	}

	// A transport of this command's own, closed when it returns.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	client := fb.New(fb.Config{GraphURL: graphURL, LoginURL: loginURL, Version: set.GraphVersion, AppID: set.AppID,
		HTTPClient: &http.Client{Transport: tr}})
	cfg := login.Config{
		Client: client, Business: set.Business, Ports: set.Ports, RelayURL: set.RelayURL,
		Timeout: *timeout, Language: set.Language, OpenBrowser: env.OpenBrowser,
	}
	if *noBrowser {
		cfg.OpenBrowser = func(string) error { return errNoBrowserWanted }
	}
	s, err := login.Start(ctx, cfg)
	if err != nil {
		fmt.Fprintf(env.Stderr, "pagekeeper: %v\n", err)
		return ExitUsage
	}
	fmt.Fprintln(env.Stdout, "Open this link in a browser on this computer:")
	fmt.Fprintln(env.Stdout, s.URL())
	fmt.Fprintf(env.Stdout, "Waiting up to %s for Facebook… (Ctrl+C stops)\n", *timeout)
	if !*noBrowser {
		go func() {
			// Reported only if the login is still waiting; it never ends it.
			if err := <-s.BrowserErr(); err != nil {
				fmt.Fprintln(env.Stderr, "Could not open a browser: open the link above yourself.")
			}
		}()
	}
	res, err := s.Wait()
	if err != nil {
		fmt.Fprintln(env.Stderr, failureText(err))
		return ExitFailed
	}
	report(ctx, env.Stdout, client, res, set.Business)
	return ExitOK
}

var errNoBrowserWanted = errors.New("--no-browser")

func parsePorts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		p, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || p < 0 || p > 65535 {
			return nil, fmt.Errorf("%q is not a port number", f)
		}
		out = append(out, p)
	}
	return out, nil
}

// failureText says in plain words how the login ended.
func failureText(err error) string {
	var de *login.DialogError
	switch {
	case errors.Is(err, login.ErrCancelled):
		return "Login cancelled in Facebook's dialog. Nothing was changed."
	case errors.Is(err, login.ErrTimeout):
		return "Login timed out – try again."
	case errors.Is(err, context.Canceled):
		return "Login stopped. Nothing was changed."
	case errors.As(err, &de):
		return "Facebook stopped the login (" + de.Code + "). Try again; if it keeps happening, check the app's Facebook Login settings."
	}
	if e, ok := fb.AsError(err); ok {
		return "The Facebook login did not finish: " + e.Explanation() + " " + e.Action()
	}
	return "The Facebook login did not finish: " + err.Error()
}

// requiredPermissions are what a Page connection needs from the login.
var requiredPermissions = []string{"pages_show_list", "pages_manage_metadata", "pages_messaging"}

// whyNot says why a Page cannot be connected, "" when it can. The rules
// match keeper's (MESSAGING plus MANAGE or MODERATE, published, a Page token).
func whyNot(p fb.Page, declined []string) string {
	for _, perm := range requiredPermissions {
		if slices.Contains(declined, perm) {
			return "you declined the permission " + perm + " in Facebook's dialog; log in again and allow it"
		}
	}
	switch {
	case p.Problem != nil:
		return strings.TrimSpace(p.Problem.Explanation() + " " + p.Problem.Action())
	case p.AccessToken.IsZero():
		return "Facebook did not give Pagekeeper access to this Page; log in again and keep it selected in Facebook's dialog"
	case !p.HasTask("MESSAGING"):
		return "your role on this Page does not include messaging; ask a Page admin for full control (or the Messages task)"
	case !p.HasTask("MANAGE") && !p.HasTask("MODERATE"):
		return "your role on this Page cannot change its settings; ask a Page admin for full control (or the Moderate task)"
	case p.Published != nil && !*p.Published:
		return "the Page is unpublished, so Messenger does not work for it; publish it on Facebook first"
	}
	return ""
}

func listOrNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}

func report(ctx context.Context, w io.Writer, client *fb.Client, res *login.Result, business bool) {
	fmt.Fprintf(w, "Logged in as %s (Facebook ID %s).\n", res.User.Name, res.User.ID)
	fmt.Fprintf(w, "Permissions granted: %s\n", listOrNone(res.Granted))
	fmt.Fprintf(w, "Permissions declined: %s\n", listOrNone(res.Declined))
	pages, err := client.DiscoverPages(ctx, res.UserToken, fb.DiscoverOptions{Business: business})
	if err != nil {
		fmt.Fprintf(w, "Could not list the Pages: %s\n", failureText(err))
		return
	}
	if len(pages) == 0 {
		fmt.Fprintln(w, "No Pages found. Log in again and select your Pages in Facebook's dialog, or check that this account manages them.")
		return
	}
	fmt.Fprintf(w, "Pages found: %d\n", len(pages))
	for _, p := range pages {
		name := p.Name
		if name == "" {
			name = "(name not readable)"
		}
		fmt.Fprintf(w, "- %s (ID %s), tasks: %s\n", name, p.ID, listOrNone(p.Tasks))
		if why := whyNot(p, res.Declined); why != "" {
			fmt.Fprintf(w, "    cannot be connected: %s\n", why)
		} else {
			fmt.Fprintln(w, "    can be connected")
		}
	}
	fmt.Fprintln(w, "Nothing was saved. Connect Pages in the Pagekeeper window.")
}

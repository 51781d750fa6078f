package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pagekeeper/pagekeeper/keeper"
)

// The integration commands manage the Messenger integrations that receive
// the Pages (docs/INTEGRATION.md). A signing secret is never an argument
// (it would sit in the shell's history and the process list): it is read
// from standard input, or made with --new-secret and printed once.

const integrationUsage = `Usage: pagekeeper integration COMMAND [flags]

Commands:
  add NAME --url URL --recipient age1… [--new-secret]
                          add an integration; its signing secret is read from standard input
                          (or made with --new-secret and printed once)
  list [--json]           list the integrations, the Pages each receives and how deliveries go
  test NAME               send it a test event now and say what it answered
  change NAME [--url URL] [--recipient age1…]
                          change its address or public key (each Page is handed its token again
                          when the key changes)
  set-secret NAME         replace its signing secret (read from standard input)
  remove NAME [--move-pages-to OTHER | --unlink-pages]
                          remove it; its Pages go to OTHER (or to no integration) first

Every command takes --sandbox. The first integration added is the default for new Pages.
Exit status: 0 done, 1 refused or failed, 2 the data folder could not be opened, 64 wrong usage.
`

func runIntegration(args []string, env Env) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(env.Stderr, integrationUsage)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "add":
		return integrationAdd(args, env)
	case "list":
		return integrationList(args, env)
	case "test":
		return integrationTest(args, env)
	case "change":
		return integrationChange(args, env)
	case "set-secret":
		return integrationSetSecret(args, env)
	case "remove":
		return integrationRemove(args, env)
	}
	fmt.Fprintf(env.Stderr, "pagekeeper integration: %s\n%s", env.tr("cli.integration.unknown_command", "unknown command “{{.Command}}”", map[string]any{"Command": sub}), integrationUsage)
	return ExitUsage
}

// oneName parses flags and exactly one NAME.
func oneName(fs *flag.FlagSet, args []string, usage string, env Env) (name string, code int, ok bool) {
	if code, ok := parse(fs, args, usage, env); !ok {
		return "", code, false
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(env.Stderr, "%s: %s\n", fs.Name(), env.tr("cli.integration.one_name", "name exactly one integration (put a name with spaces in quotes)"))
		return "", ExitUsage, false
	}
	return fs.Arg(0), 0, true
}

// readSigningSecret reads an integration's signing secret from standard
// input (readSecret: without echo at a terminal, or piped in). ok is false
// when nothing usable was read; the reason is printed.
func readSigningSecret(env Env, command string) (sec keeper.Secret, ok bool) {
	typed, err := readSecret(env, env.tr("cli.integration.secret_name", "the integration's signing secret (whsec_…)"))
	if err != nil {
		fmt.Fprintf(env.Stderr, "%s: %s\n", command, env.errText(err))
		return keeper.Secret{}, false
	}
	if typed == "" {
		fmt.Fprintf(env.Stderr, "%s: %s\n", command, env.tr("cli.integration.no_secret",
			"no signing secret on standard input: pipe it in (pagekeeper integration add … < secret.txt), or use --new-secret"))
		return keeper.Secret{}, false
	}
	return keeper.NewSecret(typed), true
}

func integrationAdd(args []string, env Env) int {
	fs := flag.NewFlagSet("pagekeeper integration add", flag.ContinueOnError)
	sandbox := fs.Bool("sandbox", false, "use the sandbox data folder")
	url := fs.String("url", "", "where Pagekeeper delivers the events: https://…, or http:// to this computer")
	recipient := fs.String("recipient", "", "the integration's age public key (age1…), which Page tokens are sealed to")
	newSecret := fs.Bool("new-secret", false, "make a new signing secret and print it once, instead of reading one from standard input")
	name, code, ok := oneName(fs, args, "Usage: pagekeeper integration add NAME --url URL --recipient age1… [--new-secret] [--sandbox]\n\n"+
		"Adds an integration. Its signing secret is read from standard input (one line, whsec_…),\n"+
		"or made with --new-secret and printed once: give it to the integration. The first\n"+
		"integration added is the default for new Pages, and every connected Page that goes to no\n"+
		"integration goes to it (its token is handed over).\n", env)
	if !ok {
		return code
	}
	// The folder first: held by another process, it is refused before
	// anyone types a secret.
	k, err := env.open("integration add", *sandbox, keeper.UseChange)
	if err != nil {
		return failOpen(env, err)
	}
	defer k.Close()
	var secret keeper.Secret
	if *newSecret {
		secret = keeper.NewIntegrationSecret()
	} else if secret, ok = readSigningSecret(env, fs.Name()); !ok {
		return ExitUsage
	}
	if err := k.AddIntegration(env.Context, keeper.IntegrationSetup{Name: name, URL: *url, Recipient: *recipient, Secret: secret}, keeper.OSActor()); err != nil {
		fmt.Fprintf(env.Stderr, "pagekeeper integration add: %s\n", env.errText(err))
		return ExitFailed
	}
	fmt.Fprintln(env.Stdout, env.tr("cli.integration.added", "Added {{.Name}}.", map[string]any{"Name": strings.TrimSpace(name)}))
	if *newSecret {
		fmt.Fprintln(env.Stdout, env.tr("cli.integration.new_secret", "Its signing secret (shown only now; give it to the integration): {{.Secret}}",
			map[string]any{"Secret": secret.Reveal()}))
	}
	return deliverAndReport(env, k)
}

// deliverAndReport sends what is due and says where each Page stands with
// its integration; what could not be delivered is retried by whichever
// Pagekeeper runs next (the window, or a command such as check).
func deliverAndReport(env Env, k *keeper.Keeper) int {
	ctx, cancel := context.WithTimeout(env.Context, time.Minute)
	defer cancel()
	if _, err := k.DeliverDue(ctx); err != nil {
		fmt.Fprintf(env.Stderr, "pagekeeper: %s\n", env.errText(err))
	}
	sum, err := k.Pages(env.Context)
	if err != nil {
		return failOpen(env, err)
	}
	sum = sum.ByName()
	code := ExitOK
	if len(k.IntegrationNames()) == 0 && len(sum.Pages) > 0 {
		fmt.Fprintln(env.Stdout, env.tr("cli.status.no_integration", "No integration receives these Pages' messages (add one with `pagekeeper integration add`)."))
	}
	for _, p := range sum.Pages {
		in := p.Integration
		if in.Name == "" || p.Status == keeper.StatusDisconnected {
			continue
		}
		fmt.Fprintf(env.Stdout, "%s: %s\n", p.Name, env.text(in.Text()))
		if in.NeedsOwner() {
			code = ExitFailed
		}
	}
	return code
}

type integrationJSON struct {
	Name         string    `json:"name"`
	URL          string    `json:"url"`
	Recipient    string    `json:"recipient"`
	Default      bool      `json:"default"`
	HasSecret    bool      `json:"has_secret"`
	Removing     bool      `json:"removing,omitempty"`
	Pages        []string  `json:"pages"`
	Pending      int       `json:"pending"`
	FailingSince time.Time `json:"failing_since,omitzero"`
	Problem      string    `json:"problem,omitempty"`
	State        string    `json:"state"`
}

func integrationList(args []string, env Env) int {
	fs := flag.NewFlagSet("pagekeeper integration list", flag.ContinueOnError)
	sandbox := fs.Bool("sandbox", false, "use the sandbox data folder")
	asJSON := fs.Bool("json", false, "print JSON")
	if code, ok := parse(fs, args, "Usage: pagekeeper integration list [--json] [--sandbox]\n\n"+
		"Lists the integrations (the default first), the Pages each receives and how deliveries to it go.\n", env); !ok {
		return code
	}
	if !noArguments(fs, env, "integration list") {
		return ExitUsage
	}
	k, err := env.open("integration list", *sandbox, keeper.UseRead)
	if err != nil {
		return failOpen(env, err)
	}
	defer k.Close()
	list, err := k.Integrations(env.Context)
	if err != nil {
		return failOpen(env, err)
	}
	now := time.Now()
	if *asJSON {
		out := make([]integrationJSON, 0, len(list))
		for _, in := range list {
			j := integrationJSON{Name: in.Name, URL: in.URL, Recipient: in.Recipient, Default: in.Default, HasSecret: in.HasSecret,
				Removing: in.Removing, Pages: in.Pages, Pending: in.Pending, FailingSince: in.FailingSince,
				Problem: in.Problem.String(), State: in.State(now).String()}
			if j.Pages == nil {
				j.Pages = []string{}
			}
			out = append(out, j)
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(map[string]any{"integrations": out})
		return ExitOK
	}
	if len(list) == 0 {
		fmt.Fprintln(env.Stdout, env.tr("cli.integration.none", "No integration is set up: no integration receives the Pages' messages. Add one with `pagekeeper integration add`."))
		return ExitOK
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, env.tr("cli.integration.header", "INTEGRATION\tADDRESS\tPAGES\tSTATE"))
	for _, in := range list {
		name := in.Name
		if in.Default {
			name = env.tr("cli.integration.default", "{{.Name}} (default)", map[string]any{"Name": in.Name})
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", name, in.URL, len(in.Pages), env.text(in.State(now)))
	}
	_ = tw.Flush()
	return ExitOK
}

func integrationTest(args []string, env Env) int {
	fs := flag.NewFlagSet("pagekeeper integration test", flag.ContinueOnError)
	sandbox := fs.Bool("sandbox", false, "use the sandbox data folder")
	name, code, ok := oneName(fs, args, "Usage: pagekeeper integration test NAME [--sandbox]\n\n"+
		"Sends the integration a test event (integration.test) now and says what it answered.\n", env)
	if !ok {
		return code
	}
	// A test changes nothing: it runs beside the window too (recorded in
	// the history only by whoever manages the folder).
	k, err := env.open("integration test", *sandbox, keeper.UseRead)
	if err != nil {
		return failOpen(env, err)
	}
	defer k.Close()
	if err := k.TestIntegration(env.Context, name, keeper.OSActor()); err != nil {
		fmt.Fprintf(env.Stderr, "pagekeeper integration test: %s\n", env.errText(err))
		return ExitFailed
	}
	fmt.Fprintln(env.Stdout, env.tr("cli.integration.tested", "{{.Name}} received the test event.", map[string]any{"Name": strings.TrimSpace(name)}))
	return ExitOK
}

func integrationChange(args []string, env Env) int {
	fs := flag.NewFlagSet("pagekeeper integration change", flag.ContinueOnError)
	sandbox := fs.Bool("sandbox", false, "use the sandbox data folder")
	url := fs.String("url", "", "its new address")
	recipient := fs.String("recipient", "", "its new public key (age1…)")
	name, code, ok := oneName(fs, args, "Usage: pagekeeper integration change NAME [--url URL] [--recipient age1…] [--sandbox]\n\n"+
		"Changes an integration's address or public key; what waits for it is tried again at once.\n"+
		"A new key hands each of its Pages its token again, sealed to that key.\n", env)
	if !ok {
		return code
	}
	if *url == "" && *recipient == "" {
		fmt.Fprintln(env.Stderr, "pagekeeper integration change: "+env.tr("cli.integration.change_what", "give --url or --recipient (or both)"))
		return ExitUsage
	}
	k, err := env.open("integration change", *sandbox, keeper.UseChangeExisting)
	if err != nil {
		return failOpen(env, err)
	}
	defer k.Close()
	list, err := k.Integrations(env.Context)
	if err != nil {
		return failOpen(env, err)
	}
	setup := keeper.IntegrationSetup{Name: name, URL: *url, Recipient: *recipient}
	for _, in := range list {
		if strings.EqualFold(in.Name, strings.TrimSpace(name)) {
			setup.Name = in.Name
			if setup.URL == "" {
				setup.URL = in.URL
			}
			if setup.Recipient == "" {
				setup.Recipient = in.Recipient
			}
		}
	}
	if err := k.UpdateIntegration(env.Context, setup, keeper.OSActor()); err != nil {
		fmt.Fprintf(env.Stderr, "pagekeeper integration change: %s\n", env.errText(err))
		return ExitFailed
	}
	fmt.Fprintln(env.Stdout, env.tr("cli.integration.changed", "{{.Name}} is changed.", map[string]any{"Name": setup.Name}))
	return deliverAndReport(env, k)
}

func integrationSetSecret(args []string, env Env) int {
	fs := flag.NewFlagSet("pagekeeper integration set-secret", flag.ContinueOnError)
	sandbox := fs.Bool("sandbox", false, "use the sandbox data folder")
	name, code, ok := oneName(fs, args, "Usage: pagekeeper integration set-secret NAME [--sandbox] < secret.txt\n\n"+
		"Replaces the integration's signing secret with the one on standard input (an integration\n"+
		"IT preset arrives without one); what waited for it is delivered.\n", env)
	if !ok {
		return code
	}
	k, err := env.open("integration set-secret", *sandbox, keeper.UseChangeExisting)
	if err != nil {
		return failOpen(env, err)
	}
	defer k.Close()
	secret, ok := readSigningSecret(env, fs.Name())
	if !ok {
		return ExitUsage
	}
	if err := k.SetIntegrationSecret(env.Context, name, secret, keeper.OSActor()); err != nil {
		fmt.Fprintf(env.Stderr, "pagekeeper integration set-secret: %s\n", env.errText(err))
		return ExitFailed
	}
	fmt.Fprintln(env.Stdout, env.tr("cli.integration.secret_set", "The signing secret of {{.Name}} is saved in {{.Where}}.",
		map[string]any{"Name": strings.TrimSpace(name), "Where": env.text(k.SecretsPlace())}))
	return deliverAndReport(env, k)
}

func integrationRemove(args []string, env Env) int {
	fs := flag.NewFlagSet("pagekeeper integration remove", flag.ContinueOnError)
	sandbox := fs.Bool("sandbox", false, "use the sandbox data folder")
	moveTo := fs.String("move-pages-to", "", "send its Pages' messages to this integration first")
	unlink := fs.Bool("unlink-pages", false, "let no integration receive its Pages' messages")
	name, code, ok := oneName(fs, args, "Usage: pagekeeper integration remove NAME [--move-pages-to OTHER | --unlink-pages] [--sandbox]\n\n"+
		"Removes an integration. While it still receives Pages, say where their messages go: to\n"+
		"another integration (which is handed their tokens), or to none. It is told to forget each\n"+
		"Page, then deleted with its signing secret.\n", env)
	if !ok {
		return code
	}
	if *moveTo != "" && *unlink {
		fmt.Fprintln(env.Stderr, "pagekeeper integration remove: "+env.tr("cli.integration.remove_exclusive", "--move-pages-to and --unlink-pages exclude each other"))
		return ExitUsage
	}
	opts := keeper.RemoveOptions{MoveTo: *moveTo}
	if *unlink {
		opts.MoveTo = keeper.NoIntegration
	}
	k, err := env.open("integration remove", *sandbox, keeper.UseChangeExisting)
	if err != nil {
		return failOpen(env, err)
	}
	defer k.Close()
	if err := k.RemoveIntegration(env.Context, name, opts, keeper.OSActor()); err != nil {
		fmt.Fprintf(env.Stderr, "pagekeeper integration remove: %s\n", env.errText(err))
		if errors.Is(err, keeper.ErrIntegrationInUse) {
			fmt.Fprintln(env.Stderr, env.tr("cli.integration.remove_how", "Run again with --move-pages-to OTHER, or --unlink-pages."))
		}
		return ExitFailed
	}
	fmt.Fprintln(env.Stdout, env.tr("cli.integration.removed", "{{.Name}} is removed; it is told to forget its Pages.", map[string]any{"Name": strings.TrimSpace(name)}))
	ctx, cancel := context.WithTimeout(env.Context, time.Minute)
	defer cancel()
	if _, err := k.DeliverDue(ctx); err != nil {
		fmt.Fprintf(env.Stderr, "pagekeeper: %s\n", env.errText(err))
	}
	return ExitOK
}

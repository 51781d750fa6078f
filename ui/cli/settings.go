package cli

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/pagekeeper/pagekeeper/keeper"
)

// maxSecret bounds what `settings set` reads from standard input: a
// secret is a line, not a file.
const maxSecret = 4096

// runSettings lists, shows or changes the settings by the names of the IT
// preset, for IT and for a remote machine without the window. A change
// goes through keeper.UpdateSettings, as the window's Save does: the same
// checks, and it applies at once. Secrets are read from standard input,
// never the command line, and never shown.
func runSettings(args []string, env Env) int {
	fs := flag.NewFlagSet("pagekeeper settings", flag.ContinueOnError)
	sandbox := fs.Bool("sandbox", false, "use the sandbox data folder")
	if code, ok := parse(fs, args, "Usage: pagekeeper settings [list | get KEY | set KEY VALUE] [--sandbox]\n\n"+
		"Lists every setting (list, the default), prints one (get) or changes one (set), by the\n"+
		"names of the IT preset (docs/PACKAGING.md): app_id, graph_version, redirect_mode,\n"+
		"login_config_id, ports, relay_url, business_pages, check_interval, reminder_interval,\n"+
		"could_not_check_alert_after, owners, smtp.host, smtp.port, smtp.username, smtp.from,\n"+
		"smtp.security, language, and the secrets app_secret and smtp.password. A change is\n"+
		"checked as the window's Settings checks it and applies at once. A secret is read from\n"+
		"standard input (typed without echo at a terminal, or piped), never from the command\n"+
		"line, and list and get only say whether it is set. Exit status: 0 done, 1 a value was\n"+
		"refused or could not be saved (nothing changed), 2 the data folder could not be opened,\n"+
		"64 wrong usage.\n", env); !ok {
		return code
	}
	verb, rest := "list", fs.Args()
	if len(rest) > 0 {
		verb, rest = rest[0], rest[1:]
	}
	var setting keeper.Setting
	switch {
	case verb == "list" && len(rest) == 0:
	case verb == "get" && len(rest) == 1, verb == "set" && len(rest) >= 1:
		var err error
		if setting, err = keeper.SettingByKey(rest[0]); err != nil {
			fmt.Fprintln(env.Stderr, "pagekeeper settings: "+env.errText(err))
			return ExitUsage
		}
	default:
		fs.Usage()
		return ExitUsage
	}
	key, secret := setting.Key, setting.Secret
	if verb == "set" && secret && len(rest) > 1 {
		fmt.Fprintln(env.Stderr, "pagekeeper settings: "+env.tr("cli.settings.secret_argv",
			"a secret is never taken from the command line, where other users and the shell's history can see it. Run `pagekeeper settings set {{.Key}}` and type it, or pipe it in: `pagekeeper settings set {{.Key}} < file`. Nothing was changed.",
			map[string]any{"Key": key}))
		return ExitUsage
	}
	// Reading never creates a folder; a change may be the first thing IT
	// does on a new machine (the App ID before any Page is connected).
	use := keeper.UseRead
	if verb == "set" {
		use = keeper.UseChange
	}
	k, err := env.open("settings "+verb, *sandbox, use)
	if err != nil {
		return failOpen(env, err)
	}
	defer k.Close()
	switch verb {
	case "list":
		return listSettings(env, k)
	case "get":
		if secret {
			fmt.Fprintln(env.Stdout, secretState(env, k, key))
			return ExitOK
		}
		v, err := k.Settings().Get(key)
		if err != nil {
			fmt.Fprintln(env.Stderr, "pagekeeper settings: "+env.errText(err))
			return ExitFailed
		}
		fmt.Fprintln(env.Stdout, v)
		return ExitOK
	}
	return setSetting(env, k, setting, strings.Join(rest[1:], " "))
}

// listSettings prints every setting and its value; a secret only as set
// or not set.
func listSettings(env Env, k *keeper.Keeper) int {
	s := k.Settings()
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	for _, set := range keeper.SettingKeys() {
		var v string
		switch {
		case set.Secret:
			v = secretState(env, k, set.Key)
		default:
			var err error
			if v, err = s.Get(set.Key); err != nil {
				v = env.errText(err)
			}
		}
		if v == "" {
			v = env.tr("cli.settings.empty", "(not set)")
			if set.Key == "language" {
				v = env.tr("cli.settings.system_language", "(not set: the system's, {{.Language}})",
					map[string]any{"Language": languageName(keeper.SystemLang())})
			}
		}
		fmt.Fprintf(tw, "%s\t%s\n", set.Key, v)
	}
	_ = tw.Flush()
	return ExitOK
}

func languageName(l keeper.Lang) string {
	for _, x := range keeper.Languages {
		if x.Code == string(l) {
			return x.Name
		}
	}
	return string(l)
}

// secretState says whether the secret key is saved, never what it is.
func secretState(env Env, k *keeper.Keeper, key string) string {
	saved, err := k.SecretSaved(key)
	switch {
	case err != nil:
		return env.tr("cli.settings.secret_unreadable", "could not be read: {{.Why}}", map[string]any{"Why": keeper.Describe(err)})
	case saved:
		return env.tr("cli.settings.secret_set", "set")
	}
	return env.tr("cli.settings.secret_not_set", "not set")
}

// setSetting changes one setting (a secret: from standard input) and puts
// it into effect through UpdateSettings.
func setSetting(env Env, k *keeper.Keeper, setting keeper.Setting, value string) int {
	key := setting.Key
	s := k.Settings()
	var sec keeper.Secrets
	if setting.Secret {
		typed, err := readSecret(env, key)
		if err != nil {
			fmt.Fprintln(env.Stderr, "pagekeeper settings: "+env.errText(err))
			return ExitFailed
		}
		if typed == "" {
			fmt.Fprintln(env.Stderr, "pagekeeper settings: "+env.tr("cli.settings.secret_empty",
				"nothing was read from standard input, so nothing was changed."))
			return ExitFailed
		}
		if err := sec.Set(key, keeper.NewSecret(typed)); err != nil {
			fmt.Fprintln(env.Stderr, "pagekeeper settings: "+env.errText(err))
			return ExitUsage
		}
	} else if err := s.Set(key, value); err != nil {
		fmt.Fprintln(env.Stderr, "pagekeeper settings: "+env.tr("cli.settings.refused", "{{.Key}} was not changed: {{.Why}}",
			map[string]any{"Key": key, "Why": keeper.Describe(err)}))
		return ExitFailed
	}
	if err := k.UpdateSettings(env.Context, s, sec); err != nil {
		fmt.Fprintln(env.Stderr, "pagekeeper settings: "+env.tr("cli.settings.refused", "{{.Key}} was not changed: {{.Why}}",
			map[string]any{"Key": key, "Why": keeper.Describe(err)}))
		return ExitFailed
	}
	if env.lang != nil {
		*env.lang = k.Lang() // a new language speaks at once
	}
	if setting.Secret {
		fmt.Fprintln(env.Stdout, env.tr("cli.settings.secret_saved", "{{.Key}} is saved in {{.Where}} and applies at once.",
			map[string]any{"Key": key, "Where": env.text(k.SecretsPlace())}))
		return ExitOK
	}
	now, _ := k.Settings().Get(key)
	fmt.Fprintln(env.Stdout, env.tr("cli.settings.saved", "{{.Key}} is now “{{.Value}}” and applies at once.", map[string]any{"Key": key, "Value": now}))
	return ExitOK
}

// readSecret reads a secret's one line from standard input: typed without
// echo at a terminal (asked for on standard error), or piped in.
func readSecret(env Env, key string) (string, error) {
	if f, ok := env.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(env.Stderr, env.tr("cli.settings.type_secret", "Type {{.Key}} (it is not shown), then press Enter: ", map[string]any{"Key": key}))
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(env.Stderr)
		return strings.TrimSpace(string(b)), err
	}
	line, err := bufio.NewReader(io.LimitReader(env.Stdin, maxSecret)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimSpace(line), nil
}

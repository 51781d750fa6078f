package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pagekeeper/pagekeeper/keeper"
	"github.com/pagekeeper/pagekeeper/store"
)

// settingsCmd runs `pagekeeper settings args…` on the folder o opens, with
// stdin as standard input.
func settingsCmd(t *testing.T, o keeper.Options, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run("settings", args, Env{Stdout: &out, Stderr: &errOut, Stdin: strings.NewReader(stdin),
		Context: context.Background(), Keeper: o})
	return code, out.String(), errOut.String()
}

func TestSettingsListGetAndSet(t *testing.T) {
	o := keeper.Options{Dir: filepath.Join(t.TempDir(), "Pagekeeper"), Keyring: store.NewMemoryKeyring()}
	// Reading never creates a data folder (a mistyped --data-dir).
	if code, _, errOut := settingsCmd(t, o, "", "list"); code != ExitCouldNotRun || !strings.Contains(errOut, "There is no Pagekeeper data in "+o.Dir) {
		t.Fatalf("list on no data: exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(o.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("list created the folder: %v", err)
	}
	// A change may be the first thing IT does on a new machine.
	if code, _, errOut := settingsCmd(t, o, "", "set", "check_interval", "1h"); code != ExitOK {
		t.Fatalf("set on a new folder: exit %d: %s", code, errOut)
	}
	code, out, errOut := settingsCmd(t, o, "")
	if code != ExitOK {
		t.Fatalf("list: exit %d: %s", code, errOut)
	}
	for _, s := range keeper.SettingKeys() {
		if !strings.Contains(out, s.Key) {
			t.Errorf("list lacks %s:\n%s", s.Key, out)
		}
	}
	for _, want := range []string{`app_secret +not set\n`, `smtp.password +not set\n`, `check_interval +1h\n`, `ports +27182, 27183, 27184\n`,
		`smtp.port +\(not set\)\n`, `language +\(not set: the system's, English\)\n`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("list lacks %s:\n%s", want, out)
		}
	}

	// A change is checked and put into effect; get reads it back.
	for _, c := range []struct{ key, value, want string }{
		{"ports", "47400,47401", "47400, 47401"},
		{"owners", "Ana Rivera <ana@example.com>, ben@example.com", "Ana Rivera <ana@example.com>, ben@example.com"},
		{"smtp.port", "465", "465"},
		{"check_interval", "30m", "30m"},
		{"app_id", "1234567890", "1234567890"},
	} {
		code, out, errOut := settingsCmd(t, o, "", "set", c.key, c.value)
		if code != ExitOK || !strings.Contains(out, c.key+" is now “"+c.want+"”") {
			t.Fatalf("set %s: exit %d: %s %s", c.key, code, out, errOut)
		}
		if code, out, _ := settingsCmd(t, o, "", "get", c.key); code != ExitOK || out != c.want+"\n" {
			t.Errorf("get %s: exit %d: %q, want %q", c.key, code, out, c.want)
		}
	}
	// Words that are not quoted are one value: owners as a person types them.
	if code, _, errOut := settingsCmd(t, o, "", "set", "smtp.from", "Pagekeeper", "<alerts@example.com>"); code != ExitOK {
		t.Fatalf("set smtp.from in two words: %s", errOut)
	}

	// A wrong value is refused in words and changes nothing.
	code, out, errOut = settingsCmd(t, o, "", "set", "ports", "80")
	if code != ExitFailed || !strings.Contains(errOut, "ports was not changed: Port 80 is outside 1024–65535.") || out != "" {
		t.Fatalf("a port below 1024: exit %d: %q %q", code, out, errOut)
	}
	code, _, errOut = settingsCmd(t, o, "", "set", "redirect_mode", "relay") // relay mode needs its page
	if code != ExitFailed || !strings.Contains(errOut, "Relay mode needs the https:// address") {
		t.Fatalf("relay mode without its page: exit %d: %s", code, errOut)
	}
	if _, out, _ := settingsCmd(t, o, "", "get", "ports"); out != "47400, 47401\n" {
		t.Errorf("a refused value changed the setting: %q", out)
	}
	code, _, errOut = settingsCmd(t, o, "", "set", "app_idd", "1")
	if code != ExitUsage || !strings.Contains(errOut, "There is no setting “app_idd”") || !strings.Contains(errOut, "smtp.password") {
		t.Fatalf("an unknown setting: exit %d: %s", code, errOut)
	}
	for _, args := range [][]string{{"get"}, {"set"}, {"list", "x"}, {"remove", "app_id"}} {
		if code, _, _ := settingsCmd(t, o, "", args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
	}
}

// Secrets come from standard input, are never shown, and never from the
// command line.
func TestSettingsSecretsFromStandardInputOnly(t *testing.T) {
	const secret = "s3cr3t-app-secret"
	o := keeper.Options{Dir: t.TempDir(), Keyring: store.NewMemoryKeyring()}
	code, out, errOut := settingsCmd(t, o, "", "set", "app_secret", secret)
	if code != ExitUsage || strings.Contains(out+errOut, secret) || !strings.Contains(errOut, "never taken from the command line") {
		t.Fatalf("a secret on the command line: exit %d: %q %q", code, out, errOut)
	}
	code, _, errOut = settingsCmd(t, o, secret+"\n", "set", "app_secret")
	if code != ExitFailed || !strings.Contains(errOut, "Enter the App ID first") {
		t.Fatalf("a secret without its App ID: exit %d: %s", code, errOut)
	}
	if code, _, errOut := settingsCmd(t, o, "", "set", "app_id", "1234567890"); code != ExitOK {
		t.Fatal(errOut)
	}
	if code, _, errOut := settingsCmd(t, o, "", "set", "app_secret"); code != ExitFailed || !strings.Contains(errOut, "nothing was read") {
		t.Fatalf("nothing on standard input: exit %d: %s", code, errOut)
	}
	code, out, errOut = settingsCmd(t, o, secret+"\n", "set", "app_secret")
	if code != ExitOK || !strings.Contains(out, "app_secret is saved in the system keyring") {
		t.Fatalf("set app_secret: exit %d: %s %s", code, out, errOut)
	}
	code, out, _ = settingsCmd(t, o, "", "get", "app_secret")
	if code != ExitOK || out != "set\n" {
		t.Errorf("get app_secret: %q", out)
	}
	_, list, _ := settingsCmd(t, o, "", "list")
	if !regexp.MustCompile(`app_secret +set\n`).MatchString(list) || !regexp.MustCompile(`smtp.password +not set\n`).MatchString(list) ||
		strings.Contains(list, secret) {
		t.Errorf("list:\n%s", list)
	}
	if _, out, _ := settingsCmd(t, o, "", "get", "smtp.password"); out != "not set\n" {
		t.Errorf("get smtp.password: %q", out)
	}
}

// While the window manages the folder, a change is refused and says who to ask.
func TestSettingsRefusedToAViewer(t *testing.T) {
	o := keeper.Options{Dir: t.TempDir(), Keyring: store.NewMemoryKeyring()}
	manager, err := keeper.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	defer manager.Close()
	// Refused before anything is read or asked, naming the window that holds the folder.
	code, _, errOut := settingsCmd(t, o, "", "set", "app_id", "1234567890")
	if code != ExitCouldNotRun || !strings.Contains(errOut, "Pagekeeper is already managing these Pages") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if code, out, _ := settingsCmd(t, o, "", "get", "check_interval"); code != ExitOK || out != "1h\n" {
		t.Errorf("a viewer still reads the settings: %d %q", code, out)
	}
}

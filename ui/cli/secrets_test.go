package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"filippo.io/age"

	"github.com/pagekeeper/pagekeeper/integration"
	"github.com/pagekeeper/pagekeeper/integration/receiver"
	"github.com/pagekeeper/pagekeeper/keeper"
	"github.com/pagekeeper/pagekeeper/store"
)

// keyringlessEnv makes this test binary, started again, run one command
// (the JSON {"dir":…, "args":[…]}) as Pagekeeper does on a computer
// without a system keyring, started with --allow-key-file.
const keyringlessEnv = "PAGEKEEPER_CLI_TEST_KEYRINGLESS"

// TestHelperKeyringlessProcess is that process. Its keyring fails as
// go-keyring does without D-Bus; it never touches this computer's keyring.
func TestHelperKeyringlessProcess(t *testing.T) {
	raw := os.Getenv(keyringlessEnv)
	if raw == "" {
		t.Skip("child process only")
	}
	var job struct {
		Dir  string
		Args []string
	}
	if err := json.Unmarshal([]byte(raw), &job); err != nil {
		t.Fatal(err)
	}
	kr := store.NewMemoryKeyring()
	kr.FailWith(errors.New(`exec: "dbus-launch": executable file not found in $PATH`))
	so := keeper.Options{Dir: job.Dir, Keyring: kr, AllowKeyFile: true,
		Logf: func(format string, args ...any) { fmt.Fprintf(os.Stderr, "log: "+format+"\n", args...) }}
	os.Exit(Run(job.Args[0], job.Args[1:], Env{Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin, Context: context.Background(), Keeper: so}))
}

// runKeyringless runs one command in its own process on dir.
func runKeyringless(t *testing.T, dir, stdin string, args ...string) (int, string, string) {
	t.Helper()
	job, _ := json.Marshal(map[string]any{"dir": dir, "args": args})
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperKeyringlessProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), keyringlessEnv+"="+string(job))
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode(), out.String(), errOut.String()
	case err != nil:
		t.Fatal(err)
	}
	return 0, out.String(), errOut.String()
}

// On a computer without a system keyring, IT sets the secrets with the
// commands, each in its own process: each is saved in the data folder
// (sealed), said so, read back by the next process and used (the
// integration accepts the signed test event); no command logs about the
// keyring, and no file in the folder holds a secret in plaintext.
func TestSecretsOnAComputerWithoutAKeyring(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	signing := integration.NewSecret()
	var mu sync.Mutex
	var tests int
	rcv, err := receiver.New(receiver.Options{Secret: signing, Identity: id, Handle: func(_ context.Context, d receiver.Delivery) (receiver.Ack, error) {
		mu.Lock()
		defer mu.Unlock()
		if d.Event.Type == integration.IntegrationTest {
			tests++
		}
		return receiver.Ack{}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rcv)
	defer srv.Close()

	dir := filepath.Join(t.TempDir(), "data")
	const appSecret, smtpPassword = "cli-test-app-secret-93b1e7", "cli-test-smtp-password-1c0d"
	steps := []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"settings", "set", "app_id", "1234567890123456"}, "applies at once"},
		{"", []string{"settings", "set", "smtp.username", "alerts"}, "applies at once"},
		{appSecret + "\n", []string{"settings", "set", "app_secret"}, "app_secret is saved in the data folder (sealed with the data key in its key file)"},
		{smtpPassword + "\n", []string{"settings", "set", "smtp.password"}, "smtp.password is saved in the data folder"},
		{signing.Reveal() + "\n", []string{"integration", "add", "Support Bot", "--url", srv.URL + "/pagekeeper", "--recipient", id.Recipient().String()}, "Added Support Bot."},
		{signing.Reveal() + "\n", []string{"integration", "set-secret", "Support Bot"}, "The signing secret of Support Bot is saved in the data folder"},
		{"", []string{"integration", "test", "Support Bot"}, "Support Bot received the test event."},
		{"", []string{"settings", "list"}, "app_secret"},
	}
	var last string
	for _, s := range steps {
		code, out, errOut := runKeyringless(t, dir, s.stdin, s.args...)
		if code != ExitOK || !strings.Contains(out, s.want) {
			t.Fatalf("%v: exit %d\nstdout: %s\nstderr: %s", s.args, code, out, errOut)
		}
		if strings.Contains(errOut, "keyring") {
			t.Errorf("%v logs about the keyring on a key-file folder:\n%s", s.args, errOut)
		}
		for _, secret := range []string{appSecret, smtpPassword, signing.Reveal()} {
			if strings.Contains(out+errOut, secret) {
				t.Fatalf("%v printed a secret", s.args)
			}
		}
		last = out
	}
	for _, key := range []string{"app_secret", "smtp.password"} {
		if !strings.Contains(last, key) || !strings.Contains(strings.SplitN(last[strings.Index(last, key):], "\n", 2)[0], "set") {
			t.Errorf("settings list does not say %s is set:\n%s", key, last)
		}
	}
	mu.Lock()
	got := tests
	mu.Unlock()
	if got != 1 {
		t.Fatalf("the integration accepted %d signed test events, want 1", got)
	}
	files := 0
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		for _, secret := range []string{appSecret, smtpPassword, signing.Reveal(), strings.TrimPrefix(signing.Reveal(), "whsec_")} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s holds a secret in plaintext", p)
			}
		}
		return nil
	})
	if err != nil || files < 2 {
		t.Fatalf("scanned %d files: %v", files, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "pagekeeper.key")); err != nil {
		t.Fatalf("no key file: %v", err)
	}
}

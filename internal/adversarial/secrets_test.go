package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The scan finds every known secret wherever it sits in a file, whatever
// its length, and nothing else.
func TestSecretSetFindsEverySecret(t *testing.T) {
	ss := newSecretSet()
	long := "EAA" + strings.Repeat("x9Y", 59)
	ss.add(long, "fake-app-secret", "AQ0123456789abcdef", "short")
	file := []byte("prefix\x00" + long + "\ncode=AQ0123456789abcdef&x fake-app-secret" + "EAA" + strings.Repeat("x9Y", 10))
	found := ss.find(file)
	want := map[string]bool{long: true, "fake-app-secret": true, "AQ0123456789abcdef": true}
	if len(found) != len(want) {
		t.Fatalf("found %q", found)
	}
	for _, f := range found {
		if !want[f] {
			t.Fatalf("found %q, not a secret in the file", f)
		}
	}
	if got := ss.find([]byte("EAA" + strings.Repeat("x9Y", 58))); len(got) != 0 {
		t.Fatalf("a prefix of a secret counted as the secret: %q", got)
	}
}

// A pretend Facebook's saved state gives its tokens and codes.
func TestSecretsFromState(t *testing.T) {
	ss := newSecretSet()
	ss.addFromState([]byte(`{"tokens":[{"value":"EAAtoken1234567890"}],"codes":[{"code":"AQcode1234567890"}]}`))
	if ss.len() != 2 || len(ss.find([]byte("..EAAtoken1234567890..AQcode1234567890"))) != 2 {
		t.Fatalf("%d secrets", ss.len())
	}
}

// Sandbox Bot's key and signing secret belong in its two secret files
// (readable only by their owner) and nowhere else.
func TestSandboxBotSecretsBelongOnlyInTheirFiles(t *testing.T) {
	work := t.TempDir()
	bot := filepath.Join(work, "001-demo", "sandbox-bot")
	if err := os.MkdirAll(bot, 0o700); err != nil {
		t.Fatal(err)
	}
	key := "AGE-SECRET-KEY-1" + strings.Repeat("Q", 58)
	secret := "whsec_" + strings.Repeat("a", 43)
	write := func(path, text string, mode os.FileMode) {
		t.Helper()
		if err := os.WriteFile(path, []byte(text), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(bot, "key.txt"), "# created: 2026-11-01T09:00:00Z\n# public key: age1xyz\n"+key+"\n", 0o600)
	write(filepath.Join(bot, "secret.txt"), secret+"\n", 0o600)
	write(filepath.Join(bot, "integration-example.db"), "sealed only", 0o600)
	scan := func() []string {
		s := newSuite("", work, 1)
		s.scanDir(work)
		if s.fig.BotSecretFiles != 2 || s.secrets.len() != 2 {
			t.Fatalf("%d secret files, %d secrets", s.fig.BotSecretFiles, s.secrets.len())
		}
		return s.fig.Failures
	}
	if f := scan(); len(f) != 0 {
		t.Fatalf("in their own files: %q", f)
	}
	write(filepath.Join(work, "001-demo", "pagekeeper.db"), "x"+secret+"x", 0o600)
	write(filepath.Join(bot, "integration-example.db"), "x"+key+"x", 0o600)
	if f := scan(); len(f) != 2 || !strings.Contains(f[0]+f[1], "pagekeeper.db holds 1 secret") ||
		!strings.Contains(f[0]+f[1], "integration-example.db holds 1 secret") {
		t.Fatalf("leaked: %q", f)
	}
	write(filepath.Join(work, "001-demo", "pagekeeper.db"), "", 0o600)
	write(filepath.Join(bot, "integration-example.db"), "", 0o600)
	write(filepath.Join(bot, "secret.txt"), secret+"\n", 0o644)
	if f := scan(); len(f) != 1 || !strings.Contains(f[0], "readable by others") {
		t.Fatalf("a loose secret file: %q", f)
	}
}

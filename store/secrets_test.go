package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/internal/secretscan"
)

const (
	appSecret  = "APPSECRET-5f0c1e9a77d2"
	smtpPass   = "SMTPPASS-hunter2-b81d"
	signSecret = "whsec_SIGNINGSECRET4f2a9c"
)

var errNoKeyring = errors.New("exec: \"dbus-launch\": executable file not found in $PATH")

// keyFileOpts is a folder on a computer without a system keyring, where
// the person agreed to the key file.
func keyFileOpts(e *env) Options {
	e.kr.FailWith(errNoKeyring)
	o := e.opts()
	o.AllowKeyFile = true
	return o
}

func mustOpen(t *testing.T, o Options) *Store {
	t.Helper()
	s, err := Open(context.Background(), o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func setSecrets(t *testing.T, kr Keyring) {
	t.Helper()
	for name, v := range map[string]string{"app-secret:1234": appSecret, "smtp:alerts": smtpPass, "integration-secret:Support Bot": signSecret} {
		if err := kr.Set("Pagekeeper", name, v); err != nil {
			t.Fatalf("Set %s: %v", name, err)
		}
	}
}

func wantSecret(t *testing.T, kr Keyring, name, want string) {
	t.Helper()
	got, err := kr.Get("Pagekeeper", name)
	if err != nil || got != want {
		t.Errorf("Get %s = (%d bytes, %v), want the saved secret", name, len(got), err)
	}
}

func secretRows(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM secrets`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// On a computer without a keyring the secrets are sealed in the database:
// they survive a reopen and a backup, and no file in the folder holds one.
func TestFolderKeyringSealsSecretsWithTheKeyFile(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	o := keyFileOpts(e)
	s := mustOpen(t, o)
	if !s.KeyInFile() {
		t.Fatal("KeyInFile is false with the key in the key file")
	}
	setSecrets(t, s.FolderKeyring())
	if _, err := s.Backup(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	secretscan.AssertNowhereOnDisk(t, e.dir, 5, appSecret, smtpPass, signSecret) // .db, -wal, -shm, key, backup
	s.Close()

	s2 := mustOpen(t, o)
	kr := s2.FolderKeyring()
	wantSecret(t, kr, "app-secret:1234", appSecret)
	wantSecret(t, kr, "smtp:alerts", smtpPass)
	wantSecret(t, kr, "integration-secret:Support Bot", signSecret)
	if _, err := kr.Get("Pagekeeper", "smtp:someone-else"); !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("Get of a name never saved: %v, want ErrKeyNotFound", err)
	}
	if err := kr.Delete("Pagekeeper", "smtp:alerts"); err != nil {
		t.Fatal(err)
	}
	if _, err := kr.Get("Pagekeeper", "smtp:alerts"); !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("Get after Delete: %v", err)
	}
	if err := kr.Delete("Pagekeeper", "smtp:alerts"); !errors.Is(err, ErrKeyNotFound) {
		t.Errorf("second Delete: %v, want ErrKeyNotFound", err)
	}
	s2.Close()
	secretscan.AssertNowhereOnDisk(t, e.dir, 3, appSecret, smtpPass, signSecret)
}

// Each sealed secret is bound to its name: a row copied under another
// name does not open.
func TestFolderSecretBoundToItsName(t *testing.T) {
	e := newEnv(t)
	s := mustOpen(t, keyFileOpts(e))
	setSecrets(t, s.FolderKeyring())
	if _, err := s.db.Exec(`UPDATE secrets SET sealed = (SELECT sealed FROM secrets WHERE name = 'app-secret:1234') WHERE name = 'smtp:alerts'`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FolderKeyring().Get("Pagekeeper", "smtp:alerts"); !errors.Is(err, ErrSecretUnreadable) {
		t.Errorf("a secret moved to another name: %v, want ErrSecretUnreadable", err)
	}
}

func TestKeyInFileIsFalseWithAKeyring(t *testing.T) {
	e := newEnv(t)
	s := e.open(t)
	if s.KeyInFile() {
		t.Error("KeyInFile with the data key in the keyring")
	}
}

// A backup restored into a folder whose key file differs carries secrets
// that cannot be read (said plainly, and set again); restored into its
// own folder, they come back.
func TestRestoredSecretsOpenOnlyWithTheirKey(t *testing.T) {
	ctx := context.Background()
	a := newEnv(t)
	s := mustOpen(t, keyFileOpts(a))
	setSecrets(t, s.FolderKeyring())
	backup, err := s.Backup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FolderKeyring().Set("Pagekeeper", "app-secret:1234", "changed-later"); err != nil {
		t.Fatal(err)
	}
	if err := s.Restore(ctx, backup); err != nil {
		t.Fatal(err)
	}
	wantSecret(t, s.FolderKeyring(), "app-secret:1234", appSecret)
	s.Close()

	b := newEnv(t)
	sb := mustOpen(t, keyFileOpts(b)) // its own key file
	sb.Close()
	if err := RestoreFrom(b.dir, backup); err != nil {
		t.Fatal(err)
	}
	sb = mustOpen(t, keyFileOpts(b))
	_, err = sb.FolderKeyring().Get("Pagekeeper", "integration-secret:Support Bot")
	if !errors.Is(err, ErrSecretUnreadable) {
		t.Fatalf("a secret sealed with another folder's key: %v, want ErrSecretUnreadable", err)
	}
	if err := sb.FolderKeyring().Set("Pagekeeper", "integration-secret:Support Bot", "whsec_new"); err != nil {
		t.Fatal(err)
	}
	wantSecret(t, sb.FolderKeyring(), "integration-secret:Support Bot", "whsec_new")
}

// A keyring that was out of reach for a while (the folder went to the key
// file) and is back: the keyring's key is used again, and what was sealed
// under the key file meanwhile still opens.
func TestKeyringBackAfterKeyFileStillOpensWhatTheFileSealed(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.open(t) // key in the keyring
	addPage(t, s, "1", "A")
	s.Close()

	s = mustOpen(t, keyFileOpts(e)) // the keyring fails: a key file is made
	if !s.KeyInFile() {
		t.Fatal("KeyInFile false while the keyring fails")
	}
	setSecrets(t, s.FolderKeyring())
	if err := s.SaveToken(ctx, "1", token.New("EAAG-during")); err != nil {
		t.Fatal(err)
	}
	s.Close()

	e.kr.FailWith(nil) // back
	s = e.open(t)
	if s.KeyInFile() {
		t.Error("KeyInFile true although the keyring holds the key again")
	}
	wantSecret(t, s.FolderKeyring(), "smtp:alerts", smtpPass)
	if tok, err := s.Token(ctx, "1"); err != nil || !tok.Equal(token.New("EAAG-during")) {
		t.Errorf("token sealed under the key file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(e.dir, keyFileName)); err != nil {
		t.Errorf("the key file must stay: %v", err)
	}
}

// A viewer reads the folder's secrets but writes none.
func TestFolderKeyringReadOnly(t *testing.T) {
	e := newEnv(t)
	o := keyFileOpts(e)
	s := mustOpen(t, o)
	setSecrets(t, s.FolderKeyring())
	o.ReadOnly = true
	v := mustOpen(t, o)
	if !v.KeyInFile() {
		t.Error("viewer: KeyInFile false")
	}
	wantSecret(t, v.FolderKeyring(), "app-secret:1234", appSecret)
	if err := v.FolderKeyring().Set("Pagekeeper", "app-secret:1234", "x"); err == nil {
		t.Error("a read-only store saved a secret")
	}
	wantSecret(t, s.FolderKeyring(), "app-secret:1234", appSecret)
	if n := secretRows(t, s); n != 3 {
		t.Errorf("%d rows, want 3", n)
	}
}

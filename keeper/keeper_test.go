package keeper

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pagekeeper/pagekeeper/store"
)

func TestSecondOpenIsAReadOnlyViewerNamingTheManager(t *testing.T) {
	dir := t.TempDir()
	kr := store.NewMemoryKeyring()
	ctx := context.Background()
	first, err := Open(ctx, Options{Dir: dir, Keyring: kr})
	if err != nil {
		t.Fatal(err)
	}
	if _, ro := first.ReadOnly(); ro {
		t.Fatal("the first process must manage the folder")
	}
	second, err := Open(ctx, Options{Dir: dir, Keyring: kr})
	if err != nil {
		t.Fatal(err)
	}
	holder, ro := second.ReadOnly()
	if !ro {
		t.Fatal("a second process must only view")
	}
	if holder.PID != os.Getpid() || !strings.Contains(holder.String(), holder.Host) {
		t.Fatalf("holder = %+v", holder)
	}
	if _, err := second.Pages(ctx); err != nil {
		t.Fatalf("a viewer can still read: %v", err)
	}
	if err := second.Close(); err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	// Once the manager has gone, the next process manages.
	third, err := Open(ctx, Options{Dir: dir, Keyring: kr})
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	if _, ro := third.ReadOnly(); ro {
		t.Fatal("the lock should have been released")
	}
}

func TestKeyringProblemIsReportedAsKeyringError(t *testing.T) {
	kr := store.NewMemoryKeyring()
	kr.FailWith(errors.New("no secret service"))
	_, err := Open(context.Background(), Options{Dir: t.TempDir(), Keyring: kr})
	var ke *KeyringError
	if !errors.As(err, &ke) {
		t.Fatalf("err = %v, want *KeyringError", err)
	}
}

func TestAViewerThatCannotOpenSaysWhyAndWhoManages(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	kr := store.NewMemoryKeyring()
	k, err := Open(ctx, Options{Dir: dir, Keyring: kr})
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	// A newer Pagekeeper wrote the data, and it manages the folder now.
	db, err := sql.Open("sqlite", filepath.Join(dir, "pagekeeper.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	lock, err := store.AcquireLock(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()

	_, err = Open(ctx, Options{Dir: dir, Keyring: kr})
	if !errors.Is(err, ErrNewerVersion) {
		t.Fatalf("err = %v, want the real reason: a newer Pagekeeper's data", err)
	}
	if !strings.Contains(err.Error(), "manages these Pages") {
		t.Fatalf("the error should name the manager too: %v", err)
	}
}

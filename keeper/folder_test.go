package keeper

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pagekeeper/pagekeeper/store"
)

// Issue 16 item 11: with the folder held by another process, every changing
// use is refused the same way, naming the holder, before anything is asked
// of a person; a reading use views the folder.
func TestAHeldFolderRefusesChangesAndViewsReads(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	kr := store.NewMemoryKeyring()
	k, err := Open(ctx, Options{Dir: dir, Keyring: kr})
	if err != nil {
		t.Fatal(err)
	}
	k.Close()
	lock, err := store.AcquireLockFor(dir, "pagekeeper connect")
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	for _, use := range []Use{UseChange, UseChangeExisting} {
		_, err := Open(ctx, Options{Dir: dir, Keyring: kr, Use: use, Command: "pagekeeper renew"})
		var held *LockHeldError
		if !errors.As(err, &held) || held.Manager.Command != "pagekeeper connect" || !strings.Contains(err.Error(), "`pagekeeper connect` run by") {
			t.Fatalf("use %d: %v", use, err)
		}
	}
	for _, use := range []Use{UseWindow, UseRead} {
		v, err := Open(ctx, Options{Dir: dir, Keyring: kr, Use: use})
		if err != nil {
			t.Fatalf("use %d: %v", use, err)
		}
		holder, ro := v.ReadOnly()
		if !ro || holder.Command != "pagekeeper connect" {
			t.Fatalf("use %d: %+v %v", use, holder, ro)
		}
		v.Close()
	}
}

// Issue 16 item 6: the reading uses never create a data folder.
func TestReadingUsesNeedData(t *testing.T) {
	ctx := context.Background()
	typo := filepath.Join(t.TempDir(), "Pagekeper")
	for _, use := range []Use{UseRead, UseChangeExisting} {
		_, err := Open(ctx, Options{Dir: typo, Keyring: store.NewMemoryKeyring(), Use: use})
		if err == nil || !strings.Contains(err.Error(), "There is no Pagekeeper data in "+typo) {
			t.Fatalf("use %d: %v", use, err)
		}
		if _, err := os.Stat(typo); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("use %d created the folder", use)
		}
	}
}

// Issue 16 item 10: settings still holding the old default ports move to
// the new ones once, with an event; a person's later choice stays.
func TestOldDefaultPortsMoveOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	kr := store.NewMemoryKeyring()
	s, err := store.Open(ctx, store.Options{Dir: dir, Keyring: kr})
	if err != nil {
		t.Fatal(err)
	}
	old := DefaultSettings()
	old.Ports = []int{47321, 47322, 47323}
	if err := s.SetSetting(ctx, settingsKey, old); err != nil {
		t.Fatal(err)
	}
	s.Close()
	k, err := Open(ctx, Options{Dir: dir, Keyring: kr})
	if err != nil {
		t.Fatal(err)
	}
	if got := k.Settings().Ports; !slices.Equal(got, []int{27182, 27183, 27184}) {
		t.Fatalf("ports %v", got)
	}
	log, err := k.store.Events(ctx, "", 0)
	if err != nil || !slices.ContainsFunc(log, func(e store.Event) bool { return strings.Contains(e.Detail, "moved from 47321–47323") }) {
		t.Fatalf("no event says the ports moved: %v", err)
	}
	set := k.Settings()
	set.Ports = []int{47321, 47322, 47323} // chosen again, knowingly
	if err := k.UpdateSettings(ctx, set, Secrets{}); err != nil {
		t.Fatal(err)
	}
	k.Close()
	if k, err = Open(ctx, Options{Dir: dir, Keyring: kr}); err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if got := k.Settings().Ports; !slices.Equal(got, []int{47321, 47322, 47323}) {
		t.Fatalf("a person's choice was moved again: %v", got)
	}
	// The new defaults lie outside every platform's ephemeral range.
	for _, p := range DefaultSettings().Ports {
		if p >= 32768 {
			t.Fatalf("default port %d is in an ephemeral range", p)
		}
	}
}

// Issue 16 item 6: a reset says when, how many Pages were lost and what to
// do, until acknowledged.
func TestDataResetUntilAcknowledged(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	kr := store.NewMemoryKeyring()
	k, err := Open(ctx, Options{Dir: dir, Keyring: kr})
	if err != nil {
		t.Fatal(err)
	}
	k.Close()
	db, err := sql.Open("sqlite", filepath.Join(dir, "pagekeeper.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA user_version = 1"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	var ce *CorruptError
	if _, err := Open(ctx, Options{Dir: dir, Keyring: kr, Use: UseRead}); !errors.As(err, &ce) {
		t.Fatalf("%v", err)
	}
	k, err = Open(ctx, Options{Dir: dir, Keyring: kr, Use: UseRead})
	if err != nil {
		t.Fatal(err)
	}
	r, found, err := k.DataReset(ctx)
	if err != nil || !found || r.PagesLost != 0 {
		t.Fatalf("%+v %v %v", r, found, err)
	}
	text := r.Text().String()
	for _, want := range []string{"Pagekeeper's data was reset on ", r.MovedTo, "it held no connected Page", "acknowledge"} {
		if !strings.Contains(text, want) {
			t.Errorf("the reset's text lacks %q: %s", want, text)
		}
	}
	if err := k.AcknowledgeReset(ctx, Actor{OSUser: "ana"}); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := k.DataReset(ctx); found {
		t.Fatal("still reported after the acknowledgement")
	}
	k.Close()
}

package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 16 item 11: a schema version of 0 or 1 under a newer file's tables
// gave SQLite's "SQL logic error". Such a file is damaged: it is moved aside
// whole, before any backup or upgrade touches it, and the message says why.
func TestASchemaVersionBelowTheTablesIsDamage(t *testing.T) {
	ctx := context.Background()
	for _, v := range []string{"0", "1", "-1"} {
		e := newEnv(t)
		path, _ := populated(t, e, false)
		db := rawDB(t, path)
		if _, err := db.Exec("PRAGMA user_version = " + v); err != nil {
			t.Fatal(err)
		}
		db.Close()
		before, _ := os.ReadFile(path)
		_, err := Open(ctx, e.opts())
		var ce *CorruptError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), "its schema version ("+v+") does not match its tables") ||
			strings.Contains(err.Error(), "SQL logic error") {
			t.Fatalf("version %s: %v", v, err)
		}
		moved, _ := os.ReadFile(ce.MovedTo)
		if string(moved) != string(before) {
			t.Fatalf("version %s: the file moved aside is not the file as it was", v)
		}
		if bs, _ := ListBackups(e.dir); len(bs) > 0 {
			t.Fatalf("version %s: a mismatched file was backed up as if sound: %v", v, bs)
		}
	}
}

// Issue 16 item 6: after a damaged file is moved aside, the store that
// starts afresh keeps a notice (when, where the file went, how many Pages it
// held) until a person acknowledges it.
func TestAResetIsReportedUntilAcknowledged(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	path, _ := populated(t, e, false)
	db := rawDB(t, path)
	if _, err := db.Exec("PRAGMA user_version = 1"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	var ce *CorruptError
	if _, err := Open(ctx, e.opts()); !errors.As(err, &ce) {
		t.Fatalf("%v", err)
	}
	pending, ok := PendingReset(e.dir)
	if !ok || pending.PagesLost != 20 || pending.MovedTo != filepath.Base(ce.MovedTo) {
		t.Fatalf("the note before the fresh start: %+v %v", pending, ok)
	}
	// A reading open finds the note and starts afresh (never a new folder).
	o := e.opts()
	o.NeedData, o.KeepPermissions = true, true
	s, err := Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // and again after a reopen
		n, found, err := s.ResetNotice(ctx)
		if err != nil || !found || n.PagesLost != 20 || n.MovedTo != pending.MovedTo || !n.At.Equal(pending.At) {
			t.Fatalf("the notice: %+v %v %v", n, found, err)
		}
		s.Close()
		if s, err = Open(ctx, e.opts()); err != nil {
			t.Fatal(err)
		}
	}
	defer s.Close()
	if err := s.AcknowledgeReset(ctx, Event{ActorOSUser: "ana", Kind: "storage_reset_acknowledged", Detail: "Acknowledged"}); err != nil {
		t.Fatal(err)
	}
	if _, found, err := s.ResetNotice(ctx); found || err != nil {
		t.Fatalf("the notice after the acknowledgement: %v %v", found, err)
	}
	evs, err := s.Events(ctx, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if evs[0].Kind != "storage_reset_acknowledged" || evs[0].ActorOSUser != "ana" {
		t.Fatalf("the newest event: %+v", evs[0])
	}
	if err := s.AcknowledgeReset(ctx, Event{ActorOSUser: "ana", Kind: "storage_reset_acknowledged", Detail: "Acknowledged"}); err != nil {
		t.Fatalf("acknowledging nothing: %v", err)
	}
}

// A file the engine cannot read at all loses an unknown number of Pages
// unless a verified backup tells.
func TestPagesLostComeFromTheNewestBackupWhenTheFileIsUnreadable(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	path, _ := populated(t, e, true)
	if err := os.Truncate(path, 50); err != nil {
		t.Fatal(err)
	}
	var ce *CorruptError
	if _, err := Open(ctx, e.opts()); !errors.As(err, &ce) {
		t.Fatalf("%v", err)
	}
	if n, ok := PendingReset(e.dir); !ok || n.PagesLost != 20 {
		t.Fatalf("%+v %v", n, ok)
	}
}

// The manager lock names the command holding it, so a reader can say who.
func TestLockNamesItsCommand(t *testing.T) {
	dir := t.TempDir()
	l, err := AcquireLockFor(dir, "pagekeeper connect")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	info, err := readLockInfo(filepath.Join(dir, lockFileName))
	if err != nil || info.Command != "pagekeeper connect" {
		t.Fatalf("%+v %v", info, err)
	}
	e := &LockHeldError{Holder: info}
	if !strings.HasPrefix(e.Error(), "Another Pagekeeper command is using these Pages: `pagekeeper connect` run by ") ||
		!strings.Contains(e.Error(), "Wait until it ends") {
		t.Fatalf("%q", e.Error())
	}
}

// A changing command learns before asking anyone anything that nothing can
// be saved (a read-only open stands in for a full disk here).
func TestCheckWritable(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.open(t)
	if err := s.CheckWritable(ctx); err != nil {
		t.Fatal(err)
	}
	s.Close()
	o := e.opts()
	o.ReadOnly = true
	ro, err := Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if err := ro.CheckWritable(ctx); !isWriteError(err, WriteReadOnly) {
		t.Fatalf("%v", err)
	}
}

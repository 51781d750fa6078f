package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// listing describes a folder's mode and entries, to see it unchanged.
func listing(t *testing.T, dir string) string {
	t.Helper()
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := fi.Mode().String()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		out += " " + e.Name()
	}
	return out
}

// Issue 16 item 1: --data-dir /tmp turned /tmp into 0700 and wrote into it,
// as root --data-dir / did the same to /. A shared folder and a folder of
// someone else's files are refused, with why, and left as they were.
func TestFoldersThatAreNotPagekeepersAreRefusedAndLeftAlone(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	shared := filepath.Join(base, "tmp")
	if err := os.Mkdir(shared, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(base, "home")
	if err := os.Mkdir(home, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".bashrc"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ dir, why string }{
		{shared, "shared folder"},
		{home, `already holds other files (".bashrc") and no Pagekeeper data`},
	} {
		before := listing(t, c.dir)
		e := newEnv(t)
		e.dir = c.dir
		_, err := Open(ctx, e.opts())
		var fe *FolderError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), c.why) || !strings.Contains(err.Error(), c.dir) {
			t.Errorf("%s: %v, want a FolderError saying %q", c.dir, err, c.why)
		}
		if after := listing(t, c.dir); after != before {
			t.Errorf("%s changed: %s → %s", c.dir, before, after)
		}
	}
}

// Issue 16 item 6: status, check, log and export never create a folder or
// a database; a folder without Pagekeeper's data is "no Pagekeeper data".
func TestReadingNeverCreatesAFolder(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	o := e.opts()
	o.NeedData, o.KeepPermissions = true, true
	_, err := Open(ctx, o)
	var nd *NoDataError
	if !errors.As(err, &nd) || !strings.Contains(err.Error(), "There is no Pagekeeper data in "+e.dir) {
		t.Fatalf("a missing folder: %v", err)
	}
	if _, err := os.Stat(e.dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the folder was created: %v", err)
	}
	if err := os.Mkdir(e.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, o); !errors.As(err, &nd) {
		t.Fatalf("an empty folder: %v", err)
	}
	if entries, _ := os.ReadDir(e.dir); len(entries) > 0 {
		t.Fatalf("an empty folder got %v", entries)
	}
}

// Only a folder that holds nothing but Pagekeeper's files is made private,
// and never by the commands that only read; a folder with Pagekeeper's data
// among a person's files is used as it is.
func TestOnlyPagekeepersOwnFolderIsTightened(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.open(t).Close()
	if err := os.Chmod(e.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ro := e.opts()
	ro.NeedData, ro.KeepPermissions = true, true
	s, err := Open(ctx, ro)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if got := mode(t, e.dir); got != 0o755 {
		t.Fatalf("a reading open changed the folder to %o", got)
	}
	s, err = Open(ctx, e.opts())
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if got := mode(t, e.dir); got != 0o700 {
		t.Fatalf("Pagekeeper's own folder is %o after a changing open, want 700", got)
	}
	if err := os.WriteFile(filepath.Join(e.dir, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(e.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, e.opts())
	if err != nil {
		t.Fatalf("Pagekeeper's data among a person's files: %v", err)
	}
	s.Close()
	if got := mode(t, e.dir); got != 0o755 {
		t.Fatalf("a folder holding a person's files was changed to %o", got)
	}
}

// An empty folder given is Pagekeeper's from then on; a file is not a folder.
func TestEmptyFolderIsUsedAndAFileRefused(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	if err := os.Mkdir(e.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.dir, ".DS_Store"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	e.open(t).Close()
	if got := mode(t, e.dir); got != 0o700 {
		t.Fatalf("an empty folder given is %o, want 700", got)
	}
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	e.dir = f
	var fe *FolderError
	if _, err := Open(ctx, e.opts()); !errors.As(err, &fe) || !strings.Contains(err.Error(), "is a file") {
		t.Fatalf("a file: %v", err)
	}
}

package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

func TestFullDiskIsAClearWriteError(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.open(t)
	addPage(t, s, "1", "A")
	var pages int
	if err := s.db.QueryRow("PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// Every connection may use no more pages than the file has now: the
	// next growth fails with SQLITE_FULL, as on a full disk.
	o := e.opts()
	o.extraPragmas = []string{"max_page_count(" + strconv.Itoa(pages) + ")"}
	s, err := Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Update(ctx, func(tx *Tx) error {
		if err := tx.UpsertPage(Page{ID: "2", Name: "half-written?"}); err != nil {
			return err
		}
		_, err := tx.AppendEvent(Event{Kind: "big", Detail: strings.Repeat("x", 1<<20)})
		return err
	})
	if !isWriteError(err, WriteDiskFull) {
		t.Fatalf("want WriteError(disk full), got %v", err)
	}
	if want := "Pagekeeper could not save: the disk is full. Free some space; nothing was changed."; err.Error() != want {
		t.Errorf("message %q", err)
	}
	if _, err := s.Page(ctx, "2"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the page of the failed transaction exists: %v", err)
	}
	if ps, err := s.Pages(ctx); err != nil || len(ps) != 1 {
		t.Errorf("reads after a full disk: %d %v", len(ps), err)
	}
	integrityCheck(t, s.db)
}

func TestReadOnlyFolderIsAClearWriteError(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.open(t)
	addPage(t, s, "1", "A")
	if err := s.SaveToken(ctx, "1", token.New("EAAG-ro")); err != nil {
		t.Fatal(err)
	}
	s.Close()

	o := e.opts()
	if os.Geteuid() == 0 {
		// root ignores file modes, and a read-only bind mount needs
		// privileges a test should not use: simulate the read-only folder
		// with SQLite's mode=ro, which fails writes with SQLITE_READONLY
		// exactly as a read-only file does.
		o.ReadOnly = true
	} else {
		path := filepath.Join(e.dir, dbFileName)
		os.Chmod(path, 0o444)
		os.Chmod(e.dir, 0o555)
		t.Cleanup(func() { os.Chmod(e.dir, 0o700); os.Chmod(path, 0o600) })
		o.ReadOnly = true // a viewer; an unprivileged Open(rw) would also fail to tighten modes
	}
	ro, err := Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	err = ro.UpsertPage(ctx, Page{ID: "2", Name: "B"})
	if !isWriteError(err, WriteReadOnly) {
		t.Fatalf("want WriteError(read-only), got %v", err)
	}
	if !strings.Contains(err.Error(), "the data folder is read-only") || !strings.Contains(err.Error(), "nothing was changed") {
		t.Errorf("message %q", err)
	}
	if ps, err := ro.Pages(ctx); err != nil || len(ps) != 1 {
		t.Errorf("reads: %d %v", len(ps), err)
	}
	if tok, err := ro.Token(ctx, "1"); err != nil || !tok.Equal(token.New("EAAG-ro")) {
		t.Errorf("token in read-only mode: %v", err)
	}
}

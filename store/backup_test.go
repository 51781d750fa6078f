package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

func TestBackupWhileWritingIsConsistent(t *testing.T) {
	ctx := context.Background()
	s := newEnv(t).open(t)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var writeErr error
	wrote := make(chan struct{}, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 1; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			// One event and the counter in one transaction: any consistent
			// snapshot has count(tick events) == ticks.
			err := s.Update(ctx, func(tx *Tx) error {
				if _, err := tx.AppendEvent(Event{Kind: "tick", Detail: fmt.Sprint(n)}); err != nil {
					return err
				}
				return tx.SetSetting("ticks", n)
			})
			if err != nil {
				writeErr = err
				return
			}
			select {
			case wrote <- struct{}{}:
			default:
			}
		}
	}()
	var paths []string
	for range 3 {
		<-wrote // at least one more write since the last backup
		p, err := s.Backup(ctx)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	close(stop)
	wg.Wait()
	if writeErr != nil {
		t.Fatal(writeErr)
	}
	for _, p := range paths {
		info, err := VerifyBackup(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		db := rawDB(t, p)
		integrityCheck(t, db)
		var events, ticks int
		if err := db.QueryRow("SELECT (SELECT count(*) FROM events WHERE kind = 'tick'), (SELECT coalesce((SELECT value FROM settings WHERE key = 'ticks'), 0))").Scan(&events, &ticks); err != nil {
			t.Fatal(err)
		}
		if events != ticks || events == 0 || int64(events) != info.Events {
			t.Errorf("%s: %d events but counter %d (info %d)", filepath.Base(p), events, ticks, info.Events)
		}
		if mode(t, p) != 0o600 {
			t.Errorf("backup mode %o", mode(t, p))
		}
	}
}

func TestBackupRotationAndLeftoverTemp(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	o := e.opts()
	o.KeepBackups = 3
	s, err := Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// An interrupted earlier backup left a non-empty temp file: VACUUM
	// INTO would refuse it.
	bdir := filepath.Join(e.dir, backupDirName)
	os.MkdirAll(bdir, 0o700)
	os.WriteFile(filepath.Join(bdir, backupTmpName), []byte("half a backup"), 0o600)
	var made []string
	for i := range 5 {
		addPage(t, s, fmt.Sprint(i), "p")
		p, err := s.Backup(ctx)
		if err != nil {
			t.Fatalf("backup %d: %v", i, err)
		}
		made = append(made, p)
	}
	list, err := s.Backups()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 {
		t.Fatalf("kept %d backups, want 3", len(list))
	}
	for i, b := range list {
		if b.Path != made[len(made)-1-i] {
			t.Errorf("backup %d is %s, want %s (newest first)", i, b.Path, made[len(made)-1-i])
		}
	}
	if exists(filepath.Join(bdir, backupTmpName)) {
		t.Error("temp file left behind")
	}
	// Same timestamp twice (frozen clock) still gives distinct, ordered names.
	frozen := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s.opts.Now = func() time.Time { return frozen }
	a, _ := s.Backup(ctx)
	b, _ := s.Backup(ctx)
	if a == b || a == "" {
		t.Fatalf("same-time backups: %q %q", a, b)
	}
}

func TestRestoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.open(t)
	addPage(t, s, "1", "Before")
	if err := s.SaveToken(ctx, "1", token.New("EAAG-before")); err != nil {
		t.Fatal(err)
	}
	backup, err := s.Backup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	addPage(t, s, "1", "After")
	addPage(t, s, "2", "Extra")
	if err := s.SaveToken(ctx, "1", token.New("EAAG-after")); err != nil {
		t.Fatal(err)
	}
	if err := s.Restore(ctx, backup); err != nil {
		t.Fatal(err)
	}
	ps, _ := s.Pages(ctx)
	if len(ps) != 1 || ps[0].Name != "Before" {
		t.Errorf("after restore: %+v", ps)
	}
	if tok, err := s.Token(ctx, "1"); err != nil || !tok.Equal(token.New("EAAG-before")) {
		t.Errorf("token after restore: %v", err)
	}
	evs, _ := s.Events(ctx, "", 1)
	if len(evs) != 1 || evs[0].Kind != "storage_restored" {
		t.Errorf("events: %+v", evs)
	}
	// The data before the restore was backed up too.
	list, _ := s.Backups()
	if len(list) != 2 {
		t.Fatalf("backups: %+v", list)
	}
	info, err := VerifyBackup(ctx, list[0].Path)
	if err != nil || info.Pages != 2 {
		t.Errorf("safety backup: %+v %v", info, err)
	}
	// A damaged backup is refused and nothing changes.
	bad := filepath.Join(t.TempDir(), "bad.db")
	os.WriteFile(bad, []byte("nope nope nope nope"), 0o600)
	if err := s.Restore(ctx, bad); err == nil {
		t.Error("restoring a damaged file must fail")
	}
	if ps, _ := s.Pages(ctx); len(ps) != 1 {
		t.Error("a refused restore changed the data")
	}
	if _, err := VerifyBackup(ctx, bad); err == nil || errors.Is(err, os.ErrNotExist) {
		t.Errorf("VerifyBackup(bad) = %v", err)
	}
}

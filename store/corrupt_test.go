package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// populated makes a store with enough rows to span many pages, closes it
// (checkpointing the WAL into the file) and returns the file's path.
func populated(t *testing.T, e *env, withBackup bool) (path, backup string) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, e.opts())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		addPage(t, s, fmt.Sprint(i), fmt.Sprintf("Page %d", i))
	}
	err = s.Update(ctx, func(tx *Tx) error {
		for i := range 300 {
			if _, err := tx.AppendEvent(Event{PageID: fmt.Sprint(i % 20), Kind: "checked", Detail: strings.Repeat("d", 200)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if withBackup {
		if backup, err = s.Backup(ctx); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	return filepath.Join(e.dir, dbFileName), backup
}

func TestDamagedFilesAreMovedAside(t *testing.T) {
	fixtures := []struct {
		name       string
		withBackup bool
		damage     func(t *testing.T, path string)
		foreign    bool
	}{
		{"truncated to half", true, func(t *testing.T, p string) {
			fi, _ := os.Stat(p)
			if err := os.Truncate(p, fi.Size()/2); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"truncated to 50 bytes", false, func(t *testing.T, p string) { os.Truncate(p, 50) }, false},
		{"one page zeroed", false, func(t *testing.T, p string) {
			f, err := os.OpenFile(p, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteAt(make([]byte, 4096), 3*4096); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"header overwritten", false, func(t *testing.T, p string) {
			f, _ := os.OpenFile(p, os.O_RDWR, 0)
			defer f.Close()
			f.WriteAt([]byte(strings.Repeat("garbage!", 12)), 0)
		}, false},
		{"zero-length file", false, func(t *testing.T, p string) { os.Truncate(p, 0) }, false},
		{"another program's database", false, func(t *testing.T, p string) {
			os.Remove(p)
			db := rawDB(t, p)
			if _, err := db.Exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('hello')"); err != nil {
				t.Fatal(err)
			}
			db.Close()
		}, true},
		{"random text", false, func(t *testing.T, p string) {
			os.WriteFile(p, []byte(strings.Repeat("This is not a database at all.\n", 200)), 0o600)
		}, false},
	}
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t)
			path, backup := populated(t, e, fx.withBackup)
			fx.damage(t, path)

			_, err := Open(ctx, e.opts())
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("want *CorruptError, got %v", err)
			}
			if fx.foreign && !errors.Is(err, ErrForeign) {
				t.Errorf("want ErrForeign in %v", err)
			}
			if exists(path) {
				t.Error("the damaged file is still in place")
			}
			if !strings.HasPrefix(filepath.Base(ce.MovedTo), "pagekeeper.db.corrupt-") || !exists(ce.MovedTo) {
				t.Errorf("MovedTo %q", ce.MovedTo)
			}
			if ce.NewestBackup != backup {
				t.Errorf("NewestBackup %q, want %q", ce.NewestBackup, backup)
			}
			msg := err.Error()
			if backup != "" && !strings.Contains(msg, backup) {
				t.Errorf("message does not name the backup: %s", msg)
			}
			if backup == "" && !strings.Contains(msg, "There is no verified backup") {
				t.Errorf("message does not say there is no backup: %s", msg)
			}

			// Opening again gives a working empty store and records what happened.
			s := e.open(t)
			if ps, err := s.Pages(ctx); err != nil || len(ps) != 0 {
				t.Errorf("fresh store pages: %d %v", len(ps), err)
			}
			addPage(t, s, "1", "works")
			evs, _ := s.Events(ctx, "", 0)
			kinds := map[string]bool{}
			for _, ev := range evs {
				kinds[ev.Kind] = true
			}
			if !kinds["storage_damaged"] || !kinds["storage_started_fresh"] {
				t.Errorf("events after starting fresh: %+v", evs)
			}
		})
	}
}

func TestRestoreFromAfterCorruption(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	path, backup := populated(t, e, true)
	os.Truncate(path, 0)
	_, err := Open(ctx, e.opts())
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.NewestBackup != backup {
		t.Fatalf("%v", err)
	}
	if err := RestoreFrom(e.dir, ce.NewestBackup); err != nil {
		t.Fatal(err)
	}
	s := e.open(t)
	ps, _ := s.Pages(ctx)
	if len(ps) != 20 {
		t.Errorf("restored %d pages, want 20", len(ps))
	}
	evs, _ := s.Events(ctx, "", 2)
	if len(evs) != 2 || evs[0].Kind != "storage_restored" || evs[1].Kind != "storage_damaged" {
		t.Errorf("events: %+v", evs)
	}
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// testClock is a settable clock so names and times are predictable.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *testClock {
	return &testClock{t: time.Date(2026, 3, 4, 9, 14, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond) // strictly increasing
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	dir   string
	kr    *MemoryKeyring
	clock *testClock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return &env{dir: filepath.Join(t.TempDir(), "data"), kr: NewMemoryKeyring(), clock: newClock()}
}

func (e *env) opts() Options {
	return Options{Dir: e.dir, Keyring: e.kr, Now: e.clock.Now, KeyringTimeout: 2 * time.Second, OSUser: "tester"}
}

func (e *env) open(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), e.opts())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func addPage(t *testing.T, s *Store, id, name string) {
	t.Helper()
	if err := s.UpsertPage(context.Background(), Page{ID: id, Name: name}); err != nil {
		t.Fatalf("UpsertPage: %v", err)
	}
}

// rawDB opens a file with plain database/sql, bypassing the store's checks.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", fileURI(path)+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func integrityCheck(t *testing.T, db *sql.DB) {
	t.Helper()
	rows, err := db.Query("PRAGMA integrity_check")
	if err != nil {
		t.Fatalf("integrity_check: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		if line != "ok" {
			t.Fatalf("integrity_check: %s", line)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("integrity_check: %v", err)
	}
}

func mode(t *testing.T, p string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func isWriteError(err error, reason WriteReason) bool {
	var we *WriteError
	return errors.As(err, &we) && we.Reason == reason
}

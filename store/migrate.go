package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations are the embedded migrations/NNNN_name.sql files in order;
// migrations[i].version == i+1 (checked at start-up, a gap is a bug).
var migrations = loadMigrations()

func loadMigrations() []migration {
	entries, err := migrationFiles.ReadDir("migrations")
	if err != nil {
		panic(err)
	}
	var ms []migration
	for _, e := range entries {
		num, name, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(name, ".sql") {
			panic("store: bad migration file name " + e.Name())
		}
		b, err := migrationFiles.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			panic(err)
		}
		ms = append(ms, migration{version: v, name: strings.TrimSuffix(name, ".sql"), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			panic(fmt.Sprintf("store: migration %04d missing", i+1))
		}
	}
	return ms
}

// SchemaVersion is the schema this build writes.
func SchemaVersion() int { return len(migrations) }

func userVersion(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int, error) {
	var v int
	err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

// migrate brings s.db to the current schema, backing up an existing
// database first.
func (s *Store) migrate(ctx context.Context) error {
	v, err := userVersion(ctx, s.db)
	if err != nil {
		return err
	}
	switch {
	case v < 0:
		return &schemaMismatch{version: v, err: fmt.Errorf("schema version %d", v)}
	case v > len(migrations):
		return &NewerVersionError{Schema: v}
	case v == len(migrations):
		return nil
	case s.opts.ReadOnly:
		return fmt.Errorf("this data needs an upgrade (schema %d to %d), which a read-only window cannot do; open Pagekeeper normally once", v, len(migrations))
	}
	// The file's version is only a number in its header: a file whose
	// number is lower than its tables (damaged, or set by hand) would fail
	// half-way with SQLite's words. The pending migrations are tried first
	// and rolled back, so such a file is found before it is backed up or
	// changed, and is treated as damaged.
	if err := tryMigrations(ctx, s.db, v); err != nil {
		return err
	}
	if v > 0 {
		if _, err := s.backupLocked(ctx); err != nil {
			return fmt.Errorf("not upgrading the data because the backup before the upgrade failed: %w", err)
		}
	}
	return asWriteError(applyMigrations(ctx, s.db))
}

// schemaMismatch: the pending migrations do not apply to the file's tables,
// so its schema version is not the one its tables have.
type schemaMismatch struct {
	version int
	err     error
}

func (e *schemaMismatch) Error() string {
	return fmt.Sprintf("its schema version (%d) does not match its tables", e.version)
}

func (e *schemaMismatch) Unwrap() error { return e.err }

// tryMigrations applies the migrations after version v in one transaction
// and rolls them back. A write the disk refuses is a *WriteError; any other
// failure a *schemaMismatch.
func tryMigrations(ctx context.Context, db *sql.DB, v int) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return asWriteError(err)
	}
	defer tx.Rollback()
	for _, m := range migrations[v:] {
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			if we := asWriteError(err); we != err {
				return we
			}
			return &schemaMismatch{version: v, err: fmt.Errorf("migration %04d_%s: %w", m.version, m.name, err)}
		}
	}
	return nil
}

// applyMigrations runs each pending migration in its own immediate
// transaction together with its user_version bump, so a crash leaves the
// file at one version or the next, never between.
func applyMigrations(ctx context.Context, db *sql.DB) error {
	for _, m := range migrations {
		if err := applyOne(ctx, db, m); err != nil {
			return err
		}
	}
	return nil
}

func applyOne(ctx context.Context, db *sql.DB, m migration) error {
	tx, err := db.BeginTx(ctx, nil) // BEGIN IMMEDIATE (_txlock)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	v, err := userVersion(ctx, tx)
	if err != nil {
		return err
	}
	if v >= m.version { // another process got here first
		return nil
	}
	if v != m.version-1 {
		return fmt.Errorf("schema %d cannot be upgraded by migration %04d", v, m.version)
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("migration %04d_%s: %w", m.version, m.name, err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", ApplicationID)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
		return err
	}
	return tx.Commit()
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// damage marks a probe failure that means "this file is damaged or not
// ours": the file is then moved aside.
type damage struct{ cause error }

func (d *damage) Error() string { return d.cause.Error() }
func (d *damage) Unwrap() error { return d.cause }

// checkFile reports whether a usable database exists at path. sql.Open
// never looks at the file, so this runs real queries and quick_check, under
// recover because the transpiled engine can panic on a hostile file. A
// damaged or foreign file is moved aside and *CorruptError returned.
func checkFile(ctx context.Context, o Options, path string) (bool, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		if !o.ReadOnly {
			moveOrphans(o, path)
		}
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !fi.Mode().IsRegular() {
		return false, fmt.Errorf("%s is not a regular file; move it away", path)
	}
	var cause error
	if fi.Size() == 0 {
		// An empty file is a valid empty SQLite database, but Pagekeeper
		// never leaves one (createDatabase renames a complete file into
		// place), so it means something truncated ours.
		cause = errors.New("the file is empty (zero bytes)")
	} else {
		if fi.Mode().Perm()&0o077 != 0 && !o.ReadOnly && !o.KeepPermissions {
			if err := os.Chmod(path, 0o600); err != nil {
				return false, asWriteError(fmt.Errorf("cannot make %s private: %w", path, err))
			}
		}
		err := probe(ctx, path, o)
		var d *damage
		if !errors.As(err, &d) {
			return err == nil, err
		}
		cause = d.cause
	}
	if o.ReadOnly {
		return false, &CorruptError{Path: path, NewestBackup: newestVerifiedBackup(ctx, o.Dir), Cause: cause}
	}
	return false, quarantine(ctx, o, path, cause)
}

func probe(ctx context.Context, path string, o Options) (err error) {
	q := fmt.Sprintf("?_pragma=busy_timeout(%d)&%s", busyTimeoutMS, cacheSize)
	if o.ReadOnly {
		q += "&mode=ro"
	}
	if o.immutable {
		q += "&immutable=1"
	}
	db, err := sql.Open("sqlite", fileURI(path)+q)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	defer func() {
		if r := recover(); r != nil {
			err = &damage{fmt.Errorf("the database engine failed while reading it: %v", r)}
		}
	}()
	classify := func(err error) error {
		if isCorruption(err) {
			return &damage{err}
		}
		return err
	}
	var appID, version, tables int64
	if err := db.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
		return classify(err)
	}
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return classify(err)
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").Scan(&tables); err != nil {
		return classify(err)
	}
	switch {
	case appID != 0 && appID != ApplicationID:
		return &damage{fmt.Errorf("%w: it belongs to another program (application id %#x)", ErrForeign, appID)}
	case appID == 0 && tables > 0:
		return &damage{fmt.Errorf("%w: it holds another program's tables", ErrForeign)}
	case appID == ApplicationID && version > int64(len(migrations)):
		return &NewerVersionError{Schema: int(version)}
	case appID == ApplicationID:
		// A real query on our own tables: reads their root pages.
		var n int64
		if err := db.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM pages) + (SELECT count(*) FROM events)").Scan(&n); err != nil {
			if isCorruption(err) {
				return &damage{err}
			}
			return &damage{fmt.Errorf("%w: the Pagekeeper tables are missing (%v)", ErrForeign, err)}
		}
	}
	return quickCheck(ctx, db)
}

// quickCheck handles the three shapes corruption takes: an error from the
// query, a row other than "ok", an error from rows.Err.
func quickCheck(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, "PRAGMA quick_check")
	if err != nil {
		if isCorruption(err) {
			return &damage{err}
		}
		return err
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return &damage{err}
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		if isCorruption(err) || len(problems) > 0 {
			return &damage{err}
		}
		return err
	}
	if len(problems) > 0 {
		if len(problems) > 3 {
			problems = append(problems[:3], "…")
		}
		return &damage{fmt.Errorf("quick_check: %s", strings.Join(problems, "; "))}
	}
	return nil
}

// quarantine moves the file and its -wal/-shm aside under one name, notes
// the event for the next Open, and builds the *CorruptError.
func quarantine(ctx context.Context, o Options, path string, cause error) error {
	ce := &CorruptError{Path: path, Cause: cause}
	base := path + ".corrupt-" + o.Now().UTC().Format("20060102T150405Z")
	target := base
	for i := 2; exists(target); i++ {
		target = fmt.Sprintf("%s-%d", base, i)
	}
	if err := os.Rename(path, target); err == nil {
		ce.MovedTo = target
		for _, suffix := range []string{"-wal", "-shm", "-journal"} {
			if exists(path + suffix) {
				_ = os.Rename(path+suffix, target+suffix)
			}
		}
		syncDir(filepath.Dir(path))
	}
	ce.NewestBackup = newestVerifiedBackup(ctx, o.Dir)
	if ce.MovedTo != "" {
		lost := pagesLost(ctx, ce.MovedTo, ce.NewestBackup)
		_ = addPending(o.Dir, pendingEvent{At: o.Now(), Kind: kindDamaged,
			Detail:  fmt.Sprintf("The data file was damaged (%v) and was moved aside to %s", cause, filepath.Base(target)),
			MovedTo: filepath.Base(target), PagesLost: &lost})
	}
	return ce
}

// moveOrphans moves a -wal/-shm left without their database aside: SQLite
// would otherwise replay a stranger's log into a new database.
func moveOrphans(o Options, path string) {
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if exists(path + suffix) {
			_ = os.Rename(path+suffix, path+suffix+".orphan-"+o.Now().UTC().Format("20060102T150405Z"))
		}
	}
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// BackupInfo describes a backup file. Pages and Events are filled in only
// by VerifyBackup.
type BackupInfo struct {
	Path   string
	Time   time.Time
	Size   int64
	Pages  int64
	Events int64
}

const (
	backupPrefix  = "pagekeeper-"
	backupSuffix  = ".db"
	backupTimeFmt = "20060102T150405.000Z"
	backupTmpName = ".pagekeeper-backup.tmp"
)

// Backup writes a verified copy of the database to <Dir>/backups and keeps
// the newest KeepBackups. It uses VACUUM INTO (a consistent snapshot that
// includes what is still in the WAL), never a file copy of the live file.
func (s *Store) Backup(ctx context.Context) (string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.backupLocked(ctx)
}

func (s *Store) backupLocked(ctx context.Context) (string, error) {
	if s.db == nil {
		return "", errClosed
	}
	s.backupMu.Lock()
	defer s.backupMu.Unlock()
	bdir := filepath.Join(s.dir, backupDirName)
	if err := os.MkdirAll(bdir, 0o700); err != nil {
		return "", asWriteError(err)
	}
	tmp := filepath.Join(bdir, backupTmpName)
	// VACUUM INTO refuses an existing non-empty file: a leftover from an
	// interrupted backup is removed, then an empty private file is made so
	// the copy is born 0600.
	if err := os.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", asWriteError(err)
	}
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", asWriteError(err)
	}
	f.Close()
	defer os.Remove(tmp) // no-op once renamed
	if _, err := s.db.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		return "", asWriteError(fmt.Errorf("making the backup: %w", err))
	}
	// SQLite does not fsync VACUUM INTO's output.
	if err := syncFile(tmp); err != nil {
		return "", asWriteError(err)
	}
	now := s.now().UTC()
	base := filepath.Join(bdir, backupPrefix+now.Format(backupTimeFmt))
	final := base + backupSuffix
	for i := 2; exists(final); i++ {
		final = fmt.Sprintf("%s-%d%s", base, i, backupSuffix)
	}
	if err := os.Rename(tmp, final); err != nil {
		return "", asWriteError(err)
	}
	syncDir(bdir)
	if _, err := VerifyBackup(ctx, final); err != nil {
		_ = os.Remove(final)
		return "", fmt.Errorf("the new backup did not verify and was removed: %w", err)
	}
	s.rotate(bdir, final)
	return final, nil
}

// rotate keeps the newest KeepBackups backups (never removing keep).
func (s *Store) rotate(bdir, keep string) {
	list, err := listBackups(bdir)
	if err != nil {
		return
	}
	for i, b := range list {
		if i >= s.opts.KeepBackups && b.Path != keep {
			_ = os.Remove(b.Path)
		}
	}
}

// Backups lists the backups, newest first (not verified).
func (s *Store) Backups() ([]BackupInfo, error) {
	return listBackups(filepath.Join(s.dir, backupDirName))
}

// ListBackups lists the backups of the data folder dir, newest first,
// without an open store (after a *CorruptError).
func ListBackups(dir string) ([]BackupInfo, error) {
	return listBackups(filepath.Join(dir, backupDirName))
}

type backupName struct {
	info BackupInfo
	seq  int
}

func listBackups(bdir string) ([]BackupInfo, error) {
	entries, err := os.ReadDir(bdir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []backupName
	for _, e := range entries {
		n := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(n, backupPrefix) || !strings.HasSuffix(n, backupSuffix) {
			continue
		}
		stamp := strings.TrimSuffix(strings.TrimPrefix(n, backupPrefix), backupSuffix)
		seq := 1
		if i := strings.LastIndex(stamp, "-"); i > 0 {
			if v, err := strconv.Atoi(stamp[i+1:]); err == nil {
				stamp, seq = stamp[:i], v
			}
		}
		t, err := time.Parse(backupTimeFmt, stamp)
		if err != nil {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		names = append(names, backupName{BackupInfo{Path: filepath.Join(bdir, n), Time: t, Size: fi.Size()}, seq})
	}
	sort.Slice(names, func(i, j int) bool {
		if !names[i].info.Time.Equal(names[j].info.Time) {
			return names[i].info.Time.After(names[j].info.Time)
		}
		return names[i].seq > names[j].seq
	})
	out := make([]BackupInfo, len(names))
	for i, n := range names {
		out[i] = n.info
	}
	return out, nil
}

// VerifyBackup opens a backup read-only and checks that it is a sound
// Pagekeeper database this build can read: quick_check, application_id,
// schema version, row counts.
func VerifyBackup(ctx context.Context, path string) (info BackupInfo, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return info, err
	}
	if fi.Size() == 0 {
		return info, errors.New("the backup is empty")
	}
	info = BackupInfo{Path: path, Time: fi.ModTime(), Size: fi.Size()}
	db, err := sql.Open("sqlite", fileURI(path)+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return info, err
	}
	defer db.Close()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the backup is damaged: %v", r)
		}
	}()
	var appID int64
	if err := db.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
		return info, fmt.Errorf("the backup is damaged: %w", err)
	}
	if appID != ApplicationID {
		return info, fmt.Errorf("the backup is %w", ErrForeign)
	}
	if v, err := userVersion(ctx, db); err != nil {
		return info, err
	} else if v > len(migrations) {
		return info, &NewerVersionError{Schema: v}
	}
	if err := quickCheck(ctx, db); err != nil {
		return info, fmt.Errorf("the backup is damaged: %w", err)
	}
	if err := db.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM pages), (SELECT count(*) FROM events)").Scan(&info.Pages, &info.Events); err != nil {
		return info, fmt.Errorf("the backup is damaged: %w", err)
	}
	if t, ok := backupTime(path); ok {
		info.Time = t
	}
	return info, nil
}

func backupTime(path string) (time.Time, bool) {
	list, _ := listBackups(filepath.Dir(path))
	for _, b := range list {
		if b.Path == path {
			return b.Time, true
		}
	}
	return time.Time{}, false
}

// newestVerifiedBackup is the path of the newest backup that verifies, or "".
func newestVerifiedBackup(ctx context.Context, dir string) string {
	list, _ := ListBackups(dir)
	for _, b := range list {
		if _, err := VerifyBackup(ctx, b.Path); err == nil {
			return b.Path
		}
	}
	return ""
}

// Restore replaces the database with a backup: it verifies the backup,
// backs up the current data, closes, swaps the files and reopens. The
// restore is recorded as an event.
func (s *Store) Restore(ctx context.Context, path string) error {
	if _, err := VerifyBackup(ctx, path); err != nil {
		return fmt.Errorf("not restoring %s: %w", path, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return errClosed
	}
	// Stage the copy first: the backup below may rotate path away.
	staged, err := stageRestore(ctx, s.path, path)
	if err != nil {
		return err
	}
	defer os.Remove(staged)
	safety, err := s.backupLocked(ctx)
	if err != nil {
		return fmt.Errorf("not restoring, because the current data could not be backed up first: %w", err)
	}
	s.dropVersionConn()
	if err := s.db.Close(); err != nil {
		return err
	}
	s.db = nil
	if err := swapIn(staged, s.path); err != nil {
		return err
	}
	if err := addPending(s.dir, pendingEvent{At: s.now(), Kind: "storage_restored",
		Detail: fmt.Sprintf("Restored the data from %s; the data before the restore is kept in %s", filepath.Base(path), filepath.Base(safety))}); err != nil {
		return asWriteError(err)
	}
	return s.openLocked(ctx, false)
}

// RestoreFrom puts a backup in place for the data folder dir when no store
// is open (after a *CorruptError). A database still present is moved
// aside, not deleted. Open the store afterwards; the restore is recorded
// then.
func RestoreFrom(dir, backupPath string) error {
	ctx := context.Background()
	if _, err := VerifyBackup(ctx, backupPath); err != nil {
		return fmt.Errorf("not restoring %s: %w", backupPath, err)
	}
	dbPath := filepath.Join(dir, dbFileName)
	staged, err := stageRestore(ctx, dbPath, backupPath)
	if err != nil {
		return err
	}
	defer os.Remove(staged)
	if exists(dbPath) {
		aside := dbPath + ".replaced-" + time.Now().UTC().Format("20060102T150405Z")
		for i := 2; exists(aside); i++ {
			aside = fmt.Sprintf("%s-%d", aside, i)
		}
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if exists(dbPath + suffix) {
				if err := os.Rename(dbPath+suffix, aside+suffix); err != nil {
					return asWriteError(err)
				}
			}
		}
	}
	if err := swapIn(staged, dbPath); err != nil {
		return err
	}
	return addPending(dir, pendingEvent{At: time.Now(), Kind: "storage_restored",
		Detail: fmt.Sprintf("Restored the data from %s", filepath.Base(backupPath))})
}

// stageRestore copies the (verified, standalone) backup next to the
// database, syncs and re-verifies the copy.
func stageRestore(ctx context.Context, dbPath, backupPath string) (string, error) {
	staged := dbPath + ".restore"
	_ = os.Remove(staged)
	src, err := os.Open(backupPath)
	if err != nil {
		return "", err
	}
	defer src.Close()
	dst, err := os.OpenFile(staged, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", asWriteError(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		os.Remove(staged)
		return "", asWriteError(err)
	}
	if err := dst.Sync(); err != nil {
		dst.Close()
		os.Remove(staged)
		return "", asWriteError(err)
	}
	if err := dst.Close(); err != nil {
		os.Remove(staged)
		return "", asWriteError(err)
	}
	if _, err := VerifyBackup(ctx, staged); err != nil {
		os.Remove(staged)
		return "", fmt.Errorf("the copy of the backup did not verify: %w", err)
	}
	return staged, nil
}

// swapIn renames staged over dbPath after removing the old -wal/-shm (a
// log left behind would be replayed into the restored file).
func swapIn(staged, dbPath string) error {
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if err := os.Remove(dbPath + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return asWriteError(err)
		}
	}
	if err := os.Rename(staged, dbPath); err != nil {
		return asWriteError(err)
	}
	syncDir(filepath.Dir(dbPath))
	return nil
}

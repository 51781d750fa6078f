// Package store is Pagekeeper's data on disk: one SQLite file per data
// folder (pagekeeper.db) holding the connected Pages, their sealed tokens,
// the append-only event log, incidents, the outbox of remote clean-ups and
// settings; verified backups next to it; and the lock that lets one
// Pagekeeper process manage a data folder at a time.
//
// What it must never do: store never sees a plaintext token outside
// Seal/Open (seal.go), and never writes a token in plaintext: not to the
// database, a backup, a key file, an event, a log or an error string. Tokens
// are sealed with AES-256-GCM under a data key kept in the system keyring,
// or in a key file only when the user agreed to one; there is no silent
// plaintext fallback. With the key file, the secrets a person types are
// sealed the same way in the database (FolderKeyring, secrets.go). It also never copies the live database file (backups
// use VACUUM INTO), and never deletes a damaged file: it moves it aside.
//
// Durability: WAL with synchronous=FULL, so a committed write survives a
// crash or power cut; every write runs in one BEGIN IMMEDIATE transaction.
package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// ApplicationID is stamped into every Pagekeeper database ("PkKp").
const ApplicationID = 0x506B4B70

const (
	dbFileName      = "pagekeeper.db"
	keyFileName     = "pagekeeper.key"
	lockFileName    = "manager.lock"
	pendingFileName = "pending-events.json"
	backupDirName   = "backups"
	keyringService  = "Pagekeeper"
	busyTimeoutMS   = 5000
)

// Options configure Open.
type Options struct {
	// Dir is the data folder; "" means DefaultDir().
	Dir string
	// Keyring holds the data key; nil means OSKeyring().
	Keyring Keyring
	// KeyringTimeout bounds every keyring call (default 5 s).
	KeyringTimeout time.Duration
	// AllowKeyFile: the user agreed to keep the data key in a file readable
	// only by them when no keyring works.
	AllowKeyFile bool
	// Now is the clock (default time.Now).
	Now func() time.Time
	// KeepBackups is how many backups to keep (default 10).
	KeepBackups int
	// ReadOnly opens the database read-only (a viewer while another process
	// manages the folder). Writes then fail with a *WriteError.
	ReadOnly bool
	// OSUser is recorded as the actor of storage events (default: the
	// current OS user name).
	OSUser string
	// NeedData opens only a folder that already holds Pagekeeper's data:
	// neither the folder nor a database is created (*NoDataError), except
	// the fresh database after a damaged one was moved aside (folder.go).
	NeedData bool
	// KeepPermissions never changes the permissions of the folder or its
	// files (the commands that only read or check).
	KeepPermissions bool
	// OtherNames are more names (glob patterns) that belong to Pagekeeper
	// in the folder (FolderOptions.OtherNames).
	OtherNames []string

	// extraPragmas are added to every connection (tests: max_page_count).
	extraPragmas []string
	// immutable reads the file without SQLite's shared-memory index, for a
	// read-only open of a folder that cannot be written (canReadImmutable).
	immutable bool
}

// DefaultDir is <user config dir>/Pagekeeper.
func DefaultDir() (string, error) {
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("cannot find the folder for Pagekeeper's data: %w", err)
	}
	return filepath.Join(d, "Pagekeeper"), nil
}

func (o Options) withDefaults() (Options, error) {
	if o.Dir == "" {
		d, err := DefaultDir()
		if err != nil {
			return o, err
		}
		o.Dir = d
	}
	abs, err := filepath.Abs(o.Dir)
	if err != nil {
		return o, err
	}
	o.Dir = abs
	if o.Keyring == nil {
		o.Keyring = OSKeyring()
	}
	if o.KeyringTimeout <= 0 {
		o.KeyringTimeout = DefaultKeyringTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.KeepBackups <= 0 {
		o.KeepBackups = 10
	}
	if o.OSUser == "" {
		if u, err := user.Current(); err == nil {
			o.OSUser = u.Username
		}
	}
	return o, nil
}

// Store is an open Pagekeeper database. It is safe for concurrent use.
type Store struct {
	opts Options
	dir  string
	path string

	// mu guards db against Restore swapping the file: every operation
	// holds it for reading, Restore for writing.
	mu   sync.RWMutex
	db   *sql.DB
	seal *sealer
	// keyInFile: the data key in use came from the key file (KeyInFile).
	keyInFile bool
	backupMu  sync.Mutex
	// version is the connection DataVersion asks (guarded by versionMu,
	// and by mu like db: it is closed before db is).
	versionMu sync.Mutex
	version   *sql.Conn
}

// Open opens (creating if needed) <Dir>/pagekeeper.db, checks it, applies
// migrations and finds the data key. A damaged or foreign file is moved
// aside and reported as *CorruptError; calling Open again then starts an
// empty store (or use RestoreFrom first). Other failures: *NewerVersionError,
// *KeyringError, *WriteError.
func Open(ctx context.Context, o Options) (*Store, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	s, err := open(ctx, o)
	if err != nil && o.ReadOnly && !o.immutable && canReadImmutable(o.Dir, err) {
		o.immutable = true
		return open(ctx, o)
	}
	return s, err
}

func open(ctx context.Context, o Options) (*Store, error) {
	if err := PrepareFolder(o.Dir, o.Folder()); err != nil {
		return nil, err
	}
	s := &Store{opts: o, dir: o.Dir, path: filepath.Join(o.Dir, dbFileName)}
	fresh := false
	if exists, err := checkFile(ctx, o, s.path); err != nil {
		return nil, asWriteError(err)
	} else if !exists {
		if n, ok := PendingReset(o.Dir); ok && o.ReadOnly {
			return nil, &ResetPendingError{Notice: n}
		}
		if o.ReadOnly {
			return nil, &NoDataError{Dir: o.Dir}
		}
		if err := createDatabase(ctx, s.path); err != nil {
			return nil, asWriteError(err)
		}
		fresh = true
	}
	if err := s.openLocked(ctx, fresh); err != nil {
		var sm *schemaMismatch
		if errors.As(err, &sm) {
			return nil, quarantine(ctx, o, s.path, sm)
		}
		return nil, asWriteError(err)
	}
	return s, nil
}

// openLocked opens the pool on s.path, migrates, sets up the key and
// records pending storage events. Callers hold s.mu (or own s alone).
func (s *Store) openLocked(ctx context.Context, fresh bool) error {
	db, err := sql.Open("sqlite", dsn(s.path, s.opts))
	if err != nil {
		return err
	}
	s.db = db
	fail := func(err error) error {
		db.Close()
		s.db = nil
		return err
	}
	if err := db.PingContext(ctx); err != nil {
		return fail(asWriteError(err))
	}
	if err := s.migrate(ctx); err != nil {
		return fail(err)
	}
	if err := s.setupKey(ctx); err != nil {
		return fail(err)
	}
	if err := s.recordPending(ctx, fresh); err != nil {
		return fail(err)
	}
	return nil
}

// Close closes the database. A clean close checkpoints the WAL.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return nil
	}
	s.dropVersionConn()
	err := s.db.Close()
	s.db = nil
	return err
}

// DataVersion changes whenever another connection (another process: the
// manager) has committed to the data file since the last call. It is
// SQLite's PRAGMA data_version, asked on one connection kept for it. A
// view-only window follows the manager by it: the file's size and time
// can stay the same across a commit (the log file is rewritten in place
// after a checkpoint, and its time moves only every few milliseconds).
func (s *Store) DataVersion(ctx context.Context) (int64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return 0, errClosed
	}
	s.versionMu.Lock()
	defer s.versionMu.Unlock()
	if s.version == nil {
		c, err := s.db.Conn(ctx)
		if err != nil {
			return 0, err
		}
		s.version = c
	}
	var v int64
	if err := s.version.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
		s.version.Close()
		s.version = nil
		return 0, err
	}
	return v, nil
}

// dropVersionConn closes DataVersion's connection (callers hold mu for
// writing, before they close db).
func (s *Store) dropVersionConn() {
	s.versionMu.Lock()
	defer s.versionMu.Unlock()
	if s.version != nil {
		s.version.Close()
		s.version = nil
	}
}

// Dir is the data folder.
func (s *Store) Dir() string { return s.dir }

// Path is the database file.
func (s *Store) Path() string { return s.path }

func (s *Store) now() time.Time { return s.opts.Now() }

// cacheSize is every connection's page cache, the check's too (dsn).
const cacheSize = "_pragma=cache_size(-512)"

// dsn sets every per-connection setting in the DSN: database/sql pools
// connections and the driver does not reset them, so a one-off Exec would
// leave some connections without it.
func dsn(path string, o Options) string {
	q := []string{
		fmt.Sprintf("_pragma=busy_timeout(%d)", busyTimeoutMS),
		"_pragma=journal_mode(WAL)",
		"_pragma=synchronous(FULL)",
		"_pragma=foreign_keys(1)",
		"_pragma=secure_delete(1)",
		"_txlock=immediate",
		// Each connection's page cache: 512 KiB (SQLite's default is 2 MiB)
		// holds every interior page of 10,000 Pages' tables; a full read
		// of a table misses at either size (the file is larger). Each
		// connection kept its own 2 MiB: ~7 MB of the window's memory.
		cacheSize,
	}
	for _, p := range o.extraPragmas {
		q = append(q, "_pragma="+p)
	}
	if o.ReadOnly {
		q = append(q, "mode=ro")
	}
	if o.immutable {
		q = append(q, "immutable=1")
	}
	return fileURI(path) + "?" + strings.Join(q, "&")
}

// fileURI escapes the characters SQLite's URI parser treats specially.
func fileURI(path string) string {
	p := filepath.ToSlash(path)
	p = strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(p)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows: file:/C:/...
	}
	return "file:" + p
}

// Folder is what o lets PrepareFolder do with the data folder: a viewer
// and the commands that only read create nothing and change no permissions.
func (o Options) Folder() FolderOptions {
	return FolderOptions{Create: !o.NeedData && !o.ReadOnly, Tighten: !o.KeepPermissions && !o.ReadOnly,
		NeedData: o.NeedData || o.ReadOnly, OtherNames: o.OtherNames}
}

// canReadImmutable: a read-only open failed because SQLite could not make
// its shared-memory index beside the file (a full disk, a read-only folder),
// and the file can be read as it is: no log of committed changes waits
// beside it, and nobody can write to a folder in that state.
func canReadImmutable(dir string, err error) bool {
	var we *WriteError
	if !errors.As(asWriteError(err), &we) && sqliteCode(err) != sqliteCantOpen {
		return false
	}
	fi, serr := os.Stat(filepath.Join(dir, dbFileName+"-wal"))
	return errors.Is(serr, os.ErrNotExist) || (serr == nil && fi.Size() == 0)
}

// createDatabase builds a new database beside the final path (rollback
// journal, private mode from the start), fully migrated, then renames it
// into place: the final path is never an empty or half-made file.
func createDatabase(ctx context.Context, path string) error {
	tmp := path + ".new"
	for _, suffix := range []string{"", "-journal", "-wal", "-shm"} {
		if err := os.Remove(tmp + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	db, err := sql.Open("sqlite", fileURI(tmp)+fmt.Sprintf("?_pragma=busy_timeout(%d)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_txlock=immediate", busyTimeoutMS))
	if err != nil {
		return err
	}
	if err := applyMigrations(ctx, db); err != nil {
		db.Close()
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	if err := syncFile(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	syncDir(filepath.Dir(path))
	return nil
}

// pendingEvent is a storage event that happened while no database was open
// (a damaged file moved aside, a restore); the next Open records it.
type pendingEvent struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	Detail string    `json:"detail"`
	// A damaged file moved aside (storage_damaged) also notes where it
	// went and how many connected Pages it held (reset.go).
	MovedTo   string `json:"moved_to,omitempty"`
	PagesLost *int   `json:"pages_lost,omitempty"`
}

func addPending(dir string, e pendingEvent) error {
	p := filepath.Join(dir, pendingFileName)
	var list []pendingEvent
	if b, err := os.ReadFile(p); err == nil {
		_ = json.Unmarshal(b, &list) // a damaged note is replaced, not fatal
	}
	list = append(list, e)
	b, err := json.Marshal(list)
	if err != nil {
		return err
	}
	return writeFileAtomic(p, b)
}

func (s *Store) recordPending(ctx context.Context, fresh bool) error {
	if s.opts.ReadOnly {
		return nil
	}
	p := filepath.Join(s.dir, pendingFileName)
	list := readPending(s.dir)
	startedFresh := fresh && len(list) > 0 && list[len(list)-1].Kind == kindDamaged
	if len(list) == 0 {
		return nil
	}
	err := s.update(ctx, func(tx *Tx) error {
		for _, e := range list {
			if _, err := tx.AppendEvent(Event{At: e.At, Kind: e.Kind, Detail: e.Detail}); err != nil {
				return err
			}
		}
		if startedFresh {
			if _, err := tx.AppendEvent(Event{Kind: "storage_started_fresh",
				Detail: "Started with an empty store after the damaged data file was moved aside; connect the Pages again"}); err != nil {
				return err
			}
			// Said until a person acknowledges it (reset.go).
			return tx.SetSetting(resetKey, list[len(list)-1].notice())
		}
		return nil
	})
	if err != nil {
		return err
	}
	return os.Remove(p)
}

func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	syncDir(filepath.Dir(path))
	return nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes a rename durable. Windows cannot fsync a directory; there
// the error is ignored (NTFS journals the rename).
func syncDir(dir string) {
	f, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = f.Sync()
	f.Close()
}

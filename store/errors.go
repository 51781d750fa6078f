package store

import (
	"errors"
	"fmt"
	"syscall"

	"modernc.org/sqlite"
)

// Sentinel errors. Classify with errors.Is / errors.As, never by message.
var (
	// ErrNotFound: the row asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrTokenUnreadable: a sealed token exists but cannot be opened (the
	// key is missing or different, e.g. the keyring was wiped). The Page
	// needs a new login; nothing else is affected.
	ErrTokenUnreadable = errors.New("the saved token for this Page can no longer be read; log in again to renew it")
	// ErrNewerVersion is matched by *NewerVersionError.
	ErrNewerVersion = errors.New("data written by a newer Pagekeeper")
	// ErrForeign is the Cause (wrapped) of a *CorruptError when the file is
	// not a Pagekeeper database at all.
	ErrForeign = errors.New("not a Pagekeeper database")
	// ErrKeyringTimeout: a keyring call did not answer in time.
	ErrKeyringTimeout = errors.New("the system keyring did not answer in time")
	// ErrKeyNotFound is what a Keyring returns when it works but holds no
	// such secret.
	ErrKeyNotFound = errors.New("secret not found in keyring")
)

// NewerVersionError: the file's schema is newer than this build knows.
type NewerVersionError struct{ Schema int }

func (e *NewerVersionError) Error() string {
	return fmt.Sprintf("This data was written by a newer Pagekeeper (schema %d); install the newer version or restore a backup", e.Schema)
}

func (e *NewerVersionError) Is(target error) bool { return target == ErrNewerVersion }

// CorruptError: the data file was damaged or foreign and has been moved aside.
type CorruptError struct {
	Path         string // where the file was
	MovedTo      string // where it is now ("" if it could not be moved)
	NewestBackup string // newest backup that verified, "" if none
	Cause        error
}

func (e *CorruptError) Error() string {
	what := "Pagekeeper's data file is damaged"
	if errors.Is(e.Cause, ErrForeign) {
		what = "Pagekeeper's data file is not a Pagekeeper database"
	}
	msg := fmt.Sprintf("%s (%v).", what, e.Cause)
	if e.MovedTo != "" {
		msg += fmt.Sprintf(" It was moved aside to %s.", e.MovedTo)
	} else {
		msg += fmt.Sprintf(" It could not be moved aside; move %s away by hand.", e.Path)
	}
	if e.NewestBackup != "" {
		msg += fmt.Sprintf(" The newest verified backup is %s: restore it, or start with an empty store and connect your Pages again.", e.NewestBackup)
	} else {
		msg += " There is no verified backup: start with an empty store and connect your Pages again."
	}
	return msg
}

func (e *CorruptError) Unwrap() error { return e.Cause }

// KeyringError: no secure storage for the data key, and the user has not
// agreed to a key file. There is never a silent plaintext fallback.
type KeyringError struct{ Cause error }

func (e *KeyringError) Error() string {
	return fmt.Sprintf("No secure storage (system keyring) is available: %v. Start a keyring service "+
		"(GNOME Keyring / KWallet / Windows Credential Manager / macOS Keychain), or allow Pagekeeper "+
		"to keep its key in a file readable only by you (--allow-key-file)", e.Cause)
}

func (e *KeyringError) Unwrap() error { return e.Cause }

// WriteReason says why a write failed.
type WriteReason int

const (
	WriteDiskFull   WriteReason = iota + 1 // SQLITE_FULL, ENOSPC
	WriteReadOnly                          // SQLITE_READONLY, EROFS
	WriteNotAllowed                        // EACCES, EPERM
)

// WriteError: a write failed for a reason the user can fix. The transaction
// was rolled back, so nothing was changed, and reads keep working.
type WriteError struct {
	Reason WriteReason
	Cause  error
}

func (e *WriteError) Error() string {
	switch e.Reason {
	case WriteDiskFull:
		return "Pagekeeper could not save: the disk is full. Free some space; nothing was changed."
	case WriteReadOnly:
		return "Pagekeeper could not save: the data folder is read-only. Make it writable or choose another data folder; nothing was changed."
	default:
		return "Pagekeeper could not save: it is not allowed to write to the data folder. Check the folder's permissions; nothing was changed."
	}
}

func (e *WriteError) Unwrap() error { return e.Cause }

// sqliteCode returns the primary SQLite result code of err, or 0.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() & 0xff
	}
	return 0
}

const (
	sqliteReadOnly = 8
	sqliteIOErr    = 10
	sqliteCorrupt  = 11
	sqliteFull     = 13
	sqliteCantOpen = 14
	sqliteNotADB   = 26

	// sqliteIOErrShmSize: SQLite could not grow its shared-memory index
	// (the -shm file beside a WAL database). A full disk is what makes it
	// fail; SQLite reports it as an I/O error, not as SQLITE_FULL.
	sqliteIOErrShmSize = sqliteIOErr | 19<<8
)

// sqliteExtendedCode returns the extended SQLite result code of err, or 0.
func sqliteExtendedCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

func isCorruption(err error) bool {
	c := sqliteCode(err)
	return c == sqliteCorrupt || c == sqliteNotADB
}

// asWriteError turns a failed write into a *WriteError when the cause is
// one a person can act on; other errors are returned unchanged.
func asWriteError(err error) error {
	if err == nil {
		return nil
	}
	var we *WriteError
	if errors.As(err, &we) {
		return err
	}
	switch {
	case sqliteCode(err) == sqliteFull, sqliteExtendedCode(err) == sqliteIOErrShmSize, errors.Is(err, syscall.ENOSPC):
		return &WriteError{Reason: WriteDiskFull, Cause: err}
	case sqliteCode(err) == sqliteReadOnly, errors.Is(err, syscall.EROFS):
		return &WriteError{Reason: WriteReadOnly, Cause: err}
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return &WriteError{Reason: WriteNotAllowed, Cause: err}
	}
	return err
}

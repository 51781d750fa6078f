package keeper

import (
	"errors"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/fb/login"
	"github.com/pagekeeper/pagekeeper/store"
)

// The errors a front end tells apart (errors.Is / errors.As), whatever part
// of Pagekeeper they come from.
var (
	// ErrNotFound: no such Page here.
	ErrNotFound = store.ErrNotFound
	// ErrNewerVersion: the data was written by a newer Pagekeeper.
	ErrNewerVersion = store.ErrNewerVersion
	// ErrLoginCancelled: the person pressed Cancel in Facebook's dialog.
	ErrLoginCancelled = login.ErrCancelled
	// ErrLoginTimeout: Facebook did not answer the login in time.
	ErrLoginTimeout = login.ErrTimeout
	// ErrAppSecretNeeded: Facebook finishes this app's logins only with its
	// App Secret, which Settings lacks; the error says what to do.
	ErrAppSecretNeeded = login.ErrAppSecretNeeded
	// ErrAppSecretWrong: Facebook refused the App Secret in Settings; the
	// error says what to do.
	ErrAppSecretWrong = login.ErrAppSecretWrong
)

// KeyringError: no secure storage for the data key, and the owner has not
// agreed to a key file.
type KeyringError struct{ err error }

func (e *KeyringError) Error() string { return e.err.Error() }
func (e *KeyringError) Unwrap() error { return e.err }

// CorruptError: the data file was damaged (or is not Pagekeeper's) and has
// been moved aside; nothing was deleted.
type CorruptError struct {
	// NewestBackup is the newest backup that verified ("" if none).
	NewestBackup string
	err          error
}

func (e *CorruptError) Error() string { return e.err.Error() }
func (e *CorruptError) Unwrap() error { return e.err }

// LockHeldError: another live process manages the folder.
type LockHeldError struct {
	Manager LockInfo
	err     error
}

func (e *LockHeldError) Error() string { return e.err.Error() }
func (e *LockHeldError) Unwrap() error { return e.err }

// fromStore gives the store's errors a front end acts on their keeper type.
func fromStore(err error) error {
	var (
		ke *store.KeyringError
		ce *store.CorruptError
		le *store.LockHeldError
	)
	switch {
	case errors.As(err, &ke):
		return &KeyringError{err: err}
	case errors.As(err, &ce):
		return &CorruptError{NewestBackup: ce.NewestBackup, err: err}
	case errors.As(err, &le):
		return &LockHeldError{Manager: LockInfo(le.Holder), err: err}
	}
	return err
}

// LoginStoppedError: Facebook ended the login with an error of its own
// (anything but the person's Cancel); Code is Facebook's error code.
type LoginStoppedError struct {
	Code string
	err  error
}

func (e *LoginStoppedError) Error() string { return e.err.Error() }
func (e *LoginStoppedError) Unwrap() error { return e.err }

// Explain says what went wrong and what to do, for a person: a Facebook
// failure by its reason (translation keys "fb.<reason>.explanation" and
// ".action"); any other error as it reads, with no action.
func Explain(err error) (what, todo Text) {
	var ex interface{ explain() (what, todo Text) }
	if errors.As(err, &ex) {
		return ex.explain()
	}
	if e, ok := fb.AsError(err); ok {
		key := "fb." + e.Reason.Key()
		return Text{Key: key + ".explanation", Template: e.Explanation()}, Text{Key: key + ".action", Template: e.Action()}
	}
	return Text{Template: err.Error()}, Text{}
}

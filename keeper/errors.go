package keeper

import (
	"context"
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

var (
	msgLoginCancelled = msg("login.cancelled", "Login cancelled in Facebook's dialog. Nothing was changed.")
	msgLoginTimeout   = msg("login.timeout", "The login timed out: Facebook did not answer in time. Try again.")
	msgLoginStopped   = msg("login.stopped",
		"Facebook stopped the login ({{.Code}}). Try again; if it keeps happening, check the app's Facebook Login settings.")
	msgNoLogin      = msg("login.not_set_up", "Facebook Login is not set up yet: enter your app's App ID in Settings.")
	msgStopped      = msg("error.stopped", "Stopped. Nothing was changed.")
	msgReadOnly     = msg("error.readonly", "Only the person managing these Pages can change them: {{.Manager}}. Close Pagekeeper there to make changes here.")
	msgNotFound     = msg("error.not_found", "There is no such Page here.")
	msgAlready      = msg("error.already_disconnected", "This Page is already disconnected.")
	msgConfirm      = msg("error.needs_confirmation", "Nothing was changed: first confirm what happens to {{.Pages}}.")
	msgReplyTooLong = msg("error.reply_too_long", "A Messenger reply can be at most {{.Max}} characters.")
)

// sentinelTexts word the errors a front end meets by value.
var sentinelTexts = []struct {
	err  error
	text Text
}{
	{ErrLoginCancelled, msgLoginCancelled.with()},
	{ErrLoginTimeout, msgLoginTimeout.with()},
	// Before Facebook's own error, which they wrap.
	{ErrAppSecretNeeded, msgNeedsSecret.with()},
	{ErrAppSecretWrong, msgWrongSecret.with()},
	{ErrNoLogin, msgNoLogin.with()},
	{ErrNotFound, msgNotFound.with()},
	{ErrAlreadyDisconnected, msgAlready.with()},
	{ErrReplyTooLong, msgReplyTooLong.with("Max", MaxReplyLength)},
	{context.Canceled, msgStopped.with()},
}

// Explain says what went wrong and what to do, for a person, as Texts to
// render in their language: Facebook's failures by their reason, keeper's
// own errors by their kind (an IntegrationError by its two Texts); several
// errors joined are said one a line; an error keeper does not know reads as
// it is, with no action.
func Explain(err error) (what, todo Text) {
	if err == nil {
		return Text{}, Text{}
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var lines []Text
		for _, e := range j.Unwrap() {
			lines = append(lines, Describe(e))
		}
		return joined("\n", lines...), Text{}
	}
	if t, ok := textOf(err); ok {
		return t, Text{}
	}
	var ex interface{ explain() (what, todo Text) }
	if errors.As(err, &ex) {
		return ex.explain()
	}
	if t, ok := explainFolder(err); ok {
		return t, Text{}
	}
	var (
		stopped *LoginStoppedError
		ro      *ReadOnlyError
		confirm *NeedsConfirmationError
	)
	switch {
	case errors.As(err, &stopped):
		return msgLoginStopped.with("Code", stopped.Code), Text{}
	case errors.As(err, &ro):
		return msgReadOnly.with("Manager", ro.Manager.Text()), Text{}
	case errors.As(err, &confirm):
		var names []Text
		for _, w := range confirm.Warnings {
			names = append(names, plain(w.PageName))
		}
		return msgConfirm.with("Pages", listAnd(names...)), Text{}
	}
	for _, s := range sentinelTexts {
		if errors.Is(err, s.err) {
			return s.text, Text{}
		}
	}
	if e, ok := fb.AsError(err); ok {
		return explainFacebook(e)
	}
	return plain(err.Error()), Text{}
}

// Describe is Explain in one Text: what happened, then what to do.
func Describe(err error) Text {
	what, todo := Explain(err)
	return joined(" ", what, todo)
}

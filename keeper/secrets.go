package keeper

import (
	"errors"

	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/store"
)

// Secret is a credential a person types (the App Secret, the email
// account's password). It prints as (redacted) and is kept only in the
// system keyring, never in the data folder or a file.
type Secret struct{ t token.Token }

// NewSecret wraps what was typed; "" is the zero Secret.
func NewSecret(s string) Secret { return Secret{token.New(s)} }

// IsZero reports whether nothing was typed.
func (s Secret) IsZero() bool { return s.t.IsZero() }

// String never shows the secret.
func (s Secret) String() string { return s.t.String() }

// Secrets change together with the settings (UpdateSettings). A zero
// Secret leaves the saved one as it is.
type Secrets struct {
	// AppSecret belongs to the settings' App ID.
	AppSecret Secret
	// SMTPPassword belongs to the settings' SMTP user name.
	SMTPPassword Secret
}

// keyringService is where Pagekeeper's secrets live in the system keyring,
// each under its own user: appSecretUser and smtpUser.
const keyringService = "Pagekeeper"

func appSecretUser(appID string) string { return "app-secret:" + appID }
func smtpUser(username string) string   { return "smtp:" + username }

// check says what a secret lacks to be saved with s.
func (sec Secrets) check(s Settings) error {
	var errs []error
	if !sec.AppSecret.IsZero() && s.AppID == "" {
		errs = append(errs, problem(msgSecretNeedsAppID.with()))
	}
	if !sec.SMTPPassword.IsZero() && s.SMTP.Username == "" {
		errs = append(errs, problem(msgSecretNeedsUser.with()))
	}
	return errors.Join(errs...)
}

// saveSecrets writes the secrets sec sets into the keyring; undo puts back
// what was there before.
func (k *Keeper) saveSecrets(s Settings, sec Secrets) (undo func() error, err error) {
	type saved struct {
		user, old string
		had       bool
	}
	var done []saved
	undo = func() error {
		var errs []error
		for _, d := range done {
			if d.had {
				errs = append(errs, k.secrets.Set(keyringService, d.user, d.old))
			} else {
				errs = append(errs, k.secrets.Delete(keyringService, d.user))
			}
		}
		return errors.Join(errs...)
	}
	for _, w := range []struct {
		user   string
		secret Secret
	}{{appSecretUser(s.AppID), sec.AppSecret}, {smtpUser(s.SMTP.Username), sec.SMTPPassword}} {
		if w.secret.IsZero() {
			continue
		}
		old, gerr := k.secrets.Get(keyringService, w.user)
		if gerr != nil && !errors.Is(gerr, store.ErrKeyNotFound) {
			return nil, errors.Join(gerr, undo())
		}
		if err := k.secrets.Set(keyringService, w.user, w.secret.t.Reveal()); err != nil {
			return nil, errors.Join(err, undo())
		}
		done = append(done, saved{user: w.user, old: old, had: gerr == nil})
	}
	return undo, nil
}

package keeper

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/store"
)

// Secret is a credential a person types (the App Secret, the email
// account's password, an integration's signing secret). It prints as
// (redacted) and is kept where the data key is (secretPlaces): in the
// system keyring, or, on a computer without one where the data key is in
// the key file, sealed with that key in the data folder. Never in plaintext
// in a file.
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

// keyringService is where Pagekeeper's secrets live in the system keyring
// (or the data folder's sealed table), each under its own user:
// appSecretUser, smtpUser and integrationSecretUser.
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

// saveSecrets writes the secrets sec sets to where secrets are kept; undo puts back
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

var (
	msgPlaceKeyring = msg("secrets.place.keyring", "the system keyring")
	msgPlaceFolder  = msg("secrets.place.folder", "the data folder (sealed with the data key in its key file)")
	msgPlaceMemory  = msg("secrets.place.memory", "the sandbox's memory (forgotten when it closes)")

	msgSecretOfApp         = msg("secrets.what.app", "The App Secret of app {{.App}}")
	msgSecretOfMail        = msg("secrets.what.smtp", "The password of the email account {{.User}}")
	msgSecretOfIntegration = msg("secrets.what.integration", "The signing secret of integration {{.Name}}")
	msgSecretMoved         = msg("secrets.moved", "{{.What}} was moved from {{.From}} to {{.To}}, where secrets are kept while the data key is there.")
)

// SecretsPlace says where the secrets a person types are kept for this
// data folder, for the messages that confirm a secret was saved.
func (k *Keeper) SecretsPlace() Text {
	if p, ok := k.secrets.(*secretPlaces); ok {
		return p.place()
	}
	return msgPlaceMemory.with() // the sandbox
}

// secretPlaces keeps the secrets where the data key is: in the system
// keyring, or, when the store's data key is its key file (no keyring on
// this computer, and the person agreed to the file), sealed in the store
// (store.FolderKeyring). A secret is read from the folder first, then from
// the keyring: a row in the folder is always the newest copy, because a
// save while the keyring is the place deletes it. The manager moves each
// secret that is not where it belongs at Open (moveSecrets).
type secretPlaces struct {
	st     *store.Store
	system store.Keyring
	// systemDown: the system keyring failed while the folder is the
	// place; this process does not ask it again (on a headless computer
	// each call would fail, or hang until the time-out).
	systemDown atomic.Bool
}

func (p *secretPlaces) place() Text {
	if p.st.KeyInFile() {
		return msgPlaceFolder.with()
	}
	return msgPlaceKeyring.with()
}

// keyring is the system keyring as this folder needs it: as it is when it
// holds the data key; otherwise only a second place to look, whose
// failures mean "nothing there" and stop further calls.
func (p *secretPlaces) keyring() (kr store.Keyring, inFolder bool) {
	if p.st.KeyInFile() {
		return systemFallback{p}, true
	}
	return p.system, false
}

type systemFallback struct{ p *secretPlaces }

func (s systemFallback) do(fn func() (string, error)) (string, error) {
	if s.p.systemDown.Load() {
		return "", store.ErrKeyNotFound
	}
	v, err := fn()
	if err != nil && !errors.Is(err, store.ErrKeyNotFound) {
		s.p.systemDown.Store(true)
		return "", store.ErrKeyNotFound
	}
	return v, err
}

func (s systemFallback) Get(service, user string) (string, error) {
	return s.do(func() (string, error) { return s.p.system.Get(service, user) })
}

func (s systemFallback) Set(service, user, value string) error {
	_, err := s.do(func() (string, error) { return "", s.p.system.Set(service, user, value) })
	return err
}

func (s systemFallback) Delete(service, user string) error {
	_, err := s.do(func() (string, error) { return "", s.p.system.Delete(service, user) })
	return err
}

// Get reads the secret from the folder, else from the keyring. An error
// says which place failed.
func (p *secretPlaces) Get(service, user string) (string, error) {
	kr, inFolder := p.keyring()
	v, ferr := p.st.FolderKeyring().Get(service, user)
	if ferr == nil {
		return v, nil
	}
	v, kerr := kr.Get(service, user)
	switch {
	case kerr == nil:
		return v, nil
	case !errors.Is(ferr, store.ErrKeyNotFound):
		return "", ferr // saved in the folder, but it does not open
	case !inFolder && !errors.Is(kerr, store.ErrKeyNotFound):
		return "", fmt.Errorf("the system keyring could not be read: %w", kerr)
	}
	return "", store.ErrKeyNotFound
}

// Set saves the secret where secrets are kept and deletes any copy in the
// other place, which would otherwise be read instead, or come back if the
// folder moved again.
func (p *secretPlaces) Set(service, user, value string) error {
	kr, inFolder := p.keyring()
	if inFolder {
		if err := p.st.FolderKeyring().Set(service, user, value); err != nil {
			return err
		}
		_ = kr.Delete(service, user) // none there is the common case
		return nil
	}
	if err := kr.Set(service, user, value); err != nil {
		return err
	}
	if err := p.st.FolderKeyring().Delete(service, user); err != nil && !errors.Is(err, store.ErrKeyNotFound) {
		// Left there it would be read before the keyring's: undo.
		return errors.Join(err, kr.Delete(service, user))
	}
	return nil
}

// Delete deletes the secret from both places; ErrKeyNotFound when neither
// had it.
func (p *secretPlaces) Delete(service, user string) error {
	kr, inFolder := p.keyring()
	ferr := p.st.FolderKeyring().Delete(service, user)
	kerr := kr.Delete(service, user)
	switch {
	case ferr != nil && !errors.Is(ferr, store.ErrKeyNotFound):
		return ferr
	case !inFolder && kerr != nil && !errors.Is(kerr, store.ErrKeyNotFound):
		return kerr
	case ferr == nil || kerr == nil:
		return nil
	}
	return store.ErrKeyNotFound
}

// moveSecrets moves each secret the settings name (the App Secret, the
// email password, each integration's signing secret) that is not where
// secrets are kept now to there, and records each move once: it is then
// no longer in the other place. Only the manager moves; a viewer reads
// from both places.
func (k *Keeper) moveSecrets(ctx context.Context, set Settings) {
	p, ok := k.secrets.(*secretPlaces)
	if !ok || k.readOnly() {
		return
	}
	var list []Integration
	if _, err := k.store.GetSetting(ctx, integrationsKey, &list); err != nil {
		return // loadIntegrations reports it
	}
	var users []string
	if set.AppID != "" {
		users = append(users, appSecretUser(set.AppID))
	}
	if set.SMTP.Username != "" {
		users = append(users, smtpUser(set.SMTP.Username))
	}
	for _, in := range list {
		users = append(users, integrationSecretUser(in.Name))
	}
	folder := p.st.FolderKeyring()
	kr, inFolder := p.keyring()
	from, to, dst, src := msgPlaceFolder.with(), msgPlaceKeyring.with(), kr, folder
	if inFolder {
		from, to, dst, src = to, from, folder, kr
	}
	for _, user := range users {
		if inFolder {
			if _, err := folder.Get(keyringService, user); err == nil {
				continue // where it belongs
			}
		}
		v, err := src.Get(keyringService, user)
		if err != nil {
			continue // not in the other place (or does not open: said when it is used)
		}
		if err := dst.Set(keyringService, user, v); err != nil {
			k.logf("%s could not be moved to %s (%v); it is read from %s meanwhile", secretWhat(user), to, err, from)
			continue
		}
		_ = src.Delete(keyringService, user)
		words := msgSecretMoved.with("What", secretWhat(user), "From", from, "To", to)
		k.logf("%s", words)
		if _, err := k.store.AppendEvent(ctx, newEvent(k.now(), "", "secret_moved", words)); err != nil {
			k.logf("the move could not be recorded in the history: %v", err)
		}
	}
}

// secretWhat names the secret kept under user, for a person.
func secretWhat(user string) Text {
	switch kind, rest, _ := strings.Cut(user, ":"); kind {
	case "app-secret":
		return msgSecretOfApp.with("App", rest)
	case "smtp":
		return msgSecretOfMail.with("User", rest)
	default:
		return msgSecretOfIntegration.with("Name", rest)
	}
}

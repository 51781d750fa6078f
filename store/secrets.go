package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

// The secrets a person types (the App Secret, the SMTP password, the
// integrations' signing secrets) belong in the system keyring. On a computer
// without one, where the person agreed to keep the data key in the key file
// (Options.AllowKeyFile), they belong beside the tokens instead: in the
// secrets table, each sealed with the data key and bound to its service and
// name, so neither the database nor a backup ever holds one in plaintext.
// FolderKeyring is that place as a Keyring; KeyInFile says which place is
// the right one for this folder.

// ErrSecretUnreadable: a secret is saved in the data folder but cannot be
// opened with the folder's data key (it was sealed under another key, as in
// a backup from another computer). Entering it again replaces it.
var ErrSecretUnreadable = errors.New("the secret saved in the data folder was sealed with another data key (for example in a backup from another computer) and cannot be read; enter it again")

func secretAD(service, name string) []byte { return []byte("secret:" + service + "\x00" + name) }

// KeyInFile reports whether the data key in use is the key file in the
// data folder, because no system keyring held one: the secrets then belong
// in FolderKeyring, sealed like the tokens.
func (s *Store) KeyInFile() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.keyInFile
}

// FolderKeyring is a Keyring kept in the data folder's database, each
// secret sealed with the data key. Get returns ErrKeyNotFound when nothing
// is saved under the name and ErrSecretUnreadable when what is saved does
// not open; Delete of a name not saved returns ErrKeyNotFound. A read-only
// store reads but does not write.
func (s *Store) FolderKeyring() Keyring { return folderKeyring{s} }

type folderKeyring struct{ s *Store }

func (f folderKeyring) Get(service, name string) (v string, err error) {
	err = f.s.read(func(db *sql.DB) error {
		var blob []byte
		err := db.QueryRow(`SELECT sealed FROM secrets WHERE service = ? AND name = ?`, service, name).Scan(&blob)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return ErrKeyNotFound
		case err != nil:
			return err
		}
		t, err := f.s.seal.Open(secretAD(service, name), blob)
		if err != nil {
			return ErrSecretUnreadable
		}
		v = t.Reveal()
		return nil
	})
	return v, err
}

func (f folderKeyring) Set(service, name, value string) error {
	if value == "" {
		return errors.New("refusing to save an empty secret")
	}
	return f.s.Update(context.Background(), func(tx *Tx) error {
		if tx.s.seal == nil {
			return fmt.Errorf("cannot save the secret: %w", ErrSecretUnreadable)
		}
		blob, err := tx.s.seal.Seal(secretAD(service, name), token.New(value))
		if err != nil {
			return err
		}
		_, err = tx.exec(`INSERT INTO secrets (service, name, sealed, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (service, name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`,
			service, name, blob, ms(tx.s.now()))
		return err
	})
}

func (f folderKeyring) Delete(service, name string) error {
	return f.s.Update(context.Background(), func(tx *Tx) error {
		res, err := tx.exec(`DELETE FROM secrets WHERE service = ? AND name = ?`, service, name)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			return ErrKeyNotFound
		}
		return nil
	})
}

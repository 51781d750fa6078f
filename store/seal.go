package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

// Sealed blob layout (format 1):
//
//	[0]      format version (1)
//	[1:9]    key id: first 8 bytes of SHA-256 over a label and the data key,
//	         so a blob sealed under another key is recognised as unreadable
//	         instead of failing as "tampered"
//	[9:21]   random 96-bit GCM nonce
//	[21:]    AES-256-GCM ciphertext and tag
//
// The associated data binds the blob to its row ("page:<id>" or
// "outbox:<id>"), so a blob copied to another row does not open.
const (
	sealFormat   = 1
	keyIDLen     = 8
	nonceLen     = 12
	sealHeader   = 1 + keyIDLen + nonceLen
	dataKeyLen   = 32
	keyringUser  = "data-key:"
	settingDBID  = "db_id"
	keyFileEvent = "storage_keyfile_used"
)

type sealer struct {
	aead  cipher.AEAD
	keyID [keyIDLen]byte
	// also opens (never seals) what was sealed under the key file's key
	// while the keyring, which holds this folder's key, was out of reach:
	// tokens and secrets saved then stay readable when it is back. Nil if
	// there is no other key.
	also *sealer
}

func newSealer(key []byte) (*sealer, error) {
	if len(key) != dataKeyLen {
		return nil, fmt.Errorf("the data key has %d bytes, want %d", len(key), dataKeyLen)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	s := &sealer{aead: aead}
	h := sha256.Sum256(append([]byte("pagekeeper data key id\x00"), key...))
	copy(s.keyID[:], h[:keyIDLen])
	return s, nil
}

func pageAD(pageID string) []byte   { return []byte("page:" + pageID) }
func outboxAD(pageID string) []byte { return []byte("outbox:" + pageID) }

// Seal is the one place a token's plaintext is read by the store.
func (s *sealer) Seal(ad []byte, t token.Token) ([]byte, error) {
	out := make([]byte, sealHeader, sealHeader+len(t.Reveal())+s.aead.Overhead())
	out[0] = sealFormat
	copy(out[1:], s.keyID[:])
	if _, err := rand.Read(out[1+keyIDLen : sealHeader]); err != nil {
		return nil, err
	}
	return s.aead.Seal(out, out[1+keyIDLen:sealHeader], []byte(t.Reveal()), ad), nil
}

// Open is the one place a token's plaintext is produced by the store.
func (s *sealer) Open(ad, blob []byte) (token.Token, error) {
	if s == nil {
		return token.Token{}, fmt.Errorf("%w (no data key)", ErrTokenUnreadable)
	}
	if len(blob) < sealHeader+s.aead.Overhead() || blob[0] != sealFormat {
		return token.Token{}, fmt.Errorf("%w (unknown format)", ErrTokenUnreadable)
	}
	if string(blob[1:1+keyIDLen]) != string(s.keyID[:]) {
		if s.also != nil {
			return s.also.Open(ad, blob)
		}
		return token.Token{}, fmt.Errorf("%w (sealed under another key)", ErrTokenUnreadable)
	}
	pt, err := s.aead.Open(nil, blob[1+keyIDLen:sealHeader], blob[sealHeader:], ad)
	if err != nil {
		return token.Token{}, fmt.Errorf("%w (does not open)", ErrTokenUnreadable)
	}
	return token.New(string(pt)), nil
}

// setupKey finds or creates the data key. Order: the keyring; then an
// existing key file (the user agreed to it earlier); then, if the keyring
// works but is empty, a new key in the keyring; then, with consent, a new
// key file; otherwise a *KeyringError. A missing key never deletes sealed
// tokens: they stay and report ErrTokenUnreadable until renewed. It also
// records whether the key in use is the key file's (KeyInFile), and, when
// the keyring's key is used while a key file exists too, lets the sealer
// open what was sealed under the file's key.
func (s *Store) setupKey(ctx context.Context) error {
	s.seal, s.keyInFile = nil, false
	dbID, err := s.databaseID(ctx)
	if err != nil {
		return err
	}
	user := keyringUser + dbID
	kr := withTimeout(s.opts.Keyring, s.opts.KeyringTimeout)
	keyPath := filepath.Join(s.dir, keyFileName)

	var key []byte
	v, kerr := kr.Get(keyringService, user)
	if kerr == nil {
		key, err = base64.StdEncoding.DecodeString(v)
		if err != nil || len(key) != dataKeyLen {
			return &KeyringError{Cause: errors.New("the key stored in the system keyring is malformed")}
		}
	}
	var fileKey []byte
	if key == nil {
		key, err = readKeyFile(keyPath, !s.opts.KeepPermissions && !s.opts.ReadOnly)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		s.keyInFile = key != nil
	} else if b, err := readKeyFile(keyPath, false); err == nil {
		fileKey = b
	}
	var events []Event
	if key == nil && !s.opts.ReadOnly {
		lost, err := s.sealedCount(ctx)
		if err != nil {
			return err
		}
		if errors.Is(kerr, ErrKeyNotFound) {
			fresh := make([]byte, dataKeyLen)
			if _, err := rand.Read(fresh); err != nil {
				return err
			}
			if kerr = kr.Set(keyringService, user, base64.StdEncoding.EncodeToString(fresh)); kerr == nil {
				key = fresh
			}
		}
		if key == nil {
			if !s.opts.AllowKeyFile {
				return &KeyringError{Cause: kerr}
			}
			if key, err = createKeyFile(keyPath); err != nil {
				return asWriteError(err)
			}
			s.keyInFile = true
			events = append(events, Event{Kind: keyFileEvent,
				Detail: "Tokens are protected by a key file in the data folder because no system keyring was available"})
		}
		if lost > 0 {
			events = append(events, Event{Kind: "storage_key_replaced",
				Detail: fmt.Sprintf("The key that protected saved tokens was missing; %d saved token(s) cannot be read and their Pages need a new login", lost)})
		}
	}
	if key != nil {
		if s.seal, err = newSealer(key); err != nil {
			return err
		}
		if fileKey != nil && string(fileKey) != string(key) {
			if s.seal.also, err = newSealer(fileKey); err != nil {
				return err
			}
		}
	}
	if len(events) > 0 {
		return s.update(ctx, func(tx *Tx) error {
			for _, e := range events {
				if _, err := tx.AppendEvent(e); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return nil
}

// databaseID is a random id per database, so two data folders (say the
// sandbox and the real one) never share a keyring entry.
func (s *Store) databaseID(ctx context.Context) (string, error) {
	var id string
	found, err := s.getSetting(ctx, settingDBID, &id)
	if err != nil || found || s.opts.ReadOnly {
		return id, err
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	id = hex.EncodeToString(b)
	// Insert only if absent, then read back: two processes opening a new
	// database at once must agree on one id.
	err = s.update(ctx, func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, json_quote(?)) ON CONFLICT (key) DO NOTHING`, settingDBID, id)
		return err
	})
	if err != nil {
		return "", err
	}
	_, err = s.getSetting(ctx, settingDBID, &id)
	return id, err
}

func (s *Store) sealedCount(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM tokens) + (SELECT count(*) FROM outbox WHERE sealed IS NOT NULL)`).Scan(&n)
	return n, err
}

func readKeyFile(path string, tighten bool) ([]byte, error) {
	if fi, err := os.Stat(path); err == nil && tighten && fi.Mode().Perm()&0o077 != 0 {
		_ = os.Chmod(path, 0o600) // tighten; reading still works if it fails
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) != dataKeyLen {
		return nil, fmt.Errorf("the key file %s is damaged (%d bytes); restore it from where you keep backups of the data folder", path, len(b))
	}
	return b, nil
}

// createKeyFile writes 32 random bytes to a temporary 0600 file, syncs it and
// links it into place, so the key file is either absent or complete, and a
// concurrent creator's key is never overwritten (the loser reads the winner's).
func createKeyFile(path string) ([]byte, error) {
	key := make([]byte, dataKeyLen)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".pagekeeper.key-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, err
	}
	if _, err := tmp.Write(key); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return readKeyFile(path, true)
		}
		return nil, err
	}
	syncDir(filepath.Dir(path))
	return key, nil
}

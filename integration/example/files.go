package example

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/integration"
)

// The example keeps its two secrets in files only its user can read: the
// age identity that opens sealed tokens (in age-keygen's format, so that
// `age -d -i key.txt` works with it too) and the signing secret it shares
// with Pagekeeper. Each is made when missing; an existing file is never
// overwritten, whatever it holds.

// maxSecretFile bounds what is read from a key or secret file.
const maxSecretFile = 64 << 10

// loadOrCreateIdentity reads the age identity in path, or makes one there.
func loadOrCreateIdentity(path string, warn io.Writer) (id *age.X25519Identity, created bool, err error) {
	b, err := readSecretFile(path, warn)
	if errors.Is(err, fs.ErrNotExist) {
		id, err := age.GenerateX25519Identity()
		if err != nil {
			return nil, false, err
		}
		content := fmt.Sprintf("# created: %s\n# public key: %s\n%s\n", time.Now().UTC().Format(time.RFC3339), id.Recipient(), id)
		return id, true, writeNew(path, content)
	}
	if err != nil {
		return nil, false, err
	}
	// age's parse errors may quote the line: say only what the file should hold.
	notKey := fmt.Errorf("%s is not an age key file: it must hold one AGE-SECRET-KEY-1… line, as age-keygen writes (move it away to have a new key made)", path)
	ids, err := age.ParseIdentities(bytes.NewReader(b))
	if err != nil || len(ids) != 1 {
		return nil, false, notKey
	}
	id, ok := ids[0].(*age.X25519Identity)
	if !ok {
		return nil, false, notKey
	}
	return id, false, nil
}

// loadOrCreateSecret reads the signing secret in path, or makes one there.
func loadOrCreateSecret(path string, warn io.Writer) (secret token.Token, created bool, err error) {
	b, err := readSecretFile(path, warn)
	if errors.Is(err, fs.ErrNotExist) {
		s := integration.NewSecret()
		return s, true, writeNew(path, s.Reveal()+"\n")
	}
	if err != nil {
		return token.Token{}, false, err
	}
	s := token.New(strings.TrimSpace(string(b)))
	if _, err := integration.CheckSecret(s); err != nil {
		return token.Token{}, false, fmt.Errorf("%s: %w", path, err)
	}
	return s, false, nil
}

// readAppSecret reads the Meta App Secret (it verifies X-Hub-Signature-256
// and makes appsecret_proof).
func readAppSecret(path string, warn io.Writer) (token.Token, error) {
	b, err := readSecretFile(path, warn)
	if err != nil {
		return token.Token{}, err
	}
	s := strings.TrimSpace(string(b))
	if s == "" || strings.ContainsAny(s, " \t\r\n") {
		return token.Token{}, fmt.Errorf("%s must hold the App Secret of your Meta app, on one line (App settings → Basic → App Secret)", path)
	}
	return token.New(s), nil
}

// readSecretFile reads a small file and warns when others may read it.
func readSecretFile(path string, warn io.Writer) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(warn, "Warning: %s can be read by other users of this computer (mode %04o); run: chmod 600 %s\n", path, st.Mode().Perm(), path)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	if len(b) > maxSecretFile {
		return nil, fmt.Errorf("%s is larger than a key or secret file can be; check the path", path)
	}
	return b, nil
}

// writeNew creates path, readable only by its owner; it never replaces a file.
func writeNew(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("cannot create %s: %w", path, err)
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return f.Close()
}

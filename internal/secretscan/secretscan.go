// Package secretscan is the tests' search of a folder for secrets: a data
// folder must never hold a token, a password or a signing secret in plain
// text or in an easy encoding of it. Test helper only.
package secretscan

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// AssertNowhereOnDisk reads every file under dir (at least minFiles) and
// fails if one holds any of the secrets in plaintext, in base64 (each
// encoding, at each of the three alignments) or in hex.
func AssertNowhereOnDisk(t testing.TB, dir string, minFiles int, secrets ...string) {
	t.Helper()
	var needles [][]byte
	for _, secret := range secrets {
		needles = append(needles, []byte(secret), []byte(hex.EncodeToString([]byte(secret))))
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
			for shift := range 3 {
				b := enc.EncodeToString([]byte(secret[shift:]))
				needles = append(needles, []byte(b[:len(b)-4]))
			}
		}
	}
	scanned := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		scanned++
		for _, n := range needles {
			if bytes.Contains(b, n) {
				t.Errorf("%s contains %q", p, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if scanned < minFiles {
		t.Errorf("scanned only %d files in %s, want at least %d", scanned, dir, minFiles)
	}
}

package store

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

func TestSentinelTokenNeverOnDisk(t *testing.T) {
	const sentinel = "EAAG_SENTINEL_123"
	ctx := context.Background()
	e := newEnv(t)
	s := e.open(t)
	addPage(t, s, "1", "A")
	if err := s.SaveToken(ctx, "1", token.New(sentinel)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Backup(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveToken(ctx, "1", token.New(sentinel+"_v2")); err != nil {
		t.Fatal(err)
	}
	id, err := s.Enqueue(ctx, "unsubscribe", "1", nil, token.New(sentinel))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx *Tx) error {
		if err := tx.CompleteOutbox(id, e.clock.Now()); err != nil {
			return err
		}
		return tx.DeleteToken("1")
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	needles := [][]byte{[]byte(sentinel)}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		// The base64 of the token at each of the three alignments.
		for shift := range 3 {
			b := enc.EncodeToString([]byte(sentinel[shift:]))
			needles = append(needles, []byte(b[:len(b)-4]))
		}
	}
	needles = append(needles, []byte(hex.EncodeToString([]byte(sentinel))))
	check := func(minFiles int) {
		t.Helper()
		scanned := 0
		filepath.WalkDir(e.dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			scanned++
			for _, n := range needles {
				if bytes.Contains(b, n) {
					t.Errorf("%s contains %q", p, n)
				}
			}
			return nil
		})
		if scanned < minFiles {
			t.Errorf("scanned only %d files", scanned)
		}
	}
	check(4) // .db, -wal, -shm, the backup
	s.Close()
	check(2)
}

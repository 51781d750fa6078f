package store

import (
	"context"
	"testing"

	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/internal/secretscan"
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
	secretscan.AssertNowhereOnDisk(t, e.dir, 4, sentinel) // .db, -wal, -shm, the backup
	s.Close()
	secretscan.AssertNowhereOnDisk(t, e.dir, 2, sentinel)
}

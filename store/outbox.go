package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

// OutboxItem is remote clean-up to retry (e.g. unsubscribe a disconnected
// Page's webhooks when Facebook was unreachable).
type OutboxItem struct {
	ID            int64
	Kind          string
	PageID        string
	Payload       json.RawMessage
	HasToken      bool // a sealed token travels with it; see OutboxToken
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	DoneAt        time.Time

	sealed []byte
}

const outboxColumns = `id, kind, page_id, payload, sealed, attempts, next_attempt_at, last_error, created_at, done_at`

// Enqueue adds a job, due now. payload is encoded as JSON (nil: {}); a
// non-zero t is sealed with the associated data "outbox:"+pageID.
func (tx *Tx) Enqueue(kind, pageID string, payload any, t token.Token) (int64, error) {
	if kind == "" {
		return 0, errors.New("an outbox job needs a kind")
	}
	body := []byte("{}")
	if payload != nil {
		var err error
		if body, err = json.Marshal(payload); err != nil {
			return 0, err
		}
	}
	var sealed []byte
	if !t.IsZero() {
		if tx.s.seal == nil {
			return 0, fmt.Errorf("cannot keep the token for the clean-up: %w", ErrTokenUnreadable)
		}
		var err error
		if sealed, err = tx.s.seal.Seal(outboxAD(pageID), t); err != nil {
			return 0, err
		}
	}
	now := ms(tx.s.now())
	res, err := tx.exec(`INSERT INTO outbox (kind, page_id, payload, sealed, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		kind, pageID, string(body), sealed, now, now)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// CompleteOutbox marks a job done and wipes its sealed token.
func (tx *Tx) CompleteOutbox(id int64, at time.Time) error {
	return tx.expectOne(tx.exec(`UPDATE outbox SET done_at = ?, sealed = NULL WHERE id = ?`, ms(at), id))
}

// FailOutbox records a failed attempt and when to try next. errText must be
// plain words, never a token.
func (tx *Tx) FailOutbox(id int64, errText string, next time.Time) error {
	return tx.expectOne(tx.exec(`UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?`,
		errText, ms(next), id))
}

func (tx *Tx) expectOne(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return ErrNotFound
	}
	return nil
}

// Enqueue is Update + Tx.Enqueue.
func (s *Store) Enqueue(ctx context.Context, kind, pageID string, payload any, t token.Token) (id int64, err error) {
	err = s.Update(ctx, func(tx *Tx) error {
		id, err = tx.Enqueue(kind, pageID, payload, t)
		return err
	})
	return id, err
}

// CompleteOutbox is Update + Tx.CompleteOutbox.
func (s *Store) CompleteOutbox(ctx context.Context, id int64, at time.Time) error {
	return s.Update(ctx, func(tx *Tx) error { return tx.CompleteOutbox(id, at) })
}

// FailOutbox is Update + Tx.FailOutbox.
func (s *Store) FailOutbox(ctx context.Context, id int64, errText string, next time.Time) error {
	return s.Update(ctx, func(tx *Tx) error { return tx.FailOutbox(id, errText, next) })
}

// DueOutbox returns unfinished jobs due at now, oldest first (limit <= 0:
// all).
func (s *Store) DueOutbox(ctx context.Context, now time.Time, limit int) (items []OutboxItem, err error) {
	if limit <= 0 {
		limit = -1
	}
	err = s.read(func(db *sql.DB) error {
		rows, err := db.QueryContext(ctx, `SELECT `+outboxColumns+` FROM outbox
			WHERE done_at = 0 AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`, ms(now), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var it OutboxItem
			var payload string
			var next, created, done int64
			if err := rows.Scan(&it.ID, &it.Kind, &it.PageID, &payload, &it.sealed, &it.Attempts, &next, &it.LastError, &created, &done); err != nil {
				return err
			}
			it.Payload = json.RawMessage(payload)
			it.HasToken = len(it.sealed) > 0
			it.NextAttemptAt, it.CreatedAt, it.DoneAt = fromMS(next), fromMS(created), fromMS(done)
			items = append(items, it)
		}
		return rows.Err()
	})
	return items, err
}

// OutboxToken opens the token sealed with the job (ErrNotFound if none).
func (s *Store) OutboxToken(it OutboxItem) (token.Token, error) {
	if len(it.sealed) == 0 {
		return token.Token{}, ErrNotFound
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.seal.Open(outboxAD(it.PageID), it.sealed)
}

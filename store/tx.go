package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Tx is one write transaction (BEGIN IMMEDIATE). Everything done through a
// Tx commits together or not at all: store a token, update the Page and
// append the event in one Update.
type Tx struct {
	s   *Store
	tx  *sql.Tx
	ctx context.Context
	// stmts keeps each statement prepared once per transaction: a health
	// round writes thousands of Pages in one Update.
	stmts map[string]*sql.Stmt
}

// Update runs fn in one immediate transaction and commits if fn returns nil.
// A write the disk refuses (full, read-only) returns *WriteError; the
// transaction is rolled back, so nothing was changed.
func (s *Store) Update(ctx context.Context, fn func(tx *Tx) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.update(ctx, fn)
}

func (s *Store) update(ctx context.Context, fn func(tx *Tx) error) (err error) {
	if s.db == nil {
		return errClosed
	}
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return asWriteError(err)
	}
	defer func() {
		if r := recover(); r != nil {
			_ = sqlTx.Rollback()
			panic(r)
		}
	}()
	if err := fn(&Tx{s: s, tx: sqlTx, ctx: ctx}); err != nil {
		_ = sqlTx.Rollback()
		return asWriteError(err)
	}
	return asWriteError(sqlTx.Commit())
}

var errClosed = errors.New("the store is closed")

// reader runs fn with the current *sql.DB under the read lock.
func (s *Store) read(fn func(db *sql.DB) error) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.db == nil {
		return errClosed
	}
	return fn(s.db)
}

func (tx *Tx) exec(query string, args ...any) (sql.Result, error) {
	st, err := tx.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(tx.ctx, args...)
}

// stmt is query prepared once per transaction.
func (tx *Tx) stmt(query string) (*sql.Stmt, error) {
	if st, ok := tx.stmts[query]; ok {
		return st, nil
	}
	st, err := tx.tx.PrepareContext(tx.ctx, query)
	if err != nil {
		return nil, err
	}
	if tx.stmts == nil {
		tx.stmts = map[string]*sql.Stmt{}
	}
	tx.stmts[query] = st
	return st, nil
}

// ms stores a time as unix milliseconds; the zero time is 0.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v)
}

// jsonText encodes v; a nil slice is stored as [] so readers never see null.
func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	if string(b) == "null" {
		return "[]", nil
	}
	return string(b), nil
}

func fromJSON(text string, into any) error {
	if text == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(text), into); err != nil {
		return fmt.Errorf("stored JSON does not decode: %w", err)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

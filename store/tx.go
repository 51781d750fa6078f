package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
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
	st, ok := tx.stmts[query]
	if !ok {
		var err error
		if st, err = tx.tx.PrepareContext(tx.ctx, query); err != nil {
			return nil, err
		}
		if tx.stmts == nil {
			tx.stmts = map[string]*sql.Stmt{}
		}
		tx.stmts[query] = st
	}
	return st.ExecContext(tx.ctx, args...)
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
	switch l := into.(type) {
	case *[]string:
		if v, ok := plainStrings(text); ok {
			*l = v
			return nil
		}
	case *[]GranularScope:
		if v, ok := plainGranular(text); ok {
			*l = v
			return nil
		}
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

// plainStrings and plainGranular read the lists the store writes for nearly
// every Page (IDs, scopes, fields, tasks; granular scopes), as json.Marshal
// wrote them and without escapes, without reflection: a health round reads
// 10,000 Pages' lists. ok is false for anything else, which encoding/json
// then reads.
func plainStrings(text string) (_ []string, ok bool) {
	if text == "[]" {
		return []string{}, true
	}
	if len(text) < 4 || text[:2] != `["` || text[len(text)-2:] != `"]` || !plainJSON(text) {
		return nil, false
	}
	// Without a backslash no quote can be inside a string: every quote is
	// structural, so the items are separated by exactly ",".
	items := strings.Split(text[2:len(text)-2], `","`)
	for _, it := range items {
		if strings.IndexByte(it, '"') >= 0 {
			return nil, false
		}
	}
	return items, true
}

// plainJSON: no escapes, no control characters, valid UTF-8.
func plainJSON(text string) bool {
	return strings.IndexByte(text, '\\') < 0 && utf8.ValidString(text) &&
		!strings.ContainsFunc(text, func(r rune) bool { return r < 0x20 })
}

func plainGranular(text string) (_ []GranularScope, ok bool) {
	if text == "[]" {
		return []GranularScope{}, true
	}
	rest, ok := strings.CutPrefix(text, "[")
	if !ok || !plainJSON(text) {
		return nil, false
	}
	var out []GranularScope
	for {
		var g GranularScope
		if rest, ok = strings.CutPrefix(rest, `{"scope":"`); !ok {
			return nil, false
		}
		end := strings.IndexByte(rest, '"')
		if end < 0 {
			return nil, false
		}
		g.Scope, rest = rest[:end], rest[end+1:]
		if r, ok := strings.CutPrefix(rest, `,"target_ids":`); ok {
			end := strings.IndexByte(r, ']')
			if end < 0 {
				return nil, false
			}
			if g.TargetIDs, ok = plainStrings(r[:end+1]); !ok {
				return nil, false
			}
			rest = r[end+1:]
		}
		if rest, ok = strings.CutPrefix(rest, "}"); !ok {
			return nil, false
		}
		out = append(out, g)
		if rest == "]" {
			return out, true
		}
		if rest, ok = strings.CutPrefix(rest, ","); !ok {
			return nil, false
		}
	}
}

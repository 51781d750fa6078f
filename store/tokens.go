package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

// SaveToken seals t and stores it for the Page (which must exist).
func (tx *Tx) SaveToken(pageID string, t token.Token) error {
	if tx.s.seal == nil {
		return fmt.Errorf("cannot save the token: %w", ErrTokenUnreadable)
	}
	if t.IsZero() {
		return errors.New("refusing to save an empty token")
	}
	blob, err := tx.s.seal.Seal(pageAD(pageID), t)
	if err != nil {
		return err
	}
	_, err = tx.exec(`INSERT INTO tokens (page_id, sealed, format, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (page_id) DO UPDATE SET sealed = excluded.sealed, format = excluded.format, updated_at = excluded.updated_at`,
		pageID, blob, sealFormat, ms(tx.s.now()))
	return err
}

// DeleteToken removes the Page's token (secure_delete zeroes the old bytes).
// Deleting a token that is not there is not an error.
func (tx *Tx) DeleteToken(pageID string) error {
	_, err := tx.exec(`DELETE FROM tokens WHERE page_id = ?`, pageID)
	return err
}

// Token opens the Page's token inside the transaction.
func (tx *Tx) Token(pageID string) (token.Token, error) {
	return tx.s.openToken(tx.tx.QueryRowContext(tx.ctx, `SELECT sealed FROM tokens WHERE page_id = ?`, pageID), pageID)
}

// SaveToken is Update + Tx.SaveToken.
func (s *Store) SaveToken(ctx context.Context, pageID string, t token.Token) error {
	return s.Update(ctx, func(tx *Tx) error { return tx.SaveToken(pageID, t) })
}

// DeleteToken is Update + Tx.DeleteToken.
func (s *Store) DeleteToken(ctx context.Context, pageID string) error {
	return s.Update(ctx, func(tx *Tx) error { return tx.DeleteToken(pageID) })
}

// Token returns the Page's token: ErrNotFound if there is none,
// ErrTokenUnreadable if it cannot be opened (log in again to renew).
func (s *Store) Token(ctx context.Context, pageID string) (t token.Token, err error) {
	err = s.read(func(db *sql.DB) error {
		t, err = s.openToken(db.QueryRowContext(ctx, `SELECT sealed FROM tokens WHERE page_id = ?`, pageID), pageID)
		return err
	})
	return t, err
}

func (s *Store) openToken(row *sql.Row, pageID string) (token.Token, error) {
	var blob []byte
	if err := row.Scan(&blob); errors.Is(err, sql.ErrNoRows) {
		return token.Token{}, fmt.Errorf("no token for page %s: %w", pageID, ErrNotFound)
	} else if err != nil {
		return token.Token{}, err
	}
	return s.seal.Open(pageAD(pageID), blob)
}

// Tokens opens every stored Page token in one read (a health round over
// thousands of Pages); a token that cannot be opened is left out, as
// Token would report it unreadable.
func (s *Store) Tokens(ctx context.Context) (map[string]token.Token, error) {
	out := map[string]token.Token{}
	err := s.read(func(db *sql.DB) error {
		rows, err := db.QueryContext(ctx, `SELECT page_id, sealed FROM tokens`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var blob []byte
			if err := rows.Scan(&id, &blob); err != nil {
				return err
			}
			if t, err := s.seal.Open(pageAD(id), blob); err == nil {
				out[id] = t
			}
		}
		return rows.Err()
	})
	return out, err
}

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

// Connected is a connected Page as a health round starts from it.
type Connected struct {
	ID       string
	Revision int64
	// Token is zero when there is none or it cannot be opened (Token
	// would say which).
	Token token.Token
}

// ConnectedPages lists the Pages that are not disconnected, in the order of
// Pages, with their tokens opened, in one read and without decoding their
// facts: a health round starts asking Facebook with this.
func (s *Store) ConnectedPages(ctx context.Context) (out []Connected, err error) {
	err = s.read(func(db *sql.DB) error {
		rows, err := db.QueryContext(ctx, `SELECT p.id, p.revision, t.sealed FROM pages p LEFT JOIN tokens t ON t.page_id = p.id
			WHERE p.status != ? ORDER BY p.name COLLATE NOCASE, p.id`, string(StatusDisconnected))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c Connected
			var blob []byte
			if err := rows.Scan(&c.ID, &c.Revision, &blob); err != nil {
				return err
			}
			if blob != nil {
				c.Token, _ = s.seal.Open(pageAD(c.ID), blob)
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

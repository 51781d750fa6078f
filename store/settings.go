package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// SetSetting stores value as JSON under key.
func (tx *Tx) SetSetting(key string, value any) error {
	b, err := json.Marshal(value)
	if err != nil {
		return fmt.Errorf("setting %s: %w", key, err)
	}
	_, err = tx.exec(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, string(b))
	return err
}

// SetSetting is Update + Tx.SetSetting.
func (s *Store) SetSetting(ctx context.Context, key string, value any) error {
	return s.Update(ctx, func(tx *Tx) error { return tx.SetSetting(key, value) })
}

// GetSetting decodes the JSON stored under key into into and reports
// whether the key was there (into is untouched if not).
func (s *Store) GetSetting(ctx context.Context, key string, into any) (bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.getSetting(ctx, key, into)
}

func (s *Store) getSetting(ctx context.Context, key string, into any) (bool, error) {
	if s.db == nil {
		return false, errClosed
	}
	var text string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal([]byte(text), into); err != nil {
		return true, fmt.Errorf("setting %s: %w", key, err)
	}
	return true, nil
}

// writeCheckKey is the setting CheckWritable writes.
const writeCheckKey = "write_check"

// CheckWritable makes one small write, so that a command about to ask a
// person for something (a Facebook login) learns first that nothing could
// be saved afterwards: a full disk, a read-only folder (*WriteError).
func (s *Store) CheckWritable(ctx context.Context) error {
	return s.SetSetting(ctx, writeCheckKey, s.now().UTC())
}

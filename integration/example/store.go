package example

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite"

	"github.com/pagekeeper/pagekeeper/integration"
)

// store is the example's own SQLite file: one row per Page it has heard of.
// A Page token is kept only as Pagekeeper delivered it, sealed to this
// integration's age key, and opened in memory when a reply is sent; so the
// file holds no token in clear text. secure_delete zeroes what a renewal or
// a disconnect replaces.
type store struct{ db *sql.DB }

const schema = `
CREATE TABLE IF NOT EXISTS pages (
	page_id           TEXT PRIMARY KEY,
	name              TEXT NOT NULL DEFAULT '',
	fields            TEXT NOT NULL DEFAULT '',
	sealed_token      TEXT,    -- age-sealed to this integration's key, as delivered
	fingerprint       TEXT,    -- integration.Fingerprint of that token
	token_event_at    INTEGER, -- ms: the event that brought it; older events are ignored
	token_received_at INTEGER, -- ms
	last_webhook_at   INTEGER, -- ms
	last_reply_at     INTEGER  -- ms
) STRICT;`

func openStore(path string) (*store, error) {
	// Created readable by its owner only; SQLite gives the WAL the same mode.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot open the database %s: %w", path, err)
	}
	f.Close()
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows: file:/C:/...
	}
	dsn := "file:" + strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(p) +
		"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=secure_delete(1)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	// One connection: the example's writes are few, and this serialises them.
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot use the database %s (%w); move it away to start a new one", path, err)
	}
	return &store{db: db}, nil
}

func (s *store) Close() error { return s.db.Close() }

func ms(t time.Time) int64 { return t.UnixMilli() }

// putToken keeps the sealed token of a page.connected or page.token_renewed
// event, unless a newer event already brought one, and returns the
// fingerprint now held.
func (s *store) putToken(ctx context.Context, ev integration.Event, now time.Time) (string, error) {
	d := ev.Data
	_, err := s.db.ExecContext(ctx, `
INSERT INTO pages (page_id, name, fields, sealed_token, fingerprint, token_event_at, token_received_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
ON CONFLICT (page_id) DO UPDATE SET name = ?2, fields = ?3, sealed_token = ?4, fingerprint = ?5, token_event_at = ?6, token_received_at = ?7
WHERE token_event_at IS NULL OR token_event_at <= ?6`,
		d.Page.ID, d.Page.Name, strings.Join(d.Webhook.Fields, ","), d.Token.Sealed, d.Token.Fingerprint, ms(ev.Timestamp), ms(now))
	if err != nil {
		return "", err
	}
	return s.held(ctx, d.Page.ID)
}

// changePage records a page.changed event's name and fields.
func (s *store) changePage(ctx context.Context, ev integration.Event) (string, error) {
	d := ev.Data
	_, err := s.db.ExecContext(ctx, `
INSERT INTO pages (page_id, name, fields) VALUES (?1, ?2, ?3)
ON CONFLICT (page_id) DO UPDATE SET name = ?2, fields = ?3`, d.Page.ID, d.Page.Name, strings.Join(d.Webhook.Fields, ","))
	if err != nil {
		return "", err
	}
	return s.held(ctx, d.Page.ID)
}

// dropToken forgets the Page's token (page.disconnected), unless a newer
// event brought it. It keeps the row's webhook and reply times.
func (s *store) dropToken(ctx context.Context, ev integration.Event) (string, error) {
	_, err := s.db.ExecContext(ctx, `
UPDATE pages SET sealed_token = NULL, fingerprint = NULL, token_event_at = NULL, token_received_at = NULL
WHERE page_id = ?1 AND (token_event_at IS NULL OR token_event_at <= ?2)`, ev.Data.Page.ID, ms(ev.Timestamp))
	if err != nil {
		return "", err
	}
	return s.held(ctx, ev.Data.Page.ID)
}

// held is the fingerprint of the token held for the Page, "" for none.
func (s *store) held(ctx context.Context, pageID string) (string, error) {
	var fp sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT fingerprint FROM pages WHERE page_id = ?`, pageID).Scan(&fp)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return fp.String, err
}

// sealed is the Page's token as delivered (sealed); ok false when none is held.
func (s *store) sealed(ctx context.Context, pageID string) (sealed string, ok bool, err error) {
	var v sql.NullString
	err = s.db.QueryRowContext(ctx, `SELECT sealed_token FROM pages WHERE page_id = ?`, pageID).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return v.String, v.Valid && v.String != "", err
}

// webhookReceived and replySent record the times the status endpoint shows.
func (s *store) webhookReceived(ctx context.Context, pageID string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `
INSERT INTO pages (page_id, last_webhook_at) VALUES (?1, ?2)
ON CONFLICT (page_id) DO UPDATE SET last_webhook_at = max(coalesce(last_webhook_at, 0), ?2)`, pageID, ms(at))
	return err
}

func (s *store) replySent(ctx context.Context, pageID string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE pages SET last_reply_at = max(coalesce(last_reply_at, 0), ?2) WHERE page_id = ?1`, pageID, ms(at))
	return err
}

// states lists every Page for the status endpoint.
func (s *store) states(ctx context.Context) ([]integration.PageState, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT page_id, fingerprint, token_received_at, last_webhook_at, last_reply_at FROM pages ORDER BY page_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []integration.PageState
	for rows.Next() {
		var p integration.PageState
		var fp sql.NullString
		var received, webhook, reply sql.NullInt64
		if err := rows.Scan(&p.PageID, &fp, &received, &webhook, &reply); err != nil {
			return nil, err
		}
		p.TokenFingerprint = fp.String
		p.TokenReceivedAt, p.LastWebhookAt, p.LastReplyAt = when(received), when(webhook), when(reply)
		out = append(out, p)
	}
	return out, rows.Err()
}

func when(v sql.NullInt64) *time.Time {
	if !v.Valid || v.Int64 == 0 {
		return nil
	}
	t := time.UnixMilli(v.Int64).UTC()
	return &t
}

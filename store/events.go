package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Event is one entry of the append-only audit log. Never put a token, code
// or secret in Detail.
type Event struct {
	ID          int64
	At          time.Time // zero: now
	PageID      string    // "" for events about Pagekeeper itself
	ActorFBID   string
	ActorFBName string
	ActorOSUser string // "": the OS user running this process
	Kind        string // machine code, e.g. "token_renewed"
	Detail      string // plain words, in English
	// TextKey and TextData are the detail as a message of keeper's catalog
	// (its key and its values as JSON), so the history can be shown in the
	// reader's language; "" for events written before (migration 0005).
	TextKey  string
	TextData string
	// Group, when set, makes repeats one row: appending an event whose Group
	// is recorded already adds its Count to that row's and changes nothing
	// else (a flood of forged login callbacks is one row per kind and minute).
	Group string
	Count int // how many times it happened: 1 (0 is read as 1), or more for a Group
}

// AppendEvent adds e and returns its ID; for an e.Group recorded already it
// adds e.Count to that event's count and returns its ID.
func (tx *Tx) AppendEvent(e Event) (int64, error) {
	if e.Kind == "" {
		return 0, errors.New("an event needs a kind")
	}
	if e.At.IsZero() {
		e.At = tx.s.now()
	}
	if e.ActorOSUser == "" {
		e.ActorOSUser = tx.s.opts.OSUser
	}
	var page any
	if e.PageID != "" {
		page = e.PageID
	}
	if e.TextData == "" {
		e.TextData = "{}"
	}
	if e.Group == "" {
		res, err := tx.exec(`INSERT INTO events (at, page_id, actor_fb_id, actor_fb_name, actor_os_user, kind, detail, text_key, text_data)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, ms(e.At), page, e.ActorFBID, e.ActorFBName, e.ActorOSUser, e.Kind, e.Detail,
			e.TextKey, e.TextData)
		if err != nil {
			return 0, err
		}
		return res.LastInsertId()
	}
	st, err := tx.stmt(`INSERT INTO events (at, page_id, actor_fb_id, actor_fb_name, actor_os_user, kind, detail, text_key, text_data, group_key, count)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (group_key) WHERE group_key IS NOT NULL DO UPDATE SET count = count + excluded.count
		RETURNING id`)
	if err != nil {
		return 0, err
	}
	var id int64
	err = st.QueryRowContext(tx.ctx, ms(e.At), page, e.ActorFBID, e.ActorFBName, e.ActorOSUser, e.Kind, e.Detail, e.TextKey, e.TextData, e.Group,
		max(e.Count, 1)).Scan(&id)
	return id, err
}

// AppendEvent is Update + Tx.AppendEvent.
func (s *Store) AppendEvent(ctx context.Context, e Event) (id int64, err error) {
	err = s.Update(ctx, func(tx *Tx) error {
		id, err = tx.AppendEvent(e)
		return err
	})
	return id, err
}

// Events returns up to limit events, newest first; pageID "" means all
// Pages; limit <= 0 means no limit.
func (s *Store) Events(ctx context.Context, pageID string, limit int) (es []Event, err error) {
	if limit <= 0 {
		limit = -1
	}
	err = s.read(func(db *sql.DB) error {
		rows, err := db.QueryContext(ctx, `SELECT id, at, coalesce(page_id, ''), actor_fb_id, actor_fb_name, actor_os_user, kind, detail,
			text_key, text_data, coalesce(group_key, ''), count
			FROM events WHERE ?1 = '' OR page_id = ?1 ORDER BY id DESC LIMIT ?2`, pageID, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e Event
			var at int64
			if err := rows.Scan(&e.ID, &at, &e.PageID, &e.ActorFBID, &e.ActorFBName, &e.ActorOSUser, &e.Kind, &e.Detail,
				&e.TextKey, &e.TextData, &e.Group, &e.Count); err != nil {
				return err
			}
			e.At = fromMS(at)
			es = append(es, e)
		}
		return rows.Err()
	})
	return es, err
}

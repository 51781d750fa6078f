package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Status is a Page's health.
type Status string

const (
	StatusValid          Status = "valid"
	StatusNeedsAttention Status = "needs_attention"
	StatusInvalid        Status = "invalid"
	StatusCouldNotCheck  Status = "could_not_check"
	StatusDisconnected   Status = "disconnected"
	StatusUnchecked      Status = "unchecked"
)

// WebhookPreset names the chosen set of webhook fields.
type WebhookPreset string

const (
	PresetBot        WebhookPreset = "bot"
	PresetAgentInbox WebhookPreset = "agent_inbox"
	PresetCustom     WebhookPreset = "custom"
)

// GranularScope is one entry of debug_token's granular_scopes.
type GranularScope struct {
	Scope     string   `json:"scope"`
	TargetIDs []string `json:"target_ids,omitempty"`
}

// Page is a connected (or formerly connected) Facebook Page. Zero times
// mean "not yet"/"unknown"; a zero TokenExpiresAt means the token never
// expires. The token itself is not here: see SaveToken/Token.
type Page struct {
	ID, Name, Username, Category, Link, PictureURL string

	Tasks       []string
	IsPublished bool

	Status      Status
	Reason      string // machine reason code, e.g. "password_changed"
	StatusSince time.Time
	CheckedAt   time.Time
	LastOKAt    time.Time

	TokenType           string
	TokenIssuedAt       time.Time
	TokenExpiresAt      time.Time // zero = never
	DataAccessExpiresAt time.Time
	Scopes, Declined    []string
	GranularScopes      []GranularScope

	WebhookPreset    WebhookPreset
	WebhookFields    []string // desired
	SubscribedFields []string // last seen on Facebook

	ConnectedByFBID, ConnectedByFBName, ConnectedByOSUser string

	ConnectedAt    time.Time
	UpdatedAt      time.Time // set by the store on every write
	DisconnectedAt time.Time
	CleanupPending bool

	// NotReconfirmed is why the last round could not check a Page whose
	// Status is a known problem (Invalid or Needs attention), which it then
	// kept: a could-not-check reason code ("throttled", "temporary", …), ""
	// when the last round confirmed the status. ConfirmedAt is when a round
	// last confirmed it (set while NotReconfirmed is).
	NotReconfirmed string
	ConfirmedAt    time.Time

	// Integration names the integration the Page's messages go to ("" = none).
	Integration string

	// Revision is bumped by the store on every write of the Page: a writer
	// that read the Page earlier can tell whether it changed since.
	Revision int64
}

const pageColumns = `id, name, username, category, link, picture_url, tasks, is_published,
	status, reason, status_since, checked_at, last_ok_at,
	token_type, token_issued_at, token_expires_at, data_access_expires_at,
	scopes, declined, granular_scopes, webhook_preset, webhook_fields, subscribed_fields,
	connected_by_fb_id, connected_by_fb_name, connected_by_os_user,
	connected_at, updated_at, disconnected_at, cleanup_pending, not_reconfirmed, confirmed_at,
	integration, revision`

// upsertPageSQL writes every column but revision, which starts at 1 and
// goes up by one on each write.
var upsertPageSQL = func() string {
	cols := strings.Split(strings.Join(strings.Fields(pageColumns), ""), ",")
	cols = cols[:len(cols)-1] // revision
	set := make([]string, 0, len(cols))
	for _, c := range cols[1:] {
		set = append(set, c+" = excluded."+c)
	}
	return `INSERT INTO pages (` + strings.Join(cols, ", ") + `, revision) VALUES (` + strings.Repeat("?, ", len(cols)) + `1)
		ON CONFLICT (id) DO UPDATE SET ` + strings.Join(set, ", ") + `, revision = pages.revision + 1`
}()

// UpsertPage inserts p or replaces every column of the stored Page.
func (tx *Tx) UpsertPage(p Page) error {
	if p.ID == "" {
		return errors.New("a Page needs an ID")
	}
	if p.Status == "" {
		p.Status = StatusUnchecked
	}
	if p.WebhookPreset == "" {
		p.WebhookPreset = PresetBot
	}
	p.UpdatedAt = tx.s.now()
	var lists [6]string
	for i, v := range []any{p.Tasks, p.Scopes, p.Declined, p.GranularScopes, p.WebhookFields, p.SubscribedFields} {
		var err error
		if lists[i], err = jsonText(v); err != nil {
			return err
		}
	}
	_, err := tx.exec(upsertPageSQL,
		p.ID, p.Name, p.Username, p.Category, p.Link, p.PictureURL, lists[0], boolInt(p.IsPublished),
		string(p.Status), p.Reason, ms(p.StatusSince), ms(p.CheckedAt), ms(p.LastOKAt),
		p.TokenType, ms(p.TokenIssuedAt), ms(p.TokenExpiresAt), ms(p.DataAccessExpiresAt),
		lists[1], lists[2], lists[3], string(p.WebhookPreset), lists[4], lists[5],
		p.ConnectedByFBID, p.ConnectedByFBName, p.ConnectedByOSUser,
		ms(p.ConnectedAt), ms(p.UpdatedAt), ms(p.DisconnectedAt), boolInt(p.CleanupPending),
		p.NotReconfirmed, ms(p.ConfirmedAt), p.Integration)
	return err
}

// SetPageStatus records a check result and returns the previous status.
// StatusSince moves only when the status changes; LastOKAt when it is valid.
func (tx *Tx) SetPageStatus(pageID string, st Status, reason string, at time.Time) (Status, error) {
	var prev string
	err := tx.tx.QueryRowContext(tx.ctx, `SELECT status FROM pages WHERE id = ?`, pageID).Scan(&prev)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("page %s: %w", pageID, ErrNotFound)
	}
	if err != nil {
		return "", err
	}
	_, err = tx.exec(`UPDATE pages SET status = ?1, reason = ?2, checked_at = ?3,
		status_since = CASE WHEN status = ?1 AND status_since <> 0 THEN status_since ELSE ?3 END,
		last_ok_at = CASE WHEN ?1 = 'valid' THEN ?3 ELSE last_ok_at END,
		updated_at = ?4, revision = revision + 1 WHERE id = ?5`,
		string(st), reason, ms(at), ms(tx.s.now()), pageID)
	return Status(prev), err
}

// PagesByID reads the Pages that exist among ids in one query.
func (tx *Tx) PagesByID(ids []string) (map[string]Page, error) {
	list, err := jsonText(ids)
	if err != nil {
		return nil, err
	}
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT `+pageColumns+` FROM pages WHERE id IN (SELECT value FROM json_each(?))`, list)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string]Page, len(ids))
	for rows.Next() {
		p, err := scanPage(rows)
		if err != nil {
			return nil, err
		}
		out[p.ID] = p
	}
	return out, rows.Err()
}

// MarkChecked records that the Pages were checked at and found as before
// (same status, same reason): one statement for all of them. LastOKAt moves
// for the valid ones.
func (tx *Tx) MarkChecked(ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	list, err := jsonText(ids)
	if err != nil {
		return err
	}
	_, err = tx.exec(`UPDATE pages SET checked_at = ?1,
		last_ok_at = CASE WHEN status = 'valid' THEN ?1 ELSE last_ok_at END,
		updated_at = ?2, revision = revision + 1
		WHERE id IN (SELECT value FROM json_each(?3))`, ms(at), ms(tx.s.now()), list)
	return err
}

// Page returns one Page, or ErrNotFound.
func (tx *Tx) Page(id string) (Page, error) {
	return scanPage(tx.tx.QueryRowContext(tx.ctx, `SELECT `+pageColumns+` FROM pages WHERE id = ?`, id))
}

// UpsertPage is Update + Tx.UpsertPage.
func (s *Store) UpsertPage(ctx context.Context, p Page) error {
	return s.Update(ctx, func(tx *Tx) error { return tx.UpsertPage(p) })
}

// SetPageStatus is Update + Tx.SetPageStatus.
func (s *Store) SetPageStatus(ctx context.Context, pageID string, st Status, reason string, at time.Time) (prev Status, err error) {
	err = s.Update(ctx, func(tx *Tx) error {
		prev, err = tx.SetPageStatus(pageID, st, reason, at)
		return err
	})
	return prev, err
}

// Page returns one Page, or ErrNotFound.
func (s *Store) Page(ctx context.Context, id string) (p Page, err error) {
	err = s.read(func(db *sql.DB) error {
		p, err = scanPage(db.QueryRowContext(ctx, `SELECT `+pageColumns+` FROM pages WHERE id = ?`, id))
		return err
	})
	return p, err
}

// Pages returns every Page ordered by name, then ID.
func (s *Store) Pages(ctx context.Context) (ps []Page, err error) {
	err = s.read(func(db *sql.DB) error {
		rows, err := db.QueryContext(ctx, `SELECT `+pageColumns+` FROM pages ORDER BY name COLLATE NOCASE, id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			p, err := scanPage(rows)
			if err != nil {
				return err
			}
			ps = append(ps, p)
		}
		return rows.Err()
	})
	return ps, err
}

// PageCount is how many Pages the folder holds (connected or not).
func (s *Store) PageCount(ctx context.Context) (n int, err error) {
	err = s.read(func(db *sql.DB) error {
		return db.QueryRowContext(ctx, `SELECT count(*) FROM pages`).Scan(&n)
	})
	return n, err
}

// PageSummaries calls each with every Page, in no particular order (the
// window and the command line order them their own ways), with only what a
// list of Pages says about each: ID, Name, Status, Reason, StatusSince,
// CheckedAt, LastOKAt, UpdatedAt, CleanupPending, ConnectedByFBID,
// NotReconfirmed, ConfirmedAt, Integration and, for a Page with a reason,
// the facts its explanation may name (TokenExpiresAt, DataAccessExpiresAt,
// Scopes, Declined, WebhookFields, SubscribedFields). With each comes its
// integration's state of it, in the same pass: of the PageDelivery,
// TokenFingerprint, TokenAt, HeldFingerprint, FailingSince, LastError,
// Pending and Next.NextAttemptAt (the zero PageDelivery for a Page that
// goes to none). Every other field is zero: Page and PageDeliveries read
// them in full. The window's start and every status list read this
// (BenchmarkPageSummaries10k): the facts are read first, only for the
// Pages with a reason, and the Pages are handed over one by one, so that
// 10,000 of them are never all held at once. (A Page that gains its reason
// between the two reads is said without the detail until the next read.)
func (s *Store) PageSummaries(ctx context.Context, each func(Page, PageDelivery) error) error {
	return s.read(func(db *sql.DB) error {
		facts, err := reasonFacts(ctx, db)
		if err != nil {
			return err
		}
		rows, err := db.QueryContext(ctx, `SELECT p.id, p.name, p.status, p.reason, p.status_since, p.checked_at, p.last_ok_at,
			p.updated_at, p.cleanup_pending, p.connected_by_fb_id, p.not_reconfirmed, p.confirmed_at, p.integration,
			`+pageStateColumns+` FROM pages p`+pageDeliveryJoin)
		if err != nil {
			return err
		}
		defer rows.Close()
		var (
			p                                          Page
			status                                     string
			cleanup                                    int
			since, checked, lastOK, updated, confirmed int64
			d                                          pageDeliveryScan
		)
		dest := append([]any{&p.ID, &p.Name, &status, &p.Reason, &since, &checked, &lastOK, &updated, &cleanup,
			&p.ConnectedByFBID, &p.NotReconfirmed, &confirmed, &p.Integration}, d.dest(false)...)
		for rows.Next() {
			p, d = Page{}, pageDeliveryScan{}
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			p.Status, p.CleanupPending = Status(status), cleanup == 1
			p.StatusSince, p.CheckedAt, p.LastOKAt, p.UpdatedAt = fromMS(since), fromMS(checked), fromMS(lastOK), fromMS(updated)
			p.ConfirmedAt = fromMS(confirmed)
			if f, ok := facts[p.ID]; ok && p.Reason != "" {
				p.TokenExpiresAt, p.DataAccessExpiresAt = f.TokenExpiresAt, f.DataAccessExpiresAt
				p.Scopes, p.Declined, p.WebhookFields, p.SubscribedFields = f.Scopes, f.Declined, f.WebhookFields, f.SubscribedFields
			}
			if err := each(p, d.delivery(p.ID, p.Integration)); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}

// reasonFacts reads, for the Pages with a reason, the facts an
// explanation may name (see PageSummaries).
func reasonFacts(ctx context.Context, db *sql.DB) (map[string]Page, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, token_expires_at, data_access_expires_at, scopes, declined,
		webhook_fields, subscribed_fields FROM pages WHERE reason != ''`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	facts := map[string]Page{}
	for rows.Next() {
		var p Page
		var exp, da int64
		var scopes, declined, wf, sf string
		if err := rows.Scan(&p.ID, &exp, &da, &scopes, &declined, &wf, &sf); err != nil {
			return nil, err
		}
		p.TokenExpiresAt, p.DataAccessExpiresAt = fromMS(exp), fromMS(da)
		for _, f := range []struct {
			text string
			into *[]string
		}{{scopes, &p.Scopes}, {declined, &p.Declined}, {wf, &p.WebhookFields}, {sf, &p.SubscribedFields}} {
			if err := fromJSON(f.text, f.into); err != nil {
				return nil, fmt.Errorf("page %s: %w", p.ID, err)
			}
		}
		facts[p.ID] = p
	}
	return facts, rows.Err()
}

type scanner interface{ Scan(...any) error }

func scanPage(r scanner) (Page, error) {
	var p Page
	var tasks, scopes, declined, granular, wf, sf, status, preset string
	var published, cleanup int
	var since, checked, lastOK, issued, expires, dax, connected, updated, disconnected, confirmed int64
	err := r.Scan(&p.ID, &p.Name, &p.Username, &p.Category, &p.Link, &p.PictureURL, &tasks, &published,
		&status, &p.Reason, &since, &checked, &lastOK,
		&p.TokenType, &issued, &expires, &dax,
		&scopes, &declined, &granular, &preset, &wf, &sf,
		&p.ConnectedByFBID, &p.ConnectedByFBName, &p.ConnectedByOSUser,
		&connected, &updated, &disconnected, &cleanup, &p.NotReconfirmed, &confirmed,
		&p.Integration, &p.Revision)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	if err != nil {
		return p, err
	}
	p.Status, p.WebhookPreset = Status(status), WebhookPreset(preset)
	p.IsPublished, p.CleanupPending = published == 1, cleanup == 1
	p.StatusSince, p.CheckedAt, p.LastOKAt = fromMS(since), fromMS(checked), fromMS(lastOK)
	p.TokenIssuedAt, p.TokenExpiresAt, p.DataAccessExpiresAt = fromMS(issued), fromMS(expires), fromMS(dax)
	p.ConnectedAt, p.UpdatedAt, p.DisconnectedAt = fromMS(connected), fromMS(updated), fromMS(disconnected)
	p.ConfirmedAt = fromMS(confirmed)
	for _, f := range []struct {
		text string
		into any
	}{{tasks, &p.Tasks}, {scopes, &p.Scopes}, {declined, &p.Declined}, {granular, &p.GranularScopes}, {wf, &p.WebhookFields}, {sf, &p.SubscribedFields}} {
		if err := fromJSON(f.text, f.into); err != nil {
			return p, fmt.Errorf("page %s: %w", p.ID, err)
		}
	}
	return p, nil
}

// OldestCheck says when the least recently checked connected Page was
// checked, and whether some connected Page was never checked (the scheduler
// asks at start-up; one query instead of reading every Page).
func (s *Store) OldestCheck(ctx context.Context) (oldest time.Time, neverChecked bool, err error) {
	err = s.read(func(db *sql.DB) error {
		var minMS, unchecked sql.NullInt64
		if err := db.QueryRowContext(ctx, `SELECT MIN(checked_at), SUM(checked_at = 0) FROM pages WHERE status != ?`,
			string(StatusDisconnected)).Scan(&minMS, &unchecked); err != nil {
			return err
		}
		oldest, neverChecked = fromMS(minMS.Int64), unchecked.Int64 > 0
		return nil
	})
	return oldest, neverChecked, err
}

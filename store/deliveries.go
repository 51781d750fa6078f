package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// Deliveries are the outbox of events for the business's Messenger
// integrations (migration 0006). The store keeps them and answers which are
// due; what an event says, when one supersedes another and what an answer
// means is the keeper's. A body never holds a token Pagekeeper could read:
// the keeper seals the token inside it to the integration's key before it
// is queued.

// DeliveryState says where an event is.
type DeliveryState string

const (
	DeliveryPending    DeliveryState = "pending"    // not acknowledged yet
	DeliveryDelivered  DeliveryState = "delivered"  // the integration answered 2xx
	DeliverySuperseded DeliveryState = "superseded" // replaced by a newer event before it was delivered
)

// Delivery is one event for one integration.
type Delivery struct {
	ID          int64
	Integration string
	PageID      string // "" for an event about no Page
	Type        string
	MessageID   string // webhook-id
	Body        []byte // as sent and signed; empty once done
	Fingerprint string // of the token it carries ("" for none)
	State       DeliveryState
	// Claimed: an attempt was started and may have reached the integration.
	Claimed        bool
	Attempts       int
	NextAttemptAt  time.Time
	LastError      string
	CreatedAt      time.Time
	DoneAt         time.Time
	AckFingerprint string
	// Queued is how many events of its integration and Page were pending
	// when DueDeliveries read it, itself included.
	Queued int
}

const deliveryColumns = `id, integration, page_id, type, message_id, body, fingerprint, state, claimed, attempts,
	next_attempt_at, last_error, created_at, done_at, ack_fingerprint`

func scanDelivery(r scanner) (Delivery, error) {
	var d Delivery
	var body, state string
	var claimed int
	var next, created, done int64
	err := r.Scan(&d.ID, &d.Integration, &d.PageID, &d.Type, &d.MessageID, &body, &d.Fingerprint, &state, &claimed,
		&d.Attempts, &next, &d.LastError, &created, &done, &d.AckFingerprint)
	if errors.Is(err, sql.ErrNoRows) {
		return d, ErrNotFound
	}
	if body != "" {
		d.Body = []byte(body)
	}
	d.State, d.Claimed = DeliveryState(state), claimed == 1
	d.NextAttemptAt, d.CreatedAt, d.DoneAt = fromMS(next), fromMS(created), fromMS(done)
	return d, err
}

// QueueDelivery adds an event, due now, after every other event of its
// integration and Page.
func (tx *Tx) QueueDelivery(d Delivery) (int64, error) {
	if d.Integration == "" || d.Type == "" || d.MessageID == "" || len(d.Body) == 0 {
		return 0, errors.New("a delivery needs an integration, a type, a message ID and a body")
	}
	now := ms(tx.s.now())
	res, err := tx.exec(`INSERT INTO deliveries (integration, page_id, type, message_id, body, fingerprint, next_attempt_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, d.Integration, d.PageID, d.Type, d.MessageID, string(d.Body), d.Fingerprint, now, now)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// PendingDeliveries lists the events of one integration and Page not yet
// delivered, in order (without their bodies).
func (tx *Tx) PendingDeliveries(integration, pageID string) ([]Delivery, error) {
	st, err := tx.stmt(`SELECT ` + deliveryColumns + ` FROM deliveries
		WHERE state = 'pending' AND integration = ? AND page_id = ? ORDER BY id`)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(tx.ctx, integration, pageID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		d.Body = nil
		out = append(out, d)
	}
	return out, rows.Err()
}

// SupersedeDeliveries marks pending events as replaced and wipes their bodies.
func (tx *Tx) SupersedeDeliveries(ids []int64, at time.Time) error {
	for _, id := range ids {
		if _, err := tx.exec(`UPDATE deliveries SET state = 'superseded', body = '', done_at = ? WHERE id = ? AND state = 'pending'`,
			ms(at), id); err != nil {
			return err
		}
	}
	return nil
}

// ClaimDelivery records, before an attempt, that the event may reach the
// integration. It reports false when the event is no longer pending (it
// was superseded meanwhile) and must not be sent.
func (tx *Tx) ClaimDelivery(id int64) (bool, error) {
	res, err := tx.exec(`UPDATE deliveries SET claimed = 1 WHERE id = ? AND state = 'pending'`, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// CompleteDelivery records the integration's 2xx and wipes the body. It
// reports false when the event was superseded while it was on its way (it
// was delivered all the same; the newer event follows it).
func (tx *Tx) CompleteDelivery(id int64, at time.Time, ackFingerprint string) (bool, error) {
	res, err := tx.exec(`UPDATE deliveries SET state = 'delivered', body = '', done_at = ?, ack_fingerprint = ?, last_error = ''
		WHERE id = ? AND state = 'pending'`, ms(at), ackFingerprint, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// FailDelivery records a failed attempt (errText in plain words, never a
// token) and when to try again.
func (tx *Tx) FailDelivery(id int64, errText string, next time.Time) error {
	_, err := tx.exec(`UPDATE deliveries SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ? AND state = 'pending'`,
		errText, ms(next), id)
	return err
}

// RescheduleDeliveries makes every pending event of an integration due at
// at (its settings changed: the next attempt may work).
func (tx *Tx) RescheduleDeliveries(integration string, at time.Time) error {
	_, err := tx.exec(`UPDATE deliveries SET next_attempt_at = ? WHERE state = 'pending' AND integration = ?`, ms(at), integration)
	return err
}

// SupersedeIntegration drops every pending event of an integration (it was
// removed) and forgets what it had of each Page.
func (tx *Tx) SupersedeIntegration(integration string, at time.Time) error {
	if _, err := tx.exec(`UPDATE deliveries SET state = 'superseded', body = '', done_at = ? WHERE state = 'pending' AND integration = ?`,
		ms(at), integration); err != nil {
		return err
	}
	_, err := tx.exec(`DELETE FROM integration_pages WHERE integration = ?`, integration)
	return err
}

// IntegrationPage is what one integration has of one Page, as its answers
// told.
type IntegrationPage struct {
	Integration, PageID string
	// Reached: an event handing it the Page's token may have reached it
	// (attempted or delivered) and no disconnect was delivered since, so a
	// disconnect must be sent to undo it.
	Reached bool
	// TokenFingerprint and TokenAt: the last token it acknowledged, and when.
	TokenFingerprint string
	TokenAt          time.Time
	// HeldFingerprint is the token it said it holds (in an answer or its
	// status endpoint); "" when it did not say.
	HeldFingerprint string
	// FailingSince is when deliveries to it for this Page started failing
	// (zero: the last attempt worked); LastError says how the last failed.
	FailingSince time.Time
	LastError    string
}

const integrationPageColumns = `integration, page_id, reached, token_fingerprint, token_at, held_fingerprint, failing_since, last_error`

func scanIntegrationPage(r scanner) (IntegrationPage, error) {
	var ip IntegrationPage
	var reached int
	var tokenAt, failing int64
	err := r.Scan(&ip.Integration, &ip.PageID, &reached, &ip.TokenFingerprint, &tokenAt, &ip.HeldFingerprint, &failing, &ip.LastError)
	ip.Reached, ip.TokenAt, ip.FailingSince = reached == 1, fromMS(tokenAt), fromMS(failing)
	return ip, err
}

// IntegrationPage reads what integration has of the Page (the zero value,
// named, when nothing was ever sent).
func (tx *Tx) IntegrationPage(integration, pageID string) (IntegrationPage, error) {
	st, err := tx.stmt(`SELECT ` + integrationPageColumns + ` FROM integration_pages WHERE integration = ? AND page_id = ?`)
	if err != nil {
		return IntegrationPage{}, err
	}
	ip, err := scanIntegrationPage(st.QueryRowContext(tx.ctx, integration, pageID))
	if errors.Is(err, sql.ErrNoRows) {
		return IntegrationPage{Integration: integration, PageID: pageID}, nil
	}
	return ip, err
}

// SaveIntegrationPage writes ip.
func (tx *Tx) SaveIntegrationPage(ip IntegrationPage) error {
	_, err := tx.exec(`INSERT INTO integration_pages (`+integrationPageColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (integration, page_id) DO UPDATE SET reached = excluded.reached, token_fingerprint = excluded.token_fingerprint,
		token_at = excluded.token_at, held_fingerprint = excluded.held_fingerprint, failing_since = excluded.failing_since,
		last_error = excluded.last_error`,
		ip.Integration, ip.PageID, boolInt(ip.Reached), ip.TokenFingerprint, ms(ip.TokenAt), ip.HeldFingerprint,
		ms(ip.FailingSince), ip.LastError)
	return err
}

// DueDeliveries returns, for each integration and Page with pending events,
// the first one (its events go one at a time, in order) when it is due at
// now: oldest first, at most limit, bodies included, leaving out the
// events in skip (the caller has them already).
func (s *Store) DueDeliveries(ctx context.Context, now time.Time, limit int, skip ...int64) (out []Delivery, err error) {
	if limit <= 0 {
		limit = -1
	}
	skipped, err := jsonText(skip)
	if err != nil {
		return nil, err
	}
	cols := strings.ReplaceAll("d."+strings.Join(strings.Fields(deliveryColumns), " d."), " ", "")
	err = s.read(func(db *sql.DB) error {
		rows, err := db.QueryContext(ctx, `SELECT `+cols+`, q.n FROM
			(SELECT min(id) AS first, count(*) AS n FROM deliveries WHERE state = 'pending' GROUP BY integration, page_id) q
			JOIN deliveries d ON d.id = q.first
			WHERE d.next_attempt_at <= ? AND d.id NOT IN (SELECT value FROM json_each(?))
			ORDER BY d.next_attempt_at, d.id LIMIT ?`, ms(now), skipped, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n int
			d, err := scanDelivery(scanFunc(func(dest ...any) error { return rows.Scan(append(dest, &n)...) }))
			if err != nil {
				return err
			}
			d.Queued = n
			out = append(out, d)
		}
		return rows.Err()
	})
	return out, err
}

// scanFunc adapts a function to scanner.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// UnlinkedPages lists the connected Pages whose messages go to no integration.
func (tx *Tx) UnlinkedPages() ([]string, error) {
	return tx.pageIDs(`SELECT id FROM pages WHERE integration = '' AND status <> 'disconnected' ORDER BY id`)
}

// PagesOf lists the connected Pages whose messages go to integration.
func (tx *Tx) PagesOf(integration string) ([]string, error) {
	return tx.pageIDs(`SELECT id FROM pages WHERE integration = ? AND status <> 'disconnected' ORDER BY id`, integration)
}

func (tx *Tx) pageIDs(query string, args ...any) ([]string, error) {
	rows, err := tx.tx.QueryContext(tx.ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// NextDeliveryAt is when the next pending event is due (ok false: none is
// pending).
func (s *Store) NextDeliveryAt(ctx context.Context) (at time.Time, ok bool, err error) {
	err = s.read(func(db *sql.DB) error {
		var next sql.NullInt64
		if err := db.QueryRowContext(ctx, `SELECT min(next_attempt_at) FROM deliveries
			WHERE id IN (SELECT min(id) FROM deliveries WHERE state = 'pending' GROUP BY integration, page_id)`).Scan(&next); err != nil {
			return err
		}
		at, ok = time.UnixMilli(next.Int64), next.Valid
		return nil
	})
	return at, ok, err
}

// PageDelivery is one Page's state with the integration its messages go
// to: what the integration has of it, and its first pending event if any.
type PageDelivery struct {
	IntegrationPage
	// Pending counts the events not delivered yet; Next is the first of
	// them (zero when none).
	Pending int
	Next    Delivery
}

// pageDeliveryJoin joins to pages (as p) what each Page's integration has of
// it (ip), how many of its events are pending (q) and the first of them (d).
const pageDeliveryJoin = `
	LEFT JOIN integration_pages ip ON ip.integration = p.integration AND ip.page_id = p.id
	LEFT JOIN (SELECT integration, page_id, count(*) AS n, min(id) AS first FROM deliveries WHERE state = 'pending'
		GROUP BY integration, page_id) q ON q.integration = p.integration AND q.page_id = p.id
	LEFT JOIN deliveries d ON d.id = q.first`

// The columns of pageDeliveryJoin: the Page's state with its integration
// (what a list of Pages says, PageSummaries), then the rest of the first
// pending event (PageDeliveries: the check and the queue need it too).
// Each column read costs on every one of 10,000 Pages at the window's start.
const (
	pageStateColumns = `coalesce(ip.token_fingerprint, ''), coalesce(ip.token_at, 0), coalesce(ip.held_fingerprint, ''),
	coalesce(ip.failing_since, 0), coalesce(ip.last_error, ''), coalesce(q.n, 0), coalesce(d.next_attempt_at, 0)`
	pageDeliveryMoreColumns = `coalesce(ip.reached, 0), coalesce(d.id, 0), coalesce(d.type, ''), coalesce(d.attempts, 0),
	coalesce(d.last_error, ''), coalesce(d.created_at, 0)`
)

// pageDeliveryScan holds one row's columns of pageDeliveryJoin while it is
// scanned.
type pageDeliveryScan struct {
	pd                             PageDelivery
	reached                        int
	tokenAt, failing, next, create int64
}

// dest is where the state columns go, and with more the other columns too.
func (d *pageDeliveryScan) dest(more bool) []any {
	dest := []any{&d.pd.TokenFingerprint, &d.tokenAt, &d.pd.HeldFingerprint, &d.failing, &d.pd.IntegrationPage.LastError,
		&d.pd.Pending, &d.next}
	if more {
		dest = append(dest, &d.reached, &d.pd.Next.ID, &d.pd.Next.Type, &d.pd.Next.Attempts, &d.pd.Next.LastError, &d.create)
	}
	return dest
}

// delivery is the scanned row's PageDelivery for the Page id and its
// integration (the zero PageDelivery for a Page that goes to none).
func (d *pageDeliveryScan) delivery(id, integration string) PageDelivery {
	if integration == "" {
		return PageDelivery{}
	}
	pd := d.pd
	pd.PageID, pd.Integration = id, integration
	pd.Reached, pd.TokenAt, pd.FailingSince = d.reached == 1, fromMS(d.tokenAt), fromMS(d.failing)
	pd.Next.Integration, pd.Next.PageID = integration, id
	pd.Next.NextAttemptAt, pd.Next.CreatedAt = fromMS(d.next), fromMS(d.create)
	return pd
}

// PageDeliveries reads, for every Page linked to an integration, what that
// integration has of it and what is still to be delivered, in one query.
func (s *Store) PageDeliveries(ctx context.Context) (out map[string]PageDelivery, err error) {
	out = map[string]PageDelivery{}
	err = s.read(func(db *sql.DB) error {
		rows, err := db.QueryContext(ctx, `SELECT p.id, p.integration, `+pageStateColumns+`, `+pageDeliveryMoreColumns+`
			FROM pages p`+pageDeliveryJoin+` WHERE p.integration <> ''`)
		if err != nil {
			return err
		}
		defer rows.Close()
		var id, integration string
		var d pageDeliveryScan
		dest := append([]any{&id, &integration}, d.dest(true)...)
		for rows.Next() {
			d = pageDeliveryScan{}
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			out[id] = d.delivery(id, integration)
		}
		return rows.Err()
	})
	return out, err
}

// IntegrationQueue is what waits for one integration.
type IntegrationQueue struct {
	Pending      int       // events not delivered yet
	FailingSince time.Time // the earliest failure among its Pages (zero: none failing)
	LastError    string    // how the last failed attempt went
}

// IntegrationQueues reads, per integration, what waits for it.
func (s *Store) IntegrationQueues(ctx context.Context) (out map[string]IntegrationQueue, err error) {
	out = map[string]IntegrationQueue{}
	err = s.read(func(db *sql.DB) error {
		rows, err := db.QueryContext(ctx, `SELECT integration, count(*), coalesce(max(CASE WHEN last_error <> '' THEN id END), 0)
			FROM deliveries WHERE state = 'pending' GROUP BY integration`)
		if err != nil {
			return err
		}
		var lastIDs []int64
		var names []string
		for rows.Next() {
			var name string
			var q IntegrationQueue
			var lastID int64
			if err := rows.Scan(&name, &q.Pending, &lastID); err != nil {
				rows.Close()
				return err
			}
			out[name] = q
			names, lastIDs = append(names, name), append(lastIDs, lastID)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i, name := range names {
			q := out[name]
			if lastIDs[i] != 0 {
				_ = db.QueryRowContext(ctx, `SELECT last_error FROM deliveries WHERE id = ?`, lastIDs[i]).Scan(&q.LastError)
			}
			var failing sql.NullInt64
			if err := db.QueryRowContext(ctx, `SELECT min(failing_since) FROM integration_pages WHERE integration = ? AND failing_since > 0`,
				name).Scan(&failing); err != nil {
				return err
			}
			q.FailingSince = fromMS(failing.Int64)
			out[name] = q
		}
		return nil
	})
	return out, err
}

// PruneDeliveries deletes events done before before (their bodies were
// wiped when they were done; what each integration has of each Page stays
// in integration_pages).
func (s *Store) PruneDeliveries(ctx context.Context, before time.Time) (n int64, err error) {
	err = s.Update(ctx, func(tx *Tx) error {
		res, err := tx.exec(`DELETE FROM deliveries WHERE state <> 'pending' AND done_at < ?`, ms(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// Deliveries lists every event of integration (all of them when ""),
// oldest first, bodies included: for tests and diagnostics.
func (s *Store) Deliveries(ctx context.Context, integration string) (out []Delivery, err error) {
	err = s.read(func(db *sql.DB) error {
		rows, err := db.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE ?1 = '' OR integration = ?1 ORDER BY id`, integration)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDelivery(rows)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return rows.Err()
	})
	return out, err
}

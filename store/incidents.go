package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Incident is one stretch of a Page being unhealthy. At most one is open
// per Page, which is what makes alerts fire once.
type Incident struct {
	ID            int64
	PageID        string
	Open          bool
	Reason        string
	OpenedAt      time.Time
	LastAlertAt   time.Time
	RemindersSent int
	ClosedAt      time.Time
}

const incidentColumns = `id, page_id, status, reason, opened_at, last_alert_at, reminders_sent, closed_at`

// OpenIncident opens an incident for the Page unless one is already open;
// it returns the open incident and whether it was created now.
func (tx *Tx) OpenIncident(pageID, reason string, at time.Time) (Incident, bool, error) {
	inc, err := tx.openIncident(pageID)
	if err == nil {
		if inc.Reason != reason {
			_, err = tx.exec(`UPDATE incidents SET reason = ? WHERE id = ?`, reason, inc.ID)
			inc.Reason = reason
		}
		return inc, false, err
	}
	if !errors.Is(err, ErrNotFound) {
		return inc, false, err
	}
	res, err := tx.exec(`INSERT INTO incidents (page_id, status, reason, opened_at) VALUES (?, 'open', ?, ?)`, pageID, reason, ms(at))
	if err != nil {
		return inc, false, err
	}
	id, err := res.LastInsertId()
	return Incident{ID: id, PageID: pageID, Open: true, Reason: reason, OpenedAt: fromMS(ms(at))}, true, err
}

// CloseIncident closes the Page's open incident, returning it and whether
// there was one.
func (tx *Tx) CloseIncident(pageID string, at time.Time) (Incident, bool, error) {
	inc, err := tx.openIncident(pageID)
	if errors.Is(err, ErrNotFound) {
		return inc, false, nil
	}
	if err != nil {
		return inc, false, err
	}
	_, err = tx.exec(`UPDATE incidents SET status = 'closed', closed_at = ? WHERE id = ?`, ms(at), inc.ID)
	inc.Open, inc.ClosedAt = false, fromMS(ms(at))
	return inc, err == nil, err
}

// MarkAlerted records that an alert (or, if reminder, a reminder) was sent.
func (tx *Tx) MarkAlerted(incidentID int64, at time.Time, reminder bool) error {
	_, err := tx.exec(`UPDATE incidents SET last_alert_at = ?, reminders_sent = reminders_sent + ? WHERE id = ?`,
		ms(at), boolInt(reminder), incidentID)
	return err
}

func (tx *Tx) openIncident(pageID string) (Incident, error) {
	return scanIncident(tx.tx.QueryRowContext(tx.ctx, `SELECT `+incidentColumns+` FROM incidents WHERE page_id = ? AND status = 'open'`, pageID))
}

// OpenIncident is Update + Tx.OpenIncident.
func (s *Store) OpenIncident(ctx context.Context, pageID, reason string, at time.Time) (inc Incident, created bool, err error) {
	err = s.Update(ctx, func(tx *Tx) error {
		inc, created, err = tx.OpenIncident(pageID, reason, at)
		return err
	})
	return inc, created, err
}

// CloseIncident is Update + Tx.CloseIncident.
func (s *Store) CloseIncident(ctx context.Context, pageID string, at time.Time) (inc Incident, closed bool, err error) {
	err = s.Update(ctx, func(tx *Tx) error {
		inc, closed, err = tx.CloseIncident(pageID, at)
		return err
	})
	return inc, closed, err
}

// MarkAlerted is Update + Tx.MarkAlerted.
func (s *Store) MarkAlerted(ctx context.Context, incidentID int64, at time.Time, reminder bool) error {
	return s.Update(ctx, func(tx *Tx) error { return tx.MarkAlerted(incidentID, at, reminder) })
}

// Incidents lists incidents newest first: only open ones if openOnly;
// pageID "" means all Pages.
func (s *Store) Incidents(ctx context.Context, pageID string, openOnly bool) (list []Incident, err error) {
	err = s.read(func(db *sql.DB) error {
		rows, err := db.QueryContext(ctx, `SELECT `+incidentColumns+` FROM incidents
			WHERE (?1 = '' OR page_id = ?1) AND (?2 = 0 OR status = 'open') ORDER BY id DESC`, pageID, boolInt(openOnly))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			inc, err := scanIncident(rows)
			if err != nil {
				return err
			}
			list = append(list, inc)
		}
		return rows.Err()
	})
	return list, err
}

func scanIncident(r scanner) (Incident, error) {
	var inc Incident
	var status string
	var opened, alerted, closed int64
	err := r.Scan(&inc.ID, &inc.PageID, &status, &inc.Reason, &opened, &alerted, &inc.RemindersSent, &closed)
	if errors.Is(err, sql.ErrNoRows) {
		return inc, ErrNotFound
	}
	inc.Open = status == "open"
	inc.OpenedAt, inc.LastAlertAt, inc.ClosedAt = fromMS(opened), fromMS(alerted), fromMS(closed)
	return inc, err
}

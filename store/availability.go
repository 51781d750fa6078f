package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Span is a stretch of time (a day of the availability strip).
type Span struct{ From, To time.Time }

// UpDown is how much Page time a span held: Up is the time Pages were
// connected, Down the part of it they were in an incident of one of the
// down reasons (both summed over Pages).
type UpDown struct{ Up, Down time.Duration }

// UpAndDown sums, for each span, the time the Pages were connected and the
// time they were down, in one query: the dashboard's 30 days at a glance
// must not cost start-up anything per Page. A Page counts from its first
// connection (its first page_connected event; renewals move connected_at)
// until it was disconnected. An incident counts from its opening until the
// last status change before it closed (an incident closes one healthy
// round after the Page recovered), or until now while open. Only incidents
// whose reason is in downReasons count.
func (s *Store) UpAndDown(ctx context.Context, spans []Span, now time.Time, downReasons []string) ([]UpDown, error) {
	if len(spans) == 0 {
		return nil, nil
	}
	reasons, err := json.Marshal(downReasons)
	if err != nil {
		return nil, err
	}
	var values strings.Builder
	args := []any{ms(now), string(reasons), ms(spans[0].From)}
	for i, sp := range spans {
		if i > 0 {
			values.WriteString(", ")
		}
		n := len(args) + 1 // numbered: ?1–?3 are taken
		fmt.Fprintf(&values, "(?%d, ?%d, ?%d)", n, n+1, n+2)
		args = append(args, i, ms(sp.From), ms(sp.To))
	}
	query := `WITH days(i, s, e) AS (VALUES ` + values.String() + `),
	up AS MATERIALIZED (
		SELECT s, e, COUNT(*) AS n FROM (
			SELECT COALESCE((SELECT MIN(ev.at) FROM events ev WHERE ev.page_id = p.id AND ev.kind = 'page_connected'), p.connected_at) AS s,
				CASE WHEN p.status = 'disconnected' AND p.disconnected_at > 0 THEN p.disconnected_at ELSE ?1 END AS e
			FROM pages p WHERE p.connected_at > 0
		) GROUP BY s, e
	),
	down AS MATERIALIZED (
		SELECT i.opened_at AS s,
			CASE WHEN i.status = 'open' THEN ?1 ELSE COALESCE((SELECT MAX(ev.at) FROM events ev
				WHERE ev.page_id = i.page_id AND ev.kind = 'status_changed' AND ev.at > i.opened_at AND ev.at <= i.closed_at),
				i.closed_at) END AS e
		FROM incidents i
		WHERE i.reason IN (SELECT value FROM json_each(?2)) AND (i.status = 'open' OR i.closed_at > ?3)
	)
	SELECT d.i,
		(SELECT COALESCE(SUM(u.n * MAX(0, MIN(u.e, d.e) - MAX(u.s, d.s))), 0) FROM up u WHERE u.s < d.e AND u.e > d.s),
		(SELECT COALESCE(SUM(MAX(0, MIN(x.e, d.e) - MAX(x.s, d.s))), 0) FROM down x WHERE x.s < d.e AND x.e > d.s)
	FROM days d ORDER BY d.i`
	out := make([]UpDown, len(spans))
	err = s.read(func(db *sql.DB) error {
		rows, err := db.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var i int
			var up, down int64
			if err := rows.Scan(&i, &up, &down); err != nil {
				return err
			}
			out[i] = UpDown{Up: time.Duration(up) * time.Millisecond, Down: time.Duration(down) * time.Millisecond}
		}
		return rows.Err()
	})
	return out, err
}

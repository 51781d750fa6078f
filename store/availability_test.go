package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// upDownFolder holds n Pages connected two days before now; every tenth
// was down for 3 hours (an incident closed one round after the Page
// recovered) and one is down still.
func upDownFolder(tb testing.TB, n int) (*Store, time.Time) {
	tb.Helper()
	dir := tb.TempDir()
	clock := newClock()
	s, err := Open(context.Background(), Options{Dir: dir, Keyring: NewMemoryKeyring(), Now: clock.Now, KeyringTimeout: 2 * time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	connected := now.Add(-48 * time.Hour)
	broke, recovered, closed := now.Add(-30*time.Hour), now.Add(-27*time.Hour), now.Add(-26*time.Hour)
	err = s.Update(context.Background(), func(tx *Tx) error {
		for i := range n {
			id := fmt.Sprintf("13%013d", i)
			// Renewed since: connected_at moved; the first connection counts.
			if err := tx.UpsertPage(Page{ID: id, Name: id, Status: StatusValid, ConnectedAt: now.Add(-time.Hour)}); err != nil {
				return err
			}
			if _, err := tx.AppendEvent(Event{At: connected, PageID: id, Kind: "page_connected"}); err != nil {
				return err
			}
			if i%10 != 0 {
				continue
			}
			if _, _, err := tx.OpenIncident(id, "password_changed", broke); err != nil {
				return err
			}
			if _, err := tx.AppendEvent(Event{At: recovered, PageID: id, Kind: "status_changed"}); err != nil {
				return err
			}
			if _, _, err := tx.CloseIncident(id, closed); err != nil {
				return err
			}
		}
		// One Page still down, for a reason that does not count, and one
		// that does.
		if _, _, err := tx.OpenIncident(fmt.Sprintf("13%013d", 1), "token_expiring", now.Add(-2*time.Hour)); err != nil {
			return err
		}
		_, _, err := tx.OpenIncident(fmt.Sprintf("13%013d", 2), "password_changed", now.Add(-2*time.Hour))
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return s, now
}

func TestUpAndDownCountsConnectedAndBrokenTime(t *testing.T) {
	s, now := upDownFolder(t, 20)
	spans := []Span{{now.Add(-72 * time.Hour), now.Add(-48 * time.Hour)}, {now.Add(-48 * time.Hour), now}}
	got, err := s.UpAndDown(context.Background(), spans, now, []string{"password_changed"})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Up != 0 || got[0].Down != 0 {
		t.Errorf("before the first connection: %+v", got[0])
	}
	// 20 Pages × 48 h up; 2 Pages down 3 h (to the recovery, not the
	// close) and one down for the last 2 h; token_expiring does not count.
	if want := 20 * 48 * time.Hour; got[1].Up != want {
		t.Errorf("up %v, want %v", got[1].Up, want)
	}
	if want := 2*3*time.Hour + 2*time.Hour; got[1].Down != want {
		t.Errorf("down %v, want %v", got[1].Down, want)
	}
}

// BenchmarkUpAndDown10k is the dashboard's 30 days at a glance over 10,000
// Pages (run off the UI goroutine after the Pages are shown).
func BenchmarkUpAndDown10k(b *testing.B) {
	s, now := upDownFolder(b, 10000)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	spans := make([]Span, 30)
	for i := range spans {
		from := today.AddDate(0, 0, i-29)
		spans[i] = Span{from, from.AddDate(0, 0, 1)}
	}
	for b.Loop() {
		if _, err := s.UpAndDown(context.Background(), spans, now, []string{"password_changed"}); err != nil {
			b.Fatal(err)
		}
	}
}

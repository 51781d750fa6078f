package store

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// fullPage is a Page with every field filled, reason or not.
func fullPage(id, name, reason string, at time.Time) Page {
	status := StatusValid
	if reason != "" {
		status = StatusNeedsAttention
	}
	return Page{ID: id, Name: name, Username: "u" + id, Category: "Shop", Link: "https://facebook.com/" + id,
		PictureURL: "https://example.com/" + id, Tasks: []string{"MESSAGING", "MANAGE"}, IsPublished: true,
		Status: status, Reason: reason, StatusSince: at.Add(-time.Hour), CheckedAt: at, LastOKAt: at.Add(-time.Minute),
		TokenType: "PAGE", TokenIssuedAt: at.Add(-48 * time.Hour), TokenExpiresAt: at.Add(40 * 24 * time.Hour),
		DataAccessExpiresAt: at.Add(80 * 24 * time.Hour), Scopes: []string{"pages_messaging", "pages_show_list"},
		Declined: []string{"pages_manage_metadata"}, GranularScopes: []GranularScope{{Scope: "pages_messaging", TargetIDs: []string{id}}},
		WebhookPreset: PresetBot, WebhookFields: []string{"messages", "messaging_postbacks"}, SubscribedFields: []string{"messages"},
		ConnectedByFBID: "fb-" + id, ConnectedByFBName: "Ana", ConnectedByOSUser: "ana", ConnectedAt: at.Add(-72 * time.Hour),
		Integration: "Support Bot " + id}
}

func TestPageSummariesHoldWhatAListSays(t *testing.T) {
	e := newEnv(t)
	s := e.open(t)
	ctx := context.Background()
	at := e.clock.Now().Truncate(time.Millisecond)
	kept := fullPage("3", "Beta", "token_expiring", at)
	kept.NotReconfirmed, kept.ConfirmedAt = "throttled", at.Add(-2*time.Hour)
	for _, p := range []Page{fullPage("2", "beta", "", at), fullPage("1", "Alpha", "webhook_fields_missing", at), kept} {
		if err := s.UpsertPage(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	full, err := s.Pages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var sums []Page
	if err := s.PageSummaries(ctx, func(p Page) error { sums = append(sums, p); return nil }); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PageCount(ctx); err != nil || n != len(full) {
		t.Errorf("PageCount = %d, %v; want %d", n, err, len(full))
	}
	if len(sums) != len(full) {
		t.Fatalf("%d summaries for %d Pages", len(sums), len(full))
	}
	for i, f := range full {
		// What every summary holds, and for a Page with a reason the facts
		// its explanation names; nothing else.
		want := Page{ID: f.ID, Name: f.Name, Status: f.Status, Reason: f.Reason, StatusSince: f.StatusSince,
			CheckedAt: f.CheckedAt, LastOKAt: f.LastOKAt, UpdatedAt: f.UpdatedAt, CleanupPending: f.CleanupPending,
			ConnectedByFBID: f.ConnectedByFBID, NotReconfirmed: f.NotReconfirmed, ConfirmedAt: f.ConfirmedAt,
			Integration: f.Integration}
		if f.Reason != "" {
			want.TokenExpiresAt, want.DataAccessExpiresAt = f.TokenExpiresAt, f.DataAccessExpiresAt
			want.Scopes, want.Declined, want.WebhookFields, want.SubscribedFields = f.Scopes, f.Declined, f.WebhookFields, f.SubscribedFields
		}
		if !reflect.DeepEqual(sums[i], want) {
			t.Errorf("summary %d:\n got %+v\nwant %+v", i, sums[i], want)
		}
	}
	if got := []string{sums[0].Name, sums[1].Name, sums[2].Name}; !reflect.DeepEqual(got, []string{"Alpha", "beta", "Beta"}) {
		t.Errorf("order %v, want by name ignoring case, then ID", got)
	}
}

// BenchmarkPageSummaries10k is the window's start-up read: every Page's
// summary, 10,000 Pages (one in 50 with a reason).
//
//	go test -tags migrated_fynedo -run '^$' -bench 'Page(s|Summaries)10k' -benchmem ./store/
func BenchmarkPageSummaries10k(b *testing.B) {
	s := tenThousandPages(b)
	for b.Loop() {
		n := 0
		if err := s.PageSummaries(context.Background(), func(Page) error { n++; return nil }); err != nil || n != 10000 {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkPages10k reads the same Pages in full, for comparison.
func BenchmarkPages10k(b *testing.B) {
	s := tenThousandPages(b)
	for b.Loop() {
		if ps, err := s.Pages(context.Background()); err != nil || len(ps) != 10000 {
			b.Fatal(len(ps), err)
		}
	}
}

func tenThousandPages(b *testing.B) *Store {
	b.Helper()
	clock := newClock()
	s, err := Open(context.Background(), Options{Dir: b.TempDir(), Keyring: NewMemoryKeyring(), Now: clock.Now, KeyringTimeout: 2 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	err = s.Update(context.Background(), func(tx *Tx) error {
		for i := range 10000 {
			reason := ""
			if i%50 == 0 {
				reason = "webhook_fields_missing"
			}
			if err := tx.UpsertPage(fullPage(fmt.Sprintf("13%013d", i), fmt.Sprintf("Page %05d", i), reason, clock.Now())); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

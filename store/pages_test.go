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
	alone := fullPage("4", "Gamma", "", at)
	alone.Integration = "" // its messages go nowhere
	// Page 1's integration has its token; page 2's has another and two
	// events wait for it, the first failing; page 3's has had nothing yet.
	err := s.Update(ctx, func(tx *Tx) error {
		for _, p := range []Page{fullPage("2", "beta", "", at), fullPage("1", "Alpha", "webhook_fields_missing", at), kept, alone} {
			if err := tx.UpsertPage(p); err != nil {
				return err
			}
		}
		for _, ip := range []IntegrationPage{
			{Integration: "Support Bot 1", PageID: "1", Reached: true, TokenFingerprint: "tfp1_a", TokenAt: at, HeldFingerprint: "tfp1_a"},
			{Integration: "Support Bot 2", PageID: "2", Reached: true, TokenFingerprint: "tfp1_b", TokenAt: at.Add(-time.Hour),
				HeldFingerprint: "tfp1_c", FailingSince: at.Add(-time.Minute), LastError: "timeout"},
		} {
			if err := tx.SaveIntegrationPage(ip); err != nil {
				return err
			}
		}
		for _, id := range []string{"msg_1", "msg_2"} {
			if _, err := tx.QueueDelivery(Delivery{Integration: "Support Bot 2", PageID: "2", Type: "page.token_changed", MessageID: id, Body: []byte("{}")}); err != nil {
				return err
			}
		}
		first, err := tx.PendingDeliveries("Support Bot 2", "2")
		if err != nil {
			return err
		}
		return tx.FailDelivery(first[0].ID, "timeout", at.Add(time.Hour))
	})
	if err != nil {
		t.Fatal(err)
	}
	full, err := s.Pages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pds, err := s.PageDeliveries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string]Page{}
	states := map[string]PageDelivery{}
	if err := s.PageSummaries(ctx, func(p Page, pd PageDelivery) error { sums[p.ID], states[p.ID] = p, pd; return nil }); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PageCount(ctx); err != nil || n != len(full) {
		t.Errorf("PageCount = %d, %v; want %d", n, err, len(full))
	}
	if len(sums) != len(full) {
		t.Fatalf("%d summaries for %d Pages", len(sums), len(full))
	}
	for _, f := range full {
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
		if !reflect.DeepEqual(sums[f.ID], want) {
			t.Errorf("summary of %s:\n got %+v\nwant %+v", f.ID, sums[f.ID], want)
		}
		// The integration's state of it, as PageDeliveries reads it, in the
		// fields a list says.
		pd := pds[f.ID]
		wantState := PageDelivery{Pending: pd.Pending}
		if f.Integration != "" {
			wantState.IntegrationPage = IntegrationPage{Integration: f.Integration, PageID: f.ID, TokenFingerprint: pd.TokenFingerprint,
				TokenAt: pd.TokenAt, HeldFingerprint: pd.HeldFingerprint, FailingSince: pd.FailingSince, LastError: pd.IntegrationPage.LastError}
			wantState.Next = Delivery{Integration: f.Integration, PageID: f.ID, NextAttemptAt: pd.Next.NextAttemptAt}
		}
		if !reflect.DeepEqual(states[f.ID], wantState) {
			t.Errorf("integration state of %s:\n got %+v\nwant %+v", f.ID, states[f.ID], wantState)
		}
	}
	if st := states["2"]; st.Pending != 2 || st.HeldFingerprint != "tfp1_c" || st.FailingSince.IsZero() || !st.Next.NextAttemptAt.Equal(at.Add(time.Hour)) {
		t.Errorf("page 2, two events pending, the first failing: %+v", st)
	}
	if st := states["1"]; st.Pending != 0 || st.TokenFingerprint != "tfp1_a" || !st.TokenAt.Equal(at) {
		t.Errorf("page 1, its token acknowledged: %+v", st)
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
		if err := s.PageSummaries(context.Background(), func(Page, PageDelivery) error { n++; return nil }); err != nil || n != 10000 {
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

package keeper

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/pagekeeper/pagekeeper/store"
)

// pagesFolder is a data folder holding pages, written as a check would.
func pagesFolder(tb testing.TB, pages []store.Page) *Keeper {
	tb.Helper()
	k, err := Open(context.Background(), Options{Dir: tb.TempDir(), Keyring: store.NewMemoryKeyring()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = k.Close() })
	err = k.store.Update(context.Background(), func(tx *store.Tx) error {
		for _, p := range pages {
			if err := tx.UpsertPage(p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// A Page whose every list and date differs, so an explanation built from
// the wrong facts (or none) shows.
func factfulPage(id string, r Reason, now time.Time) store.Page {
	return store.Page{ID: id, Name: "Page " + id, Status: store.Status(r.Status()), Reason: string(r),
		StatusSince: now.Add(-time.Hour), CheckedAt: now, LastOKAt: now.Add(-2 * time.Hour),
		TokenType: "PAGE", TokenExpiresAt: now.Add(5 * 24 * time.Hour), DataAccessExpiresAt: now.Add(9 * 24 * time.Hour),
		Scopes: append([]string{"pages_read_engagement"}, requiredPermissions...), Declined: []string{"pages_messaging"},
		WebhookFields: []string{"messages", "messaging_postbacks"}, SubscribedFields: []string{"messages"},
		ConnectedByFBID: "fb-" + id, ConnectedByFBName: "Ana", ConnectedAt: now.Add(-48 * time.Hour), IsPublished: true}
}

// The list of Pages (the window, `status`, `export`) reads only a summary of
// each Page: every status, reason, explanation, "not re-confirmed" note and
// integration line must still say what the Page's full record says (as its
// log shows it), for every reason, with the detail it names.
func TestPagesSayWhatTheFullRecordsSay(t *testing.T) {
	now := time.Now().Truncate(time.Millisecond)
	reasons := []Reason{ReasonNone, ReasonWebhookFieldsMissing, ReasonDataAccessExpiring, ReasonTokenExpiring,
		ReasonPermissionRemoved, ReasonPermissionDeclined, ReasonPasswordChanged, ReasonWebhookMissing, ReasonOffline,
		ReasonIntegrationFailing, ReasonIntegrationStale, ReasonIntegrationSilent}
	var pages []store.Page
	for i, r := range reasons {
		p := factfulPage(fmt.Sprintf("10%d", i), r, now)
		if r == ReasonNone {
			p.Status = store.StatusValid
		}
		pages = append(pages, p)
	}
	// A known problem a round could not re-confirm, and a Page going to an
	// integration Pagekeeper does not know (any more).
	kept := factfulPage("180", ReasonPasswordChanged, now)
	kept.NotReconfirmed, kept.ConfirmedAt = string(ReasonThrottled), now.Add(-3*time.Hour)
	gone := factfulPage("181", ReasonNone, now)
	gone.Status, gone.Integration = store.StatusValid, "Gone Bot"
	disconnected := factfulPage("199", ReasonNone, now)
	disconnected.Status, disconnected.CleanupPending = store.StatusDisconnected, true
	pages = append(pages, kept, gone, disconnected)
	k := pagesFolder(t, pages)
	ctx := context.Background()
	// Every connected Page without one goes to Support Bot (its token
	// handed over or not): its integration line says so.
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	if err := k.AddIntegration(ctx, IntegrationSetup{Name: "Support Bot", URL: "http://127.0.0.1:1/hook",
		Recipient: id.Recipient().String()}, Actor{}); err != nil {
		t.Fatal(err)
	}

	sum, err := k.Pages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Pages) != len(pages) {
		t.Fatalf("%d Pages listed, want %d", len(sum.Pages), len(pages))
	}
	var want Totals
	for _, got := range sum.Pages {
		full, err := k.store.Page(ctx, got.ID)
		if err != nil {
			t.Fatal(err)
		}
		want.add(Status(full.Status))
		l, err := k.PageLog(ctx, got.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, l.Status) {
			t.Errorf("Page %s (%s):\n listed %+v\n record %+v", got.ID, full.Reason, got, l.Status)
		}
	}
	if sum.Totals != want {
		t.Errorf("totals %+v, want %+v", sum.Totals, want)
	}
	// The details, notes and integrations are really there (not equal
	// because both are empty).
	for _, ps := range sum.Pages {
		want := map[Reason]any{ReasonWebhookFieldsMissing: "messaging_postbacks", ReasonPermissionRemoved: "pages_messaging",
			ReasonTokenExpiring: Day(now.Add(5 * 24 * time.Hour)), ReasonIntegrationStale: "Support Bot"}[ps.Reason]
		if want != nil && !reflect.DeepEqual(ps.Detail, want) {
			t.Errorf("%s: detail %v, want %v", ps.Reason, ps.Detail, want)
		}
		wantInt := map[string]string{"101": "Support Bot", "180": "Support Bot", "181": "", "199": ""}
		if w, ok := wantInt[ps.ID]; ok && ps.Integration.Name != w {
			t.Errorf("Page %s: integration %q, want %q", ps.ID, ps.Integration.Name, w)
		}
		if ps.ID == "180" && (ps.NoteShort().IsZero() || ps.ConfirmedAt.IsZero()) {
			t.Errorf("Page 180: no note %q (confirmed %v), want not re-confirmed", ps.NoteShort(), ps.ConfirmedAt)
		}
	}
}

// BenchmarkKeeperPages10k is the list of 10,000 Pages with their statuses
// in words, as the window reads it at start (one in 50 needs attention).
//
//	go test -tags migrated_fynedo -run '^$' -bench KeeperPages10k -benchmem ./keeper/
func BenchmarkKeeperPages10k(b *testing.B) {
	now := time.Now()
	pages := make([]store.Page, 10000)
	for i := range pages {
		r := ReasonNone
		if i%50 == 0 {
			r = ReasonWebhookFieldsMissing
		}
		pages[i] = factfulPage(fmt.Sprintf("13%013d", i), r, now)
		if r == ReasonNone {
			pages[i].Status = store.StatusValid
		}
	}
	k := pagesFolder(b, pages)
	for b.Loop() {
		if sum, err := k.Pages(context.Background()); err != nil || len(sum.Pages) != len(pages) {
			b.Fatal(len(sum.Pages), err)
		}
	}
}

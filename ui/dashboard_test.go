package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/widget"

	"github.com/pagekeeper/pagekeeper/keeper"
	"github.com/pagekeeper/pagekeeper/store"
)

// seeded opens a window over a folder holding the given Pages.
func seeded(t *testing.T, pages ...store.Page) *MainWindow {
	t.Helper()
	return openWindow(t, Config{NoSchedule: true, Keeper: folder(t, pages...)})
}

// rowView is a table row showing the dashboard's first row.
func rowView(m *MainWindow) *pageRowView {
	return get(func() *pageRowView {
		v := newPageRowView(m.Dashboard)
		v.set(m.Dashboard.Rows()[0], time.Now())
		return v
	})
}

func TestSearchFiltersByNameOrPageID(t *testing.T) {
	m := seeded(t,
		store.Page{ID: "110000000000001", Name: "Sunrise Café", Status: store.StatusValid},
		store.Page{ID: "110000000000002", Name: "Harbor Books", Status: store.StatusValid},
		store.Page{ID: "220000000000003", Name: "Blue Door Studio", Status: store.StatusNeedsAttention})
	d := m.Dashboard
	clear := func() { onMain(func() { d.Search.SetText("") }) }
	typeText(d.Search, "harbor")
	if rows := get(d.Rows); len(rows) != 1 || rows[0].Name != "Harbor Books" {
		t.Fatalf("name filter: %+v", rows)
	}
	clear()
	typeText(d.Search, "2200")
	if rows := get(d.Rows); len(rows) != 1 || rows[0].Name != "Blue Door Studio" {
		t.Fatalf("ID filter: %+v", rows)
	}
	clear()
	typeText(d.Search, "nothing like this")
	if n, noMatch := get(func() int { return len(d.Rows()) }), get(func() string { return d.NoMatch.Text }); n != 0 || !strings.Contains(noMatch, "nothing like this") {
		t.Fatalf("no-match text = %q", noMatch)
	}
	clear()
	if rows := get(d.Rows); len(rows) != 3 || rows[0].Name != "Blue Door Studio" {
		t.Fatalf("clearing the search shows all, problems first: %+v", rows)
	}
}

func TestDisconnectAsksNamingTheConsequenceAndCancelChangesNothing(t *testing.T) {
	m := seeded(t, store.Page{ID: "110000000000001", Name: "Sunrise Café", Status: store.StatusValid})
	view := rowView(m)
	confirm := func() *widget.Button {
		tap(view.discon)
		return waitForDialogButton(t, m.Window, "Disconnect")
	}
	// Cancel first: nothing happens.
	confirm()
	if dlg := dialogText(m.Window); !strings.Contains(dlg, "Sunrise Café will stop receiving Messenger messages") {
		t.Fatalf("the confirmation must name the consequence, shows %q", dlg)
	}
	tap(waitForDialogButton(t, m.Window, "Cancel"))
	if rows := get(m.Dashboard.Rows); rows[0].Status != keeper.StatusValid {
		t.Fatal("cancel must change nothing")
	}
	// Then confirm: the Page is disconnected here; Facebook clean-up is
	// pending (this folder has no token to clean up with, and no Facebook).
	tap(confirm())
	eventually(t, "the Page shown disconnected", func() bool {
		return m.Dashboard.Rows()[0].Status == keeper.StatusDisconnected
	})
}

func TestAMissingWebhookIsRepairedInOneClick(t *testing.T) {
	m := seeded(t, store.Page{ID: "110000000000001", Name: "Sunrise Café", Status: store.StatusNeedsAttention, Reason: "webhook_missing"})
	row := get(m.Dashboard.Rows)[0]
	if !row.Resubscribe || !strings.Contains(row.Reason, "Facebook") {
		t.Fatalf("row = %+v", row)
	}
	if v := rowView(m); get(func() string { return v.renew.Text }) != "Resubscribe" {
		t.Fatalf("the repair button says %q", get(func() string { return v.renew.Text }))
	}
}

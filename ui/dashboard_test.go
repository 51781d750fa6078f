package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/store"
)

// seeded opens a window over a folder holding the given Pages (each with a token).
func seeded(t *testing.T, pages ...store.Page) *MainWindow {
	t.Helper()
	dir := t.TempDir()
	kr := store.NewMemoryKeyring()
	ctx := context.Background()
	s, err := store.Open(ctx, store.Options{Dir: dir, Keyring: kr})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		if err := s.UpsertPage(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveToken(ctx, p.ID, token.New("EAAG-test-"+p.ID)); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	a := test.NewTempApp(t)
	LoadTranslations()
	m := NewMainWindow(a, Config{NoSchedule: true, Open: openIn(t, dir, kr)})
	m.Window.Resize(fyne.NewSize(1180, 720))
	waitOpened(t, m)
	return m
}

func TestSearchFiltersByNameOrPageID(t *testing.T) {
	m := seeded(t,
		store.Page{ID: "110000000000001", Name: "Sunrise Café", Status: store.StatusValid},
		store.Page{ID: "110000000000002", Name: "Harbor Books", Status: store.StatusValid},
		store.Page{ID: "220000000000003", Name: "Blue Door Studio", Status: store.StatusNeedsAttention})
	d := m.Dashboard
	typeText(d.Search, "harbor")
	if rows := d.Rows(); len(rows) != 1 || rows[0].Name != "Harbor Books" {
		t.Fatalf("name filter: %+v", rows)
	}
	d.Search.SetText("")
	typeText(d.Search, "2200")
	if rows := d.Rows(); len(rows) != 1 || rows[0].Name != "Blue Door Studio" {
		t.Fatalf("ID filter: %+v", rows)
	}
	d.Search.SetText("")
	typeText(d.Search, "nothing like this")
	if len(d.Rows()) != 0 || !strings.Contains(d.NoMatch.Text, "nothing like this") {
		t.Fatalf("no-match text = %q", d.NoMatch.Text)
	}
	d.Search.SetText("")
	if rows := d.Rows(); len(rows) != 3 || rows[0].Name != "Blue Door Studio" {
		t.Fatalf("clearing the search shows all, problems first: %+v", rows)
	}
}

func TestDisconnectAsksNamingTheConsequenceAndCancelChangesNothing(t *testing.T) {
	m := seeded(t, store.Page{ID: "110000000000001", Name: "Sunrise Café", Status: store.StatusValid})
	view := newPageRowView(m.Dashboard)
	view.set(m.Dashboard.Rows()[0], time.Now())

	confirm := func() *widget.Button {
		tap(view.discon)
		return waitForDialogButton(t, m.Window, "Disconnect")
	}
	// Cancel first: nothing happens.
	confirm()
	dlg := dialogText(m.Window)
	if !strings.Contains(dlg, "Sunrise Café will stop receiving Messenger messages") {
		t.Fatalf("the confirmation must name the consequence, shows %q", dlg)
	}
	tap(waitForDialogButton(t, m.Window, "Cancel"))
	if rows := m.Dashboard.Rows(); rows[0].Status != StatusValid {
		t.Fatal("cancel must change nothing")
	}
	// Then confirm: the Page is disconnected here; Facebook clean-up is pending (no Facebook in this test).
	tap(confirm())
	deadline := time.After(20 * time.Second)
	for {
		select {
		case <-m.reloaded:
		case <-deadline:
			t.Fatal("the table never reloaded")
		}
		if r := m.Dashboard.Rows()[0]; r.Status == StatusDisconnected {
			if !r.CleanupPending {
				t.Fatal("without Facebook the clean-up must be pending")
			}
			return
		}
	}
}

// tap taps like a person, under the UI lock (background work hands its
// results to the UI with onUI, which the test driver runs on its own goroutine).
func tap(o fyne.Tappable) {
	uiMu.Lock()
	defer uiMu.Unlock()
	test.Tap(o)
}

func typeText(o fyne.Focusable, s string) {
	uiMu.Lock()
	defer uiMu.Unlock()
	test.Type(o, s)
}

// dialogText is every label of the window's top overlay.
func dialogText(w fyne.Window) string {
	uiMu.Lock()
	defer uiMu.Unlock()
	top := w.Canvas().Overlays().Top()
	if top == nil {
		return ""
	}
	var b strings.Builder
	walkObjects(top, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok {
			fmt.Fprintln(&b, l.Text)
		}
	})
	return b.String()
}

func waitForDialogButton(t *testing.T, w fyne.Window, text string) *widget.Button {
	t.Helper()
	var found *widget.Button
	eventually(t, fmt.Sprintf("a dialog button %q", text), func() bool {
		if top := w.Canvas().Overlays().Top(); top != nil {
			walkObjects(top, func(o fyne.CanvasObject) {
				if b, ok := o.(*widget.Button); ok && b.Text == text {
					found = b
				}
			})
		}
		return found != nil
	})
	return found
}

// walkObjects visits o and everything rendered inside it.
func walkObjects(o fyne.CanvasObject, visit func(fyne.CanvasObject)) {
	visit(o)
	switch w := o.(type) {
	case *fyne.Container:
		for _, c := range w.Objects {
			walkObjects(c, visit)
		}
	case fyne.Widget:
		r := test.WidgetRenderer(w)
		for _, c := range r.Objects() {
			walkObjects(c, visit)
		}
	}
}

func TestAMissingWebhookIsRepairedInOneClick(t *testing.T) {
	m := seeded(t, store.Page{ID: "110000000000001", Name: "Sunrise Café", Status: store.StatusNeedsAttention, Reason: "webhook_missing"})
	row := m.Dashboard.Rows()[0]
	if !row.Resubscribe || !strings.Contains(row.Reason, "Facebook") {
		t.Fatalf("row = %+v", row)
	}
	view := newPageRowView(m.Dashboard)
	view.set(row, time.Now())
	if view.renew.Text != "Resubscribe" {
		t.Fatalf("the repair button says %q", view.renew.Text)
	}
}

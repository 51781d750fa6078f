package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/pagekeeper/pagekeeper/store"
)

// TestTabReachesEveryToolbarControl walks the dashboard with Tab as a
// keyboard-only owner would.
func TestTabReachesEveryToolbarControl(t *testing.T) {
	m := seeded(t, store.Page{ID: "110000000000001", Name: "Sunrise Café", Status: store.StatusValid})
	w := test.NewTempWindow(t, m.Dashboard.Content())
	c := w.Canvas()
	seen := map[fyne.Focusable]bool{}
	for range 40 {
		c.FocusNext()
		if f := c.Focused(); f != nil {
			seen[f] = true
		}
	}
	d := m.Dashboard
	for name, o := range map[string]fyne.Focusable{
		"search": d.Search, "Connect Pages": d.ConnectButton, "Check now": d.CheckButton, "Settings": d.SettingsButton,
		"the Pages list": d.List,
	} {
		if !seen[o] {
			t.Errorf("Tab never reaches %s", name)
		}
	}
}

// TestEscapeClosesTheTopDialogAsCancel: Escape answers a confirmation with Cancel.
func TestEscapeClosesTheTopDialogAsCancel(t *testing.T) {
	m := seeded(t, store.Page{ID: "110000000000001", Name: "Sunrise Café", Status: store.StatusValid})
	view := newPageRowView(m.Dashboard)
	view.set(m.Dashboard.Rows()[0], m.cfg.Now())
	tap(view.discon)
	waitForDialogButton(t, m.Window, "Disconnect")
	uiMu.Lock()
	m.Window.Canvas().(interface{ OnTypedKey() func(*fyne.KeyEvent) }).OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	top := m.Window.Canvas().Overlays().Top()
	uiMu.Unlock()
	if top != nil {
		t.Fatal("Escape should close the confirmation")
	}
	if m.Dashboard.Rows()[0].Status != StatusValid {
		t.Fatal("Escape is Cancel: nothing may change")
	}
}

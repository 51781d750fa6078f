package ui

import (
	"testing"

	"fyne.io/fyne/v2"

	"github.com/pagekeeper/pagekeeper/keeper"
	"github.com/pagekeeper/pagekeeper/store"
)

// TestTabReachesEveryToolbarControl walks the dashboard with Tab as a
// keyboard-only owner would.
func TestTabReachesEveryToolbarControl(t *testing.T) {
	m := seeded(t, store.Page{ID: "110000000000001", Name: "Sunrise Café", Status: store.StatusValid})
	seen := map[fyne.Focusable]bool{}
	onMain(func() {
		c := m.Window.Canvas()
		for range 40 {
			c.FocusNext()
			if f := c.Focused(); f != nil {
				seen[f] = true
			}
		}
	})
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
	tap(rowView(m).discon)
	waitForDialogButton(t, m.Window, "Disconnect")
	open := get(func() bool {
		m.Window.Canvas().(interface{ OnTypedKey() func(*fyne.KeyEvent) }).OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
		return m.Window.Canvas().Overlays().Top() != nil
	})
	if open {
		t.Fatal("Escape should close the confirmation")
	}
	if get(m.Dashboard.Rows)[0].Status != keeper.StatusValid {
		t.Fatal("Escape is Cancel: nothing may change")
	}
}

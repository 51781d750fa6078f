package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

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

// typeKey sends a key as the window does: to the focused widget, or else
// to the canvas.
func typeKey(m *MainWindow, name fyne.KeyName) {
	onMain(func() {
		ev := &fyne.KeyEvent{Name: name}
		if f := m.Window.Canvas().Focused(); f != nil {
			f.TypedKey(ev)
			return
		}
		m.Window.Canvas().(interface{ OnTypedKey() func(*fyne.KeyEvent) }).OnTypedKey()(ev)
	})
}

// Enter presses a dialog's default button — never a dangerous one — also
// while a text field has the focus; Escape closes from a text field too.
func TestEnterPressesTheDefaultButton(t *testing.T) {
	m := seeded(t, store.Page{ID: "110000000000001", Name: "Sunrise Café", Status: store.StatusValid})
	tap(m.Dashboard.ConnectButton)
	w := get(func() *Wizard { return m.wizard })
	waitStep(t, w, 1)
	typeKey(m, fyne.KeyReturn) // "Log in with Facebook"
	waitDialogs(t, m, 2)
	if !strings.Contains(dialogText(m.Window), "Keep ticked") {
		t.Fatal("Enter should have pressed Log in with Facebook, which warns first")
	}
	typeKey(m, fyne.KeyEscape)
	typeKey(m, fyne.KeyEscape)
	waitDialogs(t, m, 0)

	tap(rowView(m).discon)
	waitDialogs(t, m, 1)
	typeKey(m, fyne.KeyReturn)
	if get(func() int { return len(m.dialogs) }) != 1 || get(m.Dashboard.Rows)[0].Status != keeper.StatusValid {
		t.Fatal("Enter must not disconnect a Page")
	}
	typeKey(m, fyne.KeyEscape)

	v := openSettings(t, m)
	if get(func() fyne.Focusable { return m.Window.Canvas().Focused() }) != v.AppID {
		t.Fatal("Settings gives its first field the focus")
	}
	onMain(func() { v.AppID.SetText("1234567890") })
	typeKey(m, fyne.KeyReturn) // Save, from the focused field
	waitDialogs(t, m, 0)
	if got := get(m.Keeper).Settings().AppID; got != "1234567890" {
		t.Fatalf("Enter in a field should save: App ID %q", got)
	}
}

// The focus mark shows on a blue button: the focus colour is not the
// primary blue (Fyne blends it over the button's own colour).
func TestTheFocusMarkShowsOnBlueButtons(t *testing.T) {
	th := Theme()
	for _, v := range []fyne.ThemeVariant{theme.VariantDark, theme.VariantLight} {
		fr, fg, fb, fa := th.Color(theme.ColorNameFocus, v).RGBA()
		pr, pg, pb, _ := th.Color(theme.ColorNamePrimary, v).RGBA()
		if fa == 0 || (fr*0xffff/fa == pr && fg*0xffff/fa == pg && fb*0xffff/fa == pb) {
			t.Errorf("variant %d: the focus colour is the primary colour, invisible on a blue button", v)
		}
		ph, fgc := th.Color(theme.ColorNamePlaceHolder, v), th.Color(theme.ColorNameForeground, v)
		if ph == fgc {
			t.Errorf("variant %d: placeholders look like values", v)
		}
	}
}

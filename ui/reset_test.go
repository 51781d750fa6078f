package ui

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/widget"

	"github.com/pagekeeper/pagekeeper/store"
)

// A damaged data file is moved aside and Pagekeeper starts with an empty
// list (issue 16 item 6): after the owner chose to, the dashboard says so in
// a notice, with what to do,
// until a person presses "I understand" — the same acknowledgement as
// `pagekeeper acknowledge-reset` (keeper's tests check the history) — and
// the notice does not come back.
func TestADataResetIsShownUntilUnderstood(t *testing.T) {
	o := folder(t,
		store.Page{ID: "110000000000001", Name: "Sunrise Café", Status: store.StatusValid},
		store.Page{ID: "110000000000002", Name: "Harbor Books", Status: store.StatusValid})
	db, err := sql.Open("sqlite", filepath.Join(o.Dir, "pagekeeper.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA user_version = 1"); err != nil { // a schema Pagekeeper never wrote: damaged
		t.Fatal(err)
	}
	db.Close()

	m := openWindow(t, Config{NoSchedule: true, Keeper: o})
	// The window says the file is damaged and was moved aside (no backup).
	tap(get(func() *widget.Button { return findButton(m.Window.Content(), "Start with an empty list") }))
	eventually(t, "the dashboard", func() bool { return m.keeper != nil && showsDashboard(m) })
	d := get(func() *Dashboard { return m.Dashboard })
	note := get(func() string { return d.ResetNote.Text })
	if !get(d.resetBox.box.Visible) || !strings.Contains(note, "data was reset") || !strings.Contains(note, "the 2 Pages connected then") || !strings.Contains(note, "pagekeeper.db.corrupt-") ||
		!get(d.ResetButton.Visible) || get(func() string { return d.ResetButton.Text }) != "I understand" {
		t.Fatalf("the reset notice: shown %v, %q; the window shows %q", get(d.resetBox.box.Visible), note, texts(get(m.Window.Content)))
	}

	for _, size := range screenSizes {
		sized(m, size)
		checkScreen(t, m.Window, "en", size, "data reset")
	}

	tap(get(func() *widget.Button { return d.ResetButton }))
	eventually(t, "the notice to go", func() bool { return !m.Dashboard.resetBox.box.Visible() })
	k := get(m.Keeper)
	if _, found, err := k.DataReset(context.Background()); err != nil || found {
		t.Fatalf("after I understand, the reset is still pending: %v %v", found, err)
	}
	m.reloadAndWait(t)
	if get(m.Dashboard.resetBox.box.Visible) {
		t.Fatal("the notice came back after a reload")
	}
}

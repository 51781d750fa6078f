package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"github.com/pagekeeper/pagekeeper/store"
)

// quitWatch tells when the window asks Fyne to quit, and whether the data
// folder's manager lock was already free then.
func quitWatch(t *testing.T, dir string) <-chan bool {
	t.Helper()
	quits := make(chan bool, 4)
	a := newTestApp(t).(*uiApp)
	a.onQuit = func() {
		l, err := store.AcquireLock(dir)
		if err == nil {
			_ = l.Release()
		}
		quits <- err == nil
	}
	t.Cleanup(func() { a.onQuit = nil })
	return quits
}

func waitQuit(t *testing.T, quits <-chan bool) bool {
	t.Helper()
	select {
	case free := <-quits:
		return free
	case <-time.After(30 * time.Second):
		t.Fatal("the window never asked Fyne to quit")
	}
	return false
}

// Where there is no tray, closing the window quits: the folder is closed
// and its manager lock released before Fyne is asked to quit, so the next
// start manages the Pages again (not "view only" behind an invisible
// process).
func TestClosingWithoutATrayQuitsAndReleasesTheFolder(t *testing.T) {
	o := folder(t, store.Page{ID: "110000000000001", Name: "Sunrise Café", Status: store.StatusValid})
	quits := quitWatch(t, o.Dir)
	m := openWindow(t, Config{NoSchedule: true, Keeper: o, Tray: func() bool { return false }})
	onMain(m.closeRequested)
	if !waitQuit(t, quits) {
		t.Fatal("Fyne was asked to quit while the data folder was still held")
	}
	next := openWindow(t, Config{NoSchedule: true, Keeper: o})
	if _, ro := get(next.Keeper).ReadOnly(); ro {
		t.Fatal("the next start opens view-only: the closed window still holds the folder")
	}
}

// With a tray, the first close explains the choice once; keeping checking
// in the background leaves the folder open and does not ask again; the
// choice can be undone in Settings, and then closing quits.
func TestTheFirstCloseExplainsTheChoiceOnce(t *testing.T) {
	o := folder(t, store.Page{ID: "110000000000001", Name: "Sunrise Café", Status: store.StatusValid})
	quits := quitWatch(t, o.Dir)
	m := openWindow(t, Config{NoSchedule: true, Keeper: o, Tray: func() bool { return true }})
	onMain(m.closeRequested)
	waitDialogs(t, m, 1)
	if dlg := dialogText(m.Window); !strings.Contains(dlg, "nobody checks your Pages") {
		t.Fatalf("the first close must explain what closing means: %q", dlg)
	}
	onMain(m.pressDefault) // Keep checking in the background
	onMain(m.closeRequested)
	if n := get(func() int { return len(m.dialogs) }); n != 0 {
		t.Fatal("the choice is explained once")
	}
	select {
	case <-quits:
		t.Fatal("keeping checking in the background must not quit")
	default:
	}
	if get(m.Keeper) == nil || get(func() bool { return m.open.Load() == nil }) {
		t.Fatal("the folder must stay open in the background")
	}

	v := openSettings(t, m)
	onMain(func() { v.Background.SetChecked(false) })
	tap(v.Save)
	waitDialogs(t, m, 0)
	onMain(m.closeRequested)
	if !waitQuit(t, quits) {
		t.Fatal("the folder was still held when Fyne was asked to quit")
	}
}

// The tray's Quit ends Pagekeeper as carefully as closing the window.
func TestTheTraysQuitClosesTheFolderFirst(t *testing.T) {
	o := folder(t)
	quits := quitWatch(t, o.Dir)
	m := openWindow(t, Config{NoSchedule: true, Keeper: o, Tray: func() bool { return true }})
	menu := get(func() *fyne.Menu { menu, _ := m.trayMenu(nil); return menu })
	last := menu.Items[len(menu.Items)-1]
	if !last.IsQuit || last.Label != "Quit Pagekeeper" {
		t.Fatalf("the tray's last item is %q", last.Label)
	}
	onMain(last.Action)
	if !waitQuit(t, quits) {
		t.Fatal("the folder was still held when Fyne was asked to quit")
	}
}

// A signal ends Pagekeeper from any goroutine: the folder is closed first,
// then Fyne is asked to quit; when Fyne's own shutdown hangs (Fyne 2.8.1
// can), the watchdog ends the process with status 0 — the data is safe.
func TestShutdownDoesNotDependOnFyne(t *testing.T) {
	o := folder(t, store.Page{ID: "110000000000001", Name: "Sunrise Café", Status: store.StatusValid})
	quits := quitWatch(t, o.Dir)
	exits := make(chan int, 1)
	m := openWindow(t, Config{NoSchedule: true, Keeper: o, Exit: func(code int) { exits <- code }, QuitGrace: 100 * time.Millisecond})
	go m.Shutdown() // as main's signal handler does
	if !waitQuit(t, quits) {
		t.Fatal("the folder was still held when Fyne was asked to quit")
	}
	select {
	case code := <-exits:
		if code != 0 {
			t.Fatalf("exit status %d after a clean close", code)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Fyne never returned, and the watchdog did not end the process")
	}
}

// A view-only window has no scheduler: Check now is off and the banner
// says who checks; the list follows what the manager records; Settings
// says why it cannot save.
func TestAViewOnlyWindowFollowsTheManager(t *testing.T) {
	o := folder(t,
		store.Page{ID: "110000000000001", Name: "Sunrise Café", Status: store.StatusValid},
		store.Page{ID: "110000000000002", Name: "Harbor Books", Status: store.StatusValid})
	manager := openWindow(t, Config{NoSchedule: true, Keeper: o})
	viewer := openWindow(t, Config{NoSchedule: true, Keeper: o})
	if _, ro := get(viewer.Keeper).ReadOnly(); !ro {
		t.Fatal("the second window should only view")
	}
	if !get(viewer.Dashboard.CheckButton.Disabled) {
		t.Fatal("Check now cannot work in a view-only window: it must be off")
	}
	if note := get(func() string { return viewer.Dashboard.ReadOnlyNote.Text }); !strings.Contains(note, "checks them") {
		t.Fatalf("the banner must say who checks: %q", note)
	}

	onMain(func() { manager.disconnect("110000000000002", "Harbor Books") })
	eventually(t, "the viewer to show the manager's change", func() bool {
		for _, r := range viewer.Dashboard.Rows() {
			if r.ID == "110000000000002" {
				return r.Status == "disconnected"
			}
		}
		return false
	})

	v := get(func() *SettingsView { return viewer.settingsDialog(viewer.keeper.Settings()) })
	if !get(v.Save.Disabled) || !strings.Contains(get(func() string { return v.ReadOnly.Text }), "only they can change the settings") {
		t.Fatalf("view-only Settings must say why it cannot save: %q", get(func() string { return v.ReadOnly.Text }))
	}
}

package ui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/pagekeeper/pagekeeper/keeper"
	"github.com/pagekeeper/pagekeeper/store"
)

// openWindow opens the main window on cfg (health checks left to the test
// unless cfg says otherwise); it is closed, with its data folder, when the
// test ends.
func openWindow(t *testing.T, cfg Config) *MainWindow {
	t.Helper()
	a := newTestApp(t)
	var m *MainWindow
	onMain(func() {
		m = NewMainWindow(a, cfg)
		m.Window.Resize(fyne.NewSize(1180, 760))
	})
	t.Cleanup(func() {
		var err error
		onMain(func() { err = m.Close() })
		if err != nil {
			t.Errorf("closing the window: %v", err)
		}
	})
	waitOpened(t, m)
	return m
}

// showsDashboard: the window shows its dashboard (until the dashboard's
// first frame, beside the probe that tells of it: showDashboard). Call on
// the UI goroutine.
func showsDashboard(m *MainWindow) bool {
	c := m.Window.Content()
	if c == m.Dashboard.Content() {
		return true
	}
	stack, ok := c.(*fyne.Container)
	return ok && len(stack.Objects) > 0 && stack.Objects[0] == m.Dashboard.Content()
}

func waitOpened(t *testing.T, m *MainWindow) {
	t.Helper()
	select {
	case <-m.Opened():
	case <-time.After(30 * time.Second):
		t.Fatal("the data folder never finished opening")
	}
}

// texts collects every label and button text shown in o.
func texts(o fyne.CanvasObject) []string {
	var out []string
	onMain(func() {
		walkObjects(o, func(o fyne.CanvasObject) {
			switch w := o.(type) {
			case *widget.Label:
				out = append(out, w.Text)
			case *widget.Button:
				out = append(out, w.Text)
			case *widget.Select:
				out = append(out, w.Selected)
			}
		})
	})
	return out
}

func contains(all []string, want string) bool {
	for _, s := range all {
		if strings.Contains(s, want) {
			return true
		}
	}
	return false
}

// walkObjects visits o and everything rendered inside it. Call on the UI goroutine.
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

// findButton finds the button showing text in o. Call on the UI goroutine.
func findButton(o fyne.CanvasObject, text string) *widget.Button {
	var found *widget.Button
	walkObjects(o, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && found == nil && strings.Contains(b.Text, text) {
			found = b
		}
	})
	return found
}

// dialogText is every label of the window's top overlay.
func dialogText(w fyne.Window) string {
	var b strings.Builder
	onMain(func() {
		if top := w.Canvas().Overlays().Top(); top != nil {
			walkObjects(top, func(o fyne.CanvasObject) {
				if l, ok := o.(*widget.Label); ok {
					b.WriteString(l.Text + "\n")
				}
			})
		}
	})
	return b.String()
}

// waitForDialogButton waits until the window's top overlay shows a button
// reading exactly text.
func waitForDialogButton(t *testing.T, w fyne.Window, text string) *widget.Button {
	t.Helper()
	var found *widget.Button
	eventually(t, "a dialog button "+text, func() bool {
		found = nil
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

// folder is a data folder holding pages (each with a token); it returns
// how to open it.
func folder(t *testing.T, pages ...store.Page) keeper.Options {
	t.Helper()
	o := keeper.Options{Dir: t.TempDir(), Keyring: store.NewMemoryKeyring()}
	ctx := context.Background()
	s, err := store.Open(ctx, store.Options{Dir: o.Dir, Keyring: o.Keyring})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, p := range pages {
		if err := s.UpsertPage(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

func TestEmptyFolderShowsTheTeachingEmptyState(t *testing.T) {
	m := openWindow(t, Config{NoSchedule: true, Keeper: keeper.Options{Dir: t.TempDir(), Sandbox: true}})
	got := texts(get(m.Window.Content))
	for _, want := range []string{"No Pages connected yet", "Connect your first Facebook Page", "admin or editor", "Sandbox:"} {
		if !contains(got, want) {
			t.Errorf("dashboard lacks %q; shows %q", want, got)
		}
	}
}

func TestConnectedPagesAreListedWithStatusInWords(t *testing.T) {
	m := openWindow(t, Config{NoSchedule: true, Keeper: folder(t,
		store.Page{ID: "1001", Name: "Sunrise Café", Status: store.StatusValid},
		store.Page{ID: "1002", Name: "Harbor Books", Status: store.StatusInvalid, Reason: "password_changed"})})
	rows := get(m.Dashboard.Rows)
	if len(rows) != 2 {
		t.Fatalf("rows = %+v", rows)
	}
	if got := get(func() string { return m.Dashboard.Summary.Text }); got != "2 Pages · 1 valid · 1 needs you" {
		t.Errorf("summary = %q", got)
	}
	if banner := get(func() string { return m.Dashboard.Banner.Text }); !strings.Contains(banner, "Harbor Books is no longer connected") {
		t.Errorf("the banner must name the invalid Page, shows %q", banner)
	}
	if rows[0].Name != "Harbor Books" {
		t.Errorf("problems come first: %+v", rows)
	}
	for _, r := range rows {
		view := get(func() *pageRowView {
			v := newPageRowView(m.Dashboard)
			v.set(r, time.Now())
			return v
		})
		got := texts(view)
		if !contains(got, r.Name) || !contains(got, r.ID) || !contains(got, statusText(r.Status)) {
			t.Errorf("row for %s shows %q", r.Name, got)
		}
	}
}

func TestNoKeyringExplainsAndOffersTheKeyFile(t *testing.T) {
	kr := store.NewMemoryKeyring()
	kr.FailWith(errors.New("org.freedesktop.secrets was not provided by any .service files"))
	reopened := make(chan error, 2)
	m := openWindow(t, Config{NoSchedule: true, Keeper: keeper.Options{Dir: t.TempDir(), Keyring: kr},
		Opened: func(_ int, err error) { reopened <- err }})
	<-reopened
	if got := texts(get(m.Window.Content)); !contains(got, "No secure storage on this computer") {
		t.Fatalf("expected the keyring explanation, got %q", got)
	}
	keyFile := get(func() *widget.Button { return findButton(m.Window.Content(), "protected file") })
	if keyFile == nil {
		t.Fatal("no key-file button")
	}
	tap(keyFile)
	select {
	case err := <-reopened:
		if err != nil {
			t.Fatalf("after agreeing to the key file: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("reopen never finished")
	}
	if get(m.Keeper) == nil {
		t.Fatalf("after agreeing to the key file the folder should open; shows %q", texts(get(m.Window.Content)))
	}
}

func TestDamagedFileExplainsAndRestoresTheNewestBackup(t *testing.T) {
	o := folder(t, store.Page{ID: "1001", Name: "Sunrise Café", Status: store.StatusValid})
	ctx := context.Background()
	s, err := store.Open(ctx, store.Options{Dir: o.Dir, Keyring: o.Keyring})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Backup(ctx); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Damage the file: overwrite its header.
	f, err := os.OpenFile(filepath.Join(o.Dir, "pagekeeper.db"), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("this is not a database header!!!"), 0); err != nil {
		t.Fatal(err)
	}
	f.Close()

	reopened := make(chan error, 2)
	m := openWindow(t, Config{NoSchedule: true, Keeper: o, Opened: func(_ int, err error) { reopened <- err }})
	<-reopened
	got := texts(get(m.Window.Content))
	if !contains(got, "data file is damaged") || !contains(got, "moved aside") {
		t.Fatalf("expected the damage explanation, got %q", got)
	}
	restore := get(func() *widget.Button { return findButton(m.Window.Content(), "Restore the newest backup") })
	if restore == nil {
		t.Fatal("no restore button although a verified backup exists")
	}
	tap(restore)
	select {
	case err := <-reopened:
		if err != nil {
			t.Fatalf("reopen after restore: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("restore never finished")
	}
	if rows := get(m.Dashboard.Rows); len(rows) != 1 || rows[0].Name != "Sunrise Café" {
		t.Fatalf("after restoring, rows = %+v", rows)
	}
}

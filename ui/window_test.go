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

// openIn returns an Open function over a fresh data folder with an in-memory keyring.
func openIn(t *testing.T, dir string, kr store.Keyring) func(context.Context, bool) (*keeper.Keeper, error) {
	t.Helper()
	return func(ctx context.Context, allowKeyFile bool) (*keeper.Keeper, error) {
		k, err := keeper.Open(ctx, keeper.Options{Dir: dir, Keyring: kr, AllowKeyFile: allowKeyFile})
		if err == nil {
			t.Cleanup(func() { _ = k.Close() })
		}
		return k, err
	}
}

func waitOpened(t *testing.T, m *MainWindow) {
	t.Helper()
	select {
	case <-m.Opened():
	case <-time.After(30 * time.Second):
		t.Fatal("the data folder never finished opening")
	}
}

// texts collects every label and button text on the canvas.
func texts(t *testing.T, o fyne.CanvasObject) []string {
	t.Helper()
	var out []string
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Label:
			out = append(out, w.Text)
		case *widget.Button:
			out = append(out, w.Text)
		}
		if c, ok := o.(*fyne.Container); ok {
			for _, ch := range c.Objects {
				walk(ch)
			}
		}
		if w, ok := o.(fyne.Widget); ok {
			r := test.TempWidgetRenderer(t, w)
			for _, ch := range r.Objects() {
				walk(ch)
			}
		}
	}
	walk(o)
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

func TestEmptyFolderShowsTheTeachingEmptyState(t *testing.T) {
	a := test.NewTempApp(t)
	LoadTranslations()
	m := NewMainWindow(a, Config{NoSchedule: true, Sandbox: true, Open: openIn(t, t.TempDir(), store.NewMemoryKeyring())})
	waitOpened(t, m)
	got := texts(t, m.Window.Content())
	for _, want := range []string{"No Pages connected yet", "Connect your first Facebook Page", "admin or editor", "Sandbox:"} {
		if !contains(got, want) {
			t.Errorf("dashboard lacks %q; shows %q", want, got)
		}
	}
}

func TestConnectedPagesAreListedWithStatusInWords(t *testing.T) {
	dir := t.TempDir()
	kr := store.NewMemoryKeyring()
	s, err := store.Open(context.Background(), store.Options{Dir: dir, Keyring: kr})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []store.Page{
		{ID: "1001", Name: "Sunrise Café", Status: store.StatusValid},
		{ID: "1002", Name: "Harbor Books", Status: store.StatusInvalid, Reason: "password_changed"},
	} {
		if err := s.UpsertPage(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	a := test.NewTempApp(t)
	LoadTranslations()
	m := NewMainWindow(a, Config{NoSchedule: true, Open: openIn(t, dir, kr)})
	waitOpened(t, m)
	rows := m.Dashboard.Rows()
	if len(rows) != 2 {
		t.Fatalf("rows = %+v", rows)
	}
	if got := m.Dashboard.Summary.Text; got != "2 Pages · 1 valid · 1 needs you" {
		t.Errorf("summary = %q", got)
	}
	if m.Dashboard.banner.Hidden || !strings.Contains(m.Dashboard.Banner.Text, "Harbor Books is no longer connected") {
		t.Errorf("the banner must name the invalid Page, shows %q", m.Dashboard.Banner.Text)
	}
	if rows[0].Name != "Harbor Books" {
		t.Errorf("problems come first: %+v", rows)
	}
	view := newPageRowView(m.Dashboard)
	for _, r := range rows {
		view.set(r, time.Now())
		got := texts(t, view)
		if !contains(got, r.Name) || !contains(got, r.ID) || !contains(got, r.Status.Text()) {
			t.Errorf("row for %s shows %q", r.Name, got)
		}
	}
}

func TestNoKeyringExplainsAndOffersTheKeyFile(t *testing.T) {
	a := test.NewTempApp(t)
	LoadTranslations()
	kr := store.NewMemoryKeyring()
	kr.FailWith(errors.New("org.freedesktop.secrets was not provided by any .service files"))
	m := NewMainWindow(a, Config{NoSchedule: true, Open: openIn(t, t.TempDir(), kr)})
	waitOpened(t, m)
	got := texts(t, m.Window.Content())
	if !contains(got, "No secure storage on this computer") {
		t.Fatalf("expected the keyring explanation, got %q", got)
	}
	var keyFile *widget.Button
	var find func(o fyne.CanvasObject)
	find = func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && strings.Contains(b.Text, "protected file") {
			keyFile = b
		}
		if c, ok := o.(*fyne.Container); ok {
			for _, ch := range c.Objects {
				find(ch)
			}
		}
	}
	find(m.Window.Content())
	if keyFile == nil {
		t.Fatal("no key-file button")
	}
	reopened := make(chan struct{})
	m.cfg.Opened = func(int, error) { close(reopened) }
	tap(keyFile)
	select {
	case <-reopened:
	case <-time.After(30 * time.Second):
		t.Fatal("reopen never finished")
	}
	if m.Keeper() == nil {
		t.Fatalf("after agreeing to the key file the folder should open; shows %q", texts(t, m.Window.Content()))
	}
}

func findButton(o fyne.CanvasObject, text string) *widget.Button {
	if b, ok := o.(*widget.Button); ok && strings.Contains(b.Text, text) {
		return b
	}
	if c, ok := o.(*fyne.Container); ok {
		for _, ch := range c.Objects {
			if b := findButton(ch, text); b != nil {
				return b
			}
		}
	}
	return nil
}

func TestDamagedFileExplainsAndRestoresTheNewestBackup(t *testing.T) {
	dir := t.TempDir()
	kr := store.NewMemoryKeyring()
	ctx := context.Background()
	s, err := store.Open(ctx, store.Options{Dir: dir, Keyring: kr})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.UpsertPage(ctx, store.Page{ID: "1001", Name: "Sunrise Café", Status: store.StatusValid}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Backup(ctx); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Damage the file: overwrite its header.
	f, err := os.OpenFile(filepath.Join(dir, "pagekeeper.db"), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("this is not a database header!!!"), 0); err != nil {
		t.Fatal(err)
	}
	f.Close()

	a := test.NewTempApp(t)
	LoadTranslations()
	m := NewMainWindow(a, Config{NoSchedule: true,
		Open:    openIn(t, dir, kr),
		Restore: func(backup string) error { return keeper.RestoreBackup(dir, backup) },
	})
	waitOpened(t, m)
	got := texts(t, m.Window.Content())
	if !contains(got, "data file is damaged") || !contains(got, "moved aside") {
		t.Fatalf("expected the damage explanation, got %q", got)
	}
	restore := findButton(m.Window.Content(), "Restore the newest backup")
	if restore == nil {
		t.Fatal("no restore button although a verified backup exists")
	}
	reopened := make(chan error, 1)
	m.cfg.Opened = func(_ int, err error) { reopened <- err }
	tap(restore)
	select {
	case err := <-reopened:
		if err != nil {
			t.Fatalf("reopen after restore: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("restore never finished")
	}
	rows := m.Dashboard.Rows()
	if len(rows) != 1 || rows[0].Name != "Sunrise Café" {
		t.Fatalf("after restoring, rows = %+v", rows)
	}
}

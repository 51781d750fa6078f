package ui

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/pagekeeper/pagekeeper/internal/logintest"
	"github.com/pagekeeper/pagekeeper/keeper"
	"github.com/pagekeeper/pagekeeper/sandbox"
	"github.com/pagekeeper/pagekeeper/store"
)

// demoNow is the clock of the screen tests: the figures and "… ago" do not
// move while they run.
var demoNow = time.Date(2026, 11, 22, 9, 0, 0, 0, time.Local)

// demoPages are Pages in every state a page owner meets.
func demoPages() []store.Page {
	at := demoNow.Add(-2 * time.Hour)
	return []store.Page{
		{ID: "110000000000001", Name: "Sunrise Café", Status: store.StatusValid, CheckedAt: at, ConnectedAt: at.AddDate(0, 0, -20),
			TokenType: "PAGE", Scopes: []string{"pages_show_list", "pages_manage_metadata", "pages_messaging"},
			WebhookFields: []string{"messages", "messaging_postbacks"}, SubscribedFields: []string{"messages", "messaging_postbacks"}},
		{ID: "110000000000002", Name: "Harbor Books", Status: store.StatusInvalid, Reason: "access_removed", CheckedAt: at, StatusSince: at},
		{ID: "110000000000007", Name: "Blue Door Studio", Status: store.StatusNeedsAttention, Reason: "webhook_missing", CheckedAt: at},
		{ID: "110000000000008", Name: "Maple Street Market", Status: store.StatusInvalid, Reason: "password_changed", CheckedAt: at},
		{ID: "110000000000006", Name: "Riverside Dental", Status: store.StatusDisconnected, CleanupPending: true, DisconnectedAt: at},
		{ID: "110000000000009", Name: "Night Owl Bakery", Status: store.StatusCouldNotCheck, Reason: "throttled", CheckedAt: at},
	}
}

// demoFolder is a data folder with demoPages, an outage in Sunrise Café's
// history, and the window's language set to lang.
func demoFolder(t *testing.T, lang string) keeper.Options {
	t.Helper()
	o := folder(t, demoPages()...)
	o.Now = func() time.Time { return demoNow }
	ctx := context.Background()
	s, err := store.Open(ctx, store.Options{Dir: o.Dir, Keyring: o.Keyring})
	if err != nil {
		t.Fatal(err)
	}
	broke := demoNow.AddDate(0, 0, -6)
	err = s.Update(ctx, func(tx *store.Tx) error {
		if _, _, err := tx.OpenIncident("110000000000001", "password_changed", broke); err != nil {
			return err
		}
		if _, err := tx.AppendEvent(store.Event{At: broke.Add(3 * time.Hour), PageID: "110000000000001", Kind: "token_renewed",
			ActorFBName: "Ana Rivera", Detail: "Connection renewed; webhook fields messages, messaging_postbacks (bot preset). Permissions granted: pages_show_list, pages_manage_metadata, pages_messaging; declined: none."}); err != nil {
			return err
		}
		if _, err := tx.AppendEvent(store.Event{At: broke.Add(3 * time.Hour), PageID: "110000000000001", Kind: "status_changed", Detail: "Invalid to Valid"}); err != nil {
			return err
		}
		_, _, err := tx.CloseIncident("110000000000001", broke.Add(4*time.Hour))
		return err
	})
	if err == nil {
		set := keeper.DefaultSettings()
		set.Language = lang
		err = s.SetSetting(ctx, "settings", set)
	}
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// screenshotDir, when set, is where the screen tests also save what they
// check, as PNG (the smoke test's screenshots: .ci/smoke, docs/screenshots).
var screenshotDir = os.Getenv("PAGEKEEPER_SCREENSHOTS")

// checkScreen asserts w's screen is laid out, and saves it when asked.
func checkScreen(t *testing.T, w fyne.Window, lang string, size fyne.Size, screen string) {
	t.Helper()
	assertLaidOut(t, w, screen)
	if screenshotDir == "" {
		return
	}
	var img image.Image
	onMain(func() {
		// Fyne 2.8.1's software painter (the test driver's Capture) panics
		// on an image with no width or no height but not both
		// (internal/painter/software/draw.go drawPixels gets a nil image);
		// such an image covers no pixel, so leaving it out of the picture
		// changes nothing that can be seen.
		defer hideEmptyImages(t, w.Canvas())()
		img = w.Canvas().Capture()
	})
	slug := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, strings.ToLower(screen))
	name := filepath.Join(screenshotDir, fmt.Sprintf("%s-%.0fx%.0f-%s.png", lang, size.Width, size.Height, strings.Trim(slug, "-")))
	f, err := os.Create(name)
	if err == nil {
		err = png.Encode(f, img)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		t.Fatal(err)
	}
}

// hideEmptyImages hides every shown image of c that covers no pixel while
// one of its sides is not zero, and returns what shows them again.
func hideEmptyImages(t *testing.T, c fyne.Canvas) (showAgain func()) {
	var hidden []fyne.CanvasObject
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch x := o.(type) {
		case *canvas.Image:
			if sz := x.Size(); !sz.IsZero() && (sz.Width <= 0 || sz.Height <= 0) {
				t.Logf("an image of %v covers no pixel; it is left out of the screenshot", sz)
				x.Hide()
				hidden = append(hidden, x)
			}
		case *fyne.Container:
			for _, child := range x.Objects {
				walk(child)
			}
		case fyne.Widget:
			for _, child := range test.WidgetRenderer(x).Objects() {
				walk(child)
			}
		}
	}
	for _, o := range append([]fyne.CanvasObject{c.Content()}, c.Overlays().List()...) {
		walk(o)
	}
	return func() {
		for _, o := range hidden {
			o.Show()
		}
	}
}

// sized gives the window the size of the screen being tried. Wrapped text
// knows its height only once laid out at its width: a second layout pass
// settles it, as the next frames do in the real window.
func sized(m *MainWindow, size fyne.Size) {
	onMain(func() {
		m.Window.Resize(size)
		m.Window.Content().Refresh()
	})
}

// waitDialogs waits until n dialogs are open.
func waitDialogs(t *testing.T, m *MainWindow, n int) {
	t.Helper()
	eventually(t, fmt.Sprintf("%d open dialogs", n), func() bool { return len(m.dialogs) == n })
}

func forEachScreen(t *testing.T, run func(t *testing.T, lang string, size fyne.Size)) {
	for _, lang := range []string{"en", "es"} {
		for _, size := range screenSizes {
			t.Run(fmt.Sprintf("%s/%.0fx%.0f", lang, size.Width, size.Height), func(t *testing.T) {
				t.Cleanup(func() { SetLanguage("en") })
				run(t, lang, size)
			})
		}
	}
}

// Every screen and dialog of a managing window, in English and Spanish, at
// 900×600 and 1920×1080: no text is cut and nothing is drawn over
// something else.
func TestEveryScreenFitsInBothLanguagesAndSizes(t *testing.T) {
	forEachScreen(t, func(t *testing.T, lang string, size fyne.Size) {
		o := demoFolder(t, lang)
		m := openWindow(t, Config{NoSchedule: true, Keeper: o, Now: o.Now, Tray: func() bool { return true }})
		sized(m, size)
		check := func(screen string) { t.Helper(); checkScreen(t, m.Window, lang, size, screen) }
		// The last 30 days come after the Pages' first frame ("…" until then).
		eventually(t, "the last 30 days", func() bool { return m.Dashboard.Availability.strip.Visible() })
		check("dashboard")
		if got := get(func() bool { return m.Dashboard.setupNeeded && m.Dashboard.alertsNone }); !got {
			t.Error("a folder without an App ID and alerts shows both notices")
		}

		onMain(func() { m.showLog("110000000000001") })
		waitDialogs(t, m, 1)
		v := get(func() *PageLog { return m.pageLog })
		for i, tab := range []string{"what happened", "connection", "history"} {
			onMain(func() { v.Tabs.SelectIndex(i) })
			check("log: " + tab)
		}
		onMain(func() { v.History.Select(0) })
		waitDialogs(t, m, 2)
		check("a history line in full")
		onMain(m.escape)
		tap(v.LinkButton)
		waitDialogs(t, m, 2)
		check("Messenger link")
		onMain(m.escape)
		onMain(m.escape)

		for i, tab := range []string{"facebook", "alerts", "integrations", "data", "language"} {
			onMain(func() { m.showSettings(i) })
			waitDialogs(t, m, 1)
			if i == tabIntegrations {
				<-get(func() *SettingsView { return m.settings }).Integrations.Loaded // the list is shown
			}
			check("settings: " + tab)
			onMain(m.escape)
		}

		onMain(func() { m.confirmDisconnect("110000000000001") })
		waitDialogs(t, m, 1)
		check("disconnect?")
		onMain(m.escape)

		onMain(func() {
			m.pickBackup([]keeper.BackupInfo{{Path: "a", Time: demoNow, Pages: 6}, {Path: "b", Time: demoNow.Add(-time.Hour), Pages: 5}}, nil)
		})
		check("restore")
		onMain(m.escape)

		onMain(func() {
			m.showError(&keeper.ReadOnlyError{Manager: keeper.LockInfo{User: "alice", Host: "laptop-7", PID: 4242, StartedAt: demoNow}})
		})
		check("an error")
		onMain(m.escape)

		onMain(func() { m.info("Disconnected", strings.Repeat("Facebook could not be reached. ", 6)) })
		check("a message")
		onMain(m.escape)

		onMain(m.closeRequested)
		waitDialogs(t, m, 1)
		check("the first close")
		onMain(m.escape)

		onMain(m.renewAll)
		eventually(t, "the renewal wizard", func() bool { return m.wizard != nil && len(m.dialogs) == 1 })
		check("renewal: before you start")
		tap(get(func() *widget.Button { return m.wizard.Next }))
		waitDialogs(t, m, 2)
		check("before Facebook's dialog")
		onMain(m.escape)
		onMain(m.escape)
	})
}

// The sandbox window's own screens and the wizard's steps, with a real
// login against the pretend Facebook.
func TestEveryWizardStepFitsInBothLanguagesAndSizes(t *testing.T) {
	forEachScreen(t, func(t *testing.T, lang string, size fyne.Size) {
		a := newTestApp(t)
		onMain(func() { a.Preferences().SetString(languagePreference, lang) })
		var finish atomic.Bool
		var untick atomic.Bool
		m := sandboxWindowOn(t, []int{0}, func(int) *logintest.Choice {
			switch {
			case !finish.Load():
				return nil // the person has not finished yet
			case untick.Load():
				return &logintest.Choice{Untick: []string{"page-" + sandbox.PageHarborBooks}}
			}
			return &logintest.Choice{}
		})
		onMain(func() { m.useLanguage(lang) })
		sized(m, size)
		check := func(screen string) { t.Helper(); checkScreen(t, m.Window, lang, size, screen) }
		check("empty dashboard")

		w := startWizard(t, m)
		check("step 1")
		tap(w.Next)
		waitStep(t, w, 2)
		eventually(t, "the login link", func() bool { return w.Link.Text != "" })
		check("step 2")
		onMain(w.close)

		finish.Store(true)
		w = toChoosePages(t, m)
		check("step 3")
		tap(get(func() *widget.Button { return w.Next }))
		waitStep(t, w, 40)
		check("step 4")
		tap(get(func() *widget.Button { return w.Next }))
		waitStep(t, w, 5)
		eventually(t, "the message-flow check", func() bool { return w.FlowInfo.Text != "" && !w.CheckAgain.Disabled() })
		check("step 5")
		onMain(w.close)

		untick.Store(true)
		w = toChoosePages(t, m)
		waitDialogs(t, m, 2)
		check("after Facebook's dialog")
		onMain(m.escape)
		onMain(w.close)

		onMain(func() { m.showSimulate() })
		check("simulate a problem")
		onMain(m.escape)
	})
}

// The screens before the data folder opens, and a view-only window.
func TestProblemScreensAndViewOnlyFit(t *testing.T) {
	forEachScreen(t, func(t *testing.T, lang string, size fyne.Size) {
		a := newTestApp(t)
		onMain(func() { a.Preferences().SetString(languagePreference, lang) })
		kr := store.NewMemoryKeyring()
		kr.FailWith(errors.New("org.freedesktop.secrets was not provided by any .service files"))
		m := openWindow(t, Config{NoSchedule: true, Keeper: keeper.Options{Dir: t.TempDir(), Keyring: kr}})
		sized(m, size)
		checkScreen(t, m.Window, lang, size, "no keyring")

		o := demoFolder(t, lang)
		manager := openWindow(t, Config{NoSchedule: true, Keeper: o, Now: o.Now})
		if get(manager.Keeper) == nil {
			t.Fatal("the manager did not open")
		}
		viewer := openWindow(t, Config{NoSchedule: true, Keeper: o, Now: o.Now})
		sized(viewer, size)
		checkScreen(t, viewer.Window, lang, size, "view only")
		onMain(func() { viewer.showSettings(tabFacebook) })
		checkScreen(t, viewer.Window, lang, size, "view-only settings")
	})
}

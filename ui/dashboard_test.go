package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
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

// "cafe" finds "Sunrise Café", "NUNEZ" finds "Núñez Dental".
func TestSearchIgnoresAccentsAndCase(t *testing.T) {
	m := seeded(t,
		store.Page{ID: "110000000000001", Name: "Sunrise Café", Status: store.StatusValid},
		store.Page{ID: "110000000000002", Name: "Núñez Dental", Status: store.StatusValid},
		store.Page{ID: "110000000000003", Name: "Harbor Books", Status: store.StatusValid})
	for query, want := range map[string]string{"cafe": "Sunrise Café", "NUNEZ": "Núñez Dental", "café": "Sunrise Café"} {
		onMain(func() { m.Dashboard.Search.SetText(query) })
		if rows := get(m.Dashboard.Rows); len(rows) != 1 || rows[0].Name != want {
			t.Errorf("%q finds %+v, want %s", query, rows, want)
		}
	}
}

// A row's name sits level with the other cells when there is no reason
// under it; Resubscribe and Renew take the same room, so Log never moves.
func TestRowsLineUp(t *testing.T) {
	m := seeded(t,
		store.Page{ID: "110000000000001", Name: "Sunrise Café", Status: store.StatusValid},
		store.Page{ID: "110000000000007", Name: "Blue Door Studio", Status: store.StatusNeedsAttention, Reason: "webhook_missing"})
	onMain(func() { m.Window.Resize(fyne.NewSize(900, 600)) })
	centre := func(o fyne.CanvasObject) float32 {
		return fyne.CurrentApp().Driver().AbsolutePositionForObject(o).Y + o.Size().Height/2
	}
	var views []*pageRowView
	onMain(func() {
		walkObjects(m.Dashboard.List, func(o fyne.CanvasObject) {
			if v, ok := o.(*pageRowView); ok && v.row.ID != "" {
				views = append(views, v)
			}
		})
	})
	if len(views) != 2 {
		t.Fatalf("%d rows shown", len(views))
	}
	onMain(func() {
		var logX []float32
		for _, v := range views {
			if v.row.Short == "" {
				if d := centre(v.name) - centre(v.id); d > 1 || d < -1 {
					t.Errorf("%s sits %.0f px off its row's middle", v.row.Name, d)
				}
			}
			logX = append(logX, fyne.CurrentApp().Driver().AbsolutePositionForObject(v.log).X)
		}
		if logX[0] != logX[1] {
			t.Errorf("Log moves with the repair button: %v", logX)
		}
	})
}

// The header's "Last check" keeps saying how long ago, as time passes.
func TestLastCheckStaysCurrent(t *testing.T) {
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	m := openWindow(t, Config{NoSchedule: true, Now: func() time.Time { return clock() },
		Keeper: folder(t, store.Page{ID: "110000000000001", Name: "Sunrise Café", Status: store.StatusValid})})
	onMain(func() { m.Dashboard.SetChecked(now, time.Time{}) })
	if got := get(func() string { return m.Dashboard.Checked.Text }); got != "Last check just now" {
		t.Fatalf("%q", got)
	}
	later := now.Add(7 * time.Minute)
	onMain(func() {
		clock = func() time.Time { return later } // the clock is read on the UI goroutine
		m.Dashboard.Tick()                        // what the window does every half minute
	})
	if got := get(func() string { return m.Dashboard.Checked.Text }); got != "Last check 7 min ago" {
		t.Fatalf("after 7 minutes the header says %q", got)
	}
}

// A folder without an App ID says so with a button to Settings; a window
// whose alerts reach nobody says so with a button to where they are set up.
func TestTheFirstRealStartSaysWhatIsMissing(t *testing.T) {
	m := seeded(t, store.Page{ID: "110000000000001", Name: "Sunrise Café", Status: store.StatusValid})
	if !get(func() bool { return m.Dashboard.setupBox.box.Visible() }) || !strings.Contains(get(func() string { return m.Dashboard.SetupNote.Text }), "App ID") {
		t.Fatal("a first start without an App ID must say so")
	}
	tap(m.Dashboard.SetupButton)
	waitDialogs(t, m, 1)
	if tab := get(func() int { return m.settings.Tabs.SelectedIndex() }); tab != tabFacebook {
		t.Fatalf("Open Settings shows tab %d", tab)
	}
	if focused := get(func() fyne.Focusable { return m.Window.Canvas().Focused() }); focused != m.settings.AppID {
		t.Fatal("the App ID field gets the keyboard focus")
	}
	onMain(func() { m.settings.AppID.SetText("1234567890") })
	tap(m.settings.Save)
	waitDialogs(t, m, 0)
	if get(func() bool { return m.Dashboard.setupBox.box.Visible() }) {
		t.Fatal("with an App ID the notice goes")
	}
	if !get(func() bool { return m.Dashboard.alertsBox.box.Visible() }) {
		t.Fatal("no owners, no mail server, no background checking: the window must warn that alerts reach nobody")
	}
}

// The last 30 days of all Pages are shown in words as well as colours.
func TestTheHeaderShowsTheLast30Days(t *testing.T) {
	o := demoFolder(t, "en")
	m := openWindow(t, Config{NoSchedule: true, Keeper: o, Now: o.Now})
	// Their place is kept, saying "…" (never a wrong figure), until they come.
	if got := get(func() string { return m.Dashboard.Availability.Summary.Text }); got != "…" && !strings.Contains(got, "%") {
		t.Fatalf("before the figures, the 30 days say %q", got)
	}
	if !get(func() bool { return m.Dashboard.Availability.content.Visible() }) {
		t.Fatal("the 30 days' place is not kept while they are worked out")
	}
	eventually(t, "the 30 days", func() bool { return m.Dashboard.Availability.strip.Visible() })
	got := get(func() string { return m.Dashboard.Availability.Summary.Text })
	if !strings.Contains(got, "Pages worked") || !strings.Contains(got, "%") {
		t.Fatalf("the 30 days say %q", got)
	}
}

// The summary counts in each language's plural forms.
func TestTheSummaryCountsInPluralForms(t *testing.T) {
	t.Cleanup(func() { SetLanguage("en") })
	one := []PageRow{{Status: keeper.StatusInvalid}}
	two := []PageRow{{Status: keeper.StatusValid}, {Status: keeper.StatusInvalid}}
	for _, tc := range []struct {
		lang string
		rows []PageRow
		want string
	}{
		{"en", one, "1 Page · 0 valid · 1 needs you"},
		{"en", two, "2 Pages · 1 valid · 1 needs you"},
		{"es", one, "1 Página · 0 válidas · 1 te necesita"},
		{"es", two, "2 Páginas · 1 válida · 1 te necesita"},
	} {
		SetLanguage(tc.lang)
		if got := summaryLine(tc.rows); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.lang, got, tc.want)
		}
	}
}

// The icons the row buttons share are the theme's icons in the colours Fyne
// gives a button of that importance (only made once per colour).
func TestRowIconsAreTheThemesInTheButtonsColours(t *testing.T) {
	newTestApp(t)
	for _, c := range []struct {
		imp   widget.Importance
		color fyne.ThemeColorName
	}{{widget.MediumImportance, theme.ColorNameForeground}, {widget.HighImportance, theme.ColorNameForegroundOnPrimary}} {
		got := get(func() string { return string(rowIcon(theme.CancelIcon(), c.imp).Content()) })
		want := get(func() string { return string(theme.NewColoredResource(theme.CancelIcon(), c.color).Content()) })
		if got != want {
			t.Errorf("importance %v: the icon is not the theme's in %s", c.imp, c.color)
		}
	}
	if get(func() bool {
		return string(rowIcon(theme.CancelIcon(), widget.MediumImportance).Content()) == string(rowIcon(theme.CancelIcon(), widget.HighImportance).Content())
	}) {
		t.Error("the icons of both importances look alike")
	}
}

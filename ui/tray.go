package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/pagekeeper/pagekeeper/assets"
	"github.com/pagekeeper/pagekeeper/keeper"
)

var (
	trayOK      = fyne.NewStaticResource("tray-ok.png", assets.TrayOK)
	trayWarning = fyne.NewStaticResource("tray-warning.png", assets.TrayWarning)
	trayError   = fyne.NewStaticResource("tray-error.png", assets.TrayError)
)

// trayMenu builds the system-tray menu: the worst status in words, the Pages
// that need the owner (each opens its log), Check now, Open, and Quit
// (which ends Pagekeeper the same careful way as closing the window).
func (m *MainWindow) trayMenu(rows []PageRow) (*fyne.Menu, fyne.Resource) {
	icon := trayOK
	headline := tr("tray.ok", "All Pages are connected")
	var needing []*fyne.MenuItem
	invalid, attention := 0, 0
	for _, r := range rows {
		switch r.Status {
		case keeper.StatusInvalid:
			invalid++
		case keeper.StatusNeedsAttention:
			attention++
		default:
			continue
		}
		if len(needing) == 10 {
			continue // the count says the rest
		}
		id := r.ID
		needing = append(needing, fyne.NewMenuItem(fmt.Sprintf("%s: %s", r.Name, statusText(r.Status)), func() {
			m.Window.Show()
			m.showLog(id)
		}))
	}
	switch {
	case invalid > 0:
		icon = trayError
		headline = tr("tray.invalid", "{{.Count}} Pages are not connected", map[string]any{"Count": invalid + attention})
	case attention > 0:
		icon = trayWarning
		headline = tr("tray.attention", "{{.Count}} Pages need attention", map[string]any{"Count": attention})
	case len(rows) == 0:
		headline = tr("summary.none", "No Pages connected yet")
	}
	status := fyne.NewMenuItem(headline, nil)
	status.Disabled = true
	items := []*fyne.MenuItem{fyne.NewMenuItem(tr("tray.open", "Open Pagekeeper"), m.Window.Show), fyne.NewMenuItemSeparator(), status}
	items = append(items, needing...)
	quit := fyne.NewMenuItem(tr("tray.quit", "Quit Pagekeeper"), m.Quit)
	quit.IsQuit = true
	items = append(items, fyne.NewMenuItemSeparator(), fyne.NewMenuItem(tr("toolbar.check", "Check now"), m.checkAll),
		fyne.NewMenuItemSeparator(), quit)
	return fyne.NewMenu("Pagekeeper", items...), icon
}

// updateTray refreshes the tray, where this desktop has one (without one,
// Fyne's tray would only keep an invisible process alive).
func (m *MainWindow) updateTray(rows []PageRow) {
	desk, ok := fyne.CurrentApp().(desktop.App)
	if !ok || !m.cfg.Tray() {
		return
	}
	menu, icon := m.trayMenu(rows)
	desk.SetSystemTrayMenu(menu)
	desk.SetSystemTrayIcon(icon)
}

// notify shows an alert as a desktop notification. It is the keeper's
// Notifier for this computer (email is the keeper's own channel); it runs
// on the round's goroutine and hands the alert to the Fyne goroutine.
func (m *MainWindow) notify(_ context.Context, a keeper.Alert) error {
	m.life.Do(func() {
		title, body := alertText(a)
		fyne.CurrentApp().SendNotification(fyne.NewNotification(title, body))
	})
	return nil
}

func alertText(a keeper.Alert) (title, body string) {
	switch a.Kind {
	case keeper.AlertRestored:
		return tr("alert.restored", "{{.Name}} is connected again", map[string]any{"Name": a.PageName}),
			tr("alert.restored_body", "Messenger messages reach your integration again.")
	case keeper.AlertReminder:
		title = tr("alert.reminder", "Still needs you: {{.Name}}", map[string]any{"Name": a.PageName})
	default:
		title = tr("alert.opened", "{{.Name}} needs you", map[string]any{"Name": a.PageName})
	}
	return title, text(a.Explanation) + " " + text(a.Action)
}

package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// Close means close. Closing the window quits Pagekeeper — ending its work
// and releasing the data folder, so the next start manages it again — unless
// this desktop shows a tray icon and the owner chose to keep checking in the
// background. The first close on such a desktop explains the choice once.
// These are choices about this computer's window, kept in Fyne's
// preferences (not the data folder).
const (
	prefBackground = "close.background" // keep checking in the background when the window closes
	prefCloseAsked = "close.asked"      // the first close explained the choice
)

// closeRequested is the window's close button (and Ctrl+W).
func (m *MainWindow) closeRequested() {
	if !m.canRunInBackground() {
		m.Quit()
		return
	}
	p := fyne.CurrentApp().Preferences()
	switch {
	case !p.Bool(prefCloseAsked):
		m.askOnFirstClose()
	case p.Bool(prefBackground):
		m.Window.Hide()
	default:
		m.Quit()
	}
}

// canRunInBackground: a tray to come back through, and a scheduler worth
// keeping (a view-only window checks nothing).
func (m *MainWindow) canRunInBackground() bool {
	if m.keeper == nil || !m.cfg.Tray() {
		return false
	}
	_, ro := m.keeper.ReadOnly()
	return !ro
}

// backgroundChosen: the owner chose to keep checking in the background
// (and it is possible here).
func (m *MainWindow) backgroundChosen() bool {
	return m.canRunInBackground() && fyne.CurrentApp().Preferences().Bool(prefBackground)
}

// askOnFirstClose explains, once, what closing means and lets the owner
// choose; Settings can change the choice later.
func (m *MainWindow) askOnFirstClose() {
	choose := func(background bool) {
		p := fyne.CurrentApp().Preferences()
		p.SetBool(prefCloseAsked, true)
		p.SetBool(prefBackground, background)
		if background {
			m.Window.Hide()
			m.applySettings()
			return
		}
		m.Quit()
	}
	body := wrapped(tr("close.body", "When Pagekeeper is closed, nobody checks your Pages and nobody is told when one stops working. It can keep checking in the background instead: its icon stays in the tray, where you can open it again or quit. You can change this later in Settings."))
	// Escape keeps the window open: nothing is decided.
	m.showDialog(tr("close.title", "Keep checking your Pages?"), container.New(&maxWidth{w: 520}, body), nil,
		choice{label: tr("close.quit", "Quit Pagekeeper"), do: func() { choose(false) }},
		choice{label: tr("close.background", "Keep checking in the background"), importance: widget.HighImportance, isDefault: true,
			do: func() { choose(true) }})
}

// Quit ends Pagekeeper as the owner asked (the window closed, the tray's
// Quit, the Quit of a problem screen): the window goes at once, then
// Shutdown.
func (m *MainWindow) Quit() {
	m.Window.Hide()
	m.Shutdown()
}

// Shutdown ends Pagekeeper from any goroutine (main calls it on SIGTERM
// and SIGINT): first its own work and the data folder are closed off the UI
// goroutine (scheduler and logins stopped, keeper closed, manager lock
// released), then Fyne is asked to quit. Fyne 2.8.1's own teardown can hang
// (a lifecycle event it queues itself while its queue is being closed
// waits forever, and so does ShowAndRun); since the data is safe by then,
// a watchdog (Config.Exit) ends the process with status 0 if Fyne has not
// returned within QuitGrace.
func (m *MainWindow) Shutdown() {
	m.shutdownOnce.Do(func() {
		go func() {
			err := m.Close()
			if err != nil {
				m.cfg.Logf("closing the data folder: %v", err)
			}
			if exit := m.cfg.Exit; exit != nil {
				code := 0
				if err != nil {
					code = 1
				}
				time.AfterFunc(m.cfg.QuitGrace, func() {
					m.cfg.Logf("Fyne did not finish closing the window within %s; exiting (the data folder was already closed)", m.cfg.QuitGrace)
					exit(code)
				})
			}
			// Not waited for: Fyne may already be tearing down.
			go fyne.Do(m.quitFyne)
		}()
	})
}

// quitFyne asks Fyne to quit unless it has already stopped. Fyne's driver
// quits by itself on SIGTERM and SIGINT too (glfw catchTerm), and once it
// has terminated GLFW, fyne.Do runs this at once (or from the queue it
// drains), where closing the window panics "The GLFW library is not
// initialized": then there is nothing left to quit.
func (m *MainWindow) quitFyne() {
	defer func() {
		if r := recover(); r != nil {
			m.cfg.Logf("Fyne had already stopped: %v", r)
		}
	}()
	fyne.CurrentApp().Quit()
}

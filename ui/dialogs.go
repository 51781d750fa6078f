package ui

import (
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
)

// present shows d over the main window and remembers it, so that Escape
// closes the top-most dialog (as Cancel would: Fyne calls a confirm
// dialog's callback with false). onClosed, if set, runs when it closes.
func (m *MainWindow) present(d dialog.Dialog, onClosed func()) {
	m.dialogs = append(m.dialogs, d)
	d.SetOnClosed(func() {
		for i := len(m.dialogs) - 1; i >= 0; i-- {
			if m.dialogs[i] == d {
				m.dialogs = append(m.dialogs[:i], m.dialogs[i+1:]...)
				break
			}
		}
		if onClosed != nil {
			onClosed()
		}
	})
	d.Show()
}

// info shows a message with a Close button.
func (m *MainWindow) info(title, message string) {
	m.present(dialog.NewInformation(title, message, m.Window), nil)
}

// escapeCloses makes Escape close the top-most dialog.
func (m *MainWindow) escapeCloses() {
	m.Window.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if ev.Name != fyne.KeyEscape || len(m.dialogs) == 0 {
			return
		}
		m.dialogs[len(m.dialogs)-1].Hide()
	})
}

// uiMu serialises the callbacks handed to the Fyne goroutine. With the real
// driver they already run one at a time on it; Fyne's test driver runs them
// inline on the calling goroutine, and this keeps tests honest under -race.
var uiMu sync.Mutex

// onUI runs f on the Fyne goroutine (workers hand their results over with it).
func onUI(f func()) {
	fyne.Do(func() {
		uiMu.Lock()
		defer uiMu.Unlock()
		f()
		announceChange()
	})
}

// changed is closed and replaced each time a worker's result has reached the
// widgets, so a test waits for the next change instead of polling.
var (
	changedMu sync.Mutex
	changed   = make(chan struct{})
)

// uiChanged is closed after the next worker result reaches the widgets.
func uiChanged() <-chan struct{} {
	changedMu.Lock()
	defer changedMu.Unlock()
	return changed
}

func announceChange() {
	changedMu.Lock()
	defer changedMu.Unlock()
	close(changed)
	changed = make(chan struct{})
}

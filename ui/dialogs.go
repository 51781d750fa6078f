package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
)

// present shows d over the main window and remembers it, so that Escape
// closes the top-most dialog (as Cancel would: Fyne calls a confirm
// dialog's callback with false). It returns the dialog's bridge: work
// started on it is cancelled when the dialog closes. onClosed, if set,
// runs when it closes.
func (m *MainWindow) present(d dialog.Dialog, onClosed func()) *bridge {
	life := m.life.child()
	m.dialogs = append(m.dialogs, d)
	d.SetOnClosed(func() {
		life.Close()
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
	return life
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

package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// A choice is one button of a dialog shown with showDialog.
type choice struct {
	label      string
	icon       fyne.Resource
	importance widget.Importance
	// do runs after the dialog has closed (nil: the button only closes it).
	do func()
	// isDefault: Enter presses it. isCancel: Escape presses it.
	isDefault, isCancel bool
}

// presented is an open dialog with its keyboard: the button Enter presses
// (nil: none) and what Escape does besides closing it.
type presented struct {
	d        dialog.Dialog
	def      func() *widget.Button
	onCancel func()
}

// showDialog shows content under title with one button per choice, in
// order, and returns the dialog and its bridge (closed with it). focus, if
// set, gets the keyboard focus.
func (m *MainWindow) showDialog(title string, content fyne.CanvasObject, focus fyne.Focusable, choices ...choice) (*dialog.CustomDialog, *bridge) {
	d := dialog.NewCustomWithoutButtons(title, content, m.Window)
	var buttons []fyne.CanvasObject
	var def *widget.Button
	var onCancel func()
	for _, c := range choices {
		c := c
		b := widget.NewButtonWithIcon(c.label, c.icon, func() {
			d.Hide()
			if c.do != nil {
				c.do()
			}
		})
		b.Importance = c.importance
		buttons = append(buttons, b)
		if c.isDefault {
			def = b
		}
		if c.isCancel {
			onCancel = c.do
		}
	}
	d.SetButtons(buttons)
	p := presented{d: d, onCancel: onCancel}
	if def != nil {
		p.def = func() *widget.Button { return def }
	}
	life := m.presentWith(p, nil)
	if focus != nil {
		m.Window.Canvas().Focus(focus)
	}
	return d, life
}

// present shows d over the main window and remembers it, so that Escape
// closes the top-most dialog (as Cancel would: Fyne calls a confirm
// dialog's callback with false). It returns the dialog's bridge: work
// started on it is cancelled when the dialog closes. onClosed, if set,
// runs when it closes.
func (m *MainWindow) present(d dialog.Dialog, onClosed func()) *bridge {
	return m.presentWith(presented{d: d}, onClosed)
}

func (m *MainWindow) presentWith(p presented, onClosed func()) *bridge {
	life := m.life.child()
	m.dialogs = append(m.dialogs, p)
	p.d.SetOnClosed(func() {
		life.Close()
		for i := len(m.dialogs) - 1; i >= 0; i-- {
			if m.dialogs[i].d == p.d {
				m.dialogs = append(m.dialogs[:i], m.dialogs[i+1:]...)
				break
			}
		}
		if onClosed != nil {
			onClosed()
		}
	})
	p.d.Show()
	return life
}

// setDefault makes def (read when Enter is pressed) the default button of
// the dialog d (the wizard's changes with its step).
func (m *MainWindow) setDefault(d dialog.Dialog, def func() *widget.Button) {
	for i := range m.dialogs {
		if m.dialogs[i].d == d {
			m.dialogs[i].def = def
		}
	}
}

// info shows a message with a Close button.
func (m *MainWindow) info(title, message string) {
	m.showDialog(title, container.New(&maxWidth{w: 480}, wrapped(message)), nil,
		choice{label: tr("dialog.close", "Close"), isDefault: true, isCancel: true})
}

// dialogSize is w×h, or less on a small window: a dialog never reaches past
// the window's edge.
func (m *MainWindow) dialogSize(w, h float32) fyne.Size {
	c := m.Window.Canvas().Size()
	if c.Width <= 0 || c.Height <= 0 {
		return fyne.NewSize(w, h)
	}
	return fyne.NewSize(min(w, c.Width-32), min(h, c.Height-32))
}

// keyboard: Escape closes the top-most dialog (or clears the search when
// none is open), Enter presses the top dialog's default button, Ctrl+W
// closes the window, Ctrl+N connects Pages, Ctrl+F goes to the search (and
// Tab from there to the list, where Space opens a Page's log). Fyne gives keys to the
// focused widget only, so text fields pass Escape and Enter on (keyEntry).
func (m *MainWindow) keyboard() {
	c := m.Window.Canvas()
	c.SetOnTypedKey(func(ev *fyne.KeyEvent) {
		switch ev.Name {
		case fyne.KeyEscape:
			m.escape()
		case fyne.KeyReturn, fyne.KeyEnter:
			m.pressDefault()
		}
	})
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyW, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) {
		m.closeRequested()
	})
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyN, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) {
		if len(m.dialogs) == 0 && m.Dashboard != nil && !m.Dashboard.ConnectButton.Disabled() {
			m.Dashboard.ConnectButton.OnTapped()
		}
	})
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) {
		if len(m.dialogs) == 0 && m.Dashboard != nil {
			c.Focus(m.Dashboard.Search)
		}
	})
}

// escape closes the top-most dialog as Cancel would, or clears the search.
func (m *MainWindow) escape() {
	if n := len(m.dialogs); n > 0 {
		p := m.dialogs[n-1]
		p.d.Hide()
		if p.onCancel != nil {
			p.onCancel()
		}
		return
	}
	if m.Dashboard != nil && m.Dashboard.Search.Text != "" {
		m.Dashboard.Search.SetText("")
	}
}

// pressDefault presses the top-most dialog's default button, when it has
// one and it is enabled. A dangerous action is never a default: Enter
// must not disconnect a Page.
func (m *MainWindow) pressDefault() {
	n := len(m.dialogs)
	if n == 0 || m.dialogs[n-1].def == nil {
		return
	}
	if b := m.dialogs[n-1].def(); b != nil && b.Visible() && !b.Disabled() && b.OnTapped != nil {
		b.OnTapped()
	}
}

// keyEntry is a text field that passes Escape and Enter on (Fyne gives
// keys to the focused widget only): in a dialog Escape closes it and Enter
// presses its default button — unless the field has its own OnSubmitted.
// A multi-line field keeps Enter for new lines.
type keyEntry struct {
	widget.Entry
	onEscape, onEnter func()
}

// newKeyEntry is a text field with what Escape and Enter do (nil: nothing).
func newKeyEntry(onEscape, onEnter func()) *keyEntry {
	e := &keyEntry{onEscape: onEscape, onEnter: onEnter}
	e.ExtendBaseWidget(e)
	return e
}

// newEntry is a one-line text field in m's window.
func (m *MainWindow) newEntry() *keyEntry { return newKeyEntry(m.escape, m.pressDefault) }

// newMultiLineEntry is a text field of several lines for m's window.
func (m *MainWindow) newMultiLineEntry() *keyEntry {
	e := m.newEntry()
	e.MultiLine = true
	e.Wrapping = fyne.TextWrapWord
	return e
}

// newPasswordEntry is a text field that hides what is typed, with an eye
// button that shows it.
func (m *MainWindow) newPasswordEntry() *keyEntry {
	e := m.newEntry()
	e.Password = true
	var eye *widget.Button
	eye = widget.NewButtonWithIcon("", theme.VisibilityIcon(), func() {
		e.Password = !e.Password
		if e.Password {
			eye.SetIcon(theme.VisibilityIcon())
		} else {
			eye.SetIcon(theme.VisibilityOffIcon())
		}
		e.Refresh()
	})
	eye.Importance = widget.LowImportance
	e.ActionItem = eye
	return e
}

// TypedKey passes Escape and Enter on.
func (e *keyEntry) TypedKey(ev *fyne.KeyEvent) {
	switch {
	case ev.Name == fyne.KeyEscape && e.onEscape != nil:
		e.onEscape()
	case (ev.Name == fyne.KeyReturn || ev.Name == fyne.KeyEnter) && !e.MultiLine && e.OnSubmitted == nil && e.onEnter != nil:
		e.onEnter()
	default:
		e.Entry.TypedKey(ev)
	}
}

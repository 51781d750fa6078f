package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// copiedFor is how long a Copy button says "Copied".
const copiedFor = 2 * time.Second

// copyButton puts what text returns on the clipboard and says "Copied"
// for a moment, so the person knows it worked.
func copyButton(label string, clip fyne.Clipboard, text func() string) *widget.Button {
	var b *widget.Button
	var back *time.Timer
	b = widget.NewButtonWithIcon(label, theme.ContentCopyIcon(), func() {
		if clip == nil {
			return
		}
		clip.SetContent(text())
		b.SetText(tr("copy.done", "Copied"))
		b.SetIcon(theme.ConfirmIcon())
		if back != nil {
			back.Stop()
		}
		back = time.AfterFunc(copiedFor, func() {
			fyne.Do(func() {
				b.SetText(label)
				b.SetIcon(theme.ContentCopyIcon())
			})
		})
	})
	return b
}

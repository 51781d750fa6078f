package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// hoverLabel shows short text and, while the pointer rests on it, the long
// form in a small pop-up (the exact time behind "5 min ago").
type hoverLabel struct {
	widget.Label
	long  string
	popup *widget.PopUp
}

var _ desktop.Hoverable = (*hoverLabel)(nil)

func newHoverLabel() *hoverLabel {
	h := &hoverLabel{}
	h.ExtendBaseWidget(h)
	return h
}

func (h *hoverLabel) set(short, long string) {
	h.long = long
	if h.Text != short {
		h.SetText(short)
	}
}

// MouseIn shows the long form below the label.
func (h *hoverLabel) MouseIn(*desktop.MouseEvent) {
	if h.long == "" {
		return
	}
	c := fyne.CurrentApp().Driver().CanvasForObject(h)
	if c == nil {
		return
	}
	h.popup = widget.NewPopUp(widget.NewLabel(h.long), c)
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(h)
	h.popup.ShowAtPosition(pos.AddXY(0, h.Size().Height))
}

// MouseMoved is required by desktop.Hoverable.
func (h *hoverLabel) MouseMoved(*desktop.MouseEvent) {}

// MouseOut hides the pop-up.
func (h *hoverLabel) MouseOut() {
	if h.popup != nil {
		h.popup.Hide()
		h.popup = nil
	}
}

package firstframe

import (
	"testing"

	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// The probe tells once, and only when a frame holding it has been painted:
// a window that was built and laid out but never drawn has shown nothing.
func TestTellsOnceAfterTheFirstPaintedFrame(t *testing.T) {
	test.NewTempApp(t)
	shown := 0
	w := test.NewWindow(container.NewStack(widget.NewLabel("rows"), container.NewWithoutLayout(New(func() { shown++ }))))
	defer w.Close()
	if shown != 0 {
		t.Fatalf("told %d times before any frame was painted", shown)
	}
	w.Canvas().Capture() // the software painter draws a frame
	if shown != 1 {
		t.Fatalf("told %d times after the first frame, want 1", shown)
	}
	w.Canvas().Refresh(w.Content())
	w.Canvas().Capture()
	if shown != 1 {
		t.Fatalf("told %d times after a second frame, want 1", shown)
	}
}

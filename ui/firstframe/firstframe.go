// Package firstframe tells when something was first put on screen: a
// one-pixel probe that sits beside it and reports once the frame that
// painted them both has been handed to the screen. The window benchmark's
// "Pages shown" (BENCHMARKS.md) is this moment, in Pagekeeper and in the
// bare Fyne list it is compared with (internal/ci/benchwindow/floor).
package firstframe

import (
	"image"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
)

// New returns the probe: an object to place in the same container as what
// is watched (it keeps its own 1×1 size in any layout that leaves it be,
// e.g. a container without layout). shown is called once, on the Fyne
// goroutine, after the first frame that painted the probe.
//
// How: Fyne's painter asks a raster for its pixels while it paints a frame
// (on the Fyne goroutine); a function queued with fyne.Do from there runs
// after that frame is painted and its buffers are swapped, in the next turn
// of the driver's loop.
func New(shown func()) fyne.CanvasObject {
	var once sync.Once
	probe := canvas.NewRaster(func(w, h int) image.Image {
		once.Do(func() { fyne.Do(shown) })
		return image.NewNRGBA(image.Rect(0, 0, w, h)) // transparent
	})
	probe.Resize(fyne.NewSquareSize(1))
	return probe
}

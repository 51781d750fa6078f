// Command baseline is the reference for the window benchmark (.ci/benchwindow):
// an empty Fyne window with a 10,000-row list, nothing else. It is the one
// program besides Pagekeeper's main.go that imports fyne.io/fyne/v2/app.
//
//	go run -tags migrated_fynedo ./internal/ci/benchwindow/baseline
package main

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

func main() {
	a := app.NewWithID("com.pagekeeper.baseline")
	w := a.NewWindow("Baseline list")
	rows := make([]string, 10000)
	for i := range rows {
		rows[i] = fmt.Sprintf("Sandbox Page %05d", i)
	}
	w.SetContent(widget.NewList(func() int { return len(rows) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(rows[i]) }))
	w.Resize(fyne.NewSize(1180, 720))
	w.ShowAndRun()
}

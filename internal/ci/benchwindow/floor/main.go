// Command floor is the reference for the window benchmark (.ci/benchwindow):
// a bare Fyne window holding a 10,000-row list, nothing else. It reports
// "ready: showing N Pages" by the same definition as Pagekeeper (the first
// frame that painted the list's rows, ui/firstframe), so the two starts are
// measured alike.
//
//	go run -tags migrated_fynedo ./internal/ci/benchwindow/floor
package main

import (
	"fmt"
	"log"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/pagekeeper/pagekeeper/ui/firstframe"
)

func main() {
	a := app.NewWithID("com.pagekeeper.benchfloor")
	w := a.NewWindow("Pagekeeper floor")
	rows := make([]string, 10000)
	for i := range rows {
		rows[i] = fmt.Sprintf("Sandbox Page %05d", i)
	}
	list := widget.NewList(func() int { return len(rows) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(rows[i]) })
	probe := firstframe.New(func() { log.Printf("ready: showing %d Pages", len(rows)) })
	w.SetContent(container.NewStack(list, container.NewWithoutLayout(probe)))
	w.Resize(fyne.NewSize(1180, 720))
	w.ShowAndRun()
}

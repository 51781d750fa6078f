package ui

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/pagekeeper/pagekeeper/keeper"
)

// The sizes every screen is tried at: the window's smallest, and a common
// large screen.
var screenSizes = []fyne.Size{{Width: 900, Height: 600}, {Width: 1920, Height: 1080}}

// layoutProblems lists what a person would see as broken in w right now, as
// far as Fyne's test driver can tell: text cut ("…" or clipped) in a label,
// a button, a check or a select; a wrapped label taller than its room;
// siblings drawn over each other; content or a dialog larger than the
// window (the window could not be that small). Call on the UI goroutine.
func layoutProblems(w fyne.Window) []string {
	var out []string
	c := w.Canvas()
	if min, size := w.Content().MinSize(), c.Size(); min.Width > size.Width+0.5 || min.Height > size.Height+0.5 {
		out = append(out, fmt.Sprintf("the window needs %v but is %v", min, size))
	}
	roots := []fyne.CanvasObject{w.Content()}
	for _, o := range c.Overlays().List() {
		roots = append(roots, o)
		if min := o.MinSize(); min.Width > c.Size().Width+0.5 || min.Height > c.Size().Height+0.5 {
			out = append(out, fmt.Sprintf("a dialog needs %v in a %v window", min, c.Size()))
		}
	}
	for _, r := range roots {
		walkLayout(r, func(o fyne.CanvasObject, path string) {
			if p := cutText(o); p != "" {
				out = append(out, path+": "+p)
			}
			if cont, ok := o.(*fyne.Container); ok {
				out = append(out, overlapping(cont, path)...)
			}
		}, typeName(r))
	}
	return out
}

// walkLayout visits every visible object under o with a path of type names.
func walkLayout(o fyne.CanvasObject, visit func(fyne.CanvasObject, string), path string) {
	if !o.Visible() {
		return
	}
	visit(o, path)
	if _, ok := o.(*historyRow); ok {
		return // a history line is cut by design: selecting it shows it in full
	}
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			walkLayout(c, visit, path+"/"+typeName(c))
		}
	case *widget.Entry, *keyEntry, *widget.Select:
		// their text scrolls or is cut by design; their MinSize is checked
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			walkLayout(c, visit, path+"/"+typeName(c))
		}
	}
}

func typeName(o fyne.CanvasObject) string {
	t := reflect.TypeOf(o)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	name := t.Name()
	switch x := o.(type) {
	case *widget.Label:
		name += "(" + short(x.Text) + ")"
	case *widget.Button:
		name += "(" + short(x.Text) + ")"
	}
	return name
}

func short(s string) string {
	if len([]rune(s)) > 40 {
		return string([]rune(s)[:40]) + "…"
	}
	return s
}

// cutText says how o's text is cut, or "".
func cutText(o fyne.CanvasObject) string {
	size := o.Size()
	if size.Width <= 0 || size.Height <= 0 {
		return ""
	}
	switch x := o.(type) {
	case *widget.Label:
		if x.Text == "" {
			return ""
		}
		full := fullLabelSize(x)
		switch {
		case x.Wrapping == fyne.TextWrapOff && full.Width > size.Width+0.5:
			return fmt.Sprintf("cut: %q needs %.0f px, has %.0f", x.Text, full.Width, size.Width)
		case x.Wrapping != fyne.TextWrapOff && x.MinSize().Height > size.Height+0.5:
			return fmt.Sprintf("cut: %q needs %.0f px of height, has %.0f", x.Text, x.MinSize().Height, size.Height)
		}
	case *widget.Button, *widget.Check, *widget.Select, *widget.RadioGroup:
		if min := o.MinSize(); min.Width > size.Width+0.5 || min.Height > size.Height+0.5 {
			return fmt.Sprintf("cut: needs %v, has %v", min, size)
		}
	}
	return ""
}

// fullLabelSize is the size x needs to show all its text on one line.
func fullLabelSize(x *widget.Label) fyne.Size {
	if x.Truncation == fyne.TextTruncateOff || x.Wrapping != fyne.TextWrapOff {
		return x.MinSize()
	}
	size := theme.TextSize()
	if x.SizeName != "" {
		size = theme.Size(x.SizeName)
	}
	t := fyne.MeasureText(x.Text, size, x.TextStyle)
	pad := theme.InnerPadding()
	return fyne.NewSize(t.Width+2*pad, t.Height+2*pad)
}

// overlapping lists the children of c drawn over each other. Stacks, the
// timeline's spans and the dialogs' backgrounds overlap by design.
func overlapping(c *fyne.Container, path string) []string {
	switch c.Layout.(type) {
	case *spanLayout:
		return nil
	}
	if lt := reflect.TypeOf(c.Layout); lt != nil {
		if lt == reflect.TypeOf(layout.NewStackLayout()) {
			return nil
		}
		if lt.Kind() == reflect.Pointer && lt.Elem().PkgPath() == "fyne.io/fyne/v2/dialog" {
			return nil // a dialog draws its background under its content
		}
	}
	var out []string
	var vis []fyne.CanvasObject
	for _, o := range c.Objects {
		if o.Visible() && o.Size().Width > 0.5 && o.Size().Height > 0.5 && !isDecoration(o) {
			vis = append(vis, o)
		}
	}
	for i := range vis {
		for j := i + 1; j < len(vis); j++ {
			a, b := vis[i], vis[j]
			ox := min(a.Position().X+a.Size().Width, b.Position().X+b.Size().Width) - max(a.Position().X, b.Position().X)
			oy := min(a.Position().Y+a.Size().Height, b.Position().Y+b.Size().Height) - max(a.Position().Y, b.Position().Y)
			if ox > 1 && oy > 1 {
				out = append(out, fmt.Sprintf("%s: %s and %s overlap", path, typeName(a), typeName(b)))
			}
		}
	}
	return out
}

// isDecoration: shapes drawn behind or between content (backgrounds,
// separators), not content itself.
func isDecoration(o fyne.CanvasObject) bool {
	switch o.(type) {
	case *canvas.Rectangle, *canvas.Line, *canvas.Circle, *widget.Separator, *layout.Spacer:
		return true
	}
	return false
}

// assertLaidOut fails the test for every layout problem of w, naming where.
func assertLaidOut(t *testing.T, w fyne.Window, screen string) {
	t.Helper()
	var problems []string
	onMain(func() {
		// Lay everything out again, as the real window does on the next
		// frames when a text changed (Fyne's test canvas does not).
		w.Content().Refresh()
		for _, o := range w.Canvas().Overlays().List() {
			o.Refresh()
		}
		problems = layoutProblems(w)
	})
	for _, p := range problems {
		t.Errorf("%s: %s", screen, p)
	}
}

// The checker itself finds a cut label, a cut button and an overlap.
func TestTheLayoutCheckerFindsCutAndOverlappingText(t *testing.T) {
	test.NewTempApp(t)
	label := widget.NewLabel("A sentence much longer than its room")
	label.Truncation = fyne.TextTruncateEllipsis
	button := widget.NewButton("Resubscribe", nil)
	over := container.NewWithoutLayout(widget.NewLabel("one"), widget.NewLabel("two"))
	for _, o := range over.Objects {
		o.Resize(fyne.NewSize(80, 30))
	}
	content := container.NewVBox(container.NewGridWrap(fyne.NewSize(120, 40), label), container.NewGridWrap(fyne.NewSize(40, 40), button), over)
	w := test.NewTempWindow(t, content)
	w.Resize(fyne.NewSize(300, 300))
	got := strings.Join(layoutProblems(w), "\n")
	for _, want := range []string{"A sentence much longer", "Resubscribe", "overlap"} {
		if !strings.Contains(got, want) {
			t.Errorf("the checker misses %q; it says:\n%s", want, got)
		}
	}
}

// Every reason's few words fit under a Page's name in the narrowest window,
// in every language: the table never cuts them.
func TestEveryReasonFitsUnderTheNameAt900(t *testing.T) {
	test.NewTempApp(t)
	t.Cleanup(func() { SetLanguage("en") })
	for _, l := range Languages {
		SetLanguage(l.Code)
		cols := newColumns()
		w := cols.widths(900 - theme.Padding()*2)
		room := w[colName] + theme.Padding() + w[colID] // the reason's line spans the name and the Page ID
		for key, english := range keeper.Catalog() {
			if !strings.HasPrefix(key, "reason.") || !strings.HasSuffix(key, ".words") {
				continue
			}
			label := widget.NewLabel(tr(key, english))
			label.SizeName = theme.SizeNameCaptionText
			if w := label.MinSize().Width; w > room {
				t.Errorf("%s: %q needs %.0f px under the name, has %.0f", l.Code, label.Text, w, room)
			}
		}
	}
}

package ui

import (
	"fmt"
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/pagekeeper/pagekeeper/keeper"
)

// availabilityDays is how far back the dashboard's strip looks.
const availabilityDays = 30

// AvailabilityView is the dashboard's last 30 days at a glance: one cell per
// day, coloured by how much of the day every Page received its messages,
// and in words the share over all the days and the worst day (never colour
// alone). Hovering a cell says the day and its share.
type AvailabilityView struct {
	Summary *widget.Label
	cells   []*dayCell
	strip   *fyne.Container
	content fyne.CanvasObject
	// set: the figures are in (set was called).
	set bool
}

func newAvailabilityView() *AvailabilityView {
	v := &AvailabilityView{Summary: widget.NewLabel("")}
	v.Summary.Truncation = fyne.TextTruncateEllipsis
	v.strip = container.New(&stripLayout{})
	for range availabilityDays {
		c := newDayCell()
		v.cells = append(v.cells, c)
		v.strip.Add(c)
	}
	title := widget.NewLabel(tr("availability.title", "Last 30 days"))
	v.content = container.NewBorder(nil, nil, container.NewHBox(title, container.NewCenter(v.strip)), nil, v.Summary)
	v.content.Hide() // until there are Pages (expect)
	return v
}

// expect keeps the strip's place while its figures are worked out (after
// the Pages are shown): "…", never a wrong figure, and the table below does
// not jump when they come.
func (v *AvailabilityView) expect() {
	if v.set {
		return
	}
	v.strip.Hide()
	v.Summary.SetText("…")
	v.content.Show()
}

// show shows a (computed off the UI goroutine).
func (v *AvailabilityView) show(a keeper.Availability) {
	v.set = true
	if a.Overall < 0 || len(a.Days) != len(v.cells) {
		v.content.Hide()
		return
	}
	worst := -1
	for i, d := range a.Days {
		v.cells[i].set(d)
		if d.Share >= 0 && (worst < 0 || d.Share < a.Days[worst].Share) {
			worst = i
		}
	}
	text := tr("availability.overall", "Pages worked {{.Share}} of the time", map[string]any{"Share": percent(a.Overall)})
	if worst >= 0 && a.Days[worst].Share < 0.9995 {
		text += " · " + tr("availability.worst", "lowest {{.Share}} on {{.Day}}",
			map[string]any{"Share": percent(a.Days[worst].Share), "Day": a.Days[worst].Day.Format("2 Jan")})
	}
	v.Summary.SetText(text)
	v.strip.Show()
	v.content.Show()
}

// percent is 99.3 % style: whole numbers when whole, one decimal otherwise
// (100 % only when nothing was down).
func percent(share float64) string {
	p := share * 100
	switch {
	case share >= 1:
		return "100 %"
	case p >= 99.95:
		return "99.9 %" // never rounded up to a perfect score
	}
	return strings.TrimSuffix(fmt.Sprintf("%.1f", p), ".0") + " %"
}

// dayCell is one day of the strip.
type dayCell struct {
	widget.BaseWidget
	rect  *canvas.Rectangle
	day   keeper.DayAvailability
	popup *widget.PopUp
}

var _ desktop.Hoverable = (*dayCell)(nil)

func newDayCell() *dayCell {
	c := &dayCell{rect: canvas.NewRectangle(theme.Color(theme.ColorNameDisabled))}
	c.rect.CornerRadius = 2
	c.ExtendBaseWidget(c)
	return c
}

func (c *dayCell) set(d keeper.DayAvailability) {
	c.day = d
	c.rect.FillColor = shareColor(d.Share)
	c.rect.Refresh()
}

// shareColor: the success colour for a day without trouble, warning for a
// little, error for more; grey for a day without any connected Page.
func shareColor(share float64) color.Color {
	switch {
	case share < 0:
		return theme.Color(theme.ColorNameDisabled)
	case share >= 0.9995:
		return theme.Color(theme.ColorNameSuccess)
	case share >= 0.95:
		return theme.Color(theme.ColorNameWarning)
	}
	return theme.Color(theme.ColorNameError)
}

func (c *dayCell) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(c.rect) }

func (c *dayCell) MinSize() fyne.Size { return fyne.NewSize(7, 18) }

// MouseIn says the day and its share.
func (c *dayCell) MouseIn(*desktop.MouseEvent) {
	cv := fyne.CurrentApp().Driver().CanvasForObject(c)
	if cv == nil || c.day.Day.IsZero() {
		return
	}
	text := tr("availability.no_pages", "{{.Day}}: no Page connected", map[string]any{"Day": c.day.Day.Format("Mon 2 Jan")})
	if c.day.Share >= 0 {
		text = tr("availability.day", "{{.Day}}: Pages worked {{.Share}} of the time",
			map[string]any{"Day": c.day.Day.Format("Mon 2 Jan"), "Share": percent(c.day.Share)})
	}
	c.popup = widget.NewPopUp(widget.NewLabel(text), cv)
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(c)
	c.popup.ShowAtPosition(pos.AddXY(0, c.Size().Height+2))
}

// MouseMoved is required by desktop.Hoverable.
func (c *dayCell) MouseMoved(*desktop.MouseEvent) {}

// MouseOut hides the day's figure.
func (c *dayCell) MouseOut() {
	if c.popup != nil {
		c.popup.Hide()
		c.popup = nil
	}
}

// stripLayout puts the day cells side by side with a 2 px gap.
type stripLayout struct{}

func (stripLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	x := float32(0)
	for _, o := range objects {
		m := o.MinSize()
		o.Resize(m)
		o.Move(fyne.NewPos(x, (size.Height-m.Height)/2))
		x += m.Width + 2
	}
}

func (stripLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var w, h float32
	for i, o := range objects {
		m := o.MinSize()
		if i > 0 {
			w += 2
		}
		w += m.Width
		h = max(h, m.Height)
	}
	return fyne.NewSize(w, h)
}

package ui

import (
	"image/color"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/pagekeeper/pagekeeper/keeper"
)

// The Pages table's columns. Their widths are measured in the window's
// language (Spanish buttons are wider) and shared by the header and every
// row, so the cells line up; the name gets the largest share of any extra
// width, and on a narrow window the "Updated" column and then the initials
// give way before a name is cut.
const (
	colInitial = iota
	colName
	colID
	colUpdated
	colStatus
	colActions
	nCols
)

// columns are the table's column widths for the window's language.
type columns struct {
	min    [nCols]float32
	repair float32 // the repair button's width: Renew and Resubscribe alike
}

// nameMin is the least a name gets before the optional columns go; nameCut
// the least it gets at all (then it is cut with "…").
const nameMin, nameCut = 160, 90

func newColumns() *columns {
	c := &columns{}
	// (+2: a cell exactly as wide as its text may still cut it with "…"
	// after rounding.)
	text := func(s string, bold bool) float32 {
		return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: bold}).MinSize().Width + 2
	}
	button := func(s string) float32 {
		return widget.NewButtonWithIcon(s, theme.ViewRefreshIcon(), nil).MinSize().Width + 2
	}
	widest := func(bold bool, ss ...string) float32 {
		var w float32
		for _, s := range ss {
			w = max(w, text(s, bold))
		}
		return w
	}
	c.min[colInitial] = 44
	c.min[colName] = max(nameMin, text(tr("column.name", "Name"), true))
	c.min[colID] = max(widest(false, "000000000000000", "888888888888888"), widest(true, tr("column.id", "Page ID")))
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.Local)
	c.min[colUpdated] = widest(true, tr("column.updated", "Updated"), relativeTime(now, now), relativeTime(now.Add(-59*time.Minute), now),
		relativeTime(now.Add(-23*time.Hour), now), relativeTime(now.Add(-29*24*time.Hour), now), relativeTime(now.AddDate(-1, 0, 0), now))
	var statuses []string
	for _, s := range []keeper.Status{keeper.StatusValid, keeper.StatusNeedsAttention, keeper.StatusInvalid, keeper.StatusCouldNotCheck,
		keeper.StatusDisconnected, keeper.StatusUnchecked} {
		statuses = append(statuses, statusText(s))
	}
	c.min[colStatus] = max(text(tr("column.status", "Status"), true), theme.IconInlineSize()+theme.Padding()+widest(false, statuses...))
	c.repair = max(button(tr("row.renew", "Renew")), button(tr("row.resubscribe", "Resubscribe")))
	c.min[colActions] = c.repair + button(tr("row.disconnect", "Disconnect")) + button(tr("row.log", "Log")) + 2*theme.Padding()
	return c
}

// widths lays the columns out in total width: every column its measured
// width and a share of what is left, or, when too narrow, without the
// optional columns (width 0: hidden) and with the name cut last.
func (c *columns) widths(total float32) [nCols]float32 {
	w := c.min
	gaps := theme.Padding() * (nCols - 1)
	need := func() float32 {
		s := gaps
		for _, x := range w {
			s += x
		}
		return s
	}
	for _, optional := range []int{colUpdated, colInitial} {
		if need() > total {
			w[optional] = 0
		}
	}
	if over := need() - total; over > 0 {
		w[colName] = max(nameCut, w[colName]-over)
	}
	if extra := total - need(); extra > 0 {
		// The name gets the most; the others a little each, so no column
		// sits alone at the edge of a wide window.
		shares := map[int]float32{colName: 0.4, colID: 0.2, colUpdated: 0.15, colStatus: 0.25}
		if w[colUpdated] == 0 {
			shares[colName] += shares[colUpdated]
			shares[colUpdated] = 0
		}
		for col, share := range shares {
			w[col] += extra * share
		}
	}
	return w
}

// narrowest is the least width the table works in: optional columns
// hidden, the name cut.
func (c *columns) narrowest() float32 {
	w := c.min
	w[colUpdated], w[colInitial], w[colName] = 0, 0, nameCut
	s := theme.Padding() * (nCols - 1)
	for _, x := range w {
		s += x
	}
	return s
}

// rowLayout places a row's cells (one object per column, in order) side by
// side at the shared widths, each centred vertically, so a name lines up
// with the other cells of its row. A row may have a seventh object, the
// reason in a few words: then the name and the Page ID share a first line
// and the reason takes the line below both (the same height for every
// row: a list's rows share one).
type rowLayout struct{ cols *columns }

func (l rowLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	w := l.cols.widths(size.Width)
	var reason fyne.CanvasObject
	if len(objects) > nCols {
		reason = objects[nCols]
	}
	nameH := objects[colName].MinSize().Height
	lineY := (size.Height - nameH) / 2 // the name's line: the middle, or above the reason
	if reason != nil && reason.Visible() {
		lineY = (size.Height - nameH - reason.MinSize().Height) / 2
	}
	x := float32(0)
	var xs [nCols]float32
	for i, o := range objects[:nCols] {
		if w[i] == 0 {
			o.Hide()
			continue
		}
		if !o.Visible() {
			o.Show()
		}
		if i == colActions {
			// The actions keep to the right edge however wide the window.
			x = size.Width - w[i]
		}
		xs[i] = x
		h := min(size.Height, o.MinSize().Height)
		y := (size.Height - h) / 2
		if i == colName || i == colID {
			y = lineY
		}
		o.Resize(fyne.NewSize(w[i], h))
		o.Move(fyne.NewPos(x, y))
		x += w[i] + theme.Padding()
	}
	if reason != nil && reason.Visible() {
		h := reason.MinSize().Height
		reason.Resize(fyne.NewSize(xs[colID]+w[colID]-xs[colName], h))
		reason.Move(fyne.NewPos(xs[colName], lineY+nameH))
	}
}

func (l rowLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var h float32
	for i, o := range objects {
		if i < nCols {
			h = max(h, o.MinSize().Height)
		}
	}
	if len(objects) > nCols {
		// Room for the reason in every row, shown or not.
		h = max(h, objects[colName].MinSize().Height+objects[nCols].MinSize().Height)
	}
	return fyne.NewSize(l.cols.narrowest(), h)
}

// columnHeader is the table's header, laid out as the rows are; the
// search sits above the actions.
func columnHeader(cols *columns, search fyne.CanvasObject) fyne.CanvasObject {
	bold := func(s string) *widget.Label {
		l := widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		l.Truncation = fyne.TextTruncateEllipsis
		return l
	}
	return container.New(rowLayout{cols}, canvas.NewRectangle(color.Transparent), bold(tr("column.name", "Name")), bold(tr("column.id", "Page ID")),
		bold(tr("column.updated", "Updated")), bold(tr("column.status", "Status")), search)
}

// pageRowView is one row: initial, name (with the reason below it), Page ID,
// when it was updated (exact time on hover), status in words with an icon
// (never colour alone), and the row's actions.
type pageRowView struct {
	widget.BaseWidget
	d       *Dashboard
	row     PageRow
	initial *widget.Label
	name    *widget.Label
	reason  *widget.Label
	id      *widget.Label
	updated *hoverLabel
	status  *widget.Label
	icon    *widget.Icon
	renew   *widget.Button
	discon  *widget.Button
	log     *widget.Button
}

func newPageRowView(d *Dashboard) *pageRowView {
	v := &pageRowView{
		d:       d,
		initial: widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true}),
		name:    widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		reason:  widget.NewLabel(""),
		id:      widget.NewLabel(""),
		updated: newHoverLabel(),
		status:  widget.NewLabel(""),
		icon:    widget.NewIcon(nil),
	}
	v.name.Truncation = fyne.TextTruncateEllipsis
	v.reason.Truncation = fyne.TextTruncateEllipsis
	v.reason.SizeName = theme.SizeNameCaptionText // a second line, smaller: the banner and the log say it in full
	v.status.Truncation = fyne.TextTruncateEllipsis
	v.id.Truncation = fyne.TextTruncateEllipsis
	v.updated.Truncation = fyne.TextTruncateEllipsis
	v.reason.Hide()
	v.renew = widget.NewButtonWithIcon(tr("row.renew", "Renew"), rowIcon(theme.ViewRefreshIcon(), widget.MediumImportance), func() {
		if v.row.Resubscribe {
			v.act(d.actions.Resubscribe)
		} else {
			v.act(d.actions.Renew)
		}
	})
	v.discon = widget.NewButtonWithIcon(tr("row.disconnect", "Disconnect"), rowIcon(theme.CancelIcon(), widget.MediumImportance),
		func() { v.act(d.actions.Disconnect) })
	v.log = widget.NewButtonWithIcon(tr("row.log", "Log"), rowIcon(theme.DocumentIcon(), widget.MediumImportance), func() { v.act(d.actions.Log) })
	v.ExtendBaseWidget(v)
	return v
}

func (v *pageRowView) act(f func(string)) {
	if f != nil {
		f(v.row.ID)
	}
}

// set shows r. Rows are recycled as the list scrolls and refreshed on every
// keystroke of the search, so only what changed is touched (re-theming a
// button's icon costs more than the whole filter).
func (v *pageRowView) set(r PageRow, now time.Time) {
	v.row = r
	setText(v.initial, initialOf(r.Name))
	setText(v.name, r.Name)
	setText(v.id, r.ID)
	v.updated.set(relativeTime(r.Updated, now), exactTime(r.Updated))
	status := statusText(r.Status)
	imp := statusImportance(r.Status)
	if v.status.Text != status || v.status.Importance != imp {
		v.status.Text, v.status.Importance = status, imp
		v.status.Refresh()
	}
	if v.reason.Text != r.Short || v.reason.Importance != imp {
		v.reason.Text, v.reason.Importance = r.Short, imp
		v.reason.Refresh()
	}
	// No reason, no second line: the name then sits in the row's middle,
	// level with the other cells (rowLayout).
	if (r.Short == "") == v.reason.Visible() {
		if r.Short == "" {
			v.reason.Hide()
		} else {
			v.reason.Show()
		}
	}
	if icon := statusIcon(r.Status); v.icon.Resource != icon {
		v.icon.SetResource(icon)
	}
	// The repair button says what it does: Resubscribe is one click, Renew a login.
	label := tr("row.renew", "Renew")
	if r.Resubscribe {
		label = tr("row.resubscribe", "Resubscribe")
	}
	// A Page that needs the owner gets its repair button emphasised.
	btnImp := widget.MediumImportance
	if r.Status.NeedsOwner() {
		btnImp = widget.HighImportance
	}
	if v.renew.Text != label || v.renew.Importance != btnImp {
		v.renew.Text, v.renew.Importance = label, btnImp
		v.renew.Icon = rowIcon(theme.ViewRefreshIcon(), btnImp)
		v.renew.Refresh()
	}
	readOnly := v.d.readOnly != ""
	setEnabled(v.renew, !readOnly && r.Status != keeper.StatusDisconnected)
	setEnabled(v.discon, !readOnly && r.Status != keeper.StatusDisconnected)
}

func setText(l *widget.Label, s string) {
	if l.Text != s {
		l.SetText(s)
	}
}

func setEnabled(b *widget.Button, on bool) {
	switch {
	case on && b.Disabled():
		b.Enable()
	case !on && !b.Disabled():
		b.Disable()
	}
}

func (v *pageRowView) CreateRenderer() fyne.WidgetRenderer {
	cols := v.d.cols
	initial := container.NewStack(canvas.NewCircle(theme.Color(theme.ColorNameInputBackground)), v.initial)
	status := container.NewBorder(nil, nil, v.icon, nil, v.status)
	// The repair button has one width for Renew and Resubscribe: changing
	// it never moves Disconnect and Log.
	repair := container.New(&fixedWidth{w: cols.repair}, v.renew)
	actions := container.NewHBox(repair, v.discon, v.log)
	return widget.NewSimpleRenderer(container.New(rowLayout{cols}, initial, v.name, v.id, v.updated, status, actions, v.reason))
}

// fixedWidth gives its objects one width and their own height.
type fixedWidth struct{ w float32 }

func (f *fixedWidth) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Resize(fyne.NewSize(f.w, size.Height))
		o.Move(fyne.NewPos(0, 0))
	}
}

func (f *fixedWidth) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var h float32
	for _, o := range objects {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(f.w, h)
}

func initialOf(name string) string {
	for _, r := range name {
		return strings.ToUpper(string(r))
	}
	return "?"
}

func relativeTime(t, now time.Time) string {
	if t.IsZero() {
		return tr("time.never", "never")
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return tr("time.now", "just now")
	case d < time.Hour:
		return tr("time.minutes", "{{.N}} min ago", map[string]any{"N": int(d.Minutes())})
	case d < 24*time.Hour:
		return tr("time.hours", "{{.N}} h ago", map[string]any{"N": int(d.Hours())})
	case d < 30*24*time.Hour:
		return tr("time.days", "{{.N}} days ago", map[string]any{"N": int(d.Hours() / 24)})
	default:
		return t.Local().Format("2 Jan 2006")
	}
}

func exactTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("Mon 2 Jan 2006, 15:04:05 MST")
}

// rowIcon is icon as a button of the given importance shows it, for the
// buttons every row repeats. Fyne recolours a theme icon's SVG whenever it
// is read, three passes over its XML for each refresh of each button;
// these icons are recoloured once per colour instead (a 10,000-Page window
// starts sooner). It is no fyne.ThemedResource, so Fyne leaves its colour
// alone, but a disabled button still greys it.
func rowIcon(icon fyne.Resource, imp widget.Importance) fyne.Resource {
	color := theme.ColorNameForeground
	if imp == widget.HighImportance {
		color = theme.ColorNameForegroundOnPrimary
	}
	return &tintedIcon{icon: icon, color: color}
}

// tintedIcon is an icon in one theme colour; its SVG is made once for each
// value the colour takes (the theme's light and dark variants).
type tintedIcon struct {
	icon  fyne.Resource
	color fyne.ThemeColorName
}

var tinted sync.Map // tintKey → []byte

type tintKey struct {
	icon  string
	color color.NRGBA
}

// Name is the theme's name for the icon in that colour ("foreground_cancel.svg").
func (t *tintedIcon) Name() string {
	return string(t.color) + "_" + strings.TrimPrefix(t.icon.Name(), string(theme.ColorNameForeground)+"_")
}

func (t *tintedIcon) Content() []byte {
	key := tintKey{icon: t.icon.Name(), color: color.NRGBAModel.Convert(theme.Color(t.color)).(color.NRGBA)}
	if b, ok := tinted.Load(key); ok {
		return b.([]byte)
	}
	b := theme.NewColoredResource(t.icon, t.color).Content()
	tinted.Store(key, b)
	return b
}

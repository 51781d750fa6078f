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
	// narrowActions is the actions' width with "Messages go to…" as its
	// icon alone (destButton), when the window is too narrow for its words.
	narrowActions float32
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
	// (Buttons after the repair one are laid out at their own widths, so
	// they need no rounding slack.)
	exact := func(s string) float32 {
		return widget.NewButtonWithIcon(s, theme.ViewRefreshIcon(), nil).MinSize().Width
	}
	others := c.repair + exact(tr("row.disconnect", "Disconnect")) + exact(tr("row.log", "Log")) + 3*theme.Padding()
	c.min[colActions] = others + exact(tr("row.destination", "Messages go to…"))
	c.narrowActions = others + exact("")
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
	if need() > total {
		w[colActions] = c.narrowActions // "Messages go to…" gives way to its icon
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
	w[colUpdated], w[colInitial], w[colName], w[colActions] = 0, 0, nameCut, c.narrowActions
	s := theme.Padding() * (nCols - 1)
	for _, x := range w {
		s += x
	}
	return s
}

// rowLayout places a row's cells (one object per column, in order) side by
// side at the shared widths, each centred vertically, so a name lines up
// with the other cells of its row. A row may have a seventh object, its
// second line (the reason in a few words, and where its messages go): then
// the name, the Page ID, the time and the status share a first line, the
// second line takes the line below them, and the actions stay in the
// middle (the same height for every row: a list's rows share one). An
// eighth object, a note on the status, sits on the second line right under
// the status.
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
		if i == colName || (i != colActions && i != colInitial && reason != nil && reason.Visible()) {
			// With a second line, the cells but the actions share the name's line.
			y = lineY + (nameH-h)/2
		}
		o.Resize(fyne.NewSize(w[i], h))
		o.Move(fyne.NewPos(x, y))
		x += w[i] + theme.Padding()
	}
	if reason != nil && reason.Visible() {
		h := reason.MinSize().Height
		end := float32(0)
		for _, c := range []int{colName, colID, colUpdated, colStatus} {
			if w[c] > 0 {
				end = xs[c] + w[c]
			}
		}
		if len(objects) > nCols+1 && objects[nCols+1].Visible() {
			// The status's note goes right under the status.
			note := objects[nCols+1]
			note.Resize(fyne.NewSize(w[colStatus], note.MinSize().Height))
			note.Move(fyne.NewPos(xs[colStatus], lineY+nameH))
			end = xs[colStatus] - theme.Padding()
		}
		reason.Resize(fyne.NewSize(end-xs[colName], h))
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
	// Where the Page's messages go (integrations.go).
	dest  *destButton
	integ *widget.Label
	below *fyne.Container // the second line: the reason, then where the messages go
	// note says the status was not re-confirmed by the last check.
	note *widget.Label
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
	v.dest, v.integ = newRowIntegration(d, v)
	v.below = container.New(secondLine{}, v.reason, v.integrationLine())
	v.below.Hide()
	v.note = widget.NewLabel("")
	v.note.SizeName = theme.SizeNameCaptionText
	v.note.Truncation = fyne.TextTruncateEllipsis
	v.note.Importance = widget.WarningImportance
	v.note.Hide()
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
	status := statusText(r.Status) // "Facebook clean-up pending" is the reason line
	imp := statusImportance(r.Status)
	if v.status.Text != status || v.status.Importance != imp {
		v.status.Text, v.status.Importance = status, imp
		v.status.Refresh()
	}
	before := v.reason.Text + "\x00" + v.integ.Text
	if v.reason.Text != r.Short || v.reason.Importance != imp {
		v.reason.Text, v.reason.Importance = r.Short, imp
		v.reason.Refresh()
	}
	v.setIntegration(r)
	if v.reason.Text+"\x00"+v.integ.Text != before {
		v.below.Refresh() // secondLine shares the line by the words' widths
	}
	// No reason and no integration, no second line: the name then sits in
	// the row's middle, level with the other cells (rowLayout).
	showIf(v.reason, r.Short != "")
	// Without any integration the notice says so once, not every row.
	integ := r.Integration != "" && !v.d.noIntegration
	showIf(v.below.Objects[1], integ)
	showIf(v.below, r.Short != "" || integ || r.Note != "")
	setText(v.note, r.Note)
	showIf(v.note, r.Note != "")
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
	v.dest.setEnabled(!readOnly && r.Status != keeper.StatusDisconnected)
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
	actions := container.New(actionsLayout{}, repair, v.discon, v.log, v.dest.box)
	return widget.NewSimpleRenderer(container.New(rowLayout{cols}, initial, v.name, v.id, v.updated, status, actions, v.below, v.note))
}

// actionsLayout places a row's buttons side by side at their own widths;
// the last (destButton) takes what is left, its words or its icon alone.
type actionsLayout struct{}

func (actionsLayout) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	x := float32(0)
	for i, o := range objects {
		w := o.MinSize().Width
		if i == len(objects)-1 {
			w = max(w, size.Width-x)
		}
		o.Resize(fyne.NewSize(w, o.MinSize().Height))
		o.Move(fyne.NewPos(x, (size.Height-o.MinSize().Height)/2))
		x += w + theme.Padding()
	}
}

func (actionsLayout) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var w, h float32
	for _, o := range objects {
		w += o.MinSize().Width
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(w+theme.Padding()*float32(max(0, len(objects)-1)), h)
}

// secondLine lays out a row's second line: the reason (a label) as wide as
// its words, up to half the line when where the messages go (an icon and a
// label) needs the rest, then where the messages go in what is left; each
// is cut with "…" when too long.
type secondLine struct{}

func (secondLine) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	reason, integ := objects[0].(*widget.Label), objects[1].(*fyne.Container)
	natural := func(l *widget.Label) float32 {
		// (+2: a label exactly as wide as its text may still cut it after rounding.)
		return fyne.MeasureText(l.Text, theme.Size(l.SizeName), l.TextStyle).Width + 2*theme.InnerPadding() + 2
	}
	rw := float32(0)
	if reason.Visible() {
		rw = min(natural(reason), size.Width)
		if integ.Visible() {
			var words float32
			for _, o := range integ.Objects {
				if l, ok := o.(*widget.Label); ok {
					words = natural(l)
				}
			}
			rw = min(rw, max(size.Width/2, size.Width-words-theme.IconInlineSize()-theme.Padding()))
		}
	}
	reason.Resize(fyne.NewSize(rw, size.Height))
	reason.Move(fyne.NewPos(0, 0))
	integ.Resize(fyne.NewSize(max(0, size.Width-rw), size.Height))
	integ.Move(fyne.NewPos(rw, 0))
}

func (secondLine) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var h float32
	for _, o := range objects {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(0, h)
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

package ui

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/pagekeeper/pagekeeper/assets"
)

// PageRow is one line of the Pages list, already in the words a page owner reads.
type PageRow struct {
	ID      string
	Name    string
	Status  Status
	Reason  string // plain-language reason; empty when Valid
	Updated time.Time
}

// DashboardOptions says what the dashboard should tell the owner up front.
type DashboardOptions struct {
	Sandbox bool
	Now     func() time.Time
}

// Dashboard is the main window's content: a banner for what needs the owner,
// a summary line, and the list of connected Pages (or an empty state that
// teaches what Pagekeeper does). Its widgets are fields so tests can read them.
type Dashboard struct {
	opts DashboardOptions
	rows []PageRow

	Banner     *widget.Label
	banner     *fyne.Container
	Summary    *widget.Label
	List       *widget.List
	EmptyState *fyne.Container
	body       *fyne.Container
	content    fyne.CanvasObject
}

// NewDashboard builds the dashboard. Call on the Fyne goroutine.
func NewDashboard(opts DashboardOptions) *Dashboard {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	d := &Dashboard{opts: opts}

	d.Banner = widget.NewLabel("")
	d.Banner.Wrapping = fyne.TextWrapWord
	d.Banner.Importance = widget.WarningImportance
	d.banner = container.NewStack(canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground)),
		container.NewBorder(nil, nil, widget.NewIcon(theme.InfoIcon()), nil, d.Banner))
	d.SetReadOnly("")

	d.Summary = widget.NewLabel("")
	d.Summary.TextStyle = fyne.TextStyle{Bold: true}

	d.List = widget.NewList(
		func() int { return len(d.rows) },
		func() fyne.CanvasObject { return newPageRowView() },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*pageRowView).set(d.rows[i], d.opts.Now())
		},
	)

	d.EmptyState = emptyState()
	d.body = container.NewStack(d.EmptyState)

	header := container.NewHBox(
		widget.NewIcon(fyne.NewStaticResource("icon.png", assets.Icon)),
		widget.NewLabelWithStyle("Pagekeeper", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		layout.NewSpacer(),
	)
	d.content = container.NewBorder(
		container.NewVBox(header, d.banner, d.Summary, widget.NewSeparator()),
		nil, nil, nil, d.body)
	d.SetPages(nil)
	return d
}

// SetReadOnly shows who manages the Pages when this window may only look
// (manager is "" when this window manages them). The sandbox notice is
// always shown in the sandbox.
func (d *Dashboard) SetReadOnly(manager string) {
	var lines []string
	if d.opts.Sandbox {
		lines = append(lines, tr("banner.sandbox", "Sandbox: you are practising with a pretend Facebook built into Pagekeeper. Nothing you do here touches your real Pages."))
	}
	if manager != "" {
		lines = append(lines, tr("banner.readonly", "View only: {{.Manager}} manages these Pages. Close Pagekeeper there to make changes here.", map[string]any{"Manager": manager}))
	}
	d.Banner.SetText(strings.Join(lines, "\n"))
	if len(lines) == 0 {
		d.banner.Hide()
	} else {
		d.banner.Show()
	}
}

// Content is the dashboard's root object for a window.
func (d *Dashboard) Content() fyne.CanvasObject { return d.content }

// SetPages replaces the list. Call on the Fyne goroutine.
func (d *Dashboard) SetPages(rows []PageRow) {
	d.rows = rows
	d.Summary.SetText(summaryLine(rows))
	if len(rows) == 0 {
		d.body.Objects = []fyne.CanvasObject{d.EmptyState}
	} else {
		d.body.Objects = []fyne.CanvasObject{d.List}
	}
	d.body.Refresh()
	d.List.Refresh()
}

// Rows returns what the list shows.
func (d *Dashboard) Rows() []PageRow { return d.rows }

func summaryLine(rows []PageRow) string {
	if len(rows) == 0 {
		return tr("summary.none", "No Pages connected yet")
	}
	valid, needs := 0, 0
	for _, r := range rows {
		switch r.Status {
		case StatusValid:
			valid++
		case StatusNeedsAttention, StatusInvalid:
			needs++
		}
	}
	s := tr("summary.pages", "{{.Count}} Pages", map[string]any{"Count": len(rows)}) +
		" · " + tr("summary.valid", "{{.Count}} valid", map[string]any{"Count": valid})
	if needs > 0 {
		s += " · " + tr("summary.needs", "{{.Count}} need you", map[string]any{"Count": needs})
	}
	return s
}

func emptyState() *fyne.Container {
	title := widget.NewLabelWithStyle(tr("empty.title", "Connect your first Facebook Page"),
		fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	what := widget.NewLabel(tr("empty.what",
		"Pagekeeper keeps your Facebook Pages connected to your Messenger integration. It checks every Page regularly, tells you in plain words when a connection breaks, and renews it with one login."))
	what.Wrapping = fyne.TextWrapWord
	what.Alignment = fyne.TextAlignCenter
	need := widget.NewLabel(tr("empty.need.title", "Before you start, make sure that:"))
	need.TextStyle = fyne.TextStyle{Bold: true}
	items := container.NewVBox(
		checkItem(tr("empty.need.role", "You are an admin or editor of the Page on Facebook.")),
		checkItem(tr("empty.need.published", "The Page is published.")),
		checkItem(tr("empty.need.account", "Your browser is logged in to the Facebook account that manages the Page.")),
	)
	card := container.NewVBox(title, what, widget.NewSeparator(), need, items)
	return container.NewCenter(container.NewGridWrap(fyne.NewSize(560, card.MinSize().Height+40), card))
}

func checkItem(text string) fyne.CanvasObject {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return container.NewBorder(nil, nil, widget.NewIcon(theme.ConfirmIcon()), nil, l)
}

// pageRowView is one row of the list: initial, name and ID, status in words
// with an icon (never colour alone), and when it was last updated.
type pageRowView struct {
	widget.BaseWidget
	initial *widget.Label
	name    *widget.Label
	id      *widget.Label
	status  *widget.Label
	icon    *widget.Icon
	reason  *widget.Label
	updated *widget.Label
}

func newPageRowView() *pageRowView {
	v := &pageRowView{
		initial: widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true}),
		name:    widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		id:      widget.NewLabel(""),
		status:  widget.NewLabel(""),
		icon:    widget.NewIcon(nil),
		reason:  widget.NewLabel(""),
		updated: widget.NewLabel(""),
	}
	v.id.Importance = widget.LowImportance
	v.reason.Importance = widget.LowImportance
	v.reason.Truncation = fyne.TextTruncateEllipsis
	v.name.Truncation = fyne.TextTruncateEllipsis
	v.ExtendBaseWidget(v)
	return v
}

func (v *pageRowView) set(r PageRow, now time.Time) {
	v.initial.SetText(initialOf(r.Name))
	v.name.SetText(r.Name)
	v.id.SetText(r.ID)
	v.status.SetText(r.Status.Text())
	v.status.Importance = r.Status.importance()
	v.status.Refresh()
	v.icon.SetResource(r.Status.icon())
	v.reason.SetText(r.Reason)
	v.updated.SetText(relativeTime(r.Updated, now))
}

func (v *pageRowView) CreateRenderer() fyne.WidgetRenderer {
	left := container.NewHBox(container.NewGridWrap(fyne.NewSquareSize(36), v.initial),
		container.NewVBox(v.name, v.id))
	right := container.NewHBox(container.NewVBox(container.NewHBox(v.icon, v.status), v.reason), v.updated)
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil, left, right))
}

func initialOf(name string) string {
	for _, r := range name {
		return string(r)
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
	default:
		return fmt.Sprint(t.Local().Format("2 Jan 2006"))
	}
}

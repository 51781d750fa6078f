package ui

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/pagekeeper/pagekeeper/assets"
	"github.com/pagekeeper/pagekeeper/keeper"
)

// PageRow is one line of the Pages table, already in the words a page owner reads.
type PageRow struct {
	ID      string
	Name    string
	Status  keeper.Status
	Short   string // the reason in a few words, shown under the name
	Reason  string // plain-language reason; empty when Valid
	Action  string // the one thing to do about it; empty when nothing
	Updated time.Time
	// CleanupPending: disconnected here, Facebook's side still to be cleaned up.
	CleanupPending bool
	// ConnectedBy is the Facebook account that connected the Page.
	ConnectedBy string
	// Resubscribe: the repair is one click (the webhook subscription), not a login.
	Resubscribe bool
	// Integration says where its messages go and what that integration
	// has of it ("Support Bot has the current token (since 12:03)");
	// IntegrationProblem: it asks something of a person.
	Integration        string
	IntegrationName    string
	IntegrationProblem bool

	page   keeper.PageStatus // what the words are made from
	search string            // lower-case name and ID, for the filter
}

// DashboardOptions says what the dashboard offers and tells up front.
type DashboardOptions struct {
	Sandbox bool
	Now     func() time.Time
}

// DashboardActions are what the buttons do; nil hides or disables a control.
type DashboardActions struct {
	Connect, CheckAll, Settings, Simulate func()
	Renew, Resubscribe, Disconnect, Log   func(pageID string)
	// Destination asks where the Page's messages go (integrations.go).
	Destination func(row PageRow)
}

// Dashboard is the main window's content: a toolbar, a banner for whatever
// needs the owner now, a summary line, and the Pages table (or an empty
// state that teaches what Pagekeeper does). Widgets are fields so tests can
// tap and read them.
type Dashboard struct {
	opts    DashboardOptions
	actions DashboardActions

	all     []PageRow // every Page, problems first
	visible []int32   // indices into all of the rows the search keeps

	ConnectButton  *widget.Button
	CheckButton    *widget.Button
	SettingsButton *widget.Button
	SimulateButton *widget.Button
	Search         *widget.Entry
	Banner         *widget.Label
	banner         *fyne.Container
	Summary        *widget.Label
	Checked        *widget.Label
	List           *widget.List
	EmptyState     *fyne.Container
	NoMatch        *widget.Label
	body           *fyne.Container
	content        fyne.CanvasObject

	readOnly string
	// noIntegration: no integration receives the Pages (the banner says so).
	noIntegration bool
}

// NewDashboard builds the dashboard. Call on the Fyne goroutine.
func NewDashboard(opts DashboardOptions, actions DashboardActions) *Dashboard {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	d := &Dashboard{opts: opts, actions: actions}

	d.ConnectButton = widget.NewButtonWithIcon(tr("toolbar.connect", "Connect Pages"), theme.ContentAddIcon(), actions.Connect)
	d.ConnectButton.Importance = widget.HighImportance
	d.CheckButton = widget.NewButtonWithIcon(tr("toolbar.check", "Check now"), theme.ViewRefreshIcon(), actions.CheckAll)
	d.SettingsButton = widget.NewButtonWithIcon(tr("toolbar.settings", "Settings"), theme.SettingsIcon(), actions.Settings)
	d.SimulateButton = widget.NewButtonWithIcon(tr("toolbar.simulate", "Simulate a problem"), theme.WarningIcon(), actions.Simulate)
	d.Search = widget.NewEntry()
	d.Search.SetPlaceHolder(tr("toolbar.search", "Search by name or Page ID"))
	d.Search.OnChanged = func(string) { d.applyFilter() }

	d.Banner = widget.NewLabel("")
	d.Banner.Wrapping = fyne.TextWrapWord
	d.Banner.Importance = widget.WarningImportance
	d.banner = container.NewStack(canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground)),
		container.NewBorder(nil, nil, container.NewPadded(widget.NewIcon(theme.InfoIcon())), nil, d.Banner))

	d.Summary = widget.NewLabel("")
	d.Summary.TextStyle = fyne.TextStyle{Bold: true}
	d.Checked = widget.NewLabel("")
	d.Checked.Importance = widget.LowImportance

	d.List = widget.NewList(
		func() int { return len(d.visible) },
		func() fyne.CanvasObject { return newPageRowView(d) },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(d.visible) {
				o.(*pageRowView).set(d.all[d.visible[i]], d.opts.Now())
			}
		},
	)
	d.List.HideSeparators = false
	d.NoMatch = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Italic: true})

	d.EmptyState = d.emptyState()
	d.body = container.NewStack(d.EmptyState)

	logo := canvas.NewImageFromResource(fyne.NewStaticResource("icon.png", assets.Icon))
	logo.FillMode = canvas.ImageFillContain
	logo.SetMinSize(fyne.NewSquareSize(28))
	title := widget.NewLabelWithStyle("Pagekeeper", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	tools := []fyne.CanvasObject{d.ConnectButton, d.CheckButton}
	if opts.Sandbox {
		tools = append(tools, d.SimulateButton)
	}
	tools = append(tools, d.SettingsButton)
	toolbar := container.NewBorder(nil, nil, container.NewHBox(logo, title), container.NewHBox(tools...),
		container.NewPadded(d.Search))
	header := container.NewVBox(toolbar, d.banner,
		container.NewBorder(nil, nil, d.Summary, d.Checked), columnHeader(), widget.NewSeparator())
	d.content = container.NewBorder(header, nil, nil, nil, d.body)
	d.refreshBanner()
	d.SetPages(nil)
	return d
}

// Content is the dashboard's root object for a window.
func (d *Dashboard) Content() fyne.CanvasObject { return d.content }

// SetReadOnly shows who manages the Pages when this window may only look
// ("" when this window manages them); changing buttons are disabled.
func (d *Dashboard) SetReadOnly(manager string) {
	d.readOnly = manager
	for _, b := range []*widget.Button{d.ConnectButton, d.SimulateButton} {
		if manager != "" {
			b.Disable()
		} else {
			b.Enable()
		}
	}
	d.refreshBanner()
	d.List.Refresh()
}

// SetNoIntegration says whether no integration is set up.
func (d *Dashboard) SetNoIntegration(none bool) {
	d.noIntegration = none
	d.refreshBanner()
}

// SetChecked shows when the last check ran and when the next one will.
func (d *Dashboard) SetChecked(last, next time.Time) {
	var parts []string
	if !last.IsZero() {
		parts = append(parts, tr("summary.last_check", "Last check {{.When}}", map[string]any{"When": relativeTime(last, d.opts.Now())}))
	}
	if !next.IsZero() {
		parts = append(parts, tr("summary.next_check", "next at {{.When}}", map[string]any{"When": next.Local().Format("15:04")}))
	}
	d.Checked.Importance = widget.LowImportance
	d.Checked.SetText(strings.Join(parts, " · "))
}

// SetCheckFailed says that the last check failed, and why; "Check now"
// tries again.
func (d *Dashboard) SetCheckFailed(why string) {
	d.Checked.Importance = widget.WarningImportance
	d.Checked.SetText(tr("summary.check_failed", "The last check failed: {{.Why}}", map[string]any{"Why": why}))
}

// SetPages replaces the table's rows, problems first. Call on the Fyne goroutine.
func (d *Dashboard) SetPages(rows []PageRow) {
	for i := range rows {
		rows[i].search = strings.ToLower(rows[i].Name + " " + rows[i].ID)
	}
	slices.SortStableFunc(rows, func(a, b PageRow) int {
		if c := cmp.Compare(statusRank(a.Status), statusRank(b.Status)); c != 0 {
			return c
		}
		return cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	d.all = rows
	d.Summary.SetText(summaryLine(rows))
	d.refreshBanner()
	d.applyFilter()
}

// Rows returns what the table shows (after the filter), in order.
func (d *Dashboard) Rows() []PageRow {
	out := make([]PageRow, len(d.visible))
	for i, j := range d.visible {
		out[i] = d.all[j]
	}
	return out
}

// applyFilter keeps the rows whose name or Page ID contains the search text.
// It runs on every keystroke, so it works on indices and swaps the body
// only when what it shows changes.
func (d *Dashboard) applyFilter() {
	d.visible = filterRows(d.all, d.Search.Text, d.visible[:0])
	var show fyne.CanvasObject = d.List
	switch {
	case len(d.all) == 0:
		show = d.EmptyState
	case len(d.visible) == 0:
		d.NoMatch.SetText(tr("search.none", "No Page matches “{{.Query}}”.", map[string]any{"Query": d.Search.Text}))
		show = d.NoMatch
	}
	if len(d.body.Objects) != 1 || d.body.Objects[0] != show {
		d.body.Objects = []fyne.CanvasObject{show}
		d.body.Refresh()
	}
	d.List.Refresh()
}

// filterRows is the search: case-insensitive, on name or Page ID. It appends
// the indices of the matching rows to into.
func filterRows(rows []PageRow, query string, into []int32) []int32 {
	q := strings.ToLower(strings.TrimSpace(query))
	for i := range rows {
		if q == "" || strings.Contains(rows[i].search, q) {
			into = append(into, int32(i))
		}
	}
	return into
}

func (d *Dashboard) refreshBanner() {
	var lines []string
	bad := 0
	for _, r := range d.all {
		if r.Status == keeper.StatusInvalid {
			bad++
		}
	}
	if bad == 1 {
		for _, r := range d.all {
			if r.Status == keeper.StatusInvalid {
				lines = append(lines, tr("banner.invalid_one", "{{.Name}} is no longer connected: {{.Reason}} {{.Action}}",
					map[string]any{"Name": r.Name, "Reason": r.Reason, "Action": r.Action}))
			}
		}
	} else if bad > 1 {
		lines = append(lines, tr("banner.invalid_many", "{{.Count}} Pages are no longer connected. They are listed first; press Renew on each.",
			map[string]any{"Count": bad}))
	}
	if d.readOnly != "" {
		lines = append(lines, tr("banner.readonly", "View only: {{.Manager}} manages these Pages. Close Pagekeeper there to make changes here.", map[string]any{"Manager": d.readOnly}))
	}
	if d.noIntegration && len(d.all) > 0 {
		lines = append(lines, tr("banner.no_integration", "No integration receives your Pages' messages: add one in Settings → Integrations."))
	}
	if d.opts.Sandbox {
		lines = append(lines, tr("banner.sandbox", "Sandbox: you are practising with a pretend Facebook built into Pagekeeper. Nothing you do here touches your real Pages."))
	}
	d.Banner.SetText(strings.Join(lines, "\n"))
	if len(lines) == 0 {
		d.banner.Hide()
	} else {
		d.banner.Show()
	}
}

func summaryLine(rows []PageRow) string {
	if len(rows) == 0 {
		return tr("summary.none", "No Pages connected yet")
	}
	valid, needs := 0, 0
	for _, r := range rows {
		switch r.Status {
		case keeper.StatusValid:
			valid++
		case keeper.StatusNeedsAttention, keeper.StatusInvalid:
			needs++
		}
	}
	s := tr("summary.pages", "{{.Count}} Pages", map[string]any{"Count": len(rows)}) +
		" · " + tr("summary.valid", "{{.Count}} valid", map[string]any{"Count": valid})
	switch {
	case needs == 1:
		s += " · " + tr("summary.needs_one", "1 needs you")
	case needs > 1:
		s += " · " + tr("summary.needs", "{{.Count}} need you", map[string]any{"Count": needs})
	}
	return s
}

func (d *Dashboard) emptyState() *fyne.Container {
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
	connect := widget.NewButtonWithIcon(tr("toolbar.connect", "Connect Pages"), theme.ContentAddIcon(), d.actions.Connect)
	connect.Importance = widget.HighImportance
	card := container.NewVBox(title, what, widget.NewSeparator(), need, items, container.NewCenter(connect))
	return container.NewCenter(container.NewGridWrap(fyne.NewSize(580, card.MinSize().Height+40), card))
}

func checkItem(text string) fyne.CanvasObject {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return container.NewBorder(nil, nil, widget.NewIcon(theme.ConfirmIcon()), nil, l)
}

// Column widths shared by the header and every row so they line up.
const (
	colInitial = 44
	colID      = 170
	colUpdated = 110
	colStatus  = 190
	colActions = 450
)

func columnHeader() fyne.CanvasObject {
	bold := func(s string) *widget.Label {
		return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	left := container.NewHBox(fixed(colInitial, layout.NewSpacer()))
	right := container.NewHBox(
		fixed(colID, bold(tr("column.id", "Page ID"))),
		fixed(colUpdated, bold(tr("column.updated", "Updated"))),
		fixed(colStatus, bold(tr("column.status", "Status"))),
		fixed(colActions, layout.NewSpacer()))
	return container.NewBorder(nil, nil, left, right, bold(tr("column.name", "Name")))
}

// fixed gives o a fixed width so columns line up.
func fixed(width float32, o fyne.CanvasObject) fyne.CanvasObject {
	return container.NewGridWrap(fyne.NewSize(width, o.MinSize().Height), o)
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
	dest  *widget.Button
	integ *widget.Label
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
	v.renew = widget.NewButtonWithIcon(tr("row.renew", "Renew"), theme.ViewRefreshIcon(), func() {
		if v.row.Resubscribe {
			v.act(d.actions.Resubscribe)
		} else {
			v.act(d.actions.Renew)
		}
	})
	v.discon = widget.NewButtonWithIcon(tr("row.disconnect", "Disconnect"), theme.CancelIcon(), func() { v.act(d.actions.Disconnect) })
	v.log = widget.NewButtonWithIcon(tr("row.log", "Log"), theme.DocumentIcon(), func() { v.act(d.actions.Log) })
	v.dest, v.integ = newRowIntegration(d, v)
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
	status := text(keeper.PageStatus{Status: r.Status, CleanupPending: r.CleanupPending}.Words())
	imp := statusImportance(r.Status)
	if v.status.Text != status || v.status.Importance != imp {
		v.status.Text, v.status.Importance = status, imp
		v.status.Refresh()
	}
	if v.reason.Text != r.Short || v.reason.Importance != imp {
		v.reason.Text, v.reason.Importance = r.Short, imp
		v.reason.Refresh()
	}
	v.setIntegration(r)
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
		v.renew.Refresh()
	}
	readOnly := v.d.readOnly != ""
	setEnabled(v.renew, !readOnly && r.Status != keeper.StatusDisconnected)
	setEnabled(v.discon, !readOnly && r.Status != keeper.StatusDisconnected)
	setEnabled(v.dest, !readOnly && r.Status != keeper.StatusDisconnected)
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
	left := fixed(colInitial, container.NewStack(
		canvas.NewCircle(theme.Color(theme.ColorNameInputBackground)), v.initial))
	right := container.NewHBox(
		fixed(colID, v.id),
		fixed(colUpdated, v.updated),
		fixed(colStatus, container.NewHBox(v.icon, v.status)),
		fixed(colActions, container.NewHBox(v.renew, v.discon, v.log, v.dest)))
	// Under the name, across the row: the reason in a few words, then where
	// the Page's messages go.
	below := container.NewBorder(nil, nil, fixed(colInitial, layout.NewSpacer()), nil,
		container.NewBorder(nil, nil, v.reason, nil, v.integrationLine()))
	return widget.NewSimpleRenderer(container.NewVBox(container.NewBorder(nil, nil, left, container.NewCenter(right), v.name), below))
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

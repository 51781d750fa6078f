package ui

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
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
	// Renewable: a login repairs it (Renew, and "Renew all" when several do).
	Renewable bool
	// Note says, in two words, that the last check could not confirm the
	// status (the Page's log says it in full); empty when it did.
	Note string
	// Integration says where its messages go and what that integration
	// has of it ("Support Bot has the current token (since 12:03)");
	// IntegrationProblem: it asks something of a person.
	Integration        string
	IntegrationName    string
	IntegrationProblem bool

	page   *keeper.PageStatus // what the words are made from (nil: they were given)
	worded bool               // the words are made (word)
	search string             // name and ID folded for the search (searchKey)
}

// word makes the row's words from its Page's status, once per language:
// only for the rows on screen (and the one a notice names), not for every
// one of 10,000 Pages at each load (`make bench-window`, BENCHMARKS.md).
func (r *PageRow) word() {
	if r.page == nil || r.worded {
		return
	}
	r.Short = shortReason(*r.page)
	r.Reason, r.Action = describe(*r.page)
	r.Note = text(r.page.NoteShort())
	r.Integration, r.IntegrationProblem = integrationLine(r.page.Integration)
	r.worded = true
}

// DashboardOptions says what the dashboard offers and tells up front.
type DashboardOptions struct {
	Sandbox bool
	Now     func() time.Time
}

// DashboardActions are what the buttons do; nil hides or disables a control.
type DashboardActions struct {
	Connect, CheckAll, Settings, Simulate func()
	// RenewAll renews every Page a login repairs, in one login.
	RenewAll func()
	// SetUp opens Settings where the App ID goes; SetUpAlerts where the
	// alert channels are; SetUpIntegrations where the integrations are.
	SetUp, SetUpAlerts, SetUpIntegrations func()
	Renew, Resubscribe, Disconnect, Log   func(pageID string)
	// Destination asks where the Page's messages go (integrations.go).
	Destination func(row PageRow)
	// AcknowledgeReset acknowledges a data reset (as `pagekeeper
	// acknowledge-reset` does); RestoreBackup offers the backups instead.
	AcknowledgeReset, RestoreBackup func()
}

// Dashboard is the main window's content: a toolbar, notices for whatever
// needs the owner now (each with its button), a summary line, the last 30
// days at a glance, the search, and the Pages table (or an empty state that
// teaches what Pagekeeper does). Widgets are fields so tests can tap and
// read them.
type Dashboard struct {
	opts    DashboardOptions
	actions DashboardActions
	cols    *columns

	all     []PageRow // every Page, problems first
	visible []int32   // indices into all of the rows the search keeps

	ConnectButton  *widget.Button
	CheckButton    *widget.Button
	SettingsButton *widget.Button
	SimulateButton *widget.Button
	Search         *keyEntry

	// Banner says which Pages are no longer connected; RenewAll renews them.
	Banner       *widget.Label
	RenewAll     *widget.Button
	ReadOnlyNote *widget.Label
	SetupNote    *widget.Label
	SetupButton  *widget.Button
	AlertsNote   *widget.Label
	AlertsButton *widget.Button
	// IntegrationNote says no integration receives the Pages' messages.
	IntegrationNote   *widget.Label
	IntegrationButton *widget.Button
	// ResetNote says the data was reset after a damaged file; ResetButton
	// ("I understand") acknowledges it, ResetRestore offers the backups.
	ResetNote    *widget.Label
	ResetButton  *widget.Button
	ResetRestore *widget.Button

	problems, resetBox, readOnlyBox, setupBox, alertsBox, integrationBox, sandboxBox *notice

	Summary      *widget.Label
	Checked      *widget.Label
	Availability *AvailabilityView
	List         *widget.List
	EmptyState   *fyne.Container
	NoMatch      *widget.Label
	body         *fyne.Container
	content      fyne.CanvasObject

	readOnly    string
	setupNeeded bool
	alertsNone  bool
	// noIntegration: no integration receives the Pages.
	noIntegration bool
	// reset is the data reset not yet acknowledged, in words ("" if none).
	reset string
	// lastCheck and nextCheck are what "Last check … · next at …" says;
	// Tick says it again as time passes.
	lastCheck, nextCheck  time.Time
	checking, checkFailed bool
}

// NewDashboard builds the dashboard. Call on the Fyne goroutine.
func NewDashboard(opts DashboardOptions, actions DashboardActions) *Dashboard {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	d := &Dashboard{opts: opts, actions: actions, cols: newColumns()}

	d.ConnectButton = widget.NewButtonWithIcon(tr("toolbar.connect", "Connect Pages"), theme.ContentAddIcon(), actions.Connect)
	d.ConnectButton.Importance = widget.HighImportance
	d.CheckButton = widget.NewButtonWithIcon(tr("toolbar.check", "Check now"), theme.ViewRefreshIcon(), actions.CheckAll)
	d.SettingsButton = widget.NewButtonWithIcon(tr("toolbar.settings", "Settings"), theme.SettingsIcon(), actions.Settings)
	d.SimulateButton = widget.NewButtonWithIcon(tr("toolbar.simulate", "Simulate a problem"), theme.WarningIcon(), actions.Simulate)
	// Escape clears the search.
	d.Search = newKeyEntry(func() { d.Search.SetText("") }, nil)
	d.Search.SetPlaceHolder(tr("toolbar.search", "Search by name or Page ID"))
	d.Search.OnChanged = func(string) { d.applyFilter() }
	d.Search.ActionItem = widget.NewIcon(theme.SearchIcon())

	d.RenewAll = widget.NewButtonWithIcon(tr("banner.renew_all", "Renew all"), theme.ViewRefreshIcon(), actions.RenewAll)
	d.RenewAll.Importance = widget.HighImportance
	d.problems = newNotice(theme.ErrorIcon(), widget.DangerImportance, d.RenewAll)
	d.Banner = d.problems.label
	d.readOnlyBox = newNotice(theme.VisibilityIcon(), widget.WarningImportance)
	d.ReadOnlyNote = d.readOnlyBox.label
	d.SetupButton = widget.NewButtonWithIcon(tr("banner.setup_button", "Open Settings"), theme.SettingsIcon(), actions.SetUp)
	d.SetupButton.Importance = widget.HighImportance
	d.setupBox = newNotice(theme.SettingsIcon(), widget.WarningImportance, d.SetupButton)
	d.SetupNote = d.setupBox.label
	d.SetupNote.SetText(tr("banner.setup", "Facebook Login is not set up yet: Pagekeeper needs your Facebook app's App ID before it can connect Pages."))
	d.AlertsButton = widget.NewButtonWithIcon(tr("banner.alerts_button", "Set up alerts"), theme.MailSendIcon(), actions.SetUpAlerts)
	d.alertsBox = newNotice(theme.WarningIcon(), widget.WarningImportance, d.AlertsButton)
	d.AlertsNote = d.alertsBox.label
	d.AlertsNote.SetText(tr("banner.no_alerts", "No alert reaches a person: if a Page stops working, nobody is told. Set up email, or keep Pagekeeper checking in the background."))
	d.IntegrationButton = widget.NewButtonWithIcon(tr("banner.integration_button", "Add an integration"), theme.MailForwardIcon(), actions.SetUpIntegrations)
	d.integrationBox = newNotice(theme.MailForwardIcon(), widget.WarningImportance, d.IntegrationButton)
	d.IntegrationNote = d.integrationBox.label
	d.IntegrationNote.SetText(tr("banner.no_integration", "No integration receives your Pages' messages: add one in Settings > Integrations."))
	d.ResetButton = widget.NewButtonWithIcon(tr("banner.reset_understood", "I understand"), theme.ConfirmIcon(), actions.AcknowledgeReset)
	d.ResetButton.Importance = widget.HighImportance
	d.ResetRestore = widget.NewButtonWithIcon(tr("settings.restore", "Restore a backup…"), theme.HistoryIcon(), actions.RestoreBackup)
	d.resetBox = newNotice(theme.ErrorIcon(), widget.DangerImportance, d.ResetRestore, d.ResetButton)
	d.ResetNote = d.resetBox.label
	d.sandboxBox = newNotice(theme.InfoIcon(), widget.MediumImportance)
	d.sandboxBox.label.SetText(tr("banner.sandbox", "Sandbox: you are practising with a pretend Facebook built into Pagekeeper. Nothing you do here touches your real Pages."))

	d.Summary = widget.NewLabel("")
	d.Summary.TextStyle = fyne.TextStyle{Bold: true}
	d.Checked = widget.NewLabel("")
	d.Checked.Importance = widget.LowImportance
	d.Checked.Truncation = fyne.TextTruncateEllipsis
	d.Checked.Alignment = fyne.TextAlignTrailing
	d.Availability = newAvailabilityView()

	d.List = widget.NewList(
		func() int { return len(d.visible) },
		func() fyne.CanvasObject { return newPageRowView(d) },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(d.visible) {
				r := &d.all[d.visible[i]]
				r.word()
				o.(*pageRowView).set(*r, d.opts.Now())
			}
		},
	)
	d.List.HideSeparators = false
	// Choosing a row (arrow keys and Space, or a click beside the buttons)
	// opens its log: the keyboard's way to a Page.
	d.List.OnSelected = func(i widget.ListItemID) {
		d.List.Unselect(i)
		if i < len(d.visible) && actions.Log != nil {
			actions.Log(d.all[d.visible[i]].ID)
		}
	}
	d.NoMatch = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	d.NoMatch.Wrapping = fyne.TextWrapWord

	d.EmptyState = d.emptyState()
	d.body = container.NewStack(d.EmptyState)

	logo := canvas.NewImageFromResource(fyne.NewStaticResource("logo.png", assets.Logo))
	logo.FillMode = canvas.ImageFillContain
	logo.SetMinSize(fyne.NewSquareSize(28))
	title := widget.NewLabelWithStyle("Pagekeeper", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	tools := []fyne.CanvasObject{d.ConnectButton, d.CheckButton}
	if opts.Sandbox {
		tools = append(tools, d.SimulateButton)
	}
	tools = append(tools, d.SettingsButton)
	toolbar := container.NewBorder(nil, nil, container.NewHBox(logo, title), container.NewHBox(tools...))
	notices := container.NewVBox(d.resetBox.box, d.setupBox.box, d.problems.box, d.readOnlyBox.box, d.alertsBox.box, d.integrationBox.box, d.sandboxBox.box)
	header := container.NewVBox(toolbar, notices,
		container.NewBorder(nil, nil, d.Summary, nil, d.Checked),
		d.Availability.content,
		columnHeader(d.cols, d.Search), widget.NewSeparator())
	d.content = container.NewBorder(header, nil, nil, nil, d.body)
	d.refreshBanner()
	d.SetPages(nil)
	return d
}

// notice is one line of the notices area: an icon, the text and, on the
// right, its buttons. Hidden while it does not apply (refreshBanner).
type notice struct {
	label   *widget.Label
	buttons *fyne.Container
	box     *fyne.Container
}

func newNotice(icon fyne.Resource, imp widget.Importance, buttons ...fyne.CanvasObject) *notice {
	n := &notice{label: widget.NewLabel(""), buttons: container.NewHBox(buttons...)}
	n.label.Wrapping = fyne.TextWrapWord
	n.label.Importance = imp
	row := container.NewBorder(nil, nil, container.NewPadded(widget.NewIcon(icon)), container.NewCenter(n.buttons), n.label)
	n.box = container.NewStack(canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground)), row)
	return n
}

// show shows the notice when on, with those of its buttons that are shown.
func (n *notice) show(on bool) {
	showIf(n.box, on)
	any := false
	for _, b := range n.buttons.Objects {
		any = any || b.Visible()
	}
	showIf(n.buttons, any)
}

// Content is the dashboard's root object for a window.
func (d *Dashboard) Content() fyne.CanvasObject { return d.content }

// SetReadOnly shows who manages the Pages when this window may only look
// ("" when this window manages them): changing buttons are disabled, and
// Check now too — the manager's Pagekeeper checks, and this list refreshes
// when it records something.
func (d *Dashboard) SetReadOnly(manager string) {
	d.readOnly = manager
	for _, b := range []*widget.Button{d.ConnectButton, d.SimulateButton, d.CheckButton, d.RenewAll} {
		setEnabled(b, manager == "")
	}
	d.refreshBanner()
	d.List.Refresh()
}

// SetSetupNeeded says whether Facebook Login still needs its App ID.
func (d *Dashboard) SetSetupNeeded(on bool) {
	d.setupNeeded = on
	d.refreshBanner()
}

// SetDataReset shows the data reset not yet acknowledged, in words ("":
// none). It stays until a person acknowledges it, here or with `pagekeeper
// acknowledge-reset`.
func (d *Dashboard) SetDataReset(words string) {
	d.reset = words
	d.ResetNote.SetText(words)
	d.refreshBanner()
}

// SetNoIntegration says whether no integration receives the Pages.
func (d *Dashboard) SetNoIntegration(none bool) {
	d.noIntegration = none
	d.refreshBanner()
}

// SetNoAlerts says whether no alert channel reaches a person.
func (d *Dashboard) SetNoAlerts(on bool) {
	d.alertsNone = on
	d.refreshBanner()
}

// SetChecked shows when the last check ran and when the next one will.
func (d *Dashboard) SetChecked(last, next time.Time) {
	d.lastCheck, d.nextCheck, d.checking, d.checkFailed = last, next, false, false
	d.Checked.Importance = widget.LowImportance
	d.Tick()
}

// SetChecking says a check of every Page is under way.
func (d *Dashboard) SetChecking() {
	d.checking = true
	d.Checked.Importance = widget.LowImportance
	d.Checked.SetText(tr("summary.checking", "Checking every Page…"))
}

// SetCheckFailed says that the last check failed, and why; "Check now"
// tries again.
func (d *Dashboard) SetCheckFailed(why string) {
	d.checking, d.checkFailed = false, true
	d.Checked.Importance = widget.WarningImportance
	d.Checked.SetText(tr("summary.check_failed", "The last check failed: {{.Why}}", map[string]any{"Why": why}))
}

// Tick says the times again ("5 min ago" becomes "6 min ago"): the window
// calls it every half minute.
func (d *Dashboard) Tick() {
	if !d.checking && !d.checkFailed && !d.lastCheck.IsZero() {
		parts := []string{tr("summary.last_check", "Last check {{.When}}", map[string]any{"When": relativeTime(d.lastCheck, d.opts.Now())})}
		if !d.nextCheck.IsZero() {
			parts = append(parts, tr("summary.next_check", "next at {{.When}}", map[string]any{"When": d.nextCheck.Local().Format("15:04")}))
		}
		d.Checked.SetText(strings.Join(parts, " · "))
	}
	d.List.Refresh() // the "Updated" column of the rows shown
}

// SetAvailability shows the last 30 days at a glance.
func (d *Dashboard) SetAvailability(a keeper.Availability) { d.Availability.show(a) }

// SetPages replaces the table's rows, problems first. Call on the Fyne goroutine.
func (d *Dashboard) SetPages(rows []PageRow) {
	for i := range rows {
		if rows[i].search == "" {
			rows[i].search = searchKey(rows[i].Name + " " + rows[i].ID)
		}
	}
	if !slices.IsSortedFunc(rows, rowOrder) { // loadRows sorts them off the UI goroutine
		slices.SortFunc(rows, rowOrder)
	}
	d.all = rows
	if len(rows) > 0 {
		d.Availability.expect() // the figures follow the Pages
	}
	d.Summary.SetText(summaryLine(rows))
	d.refreshBanner()
	d.applyFilter()
}

// rowOrder is the table's order: problems first, then by name and Page ID
// (their search keys: ignoring case and accents). Page IDs differ, so no
// two rows compare equal and the sort needs no stability.
func rowOrder(a, b PageRow) int {
	if c := cmp.Compare(statusRank(a.Status), statusRank(b.Status)); c != 0 {
		return c
	}
	return cmp.Compare(a.search, b.search)
}

// Rows returns what the table shows (after the filter), in order.
func (d *Dashboard) Rows() []PageRow {
	out := make([]PageRow, len(d.visible))
	for i, j := range d.visible {
		d.all[j].word()
		out[i] = d.all[j]
	}
	return out
}

// renewable lists the Pages a login repairs.
func (d *Dashboard) renewable() []PageRow {
	var out []PageRow
	for _, r := range d.all {
		if r.Renewable {
			out = append(out, r)
		}
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

// filterRows is the search: on name or Page ID, ignoring case and accents.
// It appends the indices of the matching rows to into.
func filterRows(rows []PageRow, query string, into []int32) []int32 {
	q := searchKey(strings.TrimSpace(query))
	for i := range rows {
		if q == "" || strings.Contains(rows[i].search, q) {
			into = append(into, int32(i))
		}
	}
	return into
}

// refreshBanner shows the notices that apply, each with its way out.
func (d *Dashboard) refreshBanner() {
	var bad []PageRow
	for i := range d.all {
		if r := &d.all[i]; r.Status == keeper.StatusInvalid {
			r.word() // the notice names the one Page's reason
			bad = append(bad, *r)
		}
	}
	renew := d.renewable()
	switch {
	case len(bad) == 1:
		r := bad[0]
		d.Banner.SetText(tr("banner.invalid_one", "{{.Name}} is no longer connected: {{.Reason}} {{.Action}}",
			map[string]any{"Name": r.Name, "Reason": r.Reason, "Action": r.Action}))
	case len(bad) > 1 && len(renew) > 1 && d.readOnly == "":
		d.Banner.SetText(tr("banner.invalid_many", "{{.Count}} Pages are no longer connected. One login renews them all: press Renew all and keep every Page ticked in Facebook's dialog.",
			map[string]any{"Count": len(bad)}))
	case len(bad) > 1:
		d.Banner.SetText(tr("banner.invalid_each", "{{.Count}} Pages are no longer connected. They are listed first, each with what to do.",
			map[string]any{"Count": len(bad)}))
	default:
		d.Banner.SetText("")
	}
	showIf(d.RenewAll, len(renew) > 1 && len(bad) > 1 && d.readOnly == "")
	d.problems.show(len(bad) > 0)
	if d.readOnly != "" {
		d.ReadOnlyNote.SetText(tr("banner.readonly", "View only: {{.Manager}} manages these Pages, checks them and records what it finds; this list refreshes when it does. Close Pagekeeper there to make changes here.",
			map[string]any{"Manager": d.readOnly}))
	}
	d.readOnlyBox.show(d.readOnly != "")
	d.setupBox.show(d.setupNeeded && d.readOnly == "") // only the manager can set it up
	d.alertsBox.show(d.alertsNone && !d.setupNeeded && d.readOnly == "" && !d.opts.Sandbox)
	// Only the manager can acknowledge a reset, restore or add an integration.
	showIf(d.ResetButton, d.readOnly == "")
	showIf(d.ResetRestore, d.readOnly == "")
	d.resetBox.show(d.reset != "")
	showIf(d.IntegrationButton, d.readOnly == "")
	d.integrationBox.show(d.noIntegration && len(d.all) > 0)
	d.sandboxBox.show(d.opts.Sandbox)
}

// showIf shows o when on, hides it otherwise (touching it only on a change).
func showIf(o fyne.CanvasObject, on bool) {
	if on && !o.Visible() {
		o.Show()
	} else if !on && o.Visible() {
		o.Hide()
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
	if needs > 0 {
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
	return container.NewCenter(container.New(&maxWidth{w: 580}, card))
}

// maxWidth lays its objects out at most w wide (less when the space is
// narrower), as tall as they need at that width.
type maxWidth struct{ w float32 }

func (m *maxWidth) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Resize(fyne.NewSize(min(m.w, size.Width), size.Height))
		o.Move(fyne.NewPos(0, 0))
	}
}

func (m *maxWidth) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objects {
		// Wrapped labels report their one-line width: ask at w.
		s = s.Max(fyne.NewSize(m.w, heightAt(o, m.w)))
	}
	return s
}

// heightAt is how tall o is at width w (a wrapped label's lines).
func heightAt(o fyne.CanvasObject, w float32) float32 {
	if o.Size().Width != w {
		o.Resize(fyne.NewSize(w, o.MinSize().Height))
	}
	return o.MinSize().Height
}

func checkItem(text string) fyne.CanvasObject {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return container.NewBorder(nil, nil, widget.NewIcon(theme.ConfirmIcon()), nil, l)
}

package ui

import (
	"context"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/pagekeeper/pagekeeper/keeper"
)

// timelineDays is how far back a Page's timeline looks.
const timelineDays = 30

// PageLog is one Page's log: its status with reason and action, its last 30
// days as a timeline (when it broke, for how long, what fixed it), the
// connection's facts (permissions, token, webhooks) and the history of who
// did what and when, each line openable in full.
type PageLog struct {
	Status      *widget.Label
	Reason      *widget.Label
	Timeline    *TimelineBar
	Outages     *widget.Label
	Permissions *widget.Label
	Token       *widget.Label
	Webhooks    *widget.Label
	History     *widget.List
	Tabs        *container.AppTabs
	// Note says the last check could not confirm the status (G1's note).
	Note       *widget.Label
	CopyButton *widget.Button
	LinkButton *widget.Button
	// Integration says where the Page's messages go and what that
	// integration has of it; Destination changes it (integrations.go).
	Integration *widget.Label
	Destination *widget.Button
	events      []keeper.Event
	// openLine shows a history line in full (set by showLog).
	openLine func(keeper.Event)
	content  fyne.CanvasObject
}

// pageLogData is everything the log shows, read off the UI goroutine.
type pageLogData struct {
	log         keeper.PageLog
	outages     []keeper.Outage
	diagnostics string
	now         time.Time
}

// newPageLog builds the view for a Page's log. The diagnostics are the
// redacted support summary the Copy button puts on the clipboard.
func newPageLog(data pageLogData, clip fyne.Clipboard, links, destination func()) *PageLog {
	l := data.log
	p := l.Record
	v := &PageLog{events: l.Events}
	v.Status = widget.NewLabelWithStyle(statusText(p.Status), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.Status.Importance = statusImportance(p.Status)
	since := widget.NewLabel("")
	since.Importance = widget.LowImportance
	if !p.StatusSince.IsZero() {
		since.SetText(tr("log.since", "since {{.When}}", map[string]any{"When": dateOrDash(p.StatusSince)}))
	}
	reason, action := describe(l.Status)
	v.Reason = wrapped(strings.TrimSpace(reason + " " + action))
	if v.Reason.Text == "" {
		v.Reason.Hide()
	}
	// The last check could not confirm the status: said right under it.
	v.Note = wrapped(text(l.Status.Note()))
	v.Note.Importance = widget.WarningImportance
	if v.Note.Text == "" {
		v.Note.Hide()
	}

	v.Timeline = newTimelineBar(data.outages, p, data.now)
	v.Outages = wrapped(outageLines(data.outages, data.now))
	v.Permissions = wrapped(permissionFacts(p))
	v.Token = wrapped(tokenFacts(l))
	v.Webhooks = wrapped(webhookFacts(p))

	v.History = widget.NewList(func() int { return len(v.events) },
		func() fyne.CanvasObject { return newHistoryRow() },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*historyRow).set(v.events[i]) })
	v.History.OnSelected = func(i widget.ListItemID) {
		v.History.Unselect(i)
		if v.openLine != nil && i < len(v.events) {
			v.openLine(v.events[i])
		}
	}
	historyHint := widget.NewLabel(tr("log.history_hint", "Select a line to read it in full."))
	historyHint.Importance = widget.LowImportance

	v.CopyButton = copyButton(tr("log.copy", "Copy diagnostics"), clip, func() string { return data.diagnostics })
	v.LinkButton = widget.NewButtonWithIcon(tr("links.open", "Messenger link and QR code"), theme.MailComposeIcon(), links)

	facts := container.NewGridWithColumns(3,
		section(tr("log.permissions", "Permissions"), v.Permissions),
		section(tr("log.token", "Token"), v.Token),
		section(tr("log.webhooks", "Webhooks"), v.Webhooks))
	v.Tabs = container.NewAppTabs(
		container.NewTabItem(tr("log.tab_timeline", "What happened"), container.NewVScroll(v.Outages)),
		container.NewTabItem(tr("log.tab_connection", "Connection"), container.NewVScroll(facts)),
		container.NewTabItem(tr("log.history", "History"), container.NewBorder(nil, historyHint, nil, nil, v.History)))
	top := container.NewVBox(
		container.NewHBox(widget.NewIcon(statusIcon(p.Status)), v.Status, since), v.Note, v.Reason, v.integrationPart(l, destination),
		widget.NewLabelWithStyle(tr("log.timeline", "Last 30 days"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		v.Timeline.content)
	v.content = container.NewBorder(top, container.NewHBox(v.CopyButton, v.LinkButton), nil, nil, v.Tabs)
	return v
}

// outageLines tells each outage: when it broke, why, for how long, and
// what fixed it (newest first).
func outageLines(outs []keeper.Outage, now time.Time) string {
	if len(outs) == 0 {
		return tr("log.no_outage", "Nothing went wrong in the last 30 days.")
	}
	var lines []string
	for i := len(outs) - 1; i >= 0; i-- {
		o := outs[i]
		what := statusText(o.Status) + ": " + text(o.ReasonText)
		var line string
		if o.End.IsZero() {
			line = tr("log.outage_open", "Since {{.Start}} · {{.What}} · for {{.For}} so far", map[string]any{
				"Start": dateOrDash(o.Start), "What": what, "For": spanWords(now.Sub(o.Start))})
		} else {
			line = tr("log.outage", "{{.Start}} · {{.What}} · for {{.For}}", map[string]any{
				"Start": dateOrDash(o.Start), "What": what, "For": spanWords(o.End.Sub(o.Start))})
			line += " · " + fixWords(o)
		}
		lines = append(lines, "• "+line)
	}
	return strings.Join(lines, "\n")
}

// fixWords says what ended an outage.
func fixWords(o keeper.Outage) string {
	by := o.Fix.By
	if by == "" {
		by = tr("log.someone", "someone")
	}
	switch o.Fix.Kind {
	case "token_renewed":
		return tr("log.fixed_renewed", "fixed by {{.By}} renewing the connection", map[string]any{"By": by})
	case "webhook_resubscribed":
		return tr("log.fixed_resubscribed", "fixed by {{.By}} resubscribing the webhooks", map[string]any{"By": by})
	case "page_connected":
		return tr("log.fixed_connected", "fixed by {{.By}} connecting it again", map[string]any{"By": by})
	}
	return tr("log.fixed_itself", "it recovered without anyone acting")
}

// spanWords is a duration for a person: "2 h 38 min", "3 days 4 h", "12 min".
func spanWords(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return tr("time.dh", "{{.D}} days {{.H}} h", map[string]any{"D": int(d.Hours()) / 24, "H": int(d.Hours()) % 24})
	case d >= time.Hour:
		return durationWords(d)
	}
	return tr("time.m", "{{.M}} min", map[string]any{"M": max(1, int(d.Minutes()))})
}

func permissionFacts(p keeper.PageRecord) string {
	if p.Status == keeper.StatusDisconnected {
		return tr("log.no_connection", "None: the Page is disconnected.")
	}
	var granted []string
	for _, s := range p.Scopes {
		if !slices.Contains(p.Declined, s) {
			granted = append(granted, s)
		}
	}
	return tr("log.granted", "Granted: {{.List}}", map[string]any{"List": listOrDash(granted)}) + "\n" +
		tr("log.declined", "Declined: {{.List}}", map[string]any{"List": listOrDash(p.Declined)})
}

// tokenFacts says what is known of the Page's token: nothing when it is
// disconnected (the token was deleted), "no longer works" when Facebook
// refused it, "never" only for a working token that does not expire.
func tokenFacts(l keeper.PageLog) string {
	p := l.Record
	if p.Status == keeper.StatusDisconnected {
		return tr("log.token_deleted", "None: deleted when the Page was disconnected ({{.When}}).", map[string]any{"When": dateOrDash(p.DisconnectedAt)})
	}
	expires := dateOrDash(p.TokenExpiresAt)
	switch {
	case keeper.Reason(p.Reason) == keeper.ReasonTokenExpired:
		expires = tr("log.expired", "expired")
	case p.Status == keeper.StatusInvalid:
		expires = tr("log.not_working", "no longer works ({{.Reason}})", map[string]any{"Reason": text(l.Status.ReasonText)})
	case p.TokenExpiresAt.IsZero() && p.TokenType != "":
		expires = tr("log.never", "never")
	}
	kind := orDash(p.TokenType)
	if p.TokenType == "PAGE" {
		kind = tr("log.page_token", "Page token")
	}
	return tr("log.token_type", "Type: {{.Type}}", map[string]any{"Type": kind}) + "\n" +
		tr("log.token_issued", "Issued: {{.When}}", map[string]any{"When": dateOrDash(p.TokenIssuedAt)}) + "\n" +
		tr("log.token_expires", "Expires: {{.When}}", map[string]any{"When": expires}) + "\n" +
		tr("log.data_access", "Data access expires: {{.When}}", map[string]any{"When": dateOrDash(p.DataAccessExpiresAt)})
}

// webhookFacts: what the Page should receive and what Facebook last
// showed; nothing subscribed once disconnected (or the clean-up pending).
func webhookFacts(p keeper.PageRecord) string {
	if p.Status == keeper.StatusDisconnected {
		if p.CleanupPending {
			return tr("log.webhooks_cleanup", "Still subscribed on Facebook: Pagekeeper removes the subscription as soon as Facebook can be reached.")
		}
		return tr("log.webhooks_none", "None: unsubscribed when the Page was disconnected.")
	}
	return tr("log.preset", "Preset: {{.Preset}}", map[string]any{"Preset": presetName(p.WebhookPreset)}) + "\n" +
		tr("log.fields", "Fields: {{.List}}", map[string]any{"List": listOrDash(p.WebhookFields)}) + "\n" +
		tr("log.on_facebook", "On Facebook at the last check: {{.List}}", map[string]any{"List": listOrDash(p.SubscribedFields)})
}

// historyRow is one event: when, who, what (cut to one line; selecting
// the row shows it in full).
type historyRow struct {
	widget.BaseWidget
	when, who, what *widget.Label
}

func newHistoryRow() *historyRow {
	r := &historyRow{when: widget.NewLabel(""), who: widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		what: widget.NewLabel("")}
	r.what.Truncation = fyne.TextTruncateEllipsis
	r.who.Truncation = fyne.TextTruncateEllipsis
	r.ExtendBaseWidget(r)
	return r
}

func (r *historyRow) set(e keeper.Event) {
	r.when.SetText(e.At.Local().Format("2 Jan 2006 15:04"))
	r.who.SetText(actorName(e))
	r.what.SetText(eventText(e))
}

func (r *historyRow) CreateRenderer() fyne.WidgetRenderer {
	when := container.New(&fixedWidth{w: widget.NewLabel("22 Nov 2026 22:22").MinSize().Width}, r.when)
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil,
		container.NewHBox(when, container.New(&fixedWidth{w: 170}, r.who)), nil, r.what))
}

// eventText is a history line's words (with how often, when repeated).
func eventText(e keeper.Event) string {
	if e.Count > 1 {
		return tr("log.times", "{{.Text}} ({{.N}} times)", map[string]any{"Text": text(e.Text), "N": e.Count})
	}
	return text(e.Text)
}

func section(title string, body fyne.CanvasObject) fyne.CanvasObject {
	return widget.NewCard("", title, body)
}

func actorName(e keeper.Event) string {
	switch {
	case e.ActorFBName != "" && e.ActorOSUser != "":
		return e.ActorFBName + " (" + e.ActorOSUser + ")"
	case e.ActorFBName != "":
		return e.ActorFBName
	case e.ActorOSUser != "":
		return e.ActorOSUser
	default:
		return "Pagekeeper"
	}
}

func presetName(p keeper.WebhookPreset) string {
	switch p {
	case keeper.PresetBot:
		return tr("preset.bot", "Bot")
	case keeper.PresetAgentInbox:
		return tr("preset.agent_inbox", "Agent inbox")
	case keeper.PresetCustom:
		return tr("preset.custom", "Custom")
	}
	return "—"
}

func listOrDash(xs []string) string {
	if len(xs) == 0 {
		return "—"
	}
	return strings.Join(xs, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func dateOrDash(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Local().Format("2 Jan 2006 15:04")
}

// showLog opens a Page's log in a dialog.
func (m *MainWindow) showLog(pageID string) {
	m.whenOpen(func() {
		k := m.keeper
		now := m.cfg.Now()
		m.life.Go(func(ctx context.Context) func() {
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			data := pageLogData{now: now}
			var err error
			data.log, err = k.PageLog(ctx, pageID, 500)
			if err == nil {
				data.outages, err = k.Timeline(ctx, pageID, now.AddDate(0, 0, -timelineDays))
			}
			if err == nil {
				data.diagnostics, err = k.Diagnostics(ctx, pageID)
			}
			return func() {
				if err != nil {
					m.showError(err)
					return
				}
				p := data.log.Record
				v := newPageLog(data, fyne.CurrentApp().Clipboard(), func() { m.showLinks(p) },
					func() { m.showDestination(p.ID, p.Name, data.log.Status.Integration.Name) })
				v.openLine = m.showEvent
				d := dialog.NewCustom(tr("log.title", "{{.Name}} · Page ID {{.ID}}", map[string]any{"Name": p.Name, "ID": p.ID}),
					tr("dialog.close", "Close"), v.content, m.Window)
				m.present(d, nil)
				d.Resize(m.dialogSize(900, 620))
				m.pageLog = v
			}
		})
	})
}

// showEvent shows one history line in full.
func (m *MainWindow) showEvent(e keeper.Event) {
	body := container.NewVBox(
		widget.NewLabelWithStyle(e.At.Local().Format("Monday 2 January 2006, 15:04:05")+" · "+actorName(e), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		wrapped(eventText(e)))
	m.showDialog(tr("log.line_title", "History"), container.New(&maxWidth{w: 600}, body), nil,
		choice{label: tr("dialog.close", "Close"), isDefault: true, isCancel: true})
}

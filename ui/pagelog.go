package ui

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/pagekeeper/pagekeeper/keeper"
)

// PageLog is one Page's log: status with reason and action, permissions,
// token facts, webhook fields and the history of who did what and when.
type PageLog struct {
	Status      *widget.Label
	Reason      *widget.Label
	Permissions *widget.Label
	Token       *widget.Label
	Webhooks    *widget.Label
	History     *widget.List
	CopyButton  *widget.Button
	LinkButton  *widget.Button
	// Integration says where the Page's messages go and what that
	// integration has of it; Destination changes it (integrations.go).
	Integration *widget.Label
	Destination *widget.Button
	events      []keeper.Event
	content     fyne.CanvasObject
}

// newPageLog builds the view for a Page's log. diagnostics is the redacted
// support summary the Copy button puts on the clipboard.
func newPageLog(l keeper.PageLog, diagnostics string, clip fyne.Clipboard, links, destination func()) *PageLog {
	p := l.Record
	v := &PageLog{events: l.Events}
	v.Status = widget.NewLabelWithStyle(statusText(p.Status), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.Status.Importance = statusImportance(p.Status)
	reason, action := describe(l.Status)
	v.Reason = widget.NewLabel(strings.TrimSpace(reason + " " + action))
	v.Reason.Wrapping = fyne.TextWrapWord
	if v.Reason.Text == "" {
		v.Reason.Hide()
	}

	v.Permissions = widget.NewLabel(
		tr("log.granted", "Granted: {{.List}}", map[string]any{"List": listOrDash(p.Scopes)}) + "\n" +
			tr("log.declined", "Declined: {{.List}}", map[string]any{"List": listOrDash(p.Declined)}))
	v.Permissions.Wrapping = fyne.TextWrapWord

	expires := dateOrDash(p.TokenExpiresAt)
	if p.TokenExpiresAt.IsZero() && p.TokenType != "" {
		expires = tr("log.never", "never")
	}
	v.Token = widget.NewLabel(
		tr("log.token_type", "Type: {{.Type}}", map[string]any{"Type": orDash(p.TokenType)}) + "\n" +
			tr("log.token_issued", "Issued: {{.When}}", map[string]any{"When": dateOrDash(p.TokenIssuedAt)}) + "\n" +
			tr("log.token_expires", "Expires: {{.When}}", map[string]any{"When": expires}) + "\n" +
			tr("log.data_access", "Data access expires: {{.When}}", map[string]any{"When": dateOrDash(p.DataAccessExpiresAt)}))

	v.Webhooks = widget.NewLabel(
		tr("log.preset", "Preset: {{.Preset}}", map[string]any{"Preset": presetName(p.WebhookPreset)}) + "\n" +
			tr("log.fields", "Fields: {{.List}}", map[string]any{"List": listOrDash(p.WebhookFields)}))
	v.Webhooks.Wrapping = fyne.TextWrapWord

	v.History = widget.NewList(func() int { return len(v.events) },
		func() fyne.CanvasObject { return newHistoryRow() },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*historyRow).set(v.events[i]) })

	v.CopyButton = widget.NewButtonWithIcon(tr("log.copy", "Copy diagnostics"), theme.ContentCopyIcon(), func() {
		if clip != nil {
			clip.SetContent(diagnostics)
		}
	})

	facts := container.NewGridWithColumns(3,
		section(tr("log.permissions", "Permissions"), v.Permissions),
		section(tr("log.token", "Token"), v.Token),
		section(tr("log.webhooks", "Webhooks"), v.Webhooks))
	top := container.NewVBox(
		container.NewHBox(widget.NewIcon(statusIcon(p.Status)), v.Status), v.Reason, v.integrationPart(l, destination), facts,
		widget.NewLabelWithStyle(tr("log.history", "History"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	v.LinkButton = widget.NewButtonWithIcon(tr("links.open", "Messenger link and QR code"), theme.MailComposeIcon(), links)
	v.content = container.NewBorder(top, container.NewHBox(v.CopyButton, v.LinkButton), nil, nil, v.History)
	return v
}

// historyRow is one event: when, who, what.
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
	r.what.SetText(text(e.Text))
}

func (r *historyRow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil,
		container.NewHBox(fixed(150, r.when), fixed(170, r.who)), nil, r.what))
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
		m.life.Go(func(ctx context.Context) func() {
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			l, err := k.PageLog(ctx, pageID, 500)
			var diag string
			if err == nil {
				diag, err = k.Diagnostics(ctx, pageID)
			}
			return func() {
				if err != nil {
					m.showError(err)
					return
				}
				p := l.Record
				v := newPageLog(l, diag, fyne.CurrentApp().Clipboard(), func() { m.showLinks(p) },
					func() { m.showDestination(p.ID, p.Name, l.Status.Integration.Name) })
				d := dialog.NewCustom(tr("log.title", "{{.Name}} · Page ID {{.ID}}", map[string]any{"Name": p.Name, "ID": p.ID}),
					tr("dialog.close", "Close"), v.content, m.Window)
				d.Resize(fyne.NewSize(900, 600))
				m.present(d, nil)
			}
		})
	})
}

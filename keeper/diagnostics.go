package keeper

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"time"
)

// The lines of the diagnostics, in the person's language; the machine codes
// in them (statuses, reasons, permissions, event kinds) stay as they are,
// so support reads them in any language.
var (
	msgDiagTitle         = msg("diag.title", "Pagekeeper {{.Version}} diagnostics ({{.Platform}}), generated {{.When}}")
	msgDiagPage          = msg("diag.page", "Page: {{.Name}} (ID {{.ID}})")
	msgDiagStatus        = msg("diag.status", "Status: {{.Status}}; reason: {{.Reason}}; since {{.Since}}; last checked {{.Checked}}; last OK {{.OK}}")
	msgDiagPublished     = msg("diag.published", "Published: {{.Published}}; tasks: {{.Tasks}}")
	msgDiagToken         = msg("diag.token", "Token: type {{.Type}}; issued {{.Issued}}; expires {{.Expires}}; data access expires {{.DataAccess}}")
	msgDiagGranted       = msg("diag.granted", "Permissions granted: {{.List}}")
	msgDiagDeclined      = msg("diag.declined", "Permissions declined: {{.List}}")
	msgDiagWebhooks      = msg("diag.webhooks", "Webhooks: preset {{.Preset}}; wanted {{.Wanted}}; seen on Facebook {{.Seen}}")
	msgDiagConnected     = msg("diag.connected", "Connected {{.When}} by {{.Name}} ({{.ID}}) on this computer as {{.OSUser}}")
	msgDiagDisconnect    = msg("diag.disconnected", "Disconnected {{.When}}; Facebook clean-up pending: {{.Pending}}")
	msgDiagHistory       = msg("diag.history", "History (newest first):")
	msgDiagIntegration   = msg("diag.integration", "Integration: {{.Name}}; {{.Status}}; {{.Pending}} events waiting")
	msgDiagNoIntegration = msg("diag.integration.none", "Integration: none")
	msgNever             = msg("time.never", "never")
	msgYes               = msg("word.yes", "yes")
	msgNo                = msg("word.no", "no")
)

// Diagnostics is a plain-text summary of one Page for support, in the
// person's language: its status, permissions, token facts, webhook fields
// and recent history. It holds no token, code or secret (the store never
// hands those out here), and the names of people are kept because support
// needs to know who acted.
func (k *Keeper) Diagnostics(ctx context.Context, pageID string) (string, error) {
	l, err := k.PageLog(ctx, pageID, 50)
	if err != nil {
		return "", err
	}
	lang := k.Lang()
	p, evs := l.Record, l.Events
	var b strings.Builder
	line := func(m message, kv ...any) { b.WriteString(m.with(kv...).In(lang) + "\n") }
	when := func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format(time.RFC3339)
	}
	yesNo := func(v bool) Text {
		if v {
			return msgYes.with()
		}
		return msgNo.with()
	}
	line(msgDiagTitle, "Version", k.opts.Version, "Platform", runtime.GOOS+"/"+runtime.GOARCH, "When", when(k.now()))
	line(msgDiagPage, "Name", p.Name, "ID", p.ID)
	line(msgDiagStatus, "Status", string(p.Status), "Reason", orDash(p.Reason), "Since", when(p.StatusSince), "Checked", when(p.CheckedAt), "OK", when(p.LastOKAt))
	line(msgDiagPublished, "Published", yesNo(p.IsPublished), "Tasks", orDash(strings.Join(p.Tasks, ", ")))
	var expires any = when(p.TokenExpiresAt)
	if p.TokenExpiresAt.IsZero() && p.TokenType != "" {
		expires = msgNever.with()
	}
	line(msgDiagToken, "Type", orDash(p.TokenType), "Issued", when(p.TokenIssuedAt), "Expires", expires, "DataAccess", when(p.DataAccessExpiresAt))
	line(msgDiagGranted, "List", orDash(strings.Join(p.Scopes, ", ")))
	line(msgDiagDeclined, "List", orDash(strings.Join(p.Declined, ", ")))
	line(msgDiagWebhooks, "Preset", orDash(string(p.WebhookPreset)), "Wanted", orDash(strings.Join(p.WebhookFields, ", ")), "Seen", orDash(strings.Join(p.SubscribedFields, ", ")))
	line(msgDiagConnected, "When", when(p.ConnectedAt), "Name", orDash(p.ConnectedByFBName), "ID", orDash(p.ConnectedByFBID), "OSUser", orDash(p.ConnectedByOSUser))
	if in := l.Status.Integration; in.Name != "" {
		line(msgDiagIntegration, "Name", in.Name, "Status", string(in.Status), "Pending", in.Pending)
	} else {
		line(msgDiagNoIntegration)
	}
	if !p.DisconnectedAt.IsZero() {
		line(msgDiagDisconnect, "When", when(p.DisconnectedAt), "Pending", yesNo(p.CleanupPending))
	}
	line(msgDiagHistory)
	for _, e := range evs {
		who := e.ActorFBName
		if who == "" {
			who = e.ActorOSUser
		} else if e.ActorOSUser != "" {
			who += " / " + e.ActorOSUser
		}
		fmt.Fprintf(&b, "  %s  %-22s %-20s %s\n", when(e.At), e.Kind, orDash(who), e.Text.In(lang))
	}
	return b.String(), nil
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

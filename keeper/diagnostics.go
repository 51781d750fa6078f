package keeper

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"time"
)

// Diagnostics is a plain-text summary of one Page for support: its status,
// permissions, token facts, webhook fields and recent history. It holds no
// token, code or secret (the store never hands those out here), and the
// names of people are kept because support needs to know who acted.
func (k *Keeper) Diagnostics(ctx context.Context, pageID string) (string, error) {
	l, err := k.PageLog(ctx, pageID, 50)
	if err != nil {
		return "", err
	}
	p, evs := l.Record, l.Events
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	when := func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format(time.RFC3339)
	}
	line("Pagekeeper %s diagnostics (%s/%s), generated %s", k.opts.Version, runtime.GOOS, runtime.GOARCH, when(k.now()))
	line("Page: %s (ID %s)", p.Name, p.ID)
	line("Status: %s; reason: %s; since %s; last checked %s; last OK %s", p.Status, orDash(p.Reason), when(p.StatusSince), when(p.CheckedAt), when(p.LastOKAt))
	line("Published: %v; tasks: %s", p.IsPublished, orDash(strings.Join(p.Tasks, ", ")))
	expires := when(p.TokenExpiresAt)
	if p.TokenExpiresAt.IsZero() && p.TokenType != "" {
		expires = "never"
	}
	line("Token: type %s; issued %s; expires %s; data access expires %s", orDash(p.TokenType), when(p.TokenIssuedAt), expires, when(p.DataAccessExpiresAt))
	line("Permissions granted: %s", orDash(strings.Join(p.Scopes, ", ")))
	line("Permissions declined: %s", orDash(strings.Join(p.Declined, ", ")))
	line("Webhooks: preset %s; wanted %s; seen on Facebook %s", orDash(string(p.WebhookPreset)), orDash(strings.Join(p.WebhookFields, ", ")), orDash(strings.Join(p.SubscribedFields, ", ")))
	line("Connected %s by %s (%s) on this computer as %s", when(p.ConnectedAt), orDash(p.ConnectedByFBName), orDash(p.ConnectedByFBID), orDash(p.ConnectedByOSUser))
	if in := l.Status.Integration; in.Name != "" {
		line("Integration: %s; %s; %d events waiting", in.Name, in.Status, in.Pending)
	} else {
		line("Integration: none")
	}
	if !p.DisconnectedAt.IsZero() {
		line("Disconnected %s; Facebook clean-up pending: %v", when(p.DisconnectedAt), p.CleanupPending)
	}
	line("History (newest first):")
	for _, e := range evs {
		who := e.ActorFBName
		if who == "" {
			who = e.ActorOSUser
		} else if e.ActorOSUser != "" {
			who += " / " + e.ActorOSUser
		}
		line("  %s  %-22s %-20s %s", when(e.At), e.Kind, orDash(who), e.Detail)
	}
	return b.String(), nil
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

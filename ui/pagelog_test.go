package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"github.com/pagekeeper/pagekeeper/keeper"
	"github.com/pagekeeper/pagekeeper/store"
)

// openLog opens a Page's log as the Log button does and returns it.
func openLog(t *testing.T, m *MainWindow, id string) *PageLog {
	t.Helper()
	onMain(func() { m.pageLog = nil; m.showLog(id) })
	eventually(t, "the Page log", func() bool { return m.pageLog != nil })
	return get(func() *PageLog { return m.pageLog })
}

// The log states facts: the permission that was removed is named and not
// listed as granted; an expired token is not "never" expiring; a
// disconnected Page has no token and no webhooks any more.
func TestThePageLogStatesTrueFacts(t *testing.T) {
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	granted := []string{"pages_show_list", "pages_manage_metadata", "pages_messaging"}
	m := seeded(t,
		store.Page{ID: "110000000000001", Name: "Sunrise Café", Status: store.StatusInvalid, Reason: "permission_removed",
			Scopes: granted, Declined: []string{"pages_messaging"}, TokenType: "PAGE"},
		store.Page{ID: "110000000000002", Name: "Harbor Books", Status: store.StatusInvalid, Reason: "token_expired", TokenType: "PAGE"},
		store.Page{ID: "110000000000003", Name: "Blue Door Studio", Status: store.StatusDisconnected, DisconnectedAt: at, TokenType: "PAGE",
			Scopes: granted, WebhookFields: []string{"messages"}})

	v := openLog(t, m, "110000000000001")
	reason, perms := get(func() string { return v.Reason.Text }), get(func() string { return v.Permissions.Text })
	if !strings.Contains(reason, "(pages_messaging)") || strings.Contains(reason, "()") {
		t.Errorf("the reason must name the permission: %q", reason)
	}
	if granted := strings.SplitN(perms, "\n", 2)[0]; strings.Contains(granted, "pages_messaging") || !strings.Contains(perms, "Declined: pages_messaging") {
		t.Errorf("a removed permission is not granted: %q", perms)
	}
	onMain(m.escape)

	v = openLog(t, m, "110000000000002")
	if tok := get(func() string { return v.Token.Text }); strings.Contains(tok, "never") || !strings.Contains(tok, "Expires: expired") {
		t.Errorf("an expired token: %q", tok)
	}
	onMain(m.escape)

	v = openLog(t, m, "110000000000003")
	tok, hooks := get(func() string { return v.Token.Text }), get(func() string { return v.Webhooks.Text })
	if !strings.Contains(tok, "None: deleted") || strings.Contains(tok, "Type") || !strings.Contains(hooks, "None") || strings.Contains(hooks, "messages") {
		t.Errorf("a disconnected Page still shows a token or webhooks: %q / %q", tok, hooks)
	}
}

// The log tells each outage — when, why, how long, what fixed it — and a
// history line opens in full.
func TestThePageLogToldAsATimelineAndLinesOpenInFull(t *testing.T) {
	o := demoFolder(t, "en")
	m := openWindow(t, Config{NoSchedule: true, Keeper: o, Now: o.Now})
	v := openLog(t, m, "110000000000001")
	outages := get(func() string { return v.Outages.Text })
	for _, want := range []string{"Invalid: password changed", "for 3 h 0 min", "fixed by Ana Rivera"} {
		if !strings.Contains(outages, want) {
			t.Errorf("the timeline lacks %q: %q", want, outages)
		}
	}
	onMain(func() { v.Tabs.SelectIndex(2); v.History.Select(1) }) // newest first: the renewal is the second line
	waitDialogs(t, m, 2)
	if full := dialogText(m.Window); !strings.Contains(full, "Permissions granted: pages_show_list, pages_manage_metadata, pages_messaging; declined: none.") {
		t.Fatalf("the line in full: %q", full)
	}
}

// Copy buttons say that they copied.
func TestCopySaysCopied(t *testing.T) {
	m := seeded(t, store.Page{ID: "110000000000001", Name: "Sunrise Café", Status: store.StatusValid})
	v := openLog(t, m, "110000000000001")
	tap(v.CopyButton)
	if got := get(func() string { return v.CopyButton.Text }); got != "Copied" {
		t.Fatalf("after copying the button says %q", got)
	}
	if clip := get(func() string { return fyne.CurrentApp().Clipboard().Content() }); !strings.Contains(clip, "110000000000001") {
		t.Fatalf("the clipboard holds %q", clip)
	}
	eventually(t, "the button to say Copy again", func() bool { return v.CopyButton.Text == "Copy diagnostics" })
}

// A Page kept Invalid through a check that could not reach a verdict says
// so beside its status: two words under the status in its row, the whole
// note (why, and when it was last confirmed) under the status in its log,
// in the window's language.
func TestANotReconfirmedStatusSaysSoInTheRowAndTheLog(t *testing.T) {
	t.Cleanup(func() { SetLanguage("en") })
	confirmed := time.Date(2026, 11, 20, 9, 30, 0, 0, time.Local)
	m := seeded(t,
		store.Page{ID: "110000000000001", Name: "Sunrise Café", Status: store.StatusInvalid, Reason: string(keeper.ReasonRoleLost),
			NotReconfirmed: string(keeper.ReasonThrottled), ConfirmedAt: confirmed, CheckedAt: confirmed.Add(time.Hour)},
		store.Page{ID: "110000000000002", Name: "Harbor Books", Status: store.StatusInvalid, Reason: string(keeper.ReasonRoleLost)})
	rows := get(func() []PageRow { return m.Dashboard.Rows() })
	notes := map[string]string{}
	for _, r := range rows {
		notes[r.Name] = r.Note
	}
	if notes["Sunrise Café"] != "not re-confirmed" || notes["Harbor Books"] != "" {
		t.Fatalf("row notes: %q", notes)
	}
	v := get(func() *pageRowView {
		v := newPageRowView(m.Dashboard)
		for _, r := range m.Dashboard.Rows() {
			if r.Name == "Sunrise Café" {
				v.set(r, time.Now())
			}
		}
		return v
	})
	if !get(v.note.Visible) || get(func() string { return v.note.Text }) != "not re-confirmed" {
		t.Fatal("the row does not show its note")
	}

	l := openLog(t, m, "110000000000001")
	if got := get(func() string { return l.Note.Text }); !get(l.Note.Visible) ||
		!strings.Contains(got, "Not re-confirmed") || !strings.Contains(got, "Facebook asked to slow down") || !strings.Contains(got, "20 November 2026") {
		t.Fatalf("the log's note: %q", got)
	}
	if l := openLog(t, m, "110000000000002"); get(l.Note.Visible) {
		t.Fatal("a confirmed status has no note")
	}

	onMain(func() { SetLanguage("es"); m.reload() })
	l = openLog(t, m, "110000000000001")
	if got := get(func() string { return l.Note.Text }); !strings.Contains(got, "Sin volver a confirmar") || !strings.Contains(got, "noviembre") {
		t.Fatalf("the log's note in Spanish: %q", got)
	}
}

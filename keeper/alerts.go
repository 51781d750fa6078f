package keeper

import (
	"context"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/store"
)

// AlertKind says which message of an incident an alert is.
type AlertKind string

const (
	AlertOpened   AlertKind = "opened"   // the first alert of an incident
	AlertReminder AlertKind = "reminder" // the incident is still open after ReminderInterval
	AlertRestored AlertKind = "restored" // the Page works again; the incident is closed
)

// Alert is one message to the owners about one Page's incident. The
// desktop notification and tray (ui) and the email (mail.go) render it.
type Alert struct {
	Kind       AlertKind
	IncidentID int64
	PageID     string
	PageName   string
	Status     Status
	Reason     Reason
	// Title is one line ("Sunrise Café: Invalid — password changed").
	Title       Text
	Explanation Text
	Action      Text
	Repair      Repair
	At          time.Time
}

// Notifier shows alerts on this computer (desktop notification, tray). It
// must not block for long; errors are recorded as events.
type Notifier interface {
	Notify(ctx context.Context, a Alert) error
}

// NotifierFunc adapts a function to Notifier.
type NotifierFunc func(ctx context.Context, a Alert) error

// Notify calls f.
func (f NotifierFunc) Notify(ctx context.Context, a Alert) error { return f(ctx, a) }

// healthState is a Keeper's health machinery; its zero value is ready.
type healthState struct {
	roundMu sync.Mutex // one round at a time

	mu   sync.Mutex
	subs map[int]func(Round)
	next int

	// scheduler (scheduler.go)
	wake       chan struct{} // RequestCheck
	changed    chan struct{} // settingsChanged
	pendingAll bool
	pendingIDs map[string]bool
	throttledN int // consecutive throttled rounds
	regain     time.Duration
}

func (k *Keeper) health() *healthState { return &k.hstate }

// OnRound subscribes fn to finished rounds, and to the scheduler's failed
// ones (Round.Err); the returned func unsubscribes. fn runs on the round's
// goroutine: keep it short, hand over to the UI thread there.
func (k *Keeper) OnRound(fn func(Round)) (cancel func()) {
	h := k.health()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs == nil {
		h.subs = map[int]func(Round){}
	}
	id := h.next
	h.next++
	h.subs[id] = fn
	return func() {
		h.mu.Lock()
		delete(h.subs, id)
		h.mu.Unlock()
	}
}

func (h *healthState) publish(r Round) {
	h.mu.Lock()
	fns := make([]func(Round), 0, len(h.subs))
	for _, f := range h.subs {
		fns = append(fns, f)
	}
	h.mu.Unlock()
	for _, f := range fns {
		f(r)
	}
}

// alertPlan is what a round needs to alert: the channels and the timings.
type alertPlan struct {
	desktop  bool
	owners   []Owner
	email    bool
	reminder time.Duration
	cncAfter time.Duration
	host     string
	// lang is the language emails are written in (the settings').
	lang Lang
}

func (k *Keeper) alertPlan(set Settings) alertPlan {
	al := alertPlan{desktop: k.opts.Notifier != nil, owners: set.Owners, reminder: time.Duration(set.ReminderInterval),
		cncAfter: time.Duration(set.CouldNotCheckAlertAfter), host: k.opts.Host, lang: LangOf(set.Language)}
	al.email = emailChannel(set).SetUp
	if al.host == "" {
		al.host, _ = os.Hostname()
	}
	if al.reminder <= 0 {
		al.reminder = time.Duration(DefaultSettings().ReminderInterval)
	}
	if al.cncAfter <= 0 {
		al.cncAfter = time.Duration(DefaultSettings().CouldNotCheckAlertAfter)
	}
	return al
}

var (
	msgTitleOpened   = msg("alert.title.opened", "{{.Name}}: {{.Status}} — {{.Reason}}")
	msgTitleReminder = msg("alert.title.reminder", "Reminder: {{.Name}} is still {{.Status}} — {{.Reason}}")
	msgTitleRestored = msg("alert.title.restored", "{{.Name}} works again")
	msgTitleCNC      = msg("alert.title.could_not_check", "Pagekeeper could not check {{.Name}} for {{.Duration}}: {{.Reason}}")
	msgRestoredText  = msg("alert.restored.explanation", "{{.Name}} has passed its checks again: its connection to Facebook works and it receives messages.")
	msgChannels      = msg("alert.channels", "{{.Channels}}: {{.Title}}")
	msgNoChannel     = msg("alert.no_channel", "No alert channel is set up (add owners and an email server in Settings): {{.Title}}")
	msgDesktop       = msg("alert.channel.desktop", "Desktop notification")
	msgEmailTo       = msg("alert.channel.email", "email to {{.To}}")
	msgNotifyFailed  = msg("event.notify_failed", "The desktop notification could not be shown: {{.Why}}")
)

// incidentStep opens, continues, reminds or closes the Page's incident
// after its status was recorded in tx.
//
// An incident opens when a Page becomes Invalid or Needs attention (one
// alert). The same reason continuing is the same incident: a reminder goes
// out every ReminderInterval while it is open. A different reason closes
// it and opens a new one (a new problem is news). "Could not check" alerts
// only once it has lasted CouldNotCheckAlertAfter, and never opens a second
// incident while one is open. Debounce: an incident closes — one
// "restored" — only after the Page was Valid in two consecutive rounds, so a
// Page flapping Valid/Invalid keeps its one incident and alerts once.
func (k *Keeper) incidentStep(tx *store.Tx, p store.Page, ps PageStatus, prev Status, prevSince time.Time, now time.Time,
	openBy map[string]store.Incident, al alertPlan) ([]Alert, error) {
	inc, hasOpen := openBy[p.ID]
	remind := func() ([]Alert, error) {
		if inc.LastAlertAt.IsZero() || now.Sub(inc.LastAlertAt) < al.reminder {
			return nil, nil
		}
		a := k.alertFor(AlertReminder, inc.ID, p, ps, now, al)
		if err := tx.MarkAlerted(inc.ID, now, true); err != nil {
			return nil, err
		}
		inc.LastAlertAt = now
		inc.RemindersSent++
		openBy[p.ID] = inc
		return []Alert{a}, k.queueAlert(tx, a, al)
	}
	open := func(kind AlertKind) ([]Alert, error) {
		if hasOpen {
			if _, _, err := tx.CloseIncident(p.ID, now); err != nil {
				return nil, err
			}
		}
		n, _, err := tx.OpenIncident(p.ID, string(ps.Reason), now)
		if err != nil {
			return nil, err
		}
		a := k.alertFor(kind, n.ID, p, ps, now, al)
		if err := tx.MarkAlerted(n.ID, now, false); err != nil {
			return nil, err
		}
		n.LastAlertAt = now
		openBy[p.ID] = n
		return []Alert{a}, k.queueAlert(tx, a, al)
	}
	switch ps.Status {
	case StatusInvalid, StatusNeedsAttention:
		if hasOpen && inc.Reason == string(ps.Reason) {
			return remind()
		}
		return open(AlertOpened)
	case StatusCouldNotCheck:
		if hasOpen {
			return remind()
		}
		since := now
		if prev == StatusCouldNotCheck && !prevSince.IsZero() {
			since = prevSince
		}
		if now.Sub(since) >= al.cncAfter {
			return open(AlertOpened)
		}
	case StatusValid:
		if hasOpen && prev == StatusValid {
			if _, _, err := tx.CloseIncident(p.ID, now); err != nil {
				return nil, err
			}
			delete(openBy, p.ID)
			a := k.alertFor(AlertRestored, inc.ID, p, ps, now, al)
			return []Alert{a}, k.queueAlert(tx, a, al)
		}
	}
	return nil, nil
}

func (k *Keeper) alertFor(kind AlertKind, incID int64, p store.Page, ps PageStatus, now time.Time, al alertPlan) Alert {
	a := Alert{Kind: kind, IncidentID: incID, PageID: p.ID, PageName: p.Name, Status: ps.Status, Reason: ps.Reason,
		Explanation: ps.Explanation, Action: ps.Action, Repair: ps.Repair, At: now}
	args := []any{"Name", p.Name, "Status", ps.Status.Words(), "Reason", ps.ReasonText}
	switch {
	case kind == AlertRestored:
		a.Title = msgTitleRestored.with(args...)
		a.Explanation, a.Action, a.Repair, a.Reason = msgRestoredText.with("Name", p.Name), Text{}, RepairNone, ReasonNone
	case ps.Status == StatusCouldNotCheck && kind == AlertOpened:
		a.Title = msgTitleCNC.with(append(args, "Duration", al.cncAfter)...)
	case kind == AlertReminder:
		a.Title = msgTitleReminder.with(args...)
	default:
		a.Title = msgTitleOpened.with(args...)
	}
	return a
}

// queueAlert records the alert as an event naming its channels and
// recipients, and queues one email per owner in the outbox (delivered with
// retries by DrainMail), in the round's transaction: an alert is recorded
// exactly when its incident is.
func (k *Keeper) queueAlert(tx *store.Tx, a Alert, al alertPlan) error {
	var channels []Text
	if al.desktop {
		channels = append(channels, msgDesktop.with())
	}
	if al.email {
		var to []string
		for _, o := range al.owners {
			to = append(to, o.String())
			subject, text, html := composeEmail(a, al.host, al.lang)
			if _, err := tx.Enqueue(outboxEmail, a.PageID, emailJob{To: o.Email, ToName: o.Name, Subject: subject, Text: text,
				HTML: html, Alert: string(a.Kind), IncidentID: a.IncidentID}, token.Token{}); err != nil {
				return err
			}
		}
		channels = append(channels, msgEmailTo.with("To", strings.Join(to, ", ")))
	}
	kind := map[AlertKind]string{AlertOpened: "alert_sent", AlertReminder: "reminder_sent", AlertRestored: "restored_sent"}[a.Kind]
	detail := msgChannels.with("Channels", listAnd(channels...), "Title", a.Title)
	if len(channels) == 0 {
		// Nothing went out: the history must not say it was sent.
		kind, detail = "alert_not_sent", msgNoChannel.with("Title", a.Title)
	}
	_, err := tx.AppendEvent(newEvent(a.At, a.PageID, kind, detail))
	return err
}

// notifyDesktop shows the round's alerts on this computer (after they were
// recorded; email goes out through the outbox, mail.go). A failing
// notifier is recorded as an event, never fatal.
func (k *Keeper) notifyDesktop(ctx context.Context, alerts []Alert) {
	n := k.opts.Notifier
	if n == nil {
		return
	}
	for _, a := range alerts {
		err := n.Notify(ctx, a)
		if err == nil {
			continue
		}
		if _, rerr := k.store.AppendEvent(ctx, newEvent(k.now(), a.PageID, "notify_failed",
			msgNotifyFailed.with("Why", Describe(err)))); rerr != nil {
			k.logf("a desktop notification failed (%v) and could not be recorded: %v", err, rerr)
		}
	}
}

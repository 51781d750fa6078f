package keeper

import (
	"context"
	"slices"
	"time"

	"github.com/pagekeeper/pagekeeper/store"
)

// Outage is one stretch of a Page not working as it should: when it broke,
// why, for how long, and what fixed it. It is an incident (alerts.go) seen
// from the owner's side.
type Outage struct {
	Status     Status
	Reason     Reason
	ReasonText Text
	Start      time.Time
	// End is when the Page worked again (zero: not yet).
	End time.Time
	// Fix is what repaired it (zero Kind: it recovered by itself, or it is
	// not repaired yet).
	Fix Fix
}

// Fix is an owner's repair: a renewal, a resubscription, a new connection.
type Fix struct {
	Kind string // "token_renewed", "webhook_resubscribed" or "page_connected"
	By   string // the Facebook account and/or the person at the computer
	At   time.Time
}

// fixKinds are the events that repair a Page.
var fixKinds = []string{"token_renewed", "webhook_resubscribed", "page_connected"}

// Timeline lists the Page's outages that overlap [since, now], oldest first.
func (k *Keeper) Timeline(ctx context.Context, pageID string, since time.Time) ([]Outage, error) {
	incs, err := k.store.Incidents(ctx, pageID, false)
	if err != nil {
		return nil, err
	}
	evs, err := k.store.Events(ctx, pageID, 2000)
	if err != nil {
		return nil, err
	}
	slices.Reverse(evs) // oldest first
	var out []Outage
	for _, inc := range incs {
		if inc.PageID != pageID || (!inc.Open && inc.ClosedAt.Before(since)) {
			continue
		}
		r := Reason(inc.Reason)
		o := Outage{Status: r.Status(), Reason: r, ReasonText: r.Words(), Start: inc.OpenedAt}
		if !inc.Open {
			// The incident closes one healthy round after the Page
			// recovered: the recovery is the last status change before.
			o.End = inc.ClosedAt
			for _, e := range evs {
				if e.Kind == eventStatusChanged && e.At.After(inc.OpenedAt) && !e.At.After(inc.ClosedAt) {
					o.End = e.At
				}
			}
		}
		end := o.End
		if end.IsZero() {
			end = k.now()
		}
		for _, e := range evs {
			if slices.Contains(fixKinds, e.Kind) && !e.At.Before(inc.OpenedAt) && !e.At.After(end) {
				o.Fix = Fix{Kind: e.Kind, By: actorOf(e), At: e.At}
			}
		}
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b Outage) int { return a.Start.Compare(b.Start) })
	return out, nil
}

func actorOf(e store.Event) string {
	switch {
	case e.ActorFBName != "" && e.ActorOSUser != "":
		return e.ActorFBName + " (" + e.ActorOSUser + ")"
	case e.ActorFBName != "":
		return e.ActorFBName
	}
	return e.ActorOSUser
}

// Availability is how much of the time the Pages received their messages,
// day by day (oldest first, today last), and over all those days.
type Availability struct {
	Days []DayAvailability
	// Overall is the share of Page time that worked, 0–1; negative when no
	// Page was connected in those days.
	Overall float64
}

// DayAvailability is one day of the strip.
type DayAvailability struct {
	Day time.Time // local midnight
	// Share is the part of the day's Page time that worked, 0–1; negative
	// when no Page was connected that day.
	Share float64
}

// downReasons are the incidents during which messages do not reach the
// integration: the Invalid ones and a dropped webhook subscription.
// Something that will break (an expiry ahead) or could not be checked is
// not counted as down.
func downReasons() []string {
	var out []string
	for r, i := range reasonInfos {
		if i.status == StatusInvalid || r == ReasonWebhookMissing {
			out = append(out, string(r))
		}
	}
	slices.Sort(out)
	return out
}

// Availability works out the last days' availability of all Pages (days
// ending today, in local time) with one query, however many Pages there
// are; call it off the UI goroutine.
func (k *Keeper) Availability(ctx context.Context, days int) (Availability, error) {
	now := k.now()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	spans := make([]store.Span, days)
	for i := range spans {
		from := today.AddDate(0, 0, i-days+1)
		to := from.AddDate(0, 0, 1)
		if to.After(now) {
			to = now
		}
		spans[i] = store.Span{From: from, To: to}
	}
	uds, err := k.store.UpAndDown(ctx, spans, now, downReasons())
	if err != nil {
		return Availability{}, err
	}
	a := Availability{Days: make([]DayAvailability, days), Overall: -1}
	var up, down time.Duration
	for i, ud := range uds {
		a.Days[i] = DayAvailability{Day: spans[i].From, Share: share(ud.Up, ud.Down)}
		up, down = up+ud.Up, down+min(ud.Down, ud.Up)
	}
	a.Overall = share(up, down)
	return a, nil
}

func share(up, down time.Duration) float64 {
	if up <= 0 {
		return -1
	}
	return 1 - float64(min(down, up))/float64(up)
}

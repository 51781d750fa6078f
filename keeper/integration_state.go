package keeper

import (
	"context"
	"time"

	"github.com/pagekeeper/pagekeeper/store"
)

// IntegrationStatus says where a Page stands with its integration.
type IntegrationStatus string

const (
	// IntegrationNone: no integration receives the Page's messages.
	IntegrationNone IntegrationStatus = "none"
	// IntegrationCurrent: the integration acknowledged the Page's current token.
	IntegrationCurrent IntegrationStatus = "current"
	// IntegrationDelivering: events are on their way (not failed yet).
	IntegrationDelivering IntegrationStatus = "delivering"
	// IntegrationFailing: deliveries fail; Pagekeeper keeps trying.
	IntegrationFailing IntegrationStatus = "failing"
	// IntegrationNeedsSecret: nothing goes out until its signing secret is entered.
	IntegrationNeedsSecret IntegrationStatus = "needs_secret"
	// IntegrationOtherToken: it said it holds another token than the current one.
	IntegrationOtherToken IntegrationStatus = "other_token"
	// IntegrationNotHandedOver: it has no token of the Page (none could be read to hand over).
	IntegrationNotHandedOver IntegrationStatus = "not_handed_over"
)

// IntegrationState is a Page's integration and what it has of the Page, as
// the dashboard row, the Page log, `status --json` and the export show it.
type IntegrationState struct {
	// Name is the integration the Page's messages go to ("" = none).
	Name   string
	Status IntegrationStatus
	// Since: when it acknowledged the current token (IntegrationCurrent).
	Since time.Time
	// FailingSince, Problem and RetryAt: since when deliveries fail, how
	// the last attempt failed and when the next one is (IntegrationFailing).
	FailingSince time.Time
	Problem      Text
	RetryAt      time.Time
	// Pending counts the events not delivered yet.
	Pending int

	// forgetting: the Page was disconnected, so what is on its way tells
	// the integration to forget it. day is the day the state was read:
	// times of that day are said as a time alone.
	forgetting bool
	day        time.Time
}

// Text is all of it in one sentence: "Support Bot has the current token
// (since 12:03)". It is made when asked (the window asks only for the rows
// on screen), not for each of 10,000 Pages as they are read.
func (s IntegrationState) Text() Text {
	switch s.Status {
	case IntegrationNone:
		if s.forgetting {
			return Text{}
		}
		return msgStateNone.with()
	case IntegrationNeedsSecret:
		return msgStateSecret.with("Name", s.Name)
	case IntegrationFailing:
		m := msgStateFailing
		if s.forgetting {
			m = msgStateForgetFail
		}
		return m.with("Name", s.Name, "Since", clock(s.FailingSince, s.day), "Why", s.Problem, "Retry", clock(s.RetryAt, s.day))
	case IntegrationDelivering:
		if s.forgetting {
			return msgStateForgetting.with("Name", s.Name)
		}
		return msgStateDelivering.with("Name", s.Name)
	case IntegrationNotHandedOver:
		return msgStateNotHanded.with("Name", s.Name)
	case IntegrationOtherToken:
		return msgStateOther.with("Name", s.Name)
	case IntegrationCurrent:
		return msgStateCurrent.with("Name", s.Name, "Since", clock(s.Since, s.day))
	}
	return Text{}
}

// NeedsOwner reports whether the state asks something of a person.
func (s IntegrationState) NeedsOwner() bool {
	switch s.Status {
	case IntegrationFailing, IntegrationNeedsSecret, IntegrationOtherToken, IntegrationNotHandedOver:
		return true
	}
	return false
}

var (
	msgStateNone       = msg("integration.state.none", "No integration receives this Page's messages.")
	msgStateCurrent    = msg("integration.state.current", "{{.Name}} has the current token (since {{.Since}}).")
	msgStateDelivering = msg("integration.state.delivering", "Handing the Page to {{.Name}}…")
	msgStateFailing    = msg("integration.state.failing", "Delivery to {{.Name}} failing since {{.Since}}: {{.Why}}; retrying at {{.Retry}}.")
	msgStateSecret     = msg("integration.state.needs_secret", "{{.Name}} needs its signing secret: nothing is delivered to it until it is entered in Settings > Integrations.")
	msgStateOther      = msg("integration.state.other_token", "{{.Name}} says it holds another token than this Page's current one.")
	msgStateNotHanded  = msg("integration.state.not_handed_over", "{{.Name}} has no token of this Page: press Renew to hand it one.")
	msgStateForgetting = msg("integration.state.forgetting", "Telling {{.Name}} to forget this Page…")
	msgStateForgetFail = msg("integration.state.forgetting_failing", "Telling {{.Name}} to forget this Page fails since {{.Since}}: {{.Why}}; retrying at {{.Retry}}.")
)

// integrationStateOf says what the Page's integration has of it.
func (k *Keeper) integrationStateOf(p store.Page, pd store.PageDelivery, now time.Time) IntegrationState {
	set := k.integrations()
	t, known := set.targets[p.Integration]
	disconnected := p.Status == store.StatusDisconnected
	y, m, d := now.Local().Date()
	s := IntegrationState{Status: IntegrationNone, forgetting: disconnected, day: time.Date(y, m, d, 0, 0, 0, 0, time.Local)}
	if p.Integration == "" || !known || (disconnected && pd.Pending == 0) {
		return s
	}
	s.Name, s.Pending = t.Name, pd.Pending
	switch {
	case pd.Pending > 0 && t.secret.IsZero():
		s.Status = IntegrationNeedsSecret
	case pd.Pending > 0 && !pd.FailingSince.IsZero():
		s.Status, s.FailingSince, s.RetryAt = IntegrationFailing, pd.FailingSince, pd.Next.NextAttemptAt
		s.Problem = deliveryProblem(pd.IntegrationPage.LastError)
	case pd.Pending > 0:
		s.Status = IntegrationDelivering
	case pd.TokenFingerprint == "":
		s.Status = IntegrationNotHandedOver
	case pd.HeldFingerprint != "" && pd.HeldFingerprint != pd.TokenFingerprint:
		s.Status = IntegrationOtherToken
	default:
		s.Status, s.Since = IntegrationCurrent, pd.TokenAt
	}
	return s
}

// integrationStates words every Page's integration state.
func (k *Keeper) integrationStates(ctx context.Context, pages []store.Page) (map[string]IntegrationState, error) {
	pds, err := k.store.PageDeliveries(ctx)
	if err != nil {
		return nil, err
	}
	now := k.now()
	out := make(map[string]IntegrationState, len(pages))
	for _, p := range pages {
		out[p.ID] = k.integrationStateOf(p, pds[p.ID], now)
	}
	return out, nil
}

// fillIntegrationStates adds each Page's integration state to a round's
// statuses (best effort: a round is not failed for its words).
func (k *Keeper) fillIntegrationStates(ctx context.Context, pages []PageStatus) {
	if len(pages) == 0 {
		return
	}
	all, err := k.store.Pages(ctx)
	if err != nil {
		return
	}
	states, err := k.integrationStates(ctx, all)
	if err != nil {
		return
	}
	for i := range pages {
		pages[i].Integration = states[pages[i].ID]
	}
}

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
	// Text is all of it in one sentence: "Support Bot has the current
	// token (since 12:03)".
	Text Text
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

// integrationStateOf words what the Page's integration has of it.
func (k *Keeper) integrationStateOf(p store.Page, pd store.PageDelivery, now time.Time) IntegrationState {
	set := k.integrations()
	t, known := set.targets[p.Integration]
	disconnected := p.Status == store.StatusDisconnected
	if p.Integration == "" || !known || (disconnected && pd.Pending == 0) {
		if disconnected {
			return IntegrationState{Status: IntegrationNone}
		}
		return IntegrationState{Status: IntegrationNone, Text: msgStateNone.with()}
	}
	s := IntegrationState{Name: t.Name, Pending: pd.Pending}
	failing := pd.Pending > 0 && !pd.FailingSince.IsZero()
	switch {
	case pd.Pending > 0 && t.secret.IsZero():
		s.Status, s.Text = IntegrationNeedsSecret, msgStateSecret.with("Name", t.Name)
	case failing:
		s.Status, s.FailingSince, s.RetryAt = IntegrationFailing, pd.FailingSince, pd.Next.NextAttemptAt
		s.Problem = deliveryProblem(pd.IntegrationPage.LastError)
		m := msgStateFailing
		if disconnected {
			m = msgStateForgetFail
		}
		s.Text = m.with("Name", t.Name, "Since", clock(pd.FailingSince, now), "Why", s.Problem, "Retry", clock(s.RetryAt, now))
	case pd.Pending > 0:
		s.Status, s.Text = IntegrationDelivering, msgStateDelivering.with("Name", t.Name)
		if disconnected {
			s.Text = msgStateForgetting.with("Name", t.Name)
		}
	case pd.TokenFingerprint == "":
		s.Status, s.Text = IntegrationNotHandedOver, msgStateNotHanded.with("Name", t.Name)
	case pd.HeldFingerprint != "" && pd.HeldFingerprint != pd.TokenFingerprint:
		s.Status, s.Text = IntegrationOtherToken, msgStateOther.with("Name", t.Name)
	default:
		s.Status, s.Since = IntegrationCurrent, pd.TokenAt
		s.Text = msgStateCurrent.with("Name", t.Name, "Since", clock(pd.TokenAt, now))
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

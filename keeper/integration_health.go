package keeper

import (
	"context"
	"errors"
	"maps"
	"sync"
	"time"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/integration"
	"github.com/pagekeeper/pagekeeper/store"
)

// A Page is connected only when its integration holds a working token and
// Facebook sends it the Page's messages. The health round therefore also
// judges each Page by its integration: deliveries failing for longer than
// Settings.IntegrationAlertAfter, and — when the integration publishes its
// status endpoint — an integration holding another token than the Page's
// current one, or one that has heard nothing from Facebook for hours while
// Facebook shows newer conversations. Each is "Needs attention" with the
// reason in words, an incident like any other.

// The integration's reasons (Needs attention). Their detail is the
// integration's name.
const (
	ReasonIntegrationFailing Reason = "integration_delivery_failing"
	ReasonIntegrationStale   Reason = "integration_token_stale"
	ReasonIntegrationSilent  Reason = "integration_silent"
)

func init() { maps.Copy(reasonInfos, integrationReasonInfos) }

var integrationReasonInfos = map[Reason]reasonInfo{
	ReasonIntegrationFailing: {StatusNeedsAttention, msg("reason.integration_delivery_failing.words", "integration not receiving"),
		msg("reason.integration_delivery_failing.explanation", "Pagekeeper has not been able to hand this Page's latest change to {{.Detail}} for too long, so it may not hold a working token."),
		msg("reason.integration_delivery_failing.action", "Check that the integration is running and reachable (Settings > Integrations > Test says what it answers); Pagekeeper keeps trying."), RepairNone},
	ReasonIntegrationStale: {StatusNeedsAttention, msg("reason.integration_token_stale.words", "integration has an old token"),
		msg("reason.integration_token_stale.explanation", "{{.Detail}} says it does not hold this Page's current token, so its replies may fail."),
		msg("reason.integration_token_stale.action", "Nothing to do yet: Pagekeeper hands it the current token again. If this lasts, check the integration's log."), RepairNone},
	ReasonIntegrationSilent: {StatusNeedsAttention, msg("reason.integration_silent.words", "integration hears nothing"),
		msg("reason.integration_silent.explanation", "{{.Detail}} has received no message for this Page for hours, while Facebook shows newer conversations: Facebook's webhooks may not reach it."),
		msg("reason.integration_silent.action", "Check the webhook callback URL in Meta's App Dashboard and that the integration is reachable from the internet, then press Check now."), RepairNone},
}

// silentAfter is how long an integration may hear nothing from Facebook
// about a Page with newer conversations before the Page needs attention;
// deliverySlack is how long Facebook may take to deliver a message.
const (
	silentAfter   = 2 * time.Hour
	deliverySlack = 10 * time.Minute
)

// finding is one integration problem of a Page found by a round.
type finding struct {
	reason Reason
	// restore: the integration must be handed the current token again.
	restore bool
	// held is the fingerprint its status says it holds (reported: it said).
	held     string
	reported bool
}

// integrationFindings judges the Pages in conn by their integrations. It
// reads each integration's status endpoint once, and a Page's newest
// conversation only when its integration has heard nothing for hours.
func (k *Keeper) integrationFindings(ctx context.Context, conn []store.Connected, graph *fb.Client, now time.Time) map[string][]finding {
	set := k.integrations()
	if len(set.list) == 0 {
		return nil
	}
	pds, err := k.store.PageDeliveries(ctx)
	if err != nil {
		k.logf("the deliveries to the integrations could not be read for the check: %v", err)
		return nil
	}
	after := time.Duration(k.config().settings.IntegrationAlertAfter)
	if after <= 0 {
		after = time.Duration(DefaultSettings().IntegrationAlertAfter)
	}
	out := map[string][]finding{}
	wanted := map[string]bool{}
	for _, c := range conn {
		pd, ok := pds[c.ID]
		if !ok {
			continue
		}
		if t, ok := set.targets[pd.Integration]; ok && !t.Removing && !t.secret.IsZero() {
			wanted[pd.Integration] = true
		}
		if !pd.FailingSince.IsZero() && pd.Pending > 0 && now.Sub(pd.FailingSince) >= after {
			out[c.ID] = append(out[c.ID], finding{reason: ReasonIntegrationFailing})
		}
	}
	reports := k.readStatuses(ctx, set, wanted)
	for _, c := range conn {
		pd, ok := pds[c.ID]
		rep, published := reports[pd.Integration]
		if !ok || !published || c.Token.IsZero() {
			continue
		}
		st, listed := rep.Page(c.ID)
		f := finding{held: st.TokenFingerprint, reported: true}
		current := integration.Fingerprint(c.Token)
		if pd.Pending == 0 && pd.TokenFingerprint != "" && st.TokenFingerprint != current {
			// Nothing is on its way, yet it holds another token (or none).
			f.reason, f.restore = ReasonIntegrationStale, true
			out[c.ID] = append(out[c.ID], f)
			continue
		}
		if pd.Pending == 0 && listed && st.TokenFingerprint == current {
			if k.silent(ctx, graph, c, st, pd, now) {
				f.reason = ReasonIntegrationSilent
				out[c.ID] = append(out[c.ID], f)
				continue
			}
		}
		// Only what it says it holds is recorded.
		out[c.ID] = append(out[c.ID], f)
	}
	return out
}

// silent reports whether the integration has heard nothing about the Page
// for hours while Facebook shows a newer conversation.
func (k *Keeper) silent(ctx context.Context, graph *fb.Client, c store.Connected, st integration.PageState, pd store.PageDelivery, now time.Time) bool {
	var since time.Time
	switch {
	case st.LastWebhookAt != nil:
		since = *st.LastWebhookAt
	case st.TokenReceivedAt != nil:
		since = *st.TokenReceivedAt
	default:
		since = pd.TokenAt
	}
	if since.IsZero() || now.Sub(since) < silentAfter {
		return false
	}
	convs, err := graph.Conversations(ctx, c.ID, c.Token, 1)
	if err != nil || len(convs) == 0 {
		return false // the Facebook side is judged by the round itself
	}
	newest := convs[0].UpdatedTime
	return newest.After(since.Add(deliverySlack)) && now.Sub(newest) >= deliverySlack
}

// readStatuses reads the status endpoint of each wanted integration, in
// parallel; an integration that publishes none, or whose status cannot be
// read or trusted, is left out (the reason is logged).
func (k *Keeper) readStatuses(ctx context.Context, set *integrationSet, wanted map[string]bool) map[string]integration.StatusReport {
	out := map[string]integration.StatusReport{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name := range wanted {
		t := set.targets[name]
		wg.Go(func() {
			rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			rep, err := k.dstate.client.ReadStatus(rctx, t.URL, t.secret)
			var ie *integration.Error
			switch {
			case err == nil:
				mu.Lock()
				out[name] = rep
				mu.Unlock()
			case errors.As(err, &ie) && ie.Kind == integration.KindNotPublished:
			default:
				k.logf("the status of the integration %q could not be read: %v", name, err)
			}
		})
	}
	wg.Wait()
	return out
}

// withIntegration adds a Page's integration problems to its Facebook
// verdict: a Page Facebook finds Invalid, or could not check, stays so.
func withIntegration(v verdict, fs []finding) verdict {
	if v.status != StatusValid && v.status != StatusNeedsAttention {
		return v
	}
	for _, f := range fs {
		if f.reason == ReasonNone {
			continue
		}
		if len(v.problems) == 0 {
			v.reason, v.detail = f.reason, nil
		}
		v.problems = append(v.problems, f.reason)
		v.status = StatusNeedsAttention
	}
	return v
}

// recordFindings keeps what the Page's integration said it holds and hands
// it the current token again when it holds another.
func (k *Keeper) recordFindings(tx *store.Tx, p store.Page, fs []finding, now time.Time) error {
	for _, f := range fs {
		if !f.reported || p.Integration == "" {
			continue
		}
		ip, err := tx.IntegrationPage(p.Integration, p.ID)
		if err != nil {
			return err
		}
		if ip.HeldFingerprint != f.held {
			ip.HeldFingerprint = f.held
			if err := tx.SaveIntegrationPage(ip); err != nil {
				return err
			}
		}
		if f.restore {
			if err := k.queueToken(tx, k.integrations().targets[p.Integration], p.ID, nil,
				integration.Actor{Kind: integration.ActorPagekeeper}, now); err != nil {
				return err
			}
		}
	}
	return nil
}

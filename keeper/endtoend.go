package keeper

import (
	"context"
	"errors"
	"time"

	"github.com/pagekeeper/pagekeeper/integration"
)

// The wizard's last step asks the question a business cares about: does a
// customer's message reach the integration, and does its reply reach the
// customer? A message is sent to the Page (in the sandbox Pagekeeper plays
// the customer, SandboxCustomerMessage; for real the owner writes from a
// personal account), then CheckEndToEnd reads the integration's status
// endpoint (did it receive a webhook, did it reply, since the message) and
// the Page's conversations on Facebook (is there a reply after the
// customer's last message).

// EndToEnd is what CheckEndToEnd found for one Page.
type EndToEnd struct {
	// Integration is the Page's integration ("" = none).
	Integration string
	// Published: it publishes its status endpoint; without it only
	// Facebook's side can be seen.
	Published bool
	// Received and Replied: its status says it received a webhook for the
	// Page, and sent a reply, since the message was sent.
	Received, Replied bool
	// ReplyOnFacebook: Facebook shows a reply of the Page after the
	// customer's last message in its newest conversation.
	ReplyOnFacebook bool
	// Advice says what to do when a part does not work (zero when it all does).
	Advice Text
}

// Done reports whether the whole loop worked: the message reached the
// integration and its reply reached the customer.
func (e EndToEnd) Done() bool {
	return e.Integration != "" && e.ReplyOnFacebook && (!e.Published || (e.Received && e.Replied))
}

var (
	msgE2ENone       = msg("verify.e2e.no_integration", "No integration receives this Page's messages, so nobody answers them: choose one in Settings > Integrations, then “Messages go to…” on the Page.")
	msgE2EWaiting    = msg("verify.e2e.waiting", "Waiting for the message to reach {{.Name}}…")
	msgE2ENoReply    = msg("verify.e2e.no_reply", "{{.Name}} received the message but has not replied yet: check that it holds the Page's token and can reach Facebook's Send API.")
	msgE2ENotOnFB    = msg("verify.e2e.reply_not_seen", "{{.Name}} says it replied, but Facebook does not show the reply yet.")
	msgE2EUnpublish  = msg("verify.e2e.unpublished", "{{.Name}} publishes no status, so Pagekeeper cannot see whether the message reached it; it waits for the reply on Facebook instead.")
	msgE2EStatusFail = msg("verify.e2e.status_failed", "The status of {{.Name}} could not be read: {{.Why}}")
)

// CheckEndToEnd reads whether a message sent to the Page since since reached
// its integration and the integration's reply reached the customer. Call
// it again until Done (the message and the reply take a few seconds).
func (k *Keeper) CheckEndToEnd(ctx context.Context, pageID string, since time.Time) (EndToEnd, error) {
	p, err := k.store.Page(ctx, pageID)
	if err != nil {
		return EndToEnd{}, err
	}
	t, ok := k.integrations().targets[p.Integration]
	if p.Integration == "" || !ok || t.Removing {
		return EndToEnd{Advice: msgE2ENone.with()}, nil
	}
	e := EndToEnd{Integration: t.Name, Published: true}
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	rep, err := k.dstate.client.ReadStatus(rctx, t.URL, t.secret)
	cancel()
	var ie *integration.Error
	switch {
	case err == nil:
		if st, ok := rep.Page(pageID); ok {
			// A second of slack: the two clocks count whole seconds.
			e.Received = st.LastWebhookAt != nil && !st.LastWebhookAt.Before(since.Add(-time.Second))
			e.Replied = st.LastReplyAt != nil && !st.LastReplyAt.Before(since.Add(-time.Second))
		}
	case errors.As(err, &ie) && ie.Kind == integration.KindNotPublished:
		e.Published = false
	default:
		code, _, _ := failureCode(err)
		return EndToEnd{Integration: t.Name, Advice: msgE2EStatusFail.with("Name", t.Name, "Why", deliveryProblem(code))}, nil
	}
	tok, err := k.store.Token(ctx, pageID)
	if err != nil {
		return e, err
	}
	convs, err := k.facebook().Conversations(ctx, pageID, tok, 5)
	if err != nil {
		return e, err
	}
	var newest time.Time
	for _, c := range convs {
		// The newest conversation is where the test message went.
		if c.UpdatedTime.After(newest) {
			newest = c.UpdatedTime
			e.ReplyOnFacebook = !c.LastCustomerMessage.IsZero() && !c.LastPageMessage.Before(c.LastCustomerMessage)
			if !e.Published {
				// Only Facebook's side to go by: the message must be the new one.
				e.ReplyOnFacebook = e.ReplyOnFacebook && !c.LastCustomerMessage.Before(since.Add(-time.Minute))
			}
		}
	}
	switch {
	case e.Done():
	case !e.Published && !e.ReplyOnFacebook:
		e.Advice = msgE2EUnpublish.with("Name", t.Name)
	case e.Published && !e.Received:
		e.Advice = msgE2EWaiting.with("Name", t.Name)
	case e.Published && !e.Replied:
		e.Advice = msgE2ENoReply.with("Name", t.Name)
	default:
		e.Advice = msgE2ENotOnFB.with("Name", t.Name)
	}
	return e, nil
}

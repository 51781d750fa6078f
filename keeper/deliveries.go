package keeper

import (
	"errors"
	"slices"
	"time"

	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/integration"
	"github.com/pagekeeper/pagekeeper/store"
)

// Every event for an integration is written to the delivery outbox
// (store.Delivery) in the transaction of the change it reports, before
// anything is sent, with the Page token already sealed to the
// integration's age key. These functions decide, inside that transaction,
// what to queue so that the promises of docs/INTEGRATION.md hold:
//
//   - a newer token supersedes an older one not yet delivered: pending
//     token events of the Page are superseded, so the integration never
//     receives a token after a fresher one;
//   - a disconnect follows the connect it undoes: page.disconnected is
//     queued only when a token event may have reached the integration
//     (IntegrationPage.Reached); otherwise the undelivered connect and the
//     disconnect both vanish;
//   - a token goes out as page.connected unless the integration
//     acknowledged one of this Page's tokens since it was last told to
//     forget it, then as page.token_renewed.
//
// The deliverer (deliverer.go) sends a Page's events one at a time, in order.

var msgIntNoKey = msg("integration.no_key", "{{.Name}} has no usable public key to seal the token to: enter its public key (age1…) in Settings > Integrations > Change….")

// queueToken hands the Page's token (tok, or the stored one when nil) to
// the integration t. A Page without a readable token has nothing to hand
// over: its row says so, and a renewal hands it over.
func (k *Keeper) queueToken(tx *store.Tx, t *target, pageID string, tok *token.Token, actor integration.Actor, now time.Time) error {
	if t == nil || t.Removing {
		return nil
	}
	if tok == nil {
		stored, err := tx.Token(pageID)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrTokenUnreadable) {
				return nil
			}
			return err
		}
		tok = &stored
	}
	p, err := tx.Page(pageID)
	if err != nil {
		return err
	}
	pend, err := tx.PendingDeliveries(t.Name, pageID)
	if err != nil {
		return err
	}
	ip, err := tx.IntegrationPage(t.Name, pageID)
	if err != nil {
		return err
	}
	knows := ip.TokenFingerprint != ""
	var drop []int64
	for _, d := range pend {
		switch integration.EventType(d.Type) {
		case integration.PageConnected, integration.PageTokenRenewed:
			drop = append(drop, d.ID)
		case integration.PageDisconnected:
			knows = false
		}
	}
	if err := tx.SupersedeDeliveries(drop, now); err != nil {
		return err
	}
	if t.recipient == nil {
		return problem(msgIntNoKey.with("Name", t.Name))
	}
	info, err := integration.SealToken(*tok, t.recipient)
	if err != nil {
		return err
	}
	info.Type = p.TokenType
	if info.Type == "" {
		info.Type = "PAGE"
	}
	if !p.TokenExpiresAt.IsZero() {
		info.ExpiresAt = &p.TokenExpiresAt
	}
	if !p.DataAccessExpiresAt.IsZero() {
		info.DataAccessExpiresAt = &p.DataAccessExpiresAt
	}
	typ := integration.PageConnected
	if knows {
		typ = integration.PageTokenRenewed
	}
	ev := integration.Event{Type: typ, Timestamp: now, Data: integration.Data{
		Page: eventPage(p), Webhook: eventWebhook(p), Token: info, Actor: &actor}}
	return queueEvent(tx, t.Name, pageID, ev, info.Fingerprint)
}

// queueDisconnect tells the integration name to forget the Page: every
// event of the Page still waiting for it is superseded, and
// page.disconnected follows when a token may have reached it.
func (k *Keeper) queueDisconnect(tx *store.Tx, name string, p store.Page, why integration.Reason, actor integration.Actor, now time.Time) error {
	pend, err := tx.PendingDeliveries(name, p.ID)
	if err != nil {
		return err
	}
	drop := make([]int64, 0, len(pend))
	for _, d := range pend {
		drop = append(drop, d.ID)
	}
	if err := tx.SupersedeDeliveries(drop, now); err != nil {
		return err
	}
	ip, err := tx.IntegrationPage(name, p.ID)
	if err != nil || !ip.Reached {
		return err
	}
	ev := integration.Event{Type: integration.PageDisconnected, Timestamp: now, Data: integration.Data{
		Page: eventPage(p), Reason: &why, Actor: &actor}}
	return queueEvent(tx, name, p.ID, ev, "")
}

// queueChanged tells the Page's integration that its webhook fields or its
// name changed (the token did not).
func (k *Keeper) queueChanged(tx *store.Tx, p store.Page, changes []integration.Change, actor integration.Actor, now time.Time) error {
	if !k.integrationHasPage(tx, p) {
		return nil
	}
	ev := integration.Event{Type: integration.PageChanged, Timestamp: now, Data: integration.Data{
		Page: eventPage(p), Webhook: eventWebhook(p), Changes: changes, Actor: &actor}}
	return queueEvent(tx, p.Integration, p.ID, ev, "")
}

// queueStatusChanged tells the Page's integration the Page's new status, so
// that the business's own systems can tell the owners.
func (k *Keeper) queueStatusChanged(tx *store.Tx, p store.Page, prev, now Status, reason Reason, detail any, at time.Time) error {
	if !k.integrationHasPage(tx, p) {
		return nil
	}
	ev := integration.Event{Type: integration.PageStatusChanged, Timestamp: at, Data: integration.Data{
		Page:   eventPage(p),
		Status: &integration.StatusChange{Status: integration.PageStatus(now), Previous: integration.PageStatus(prev)},
		Actor:  &integration.Actor{Kind: integration.ActorPagekeeper}}}
	if now != StatusValid && now != StatusUnchecked {
		// The words are for the owners, in their language (the code is for programs).
		code, words := string(reason), reason.Explanation(detail).In(k.Lang())
		if reason == ReasonNone {
			code, words = "unknown", now.Words().In(k.Lang())
		}
		ev.Data.Reason = &integration.Reason{Code: code, Message: words}
	}
	return queueEvent(tx, p.Integration, p.ID, ev, "")
}

// integrationHasPage: the Page goes to an integration in effect that holds,
// or is about to be handed, its token.
func (k *Keeper) integrationHasPage(tx *store.Tx, p store.Page) bool {
	t, ok := k.integrations().targets[p.Integration]
	if p.Integration == "" || !ok || t.Removing {
		return false
	}
	ip, err := tx.IntegrationPage(p.Integration, p.ID)
	if err == nil && ip.Reached {
		return true
	}
	pend, err := tx.PendingDeliveries(p.Integration, p.ID)
	return err == nil && len(pend) > 0
}

func queueEvent(tx *store.Tx, name, pageID string, ev integration.Event, fingerprint string) error {
	body, err := integration.Encode(ev)
	if err != nil {
		return err
	}
	_, err = tx.QueueDelivery(store.Delivery{Integration: name, PageID: pageID, Type: string(ev.Type),
		MessageID: integration.NewMessageID(), Body: body, Fingerprint: fingerprint})
	return err
}

func eventPage(p store.Page) *integration.Page {
	name := p.Name
	if name == "" {
		name = p.ID
	}
	return &integration.Page{ID: p.ID, Name: name}
}

func eventWebhook(p store.Page) *integration.Webhook {
	fields := p.WebhookFields
	if len(fields) == 0 {
		fields, _ = PresetFields(WebhookPreset(p.WebhookPreset), nil)
	}
	preset := string(p.WebhookPreset)
	if preset == "" {
		preset = string(DefaultPreset)
	}
	return &integration.Webhook{Fields: fields, Preset: preset}
}

// handOver queues what a connect or renewal means for the integrations:
// the integration the Page left is told to forget it, the one it goes to
// is handed its token (or, when the token is the one it has, told what
// changed), and a change of destination is in the history.
func (k *Keeper) handOver(tx *store.Tx, set *integrationSet, before store.Page, existed bool, after store.Page,
	oldTok, tok token.Token, actor Actor, now time.Time) error {
	ea := eventActor(actor)
	wasConnected := existed && before.Status != store.StatusDisconnected
	if wasConnected && before.Integration != "" && before.Integration != after.Integration {
		why := msgMovedNowhere.with()
		if after.Integration != "" {
			why = msgMovedAway.with("To", after.Integration)
		}
		if err := k.queueDisconnect(tx, before.Integration, before, integration.Reason{Code: integration.DisconnectMoved, Message: why.In(k.Lang())}, ea, now); err != nil {
			return err
		}
	}
	if wasConnected && before.Integration != after.Integration {
		if _, err := tx.AppendEvent(movedEvent(actor, after.ID, before.Integration, after.Integration, now)); err != nil {
			return err
		}
	}
	if after.Integration == "" {
		return nil
	}
	same := wasConnected && before.Integration == after.Integration && !oldTok.IsZero() &&
		integration.Fingerprint(oldTok) == integration.Fingerprint(tok)
	if !same {
		return k.queueToken(tx, set.targets[after.Integration], after.ID, &tok, ea, now)
	}
	var changes []integration.Change
	if before.WebhookPreset != after.WebhookPreset || !slices.Equal(before.WebhookFields, after.WebhookFields) {
		changes = append(changes, integration.ChangeWebhook)
	}
	if before.Name != after.Name {
		changes = append(changes, integration.ChangeName)
	}
	if len(changes) == 0 {
		return nil
	}
	return k.queueChanged(tx, after, changes, ea, now)
}

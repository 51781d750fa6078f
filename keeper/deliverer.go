package keeper

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pagekeeper/pagekeeper/integration"
	"github.com/pagekeeper/pagekeeper/store"
)

// The deliverer sends the delivery outbox's events. Deliveries to one
// integration run with bounded concurrency (Options.DeliveryConcurrency),
// a Page's events one at a time and in order: the next one goes only once
// the previous one's answer is recorded, so neither a crash nor a retry can
// put an older token after a newer one. Answers are recorded in batches,
// one transaction for all that have arrived (one fsync for many answers).
// Each attempt is signed anew and keeps its event's webhook-id.

// DefaultDeliveryConcurrency is how many events go to one integration at once.
const DefaultDeliveryConcurrency = 16

// Answers are recorded together when they arrive within recordWindow of
// the first (at most maxRecordBatch at once).
const (
	recordWindow   = 20 * time.Millisecond
	maxRecordBatch = 512
)

// deliveryState is the deliverer's; its zero value is not ready (Open makes it).
type deliveryState struct {
	pass   sync.Mutex    // one pass at a time
	wake   chan struct{} // something was queued
	client *integration.Client
	pruned time.Time // when old events were last pruned

	subsMu sync.Mutex
	subs   map[int]func(DeliveryPass)
	nextID int
}

// OnDeliveries subscribes fn to the deliverer's passes that delivered or
// failed something (the window shows the new states); the returned func
// unsubscribes. fn runs on the deliverer's goroutine: keep it short.
func (k *Keeper) OnDeliveries(fn func(DeliveryPass)) (cancel func()) {
	ds := &k.dstate
	ds.subsMu.Lock()
	defer ds.subsMu.Unlock()
	if ds.subs == nil {
		ds.subs = map[int]func(DeliveryPass){}
	}
	id := ds.nextID
	ds.nextID++
	ds.subs[id] = fn
	return func() {
		ds.subsMu.Lock()
		delete(ds.subs, id)
		ds.subsMu.Unlock()
	}
}

func (ds *deliveryState) publish(p DeliveryPass) {
	ds.subsMu.Lock()
	fns := make([]func(DeliveryPass), 0, len(ds.subs))
	for _, f := range ds.subs {
		fns = append(fns, f)
	}
	ds.subsMu.Unlock()
	for _, f := range fns {
		f(p)
	}
}

// wakeDeliveries tells a waiting deliverer that something was queued.
func (k *Keeper) wakeDeliveries() {
	select {
	case k.dstate.wake <- struct{}{}:
	default:
	}
}

// DeliveryPass is what one pass of the deliverer did.
type DeliveryPass struct {
	Delivered, Failed int
	// Pending counts the events still waiting when it ended.
	Pending int
}

// deliveryKey is one integration's view of one Page: its events go in order.
type deliveryKey struct{ integration, page string }

type deliveryResult struct {
	d   store.Delivery
	ack integration.Ack
	err error
	at  time.Time
}

// DeliverDue sends every event that is due, and the events that become due
// behind them, until none is due or ctx ends; failures are recorded and
// retried later with back-off. Safe to call from any goroutine: passes do
// not overlap. A process that only reads the folder delivers nothing.
func (k *Keeper) DeliverDue(ctx context.Context) (DeliveryPass, error) {
	var pass DeliveryPass
	if k.readOnly() {
		return pass, nil
	}
	ds := &k.dstate
	ds.pass.Lock()
	defer ds.pass.Unlock()
	set := k.integrations()
	limit := k.opts.DeliveryConcurrency
	if limit <= 0 {
		limit = DefaultDeliveryConcurrency
	}
	busy := map[deliveryKey]bool{} // started, answer not recorded yet
	running := map[string]int{}    // attempts on the network, per integration
	queued := map[int64]bool{}     // in ready, or busy
	var ready []store.Delivery     // due, not started yet
	// Room for every attempt that can be on the network at once.
	attempts := make(chan deliveryResult, limit*max(1, len(set.list)))
	// The recorder writes answers while the next attempts are on the
	// network: one transaction for the answers of a short window (group
	// commit), so that a renewal committing Page after Page is not slowed
	// by one fsync per answer.
	// The loop hands answers over with record, which takes recorded
	// batches back while it waits: neither side can block the other, so
	// the channels need no room for a whole pass (room for 16,384 answers
	// cost 10 MB on every pass, even one with nothing due).
	toRecord := make(chan deliveryResult, maxRecordBatch)
	recorded := make(chan []deliveryResult)
	go func() {
		defer close(recorded)
		for r := range toRecord {
			batch := []deliveryResult{r}
			window := time.NewTimer(recordWindow)
		more:
			for len(batch) < maxRecordBatch {
				select {
				case r, ok := <-toRecord:
					if !ok {
						break more
					}
					batch = append(batch, r)
				case <-window.C:
					break more
				}
			}
			window.Stop()
			k.recordDeliveries(ctx, set, batch, &pass)
			recorded <- batch
		}
	}()
	onNetwork, recording := 0, 0
	release := func(d store.Delivery) {
		delete(busy, deliveryKey{d.Integration, d.PageID})
		delete(queued, d.ID)
	}
	fetch := true
	done := func(batch []deliveryResult) {
		recording -= len(batch)
		for _, r := range batch {
			release(r.d)
			if r.d.Queued > 1 {
				fetch = true // the Page's next event may go now
			}
		}
	}
	record := func(r deliveryResult) {
		recording++
		for {
			select {
			case toRecord <- r:
				return
			case batch := <-recorded:
				done(batch)
			}
		}
	}
	var fetchErr error
	for {
		if fetch && ctx.Err() == nil {
			fetch = false
			// Enough to fill every free place, leaving out what is here already.
			have := make([]int64, 0, len(queued))
			for id := range queued {
				have = append(have, id)
			}
			due, err := k.store.DueDeliveries(ctx, k.now(), 2*limit*max(1, len(set.list)), have...)
			if err != nil {
				fetchErr = err
			}
			for _, d := range due {
				if !queued[d.ID] && !busy[deliveryKey{d.Integration, d.PageID}] {
					queued[d.ID] = true
					ready = append(ready, d)
				}
			}
		}
		// Start what may start; what cannot be tried at all is recorded as such.
		var start []store.Delivery
		keep := ready[:0]
		for _, d := range ready {
			t, ok := set.targets[d.Integration]
			switch {
			case ctx.Err() != nil:
				delete(queued, d.ID)
			case !ok || t.secret.IsZero():
				busy[deliveryKey{d.Integration, d.PageID}] = true
				record(deliveryResult{d: d, err: errUnsendable, at: k.now()})
			case running[d.Integration] < limit:
				running[d.Integration]++
				busy[deliveryKey{d.Integration, d.PageID}] = true
				start = append(start, d)
			default:
				keep = append(keep, d)
			}
		}
		ready = keep
		start = k.claim(ctx, start, func(d store.Delivery) {
			running[d.Integration]--
			release(d)
		})
		for _, d := range start {
			onNetwork++
			go func(d store.Delivery, t *target) {
				ack, err := k.deliverOne(ctx, t, d)
				attempts <- deliveryResult{d: d, ack: ack, err: err, at: k.now()}
			}(d, set.targets[d.Integration])
		}
		if onNetwork == 0 && recording == 0 {
			if len(ready) > 0 && ctx.Err() == nil {
				continue
			}
			if fetch && ctx.Err() == nil {
				continue // what became due behind the last answers
			}
			break
		}
		select {
		case r := <-attempts:
			onNetwork--
			running[r.d.Integration]--
			if len(ready) < limit {
				fetch = true // a place is free: more may be due than was read
			}
			if ctx.Err() != nil && errors.Is(r.err, ctx.Err()) || isCanceled(r.err) {
				release(r.d) // stopped, not failed: tried again next time
				continue
			}
			record(r)
		case batch := <-recorded:
			done(batch)
		case <-k.dstate.wake:
			fetch = true
		}
	}
	close(toRecord)
	for range recorded {
	}
	if pending, err := k.store.IntegrationQueues(context.WithoutCancel(ctx)); err == nil {
		for _, q := range pending {
			pass.Pending += q.Pending
		}
	}
	k.afterPass(context.WithoutCancel(ctx), set)
	if pass.Delivered+pass.Failed > 0 {
		ds.publish(pass)
	}
	return pass, fetchErr
}

// deliverOne makes an attempt. An integration refuses an event it has
// seen with the same timestamp as a replay (409 replayed): that happens
// when an attempt's answer was lost (Pagekeeper stopped, or the connection
// broke) and the retry is signed in the same second; it is signed again in
// the next second.
func (k *Keeper) deliverOne(ctx context.Context, t *target, d store.Delivery) (integration.Ack, error) {
	del := integration.Delivery{URL: t.URL, Secret: t.secret, ID: d.MessageID, Body: d.Body}
	ack, err := k.dstate.client.Deliver(ctx, del)
	var ie *integration.Error
	if !errors.As(err, &ie) || ie.Code != integration.CodeReplayed {
		return ack, err
	}
	now := k.now()
	wait := time.NewTimer(now.Truncate(time.Second).Add(time.Second).Sub(now))
	defer wait.Stop()
	select {
	case <-ctx.Done():
		return ack, err
	case <-wait.C:
	}
	return k.dstate.client.Deliver(ctx, del)
}

func isCanceled(err error) bool {
	var ie *integration.Error
	return errors.As(err, &ie) && ie.Kind == integration.KindCanceled
}

// errUnsendable: the event's integration is gone, or it has no secret.
var errUnsendable = errors.New("cannot be sent")

// claim records, before they are sent, that the page.connected events in
// start may reach their integration (so that a disconnect will follow
// them); one that was superseded meanwhile is not sent (drop).
func (k *Keeper) claim(ctx context.Context, start []store.Delivery, drop func(store.Delivery)) []store.Delivery {
	var need []int
	for i, d := range start {
		if d.Type == string(integration.PageConnected) && !d.Claimed {
			need = append(need, i)
		}
	}
	if len(need) == 0 {
		return start
	}
	ok := make([]bool, len(start))
	for i := range ok {
		ok[i] = true
	}
	err := k.store.Update(ctx, func(tx *store.Tx) error {
		for _, i := range need {
			d := start[i]
			claimed, err := tx.ClaimDelivery(d.ID)
			if err != nil {
				return err
			}
			ok[i] = claimed
			if !claimed {
				continue
			}
			ip, err := tx.IntegrationPage(d.Integration, d.PageID)
			if err != nil {
				return err
			}
			ip.Reached = true
			if err := tx.SaveIntegrationPage(ip); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		k.logf("the events about to go to the integrations could not be recorded (%v); they are tried again later", err)
		for _, i := range need {
			ok[i] = false
		}
	}
	out := start[:0]
	for i, d := range start {
		if ok[i] {
			out = append(out, d)
		} else {
			drop(d)
		}
	}
	return out
}

// Failure codes kept in the outbox's last_error: plain, language-free
// words that deliveryProblem turns into a sentence in the owner's language.
const (
	failTimeout   = "timeout"
	failNetwork   = "network"
	failTLS       = "tls"
	failRedirect  = "redirect"
	failSettings  = "settings"
	failNoSecret  = "no_secret"
	failHTTP      = "http"
	failUnknownIn = "unknown_integration"
)

// failureCode describes a failed attempt as "http:503" or "http:401:signature_invalid", "timeout", …
func failureCode(err error) (code string, retryable bool, retryAfter time.Duration) {
	var ie *integration.Error
	if !errors.As(err, &ie) {
		return failSettings, false, 0
	}
	switch ie.Kind {
	case integration.KindTimeout:
		return failTimeout, true, ie.RetryAfter
	case integration.KindNetwork:
		return failNetwork, true, ie.RetryAfter
	case integration.KindTLS:
		return failTLS, false, 0
	case integration.KindRedirect:
		return fmt.Sprintf("%s:%d", failRedirect, ie.HTTPStatus), false, 0
	case integration.KindSettings:
		return failSettings, false, 0
	}
	code = fmt.Sprintf("%s:%d", failHTTP, ie.HTTPStatus)
	if ie.Code != "" {
		code += ":" + ie.Code
	}
	return code, ie.Retryable, ie.RetryAfter
}

// deliveryBackoff is the wait before the next attempt after attempts
// failed ones: 15 s doubling to 15 min while trying again can help; an hour
// when a person must change something (the attempt is repeated in case
// they did; changing the integration's settings tries again at once).
func deliveryBackoff(attempts int, retryable bool, retryAfter time.Duration) time.Duration {
	if !retryable {
		return max(time.Hour, retryAfter)
	}
	d := 15 * time.Second
	for i := 1; i < attempts && d < 15*time.Minute; i++ {
		d *= 2
	}
	return max(min(d, 15*time.Minute), retryAfter)
}

var (
	msgDelivered      = msg("integration.event.delivered", "{{.Name}} received {{.What}}.")
	msgDeliveredHolds = msg("integration.event.delivered_holds", "{{.Name}} received {{.What}} and now holds the current token.")
	msgDeliveredOther = msg("integration.event.delivered_other", "{{.Name}} received {{.What}}, but it says it holds another token.")
	msgDeliveryFailed = msg("integration.event.failed", "{{.Name}} has not received {{.What}} yet ({{.Why}}); trying again at {{.Next}}.")
)

// eventWords name each event in the history in plain words (the wire name,
// such as page.token_renewed, means nothing to a page owner).
var eventWords = map[integration.EventType]message{
	integration.PageConnected:     msg("integration.what.connected", "the new connection"),
	integration.PageTokenRenewed:  msg("integration.what.token_renewed", "the renewed connection"),
	integration.PageChanged:       msg("integration.what.changed", "the Page's new details"),
	integration.PageDisconnected:  msg("integration.what.disconnected", "the news that the Page was disconnected"),
	integration.PageStatusChanged: msg("integration.what.status_changed", "the Page's new status"),
}

// deliveryWhat is what an event told its integration, in words; an event
// type this version does not know keeps its wire name.
func deliveryWhat(t integration.EventType) Text {
	if m, ok := eventWords[t]; ok {
		return m.with()
	}
	return Text{Template: string(t)}
}

// recordDeliveries writes a batch of answers in one transaction: each
// event delivered or to be tried again, what the integration has of each
// Page, and the history.
func (k *Keeper) recordDeliveries(ctx context.Context, set *integrationSet, batch []deliveryResult, pass *DeliveryPass) {
	if len(batch) == 0 {
		return
	}
	ctx = context.WithoutCancel(ctx) // answers that arrived are recorded even when the pass is stopped
	err := k.store.Update(ctx, func(tx *store.Tx) error {
		for _, r := range batch {
			if err := k.recordOne(tx, set, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		k.logf("the answers of %d deliveries could not be recorded (%v); those events will be sent again", len(batch), err)
		return
	}
	for _, r := range batch {
		if r.err == nil {
			pass.Delivered++
		} else {
			pass.Failed++
		}
	}
}

func (k *Keeper) recordOne(tx *store.Tx, set *integrationSet, r deliveryResult) error {
	d := r.d
	typ := integration.EventType(d.Type)
	var ip store.IntegrationPage
	if d.PageID != "" {
		var err error
		if ip, err = tx.IntegrationPage(d.Integration, d.PageID); err != nil {
			return err
		}
	}
	if r.err == nil {
		if _, err := tx.CompleteDelivery(d.ID, r.at, r.ack.TokenFingerprint); err != nil {
			return err
		}
		if d.PageID == "" {
			return nil
		}
		words := msgDelivered
		switch typ {
		case integration.PageConnected, integration.PageTokenRenewed:
			ip.Reached, ip.TokenFingerprint, ip.TokenAt, ip.HeldFingerprint = true, d.Fingerprint, r.at, r.ack.TokenFingerprint
			switch r.ack.TokenFingerprint {
			case "":
			case d.Fingerprint:
				words = msgDeliveredHolds
			default:
				words = msgDeliveredOther
			}
		case integration.PageDisconnected:
			ip.Reached, ip.TokenFingerprint, ip.TokenAt, ip.HeldFingerprint = false, "", time.Time{}, r.ack.TokenFingerprint
		default:
			if r.ack.TokenFingerprint != "" {
				ip.HeldFingerprint = r.ack.TokenFingerprint
			}
		}
		ip.FailingSince, ip.LastError = time.Time{}, ""
		if err := tx.SaveIntegrationPage(ip); err != nil {
			return err
		}
		if typ == integration.PageStatusChanged || typ == integration.PageChanged {
			return nil // informational: the history already says what changed
		}
		_, err := tx.AppendEvent(newEvent(r.at, d.PageID, "integration_delivered", words.with("What", deliveryWhat(typ), "Name", d.Integration)))
		return err
	}
	code, retryable, after := failureCode(r.err)
	if errors.Is(r.err, errUnsendable) {
		if _, known := set.targets[d.Integration]; !known {
			// Its integration is gone (a restored backup, a removed one):
			// nobody can receive it any more.
			return tx.SupersedeDeliveries([]int64{d.ID}, r.at)
		}
		code, retryable, after = failNoSecret, false, 0
	}
	next := r.at.Add(deliveryBackoff(d.Attempts+1, retryable, after))
	if err := tx.FailDelivery(d.ID, code, next); err != nil {
		return err
	}
	if d.PageID == "" {
		return nil
	}
	first := ip.FailingSince.IsZero()
	if first {
		ip.FailingSince = r.at
	}
	ip.LastError = code
	if err := tx.SaveIntegrationPage(ip); err != nil {
		return err
	}
	if !first {
		return nil // the history says when it started failing, not every retry
	}
	_, err := tx.AppendEvent(newEvent(r.at, d.PageID, "integration_failing", msgDeliveryFailed.with("What", deliveryWhat(typ),
		"Name", d.Integration, "Why", deliveryProblem(code), "Next", clock(next, r.at))))
	return err
}

// afterPass removes integrations that have been told all they must be,
// and now and then the events done long ago.
func (k *Keeper) afterPass(ctx context.Context, set *integrationSet) {
	for _, in := range set.list {
		if in.Removing {
			if err := k.purgeRemoved(ctx); err != nil {
				k.logf("a removed integration could not be deleted: %v", err)
			}
			break
		}
	}
	now := k.now()
	if now.Sub(k.dstate.pruned) < time.Hour {
		return
	}
	k.dstate.pruned = now
	if _, err := k.store.PruneDeliveries(ctx, now.Add(-deliveryKeep)); err != nil {
		k.logf("old deliveries could not be pruned: %v", err)
	}
}

// deliveryKeep is how long delivered and superseded events stay in the
// outbox (without their bodies), for diagnostics.
const deliveryKeep = 30 * 24 * time.Hour

// runDeliveries delivers in the background until ctx ends: at once when
// something is queued, else when the next retry is due.
func (k *Keeper) runDeliveries(ctx context.Context) {
	for {
		if _, err := k.DeliverDue(ctx); err != nil && ctx.Err() == nil {
			k.logf("the deliveries to the integrations could not be read: %v", err)
		}
		wait := time.Hour
		if next, ok, err := k.store.NextDeliveryAt(ctx); err == nil && ok {
			wait = min(wait, max(next.Sub(k.now()), time.Second))
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-k.dstate.wake:
			timer.Stop()
		case <-timer.C:
		}
	}
}

var (
	msgFailTimeout  = msg("integration.problem.timeout", "it did not answer in time")
	msgFailNetwork  = msg("integration.problem.network", "it could not be reached")
	msgFailTLS      = msg("integration.problem.tls", "its certificate is not trusted by this computer")
	msgFailRedirect = msg("integration.problem.redirect", "it answered with a redirect (HTTP {{.Status}}): set its final address")
	msgFailSettings = msg("integration.problem.settings", "its address or signing secret cannot be used")
	msgFailNoSecret = msg("integration.problem.no_secret", "its signing secret is not set")
	msgFailHTTP     = msg("integration.problem.http", "HTTP {{.Status}}")
)

// answerAdvice is a failed answer with the integration's reason code, in
// words that say what to do.
var answerAdvice = func() map[string]message {
	signature := msg("integration.problem.signature", "HTTP {{.Status}}: the signing secret set in Pagekeeper is not the one the integration uses")
	clocks := msg("integration.problem.clock", "HTTP {{.Status}}: the clocks of this computer and the integration's server differ by more than 5 minutes")
	return map[string]message{
		integration.CodeHeadersMissing:   signature,
		integration.CodeHeadersInvalid:   signature,
		integration.CodeSignatureInvalid: signature,
		integration.CodeTimestampTooOld:  clocks,
		integration.CodeTimestampTooNew:  clocks,
		integration.CodeTokenUnopenable:  msg("integration.problem.key", "HTTP {{.Status}}: the public key set in Pagekeeper is not the integration's"),
		integration.CodeEventInvalid:     msg("integration.problem.event", "HTTP {{.Status}}: the integration does not accept the event's content"),
		integration.CodeBodyTooLarge:     msg("integration.problem.size", "HTTP {{.Status}}: the integration refuses events of this size"),
	}
}()

// deliveryProblem turns a failure code into words.
func deliveryProblem(code string) Text {
	kind, rest, _ := strings.Cut(code, ":")
	switch kind {
	case failTimeout:
		return msgFailTimeout.with()
	case failNetwork:
		return msgFailNetwork.with()
	case failTLS:
		return msgFailTLS.with()
	case failRedirect:
		return msgFailRedirect.with("Status", rest)
	case failSettings, failUnknownIn:
		return msgFailSettings.with()
	case failNoSecret:
		return msgFailNoSecret.with()
	case failHTTP:
		status, answer, _ := strings.Cut(rest, ":")
		if _, err := strconv.Atoi(status); err != nil {
			break
		}
		if m, ok := answerAdvice[answer]; ok {
			return m.with("Status", status)
		}
		return msgFailHTTP.with("Status", status)
	}
	return Text{Template: code}
}

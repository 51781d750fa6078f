package keeper

import (
	"context"
	"time"
)

// maxBackoffFactor caps how far throttling stretches the interval.
const maxBackoffFactor = 6

// roundTimeout bounds one scheduled round, so a hung network cannot stop
// the schedule; the Pages not answered by then are "could not check".
const roundTimeout = 15 * time.Minute

// Run checks every connected Page at start-up, then every
// Settings.CheckInterval, and whenever RequestCheck asks, until ctx ends;
// each round also drains the outbox (Facebook clean-ups and emails), and
// the outbox is drained every minute between rounds. After a round in
// which Facebook throttled Pages the next round waits longer — the
// interval doubles per throttled round up to 6×, or Facebook's estimated
// time to regain access if that is longer — and a clean round resets it.
// A new interval (UpdateSettings) takes effect at once. A round that fails
// is published (OnRound, Round.Err), never dropped.
func (k *Keeper) Run(ctx context.Context) error {
	h := k.health()
	wake, changed := h.wakeChan(), h.changedChan()
	// The start-up round checks everything; requests made meanwhile are
	// covered by it, and so are those made before Run (the window starts it
	// once its first frame is drawn): they make it run even when every Page
	// was checked recently.
	all, ids := h.takePending()
	asked := all || len(ids) > 0
	go k.drainEveryMinute(ctx)
	// Deliveries to the integrations go out as soon as they are queued.
	delivering := make(chan struct{})
	go func() {
		defer close(delivering)
		k.runDeliveries(ctx)
	}()
	defer func() { <-delivering }()
	// from is when the wait for the next round started; zero: a round is
	// due now. When every Page was checked recently (Pagekeeper was just
	// restarted), the schedule continues from that check instead.
	var from time.Time
	interval := k.checkInterval()
	if d := k.startupDelay(ctx, interval); d > 0 && !asked {
		from = k.now().Add(d - interval)
	}
	for {
		wait := time.Duration(0)
		if !from.IsZero() {
			wait = from.Add(h.nextDelay(k.checkInterval())).Sub(k.now())
		}
		if wait <= 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			h.takePending()
			k.scheduledRound(ctx)
			from = k.now()
			continue
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		case <-changed:
			timer.Stop() // the wait is worked out again with the new interval
		case <-wake:
			timer.Stop()
			if all, ids := h.takePending(); all {
				k.scheduledRound(ctx)
				from = k.now()
			} else if len(ids) > 0 {
				// "Check now" on some Pages: a small round of its own,
				// which leaves the schedule and its back-off alone.
				k.scheduledRound(ctx, ids...)
			}
		}
	}
}

// checkInterval is the interval of the settings in effect.
func (k *Keeper) checkInterval() time.Duration {
	return time.Duration(k.config().settings.CheckInterval)
}

// scheduledRound runs one round (CheckNow notes the back-off and publishes
// the round); a round that fails is published with its error.
func (k *Keeper) scheduledRound(ctx context.Context, ids ...string) {
	rctx, cancel := context.WithTimeout(ctx, roundTimeout)
	defer cancel()
	started := k.now()
	if _, err := k.CheckNow(rctx, ids...); err != nil && ctx.Err() == nil {
		k.health().publish(Round{Started: started, Finished: k.now(), Err: err})
	}
}

// RequestCheck asks the running scheduler for a round without waiting:
// no IDs checks every Page, otherwise only those Pages.
func (k *Keeper) RequestCheck(pageIDs ...string) {
	h := k.health()
	h.mu.Lock()
	if len(pageIDs) == 0 {
		h.pendingAll = true
	} else {
		if h.pendingIDs == nil {
			h.pendingIDs = map[string]bool{}
		}
		for _, id := range pageIDs {
			h.pendingIDs[id] = true
		}
	}
	h.mu.Unlock()
	select {
	case h.wakeChan() <- struct{}{}:
	default: // a wake-up is already pending; it will see these IDs
	}
}

func (h *healthState) wakeChan() chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.wake == nil {
		h.wake = make(chan struct{}, 1)
	}
	return h.wake
}

func (h *healthState) changedChan() chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.changed == nil {
		h.changed = make(chan struct{}, 1)
	}
	return h.changed
}

// settingsChanged tells a running scheduler to work out its wait again.
func (h *healthState) settingsChanged() {
	select {
	case h.changedChan() <- struct{}{}:
	default: // it has not seen the last change yet; it will read the newest settings
	}
}

func (h *healthState) takePending() (all bool, ids []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	all = h.pendingAll
	for id := range h.pendingIDs {
		ids = append(ids, id)
	}
	h.pendingAll, h.pendingIDs = false, nil
	return all, ids
}

// noteRound updates the back-off from a full round.
func (h *healthState) noteRound(r Round) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.Throttled > 0 {
		h.throttledN++
		h.regain = r.RegainIn
	} else {
		h.throttledN, h.regain = 0, 0
	}
}

// nextDelay is the wait between scheduled rounds with the current back-off.
func (h *healthState) nextDelay(interval time.Duration) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return backoffDelay(interval, h.throttledN, h.regain)
}

// backoffDelay: interval × 2^n capped at 6× after n consecutive throttled
// rounds, or regain if longer.
func backoffDelay(interval time.Duration, throttledRounds int, regain time.Duration) time.Duration {
	if interval <= 0 {
		interval = time.Duration(DefaultSettings().CheckInterval)
	}
	if throttledRounds == 0 {
		return interval
	}
	f := 1
	for range throttledRounds {
		f = min(f*2, maxBackoffFactor)
	}
	return max(interval*time.Duration(f), regain)
}

// drainEveryMinute retries due Facebook clean-ups and emails between rounds,
// so a back-off of a minute means a minute, not the next hourly round.
func (k *Keeper) drainEveryMinute(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			k.DrainOutbox(ctx)
			k.DrainMail(ctx)
		}
	}
}

// startupDelay is how long until the first round: zero (now) unless every
// connected Page was checked within the last half interval. When the
// checks cannot be read, the round runs now (and says why if it fails).
func (k *Keeper) startupDelay(ctx context.Context, interval time.Duration) time.Duration {
	oldest, never, err := k.store.OldestCheck(ctx)
	if err != nil {
		k.logf("the last checks could not be read (%v); checking every Page now", err)
		return 0
	}
	if never || oldest.IsZero() || interval <= 0 {
		return 0
	}
	age := k.now().Sub(oldest)
	if age < 0 || age >= interval/2 {
		return 0
	}
	return interval - age
}

// NextRoundIn is how long the scheduler waits after a full round with the
// current interval and back-off (for the window's "next check at …").
func (k *Keeper) NextRoundIn() time.Duration {
	return k.health().nextDelay(k.checkInterval())
}

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
// each round also drains the outbox (Facebook clean-ups and emails). notify
// shows alerts on this computer (nil: only email). After a round in which
// Facebook throttled Pages the next round waits longer — the interval
// doubles per throttled round up to 6×, or Facebook's estimated time to
// regain access if that is longer — and a clean round resets it.
func (k *Keeper) Run(ctx context.Context, notify Notifier) error {
	h := k.health()
	if notify != nil {
		h.mu.Lock()
		h.opts.Notifier = notify
		h.mu.Unlock()
	}
	wake := h.wakeChan()
	// The start-up round checks everything; requests made meanwhile are
	// covered by it. When every Page was checked recently (Pagekeeper was
	// just restarted), the schedule simply continues instead.
	h.takePending()
	go k.drainEveryMinute(ctx)
	set, _ := k.Settings(ctx)
	first := k.startupDelay(ctx, time.Duration(set.CheckInterval))
	if first == 0 {
		k.scheduledRound(ctx, nil)
	}
	for {
		set, _ := k.Settings(ctx)
		delay := h.nextDelay(time.Duration(set.CheckInterval))
		if first > 0 {
			delay, first = first, 0
		}
		timer := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
			h.takePending()
			k.scheduledRound(ctx, nil)
		case <-wake:
			timer.Stop()
			all, ids := h.takePending()
			if all {
				k.scheduledRound(ctx, nil)
			} else if len(ids) > 0 {
				// "Check now" on some Pages: a small round of its own,
				// which leaves the schedule and its back-off alone.
				rctx, cancel := context.WithTimeout(ctx, roundTimeout)
				_, _ = k.CheckNow(rctx, ids...)
				cancel()
			}
		}
	}
}

func (k *Keeper) scheduledRound(ctx context.Context, ids []string) {
	rctx, cancel := context.WithTimeout(ctx, roundTimeout)
	defer cancel()
	_, _ = k.CheckNow(rctx, ids...) // CheckNow notes the back-off
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

// noteRound updates the back-off from a scheduled round.
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

// nextDelay is the wait before the next scheduled round.
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
// connected Page was checked within the last half interval.
func (k *Keeper) startupDelay(ctx context.Context, interval time.Duration) time.Duration {
	oldest, never, err := k.store.OldestCheck(ctx)
	if err != nil || never || oldest.IsZero() || interval <= 0 {
		return 0
	}
	age := k.now().Sub(oldest)
	if age < 0 || age >= interval/2 {
		return 0
	}
	return interval - age
}

// NextRoundIn is how long the scheduler waits before its next round with
// the current back-off (for the window's "next check in …").
func (k *Keeper) NextRoundIn(ctx context.Context) time.Duration {
	set, _ := k.Settings(ctx)
	return k.health().nextDelay(time.Duration(set.CheckInterval))
}

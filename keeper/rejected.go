package keeper

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/pagekeeper/pagekeeper/fb/login"
	"github.com/pagekeeper/pagekeeper/store"
)

var msgEventRejected = msg("event.login_rejected",
	"A request to the login callback was refused ({{.Kind}}) from {{.Host}}; the login kept waiting.")

// rejectedWriteEvery bounds how often rejected login callbacks are written:
// a flood of forged callbacks costs one write a second, not one each.
const rejectedWriteEvery = time.Second

// rejectedCallbacks holds the counts of rejected login callbacks not yet
// written (see recordRejectedCallback).
type rejectedCallbacks struct {
	mu        sync.Mutex
	pending   map[string]store.Event // by Group; Count is how many are not yet written
	lastWrite time.Time
	timer     *time.Timer // writes what is pending, when armed
	closed    bool
}

// recordRejectedCallback puts a forged, replayed or malformed login callback
// in the audit trail (the attempt carries no secret: its kind, time and
// loopback peer). Repeats are counted, not listed: one event per kind, peer
// and minute with how many came (store.Event.Group), so a flood (20,000
// forged callbacks in one login) takes a handful of rows, and a restart goes
// on counting in the same row. The first is written at once; repeats at most
// once a second, and when the Keeper closes or exports. A process killed
// meanwhile loses at most a second's count, never the event.
func (k *Keeper) recordRejectedCallback(a login.Attempt) {
	host, _, err := net.SplitHostPort(a.Remote)
	if err != nil {
		host = a.Remote
	}
	ev := newEvent(a.At, "", "login_rejected", msgEventRejected.with("Kind", string(a.Kind), "Host", host))
	ev.Count, ev.Group = 1, fmt.Sprintf("login_rejected %s %s %d", a.Kind, host, a.At.Truncate(time.Minute).Unix())
	r := &k.rejected
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	if r.pending == nil {
		r.pending = map[string]store.Event{}
	}
	if p, ok := r.pending[ev.Group]; ok {
		ev = p
		ev.Count++
	}
	r.pending[ev.Group] = ev
	wait := rejectedWriteEvery - time.Since(r.lastWrite)
	switch {
	case wait <= 0:
		k.writeRejectedLocked()
	case r.timer == nil:
		r.timer = time.AfterFunc(wait, k.flushRejected)
	}
}

// flushRejected writes the pending counts now.
func (k *Keeper) flushRejected() {
	r := &k.rejected
	r.mu.Lock()
	defer r.mu.Unlock()
	k.flushRejectedLocked()
}

// closeRejected writes what is pending and records nothing more: the store
// is about to close.
func (k *Keeper) closeRejected() {
	r := &k.rejected
	r.mu.Lock()
	defer r.mu.Unlock()
	k.flushRejectedLocked()
	r.closed = true
}

// flushRejectedLocked stops the pending timer and writes the counts.
func (k *Keeper) flushRejectedLocked() {
	if r := &k.rejected; r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
	k.writeRejectedLocked()
}

func (k *Keeper) writeRejectedLocked() {
	r := &k.rejected
	r.lastWrite = time.Now()
	if len(r.pending) == 0 {
		return
	}
	err := k.store.Update(context.Background(), func(tx *store.Tx) error {
		for _, ev := range r.pending {
			if _, err := tx.AppendEvent(ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil { // otherwise kept, and tried again with the next one
		clear(r.pending)
	}
}

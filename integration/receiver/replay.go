package receiver

import (
	"sync"
	"time"
)

// seen remembers the webhook-ids received within the tolerance window.
//
// Pagekeeper signs every attempt with the time of that attempt and keeps the
// webhook-id of the event, so an ID seen again tells a retry from a replay:
//   - a later timestamp is Pagekeeper retrying (the answer was lost):
//     answer again what was answered, without processing twice;
//   - the same or an earlier timestamp is someone sending a captured request
//     again: refuse it.
//
// An ID is forgotten once its latest timestamp is older than the
// tolerance: from then on the timestamp check refuses the captured request.
type seen struct {
	mu        sync.Mutex
	m         map[string]*seenEntry
	max       int
	tolerance time.Duration
	inserts   int
}

type seenEntry struct {
	at       time.Time // the latest timestamp accepted for this ID
	done     bool      // processed; answer is what was answered
	answer   []byte
	forgetAt time.Time
}

type seenState int

const (
	seenNew    seenState = iota // never seen: process it
	seenReplay                  // the same request again: refuse
	seenBusy                    // still being processed: come back later
	seenDone                    // processed: answer again
	seenFull                    // too many IDs in the window: come back later
)

// sweepEvery: expired IDs are dropped every so many new ones.
const sweepEvery = 4096

func newSeen(max int, tolerance time.Duration) *seen {
	return &seen{m: map[string]*seenEntry{}, max: max, tolerance: tolerance}
}

// begin records id signed at at, received now.
func (s *seen) begin(id string, at, now time.Time) (seenState, []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.m[id]; e != nil && now.Before(e.forgetAt) {
		switch {
		case !at.After(e.at):
			return seenReplay, nil
		case !e.done:
			return seenBusy, nil
		}
		e.at, e.forgetAt = at, at.Add(s.tolerance)
		return seenDone, e.answer
	}
	s.inserts++
	if len(s.m) >= s.max || s.inserts%sweepEvery == 0 {
		s.sweepLocked(now)
	}
	if len(s.m) >= s.max {
		return seenFull, nil
	}
	s.m[id] = &seenEntry{at: at, forgetAt: at.Add(s.tolerance)}
	return seenNew, nil
}

// finish records the answer given to id.
func (s *seen) finish(id string, answer []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.m[id]; e != nil {
		e.done, e.answer = true, answer
	}
}

// forget drops id: it was not processed, and its retry must be.
func (s *seen) forget(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

func (s *seen) sweepLocked(now time.Time) {
	for id, e := range s.m {
		if !now.Before(e.forgetAt) {
			delete(s.m, id)
		}
	}
}

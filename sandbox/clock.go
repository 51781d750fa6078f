package sandbox

import (
	"sync"
	"time"
)

// DefaultStart is where the default clock stands: a fixed instant so that
// every run sees the same token lifetimes and messaging windows.
var DefaultStart = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

// Clock is the fake's notion of "now". Token lifetimes, code expiry, data
// access expiry, throttle windows and the 24-hour messaging window are all
// measured on it, so tests move time instead of waiting.
type Clock struct {
	mu        sync.Mutex
	t         time.Time
	running   bool
	realStart time.Time
}

// NewClock returns a frozen clock standing at t: it only moves with Advance
// or Set.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// NewRunningClock returns a clock that starts at t and then follows the wall
// clock (useful for the interactive sandbox). Advance and Set still work.
func NewRunningClock(t time.Time) *Clock {
	return &Clock{t: t, running: true, realStart: time.Now()}
}

// Now returns the current fake time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		return c.t.Add(time.Since(c.realStart))
	}
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Set puts the clock at t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	if c.running {
		c.realStart = time.Now()
	}
	c.mu.Unlock()
}

// mark is the clock's setting rather than its reading: where a frozen
// clock stands, or by how much a running one is ahead of the wall clock.
// Only Advance and Set change it.
func (c *Clock) mark() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		return "running " + c.t.Sub(c.realStart).String()
	}
	return "frozen " + c.t.UTC().Format(time.RFC3339Nano)
}

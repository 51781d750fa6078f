package ui

import (
	"context"
	"sync"

	"fyne.io/fyne/v2"
)

// A bridge is where background work meets widgets, and the lifetime of
// that work: the window has one, and every dialog and the wizard a child
// of it, closed when they close. Work started with Go runs off the Fyne
// goroutine with the bridge's context, so closing the owner cancels it
// (a login frees its port at once); its result reaches widgets only through
// fyne.Do, and only while the owner is open.
type bridge struct {
	ctx    context.Context
	cancel context.CancelFunc
	// work counts the running workers of the whole tree (Wait).
	work *sync.WaitGroup
}

// newBridge is a window's bridge.
func newBridge() *bridge {
	ctx, cancel := context.WithCancel(context.Background())
	return &bridge{ctx: ctx, cancel: cancel, work: &sync.WaitGroup{}}
}

// child is the bridge of something the owner opens (a dialog, the wizard):
// closed with it, or on its own.
func (b *bridge) child() *bridge {
	ctx, cancel := context.WithCancel(b.ctx)
	return &bridge{ctx: ctx, cancel: cancel, work: b.work}
}

// Go runs work off the Fyne goroutine; the function it returns (if any)
// then runs on the Fyne goroutine, unless the owner closed meanwhile.
func (b *bridge) Go(work func(ctx context.Context) (show func())) {
	b.work.Add(1)
	go func() {
		defer b.work.Done()
		if show := work(b.ctx); show != nil {
			b.Do(show)
		}
	}()
}

// Do hands f to the Fyne goroutine (from a worker: progress, a result);
// it is dropped when the owner has closed. Nothing is handed to Fyne once
// the owner has closed, so a shutdown never waits on Fyne's queue.
func (b *bridge) Do(f func()) {
	if b.ctx.Err() != nil {
		return
	}
	fyne.Do(func() {
		if b.ctx.Err() == nil {
			f()
		}
	})
}

// Close cancels the owner's work; what it would still show is dropped.
func (b *bridge) Close() { b.cancel() }

// Closed reports whether the owner has closed.
func (b *bridge) Closed() bool { return b.ctx.Err() != nil }

// Wait blocks until every worker of the tree has returned (after Close).
func (b *bridge) Wait() { b.work.Wait() }

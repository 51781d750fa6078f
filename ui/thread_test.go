package ui

import (
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// Fyne's test driver runs fyne.Do inline on the calling goroutine, so a
// worker's result would touch widgets on the worker's goroutine while the
// test reads them on its own. newTestApp gives the test app a driver that
// does what the real one does: every fyne.Do runs on one goroutine (the
// "UI goroutine"), in order. The test itself touches widgets only through
// onMain (fyne.DoAndWait), so under -race the test checks the real rule —
// widgets are touched on the UI goroutine only — with no lock in the product.

type uiDriver struct {
	fyne.Driver
	mu    sync.Mutex
	queue []func()
	more  chan struct{} // something was queued
	tick  chan struct{} // closed (and replaced) after each update from the product
	quit  chan struct{}
	ended chan struct{}
}

type uiApp struct {
	fyne.App
	drv *uiDriver
	// onQuit, when set, is told of every Quit (the product asking Fyne to
	// quit); Fyne's test app does nothing on Quit, like a Fyne whose
	// shutdown hangs.
	onQuit func()
}

func (a *uiApp) Driver() fyne.Driver { return a.drv }

func (a *uiApp) Quit() {
	if a.onQuit != nil {
		a.onQuit()
	}
}

// current is the test app of the running test, if any.
var current *uiApp

// newTestApp is Fyne's test app with a UI goroutine of its own; within a
// test, every call returns the same app.
func newTestApp(t testing.TB) fyne.App {
	t.Helper()
	if current != nil {
		return current
	}
	inner := test.NewTempApp(t)
	d := &uiDriver{Driver: inner.Driver(), more: make(chan struct{}, 1), tick: make(chan struct{}),
		quit: make(chan struct{}), ended: make(chan struct{})}
	a := &uiApp{App: inner, drv: d}
	fyne.SetCurrentApp(a)
	go d.loop()
	current = a
	t.Cleanup(func() {
		close(d.quit)
		<-d.ended
		current = nil
	})
	SetLanguage("en")
	return a
}

// DoFromGoroutine queues f for the UI goroutine (fyne.Do, fyne.DoAndWait).
func (d *uiDriver) DoFromGoroutine(f func(), wait bool) {
	if !wait {
		d.push(f, true)
		return
	}
	done := make(chan struct{})
	d.push(func() { f(); close(done) }, true)
	<-done
}

func (d *uiDriver) push(f func(), fromProduct bool) {
	if fromProduct {
		g := f
		f = func() {
			g()
			d.mu.Lock()
			close(d.tick)
			d.tick = make(chan struct{})
			d.mu.Unlock()
		}
	}
	d.mu.Lock()
	d.queue = append(d.queue, f)
	d.mu.Unlock()
	select {
	case d.more <- struct{}{}:
	default:
	}
}

func (d *uiDriver) loop() {
	defer close(d.ended)
	for {
		d.mu.Lock()
		q := d.queue
		d.queue = nil
		d.mu.Unlock()
		for _, f := range q {
			f()
		}
		if len(q) > 0 {
			continue
		}
		select {
		case <-d.more:
		case <-d.quit:
			return
		}
	}
}

func driver() *uiDriver { return fyne.CurrentApp().Driver().(*uiDriver) }

// onMain runs f on the UI goroutine and waits for it: the test's one way
// to read or change widgets.
func onMain(f func()) {
	done := make(chan struct{})
	driver().push(func() { f(); close(done) }, false)
	<-done
}

// get reads a value on the UI goroutine.
func get[T any](f func() T) T {
	var v T
	onMain(func() { v = f() })
	return v
}

// eventually waits until cond, read on the UI goroutine, holds: it is
// checked again after every update the product hands to the UI goroutine.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		d := driver()
		d.mu.Lock()
		tick := d.tick
		d.mu.Unlock()
		if get(cond) {
			return
		}
		select {
		case <-tick:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// tap taps like a person.
func tap(o fyne.Tappable) { onMain(func() { test.Tap(o) }) }

// typeText types like a person.
func typeText(o fyne.Focusable, s string) { onMain(func() { test.Type(o, s) }) }

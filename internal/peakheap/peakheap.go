// Package peakheap measures the heap a benchmarked piece of work needs: the
// "extra memory" figures in BENCHMARKS.md.
package peakheap

import (
	"runtime"
	"time"
)

// Watch samples the heap in use every 5 ms from Start until Stop.
type Watch struct {
	stop            chan struct{}
	top             chan uint64
	base, allocBase uint64
}

// Start collects garbage, notes the heap in use, and starts sampling.
func Start() *Watch {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	w := &Watch{stop: make(chan struct{}), top: make(chan uint64), base: ms.HeapInuse, allocBase: ms.TotalAlloc}
	go func() {
		var top uint64
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			top = max(top, m.HeapInuse)
			select {
			case <-w.stop:
				w.top <- top
				return
			case <-t.C:
			}
		}
	}()
	return w
}

// Stop ends the sampling: peak is the most heap in use above what was in
// use at Start, allocated the bytes allocated in between.
func (w *Watch) Stop() (peak, allocated uint64) {
	close(w.stop)
	top := <-w.top
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if top > w.base {
		peak = top - w.base
	}
	return peak, ms.TotalAlloc - w.allocBase
}

// Package peakheap measures the heap a benchmarked piece of work needs: the
// "extra memory" figures in BENCHMARKS.md.
package peakheap

import (
	"runtime"
	"runtime/metrics"
	"time"
)

// Watch samples the heap in use every 5 ms from Start until Stop.
type Watch struct {
	stop            chan struct{}
	top             chan uint64
	base, allocBase uint64
}

// The heap in use (runtime.MemStats.HeapInuse: objects and the free space
// in their spans) and the bytes allocated so far (TotalAlloc). Read through
// runtime/metrics, which, unlike ReadMemStats, does not stop the world:
// sampling every 5 ms must not cost the measured work CPU.
var names = []string{"/memory/classes/heap/objects:bytes", "/memory/classes/heap/unused:bytes", "/gc/heap/allocs:bytes"}

func read(s []metrics.Sample) (inuse, allocated uint64) {
	metrics.Read(s)
	return s[0].Value.Uint64() + s[1].Value.Uint64(), s[2].Value.Uint64()
}

func samples() []metrics.Sample {
	s := make([]metrics.Sample, len(names))
	for i, n := range names {
		s[i].Name = n
	}
	return s
}

// Start collects garbage, notes the heap in use, and starts sampling.
func Start() *Watch {
	runtime.GC()
	base, allocBase := read(samples())
	w := &Watch{stop: make(chan struct{}), top: make(chan uint64), base: base, allocBase: allocBase}
	go func() {
		s := samples()
		var top uint64
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			inuse, _ := read(s)
			top = max(top, inuse)
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
	_, allocated = read(samples())
	if top > w.base {
		peak = top - w.base
	}
	return peak, allocated - w.allocBase
}

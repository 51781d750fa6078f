//go:build !unix

package fakeproc

import (
	"runtime/metrics"
	"time"
)

// ProcessCPU is the runtime's estimate of the CPU time Go code and the
// runtime have used (no getrusage here: time blocked in system calls is
// missed).
func ProcessCPU() time.Duration {
	s := []metrics.Sample{{Name: "/cpu/classes/user:cpu-seconds"}, {Name: "/cpu/classes/gc/total:cpu-seconds"},
		{Name: "/cpu/classes/scavenge/total:cpu-seconds"}}
	metrics.Read(s)
	var sec float64
	for _, v := range s {
		if v.Value.Kind() == metrics.KindFloat64 {
			sec += v.Value.Float64()
		}
	}
	return time.Duration(sec * float64(time.Second))
}

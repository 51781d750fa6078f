package keeper

import (
	"context"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"
)

func BenchmarkZZProf(b *testing.B) {
	const n = 10000
	k, fake, _ := benchEnv(b, n)
	fake.SetLatency(50 * time.Millisecond)
	ctx := context.Background()
	if _, err := k.CheckNow(ctx); err != nil {
		b.Fatal(err)
	}
	for i := range 3 {
		runtime.GC()
		f, _ := os.Create("/tmp/round.prof")
		if i == 2 {
			pprof.StartCPUProfile(f)
		}
		start := time.Now()
		if _, err := k.CheckNow(ctx); err != nil {
			b.Fatal(err)
		}
		b.Logf("round %d: %v", i, time.Since(start))
		if i == 2 {
			pprof.StopCPUProfile()
		}
		f.Close()
	}
}

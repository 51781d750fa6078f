package fb

import (
	"context"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/sandbox"
)

// BenchmarkCheckTokens10k is a health round over 10,000 Pages: every Page
// token self-inspected with batched debug_token, each HTTP request taking
// 50 ms longer on the fake (Facebook's latency). What a user waits on is the
// wall time against the floor the batching allows:
// ⌈requests ÷ BatchConcurrency⌉ × 50 ms.
//
//	go test -run xxx -bench CheckTokens10k -benchtime 1x ./fb/
func BenchmarkCheckTokens10k(b *testing.B) {
	const (
		pages   = 10000
		latency = 50 * time.Millisecond
	)
	env := startFake(b, sandbox.Options{Seed: 42, ExtraPages: pages}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	accounts, err := env.c.Accounts(ctx, env.user)
	if err != nil {
		b.Fatal(err)
	}
	var toks []token.Token
	for _, p := range accounts {
		if len(p.ID) == 15 && p.ID[:2] == "13" { // the generated Pages
			toks = append(toks, p.AccessToken)
		}
	}
	if len(toks) != pages {
		b.Fatalf("%d Page tokens, want %d", len(toks), pages)
	}
	conc := env.c.Config().BatchConcurrency
	env.fake.SetLatency(latency)
	env.fake.ResetStats()

	b.ResetTimer()
	start := time.Now()
	for range b.N {
		checks, err := env.c.InspectTokens(ctx, toks)
		if err != nil {
			b.Fatal(err)
		}
		for i, ch := range checks {
			if ch.Err != nil || !ch.Info.Valid {
				b.Fatalf("token %d: %+v", i, ch)
			}
		}
	}
	wall := time.Since(start) / time.Duration(b.N)
	b.StopTimer()

	requests := env.fake.Stats().Requests / b.N
	if want := (pages + MaxBatchOps - 1) / MaxBatchOps; requests != want {
		b.Fatalf("%d HTTP requests per round, want exactly %d", requests, want)
	}
	floor := time.Duration((requests+conc-1)/conc) * latency
	b.ReportMetric(float64(requests), "http_requests")
	b.ReportMetric(float64(wall.Milliseconds()), "wall_ms")
	b.ReportMetric(float64(floor.Milliseconds()), "floor_ms")
	b.ReportMetric(float64(wall)/float64(floor), "ratio")
}

package keeper

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/internal/peakheap"
	"github.com/pagekeeper/pagekeeper/sandbox"
	"github.com/pagekeeper/pagekeeper/store"
)

// benchEnv connects n generated Pages the fast way: subscribed through
// batched POSTs, rows and sealed tokens written in one transaction.
func benchEnv(b *testing.B, n int) (*Keeper, *sandbox.Fake, []string) {
	b.Helper()
	srv, err := sandbox.Start(sandbox.Options{Seed: 42, ExtraPages: n})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	c := fb.New(fb.Config{GraphURL: srv.URL, AppID: srv.Fake.Options().AppID,
		Retry: fb.RetryPolicy{MaxAttempts: 1}, CallTimeout: time.Minute})
	k := openOnFake(b, srv, Options{Dir: b.TempDir(), Keyring: store.NewMemoryKeyring(), Now: srv.Fake.Clock().Now, Host: "bench",
		FacebookRetry: fb.RetryPolicy{MaxAttempts: 1}, FacebookCallTimeout: time.Minute})
	user := srv.Fake.IssueUserToken(sandbox.DemoUserID, true, healthScopes)
	fields, _ := PresetFields(DefaultPreset, nil)
	ids := make([]string, n)
	toks := make([]token.Token, n)
	ops := make([]fb.BatchOp, n)
	for i := range n {
		ids[i] = sandbox.ExtraPageID(i + 1)
		toks[i] = token.New(srv.Fake.PageToken(user, ids[i]))
		ops[i] = fb.BatchOp{Method: http.MethodPost, RelativeURL: ids[i] + "/subscribed_apps", Token: toks[i],
			Body: url.Values{"subscribed_fields": {strings.Join(fields, ",")}}}
	}
	ctx := context.Background()
	rs, err := c.Batch(ctx, token.New(user), ops)
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range rs {
		if r.Err != nil {
			b.Fatal(r.Err)
		}
	}
	now := k.now()
	err = k.store.Update(ctx, func(tx *store.Tx) error {
		for i, id := range ids {
			p := store.Page{ID: id, Name: id, Status: store.StatusValid, StatusSince: now, CheckedAt: now, LastOKAt: now,
				WebhookPreset: store.PresetBot, WebhookFields: fields, SubscribedFields: fields, IsPublished: true,
				Scopes: append([]string{"public_profile"}, healthScopes...), ConnectedAt: now}
			if err := tx.UpsertPage(p); err != nil {
				return err
			}
			if err := tx.SaveToken(id, toks[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return k, srv.Fake, ids
}

// BenchmarkHealthRound10k is a whole round as the scheduler runs it over
// 10,000 connected Pages, 50 ms added to every request: tokens opened from
// the store, the batched checks, the decisions, and the results written
// (500 Pages per transaction).
//
//	go test -run xxx -bench HealthRound10k -benchtime 1x ./keeper/
func BenchmarkHealthRound10k(b *testing.B) {
	const n, latency = 10000, 50 * time.Millisecond
	k, fake, _ := benchEnv(b, n)
	fake.SetLatency(latency)
	ctx := context.Background()
	if _, err := k.CheckNow(ctx); err != nil { // first round writes the facts
		b.Fatal(err)
	}
	var wall time.Duration
	var peak uint64
	requests := 3 * ((n + fb.MaxBatchOps - 1) / fb.MaxBatchOps)
	for range b.N {
		fake.ResetStats()
		w := peakheap.Start()
		start := time.Now()
		r, err := k.CheckNow(ctx)
		wall += time.Since(start)
		top, _ := w.Stop()
		peak = max(peak, top)
		if err != nil {
			b.Fatal(err)
		}
		if r.Totals.Valid != n {
			b.Fatalf("%+v", r.Totals)
		}
		if got := fake.Stats().Requests; got != requests {
			b.Fatalf("%d HTTP requests, want %d (⌈N/50⌉ per operation kind)", got, requests)
		}
	}
	conc := 8
	floor := time.Duration((requests+conc-1)/conc) * latency
	per := wall / time.Duration(b.N)
	b.ReportMetric(float64(requests), "http_requests")
	b.ReportMetric(float64(per.Milliseconds()), "wall_ms")
	b.ReportMetric(float64(floor.Milliseconds()), "floor_ms")
	b.ReportMetric(float64(per)/float64(floor), "ratio")
	b.ReportMetric(float64(peak)/(1<<20), "peak_heap_MB")
}

// BenchmarkHealthRoundThrottled10pct: 1,000 of 10,000 Pages answer
// throttling errors (code 32). The round finishes, marks exactly them
// "could not check" (no alert), and the next round backs off to 2×.
//
//	go test -run xxx -bench HealthRoundThrottled -benchtime 1x ./keeper/
func BenchmarkHealthRoundThrottled10pct(b *testing.B) {
	const n, latency = 10000, 50 * time.Millisecond
	k, fake, ids := benchEnv(b, n)
	fake.SetLatency(latency)
	ctx := context.Background()
	if _, err := k.CheckNow(ctx); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < n; i += 10 {
		fake.ThrottleFor(ids[i], 32, 30*time.Minute)
	}
	var wall time.Duration
	for range b.N {
		fake.ResetStats()
		start := time.Now()
		r, err := k.CheckNow(ctx)
		wall += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if r.Totals.CouldNotCheck != n/10 || r.Totals.Valid != n-n/10 || r.Throttled != n/10 || len(r.Alerts) != 0 {
			b.Fatalf("totals %+v, throttled %d, alerts %d", r.Totals, r.Throttled, len(r.Alerts))
		}
		if d := k.NextRoundIn(); d != 2*time.Hour {
			b.Fatalf("next round in %v, want 2 h", d)
		}
	}
	b.ReportMetric(float64(fake.Stats().Requests), "http_requests")
	b.ReportMetric(float64((wall / time.Duration(b.N)).Milliseconds()), "wall_ms")
}

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
	"github.com/pagekeeper/pagekeeper/internal/fakeproc"
	"github.com/pagekeeper/pagekeeper/internal/peakheap"
	"github.com/pagekeeper/pagekeeper/sandbox"
	"github.com/pagekeeper/pagekeeper/store"
)

// TestFakeProcess is the fake Facebook's process for the benchmarks.
func TestFakeProcess(t *testing.T) { fakeproc.Serve(t) }

// benchFacebook is the fake Facebook a benchmark checks: its address, its
// app, and a user token of the admin of its generated Pages.
type benchFacebook struct {
	url, appID, appSecret string
	user                  token.Token
}

// benchEnv connects n generated Pages the fast way: subscribed through
// batched POSTs, rows and sealed tokens written in one transaction. The
// client has the App Secret, as recommended: a round asks debug_token, the
// Page and subscribed_apps for every Page. now is the keeper's clock (nil:
// the real one).
func benchEnv(b *testing.B, n int, f benchFacebook, now func() time.Time) (*Keeper, []string) {
	b.Helper()
	c := fb.New(fb.Config{GraphURL: f.url, AppID: f.appID, AppSecret: token.New(f.appSecret),
		Retry: fb.RetryPolicy{MaxAttempts: 1}, CallTimeout: time.Minute})
	ctx := context.Background()
	k, err := Open(ctx, Options{Dir: b.TempDir(), Keyring: store.NewMemoryKeyring(), Now: now, Host: "bench",
		FacebookURL: f.url, FacebookRetry: fb.RetryPolicy{MaxAttempts: 1}, FacebookCallTimeout: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = k.Close() })
	set := k.Settings()
	set.AppID = f.appID
	if err := k.UpdateSettings(ctx, set, Secrets{AppSecret: NewSecret(f.appSecret)}); err != nil {
		b.Fatal(err)
	}
	accounts, err := c.Accounts(ctx, f.user)
	if err != nil {
		b.Fatal(err)
	}
	pageToken := map[string]token.Token{}
	for _, p := range accounts {
		pageToken[p.ID] = p.AccessToken
	}
	fields, _ := PresetFields(DefaultPreset, nil)
	ids := make([]string, n)
	toks := make([]token.Token, n)
	ops := make([]fb.BatchOp, n)
	for i := range n {
		ids[i] = sandbox.ExtraPageID(i + 1)
		toks[i] = pageToken[ids[i]]
		ops[i] = fb.BatchOp{Method: http.MethodPost, RelativeURL: ids[i] + "/subscribed_apps", Token: toks[i],
			Body: url.Values{"subscribed_fields": {strings.Join(fields, ",")}}}
	}
	rs, err := c.Batch(ctx, f.user, ops)
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range rs {
		if r.Err != nil {
			b.Fatal(r.Err)
		}
	}
	at := k.now()
	err = k.store.Update(ctx, func(tx *store.Tx) error {
		for i, id := range ids {
			p := store.Page{ID: id, Name: id, Status: store.StatusValid, StatusSince: at, CheckedAt: at, LastOKAt: at,
				WebhookPreset: store.PresetBot, WebhookFields: fields, SubscribedFields: fields, IsPublished: true,
				Scopes: append([]string{"public_profile"}, healthScopes...), ConnectedAt: at}
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
	return k, ids
}

// benchLatencies are the delays the fake adds to every HTTP request: 50 ms
// (the first benchmarks') and 200 ms, closer to what a Graph batch of 50
// operations takes from a customer's office.
var benchLatencies = []time.Duration{50 * time.Millisecond, 200 * time.Millisecond}

// BenchmarkHealthRound10k is a whole round as the scheduler runs it over
// 10,000 connected Pages, at each of benchLatencies: tokens opened from the
// store, the batched checks, the decisions, and the results written (500
// Pages per transaction). The fake Facebook runs in its own process
// (internal/fakeproc), so the CPU and heap figures are Pagekeeper's alone.
// It reports the wall time against the floor the batching allows
// (⌈requests ÷ 8 in flight⌉ × latency), the CPU time of the round (user +
// system: cpu_s for Pagekeeper, cpu_fake_s for the fake's process) and the
// peak heap above the start of the round.
//
//	go test -run xxx -bench HealthRound10k -benchtime 1x ./keeper/
//	go test -run xxx -bench 'HealthRound10k/latency=200ms' -benchtime 1x ./keeper/
func BenchmarkHealthRound10k(b *testing.B) {
	const n = 10000
	fake := fakeproc.Start(b, fakeproc.Options{Seed: 42, ExtraPages: n, UserScopes: healthScopes})
	k, _ := benchEnv(b, n, benchFacebook{fake.URL, fake.AppID, fake.AppSecret, token.New(fake.UserToken)}, nil)
	ctx := context.Background()
	if _, err := k.CheckNow(ctx); err != nil { // first round writes the facts
		b.Fatal(err)
	}
	for _, latency := range benchLatencies {
		b.Run("latency="+latency.String(), func(b *testing.B) {
			if err := fake.SetLatency(latency); err != nil {
				b.Fatal(err)
			}
			var wall, cpu, fakeCPU time.Duration
			var peak uint64
			requests := 3 * ((n + fb.MaxBatchOps - 1) / fb.MaxBatchOps)
			for range b.N {
				if err := fake.ResetStats(); err != nil {
					b.Fatal(err)
				}
				fakeStart, err := fake.CPU()
				if err != nil {
					b.Fatal(err)
				}
				w := peakheap.Start()
				cpuStart := fakeproc.ProcessCPU()
				start := time.Now()
				r, err := k.CheckNow(ctx)
				wall += time.Since(start)
				cpu += fakeproc.ProcessCPU() - cpuStart
				top, _ := w.Stop()
				peak = max(peak, top)
				if err != nil {
					b.Fatal(err)
				}
				fakeEnd, err := fake.CPU()
				if err != nil {
					b.Fatal(err)
				}
				fakeCPU += fakeEnd - fakeStart
				if r.Totals.Valid != n {
					b.Fatalf("%+v", r.Totals)
				}
				if got, err := fake.Requests(); err != nil || got != requests {
					b.Fatalf("%d HTTP requests (%v), want %d (⌈N/50⌉ per operation kind)", got, err, requests)
				}
			}
			conc := 8
			floor := time.Duration((requests+conc-1)/conc) * latency
			per := wall / time.Duration(b.N)
			b.ReportMetric(float64(requests), "http_requests")
			b.ReportMetric(float64(per.Milliseconds()), "wall_ms")
			b.ReportMetric(float64(floor.Milliseconds()), "floor_ms")
			b.ReportMetric(float64(per)/float64(floor), "ratio")
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu_s")
			b.ReportMetric(fakeCPU.Seconds()/float64(b.N), "cpu_fake_s")
			b.ReportMetric(float64(peak)/(1<<20), "peak_heap_MB")
		})
	}
}

// BenchmarkHealthRoundThrottled10pct: 1,000 of 10,000 Pages answer
// throttling errors (code 32). The round finishes, marks exactly them
// "could not check" (no alert), and the next round backs off to 2×.
//
//	go test -run xxx -bench HealthRoundThrottled -benchtime 1x ./keeper/
func BenchmarkHealthRoundThrottled10pct(b *testing.B) {
	const n, latency = 10000, 50 * time.Millisecond
	srv, err := sandbox.Start(sandbox.Options{Seed: 42, ExtraPages: n})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	fake := srv.Fake
	k, ids := benchEnv(b, n, benchFacebook{srv.URL, fake.Options().AppID, fake.Options().AppSecret,
		token.New(fake.IssueUserToken(sandbox.DemoUserID, true, healthScopes))}, fake.Clock().Now)
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

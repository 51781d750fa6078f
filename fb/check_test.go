package fb

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/internal/fakeproc"
	"github.com/pagekeeper/pagekeeper/internal/peakheap"
	"github.com/pagekeeper/pagekeeper/sandbox"
)

func (e *fakeEnv) probes(ids ...string) []PageProbe {
	out := make([]PageProbe, len(ids))
	for i, id := range ids {
		out[i] = PageProbe{PageID: id, Token: e.pageTok(id)}
	}
	return out
}

func TestCheckPagesReadsEveryFact(t *testing.T) {
	env := startFake(t, sandbox.Options{Seed: 3}, nil)
	ctx := ctxT(t)
	pr := env.probes(sandbox.PageSunriseCafe, sandbox.PageOldTownTailor, sandbox.PageHarborBooks)
	if err := env.c.Subscribe(ctx, sandbox.PageSunriseCafe, pr[0].Token, []string{"messages", "messaging_postbacks"}); err != nil {
		t.Fatal(err)
	}
	env.fake.ResetStats()
	hs, err := env.c.CheckPages(ctx, token.Token{}, pr)
	if err != nil {
		t.Fatal(err)
	}
	if got := env.fake.Stats().Requests; got != 1 {
		t.Fatalf("%d HTTP requests for 3 Pages × 3 operations, want 1 batch", got)
	}
	s := hs[0]
	if s.TokenErr != nil || s.PageErr != nil || s.SubErr != nil {
		t.Fatalf("errors: %v %v %v", s.TokenErr, s.PageErr, s.SubErr)
	}
	if !s.Token.Valid || s.Token.Type != "PAGE" || !s.Token.Never || s.Token.DataAccessExpiresAt.IsZero() || !s.Token.HasScope("pages_messaging") {
		t.Fatalf("token facts: %+v", s.Token)
	}
	if !s.Inspected || s.Page.Name != "Sunrise Café" || s.Page.Published == nil || !*s.Page.Published {
		t.Fatalf("page facts: %+v", s.Page)
	}
	if !s.Subscribed() || len(s.SubscribedFields()) != 2 {
		t.Fatalf("subscription: %+v", s.Apps)
	}
	if hs[1].Page.Published == nil || *hs[1].Page.Published {
		t.Fatalf("Old Town Tailor is unpublished: %+v", hs[1].Page)
	}
	if hs[2].Subscribed() || hs[2].SubErr != nil {
		t.Fatalf("Harbor Books is not subscribed: %+v %v", hs[2].Apps, hs[2].SubErr)
	}
}

func TestCheckPagesClassifiesFaultsPerPage(t *testing.T) {
	// The batch's top-level token is the dead one, so the batch is refused
	// as a whole and every operation is answered on its own.
	env := startFake(t, sandbox.Options{Seed: 4, ExtraPages: 2}, func(c *Config) {
		c.Retry = RetryPolicy{MaxAttempts: 1}
	})
	ctx := ctxT(t)
	// Second user's Page first: his password changes.
	other := token.New(env.fake.IssueUserToken(sandbox.SecondUserID, true, demoScopes))
	lakeside := PageProbe{PageID: sandbox.PageLakesideBikes, Token: token.New(env.fake.PageToken(other.Reveal(), sandbox.PageLakesideBikes))}
	pr := append([]PageProbe{lakeside}, env.probes(sandbox.PageSunriseCafe, sandbox.ExtraPageID(1), sandbox.ExtraPageID(2))...)
	env.fake.ChangePassword(sandbox.SecondUserID)
	env.fake.Throttle(sandbox.ExtraPageID(1), 80001)
	env.fake.DropWebhook(sandbox.PageSunriseCafe)
	env.fake.FailNext(sandbox.ExtraPageID(2), 1, 503)

	hs, err := env.c.CheckPages(ctx, lakeside.Token, pr)
	if err != nil {
		t.Fatal(err)
	}
	if h := hs[0]; h.TokenErr != nil || h.Token.Valid || h.Token.Error == nil || h.Token.Error.Reason != ReasonPasswordChanged {
		t.Fatalf("password changed: %+v %v", h.Token, h.TokenErr)
	}
	if h := hs[1]; h.TokenErr != nil || !h.Token.Valid || h.Subscribed() {
		t.Fatalf("Sunrise Café: valid token, no webhook: %+v %v", h, h.TokenErr)
	}
	// A Page's business-use-case limit throttles the calls with its token;
	// debug_token, asked with the app token, still answers.
	if h := hs[2]; h.PageErr == nil || h.PageErr.Class != ClassThrottled || h.SubErr == nil || h.SubErr.Class != ClassThrottled || !h.Token.Valid {
		t.Fatalf("throttled Page must be 'could not check': %+v", h)
	}
	if h := hs[3]; h.TokenErr == nil && h.PageErr == nil && h.SubErr == nil {
		t.Fatalf("a 503 on one operation must show on that operation: %+v", h)
	} else if h.Token.Error != nil {
		t.Fatalf("a transient failure is not an invalid token: %+v", h.Token)
	}
}

func TestCheckPagesOfflineStopsSendingAndReportsEveryPage(t *testing.T) {
	env := startFake(t, sandbox.Options{Seed: 5, ExtraPages: 200}, func(c *Config) {
		c.BatchConcurrency = 2
		c.Retry = RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}
	})
	ctx := ctxT(t)
	var pr []PageProbe
	for i := 1; i <= 200; i++ {
		pr = append(pr, env.probes(sandbox.ExtraPageID(i))...)
	}
	env.fake.SetOffline(true)
	hs, err := env.c.CheckPages(ctx, token.Token{}, pr)
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range hs {
		if h.TokenErr == nil || h.TokenErr.Reason != ReasonOffline {
			t.Fatalf("Page %d: %+v, want could not check (offline)", i, h.TokenErr)
		}
	}
}

// Without an App Secret nobody may ask debug_token: the round reads what
// the Page token itself can (the Page, its subscription) and a dead token
// shows in those answers' codes.
func TestCheckPagesWithoutAppSecret(t *testing.T) {
	env := startFakeWithoutSecret(t, sandbox.Options{Seed: 7})
	ctx := ctxT(t)
	pr := env.probes(sandbox.PageSunriseCafe, sandbox.PageHarborBooks)
	env.fake.RemoveRole(sandbox.DemoUserID, sandbox.PageHarborBooks)
	env.fake.ResetStats()
	hs, err := env.c.CheckPages(ctx, token.Token{}, pr)
	if err != nil {
		t.Fatal(err)
	}
	if got := env.fake.Stats().ByPath["/debug_token"]; got != 0 {
		t.Fatalf("%d debug_token calls without an App Secret", got)
	}
	if got := env.fake.Stats().Requests; got != 1 {
		t.Fatalf("%d HTTP requests for 2 Pages × 2 operations, want 1 batch", got)
	}
	if h := hs[0]; h.Inspected || h.PageErr != nil || h.SubErr != nil || h.Page.Name != "Sunrise Café" {
		t.Fatalf("Sunrise Café: %+v", h)
	}
	if h := hs[1]; h.PageErr == nil || h.PageErr.Reason != ReasonRoleLost || h.SubErr == nil || h.SubErr.Reason != ReasonRoleLost {
		t.Fatalf("Harbor Books lost its role: %+v", h)
	}
	if _, err := env.c.InspectToken(ctx, pr[0].Token); !errors.Is(err, ErrCannotInspect) {
		t.Fatalf("InspectToken without a secret: %v", err)
	}
}

// Each operation's headers are asked for: a Page token's business-use-case
// usage arrives only there, and it paces the round.
func TestCheckPagesReadsEachOperationsUsage(t *testing.T) {
	env := startFake(t, sandbox.Options{Seed: 8}, nil)
	ctx := ctxT(t)
	pr := env.probes(sandbox.PageSunriseCafe)
	env.fake.ThrottleFor(sandbox.PageSunriseCafe, 80001, 7*time.Minute)
	started := time.Now()
	if _, err := env.c.CheckPages(ctx, token.Token{}, pr); err != nil {
		t.Fatal(err)
	}
	u := env.c.Usage()
	var found bool
	for _, b := range u.Business {
		if b.ID == sandbox.PageSunriseCafe && b.RegainIn >= 7*time.Minute {
			found = true
		}
	}
	if !found || u.At.Before(started) {
		t.Fatalf("the Page's X-Business-Use-Case-Usage did not reach the client: %+v", u)
	}
	if w, _ := env.c.paceWait(started); w < 7*time.Minute {
		t.Fatalf("the round would not wait: %v", w)
	}
}

func TestCheckPagesPacesOnUsageReports(t *testing.T) {
	env := startFake(t, sandbox.Options{Seed: 6}, nil)
	roundStart := time.Now()
	// A report at 100 % with 3 minutes to regain access, as a batch answer
	// would carry it.
	env.c.noteUsage(map[string][]string{"X-Page-Usage": {`{"call_count":100,"total_time":50,"total_cputime":50,"estimated_time_to_regain_access":3}`}})
	if w, _ := env.c.paceWait(roundStart); w < 3*time.Minute {
		t.Fatalf("paceWait = %v, want the 3 minutes Facebook asked for", w)
	}
	if w, _ := env.c.paceWait(time.Now().Add(time.Hour)); w != 0 {
		t.Fatalf("a report older than the round must not be waited on: %v", w)
	}
	env.c.noteUsage(map[string][]string{"X-Page-Usage": {`{"call_count":40,"total_time":10,"total_cputime":10}`}})
	if w, _ := env.c.paceWait(roundStart); w != 0 {
		t.Fatalf("40 %% needs no wait, got %v", w)
	}
}

// TestFakeProcess is the fake Facebook's process for the benchmarks.
func TestFakeProcess(t *testing.T) { fakeproc.Serve(t) }

// BenchmarkCheckPages10k is a health round over 10,000 Pages on the fake
// with 50 ms, then 200 ms, added to every HTTP request: three operations
// per Page (debug_token, the Page node, subscribed_apps) in batches of 50.
// The fake runs in its own process (internal/fakeproc), "Require App
// Secret" on. It reports the requests, the wall time against the floor the
// batching allows (⌈requests ÷ BatchConcurrency⌉ × latency), the CPU time
// of the round (user + system: cpu_s for the client, cpu_fake_s for the
// fake's process) and the client's memory: peak heap in use above the level
// before the round (sampled every 5 ms) and the bytes allocated.
//
//	go test -run xxx -bench CheckPages10k -benchtime 1x ./fb/
func BenchmarkCheckPages10k(b *testing.B) {
	const pages = 10000
	fake := fakeproc.Start(b, fakeproc.Options{Seed: 42, ExtraPages: pages, AppSecret: fakeSecret,
		RequireAppSecretProof: true, UserScopes: demoScopes})
	c := New(Config{GraphURL: fake.URL, AppID: fake.AppID, AppSecret: token.New(fake.AppSecret)})
	ctx := context.Background()
	accounts, err := c.Accounts(ctx, token.New(fake.UserToken))
	if err != nil {
		b.Fatal(err)
	}
	pageToken := map[string]token.Token{}
	for _, p := range accounts {
		pageToken[p.ID] = p.AccessToken
	}
	probes := make([]PageProbe, pages)
	for i := range pages {
		id := sandbox.ExtraPageID(i + 1)
		probes[i] = PageProbe{PageID: id, Token: pageToken[id]}
		if probes[i].Token.IsZero() {
			b.Fatalf("no token for Page %s", id)
		}
	}
	conc := c.Config().BatchConcurrency
	for _, latency := range []time.Duration{50 * time.Millisecond, 200 * time.Millisecond} {
		b.Run("latency="+latency.String(), func(b *testing.B) {
			if err := fake.SetLatency(latency); err != nil {
				b.Fatal(err)
			}
			var wall, cpu, fakeCPU time.Duration
			var peak, alloc uint64
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
				b.StartTimer()
				start := time.Now()
				hs, err := c.CheckPages(ctx, token.Token{}, probes)
				wall += time.Since(start)
				b.StopTimer()
				cpu += fakeproc.ProcessCPU() - cpuStart
				top, allocated := w.Stop()
				peak, alloc = max(peak, top), alloc+allocated
				if err != nil {
					b.Fatal(err)
				}
				fakeEnd, err := fake.CPU()
				if err != nil {
					b.Fatal(err)
				}
				fakeCPU += fakeEnd - fakeStart
				for i, h := range hs {
					if h.TokenErr != nil || !h.Token.Valid || h.PageErr != nil || h.SubErr != nil {
						b.Fatalf("Page %d: %+v", i, h)
					}
				}
				if got, err := fake.Requests(); err != nil || got != 3*((pages+MaxBatchOps-1)/MaxBatchOps) {
					b.Fatalf("%d HTTP requests (%v), want %d (⌈N/50⌉ per operation kind)", got, err, 3*((pages+MaxBatchOps-1)/MaxBatchOps))
				}
			}
			requests := 3 * ((pages + MaxBatchOps - 1) / MaxBatchOps)
			floor := time.Duration((requests+conc-1)/conc) * latency
			per := wall / time.Duration(b.N)
			b.ReportMetric(float64(requests), "http_requests")
			b.ReportMetric(float64(per.Milliseconds()), "wall_ms")
			b.ReportMetric(float64(floor.Milliseconds()), "floor_ms")
			b.ReportMetric(float64(per)/float64(floor), "ratio")
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu_s")
			b.ReportMetric(fakeCPU.Seconds()/float64(b.N), "cpu_fake_s")
			b.ReportMetric(float64(peak)/(1<<20), "peak_heap_MB")
			b.ReportMetric(float64(alloc)/float64(b.N)/(1<<20), "alloc_MB")
		})
	}
}

// BenchmarkCheckNaive is the figure beside it: one plain request per Page
// per operation, one after another, with the same 50 ms latency, on 20
// Pages; ×500 extrapolates to 10,000 (about 25 minutes, too long to run).
//
//	go test -run xxx -bench CheckNaive -benchtime 1x ./fb/
func BenchmarkCheckNaive(b *testing.B) {
	const (
		pages   = 20
		latency = 50 * time.Millisecond
	)
	env := startFake(b, sandbox.Options{Seed: 42, ExtraPages: pages}, nil)
	probes := make([]PageProbe, pages)
	for i := range pages {
		probes[i] = env.probes(sandbox.ExtraPageID(i + 1))[0]
	}
	env.fake.SetLatency(latency)
	ctx := context.Background()
	env.fake.ResetStats()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		for _, p := range probes {
			if _, err := env.c.InspectToken(ctx, p.Token); err != nil {
				b.Fatal(err)
			}
			if _, err := env.c.Page(ctx, p.Token, p.PageID); err != nil {
				b.Fatal(err)
			}
			if _, err := env.c.SubscribedApps(ctx, p.PageID, p.Token); err != nil {
				b.Fatal(err)
			}
		}
	}
	per := time.Since(start) / time.Duration(b.N)
	b.StopTimer()
	b.ReportMetric(float64(env.fake.Stats().Requests/b.N), "http_requests")
	b.ReportMetric(float64(per.Milliseconds()), "wall_ms")
	b.ReportMetric(float64(per.Milliseconds())*10000/pages/1000, "extrapolated_10k_s")
}

// CheckPagesEach hands over each group of Pages once, complete and final,
// while keeping ⌈N/50⌉ requests per operation kind; a Page without a token
// is answered without asking Facebook.
func TestCheckPagesEachReportsEveryGroupOnce(t *testing.T) {
	const n = 120
	env := startFake(t, sandbox.Options{Seed: 3, ExtraPages: n}, nil)
	ctx := ctxT(t)
	probes := make([]PageProbe, n)
	for i := range n {
		probes[i] = env.probes(sandbox.ExtraPageID(i + 1))[0]
	}
	probes[7].Token = token.Token{}
	env.fake.ResetStats()
	var mu sync.Mutex
	got := map[int][]PageHealth{}
	hs, err := env.c.CheckPagesEach(ctx, token.Token{}, probes, 40, func(from int, g []PageHealth) {
		mu.Lock()
		defer mu.Unlock()
		if _, twice := got[from]; twice {
			t.Errorf("group %d reported twice", from)
		}
		got[from] = slices.Clone(g)
	})
	if err != nil {
		t.Fatal(err)
	}
	// 40 is rounded up to whole batches: groups of 50.
	if len(got) != 3 || len(got[0]) != 50 || len(got[50]) != 50 || len(got[100]) != 20 {
		t.Fatalf("groups: %v", slices.Sorted(maps.Keys(got)))
	}
	for from, g := range got {
		for j, h := range g {
			i := from + j
			if h.PageID != probes[i].PageID || !reflect.DeepEqual(h, hs[i]) {
				t.Fatalf("Page %d reported as %+v, final answer %+v", i, h, hs[i])
			}
			if i == 7 {
				if h.TokenErr == nil {
					t.Fatalf("Page without a token: %+v", h)
				}
			} else if !h.Token.Valid || h.PageErr != nil || h.SubErr != nil {
				t.Fatalf("Page %d not fully answered when reported: %+v", i, h)
			}
		}
	}
	if req, max := env.fake.Stats().Requests, 3*((n+MaxBatchOps-1)/MaxBatchOps); req > max {
		t.Fatalf("%d HTTP requests, want at most %d (⌈N/50⌉ per kind)", req, max)
	}
}

func TestCheckPagesEachReportsNothingOnceTheContextEnded(t *testing.T) {
	env := startFake(t, sandbox.Options{Seed: 3, ExtraPages: 100}, nil)
	probes := make([]PageProbe, 100)
	for i := range probes {
		probes[i] = env.probes(sandbox.ExtraPageID(i + 1))[0]
	}
	env.fake.SetLatency(time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	var reported atomic.Int32
	_, err := env.c.CheckPagesEach(ctx, token.Token{}, probes, 50, func(int, []PageHealth) { reported.Add(1) })
	if err == nil || reported.Load() != 0 {
		t.Fatalf("interrupted round: err %v, %d groups reported", err, reported.Load())
	}
}

// A health batch that Facebook fails as a whole (5xx) is retried as a batch,
// never as its fifty operations one by one: during an outage, or while
// Facebook throttles the app, that would multiply the requests by fifty
// (issue 16's adversarial suite measured 302 requests instead of 2). The
// round stops and its Pages could not be checked.
func TestCheckPagesDoesNotAskEachOperationWhenFacebookFails(t *testing.T) {
	env := startFake(t, sandbox.Options{Seed: 5, ExtraPages: 200}, func(c *Config) {
		c.BatchConcurrency = 2
		c.Retry = RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}
	})
	ctx := ctxT(t)
	var pr []PageProbe
	for i := 1; i <= 200; i++ {
		pr = append(pr, env.probes(sandbox.ExtraPageID(i))...)
	}
	env.fake.FailNext(sandbox.ScopeBatch, 1000, 503)
	env.fake.ResetStats()
	hs, err := env.c.CheckPages(ctx, token.Token{}, pr)
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range hs {
		if h.TokenErr == nil || h.TokenErr.Class != ClassTransient {
			t.Fatalf("Page %d: %+v, want could not check (Facebook failing)", i, h.TokenErr)
		}
	}
	// 600 operations in 12 batches; at most every batch twice (MaxAttempts).
	if n := env.fake.Stats().Requests; n > 24 {
		t.Fatalf("%d requests for a round Facebook failed as a whole, want at most 24", n)
	}
}

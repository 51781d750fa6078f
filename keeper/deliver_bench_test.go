package keeper

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/integration"
	"github.com/pagekeeper/pagekeeper/integration/receiver"
	"github.com/pagekeeper/pagekeeper/store"
)

// The integration of the benchmark needs benchAnswer to answer an event
// and answers at most benchCapacity at once: it cannot take 1,000 events
// in less than ⌈1000/benchCapacity⌉ × benchAnswer (the floor).
const (
	benchPages    = 1000
	benchAnswer   = 50 * time.Millisecond
	benchCapacity = DefaultDeliveryConcurrency
)

// BenchmarkRenewalDelivers1000Pages renews the tokens of 1,000 connected
// Pages — per Page the transaction a renewal commits: the new token sealed
// in the store, page.token_renewed queued with it sealed to the
// integration — and measures the deliveries: "queued" from the moment the
// renewal has committed to the last acknowledgement recorded (the ratio to
// the floor is the goal's figure); "alongside" with the deliverer running
// during the renewal as in the window, woken by each commit. The
// integration is the reference receiver on loopback (verifying every
// signature, opening every token), taking benchAnswer per event,
// benchCapacity at once.
func BenchmarkRenewalDelivers1000Pages(b *testing.B) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		b.Fatal(err)
	}
	secret := integration.NewSecret()
	slots := make(chan struct{}, benchCapacity)
	rcv, err := receiver.New(receiver.Options{Secret: secret, Identity: id, MaxRemembered: 1 << 20,
		Handle: func(_ context.Context, d receiver.Delivery) (receiver.Ack, error) {
			// The integration's own work on the event (storing the token, …).
			time.Sleep(benchAnswer)
			return receiver.Ack{TokenFingerprint: d.Event.Data.Token.Fingerprint}, nil
		}})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		slots <- struct{}{}
		defer func() { <-slots }()
		rcv.ServeHTTP(w, r)
	}))
	defer srv.Close()

	ctx := context.Background()
	k, err := Open(ctx, Options{Dir: b.TempDir(), Keyring: store.NewMemoryKeyring(), FacebookURL: "http://127.0.0.1:1"})
	if err != nil {
		b.Fatal(err)
	}
	defer k.Close()
	if err := k.AddIntegration(ctx, IntegrationSetup{Name: "Bench Bot", URL: srv.URL, Recipient: id.Recipient().String(),
		Secret: NewSecret(secret.Reveal())}, Actor{}); err != nil {
		b.Fatal(err)
	}
	ids := make([]string, benchPages)
	for i := range ids {
		ids[i] = fmt.Sprintf("1200000%08d", i)
	}
	// Connected once, delivered (not measured).
	renew := func(round int) {
		set := k.integrations()
		for _, pid := range ids {
			now := k.now()
			err := k.store.Update(ctx, func(tx *store.Tx) error {
				before, err := tx.Page(pid)
				existed := err == nil
				var oldTok token.Token
				if existed {
					oldTok, _ = tx.Token(pid)
				}
				p := store.Page{ID: pid, Name: "Bench Page " + pid, Status: store.StatusValid, WebhookPreset: store.PresetBot,
					WebhookFields: presetFields[PresetBot], TokenType: "PAGE", ConnectedAt: now, Integration: "Bench Bot"}
				if err := tx.UpsertPage(p); err != nil {
					return err
				}
				tok := token.New(fmt.Sprintf("EAAGbench%s%d", pid, round))
				if err := tx.SaveToken(pid, tok); err != nil {
					return err
				}
				return k.handOver(tx, set, before, existed, p, oldTok, tok, Actor{OSUser: "bench"}, now)
			})
			if err != nil {
				b.Fatal(err)
			}
			k.wakeDeliveries()
		}
	}
	renew(0)
	if pass, err := k.DeliverDue(ctx); err != nil || pass.Delivered != benchPages {
		b.Fatalf("%+v %v", pass, err)
	}
	floor := time.Duration((benchPages+benchCapacity-1)/benchCapacity) * benchAnswer
	round := 0
	waitDelivered := func() {
		for {
			// Not a wait for work in a test: the benchmark polls the outbox
			// it measures (every 5 ms) until the last answer is recorded.
			q, err := k.store.IntegrationQueues(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if q["Bench Bot"].Pending == 0 {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	// queued: the renewal has committed; from then to the last answer.
	b.Run("queued", func(b *testing.B) {
		var total time.Duration
		for n := 0; n < b.N; n++ {
			round++
			renew(round)
			runCtx, stop := context.WithCancel(ctx)
			done := make(chan struct{})
			start := time.Now()
			go func() { defer close(done); k.runDeliveries(runCtx) }()
			waitDelivered()
			total += time.Since(start)
			stop()
			<-done
		}
		per := total / time.Duration(b.N)
		b.ReportMetric(float64(floor.Milliseconds()), "floor-ms")
		b.ReportMetric(float64(per.Milliseconds()), "delivered-ms")
		b.ReportMetric(float64(per)/float64(floor), "x-floor")
	})
	// alongside: the deliverer runs while the renewal commits, as in the
	// window; from the first commit to the last answer, and what is left
	// after the last commit.
	b.Run("alongside", func(b *testing.B) {
		var total, commits time.Duration
		for n := 0; n < b.N; n++ {
			round++
			runCtx, stop := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { defer close(done); k.runDeliveries(runCtx) }()
			start := time.Now()
			renew(round)
			commits += time.Since(start)
			waitDelivered()
			total += time.Since(start)
			stop()
			<-done
		}
		per, com := total/time.Duration(b.N), commits/time.Duration(b.N)
		b.ReportMetric(float64(floor.Milliseconds()), "floor-ms")
		b.ReportMetric(float64(per.Milliseconds()), "delivered-ms")
		b.ReportMetric(float64(com.Milliseconds()), "renewal-commits-ms")
		b.ReportMetric(float64((per - com).Milliseconds()), "after-last-commit-ms")
		b.ReportMetric(float64(per)/float64(max(floor, com)), "x-max(floor,commits)")
	})
}

// BenchmarkIdleDeliveryPass is a pass of the deliverer with nothing due,
// as the window runs one at every wake-up all day: its memory (-benchmem)
// is what each pass costs the process.
//
//	go test -run '^$' -bench IdleDeliveryPass -benchmem ./keeper/
func BenchmarkIdleDeliveryPass(b *testing.B) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	k, err := Open(ctx, Options{Dir: b.TempDir(), Keyring: store.NewMemoryKeyring(), FacebookURL: "http://127.0.0.1:1"})
	if err != nil {
		b.Fatal(err)
	}
	defer k.Close()
	if err := k.AddIntegration(ctx, IntegrationSetup{Name: "Bench Bot", URL: "http://127.0.0.1:1/hook", Recipient: id.Recipient().String(),
		Secret: NewSecret(integration.NewSecret().Reveal())}, Actor{}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if pass, err := k.DeliverDue(ctx); err != nil || pass.Delivered+pass.Failed != 0 {
			b.Fatal(pass, err)
		}
	}
}

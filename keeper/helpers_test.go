package keeper

import (
	"context"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/sandbox"
)

// openOnFake opens a keeper with o, talking to the fake Facebook srv over
// real sockets (quick retries unless o says otherwise), with the fake app's
// ID and App Secret saved as an owner would enter them in Settings (the
// recommended set-up: tokens are inspected with the app token). The keeper
// is closed when the test ends.
func openOnFake(t testing.TB, srv *sandbox.Server, o Options) *Keeper {
	t.Helper()
	return openOnFakeWith(t, srv, o, Secrets{AppSecret: NewSecret(srv.Fake.Options().AppSecret)})
}

// openOnFakeWith is openOnFake with the secrets sec saved on first use
// (Secrets{}: no App Secret, the owner's set-up without one).
func openOnFakeWith(t testing.TB, srv *sandbox.Server, o Options, sec Secrets) *Keeper {
	t.Helper()
	o.FacebookURL = srv.URL
	if o.FacebookRetry.MaxAttempts == 0 {
		o.FacebookRetry = fb.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}
	}
	if o.FacebookCallTimeout == 0 {
		o.FacebookCallTimeout = 5 * time.Second
	}
	k, err := Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k.Close() })
	if _, viewer := k.ReadOnly(); !viewer && k.Settings().AppID == "" {
		set := k.Settings()
		set.AppID = srv.Fake.Options().AppID
		if err := k.UpdateSettings(context.Background(), set, sec); err != nil {
			t.Fatal(err)
		}
	}
	return k
}

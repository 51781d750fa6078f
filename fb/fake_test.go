package fb

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/sandbox"
)

var demoScopes = []string{"pages_show_list", "pages_messaging", "pages_manage_metadata", "pages_read_engagement", "business_management"}

const fakeSecret = "fake-test-secret"

type fakeEnv struct {
	srv  *sandbox.Server
	fake *sandbox.Fake
	c    *Client
	user token.Token
	rec  *recorder
}

// startFake runs the fake Facebook on a real socket, with "Require App
// Secret" on so every call also proves appsecret_proof is right. The
// client's Sleep advances the fake's clock instead of waiting, so a
// throttle window passes in no real time.
func startFake(t testing.TB, opts sandbox.Options, mod func(*Config)) *fakeEnv {
	t.Helper()
	opts.AppSecret = fakeSecret
	opts.RequireAppSecretProof = true
	srv, err := sandbox.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	rec := &recorder{}
	cfg := Config{
		GraphURL: srv.URL, LoginURL: srv.URL, AppID: srv.Fake.Options().AppID, AppSecret: token.New(fakeSecret),
		Sleep: func(ctx context.Context, d time.Duration) error {
			srv.Fake.Clock().Advance(d)
			return rec.sleep(ctx, d)
		},
	}
	if mod != nil {
		mod(&cfg)
	}
	user := token.New(srv.Fake.IssueUserToken(sandbox.DemoUserID, true, demoScopes))
	return &fakeEnv{srv: srv, fake: srv.Fake, c: New(cfg), user: user, rec: rec}
}

// startFakeWithoutSecret is a client of an app whose App Secret Pagekeeper
// was not given: no appsecret_proof ("Require App Secret" off), no app token.
func startFakeWithoutSecret(t testing.TB, opts sandbox.Options) *fakeEnv {
	t.Helper()
	srv, err := sandbox.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	c := New(Config{GraphURL: srv.URL, LoginURL: srv.URL, AppID: srv.Fake.Options().AppID})
	user := token.New(srv.Fake.IssueUserToken(sandbox.DemoUserID, true, demoScopes))
	return &fakeEnv{srv: srv, fake: srv.Fake, c: c, user: user, rec: &recorder{}}
}

func (e *fakeEnv) pageTok(id string) token.Token {
	return token.New(e.fake.PageToken(e.user.Reveal(), id))
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func findPage(ps []Page, id string) *Page {
	for i := range ps {
		if ps[i].ID == id {
			return &ps[i]
		}
	}
	return nil
}

func TestFakeEveryCall(t *testing.T) {
	env := startFake(t, sandbox.Options{Seed: 1}, nil)
	ctx := ctxT(t)
	c := env.c

	me, err := c.Me(ctx, env.user)
	if err != nil || me.ID != sandbox.DemoUserID || me.Name != sandbox.DemoUserName {
		t.Fatalf("Me = %+v, %v", me, err)
	}

	pages, err := c.Accounts(ctx, env.user)
	if err != nil {
		t.Fatal(err)
	}
	sunrise := findPage(pages, sandbox.PageSunriseCafe)
	if sunrise == nil || sunrise.Name != "Sunrise Café" || sunrise.AccessToken.IsZero() || !sunrise.TasksKnown ||
		!sunrise.Capabilities().CanMessage() || sunrise.Source != SourceAccounts {
		t.Fatalf("Sunrise Café in accounts: %+v", sunrise)
	}
	if findPage(pages, sandbox.PageRiversideDental) != nil {
		t.Error("a business-owned Page must not be in /me/accounts")
	}

	p, err := c.Page(ctx, env.user, sandbox.PageOldTownTailor)
	if err != nil || p.Name != "Old Town Tailor" || p.Username != "oldtowntailor.demo" || p.Published == nil || *p.Published ||
		!strings.Contains(p.Link, "oldtowntailor.demo") || p.Category == "" {
		t.Fatalf("Page = %+v, %v", p, err)
	}

	perms, err := c.Permissions(ctx, env.user)
	if err != nil || !Granted(perms, "pages_messaging") || !Granted(perms, "public_profile") {
		t.Fatalf("Permissions = %+v, %v", perms, err)
	}

	ui, err := c.InspectToken(ctx, env.user)
	if err != nil || !ui.Valid || ui.Type != "USER" || ui.UserID != sandbox.DemoUserID || ui.AppID != c.Config().AppID ||
		ui.ExpiresAt.IsZero() || ui.DataAccessExpiresAt.IsZero() || !ui.HasScope("pages_messaging") {
		t.Fatalf("InspectToken(user) = %+v, %v", ui, err)
	}
	pt := sunrise.AccessToken
	pi, err := c.InspectToken(ctx, pt)
	if err != nil || !pi.Valid || pi.Type != "PAGE" || pi.ProfileID != sandbox.PageSunriseCafe || !pi.Never {
		t.Fatalf("InspectToken(page) = %+v, %v", pi, err)
	}
	// A customer's token may not inspect, not even itself.
	if _, err := c.DebugToken(ctx, pt, pt); !IsInvalidRequest(err) {
		t.Fatalf("self-inspection with a Page token: %v", err)
	}

	if err := c.Subscribe(ctx, sunrise.ID, pt, []string{"messages", "messaging_postbacks", "messaging_referrals"}); err != nil {
		t.Fatal(err)
	}
	apps, err := c.SubscribedApps(ctx, sunrise.ID, pt)
	if err != nil || len(apps) != 1 || apps[0].ID != c.Config().AppID || strings.Join(apps[0].Fields, ",") != "messages,messaging_postbacks,messaging_referrals" {
		t.Fatalf("SubscribedApps = %+v, %v", apps, err)
	}
	if err := c.Unsubscribe(ctx, sunrise.ID, pt); err != nil {
		t.Fatal(err)
	}
	if apps, err := c.SubscribedApps(ctx, sunrise.ID, pt); err != nil || len(apps) != 0 {
		t.Fatalf("after Unsubscribe: %+v, %v", apps, err)
	}

	convs, err := c.Conversations(ctx, sunrise.ID, pt, 1)
	if err != nil || len(convs) != 1 {
		t.Fatalf("Conversations = %+v, %v", convs, err)
	}
	if age := env.fake.Clock().Now().Sub(convs[0].UpdatedTime); age < 59*time.Minute || age > 61*time.Minute {
		t.Fatalf("latest conversation is %v old, want 1 h", age)
	}

	sent, err := c.SendText(ctx, sunrise.ID, pt, sandbox.SunriseCafePSID, "Yes, we open at 8!")
	if err != nil || sent.RecipientID != sandbox.SunriseCafePSID || sent.MessageID == "" {
		t.Fatalf("SendText = %+v, %v", sent, err)
	}
	// Harbor Books' customer wrote 3 days ago: outside the window.
	_, err = c.SendText(ctx, sandbox.PageHarborBooks, env.pageTok(sandbox.PageHarborBooks), sandbox.HarborBooksPSID, "Hello")
	if ReasonOf(err) != ReasonOutsideMessagingWindow || NeedsLogin(err) {
		t.Fatalf("outside window: %v", err)
	}
	env.fake.BlockRecipient(sunrise.ID, sandbox.SunriseCafePSID)
	if _, err := c.SendText(ctx, sunrise.ID, pt, sandbox.SunriseCafePSID, "again"); ReasonOf(err) != ReasonPersonUnavailable {
		t.Fatalf("blocked recipient: %v", err)
	}

	if u := c.Usage(); u.IsZero() || u.App == nil {
		t.Fatalf("usage headers not seen: %+v", u)
	}
}

func TestFakeAccountsPaging(t *testing.T) {
	env := startFake(t, sandbox.Options{Seed: 2, ExtraPages: 120}, func(c *Config) { c.PageSize = 25 })
	env.fake.ResetStats()
	pages, err := env.c.Accounts(ctxT(t), env.user)
	if err != nil {
		t.Fatal(err)
	}
	// 7 demo Pages in /me/accounts (Riverside Dental is business-only) + 120.
	want := 7 + 120
	seen := map[string]bool{}
	for _, p := range pages {
		if seen[p.ID] {
			t.Fatalf("duplicate %s", p.ID)
		}
		seen[p.ID] = true
		if p.AccessToken.IsZero() {
			t.Fatalf("%s has no Page token", p.ID)
		}
	}
	if len(pages) != want || !seen[sandbox.ExtraPageID(120)] {
		t.Fatalf("got %d Pages, want %d", len(pages), want)
	}
	if n := env.fake.Stats().ByPath["/me/accounts"]; n < (want+24)/25 || n > (want+24)/25+1 {
		t.Fatalf("%d requests for %d Pages at 25 a page", n, want)
	}
}

func TestFakeDiscoverBusinessOnly(t *testing.T) {
	env := startFake(t, sandbox.Options{Seed: 3, BusinessOnly: true}, nil)
	ctx := ctxT(t)
	acc, err := env.c.Accounts(ctx, env.user)
	if err != nil || len(acc) != 0 {
		t.Fatalf("Facebook Login for Business: /me/accounts should be empty, got %d, %v", len(acc), err)
	}
	pages, err := env.c.DiscoverPages(ctx, env.user, DiscoverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sunrise := findPage(pages, sandbox.PageSunriseCafe)
	if sunrise == nil || sunrise.Source != SourceGranular || sunrise.AccessToken.IsZero() || sunrise.Name == "" || sunrise.Problem != nil {
		t.Fatalf("granular discovery: %+v", sunrise)
	}
	// The Page token found this way works.
	if sunrise.TasksKnown {
		t.Fatal("a Page found through granular scopes has no known tasks")
	}
	if info, err := env.c.InspectToken(ctx, sunrise.AccessToken); err != nil || !info.Valid || info.ProfileID != sunrise.ID {
		t.Fatalf("granular Page token: %+v %v", info, err)
	}

	all, err := env.c.DiscoverPages(ctx, env.user, DiscoverOptions{Business: true})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range all {
		if seen[p.ID] {
			t.Fatalf("%s listed twice", p.ID)
		}
		seen[p.ID] = true
	}
	dental := findPage(all, sandbox.PageRiversideDental)
	maple := findPage(all, sandbox.PageMapleStreetMarket)
	if dental == nil || !dental.Source.Has(SourceBusiness) || dental.AccessToken.IsZero() {
		t.Fatalf("business-owned Page: %+v", dental)
	}
	if maple == nil || !maple.Source.Has(SourceBusiness) {
		t.Fatalf("client Page: %+v", maple)
	}
	if len(all) < len(pages) {
		t.Fatalf("business discovery lost Pages: %d < %d", len(all), len(pages))
	}
	t.Logf("discovered %d Pages; Maple Street Market found via %v", len(all), maple.Source)
}

func TestFakeDiscoverMergesSources(t *testing.T) {
	env := startFake(t, sandbox.Options{Seed: 4}, nil)
	pages, err := env.c.DiscoverPages(ctxT(t), env.user, DiscoverOptions{Business: true})
	if err != nil {
		t.Fatal(err)
	}
	sunrise := findPage(pages, sandbox.PageSunriseCafe)
	if sunrise == nil || !sunrise.Source.Has(SourceAccounts) || !sunrise.Source.Has(SourceGranular) {
		t.Fatalf("Sunrise Café sources: %+v", sunrise)
	}
	if d := findPage(pages, sandbox.PageRiversideDental); d == nil || !d.Source.Has(SourceBusiness) {
		t.Fatalf("Riverside Dental: %+v", d)
	}
}

func TestFakeBatchSplitsAndKeepsOrder(t *testing.T) {
	const n = 230
	env := startFake(t, sandbox.Options{Seed: 5, ExtraPages: n}, func(c *Config) { c.BatchConcurrency = 3 })
	ctx := ctxT(t)
	ops := make([]BatchOp, n)
	for i := range ops {
		id := sandbox.ExtraPageID(i + 1)
		ops[i] = BatchOp{RelativeURL: id + "?fields=id,name", Token: env.pageTok(id)}
	}
	missing := sandbox.ExtraPageID(8)
	env.fake.InjectError(missing, 1, 100, 33)
	env.fake.ResetStats()
	res, err := env.c.Batch(ctx, env.user, ops)
	if err != nil {
		t.Fatal(err)
	}
	st := env.fake.Stats()
	if st.BatchRequests != 5 || st.BatchOps != n || st.Requests != 5 {
		t.Fatalf("stats: %d batch requests, %d ops, %d requests; want 5, %d, 5", st.BatchRequests, st.BatchOps, st.Requests, n)
	}
	for i, r := range res {
		id := sandbox.ExtraPageID(i + 1)
		if id == missing {
			if r.Err == nil || r.Err.Reason != ReasonObjectMissing || r.Code != 400 {
				t.Fatalf("op %d: want object missing, got %+v", i, r)
			}
			continue
		}
		if r.Err != nil || r.Code != 200 || !strings.Contains(string(r.Body), `"id":"`+id+`"`) {
			t.Fatalf("op %d out of order or failed: %+v %s", i, r.Err, r.Body)
		}
	}
}

func TestFakeBatchNullAndWholeFailure(t *testing.T) {
	env := startFake(t, sandbox.Options{Seed: 6, ExtraPages: 60}, nil)
	ctx := ctxT(t)
	ops := make([]BatchOp, 60)
	for i := range ops {
		id := sandbox.ExtraPageID(i + 1)
		ops[i] = BatchOp{RelativeURL: id + "?fields=id,name", Token: env.pageTok(id)}
	}

	// Two operations time out inside Facebook: retried on their own.
	nullID := sandbox.ExtraPageID(3)
	env.fake.NullBatchOps(nullID, 1)
	env.fake.ResetStats()
	first, err := env.c.Batch(ctx, env.user, ops)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range first {
		if r.Err != nil || !strings.Contains(string(r.Body), `"id":"`+sandbox.ExtraPageID(i+1)+`"`) {
			t.Fatalf("op %d: %+v", i, r)
		}
	}
	st := env.fake.Stats()
	reads := 0
	for p, n := range st.ByPath {
		if strings.HasPrefix(p, "/13") {
			reads += n
		}
	}
	// 59 answered in the batches + the null one on its own.
	if st.BatchRequests != 2 || st.Requests != 3 || reads != 60 || !first[2].Null {
		t.Fatalf("null retry: %d batches, %d requests, %d Page reads; want 2, 3, 60", st.BatchRequests, st.Requests, reads)
	}
	res, _ := env.c.Batch(ctx, env.user, ops[:1])
	if res[0].Null || res[0].Err != nil {
		t.Fatalf("a normal op: %+v", res[0])
	}

	// A null that keeps failing becomes a transient error.
	env.fake.NullBatchOps(nullID, 1)
	env.fake.FailNext(nullID, 10, 503)
	res, _ = env.c.Batch(ctx, env.user, ops[:5])
	if !res[2].Null || res[2].Err == nil || res[2].Err.Class != ClassTransient {
		t.Fatalf("persistent null: %+v", res[2])
	}
	env.fake.Reset()

	// The whole batch fails (HTTP 500): every op is retried on its own.
	env.fake.FailNext(sandbox.ScopeBatch, 1, 500)
	env.fake.ResetStats()
	res, err = env.c.Batch(ctx, env.user, ops[:20])
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil || r.Null || r.Code != 200 {
			t.Fatalf("op %d after whole-batch failure: %+v", i, r)
		}
		if !strings.Contains(string(r.Body), `"id":"`+sandbox.ExtraPageID(i+1)+`"`) {
			t.Fatalf("op %d answered for the wrong Page: %s", i, r.Body)
		}
	}
	if st := env.fake.Stats(); st.BatchRequests != 1 || st.Requests != 21 {
		t.Fatalf("fallback: %d batch requests, %d requests; want 1 and 21", st.BatchRequests, st.Requests)
	}

	// A top-level token that died: op by op with each op's own token.
	dead := token.New(env.fake.IssueUserToken(sandbox.SecondUserID, false, demoScopes))
	env.fake.ChangePassword(sandbox.SecondUserID)
	res, err = env.c.Batch(ctx, dead, ops[:3])
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("op %d with a dead fallback token: %v", i, r.Err)
		}
	}
}

func TestFakeFaultsClassify(t *testing.T) {
	env := startFake(t, sandbox.Options{Seed: 7}, nil)
	ctx := ctxT(t)
	page := sandbox.PageSunriseCafe
	cases := []struct {
		name   string
		inject func()
		check  func() error
		class  Class
		reason Reason
	}{
		{"password changed", func() { env.fake.ChangePassword(sandbox.DemoUserID) }, nil, ClassAuth, ReasonPasswordChanged},
		{"app removed", func() { env.fake.RemoveApp(sandbox.DemoUserID) }, nil, ClassAuth, ReasonAppRemoved},
		{"tokens expired", func() { env.fake.ExpireTokens(sandbox.DemoUserID) }, nil, ClassAuth, ReasonTokenExpired},
		{"checkpointed", func() { env.fake.Checkpoint(sandbox.DemoUserID) }, nil, ClassAuth, ReasonCheckpointed},
		{"unconfirmed", func() { env.fake.Unconfirm(sandbox.DemoUserID) }, nil, ClassAuth, ReasonUnconfirmedUser},
		{"data access expired", func() { env.fake.ExpireDataAccess(sandbox.DemoUserID) }, func() error {
			_, err := env.c.Me(ctx, env.user)
			return err
		}, ClassAuth, ReasonDataAccessExpired},
		{"role lost", func() { env.fake.RemoveRole(sandbox.DemoUserID, page) }, nil, ClassAuth, ReasonRoleLost},
		{"logged out", func() { env.fake.InjectError(page, 0, 190, 467) }, nil, ClassAuth, ReasonLoggedOut},
		{"session invalid 190", func() { env.fake.InjectError(page, 0, 190, 0) }, nil, ClassAuth, ReasonSessionInvalid},
		{"session invalid 102", func() { env.fake.InjectError(page, 0, 102, 0) }, nil, ClassAuth, ReasonSessionInvalid},
		{"permission removed", func() { env.fake.RemovePermission(sandbox.DemoUserID, "pages_messaging") }, func() error {
			_, err := env.c.SendText(ctx, page, env.pageTok(page), sandbox.SunriseCafePSID, "hi")
			return err
		}, ClassPermission, ReasonPermissionMissing},
		{"blocked", func() { env.fake.InjectError(page, 0, 368, 0) }, nil, ClassPermission, ReasonBlocked},
		{"object missing", func() { env.fake.InjectError(page, 0, 100, 33) }, nil, ClassInvalidRequest, ReasonObjectMissing},
		{"page throttled", func() { env.fake.Throttle(page, 32) }, nil, ClassThrottled, ReasonPageRateLimited},
		{"business throttled", func() { env.fake.Throttle(page, 80001) }, nil, ClassThrottled, ReasonBusinessRateLimited},
		{"custom throttled", func() { env.fake.Throttle(page, 613) }, nil, ClassThrottled, ReasonCustomRateLimited},
		{"app throttled", func() { env.fake.Throttle("", 4) }, nil, ClassThrottled, ReasonAppRateLimited},
		{"user throttled", func() { env.fake.Throttle("", 17) }, nil, ClassThrottled, ReasonUserRateLimited},
		{"server errors", func() { env.fake.FailNext(page, 100, 500) }, nil, ClassTransient, ReasonTemporary},
		{"offline", func() { env.fake.SetOffline(true) }, nil, ClassTransient, ReasonOffline},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pt := env.pageTok(page) // taken before the fault
			env.fake.Reset()
			t.Cleanup(env.fake.Reset)
			tc.inject()
			check := tc.check
			if check == nil {
				// What a health check does: read the Page with its token.
				// A short deadline: throttling surfaces instead of waiting
				// the 10 minutes Facebook asks for.
				check = func() error {
					ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
					defer cancel()
					_, err := env.c.Page(ctx, pt, page)
					return err
				}
			}
			err := check()
			e, ok := AsError(err)
			if !ok || e.Class != tc.class || e.Reason != tc.reason {
				t.Fatalf("got %v (class %v, reason %v); want %v/%v", err, ClassOf(err), ReasonOf(err), tc.class, tc.reason)
			}
			assertNoFakeToken(t, err, pt, env.user)
		})
	}
}

func assertNoFakeToken(t *testing.T, err error, toks ...token.Token) {
	t.Helper()
	for e := err; e != nil; e = errors.Unwrap(e) {
		s := fmt.Sprintf("%v %+v", e, e)
		for _, tk := range toks {
			if strings.Contains(s, tk.Reveal()) {
				t.Fatalf("token in error: %s", s)
			}
		}
	}
}

func TestFakeDebugTokenReportsDeadTokens(t *testing.T) {
	env := startFake(t, sandbox.Options{Seed: 8}, nil)
	ctx := ctxT(t)
	pt := env.pageTok(sandbox.PageSunriseCafe)
	env.fake.ChangePassword(sandbox.DemoUserID)
	for _, tk := range []token.Token{env.user, pt} {
		info, err := env.c.InspectToken(ctx, tk)
		if err != nil || info.Valid || info.Error == nil || info.Error.Reason != ReasonPasswordChanged {
			t.Fatalf("inspection of a dead token: %+v, %v", info, err)
		}
	}
	checks, err := env.c.InspectTokens(ctx, []token.Token{pt})
	if err != nil || checks[0].Err != nil || checks[0].Info.Valid || checks[0].Info.Error.Reason != ReasonPasswordChanged {
		t.Fatalf("batched inspection of a dead token: %+v, %v", checks, err)
	}
}

func TestFakeThrottlingRetriedThenSurfaced(t *testing.T) {
	env := startFake(t, sandbox.Options{Seed: 9}, func(c *Config) {
		c.Retry = RetryPolicy{MaxAttempts: 3, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	})
	ctx := ctxT(t)

	// A Page throttled for 2 minutes on Facebook's clock: the retry waits
	// what X-Business-Use-Case-Usage's estimated_time_to_regain_access
	// asks for (not the 100 ms back-off), then succeeds.
	sunrise := env.pageTok(sandbox.PageSunriseCafe)
	env.fake.ThrottleFor(sandbox.PageSunriseCafe, 80001, 2*time.Minute)
	env.fake.ResetStats()
	p, err := env.c.Page(context.Background(), sunrise, sandbox.PageSunriseCafe)
	if err != nil || p.ID != sandbox.PageSunriseCafe {
		t.Fatalf("Page after throttling: %+v, %v", p, err)
	}
	if st := env.fake.Stats(); st.Requests != 2 {
		t.Fatalf("%d requests, want 2 (one throttled, one retry); waits %v", st.Requests, env.rec.all())
	}
	if w := env.rec.all(); len(w) != 1 || w[0] < 2*time.Minute {
		t.Fatalf("retry waits %v; want at least the 2 minutes Facebook estimated", w)
	}

	// The app throttled (no estimate, usage at 100 %): every retry waits
	// MaxDelay; when attempts run out the throttle is surfaced.
	env.fake.Throttle("", 4)
	env.fake.ResetStats()
	before := len(env.rec.all())
	_, err = env.c.Me(context.Background(), env.user)
	if !IsThrottled(err) || ReasonOf(err) != ReasonAppRateLimited {
		t.Fatalf("err = %v", err)
	}
	waits := env.rec.all()[before:]
	if st := env.fake.Stats(); st.Requests != 3 || len(waits) != 2 || waits[0] != time.Second || waits[1] != time.Second {
		t.Fatalf("%d requests, waits %v; want 3 attempts with MaxDelay between", st.Requests, waits)
	}
	env.fake.Reset()

	// Throttled for 10 minutes with 20 s left: surfaced at once.
	env.fake.Throttle(sandbox.PageSunriseCafe, 80001)
	env.fake.ResetStats()
	short, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	_, err = env.c.Page(short, sunrise, sandbox.PageSunriseCafe)
	if !IsThrottled(err) || ReasonOf(err) != ReasonBusinessRateLimited {
		t.Fatalf("err = %v", err)
	}
	if st := env.fake.Stats(); st.Requests != 1 {
		t.Fatalf("%d requests: a wait past the deadline must not start", st.Requests)
	}
	if u := env.c.Usage(); u.RegainIn() < 9*time.Minute || u.Max() < 100 {
		t.Fatalf("usage after throttle: max %d, regain %v", u.Max(), u.RegainIn())
	}

	// Transient server errors: retried and recovered.
	env.fake.Reset()
	env.fake.FailNext("", 2, http.StatusServiceUnavailable)
	if _, err := env.c.Me(ctx, env.user); err != nil {
		t.Fatalf("after 2 transient failures: %v", err)
	}
}

func TestFakeAppSecretProofRequired(t *testing.T) {
	env := startFake(t, sandbox.Options{Seed: 10}, nil)
	noSecret := New(Config{GraphURL: env.srv.URL})
	_, err := noSecret.Me(ctxT(t), env.user)
	if !IsInvalidRequest(err) {
		t.Fatalf("without appsecret_proof: %v", err)
	}
	wrong := New(Config{GraphURL: env.srv.URL, AppSecret: token.New("wrong")})
	if _, err := wrong.Me(ctxT(t), env.user); !IsInvalidRequest(err) {
		t.Fatalf("wrong appsecret_proof: %v", err)
	}
}

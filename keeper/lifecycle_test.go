package keeper

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/sandbox"
	"github.com/pagekeeper/pagekeeper/store"
)

var loginScopes = []string{"pages_show_list", "pages_manage_metadata", "pages_messaging", "pages_read_engagement"}

// env is a keeper on a real data folder talking to the fake Facebook over real sockets.
type env struct {
	t      *testing.T
	srv    *sandbox.Server
	client *fb.Client
	k      *Keeper
	dir    string
	kr     *store.MemoryKeyring
	clock  *testClock
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newEnv(t *testing.T, opts sandbox.Options) *env {
	t.Helper()
	srv, err := sandbox.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	e := &env{t: t, srv: srv, dir: t.TempDir(), kr: store.NewMemoryKeyring(), clock: &testClock{t: srv.Fake.Clock().Now()}}
	// The recommended set-up: Pagekeeper has the App Secret.
	e.client = fb.New(fb.Config{GraphURL: srv.URL, LoginURL: srv.URL, AppID: srv.Fake.Options().AppID,
		AppSecret:   token.New(srv.Fake.Options().AppSecret),
		Retry:       fb.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond},
		CallTimeout: 5 * time.Second})
	e.k = e.open()
	return e
}

func (e *env) open() *Keeper {
	e.t.Helper()
	return openOnFake(e.t, e.srv, Options{Dir: e.dir, Keyring: e.kr, Now: e.clock.Now})
}

// login plays the person at the fake's dialog (the Pages ticked are
// exactly pages; declined permissions only on a consumer app, as a Login
// for Business configuration is all or nothing), then exchanges the code
// the way a server with the secret would and reads the grant: it stands in
// for the browser login, which fb/login tests itself.
func (e *env) login(userID string, pages []string, declined ...string) Grant {
	e.t.Helper()
	ctx := context.Background()
	o := e.srv.Fake.Options()
	q := url.Values{"client_id": {o.AppID}, "redirect_uri": {sandbox.DemoRelayURL}, "state": {"s"}}
	if o.AppType == sandbox.AppBusiness {
		q.Set("config_id", sandbox.DemoConfigID)
	} else {
		q.Set("scope", strings.Join(loginScopes, ","))
	}
	var untick []string
	for _, p := range e.srv.Fake.Pages() {
		if !slices.Contains(pages, p.ID) {
			untick = append(untick, p.ID)
		}
	}
	loc, err := e.srv.Fake.Consent(e.srv.URL+"/v25.0/dialog/oauth?"+q.Encode(),
		sandbox.Consent{As: userID, Tick: pages, Untick: untick, Decline: declined})
	if err != nil || loc.Query().Get("code") == "" {
		e.t.Fatalf("dialog did not redirect with a code: %v %v", loc, err)
	}
	tok := e.exchange(loc.Query().Get("code"), sandbox.DemoRelayURL)
	me, err := e.client.Me(ctx, tok)
	if err != nil {
		e.t.Fatal(err)
	}
	perms, err := e.client.Permissions(ctx, tok)
	if err != nil {
		e.t.Fatal(err)
	}
	g := Grant{User: me, UserToken: tok, LongLived: true}
	for _, p := range perms {
		if p.Status == "granted" {
			g.Granted = append(g.Granted, p.Name)
		} else {
			g.Declined = append(g.Declined, p.Name)
		}
	}
	return g
}

// exchange turns the code into a long-lived user token, as Pagekeeper's
// login does with the App Secret (the code exchange, then fb_exchange_token).
func (e *env) exchange(code, redirect string) token.Token {
	e.t.Helper()
	o := e.srv.Fake.Options()
	short := e.token(url.Values{"client_id": {o.AppID}, "client_secret": {o.AppSecret}, "code": {code}, "redirect_uri": {redirect}})
	return e.token(url.Values{"grant_type": {"fb_exchange_token"}, "client_id": {o.AppID}, "client_secret": {o.AppSecret},
		"fb_exchange_token": {short.Reveal()}})
}

func (e *env) token(form url.Values) token.Token {
	e.t.Helper()
	resp, err := http.PostForm(e.srv.URL+"/v25.0/oauth/access_token", form)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := decodeJSON(resp, &body); err != nil || body.AccessToken == "" {
		e.t.Fatalf("exchange failed: %v", err)
	}
	return token.New(body.AccessToken)
}

var demoPages = []string{sandbox.PageSunriseCafe, sandbox.PageHarborBooks, sandbox.PageGreenLeafYoga,
	sandbox.PageNightOwlBakery, sandbox.PageOldTownTailor, sandbox.PageRiversideDental,
	sandbox.PageBlueDoorStudio, sandbox.PageMapleStreetMarket}

func (e *env) plan(g Grant) *Plan {
	e.t.Helper()
	g.Business = true
	p, err := e.k.PlanConnect(context.Background(), g, Actor{OSUser: "tester"})
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

func (e *env) apply(p *Plan) ApplyResult {
	e.t.Helper()
	res, err := e.k.Apply(context.Background(), p, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

func (e *env) page(id string) store.Page {
	e.t.Helper()
	p, err := e.k.store.Page(context.Background(), id)
	if err != nil {
		e.t.Fatalf("page %s: %v", id, err)
	}
	return p
}

// subscribedFields asks Facebook (the fake) what the app is subscribed to on a Page.
func (e *env) subscribedFields(pageID string) []string {
	e.t.Helper()
	tok, err := e.k.store.Token(context.Background(), pageID)
	if err != nil {
		// Disconnected: ask with a fresh token of the demo user.
		user := e.srv.Fake.IssueUserToken(sandbox.DemoUserID, true, loginScopes)
		tok = token.New(e.srv.Fake.PageToken(user, pageID))
	}
	apps, err := e.client.SubscribedApps(context.Background(), pageID, tok)
	if err != nil {
		e.t.Fatalf("subscribed_apps %s: %v", pageID, err)
	}
	var out []string
	for _, a := range apps {
		out = append(out, a.Fields...)
	}
	return out
}

func connectable(p *Plan) []string {
	var out []string
	for _, c := range p.Candidates {
		if c.Connectable {
			out = append(out, c.ID)
		}
	}
	return out
}

func TestConnectTheDemoPagesSaysWhyTheOthersCannot(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 1})
	p := e.plan(e.login(sandbox.DemoUserID, demoPages))

	want := map[string]string{
		sandbox.PageGreenLeafYoga:  "messaging",
		sandbox.PageNightOwlBakery: "messaging",
		sandbox.PageOldTownTailor:  "unpublished",
	}
	for _, c := range p.Candidates {
		if why, bad := want[c.ID]; bad {
			if c.Connectable || !strings.Contains(c.WhyNot.String(), why) {
				t.Errorf("%s: connectable=%v why=%q, want not connectable because of %s", c.Name, c.Connectable, c.WhyNot, why)
			}
			continue
		}
		if !c.Connectable || !c.Selected {
			t.Errorf("%s should be connectable and preselected on a first connect: %q", c.Name, c.WhyNot)
		}
	}
	if !slices.Contains(connectable(p), sandbox.PageRiversideDental) {
		t.Error("the business-owned Page (missing from /me/accounts) must be found")
	}

	var steps []Step
	res, err := e.k.Apply(context.Background(), p, func(pr Progress) { steps = append(steps, pr.Step) })
	if err != nil {
		t.Fatal(err)
	}
	if f := res.Failed(); len(f) > 0 {
		t.Fatalf("failed: %+v", f)
	}
	if !slices.Contains(steps, StepSubscribed) || !slices.Contains(steps, StepVerified) || !slices.Contains(steps, StepSaved) {
		t.Errorf("progress steps = %v", steps)
	}
	for _, id := range connectable(p) {
		pg := e.page(id)
		if pg.Status != store.StatusValid || pg.ConnectedByFBName != "Ana Rivera" || pg.ConnectedByOSUser != "tester" {
			t.Errorf("%s: %+v", pg.Name, pg)
		}
		if got := e.subscribedFields(id); len(missingFields(presetFields[PresetBot], got)) > 0 {
			t.Errorf("%s: Facebook shows fields %v", pg.Name, got)
		}
		evs, _ := e.k.store.Events(context.Background(), id, 10)
		if len(evs) != 1 || evs[0].Kind != "page_connected" || evs[0].ActorFBName != "Ana Rivera" || evs[0].ActorOSUser != "tester" {
			t.Errorf("%s events = %+v", pg.Name, evs)
		}
	}
}

func TestUntickingAConnectedPageWarnsAndChangesNothingUntilConfirmed(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 2})
	e.apply(e.plan(e.login(sandbox.DemoUserID, demoPages)))

	p := e.plan(e.login(sandbox.DemoUserID, demoPages))
	w, err := p.Select(sandbox.PageSunriseCafe, false)
	if err != nil {
		t.Fatal(err)
	}
	if w == nil || w.Text.String() != "Sunrise Café will stop receiving Messenger messages in your integration, and its bot stops answering." {
		t.Fatalf("warning = %+v", w)
	}
	_, err = e.k.Apply(context.Background(), p, nil)
	var nc *NeedsConfirmationError
	if !errors.As(err, &nc) || len(nc.Warnings) != 1 {
		t.Fatalf("Apply must refuse until confirmed, got %v", err)
	}
	if e.page(sandbox.PageSunriseCafe).Status != store.StatusValid || len(e.subscribedFields(sandbox.PageSunriseCafe)) == 0 {
		t.Fatal("nothing may change before the owner confirms")
	}
	// Ticking it again withdraws the warning.
	if _, err := p.Select(sandbox.PageSunriseCafe, true); err != nil || len(p.Unconfirmed()) != 0 {
		t.Fatalf("re-ticking should clear the warning: %v %v", err, p.Unconfirmed())
	}
	if _, err := p.Select(sandbox.PageSunriseCafe, false); err != nil {
		t.Fatal(err)
	}
	if err := p.ConfirmDisconnect(sandbox.PageSunriseCafe); err != nil {
		t.Fatal(err)
	}
	e.apply(p)
	pg := e.page(sandbox.PageSunriseCafe)
	if pg.Status != store.StatusDisconnected || pg.CleanupPending {
		t.Fatalf("after confirming: %+v", pg)
	}
	if got := e.subscribedFields(sandbox.PageSunriseCafe); len(got) != 0 {
		t.Fatalf("Facebook still has the subscription: %v", got)
	}
	if _, err := e.k.store.Token(context.Background(), sandbox.PageSunriseCafe); err == nil {
		t.Fatal("the token must be deleted")
	}
}

func TestAPageUntickedInFacebooksDialogIsReportedWithBothWaysOut(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 3})
	e.apply(e.plan(e.login(sandbox.DemoUserID, demoPages)))

	without := slices.DeleteFunc(slices.Clone(demoPages), func(id string) bool { return id == sandbox.PageHarborBooks })
	p := e.plan(e.login(sandbox.DemoUserID, without))
	if len(p.Missing) != 1 || p.Missing[0].ID != sandbox.PageHarborBooks || !strings.Contains(p.Missing[0].Warning.String(), "Log in again") {
		t.Fatalf("missing = %+v", p.Missing)
	}
	if _, err := e.k.Apply(context.Background(), p, nil); err == nil {
		t.Fatal("Apply must wait for the owner's choice")
	}

	// Way out 1: log in again and select it.
	again := e.plan(e.login(sandbox.DemoUserID, demoPages))
	if len(again.Missing) != 0 {
		t.Fatalf("after selecting it again nothing is missing: %+v", again.Missing)
	}
	e.apply(again)
	if st := e.page(sandbox.PageHarborBooks).Status; st != store.StatusValid {
		t.Fatalf("Harbor Books status = %s", st)
	}

	// Way out 2: confirm its disconnection.
	p = e.plan(e.login(sandbox.DemoUserID, without))
	if err := p.ConfirmDisconnect(sandbox.PageHarborBooks); err != nil {
		t.Fatal(err)
	}
	e.apply(p)
	if st := e.page(sandbox.PageHarborBooks).Status; st != store.StatusDisconnected {
		t.Fatalf("Harbor Books status = %s", st)
	}
}

func TestRenewAfterAPasswordChangeRestoresThePage(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 4})
	e.apply(e.plan(e.login(sandbox.DemoUserID, demoPages)))
	ctx := context.Background()
	old, _ := e.k.store.Token(ctx, sandbox.PageSunriseCafe)

	e.srv.Fake.ChangePassword(sandbox.DemoUserID)
	info, err := e.client.InspectToken(ctx, old)
	if err == nil && info.Valid {
		t.Fatal("the fake should have invalidated the Page token")
	}

	p := e.plan(e.login(sandbox.DemoUserID, demoPages))
	p.Renew = true
	e.apply(p)
	tok, _ := e.k.store.Token(ctx, sandbox.PageSunriseCafe)
	if tok.Equal(old) {
		t.Fatal("the token was not replaced")
	}
	info, err = e.client.InspectToken(ctx, tok)
	if err != nil || !info.Valid {
		t.Fatalf("renewed token is not valid: %v %+v", err, info)
	}
	evs, _ := e.k.store.Events(ctx, sandbox.PageSunriseCafe, 10)
	if len(evs) != 2 || evs[0].Kind != "token_renewed" || evs[1].Kind != "page_connected" {
		t.Fatalf("history must be kept: %+v", evs)
	}
}

func TestDisconnectOnlineAndOffline(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 5})
	e.apply(e.plan(e.login(sandbox.DemoUserID, demoPages)))
	ctx := context.Background()

	w, err := e.k.DisconnectWarning(ctx, sandbox.PageBlueDoorStudio)
	if err != nil || !strings.Contains(w.Text.String(), "Blue Door Studio will stop receiving") && !strings.Contains(w.Text.String(), "stop receiving Messenger messages") {
		t.Fatalf("warning = %+v %v", w, err)
	}
	pending, err := e.k.Disconnect(ctx, sandbox.PageBlueDoorStudio, Actor{OSUser: "tester"})
	if err != nil || pending {
		t.Fatalf("online disconnect: pending=%v err=%v", pending, err)
	}
	if got := e.subscribedFields(sandbox.PageBlueDoorStudio); len(got) != 0 {
		t.Fatalf("subscription left on Facebook: %v", got)
	}

	e.srv.Fake.SetOffline(true)
	pending, err = e.k.Disconnect(ctx, sandbox.PageSunriseCafe, Actor{OSUser: "tester"})
	if err != nil || !pending {
		t.Fatalf("offline disconnect must complete locally with clean-up pending: pending=%v err=%v", pending, err)
	}
	pg := e.page(sandbox.PageSunriseCafe)
	if pg.Status != store.StatusDisconnected || !pg.CleanupPending {
		t.Fatalf("page = %+v", pg)
	}
	if _, err := e.k.store.Token(ctx, sandbox.PageSunriseCafe); err == nil {
		t.Fatal("the token must be gone from the Page at once")
	}
	// Still offline: the retry is not due yet, then fails again.
	if n := e.k.DrainOutbox(ctx); n != 0 {
		t.Fatalf("nothing is due yet, got %d", n)
	}
	e.clock.Advance(2 * time.Minute)
	if n := e.k.DrainOutbox(ctx); n != 1 {
		t.Fatalf("the retry should fail while offline, pending=%d", n)
	}

	e.srv.Fake.SetOffline(false)
	e.clock.Advance(10 * time.Minute)
	if n := e.k.DrainOutbox(ctx); n != 0 {
		t.Fatalf("the outbox should drain once Facebook is back, pending=%d", n)
	}
	if e.page(sandbox.PageSunriseCafe).CleanupPending {
		t.Fatal("clean-up still pending")
	}
	if got := e.subscribedFields(sandbox.PageSunriseCafe); len(got) != 0 {
		t.Fatalf("subscription left on Facebook: %v", got)
	}
	evs, _ := e.k.store.Events(ctx, sandbox.PageSunriseCafe, 10)
	if evs[0].Kind != "facebook_cleanup_done" || evs[1].Kind != "page_disconnected" {
		t.Fatalf("events = %+v", evs)
	}
}

func TestAFailedSubscriptionIsReportedAndTheOthersAreSaved(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 6})
	e.srv.Fake.InjectError("/"+sandbox.PageHarborBooks+"/subscribed_apps", 1, 200, 0)
	res := e.apply(e.plan(e.login(sandbox.DemoUserID, demoPages)))
	failed := res.Failed()
	if len(failed) != 1 || failed[0].PageID != sandbox.PageHarborBooks || fb.ClassOf(failed[0].Err) != fb.ClassPermission {
		t.Fatalf("failed = %+v", failed)
	}
	if _, err := e.k.store.Page(context.Background(), sandbox.PageHarborBooks); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the failed Page must not be half-saved: %v", err)
	}
	if e.page(sandbox.PageSunriseCafe).Status != store.StatusValid {
		t.Fatal("the other Pages must be saved")
	}
}

func TestAViewerCannotChangePages(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 7})
	viewer := openOnFake(t, e.srv, Options{Dir: e.dir, Keyring: e.kr})
	p, err := viewer.PlanConnect(context.Background(), e.login(sandbox.DemoUserID, demoPages), Actor{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = viewer.Apply(context.Background(), p, nil)
	var ro *ReadOnlyError
	if !errors.As(err, &ro) || !strings.Contains(err.Error(), "manages") {
		t.Fatalf("err = %v", err)
	}
}

func TestEventsNeverHoldATokenAndAlwaysNameTheActor(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 8})
	g := e.login(sandbox.DemoUserID, demoPages)
	e.apply(e.plan(g))
	ctx := context.Background()
	_, _ = e.k.Disconnect(ctx, sandbox.PageSunriseCafe, Actor{OSUser: "tester"})
	secrets := []string{g.UserToken.Reveal()}
	for _, id := range demoPages {
		secrets = append(secrets, e.srv.Fake.PageToken(g.UserToken.Reveal(), id))
	}
	evs, err := e.k.store.Events(ctx, "", 1000)
	if err != nil || len(evs) < 6 {
		t.Fatalf("events: %d %v", len(evs), err)
	}
	for _, ev := range evs {
		for _, s := range secrets {
			if s != "" && strings.Contains(ev.Detail+ev.Kind+ev.ActorFBName, s) {
				t.Fatalf("event %s holds a token", ev.Kind)
			}
		}
		if strings.HasPrefix(ev.Kind, "page_") && ev.ActorOSUser == "" {
			t.Errorf("event %s has no actor", ev.Kind)
		}
	}
}

func decodeJSON(resp *http.Response, into any) error {
	return json.NewDecoder(resp.Body).Decode(into)
}

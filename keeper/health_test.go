package keeper

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/sandbox"
	"github.com/pagekeeper/pagekeeper/store"
)

// hEnv is a keeper on a real data folder checking Pages on the fake
// Facebook over real sockets. The keeper's clock is the fake's clock, so
// token lifetimes, data-access expiry, reminders and back-off all move
// together when a test advances it.
type hEnv struct {
	t      *testing.T
	srv    *sandbox.Server
	fake   *sandbox.Fake
	client *fb.Client
	k      *Keeper
	kr     *store.MemoryKeyring
	user   token.Token
	// withSecret: the keeper has the App Secret (newHealthEnvSecret).
	withSecret bool

	mu     sync.Mutex
	alerts []Alert
}

var healthScopes = []string{"pages_show_list", "pages_manage_metadata", "pages_messaging", "pages_read_engagement"}

// newHealthEnv: Pagekeeper has the App Secret (the recommended set-up), so
// rounds ask debug_token with the app token.
func newHealthEnv(t *testing.T, opts sandbox.Options) *hEnv { return newHealthEnvSecret(t, opts, true) }

// newHealthEnvSecret: withSecret false is an installation without the App
// Secret, whose rounds judge each Page token by what it can read.
func newHealthEnvSecret(t *testing.T, opts sandbox.Options, withSecret bool) *hEnv {
	t.Helper()
	srv, err := sandbox.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	e := &hEnv{t: t, srv: srv, fake: srv.Fake, kr: store.NewMemoryKeyring()}
	cfg := fb.Config{GraphURL: srv.URL, LoginURL: srv.URL, AppID: srv.Fake.Options().AppID,
		Retry:       fb.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond},
		CallTimeout: 5 * time.Second}
	if withSecret {
		cfg.AppSecret = token.New(srv.Fake.Options().AppSecret)
	}
	e.client = fb.New(cfg)
	e.withSecret = withSecret
	e.k = e.open(Options{})
	e.user = token.New(srv.Fake.IssueUserToken(sandbox.DemoUserID, true, healthScopes))
	return e
}

// open opens the env's keeper on a fresh folder with o's additions (with
// the App Secret or without, as the env); alerts shown on this computer
// are collected (takeAlerts).
func (e *hEnv) open(o Options) *Keeper {
	o.Dir, o.Keyring, o.Now, o.Host = e.t.TempDir(), e.kr, e.srv.Fake.Clock().Now, "office-pc"
	o.Notifier = NotifierFunc(func(_ context.Context, a Alert) error {
		e.mu.Lock()
		e.alerts = append(e.alerts, a)
		e.mu.Unlock()
		return nil
	})
	var sec Secrets
	if e.withSecret {
		sec.AppSecret = NewSecret(e.srv.Fake.Options().AppSecret)
	}
	return openOnFakeWith(e.t, e.srv, o, sec)
}

// connect stores Pages as connected the fast way (what Apply leaves
// behind): subscribed with the bot preset, sealed Page token, facts.
func (e *hEnv) connect(ids ...string) {
	e.t.Helper()
	ctx := context.Background()
	fields, _ := PresetFields(DefaultPreset, nil)
	names := map[string]string{}
	for _, p := range e.fake.Pages() {
		names[p.ID] = p.Name
	}
	for _, id := range ids {
		tok := token.New(e.fake.PageToken(e.user.Reveal(), id))
		if err := e.client.Subscribe(ctx, id, tok, fields); err != nil {
			e.t.Fatal(err)
		}
		now := e.k.now()
		p := store.Page{ID: id, Name: names[id], Status: store.StatusValid, StatusSince: now, CheckedAt: now, LastOKAt: now,
			WebhookPreset: store.PresetBot, WebhookFields: fields, SubscribedFields: fields, IsPublished: true,
			Scopes: append([]string{"public_profile"}, healthScopes...), ConnectedAt: now}
		err := e.k.store.Update(ctx, func(tx *store.Tx) error {
			if err := tx.UpsertPage(p); err != nil {
				return err
			}
			return tx.SaveToken(id, tok)
		})
		if err != nil {
			e.t.Fatal(err)
		}
	}
}

func (e *hEnv) round() Round {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := e.k.CheckNow(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (r Round) page(id string) PageStatus {
	for _, p := range r.Pages {
		if p.ID == id {
			return p
		}
	}
	return PageStatus{}
}

func (e *hEnv) takeAlerts() []Alert {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := e.alerts
	e.alerts = nil
	return out
}

func (e *hEnv) events(kind string) []store.Event {
	e.t.Helper()
	evs, err := e.k.store.Events(context.Background(), "", 0)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []store.Event
	for _, ev := range evs {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	return out
}

// Each fault gives its status, reason and repair: with the App Secret from
// debug_token (asked with the app token) and the reads; without it from
// what the Page token itself can still read. What only debug_token can
// tell (a permission, data access) is then not seen: noSecret says so.
func TestHealthEveryFaultGivesItsStatusReasonAndAction(t *testing.T) {
	sunrise := sandbox.PageSunriseCafe
	type outcome struct {
		status Status
		reason Reason
		repair Repair
	}
	unseen := &outcome{StatusValid, ReasonNone, RepairNone}
	cases := []struct {
		name   string
		fault  func(e *hEnv)
		status Status
		reason Reason
		repair Repair
		// noSecret: the outcome without an App Secret, when it differs.
		noSecret *outcome
	}{
		{"password changed", func(e *hEnv) { e.fake.ChangePassword(sandbox.DemoUserID) }, StatusInvalid, ReasonPasswordChanged, RepairRenew, nil},
		{"app removed", func(e *hEnv) { e.fake.RemoveApp(sandbox.DemoUserID) }, StatusInvalid, ReasonAppRemoved, RepairRenew, nil},
		{"role lost", func(e *hEnv) { e.fake.RemoveRole(sandbox.DemoUserID, sunrise) }, StatusInvalid, ReasonRoleLost, RepairRenew, nil},
		{"token expired", func(e *hEnv) { e.fake.ExpireTokens(sandbox.DemoUserID) }, StatusInvalid, ReasonTokenExpired, RepairRenew, nil},
		{"checkpoint", func(e *hEnv) { e.fake.Checkpoint(sandbox.DemoUserID) }, StatusInvalid, ReasonCheckpointed, RepairFixOnFacebook, nil},
		{"unconfirmed", func(e *hEnv) { e.fake.Unconfirm(sandbox.DemoUserID) }, StatusInvalid, ReasonUnconfirmedUser, RepairFixOnFacebook, nil},
		{"permission removed", func(e *hEnv) { e.fake.RemovePermission(sandbox.DemoUserID, "pages_messaging") }, StatusInvalid, ReasonPermissionRemoved, RepairRerequest, unseen},
		{"webhook permission removed", func(e *hEnv) { e.fake.RemovePermission(sandbox.DemoUserID, "pages_manage_metadata") }, StatusInvalid, ReasonPermissionRemoved, RepairRerequest, nil},
		{"optional permission removed", func(e *hEnv) { e.fake.RemovePermission(sandbox.DemoUserID, "pages_read_engagement") }, StatusNeedsAttention, ReasonPermissionDeclined, RepairRerequest, unseen},
		{"190 without subcode", func(e *hEnv) { e.fake.InjectError(sunrise, 0, 190, 0) }, StatusInvalid, ReasonSessionInvalid, RepairRenew, nil},
		{"code 10", func(e *hEnv) { e.fake.InjectError(sunrise, 0, 10, 0) }, StatusInvalid, ReasonPermissionRemoved, RepairRerequest, nil},
		{"code 200", func(e *hEnv) { e.fake.InjectError(sunrise, 0, 200, 0) }, StatusInvalid, ReasonPermissionRemoved, RepairRerequest, nil},
		{"webhook dropped", func(e *hEnv) { e.fake.DropWebhook(sunrise) }, StatusNeedsAttention, ReasonWebhookMissing, RepairResubscribe, nil},
		{"data access expiring", func(e *hEnv) { e.fake.Clock().Advance(80 * 24 * time.Hour) }, StatusNeedsAttention, ReasonDataAccessExpiring, RepairRenew, unseen},
		{"data access expired", func(e *hEnv) { e.fake.ExpireDataAccess(sandbox.DemoUserID) }, StatusInvalid, ReasonDataAccessExpired, RepairReauthorize, unseen},
		{"unpublished", func(e *hEnv) { e.fake.SetPublished(sunrise, false) }, StatusNeedsAttention, ReasonPageUnpublished, RepairFixOnFacebook, nil},
		// A Page token cannot read its person's tasks: they are known from
		// the last login, which recorded a role without messaging.
		{"role reduced at the last login", func(e *hEnv) { e.setTasks(sunrise, "PROFILE_PLUS_MODERATE") },
			StatusNeedsAttention, ReasonMessagingTaskMissing, RepairFixOnFacebook, nil},
		{"throttled (32)", func(e *hEnv) { e.fake.Throttle(sunrise, 32) }, StatusCouldNotCheck, ReasonThrottled, RepairNone, nil},
		{"throttled (4)", func(e *hEnv) { e.fake.Throttle(sunrise, 4) }, StatusCouldNotCheck, ReasonThrottled, RepairNone, nil},
		{"throttled (17)", func(e *hEnv) { e.fake.Throttle(sunrise, 17) }, StatusCouldNotCheck, ReasonThrottled, RepairNone, nil},
		{"throttled (80001)", func(e *hEnv) { e.fake.Throttle(sunrise, 80001) }, StatusCouldNotCheck, ReasonThrottled, RepairNone, nil},
		{"transient", func(e *hEnv) { e.fake.FailNext(sunrise, 100, 500) }, StatusCouldNotCheck, ReasonTemporary, RepairNone, nil},
		{"transient code 2", func(e *hEnv) { e.fake.InjectError(sunrise, 0, 2, 0) }, StatusCouldNotCheck, ReasonTemporary, RepairNone, nil},
		{"offline", func(e *hEnv) { e.fake.SetOffline(true) }, StatusCouldNotCheck, ReasonOffline, RepairNone, nil},
	}
	for _, withSecret := range []bool{true, false} {
		for _, tc := range cases {
			name := tc.name + " (with App Secret)"
			if !withSecret {
				name = tc.name + " (without App Secret)"
				if o := tc.noSecret; o != nil {
					tc.status, tc.reason, tc.repair = o.status, o.reason, o.repair
				}
			}
			t.Run(name, func(t *testing.T) {
				checkFault(t, withSecret, tc.fault, tc.status, tc.reason, tc.repair)
			})
		}
	}
}

// setTasks records the person's tasks on a Page as the last login reported them.
func (e *hEnv) setTasks(pageID string, tasks ...string) {
	e.t.Helper()
	err := e.k.store.Update(context.Background(), func(tx *store.Tx) error {
		p, err := tx.Page(pageID)
		if err != nil {
			return err
		}
		p.Tasks = tasks
		return tx.UpsertPage(p)
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func checkFault(t *testing.T, withSecret bool, fault func(*hEnv), status Status, reason Reason, repair Repair) {
	sunrise := sandbox.PageSunriseCafe
	tc := struct {
		fault  func(*hEnv)
		status Status
		reason Reason
		repair Repair
	}{fault, status, reason, repair}
	e := newHealthEnvSecret(t, sandbox.Options{Seed: 7}, withSecret)
	e.connect(sunrise, sandbox.PageHarborBooks)
	if r := e.round(); r.Totals.Valid != 2 {
		t.Fatalf("before the fault: %+v", r.Totals)
	}
	e.takeAlerts()
	tc.fault(e)
	r := e.round()
	got := r.page(sunrise)
	if got.Status != tc.status || got.Reason != tc.reason || got.Repair != tc.repair {
		t.Fatalf("got %s/%s/%q, want %s/%s/%q", got.Status, got.Reason, got.Repair, tc.status, tc.reason, tc.repair)
	}
	if tc.status != StatusValid && (got.ReasonText.IsZero() || got.Explanation.String() == "" || got.Action.String() == "") {
		t.Fatalf("a reason needs words, an explanation and an action: %+v", got)
	}
	stored, _ := e.k.store.Page(context.Background(), sunrise)
	if Status(stored.Status) != tc.status || stored.Reason != string(tc.reason) {
		t.Fatalf("stored %s/%s", stored.Status, stored.Reason)
	}
	alerts := e.takeAlerts()
	var mine []Alert
	for _, a := range alerts {
		if a.PageID == sunrise {
			mine = append(mine, a)
		}
	}
	if tc.status == StatusValid {
		if len(mine) != 0 {
			t.Fatalf("alerts for a Page that looks valid: %+v", mine)
		}
		return
	}
	if tc.status == StatusCouldNotCheck {
		if len(alerts) != 0 {
			t.Fatalf("could not check must not alert (yet): %+v", alerts)
		}
		if ev := e.events("status_changed"); len(ev) != 1 && tc.reason != ReasonOffline {
			t.Fatalf("status_changed events: %+v", ev)
		}
		return
	}
	if len(mine) != 1 || mine[0].Kind != AlertOpened || mine[0].Reason != tc.reason {
		t.Fatalf("want exactly one opened alert, got %+v", alerts)
	}
	ev := e.events("status_changed")
	found := false
	for _, x := range ev {
		if x.PageID == sunrise && strings.HasPrefix(x.Detail, "Valid to "+tc.status.Words().String()+": "+tc.reason.Words().String()) {
			found = true
		}
	}
	if !found {
		t.Fatalf("no status_changed event in words: %+v", ev)
	}
	// The same problem next round: no second alert.
	e.round()
	for _, a := range e.takeAlerts() {
		if a.PageID == sunrise {
			t.Fatalf("second alert for the same incident: %+v", a)
		}
	}
}

func TestNoRoleChangeMarksOnlyTheAffectedPage(t *testing.T) {
	e := newHealthEnv(t, sandbox.Options{Seed: 8})
	e.connect(sandbox.PageSunriseCafe, sandbox.PageHarborBooks)
	e.fake.DropWebhook(sandbox.PageSunriseCafe)
	e.fake.Throttle(sandbox.PageHarborBooks, 32)
	r := e.round()
	if r.page(sandbox.PageHarborBooks).Status != StatusCouldNotCheck || r.page(sandbox.PageSunriseCafe).Reason != ReasonWebhookMissing {
		t.Fatalf("%+v", r.Pages)
	}
	if r.Throttled != 1 {
		t.Fatalf("Throttled = %d", r.Throttled)
	}
}

func TestTenFailingRoundsGiveOneAlertRemindersAndOneRestored(t *testing.T) {
	e := newHealthEnv(t, sandbox.Options{Seed: 9})
	e.connect(sandbox.PageSunriseCafe)
	ctx := context.Background()
	set := e.k.Settings()
	set.ReminderInterval = Duration(24 * time.Hour)
	if err := e.k.UpdateSettings(ctx, set, Secrets{}); err != nil {
		t.Fatal(err)
	}
	e.round()
	e.fake.ChangePassword(sandbox.DemoUserID)
	for range 10 {
		e.round()
		e.fake.Clock().Advance(3 * time.Hour) // 10 rounds over 30 hours
	}
	kinds := func(as []Alert) []AlertKind {
		var out []AlertKind
		for _, a := range as {
			out = append(out, a.Kind)
		}
		return out
	}
	if got := kinds(e.takeAlerts()); len(got) != 2 || got[0] != AlertOpened || got[1] != AlertReminder {
		t.Fatalf("alerts over 10 failing rounds in 30 h: %v, want opened + 1 reminder", got)
	}
	// Another day: the second reminder.
	e.fake.Clock().Advance(21 * time.Hour)
	e.round()
	if got := kinds(e.takeAlerts()); len(got) != 1 || got[0] != AlertReminder {
		t.Fatalf("after 54 h: %v, want a second reminder", got)
	}
	// Recovery: one Valid round is not enough (debounce), the second closes.
	e.fake.Reset()
	if r := e.round(); r.page(sandbox.PageSunriseCafe).Status != StatusValid {
		t.Fatalf("after Reset: %+v", r.Pages)
	}
	if got := e.takeAlerts(); len(got) != 0 {
		t.Fatalf("restored after one valid round: %+v", got)
	}
	e.round()
	e.round()
	got := e.takeAlerts()
	if len(got) != 1 || got[0].Kind != AlertRestored || !strings.Contains(got[0].Title.String(), "Sunrise Café") {
		t.Fatalf("want one restored, got %+v", got)
	}
	incs, _ := e.k.store.Incidents(ctx, "", false)
	if len(incs) != 1 || incs[0].Open || incs[0].RemindersSent != 2 {
		t.Fatalf("incidents: %+v", incs)
	}
	if n := len(e.events("alert_sent")); n != 1 {
		t.Fatalf("%d alert_sent events", n)
	}
	if n := len(e.events("reminder_sent")); n != 2 {
		t.Fatalf("%d reminder_sent events", n)
	}
	if n := len(e.events("restored_sent")); n != 1 {
		t.Fatalf("%d restored_sent events", n)
	}
}

func TestFlappingPageKeepsOneIncident(t *testing.T) {
	e := newHealthEnv(t, sandbox.Options{Seed: 10})
	e.connect(sandbox.PageSunriseCafe)
	e.round()
	for range 3 {
		e.fake.DropWebhook(sandbox.PageSunriseCafe)
		e.round()
		e.fake.Reset() // the subscription comes back
		e.round()
	}
	as := e.takeAlerts()
	if len(as) != 1 || as[0].Kind != AlertOpened {
		t.Fatalf("flapping: %+v, want one opened alert", as)
	}
	e.round()
	if as := e.takeAlerts(); len(as) != 1 || as[0].Kind != AlertRestored {
		t.Fatalf("two valid rounds in a row: %+v, want restored", as)
	}
}

func TestCouldNotCheckAlertsOnlyAfterTheConfiguredTime(t *testing.T) {
	e := newHealthEnv(t, sandbox.Options{Seed: 11})
	e.connect(sandbox.PageSunriseCafe)
	e.round()
	e.fake.SetOffline(true)
	var opened []Alert
	for h := 0; h <= 8; h++ {
		e.round()
		for _, a := range e.takeAlerts() {
			if h < 6 {
				t.Fatalf("alert after %d h of could-not-check: %+v", h, a)
			}
			opened = append(opened, a)
		}
		e.fake.Clock().Advance(time.Hour)
	}
	if len(opened) != 1 || opened[0].Kind != AlertOpened || !strings.Contains(opened[0].Title.String(), "could not check Sunrise Café for 6 hours") {
		t.Fatalf("want one could-not-check alert after 6 h: %+v", opened)
	}
	e.fake.SetOffline(false)
	e.round()
	e.round()
	if as := e.takeAlerts(); len(as) != 1 || as[0].Kind != AlertRestored {
		t.Fatalf("back online: %+v", as)
	}
}

func TestResubscribeRepairsADroppedWebhook(t *testing.T) {
	e := newHealthEnv(t, sandbox.Options{Seed: 12})
	e.connect(sandbox.PageSunriseCafe)
	e.fake.DropWebhook(sandbox.PageSunriseCafe)
	if r := e.round(); r.page(sandbox.PageSunriseCafe).Repair != RepairResubscribe {
		t.Fatalf("%+v", r.Pages)
	}
	ps, err := e.k.Resubscribe(context.Background(), sandbox.PageSunriseCafe, Actor{OSUser: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	if ps.Status != StatusValid {
		t.Fatalf("after Resubscribe: %+v", ps)
	}
	apps, err := e.client.SubscribedApps(context.Background(), sandbox.PageSunriseCafe, token.New(e.fake.PageToken(e.user.Reveal(), sandbox.PageSunriseCafe)))
	if err != nil || len(apps) != 1 {
		t.Fatalf("on Facebook: %+v %v", apps, err)
	}
	if len(e.events("webhook_resubscribed")) != 1 {
		t.Fatal("no webhook_resubscribed event")
	}
}

func TestRenewAuthTypeAndUnreadableToken(t *testing.T) {
	e := newHealthEnv(t, sandbox.Options{Seed: 13})
	e.connect(sandbox.PageSunriseCafe, sandbox.PageHarborBooks, sandbox.PageBlueDoorStudio)
	ctx := context.Background()
	e.fake.ExpireDataAccess(sandbox.DemoUserID)
	e.round()
	if got := e.k.RenewAuthType(ctx, sandbox.PageSunriseCafe); got != "reauthorize" {
		t.Fatalf("data access expired: %q", got)
	}
	e.fake.Reset()
	e.fake.RemovePermission(sandbox.DemoUserID, "pages_manage_metadata")
	e.round()
	if got := e.k.RenewAuthType(ctx, sandbox.PageSunriseCafe, sandbox.PageHarborBooks); got != "rerequest" {
		t.Fatalf("permission removed: %q", got)
	}
	e.fake.Reset()
	e.round()
	if got := e.k.RenewAuthType(ctx, sandbox.PageSunriseCafe); got != "" {
		t.Fatalf("healthy: %q", got)
	}
	// A token that cannot be opened is Invalid, with Renew.
	if err := e.k.store.DeleteToken(ctx, sandbox.PageBlueDoorStudio); err != nil {
		t.Fatal(err)
	}
	r := e.round()
	if p := r.page(sandbox.PageBlueDoorStudio); p.Status != StatusInvalid || p.Reason != ReasonTokenUnreadable || p.Repair != RepairRenew {
		t.Fatalf("unreadable token: %+v", p)
	}
	sum, err := e.k.Pages(ctx)
	if err != nil || sum.Totals.Invalid != 1 || sum.Totals.Valid != 2 {
		t.Fatalf("Status: %+v %v", sum.Totals, err)
	}
}

func TestSchedulerRunsAtStartOnRequestAndBacksOff(t *testing.T) {
	e := newHealthEnv(t, sandbox.Options{Seed: 14})
	e.connect(sandbox.PageSunriseCafe, sandbox.PageHarborBooks)
	// Connected (and so checked) more than half an interval ago: the
	// scheduler starts with a round.
	e.fake.Clock().Advance(31 * time.Minute)
	rounds := make(chan Round, 8)
	cancelSub := e.k.OnRound(func(r Round) { rounds <- r })
	defer cancelSub()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.k.Run(ctx) }()
	next := func() Round {
		select {
		case r := <-rounds:
			return r
		case <-time.After(20 * time.Second):
			t.Fatal("no round")
		}
		return Round{}
	}
	if r := next(); len(r.Pages) != 2 {
		t.Fatalf("start-up round checked %d Pages", len(r.Pages))
	}
	e.k.RequestCheck(sandbox.PageSunriseCafe)
	if r := next(); len(r.Pages) != 1 || r.Pages[0].ID != sandbox.PageSunriseCafe {
		t.Fatalf("Check now on one Page: %+v", r.Pages)
	}
	e.fake.Throttle("", 4)
	e.k.RequestCheck()
	if r := next(); r.Throttled != 2 {
		t.Fatalf("throttled round: %+v", r.Totals)
	}
	if d := e.k.NextRoundIn(); d != 2*time.Hour {
		t.Fatalf("after a throttled round the next waits %v, want 2 h", d)
	}
	e.k.RequestCheck()
	next()
	if d := e.k.NextRoundIn(); d != 4*time.Hour {
		t.Fatalf("after two: %v, want 4 h", d)
	}
	e.fake.Reset()
	e.k.RequestCheck()
	next()
	if d := e.k.NextRoundIn(); d != time.Hour {
		t.Fatalf("a clean round resets the interval: %v", d)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Run = %v", err)
	}
}

// "Check now" pressed before the scheduler runs (the window starts it after
// its first frame) is not lost, though every Page was checked just now.
func TestACheckAskedBeforeTheSchedulerRunsIsNotLost(t *testing.T) {
	e := newHealthEnv(t, sandbox.Options{Seed: 16})
	e.connect(sandbox.PageSunriseCafe)
	if d := e.k.startupDelay(context.Background(), time.Hour); d == 0 {
		t.Fatal("just connected: no start-up round is due, or this test proves nothing")
	}
	rounds := make(chan Round, 4)
	cancelSub := e.k.OnRound(func(r Round) { rounds <- r })
	defer cancelSub()
	e.k.RequestCheck()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.k.Run(ctx) }()
	select {
	case r := <-rounds:
		if len(r.Pages) != 1 {
			t.Fatalf("the round asked for checked %d Pages", len(r.Pages))
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the check asked for before the scheduler ran never came")
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Run = %v", err)
	}
}

func TestARestartRightAfterARoundDoesNotCheckAgain(t *testing.T) {
	e := newHealthEnv(t, sandbox.Options{Seed: 15})
	e.connect(sandbox.PageSunriseCafe)
	ctx := context.Background()
	if d := e.k.startupDelay(ctx, time.Hour); d != time.Hour {
		t.Fatalf("just connected: the first round waits %v, want the whole interval", d)
	}
	e.fake.Clock().Advance(20 * time.Minute)
	if d := e.k.startupDelay(ctx, time.Hour); d != 40*time.Minute {
		t.Fatalf("20 min later: %v, want 40 min", d)
	}
	e.fake.Clock().Advance(15 * time.Minute)
	if d := e.k.startupDelay(ctx, time.Hour); d != 0 {
		t.Fatalf("checked over half an interval ago: %v, want a round now", d)
	}
}

func TestBackoffDelay(t *testing.T) {
	h := time.Hour
	for _, c := range []struct {
		n      int
		regain time.Duration
		want   time.Duration
	}{{0, 0, h}, {1, 0, 2 * h}, {2, 0, 4 * h}, {3, 0, 6 * h}, {9, 0, 6 * h}, {1, 5 * h, 5 * h}, {3, 10 * h, 10 * h}} {
		if got := backoffDelay(h, c.n, c.regain); got != c.want {
			t.Errorf("backoffDelay(1h, %d, %v) = %v, want %v", c.n, c.regain, got, c.want)
		}
	}
}

// holdFirstBatch holds the first batch request (a health round asking
// Facebook) once armed, until the test releases it.
type holdFirstBatch struct {
	armed         atomic.Bool
	once          sync.Once
	sent, release chan struct{}
}

func (h *holdFirstBatch) RoundTrip(r *http.Request) (*http.Response, error) {
	if h.armed.Load() && r.Method == http.MethodPost && strings.Count(strings.Trim(r.URL.Path, "/"), "/") == 0 {
		h.once.Do(func() {
			close(h.sent)
			<-h.release
		})
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestAPageDisconnectedWhileARoundAsksFacebookStaysDisconnected(t *testing.T) {
	e := newHealthEnv(t, sandbox.Options{Seed: 7})
	hold := &holdFirstBatch{sent: make(chan struct{}), release: make(chan struct{})}
	e.k = e.open(Options{FacebookHTTP: &http.Client{Transport: hold}})
	sunrise, harbor := sandbox.PageSunriseCafe, sandbox.PageHarborBooks
	e.connect(sunrise, harbor)
	e.round()
	e.takeAlerts()
	e.fake.DropWebhook(harbor) // the other Page's problem must still be recorded

	hold.armed.Store(true)
	done := make(chan Round)
	go func() { done <- e.round() }()
	<-hold.sent // the round has read the Pages and is waiting for Facebook
	ctx := context.Background()
	if _, err := e.k.Disconnect(ctx, sunrise, Actor{OSUser: "tester"}); err != nil {
		t.Fatal(err)
	}
	close(hold.release)
	r := <-done

	stored, err := e.k.store.Page(ctx, sunrise)
	if err != nil || stored.Status != store.StatusDisconnected {
		t.Fatalf("the round wrote its old picture back over the disconnect: %+v %v", stored.Status, err)
	}
	if got := r.page(sunrise).Status; got != StatusDisconnected {
		t.Fatalf("the round reports the disconnected Page as %s", got)
	}
	if got := r.page(harbor); got.Status != StatusNeedsAttention || got.Reason != ReasonWebhookMissing {
		t.Fatalf("the other Page: %s/%s", got.Status, got.Reason)
	}
	for _, a := range e.takeAlerts() {
		if a.PageID == sunrise {
			t.Fatalf("alert for a Page disconnected on purpose: %+v", a)
		}
	}
	for _, ev := range e.events("status_changed") {
		if ev.PageID == sunrise {
			t.Fatalf("status change recorded for the disconnected Page: %+v", ev)
		}
	}
}

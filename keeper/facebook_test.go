package keeper

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/sandbox"
	"github.com/pagekeeper/pagekeeper/store"
)

// Pages on both families of task names connect alike; a Page whose tasks
// Facebook did not report (found through granular scopes) is judged by its
// token, not refused.
func TestBothTaskFamiliesAndUnknownTasks(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 21, BusinessOnly: true})
	p := e.plan(e.login(sandbox.DemoUserID, demoPages))
	for _, id := range []string{sandbox.PageSunriseCafe, sandbox.PageHarborBooks, sandbox.PageBlueDoorStudio} {
		c, ok := p.Candidate(id)
		if !ok || !c.Connectable || c.TasksKnown {
			t.Fatalf("%s found through granular scopes: %+v", id, c)
		}
	}
	e = newEnv(t, sandbox.Options{Seed: 22})
	p = e.plan(e.login(sandbox.DemoUserID, demoPages))
	classic, _ := p.Candidate(sandbox.PageSunriseCafe)
	npe, _ := p.Candidate(sandbox.PageHarborBooks)
	if !classic.Connectable || !npe.Connectable || !classic.TasksKnown || !npe.TasksKnown ||
		!slices.Contains(npe.Tasks, "PROFILE_PLUS_FULL_CONTROL") || !slices.Contains(classic.Tasks, "MESSAGING") {
		t.Fatalf("classic %+v\nNew Pages Experience %+v", classic, npe)
	}
	if res := e.apply(p); len(res.Failed()) > 0 {
		t.Fatalf("failed: %+v", res.Failed())
	}
	for _, id := range []string{sandbox.PageSunriseCafe, sandbox.PageHarborBooks} {
		if pg := e.page(id); pg.Status != store.StatusValid {
			t.Fatalf("%s: %s/%s", pg.Name, pg.Status, pg.Reason)
		}
	}
	// An NPE role without messaging cannot be connected, in words.
	if err := e.srv.Fake.SetTasks(sandbox.DemoUserID, sandbox.PageBlueDoorStudio, []string{"PROFILE_PLUS_MODERATE"}); err != nil {
		t.Fatal(err)
	}
	p = e.plan(e.login(sandbox.DemoUserID, demoPages))
	if c, _ := p.Candidate(sandbox.PageBlueDoorStudio); c.Connectable || !strings.Contains(c.WhyNot.String(), "messaging") {
		t.Fatalf("Blue Door Studio with PROFILE_PLUS_MODERATE only: %+v", c)
	}
}

// Without an App Secret Pagekeeper cannot ask debug_token: it connects with
// what the login said (a short-lived login's Page tokens last about an
// hour, which the owner is told), and checks with what the Page token reads.
func TestConnectAndCheckWithoutAppSecret(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 23})
	e.k = openOnFakeWith(t, e.srv, Options{Dir: t.TempDir(), Keyring: store.NewMemoryKeyring(), Now: e.clock.Now,
		FacebookRetry: fb.RetryPolicy{MaxAttempts: 1}}, Secrets{})
	g := e.login(sandbox.DemoUserID, demoPages)
	// What a secretless login gives: the short-lived user token.
	o := e.srv.Fake.Options()
	short := e.srv.Fake.IssueUserToken(sandbox.DemoUserID, false, sandbox.DemoConfigPermissions)
	g.UserToken, g.LongLived, g.ExpiresAt = token.New(short), false, e.clock.Now().Add(sandbox.ShortUserTokenTTL)
	e.srv.Fake.ResetStats()
	p := e.plan(g)
	if res := e.apply(p); len(res.Failed()) > 0 {
		t.Fatalf("failed: %+v", res.Failed())
	}
	if n := e.srv.Fake.Stats().ByPath["/debug_token"]; n != 0 {
		t.Fatalf("%d debug_token calls without an App Secret (app %s)", n, o.AppID)
	}
	pg := e.page(sandbox.PageSunriseCafe)
	if pg.Status != store.StatusNeedsAttention || pg.Reason != string(ReasonTokenExpiring) || pg.TokenExpiresAt.IsZero() {
		t.Fatalf("a short-lived connection must say it expires soon: %s/%s %v", pg.Status, pg.Reason, pg.TokenExpiresAt)
	}
	r, err := e.k.CheckNow(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st := r.page(sandbox.PageSunriseCafe); st.Status != StatusNeedsAttention || st.Reason != ReasonTokenExpiring {
		t.Fatalf("check: %+v", st)
	}
	// An hour later Facebook refuses the Page token: Invalid, with the reason.
	e.srv.Fake.Clock().Advance(2 * time.Hour)
	e.clock.Advance(2 * time.Hour)
	r, err = e.k.CheckNow(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st := r.page(sandbox.PageSunriseCafe); st.Status != StatusInvalid || st.Reason != ReasonTokenExpired {
		t.Fatalf("after expiry: %+v", st)
	}
}

func TestGraphVersionRadar(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	for _, c := range []struct {
		version, now string
		attention    bool
		words        string
	}{
		{"v25.0", "2026-11-29", false, "works until 29 July 2028"},
		{"v25.0", "2028-05-01", true, "stops working on 29 July 2028"},
		{"v21.0", "2026-11-29", true, "stops working on 21 January 2027"},
		{"v20.0", "2026-11-29", true, "stopped working on 24 September 2026"},
		{"v27.0", "2026-11-29", false, "has not yet said"},
	} {
		vs := GraphVersionStatus(c.version, day(c.now))
		if vs.Attention != c.attention || !strings.Contains(vs.Text.String(), c.words) {
			t.Errorf("%s on %s: %+v %q", c.version, c.now, vs.Attention, vs.Text)
		}
	}

	e := newHealthEnv(t, sandbox.Options{Seed: 24})
	e.connect(sandbox.PageSunriseCafe)
	ctx := context.Background()
	set := e.k.Settings()
	set.GraphVersion = "v21.0" // ends 2027-01-21, within 90 days of the fake's November 2026
	set.Owners = []Owner{{Name: "Ana", Email: "ana@example.com"}}
	set.SMTP.Host, set.SMTP.From = "smtp.example.com", "alerts@example.com"
	if err := e.k.UpdateSettings(ctx, set, Secrets{}); err != nil {
		t.Fatal(err)
	}
	r := e.round()
	if !r.Version.Attention {
		t.Fatalf("round version: %+v", r.Version)
	}
	notices := func() []Alert {
		var out []Alert
		for _, a := range e.takeAlerts() {
			if a.Reason == ReasonGraphVersionEnding {
				out = append(out, a)
			}
		}
		return out
	}
	if n := notices(); len(n) != 1 || n[0].Kind != AlertOpened || !strings.Contains(n[0].Title.String(), "v21.0") ||
		!strings.Contains(n[0].Explanation.String(), "Settings") {
		t.Fatalf("first round: %+v", n)
	}
	mailed := false
	for _, ev := range e.events("alert_sent") {
		mailed = mailed || (ev.PageID == "" && strings.Contains(ev.Detail, "email to Ana <ana@example.com>") && strings.Contains(ev.Detail, "v21.0"))
	}
	if !mailed {
		t.Fatalf("the notice is not mailed to the owners: %+v", e.events("alert_sent"))
	}
	e.round()
	if n := notices(); len(n) != 0 {
		t.Fatalf("repeated at once: %+v", n)
	}
	e.fake.Clock().Advance(8 * 24 * time.Hour)
	e.round()
	if n := notices(); len(n) != 1 || n[0].Kind != AlertReminder {
		t.Fatalf("a week later: %+v", n)
	}
	// Moving to a supported version ends the notice.
	set.GraphVersion = "v25.0"
	if err := e.k.UpdateSettings(ctx, set, Secrets{}); err != nil {
		t.Fatal(err)
	}
	if r := e.round(); r.Version.Attention {
		t.Fatalf("after the change: %+v", r.Version)
	}
	if open, _ := e.k.store.Incidents(ctx, versionIncident, true); len(open) != 0 {
		t.Fatalf("the notice's incident is still open: %+v", open)
	}
}

func TestLoginConfigIDSetting(t *testing.T) {
	s := DefaultSettings()
	s.LoginConfigID = "1234567890123456"
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	s.LoginConfigID = "my config"
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "Login configuration ID") {
		t.Fatalf("a configuration ID with letters: %v", err)
	}
}

// A Custom preset can use every current Messenger event, and only values of
// Meta's subscribed_fields enum (sandbox/testdata/meta-graph-facts.json).
func TestCustomPresetTakesCurrentMessengerEvents(t *testing.T) {
	b, err := os.ReadFile("../sandbox/testdata/meta-graph-facts.json")
	if err != nil {
		t.Fatal(err)
	}
	var facts struct {
		SubscribedFields []string `json:"subscribed_fields"`
	}
	if err := json.Unmarshal(b, &facts); err != nil {
		t.Fatal(err)
	}
	for _, f := range MessengerFields() {
		if !slices.Contains(facts.SubscribedFields, f) {
			t.Errorf("%q is not one of Meta's subscribed_fields", f)
		}
	}
	fields, err := PresetFields(PresetCustom, []string{"messages", "message_edits", "messaging_feedback"})
	if err != nil {
		t.Fatal(err)
	}
	e := newHealthEnv(t, sandbox.Options{Seed: 25})
	tok := token.New(e.fake.PageToken(e.user.Reveal(), sandbox.PageSunriseCafe))
	if err := e.client.Subscribe(context.Background(), sandbox.PageSunriseCafe, tok, fields); err != nil {
		t.Fatalf("Facebook refused %v: %v", fields, err)
	}
	if _, err := PresetFields(PresetCustom, []string{"feed"}); err == nil {
		t.Error("a Custom preset took a field that is not a Messenger event")
	}
}

package fb

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/sandbox"
)

// Both families of task names mean the same to Pagekeeper, and every task
// Meta's enum has is either mapped or knowingly gives nothing it needs.
func TestTaskFamilies(t *testing.T) {
	for _, c := range []struct {
		tasks              []string
		message, subscribe bool
	}{
		{sandbox.FullAdminTasks, true, true},
		{sandbox.FullControlTasks, true, true},
		{[]string{"PROFILE_PLUS_FULL_CONTROL"}, true, true},
		{[]string{"PROFILE_PLUS_MESSAGING"}, true, false},
		{[]string{"PROFILE_PLUS_MODERATE"}, false, true},
		{[]string{"MODERATE"}, false, true},
		{[]string{"MESSAGING", "CREATE_CONTENT"}, true, true},
		{[]string{"ANALYZE", "ADVERTISE", "PROFILE_PLUS_ANALYZE"}, false, false},
		{nil, false, false},
	} {
		got := CapabilitiesOf(c.tasks)
		if got.CanMessage() != c.message || got.CanSubscribe() != c.subscribe {
			t.Errorf("%v: message %v subscribe %v", c.tasks, got.CanMessage(), got.CanSubscribe())
		}
	}
	noCapability := []string{"ADVERTISE", "ANALYZE", "CASHIER_ROLE", "GLOBAL_STRUCTURE_MANAGEMENT", "MANAGE_JOBS", "MANAGE_LEADS",
		"MODERATE_COMMUNITY", "PAGES_MESSAGING_SUBSCRIPTIONS", "PROFILE_PLUS_ADVERTISE", "PROFILE_PLUS_ANALYZE",
		"PROFILE_PLUS_FACEBOOK_ACCESS", "PROFILE_PLUS_GLOBAL_STRUCTURE_MANAGEMENT", "PROFILE_PLUS_MANAGE_LEADS",
		"PROFILE_PLUS_MODERATE_DELEGATE_COMMUNITY", "PROFILE_PLUS_REVENUE", "READ_PAGE_MAILBOXES", "VIEW_MONETIZATION_INSIGHTS"}
	for _, task := range sandbox.PageTasks {
		if _, mapped := taskCapabilities[task]; mapped == slices.Contains(noCapability, task) {
			t.Errorf("task %s: mapped %v; decide what it allows", task, mapped)
		}
	}
	for task := range taskCapabilities {
		if !slices.Contains(sandbox.PageTasks, task) {
			t.Errorf("%s is not one of Meta's Page tasks", task)
		}
	}
}

func TestVersionEnd(t *testing.T) {
	for v, want := range map[string]string{"v25.0": "2028-07-29", "v21.0": "2027-01-21", "v20.0": "2026-09-24", "v19.0": "2026-09-24"} {
		end, ok := VersionEnd(v)
		if !ok || end.Format(time.DateOnly) != want {
			t.Errorf("%s: %v %v, want %s", v, end, ok, want)
		}
	}
	for _, v := range []string{"v26.0", "v27.0", "v31.0", "nonsense", ""} {
		if _, ok := VersionEnd(v); ok {
			t.Errorf("%s has no published end", v)
		}
	}
	if _, ok := VersionEnd(DefaultVersion); !ok {
		t.Error("the default version's end is unknown")
	}
}

// The Send API's failures each get their own reason, and none of them says
// the connection is broken (Meta's Messenger error-codes page).
func TestSendAPIReasons(t *testing.T) {
	env := startFake(t, sandbox.Options{Seed: 11}, func(c *Config) { c.Retry = RetryPolicy{MaxAttempts: 1} })
	ctx := ctxT(t)
	pt := env.pageTok(sandbox.PageSunriseCafe)
	for _, c := range []struct {
		code, sub int
		reason    Reason
	}{
		{200, 1545041, ReasonPersonUnavailable},
		{551, 1545041, ReasonPersonUnavailable},
		{10, 2534022, ReasonOutsideMessagingWindow},
		{10, 2018065, ReasonOutsideMessagingWindow},
		{10, 2018278, ReasonOutsideMessagingWindow},
		{10, 2018108, ReasonNotReceiving},
		{2, 0, ReasonSendFailedOrBlocked},
		{1200, 0, ReasonTemporary},
		{10, 1893063, ReasonPageRestricted},
	} {
		env.fake.Reset()
		env.fake.InjectError("/"+sandbox.PageSunriseCafe+"/messages", 1, c.code, c.sub)
		_, err := env.c.SendText(ctx, sandbox.PageSunriseCafe, pt, sandbox.SunriseCafePSID, "hello")
		e, ok := AsError(err)
		if !ok || e.Reason != c.reason || NeedsLogin(err) {
			t.Errorf("%d/%d: %v (reason %v, needs login %v)", c.code, c.sub, err, ReasonOf(err), NeedsLogin(err))
		}
	}
	// Blocked by the customer in the fake's world: 551/1545041 too.
	env.fake.Reset()
	env.fake.BlockRecipient(sandbox.PageSunriseCafe, sandbox.SunriseCafePSID)
	if _, err := env.c.SendText(ctx, sandbox.PageSunriseCafe, pt, sandbox.SunriseCafePSID, "hello"); ReasonOf(err) != ReasonPersonUnavailable {
		t.Fatalf("blocked recipient: %v", err)
	}
}

// Only this app's entry counts as its subscription, whatever Facebook lists.
func TestSubscribedAppsCountsOnlyThisApp(t *testing.T) {
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"data":[{"id":"999","name":"Another app","subscribed_fields":["messages"]},
			{"id":"1234","name":"Pagekeeper","subscribed_fields":["messages","messaging_postbacks"]}]}`)
	}), func(cfg *Config) { cfg.AppID = "1234" })
	apps, err := c.SubscribedApps(context.Background(), "1", sentinelTok)
	if err != nil || len(apps) != 1 || apps[0].ID != "1234" {
		t.Fatalf("%+v %v", apps, err)
	}
	mine, _ := c.subscribedAppsOf(BatchResult{Code: 200, Body: []byte(`{"data":[{"id":"999","subscribed_fields":["messages"]}]}`)})
	if len(mine) != 0 {
		t.Fatalf("another app's subscription counted: %+v", mine)
	}
}

// requestLog records every request a client sends, batch operations
// included, so a test can check what the client never asks for.
type requestLog struct {
	mu   sync.Mutex
	next http.RoundTripper
	reqs []string
}

func (l *requestLog) RoundTrip(r *http.Request) (*http.Response, error) {
	text := r.URL.String()
	if r.Body != nil && r.Method == http.MethodPost {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(b)))
		if form, err := url.ParseQuery(string(b)); err == nil {
			text += " " + form.Encode() + " " + form.Get("batch")
		}
	}
	l.mu.Lock()
	l.reqs = append(l.reqs, text)
	l.mu.Unlock()
	return l.next.RoundTrip(r)
}

// Graph API v27.0 withdrew multi-ID reads (?ids=), field aliases and
// asynchronous batches from new apps, on every version: Pagekeeper uses
// none of them in any call it makes (the fake refuses them too).
func TestClientUsesNothingV27Withdrew(t *testing.T) {
	log := &requestLog{next: http.DefaultTransport}
	env := startFake(t, sandbox.Options{Seed: 12, ExtraPages: 3}, func(c *Config) {
		c.HTTPClient = &http.Client{Transport: log}
	})
	ctx := ctxT(t)
	c := env.c
	if _, err := c.Me(ctx, env.user); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Permissions(ctx, env.user); err != nil {
		t.Fatal(err)
	}
	pages, err := c.DiscoverPages(ctx, env.user, DiscoverOptions{Business: true})
	if err != nil || len(pages) == 0 {
		t.Fatal(err)
	}
	pt := env.pageTok(sandbox.PageSunriseCafe)
	if err := c.Subscribe(ctx, sandbox.PageSunriseCafe, pt, []string{"messages"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SubscribedApps(ctx, sandbox.PageSunriseCafe, pt); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Conversations(ctx, sandbox.PageSunriseCafe, pt, 5); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendText(ctx, sandbox.PageSunriseCafe, pt, sandbox.SunriseCafePSID, "hi"); err != nil {
		t.Fatal(err)
	}
	probes := env.probes(sandbox.PageSunriseCafe, sandbox.ExtraPageID(1), sandbox.ExtraPageID(2))
	if _, err := c.CheckPages(ctx, token.Token{}, probes); err != nil {
		t.Fatal(err)
	}
	if _, err := c.InspectTokens(ctx, []token.Token{pt}); err != nil {
		t.Fatal(err)
	}
	if err := c.Unsubscribe(ctx, sandbox.PageSunriseCafe, pt); err != nil {
		t.Fatal(err)
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	if len(log.reqs) < 10 {
		t.Fatalf("only %d requests recorded", len(log.reqs))
	}
	for _, r := range log.reqs {
		u := strings.ToLower(r)
		if strings.Contains(u, "ids=") && !strings.Contains(u, "target_ids") || strings.Contains(u, ".as(") ||
			strings.Contains(u, "async") {
			t.Errorf("a request uses what v27.0 withdrew: %.200s", r)
		}
	}
}

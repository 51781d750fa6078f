package keeper

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/integration"
	"github.com/pagekeeper/pagekeeper/sandbox"
	"github.com/pagekeeper/pagekeeper/store"
)

// The first integration added receives every connected Page: each is handed
// its token, sealed, and the window says the integration has it; a renewal
// hands over the new tokens as page.token_renewed.
func TestConnectAndRenewHandEachPageItsTokenAndSaySo(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	bot := newTestBot(t, e.clock.Now)
	ids := e.connectDemo(false)
	for _, id := range ids {
		if s := e.integrationOf(id); s.Status != IntegrationNone || s.Text().String() != "No integration receives this Page's messages." {
			t.Fatalf("before any integration: %+v %q", s, s.Text())
		}
	}
	e.addBot(bot, "Support Bot")
	if pass := e.deliver(); pass.Delivered != len(ids) || pass.Failed != 0 || pass.Pending != 0 {
		t.Fatalf("pass %+v for %d Pages", pass, len(ids))
	}
	for _, id := range ids {
		got := bot.events(id)
		if len(got) != 1 || got[0].Type != integration.PageConnected || got[0].Fingerprint != e.fingerprint(id) {
			t.Fatalf("%s: the integration got %+v", id, got)
		}
		s := e.integrationOf(id)
		want := "Support Bot has the current token (since " + e.clock.Now().Local().Format("15:04") + ")."
		if s.Status != IntegrationCurrent || s.Text().String() != want {
			t.Fatalf("%s: %s %q, want %q", id, s.Status, s.Text(), want)
		}
	}

	e.clock.Advance(time.Minute)
	renewed := e.connectDemo(true)
	e.deliver()
	for _, id := range renewed {
		got := bot.events(id)
		last := got[len(got)-1]
		if last.Type != integration.PageTokenRenewed || last.Fingerprint != e.fingerprint(id) {
			t.Fatalf("%s after the renewal: %+v", id, got)
		}
	}
	// The outbox keeps no body once delivered.
	ds, err := e.k.store.Deliveries(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.State != store.DeliveryDelivered || len(d.Body) != 0 {
			t.Fatalf("delivery %d: %s with %d bytes of body", d.ID, d.State, len(d.Body))
		}
	}
}

// While the integration is down, a renewal supersedes the tokens not yet
// delivered: once it is back it receives only the newest token of each
// Page, as page.connected (it never acknowledged one), and each attempt of
// an event carried the same webhook-id.
func TestANewerTokenSupersedesOneNotYetDelivered(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	bot := newTestBot(t, e.clock.Now)
	e.addBot(bot, "Support Bot")
	bot.setDown(503)
	ids := e.connectDemo(false)
	if pass := e.deliver(); pass.Failed != len(ids) || pass.Delivered != 0 {
		t.Fatalf("pass while down: %+v", pass)
	}
	s := e.integrationOf(ids[0])
	at := e.clock.Now().Local().Format("15:04")
	retry := e.clock.Now().Add(15 * time.Second).Local().Format("15:04")
	if want := "Delivery to Support Bot failing since " + at + ": HTTP 503; retrying at " + retry + "."; s.Status != IntegrationFailing || s.Text().String() != want {
		t.Fatalf("%s %q, want %q", s.Status, s.Text(), want)
	}
	e.clock.Advance(time.Minute)
	e.connectDemo(true)
	bot.setDown(0)
	e.clock.Advance(15 * time.Minute)
	e.deliver()
	for _, id := range ids {
		got := bot.events(id)
		if len(got) != 1 || got[0].Type != integration.PageConnected || got[0].Fingerprint != e.fingerprint(id) {
			t.Fatalf("%s: the integration got %+v, want only the newest token", id, got)
		}
		if s := e.integrationOf(id); s.Status != IntegrationCurrent {
			t.Fatalf("%s: %s", id, s.Status)
		}
	}
	// Every request of one webhook-id carried the same body.
	bodies := map[string]string{}
	for _, r := range bot.requests {
		if b, seen := bodies[r.ID]; seen && b != string(r.Body) {
			t.Fatalf("webhook-id %s was sent with two bodies", r.ID)
		}
		bodies[r.ID] = string(r.Body)
	}
}

// A disconnect follows the connect it undoes: a connect that never left
// Pagekeeper vanishes with its disconnect; one that was delivered is
// followed by page.disconnected.
func TestADisconnectFollowsTheConnectItUndoes(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	bot := newTestBot(t, e.clock.Now)
	e.addBot(bot, "Support Bot")
	ids := e.connectDemo(false)
	never, delivered := ids[0], ids[1]
	ctx := context.Background()
	if _, err := e.k.Disconnect(ctx, never, Actor{OSUser: "tester"}); err != nil {
		t.Fatal(err)
	}
	e.deliver()
	if got := bot.events(never); len(got) != 0 {
		t.Fatalf("a Page disconnected before its connect left: %+v", got)
	}
	if _, err := e.k.Disconnect(ctx, delivered, Actor{OSUser: "tester"}); err != nil {
		t.Fatal(err)
	}
	e.deliver()
	got := bot.events(delivered)
	if !slices.Equal(bot.types(delivered), []integration.EventType{integration.PageConnected, integration.PageDisconnected}) ||
		got[1].Reason != integration.DisconnectByOwner {
		t.Fatalf("%+v", got)
	}
	if s := e.integrationOf(delivered); s.Status != IntegrationNone || !s.Text().IsZero() {
		t.Fatalf("a disconnected Page: %+v", s)
	}
}

// Moving a Page tells both integrations: the old one to forget it, the new
// one its token; the Page's history says where its messages go.
func TestMovingAPageTellsBothIntegrations(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	a, b := newTestBot(t, e.clock.Now), newTestBot(t, e.clock.Now)
	e.addBot(a, "Support Bot")
	e.addBot(b, "Agent Inbox")
	if got := e.k.DefaultIntegration(); got != "Support Bot" {
		t.Fatalf("default %q", got)
	}
	ids := e.connectDemo(false)
	e.deliver()
	page := ids[0]
	if err := e.k.SetPageIntegration(context.Background(), page, "agent inbox", Actor{OSUser: "tester"}); err != nil {
		t.Fatal(err)
	}
	e.deliver()
	old := a.events(page)
	if len(old) != 2 || old[1].Type != integration.PageDisconnected || old[1].Reason != integration.DisconnectMoved {
		t.Fatalf("the old integration got %+v", old)
	}
	if got := b.events(page); len(got) != 1 || got[0].Type != integration.PageConnected || got[0].Fingerprint != e.fingerprint(page) {
		t.Fatalf("the new integration got %+v", got)
	}
	l, err := e.k.PageLog(context.Background(), page, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(l.Events, func(ev Event) bool {
		return ev.Kind == "destination_changed" && ev.Detail == "Messages now go to Agent Inbox (before: Support Bot)."
	}) || l.Status.Integration.Name != "Agent Inbox" {
		t.Fatalf("history %+v, state %+v", l.Events, l.Status.Integration)
	}
	// An unknown name says which there are.
	err = e.k.SetPageIntegration(context.Background(), page, "Nope", Actor{})
	if !errors.Is(err, ErrNoSuchIntegration) || err.Error() != "There is no integration named “Nope”. Choose one of: Support Bot, Agent Inbox." {
		t.Fatalf("%v", err)
	}
}

// An integration down for an hour, then back, receives everything in the
// order it happened, each Page's events one after the other: connects, a
// status change, renewed tokens, a disconnect.
func TestAnIntegrationDownForAnHourReceivesEverythingInOrder(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	bot := newTestBot(t, e.clock.Now)
	e.addBot(bot, "Support Bot")
	bot.setDown(503)
	ctx := context.Background()
	step := func() {
		e.clock.Advance(5 * time.Minute)
		e.srv.Fake.Clock().Advance(5 * time.Minute)
		e.deliver()
	}
	ids := e.connectDemo(false)
	step()
	e.srv.Fake.DropWebhook(sandbox.PageHarborBooks)
	if _, err := e.k.CheckNow(ctx); err != nil {
		t.Fatal(err)
	}
	step()
	e.connectDemo(true)
	step()
	if _, err := e.k.Disconnect(ctx, sandbox.PageSunriseCafe, Actor{OSUser: "tester"}); err != nil {
		t.Fatal(err)
	}
	for range 8 {
		step()
	}
	if n := len(bot.events("")); n != 0 {
		t.Fatalf("%d events processed while down", n)
	}
	bot.setDown(0)
	for e.pendingDeliveries() > 0 {
		step()
	}
	for _, id := range ids {
		got := bot.events(id)
		for i := 1; i < len(got); i++ {
			if got[i].At.Before(got[i-1].At) {
				t.Fatalf("%s: %s (%v) arrived after %s (%v)", id, got[i].Type, got[i].At, got[i-1].Type, got[i-1].At)
			}
		}
		types := bot.types(id)
		switch id {
		case sandbox.PageSunriseCafe:
			// Its token events were superseded by the disconnect; the
			// attempts made while it was down may have reached it.
			if types[len(types)-1] != integration.PageDisconnected || slices.Contains(types, integration.PageTokenRenewed) {
				t.Fatalf("%s: %v", id, types)
			}
		case sandbox.PageHarborBooks:
			// Its dropped webhook needed attention, then the renewal (which
			// subscribed it again) superseded the token never delivered.
			if !slices.Equal(types, []integration.EventType{integration.PageStatusChanged, integration.PageConnected}) ||
				got[1].Fingerprint != e.fingerprint(id) {
				t.Fatalf("%s: %v", id, types)
			}
		default:
			if !slices.Equal(types, []integration.EventType{integration.PageConnected}) || got[0].Fingerprint != e.fingerprint(id) {
				t.Fatalf("%s: %+v", id, got)
			}
		}
	}
}

// A delivery failing for longer than the alert threshold is an incident
// like any other: Needs attention with the reason in words, an alert, and
// "restored" once it works again.
func TestADeliveryFailingLongerThanTheThresholdIsAnIncident(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	bot := newTestBot(t, e.clock.Now)
	e.addBot(bot, "Support Bot")
	bot.setDown(503)
	ids := e.connectDemo(false)
	e.deliver()
	ctx := context.Background()
	statusOf := func(r Round, id string) PageStatus {
		for _, p := range r.Pages {
			if p.ID == id {
				return p
			}
		}
		t.Fatalf("%s not in the round", id)
		return PageStatus{}
	}
	r, err := e.k.CheckNow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p := statusOf(r, ids[0]); p.Status != StatusValid || p.Integration.Status != IntegrationFailing {
		t.Fatalf("failing for a moment: %s %s", p.Status, p.Integration.Status)
	}
	e.clock.Advance(61 * time.Minute)
	e.deliver()
	r, err = e.k.CheckNow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p := statusOf(r, ids[0])
	if p.Status != StatusNeedsAttention || p.Reason != ReasonIntegrationFailing ||
		p.Explanation.String() != "Pagekeeper has not been able to hand this Page's latest change to Support Bot for too long, so it may not hold a working token." {
		t.Fatalf("%s %s %q", p.Status, p.Reason, p.Explanation)
	}
	if !slices.ContainsFunc(r.Alerts, func(a Alert) bool { return a.PageID == ids[0] && a.Kind == AlertOpened }) {
		t.Fatalf("no alert: %+v", r.Alerts)
	}
	bot.setDown(0)
	e.clock.Advance(15 * time.Minute)
	e.deliver()
	for range 2 {
		if r, err = e.k.CheckNow(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if p := statusOf(r, ids[0]); p.Status != StatusValid || !slices.ContainsFunc(r.Alerts, func(a Alert) bool { return a.PageID == ids[0] && a.Kind == AlertRestored }) {
		t.Fatalf("back: %s, alerts %+v", p.Status, r.Alerts)
	}
	// The integration heard of each status change.
	if types := bot.types(ids[0]); !slices.Contains(types, integration.PageStatusChanged) {
		t.Fatalf("%v", types)
	}
}

// When the integration publishes its status, a round reads it: a Page whose
// integration holds another token needs attention, and is handed the
// current token again.
func TestAStaleTokenAtTheIntegrationNeedsAttentionAndIsHandedOverAgain(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	bot := newTestBot(t, e.clock.Now)
	bot.publish = true
	e.addBot(bot, "Support Bot")
	ids := e.connectDemo(false)
	e.deliver()
	ctx := context.Background()
	r, err := e.k.CheckNow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.Totals.NeedsAttention != 0 {
		t.Fatalf("%+v", r.Totals)
	}
	page := ids[0]
	bot.mu.Lock()
	bot.held[page] = integration.Fingerprint(tokenOf("an-older-token"))
	bot.mu.Unlock()
	r, err = e.k.CheckNow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range r.Pages {
		if p.ID == page && (p.Status != StatusNeedsAttention || p.Reason != ReasonIntegrationStale ||
			p.Explanation.String() != "Support Bot says it does not hold this Page's current token, so its replies may fail.") {
			t.Fatalf("%s %s %q", p.Status, p.Reason, p.Explanation)
		}
	}
	e.deliver()
	got := bot.events(page)
	if last := got[len(got)-1]; last.Type != integration.PageTokenRenewed || last.Fingerprint != e.fingerprint(page) {
		t.Fatalf("not handed over again: %+v", got)
	}
	e.k.CheckNow(ctx)
	if r, err = e.k.CheckNow(ctx); err != nil || r.Totals.NeedsAttention != 0 {
		t.Fatalf("%+v %v", r.Totals, err)
	}
}

// An integration that has heard nothing about a Page for hours while
// Facebook shows a newer conversation: Facebook's webhooks do not reach it.
func TestAnIntegrationHearingNothingWhileCustomersWriteNeedsAttention(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	bot := newTestBot(t, e.clock.Now)
	bot.publish = true
	e.addBot(bot, "Support Bot")
	e.connectDemo(false)
	e.deliver()
	page := sandbox.PageSunriseCafe
	bot.mu.Lock()
	bot.webhook[page] = e.clock.Now()
	bot.mu.Unlock()
	ctx := context.Background()
	e.clock.Advance(3 * time.Hour)
	e.srv.Fake.Clock().Advance(3 * time.Hour)
	// A customer wrote half an hour ago; the integration heard nothing.
	e.srv.Fake.AddConversation(page, "7000000000000077", e.srv.Fake.Clock().Now().Add(-30*time.Minute))
	r, err := e.k.CheckNow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range r.Pages {
		switch {
		case p.ID == page && (p.Status != StatusNeedsAttention || p.Reason != ReasonIntegrationSilent):
			t.Fatalf("%s %s", p.Status, p.Reason)
		case p.ID != page && p.Reason == ReasonIntegrationSilent:
			t.Fatalf("%s is silent too", p.Name)
		}
	}
}

// Removing an integration that still receives Pages is refused with their
// names; moving them first hands them over, and the removed one is told to
// forget them before it and its secret are deleted.
func TestRemovingAnIntegrationSaysWhichPagesMustGoFirst(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	a, b := newTestBot(t, e.clock.Now), newTestBot(t, e.clock.Now)
	e.addBot(a, "Support Bot")
	e.addBot(b, "Agent Inbox")
	ids := e.connectDemo(false)
	e.deliver()
	ctx := context.Background()
	err := e.k.RemoveIntegration(ctx, "Support Bot", RemoveOptions{}, Actor{})
	if !errors.Is(err, ErrIntegrationInUse) || !strings.Contains(err.Error(), "Support Bot still receives the messages of ") ||
		!strings.Contains(err.Error(), "Sunrise Café") {
		t.Fatalf("%v", err)
	}
	if err := e.k.RemoveIntegration(ctx, "Support Bot", RemoveOptions{MoveTo: "Agent Inbox"}, Actor{}); err != nil {
		t.Fatal(err)
	}
	if names := e.k.IntegrationNames(); !slices.Equal(names, []string{"Agent Inbox"}) {
		t.Fatalf("%v", names)
	}
	e.deliver()
	for _, id := range ids {
		if got := a.types(id); !slices.Equal(got, []integration.EventType{integration.PageConnected, integration.PageDisconnected}) {
			t.Fatalf("%s: the removed one got %v", id, got)
		}
		if got := b.events(id); len(got) != 1 || got[0].Fingerprint != e.fingerprint(id) {
			t.Fatalf("%s: the other got %+v", id, got)
		}
	}
	list, err := e.k.Integrations(ctx)
	if err != nil || len(list) != 1 || list[0].Name != "Agent Inbox" {
		t.Fatalf("%+v %v", list, err)
	}
	if _, err := e.kr.Get(keyringService, integrationSecretUser("Support Bot")); err == nil {
		t.Fatal("the removed integration's secret is still in the keyring")
	}
}

// An integration's settings are checked with a message that says what to fix.
func TestAddingAnIntegrationChecksItsSettings(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	bot := newTestBot(t, e.clock.Now)
	ctx := context.Background()
	for _, c := range []struct {
		edit func(*IntegrationSetup)
		want string
	}{
		{func(s *IntegrationSetup) { s.URL = "http://bot.example.com/pk" }, "plain http to another computer"},
		{func(s *IntegrationSetup) { s.Recipient = "AGE-SECRET-KEY-1XYZ" }, "That is the integration's private key"},
		{func(s *IntegrationSetup) { s.Secret = NewSecret("not-a-secret") }, "A signing secret starts with whsec_"},
		{func(s *IntegrationSetup) { s.Name = " " }, "Enter the integration's name."},
	} {
		s := bot.setup("Support Bot")
		c.edit(&s)
		err := e.k.AddIntegration(ctx, s, Actor{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v, want %q", err, c.want)
		}
		if strings.Contains(err.Error(), "not-a-secret") {
			t.Errorf("the error repeats the secret: %v", err)
		}
	}
	e.addBot(bot, "Support Bot")
	if err := e.k.AddIntegration(ctx, bot.setup("support bot"), Actor{}); err == nil {
		t.Fatal("two integrations with one name")
	}
	if err := e.k.TestIntegration(ctx, "Support Bot", Actor{OSUser: "tester"}); err != nil {
		t.Fatal(err)
	}
	if got := bot.types(""); !slices.Equal(got, []integration.EventType{integration.IntegrationTest}) {
		t.Fatalf("%v", got)
	}
	bot.setDown(503)
	err := e.k.TestIntegration(ctx, "Support Bot", Actor{OSUser: "tester"})
	if what, _ := Explain(err); what.String() != "The test event did not reach Support Bot: HTTP 503." {
		t.Fatalf("%q", what)
	}
}

// An integration that moved to a new address with a new key: its waiting
// events go there, and each Page is handed its token again, sealed to the
// new key (the old one's tokens could not be opened there).
func TestChangingAnIntegrationsKeyHandsTheTokensOverAgain(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	old, moved := newTestBot(t, e.clock.Now), newTestBot(t, e.clock.Now)
	e.addBot(old, "Support Bot")
	ids := e.connectDemo(false)
	e.deliver()
	s := moved.setup("Support Bot")
	if err := e.k.UpdateIntegration(context.Background(), s, Actor{OSUser: "it"}); err != nil {
		t.Fatal(err)
	}
	e.deliver()
	for _, id := range ids {
		got := moved.events(id)
		if len(got) != 1 || !got[0].Type.CarriesToken() || got[0].Fingerprint != e.fingerprint(id) {
			t.Fatalf("%s: the moved integration got %+v", id, got)
		}
		if s := e.integrationOf(id); s.Status != IntegrationCurrent {
			t.Fatalf("%s: %s", id, s.Status)
		}
	}
	if n := len(old.events("")); n != len(ids) {
		t.Fatalf("the old address got %d events after the change", n-len(ids))
	}
}

package sandbox

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestMMeLinks: opening m.me/{page}?ref=… (docs/FACEBOOK.md §7) as a new person and as
// one with a conversation; the app's endpoint gets the events.
func TestMMeLinks(t *testing.T) {
	ep := newHookEndpoint(t)
	s, pt := webhookSandbox(t, Options{}, ep, "messages,messaging_postbacks,messaging_referrals", "messaging_postbacks", "messaging_referrals")
	const newcomer = "7300000000000100"

	// A new person: Get Started with the referral.
	r := get(t, s.URL+"/m.me/sunrisecafe.demo?ref=spring_menu&as="+newcomer)
	if r.status != 200 || !strings.Contains(string(r.raw), "Opening Messenger") || !strings.Contains(string(r.raw), "Sunrise Café") {
		t.Fatalf("m.me page: %d %s", r.status, r.raw)
	}
	h := ep.next(t)
	wantSigned(t, s, h)
	pb, _ := h.msg["postback"].(map[string]any)
	ref, _ := pb["referral"].(map[string]any)
	if h.msg["sender"].(map[string]any)["id"] != newcomer || pb["title"] != "Get Started" || pb["payload"] != "GET_STARTED" ||
		ref["ref"] != "spring_menu" || ref["source"] != "SHORTLINK" || ref["type"] != "OPEN_THREAD" {
		t.Fatalf("postback %s", h.raw)
	}
	if c := dataList(t, graphGet(t, s, "/"+PageSunriseCafe+"/conversations", pt, url.Values{"user_id": {newcomer}})); len(c) != 1 {
		t.Fatal("Get Started did not start a conversation")
	}

	// An existing conversation whose window has closed: messaging_referrals,
	// and the window opens again.
	s.Fake.Clock().Advance(48 * time.Hour)
	reply := map[string]any{"recipient": map[string]string{"id": SunriseCafePSID}, "messaging_type": "RESPONSE", "message": map[string]string{"text": "Hi"}}
	wantError(t, sendJSON(t, s, PageSunriseCafe, pt, reply), 10, 2018278)
	if err := s.Fake.OpenMMe(PageSunriseCafe, SunriseCafePSID, "table_12"); err != nil {
		t.Fatal(err)
	}
	h = ep.next(t)
	ref, _ = h.msg["referral"].(map[string]any)
	if h.msg["postback"] != nil || h.msg["sender"].(map[string]any)["id"] != SunriseCafePSID || ref["ref"] != "table_12" ||
		ref["source"] != "SHORTLINK" || ref["type"] != "OPEN_THREAD" {
		t.Fatalf("referral %s", h.raw)
	}
	c := dataList(t, graphGet(t, s, "/"+PageSunriseCafe+"/conversations", pt, url.Values{"user_id": {SunriseCafePSID}}))
	if len(c) != 1 || c[0]["updated_time"] != graphTime(s.Fake.Clock().Now()) {
		t.Fatalf("window reset not visible: %v", c)
	}
	if r := sendJSON(t, s, PageSunriseCafe, pt, reply); r.status != 200 {
		t.Fatalf("reply after the referral: %s", r.raw)
	}

	// Without ?as= a fixed visitor; by Page ID too. The second visit
	// continues the conversation.
	if r := get(t, s.URL+"/m.me/"+PageSunriseCafe+"?ref=a"); r.status != 200 {
		t.Fatal(string(r.raw))
	}
	if h := ep.next(t); h.msg["postback"] == nil || h.msg["sender"].(map[string]any)["id"] != VisitorPSID(PageSunriseCafe) {
		t.Fatalf("visitor %s", h.raw)
	}
	if r := get(t, s.URL+"/v25.0/m.me/SunriseCafe.Demo?ref=b"); r.status != 200 {
		t.Fatal(string(r.raw))
	}
	if h := ep.next(t); h.msg["referral"] == nil {
		t.Fatalf("second visit %s", h.raw)
	}
	if r := get(t, s.URL+"/m.me/no.such.page?ref=x"); r.status != 404 {
		t.Fatalf("unknown Page: %d", r.status)
	}
	if err := s.Fake.OpenMMe(PageOldTownTailor, "", "x"); !errors.Is(err, ErrUnknownPage) {
		t.Fatalf("unpublished Page: %v", err)
	}
}

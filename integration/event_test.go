package integration

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

var testAt = time.Date(2026, 11, 30, 12, 3, 0, 0, time.FixedZone("CET", 3600))

// sampleEvents builds one real event of every type, the way Pagekeeper
// will: the token sealed to the integration's recipient.
func sampleEvents(t testing.TB) []Event {
	t.Helper()
	id := newIdentity(t)
	tok, err := SealToken(token.New(testPageToken), id.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	dax := testAt.Add(90 * 24 * time.Hour)
	tok.DataAccessExpiresAt = &dax
	page := &Page{ID: "110000000000001", Name: "Sunrise Café"}
	hook := &Webhook{Fields: []string{"messages", "messaging_postbacks", "messaging_referrals", "messaging_optins"}, Preset: "bot"}
	person := &Actor{Kind: ActorPerson, FacebookUserID: "100000000000001", FacebookUserName: "Dana Demo", ComputerUser: "alice"}
	keeper := &Actor{Kind: ActorPagekeeper}
	return []Event{
		{Type: PageConnected, Timestamp: testAt, Data: Data{Page: page, Webhook: hook, Token: tok, Actor: person}},
		{Type: PageTokenRenewed, Timestamp: testAt, Data: Data{Page: page, Webhook: hook, Token: tok, Actor: person}},
		{Type: PageChanged, Timestamp: testAt, Data: Data{Page: page, Webhook: hook, Changes: []Change{ChangeWebhook}, Actor: person}},
		{Type: PageDisconnected, Timestamp: testAt, Data: Data{Page: page, Reason: &Reason{Code: DisconnectMoved, Message: "Its messages now go to Agent Inbox."}, Actor: person}},
		{Type: PageStatusChanged, Timestamp: testAt, Data: Data{Page: page, Status: &StatusChange{Status: StatusInvalid, Previous: StatusValid},
			Reason: &Reason{Code: "password_changed", Message: "Facebook ended this connection because the password of the account that connected it was changed."}, Actor: keeper}},
		{Type: PageStatusChanged, Timestamp: testAt, Data: Data{Page: page, Status: &StatusChange{Status: StatusValid, Previous: StatusInvalid}, Actor: keeper}},
		{Type: IntegrationTest, Timestamp: testAt, Data: Data{Test: &Test{Integration: "Support Bot", Message: "A test from Pagekeeper."}, Actor: person}},
	}
}

func TestEncodeDecodeEveryType(t *testing.T) {
	seen := map[EventType]bool{}
	for _, ev := range sampleEvents(t) {
		b, err := Encode(ev)
		if err != nil {
			t.Fatalf("%s: %v", ev.Type, err)
		}
		seen[ev.Type] = true
		if bytes.Contains(b, []byte(testPageToken)) {
			t.Fatalf("%s: the body holds the token in clear: %s", ev.Type, b)
		}
		if !bytes.Contains(b, []byte(`"timestamp":"2026-11-30T11:03:00Z"`)) {
			t.Fatalf("%s: the timestamp is not UTC RFC 3339: %s", ev.Type, b)
		}
		if !bytes.Contains(b, []byte("Sunrise Café")) && ev.Type != IntegrationTest {
			t.Fatalf("%s: names are escaped: %s", ev.Type, b)
		}
		back, err := Decode(b)
		if err != nil {
			t.Fatalf("%s: Decode: %v", ev.Type, err)
		}
		again, _ := Encode(back)
		if !bytes.Equal(again, b) {
			t.Fatalf("%s: a round trip changes the body:\n%s\n%s", ev.Type, b, again)
		}
	}
	for _, typ := range EventTypes {
		if !seen[typ] {
			t.Errorf("no sample of %s", typ)
		}
	}
	b, _ := Encode(sampleEvents(t)[0])
	if strings.Contains(string(b), `"expires_at":`) && !strings.Contains(string(b), `"expires_at":null`) {
		t.Fatalf("a token that never expires must say null: %s", b)
	}
}

func TestEncodeRefusesIncompleteEvents(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(*Event)
		field string
	}{
		{"no type", func(e *Event) { e.Type = "" }, "type"},
		{"no time", func(e *Event) { e.Timestamp = time.Time{} }, "timestamp"},
		{"no page", func(e *Event) { e.Data.Page = nil }, "data.page"},
		{"page ID not numeric", func(e *Event) { e.Data.Page = &Page{ID: "sunrise", Name: "x"} }, "data.page.id"},
		{"no token", func(e *Event) { e.Data.Token = nil }, "data.token"},
		{"token not sealed", func(e *Event) { c := *e.Data.Token; c.Sealed = ""; e.Data.Token = &c }, "data.token.sealed"},
		{"no fingerprint", func(e *Event) { c := *e.Data.Token; c.Fingerprint = "abc"; e.Data.Token = &c }, "data.token.fingerprint"},
		{"no fields", func(e *Event) { e.Data.Webhook = &Webhook{Preset: "bot"} }, "data.webhook.fields"},
		{"no actor", func(e *Event) { e.Data.Actor = nil }, "data.actor"},
		{"odd actor", func(e *Event) { e.Data.Actor = &Actor{Kind: "robot"} }, "data.actor.kind"},
	} {
		ev := sampleEvents(t)[0]
		tc.edit(&ev)
		_, err := Encode(ev)
		var ee *EventError
		if !errors.As(err, &ee) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: %v, want an error about %s", tc.name, err, tc.field)
		}
	}
	ev := sampleEvents(t)[4]
	ev.Data.Reason = nil
	if _, err := Encode(ev); err == nil || !strings.Contains(err.Error(), "data.reason") {
		t.Fatalf("status_changed to invalid without a reason: %v", err)
	}
}

func TestDecodeAcceptsUnknownTypesAndFields(t *testing.T) {
	ev, err := Decode([]byte(`{"type":"page.archived","timestamp":"2027-01-01T00:00:00Z","data":{"page":{"id":"1"}},"extra":1}`))
	if err != nil || ev.Type.Known() {
		t.Fatalf("an unknown type: %v", err)
	}
	if _, err := Decode([]byte(`{"type":"page.connected","timestamp":"2027-01-01T00:00:00Z","data":{},"future":true}`)); err == nil {
		t.Fatal("a known type without its data was accepted")
	}
	if _, err := Decode([]byte(`not json`)); err == nil {
		t.Fatal("not JSON was accepted")
	}
}

func compileSchema(t testing.TB, ref string) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "docs", "integration-events.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("the schema is not JSON: %v", err)
	}
	const id = "https://github.com/pagekeeper/pagekeeper/blob/main/docs/integration-events.schema.json"
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(id + ref)
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	return s
}

func validate(s *jsonschema.Schema, b []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return err
	}
	return s.Validate(v)
}

// docs/integration-events.schema.json describes what Encode really sends,
// and refuses what the contract forbids.
func TestSchemaMatchesEncodedEvents(t *testing.T) {
	s := compileSchema(t, "")
	events := sampleEvents(t)
	for _, ev := range events {
		b, err := Encode(ev)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate(s, b); err != nil {
			t.Errorf("%s does not match the schema: %v\n%s", ev.Type, err, b)
		}
	}
	// What the schema must refuse: every edit breaks one rule.
	connected, _ := Encode(events[0])
	statusInvalid, _ := Encode(events[4])
	for _, tc := range []struct {
		name string
		body []byte
		edit func(map[string]any)
	}{
		// (Decode reads a missing expires_at as null; only the schema tells them apart.)
		{"connected without token", connected, func(m map[string]any) { delete(data(m), "token") }},
		{"connected with a bad fingerprint", connected, func(m map[string]any) { data(m)["token"].(map[string]any)["fingerprint"] = "EAAG" }},
		{"connected without expires_at", connected, func(m map[string]any) { delete(data(m)["token"].(map[string]any), "expires_at") }},
		{"a page ID in letters", connected, func(m map[string]any) { data(m)["page"].(map[string]any)["id"] = "sunrise" }},
		{"a timestamp that is no time", connected, func(m map[string]any) { m["timestamp"] = "yesterday" }},
		{"an actor of no kind", connected, func(m map[string]any) { data(m)["actor"] = map[string]any{"kind": "robot"} }},
		{"invalid without a reason", statusInvalid, func(m map[string]any) { delete(data(m), "reason") }},
		{"an unknown status", statusInvalid, func(m map[string]any) { data(m)["status"].(map[string]any)["status"] = "broken" }},
		{"no data", connected, func(m map[string]any) { delete(m, "data") }},
	} {
		var m map[string]any
		if err := json.Unmarshal(tc.body, &m); err != nil {
			t.Fatal(err)
		}
		tc.edit(m)
		b, _ := json.Marshal(m)
		if err := validate(s, b); err == nil {
			t.Errorf("the schema accepts %s", tc.name)
		}
		if _, err := Decode(b); err == nil && !strings.Contains(tc.name, "expires_at") {
			t.Errorf("Decode accepts %s", tc.name)
		}
	}
}

func data(m map[string]any) map[string]any { return m["data"].(map[string]any) }

func TestSchemaMatchesAnswersAndStatus(t *testing.T) {
	answer := compileSchema(t, "#/$defs/answer")
	for _, a := range []Answer{{TokenFingerprint: Fingerprint(token.New(testPageToken))}, {}, {Error: &AnswerError{Code: CodeSignatureInvalid, Message: "no"}}} {
		b, _ := json.Marshal(a)
		if err := validate(answer, b); err != nil {
			t.Errorf("%s: %v", b, err)
		}
	}
	status := compileSchema(t, "#/$defs/status_report")
	at := testAt.UTC()
	rep := StatusReport{GeneratedAt: at, Pages: []PageState{
		{PageID: "110000000000001", TokenFingerprint: Fingerprint(token.New(testPageToken)), TokenReceivedAt: &at, LastWebhookAt: &at, LastReplyAt: &at},
		{PageID: "110000000000002"},
	}}
	b, _ := json.Marshal(rep)
	if err := validate(status, b); err != nil {
		t.Errorf("%s: %v", b, err)
	}
	if err := validate(status, []byte(`{"generated_at":"2026-11-30T11:03:00Z","pages":[{"page_id":"1","token_fingerprint":"EAAG"}]}`)); err == nil {
		t.Error("the status schema accepts a malformed fingerprint")
	}
}

func FuzzDecode(f *testing.F) {
	for _, ev := range sampleEvents(f) {
		b, _ := Encode(ev)
		f.Add(b)
	}
	f.Add([]byte(`{"type":"page.connected"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := Decode(b)
		if err != nil {
			return
		}
		// What Decode accepts, Encode sends again.
		if ev.Type.Known() {
			if _, err := Encode(ev); err != nil && !strings.Contains(err.Error(), "bytes, more than") {
				t.Fatalf("decoded but does not encode: %v", err)
			}
		}
	})
}

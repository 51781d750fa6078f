package integration

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// EventType says what happened and which parts of Data an event carries
// (Standard Webhooks: "a full-stop delimited type"). An integration answers
// 2xx to a type it does not know and ignores it: new types may be added.
type EventType string

const (
	// PageConnected: the Page was connected to this integration (first
	// connect, or its destination was changed to this integration). Carries
	// the sealed Page token.
	PageConnected EventType = "page.connected"
	// PageTokenRenewed: the Page has a new token (a renewal); it replaces the
	// one held. Carries the sealed Page token.
	PageTokenRenewed EventType = "page.token_renewed"
	// PageChanged: the Page's webhook fields (or its name) changed; the token
	// did not.
	PageChanged EventType = "page.changed"
	// PageDisconnected: the Page no longer goes to this integration; forget
	// its token.
	PageDisconnected EventType = "page.disconnected"
	// PageStatusChanged: Pagekeeper's health check found the Page in a new
	// state (for example Invalid because the password was changed).
	PageStatusChanged EventType = "page.status_changed"
	// IntegrationTest: a person pressed "Test" in Pagekeeper's Settings.
	IntegrationTest EventType = "integration.test"
)

// EventTypes lists every type, in the order the documentation gives them.
var EventTypes = []EventType{PageConnected, PageTokenRenewed, PageChanged, PageDisconnected, PageStatusChanged, IntegrationTest}

// Known reports whether t is one of EventTypes.
func (t EventType) Known() bool { return slices.Contains(EventTypes, t) }

// CarriesToken reports whether events of type t hand over a Page token.
func (t EventType) CarriesToken() bool { return t == PageConnected || t == PageTokenRenewed }

// Event is the JSON body of one delivery: {"type", "timestamp", "data"},
// the payload structure Standard Webhooks recommends.
type Event struct {
	Type EventType `json:"type"`
	// Timestamp is when it happened (not when it was sent: a retry keeps it).
	Timestamp time.Time `json:"timestamp"`
	Data      Data      `json:"data"`
}

// Data is what an event says. Which fields are present depends on the type
// (see Validate and docs/INTEGRATION.md); absent ones are left out of the JSON.
type Data struct {
	Page    *Page         `json:"page,omitempty"`
	Webhook *Webhook      `json:"webhook,omitempty"`
	Token   *TokenInfo    `json:"token,omitempty"`
	Changes []Change      `json:"changes,omitempty"`
	Status  *StatusChange `json:"status,omitempty"`
	Reason  *Reason       `json:"reason,omitempty"`
	Test    *Test         `json:"test,omitempty"`
	Actor   *Actor        `json:"actor,omitempty"`
}

// Page names the Facebook Page an event is about.
type Page struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Webhook is what Facebook sends the app for the Page: the subscribed
// fields and the preset they came from ("bot", "agent_inbox", "custom").
type Webhook struct {
	Fields []string `json:"fields"`
	Preset string   `json:"preset"`
}

// TokenInfo is a Page token handed to the integration: sealed to its age
// key (open it with Open), with the facts Pagekeeper knows about it.
type TokenInfo struct {
	// Sealed is the token encrypted with age to the integration's X25519
	// recipient, base64 (standard alphabet, padded). Build it with SealToken.
	Sealed string `json:"sealed"`
	// Fingerprint identifies the token without revealing it (Fingerprint).
	Fingerprint string `json:"fingerprint"`
	// Type is Facebook's token type, "PAGE".
	Type string `json:"type"`
	// ExpiresAt is when the token expires; null: it does not expire.
	ExpiresAt *time.Time `json:"expires_at"`
	// DataAccessExpiresAt is when the app's access to the Page's data
	// expires unless someone logs in again; null: not known.
	DataAccessExpiresAt *time.Time `json:"data_access_expires_at"`
}

// Change names what a page.changed event changed.
type Change string

const (
	ChangeWebhook Change = "webhook" // the subscribed webhook fields or their preset
	ChangeName    Change = "name"    // the Page's name on Facebook
)

// PageStatus is a Page's health as Pagekeeper shows it.
type PageStatus string

const (
	StatusValid          PageStatus = "valid"
	StatusNeedsAttention PageStatus = "needs_attention"
	StatusInvalid        PageStatus = "invalid"
	StatusCouldNotCheck  PageStatus = "could_not_check"
	StatusDisconnected   PageStatus = "disconnected"
	StatusUnchecked      PageStatus = "unchecked"
)

// PageStatuses lists every PageStatus.
var PageStatuses = []PageStatus{StatusValid, StatusNeedsAttention, StatusInvalid, StatusCouldNotCheck, StatusDisconnected, StatusUnchecked}

// StatusChange is the transition a page.status_changed event reports.
type StatusChange struct {
	Status   PageStatus `json:"status"`
	Previous PageStatus `json:"previous_status"`
}

// Reason says why, as a stable code and in words for people. Status codes
// are Pagekeeper's reason codes ("password_changed", "role_lost", …); the
// codes of page.disconnected are the Disconnect… constants.
type Reason struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Reason codes of page.disconnected.
const (
	DisconnectByOwner          = "disconnected_by_owner"        // a person disconnected the Page in Pagekeeper
	DisconnectMoved            = "moved_to_another_integration" // the Page's messages now go to another integration
	DisconnectIntegrationGone  = "integration_removed"          // this integration was removed from Pagekeeper
	DisconnectPageGoneFacebook = "page_gone"                    // Facebook says the Page no longer exists
)

// Test is the body of integration.test.
type Test struct {
	Integration string `json:"integration"` // the name Pagekeeper knows the integration by
	Message     string `json:"message"`
}

// ActorKind says whether a person or Pagekeeper itself acted.
type ActorKind string

const (
	ActorPerson     ActorKind = "person"
	ActorPagekeeper ActorKind = "pagekeeper" // on its own, e.g. the hourly health check
)

// Actor is who caused the event.
type Actor struct {
	Kind ActorKind `json:"kind"`
	// The Facebook account that logged in, when there was a login.
	FacebookUserID   string `json:"facebook_user_id,omitempty"`
	FacebookUserName string `json:"facebook_user_name,omitempty"`
	// The person logged in to the computer running Pagekeeper.
	ComputerUser string `json:"computer_user,omitempty"`
}

// MaxEventBytes is the largest event body Pagekeeper sends and the default
// limit of the receiver. A real event is about 1 KiB.
const MaxEventBytes = 64 << 10

// EventError is an event that breaks the contract: a field is missing or
// malformed. Field is the JSON path, e.g. "data.token.sealed".
type EventError struct {
	Type    EventType
	Field   string
	Problem string
}

func (e *EventError) Error() string {
	if e.Type == "" {
		return fmt.Sprintf("integration event: %s %s", e.Field, e.Problem)
	}
	return fmt.Sprintf("integration event %s: %s %s", e.Type, e.Field, e.Problem)
}

// Validate checks that ev carries what its type promises (docs/INTEGRATION.md).
// An unknown type is only checked for its envelope.
func (ev *Event) Validate() error {
	bad := func(field, problem string) error { return &EventError{Type: ev.Type, Field: field, Problem: problem} }
	if ev.Type == "" {
		return bad("type", "is missing")
	}
	if ev.Timestamp.IsZero() {
		return bad("timestamp", "is missing")
	}
	d := &ev.Data
	need := func(ok bool, field string) error {
		if !ok {
			return bad(field, "is missing")
		}
		return nil
	}
	var errs []error
	if strings.HasPrefix(string(ev.Type), "page.") && ev.Type.Known() {
		errs = append(errs, need(d.Page != nil, "data.page"))
		if d.Page != nil {
			if !validPageID(d.Page.ID) {
				errs = append(errs, bad("data.page.id", "must be Facebook's numeric Page ID"))
			}
			errs = append(errs, need(strings.TrimSpace(d.Page.Name) != "", "data.page.name"))
		}
	}
	if ev.Type.Known() {
		errs = append(errs, need(d.Actor != nil, "data.actor"))
		if d.Actor != nil && d.Actor.Kind != ActorPerson && d.Actor.Kind != ActorPagekeeper {
			errs = append(errs, bad("data.actor.kind", `must be "person" or "pagekeeper"`))
		}
	}
	switch ev.Type {
	case PageConnected, PageTokenRenewed:
		errs = append(errs, validWebhook(d.Webhook, bad), need(d.Token != nil, "data.token"))
		if t := d.Token; t != nil {
			errs = append(errs, need(t.Sealed != "", "data.token.sealed"), need(t.Type != "", "data.token.type"))
			if !ValidFingerprint(t.Fingerprint) {
				errs = append(errs, bad("data.token.fingerprint", "must be a token fingerprint (tfp1_ and 32 hex digits)"))
			}
		}
	case PageChanged:
		errs = append(errs, validWebhook(d.Webhook, bad), need(len(d.Changes) > 0, "data.changes"))
	case PageDisconnected:
		errs = append(errs, validReason(d.Reason, bad))
	case PageStatusChanged:
		errs = append(errs, need(d.Status != nil, "data.status"))
		if s := d.Status; s != nil {
			if !slices.Contains(PageStatuses, s.Status) {
				errs = append(errs, bad("data.status.status", "is not a known status"))
			}
			if !slices.Contains(PageStatuses, s.Previous) {
				errs = append(errs, bad("data.status.previous_status", "is not a known status"))
			}
			if s.Status != StatusValid && s.Status != StatusUnchecked {
				errs = append(errs, validReason(d.Reason, bad))
			}
		}
	case IntegrationTest:
		errs = append(errs, need(d.Test != nil, "data.test"))
	}
	return errors.Join(errs...)
}

func validWebhook(w *Webhook, bad func(field, problem string) error) error {
	switch {
	case w == nil:
		return bad("data.webhook", "is missing")
	case len(w.Fields) == 0:
		return bad("data.webhook.fields", "is empty")
	case w.Preset == "":
		return bad("data.webhook.preset", "is missing")
	}
	return nil
}

func validReason(r *Reason, bad func(field, problem string) error) error {
	switch {
	case r == nil:
		return bad("data.reason", "is missing")
	case r.Code == "":
		return bad("data.reason.code", "is missing")
	case strings.TrimSpace(r.Message) == "":
		return bad("data.reason.message", "is missing")
	}
	return nil
}

// validPageID: Facebook Page IDs are decimal numbers (up to 20 digits).
func validPageID(id string) bool {
	if id == "" || len(id) > 20 {
		return false
	}
	for _, r := range id {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Encode validates ev and returns the exact bytes to send and sign: compact
// JSON, times in UTC, no HTML escaping.
func Encode(ev Event) ([]byte, error) {
	ev.Timestamp = utc(ev.Timestamp)
	if t := ev.Data.Token; t != nil {
		c := *t
		c.ExpiresAt, c.DataAccessExpiresAt = utcPtr(c.ExpiresAt), utcPtr(c.DataAccessExpiresAt)
		ev.Data.Token = &c
	}
	if err := ev.Validate(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ev); err != nil {
		return nil, err
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if len(b) > MaxEventBytes {
		return nil, &EventError{Type: ev.Type, Field: "body", Problem: fmt.Sprintf("is %d bytes, more than the %d allowed", len(b), MaxEventBytes)}
	}
	return b, nil
}

// Decode parses and validates an event body. Unknown fields are ignored
// (the contract grows by adding fields); an unknown type is returned with
// only its envelope checked, for the caller to ignore.
func Decode(body []byte) (Event, error) {
	var ev Event
	if err := json.Unmarshal(body, &ev); err != nil {
		return Event{}, &EventError{Field: "body", Problem: "is not a JSON event: " + err.Error()}
	}
	return ev, ev.Validate()
}

// utc drops the monotonic reading and the zone, and keeps milliseconds:
// the JSON then reads "2026-11-30T12:03:00.123Z" whatever the computer's zone.
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

func utcPtr(t *time.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	u := utc(*t)
	return &u
}

package keeper

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/integration"
	"github.com/pagekeeper/pagekeeper/integration/receiver"
	"github.com/pagekeeper/pagekeeper/sandbox"
	"github.com/pagekeeper/pagekeeper/store"
)

// testBot is an integration on a real loopback socket, built on the
// reference receiver (which verifies, refuses replays and opens tokens):
// it records every event it processed, in order, and every request as it
// arrived; it can be taken down (answering 503) and can publish its status.
type testBot struct {
	t         *testing.T
	url       string
	secret    token.Token
	recipient string
	now       func() time.Time

	mu       sync.Mutex
	got      []gotEvent
	requests []gotRequest
	down     int                  // HTTP status answered instead of processing; 0: up
	held     map[string]string    // Page → fingerprint of the token it holds
	webhook  map[string]time.Time // Page → last Messenger webhook (for the status)
	tokens   []string             // every token opened, to scan for
	publish  bool
	arrived  chan struct{}
}

type gotEvent struct {
	ID          string
	Type        integration.EventType
	Page        string
	Fingerprint string
	At          time.Time // the event's timestamp
	Reason      string
}

type gotRequest struct {
	ID      string
	Header  http.Header
	Body    []byte
	Refused bool
}

func newTestBot(t *testing.T, now func() time.Time) *testBot {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	b := &testBot{t: t, secret: integration.NewSecret(), recipient: id.Recipient().String(), now: now,
		held: map[string]string{}, webhook: map[string]time.Time{}, arrived: make(chan struct{}, 1000)}
	rcv, err := receiver.New(receiver.Options{Secret: b.secret, Identity: id, Now: now, Handle: b.handle,
		Status: func(context.Context) ([]integration.PageState, error) {
			b.mu.Lock()
			defer b.mu.Unlock()
			var out []integration.PageState
			for page, fp := range b.held {
				st := integration.PageState{PageID: page, TokenFingerprint: fp}
				if w, ok := b.webhook[page]; ok {
					st.LastWebhookAt = &w
				}
				out = append(out, st)
			}
			return out, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		b.mu.Lock()
		down, publish := b.down, b.publish
		b.requests = append(b.requests, gotRequest{ID: r.Header.Get(integration.HeaderID), Header: r.Header.Clone(), Body: body, Refused: down != 0})
		b.mu.Unlock()
		switch {
		case down != 0:
			http.Error(w, `{"error":{"code":"busy"}}`, down)
		case r.Method == http.MethodGet && !publish:
			http.NotFound(w, r)
		default:
			r.Body = io.NopCloser(bytes.NewReader(body))
			rcv.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	b.url = srv.URL + "/pagekeeper"
	return b
}

func (b *testBot) handle(_ context.Context, d receiver.Delivery) (receiver.Ack, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	ev := gotEvent{ID: d.ID, Type: d.Event.Type, At: d.Event.Timestamp}
	if p := d.Event.Data.Page; p != nil {
		ev.Page = p.ID
	}
	if r := d.Event.Data.Reason; r != nil {
		ev.Reason = r.Code
	}
	switch d.Event.Type {
	case integration.PageConnected, integration.PageTokenRenewed:
		ev.Fingerprint = d.Event.Data.Token.Fingerprint
		b.held[ev.Page] = ev.Fingerprint
		b.tokens = append(b.tokens, d.Token.Reveal())
	case integration.PageDisconnected:
		delete(b.held, ev.Page)
	}
	b.got = append(b.got, ev)
	select {
	case b.arrived <- struct{}{}:
	default:
	}
	return receiver.Ack{TokenFingerprint: b.held[ev.Page]}, nil
}

// setDown makes it answer status (503) to everything; 0 brings it back.
func (b *testBot) setDown(status int) {
	b.mu.Lock()
	b.down = status
	b.mu.Unlock()
}

func (b *testBot) events(page string) []gotEvent {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []gotEvent
	for _, e := range b.got {
		if page == "" || e.Page == page {
			out = append(out, e)
		}
	}
	return out
}

func (b *testBot) types(page string) []integration.EventType {
	var out []integration.EventType
	for _, e := range b.events(page) {
		out = append(out, e.Type)
	}
	return out
}

// setup is how a person adds it to Pagekeeper.
func (b *testBot) setup(name string) IntegrationSetup {
	return IntegrationSetup{Name: name, URL: b.url, Recipient: b.recipient, Secret: NewSecret(b.secret.Reveal())}
}

// addBot adds b as name, as a person in Settings would.
func (e *env) addBot(b *testBot, name string) {
	e.t.Helper()
	if err := e.k.AddIntegration(context.Background(), b.setup(name), Actor{OSUser: "tester"}); err != nil {
		e.t.Fatal(err)
	}
}

// deliver runs the deliverer once; it must not fail to read the outbox.
func (e *env) deliver() DeliveryPass {
	e.t.Helper()
	pass, err := e.k.DeliverDue(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return pass
}

// connectDemo connects the demo Pages and returns those saved.
func (e *env) connectDemo(renew bool) []string {
	e.t.Helper()
	p := e.plan(e.login(sandbox.DemoUserID, demoPages))
	p.Renew = renew
	var ids []string
	for _, o := range e.apply(p).Pages {
		if o.Step == StepSaved {
			ids = append(ids, o.PageID)
		}
	}
	if len(ids) == 0 {
		e.t.Fatal("no Page was saved")
	}
	return ids
}

// fingerprint is the fingerprint of the Page's stored token.
func (e *env) fingerprint(pageID string) string {
	e.t.Helper()
	tok, err := e.k.store.Token(context.Background(), pageID)
	if err != nil {
		e.t.Fatal(err)
	}
	return integration.Fingerprint(tok)
}

// integrationOf reads the Page's integration state as the window shows it.
func (e *env) integrationOf(pageID string) IntegrationState {
	e.t.Helper()
	sum, err := e.k.Pages(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, p := range sum.Pages {
		if p.ID == pageID {
			return p.Integration
		}
	}
	e.t.Fatalf("page %s not listed", pageID)
	return IntegrationState{}
}

// pendingDeliveries counts the outbox's events not delivered yet.
func (e *env) pendingDeliveries() int {
	e.t.Helper()
	ds, err := e.k.store.Deliveries(context.Background(), "")
	if err != nil {
		e.t.Fatal(err)
	}
	return len(slices.DeleteFunc(ds, func(d store.Delivery) bool { return d.State != store.DeliveryPending }))
}

func tokenOf(s string) token.Token { return token.New(s) }

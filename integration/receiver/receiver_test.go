package receiver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/integration"
)

const (
	pageID    = "110000000000001"
	pageToken = "EAAGm0PX4ZCpsBAreceivertest"
)

// side is one integration on a real socket, built on the receiver, with
// what its handler saw.
type side struct {
	srv      *httptest.Server
	url      string
	secret   token.Token
	identity *age.X25519Identity
	rcv      *Receiver

	mu      sync.Mutex
	got     []Delivery
	fail    error         // the handler's answer while set
	release chan struct{} // while set, the handler waits for it to close
	entered chan struct{} // told when the handler starts
	calls   atomic.Int32
}

func newSide(t *testing.T, edit func(*Options)) *side {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	s := &side{secret: integration.NewSecret(), identity: id}
	o := Options{Secret: s.secret, Identity: id, Handle: s.handle}
	if edit != nil {
		edit(&o)
	}
	s.rcv, err = New(o)
	if err != nil {
		t.Fatal(err)
	}
	s.srv = httptest.NewServer(s.rcv)
	t.Cleanup(s.srv.Close)
	s.url = s.srv.URL + "/pagekeeper"
	return s
}

func (s *side) handle(ctx context.Context, d Delivery) (Ack, error) {
	s.calls.Add(1)
	s.mu.Lock()
	release, fail, entered := s.release, s.fail, s.entered
	s.mu.Unlock()
	if entered != nil {
		entered <- struct{}{}
	}
	if release != nil {
		<-release
	}
	if fail != nil {
		return Ack{}, fail
	}
	s.mu.Lock()
	s.got = append(s.got, d)
	s.mu.Unlock()
	return Ack{TokenFingerprint: integration.Fingerprint(d.Token)}, nil
}

func (s *side) deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.got...)
}

// connected is a page.connected body with the token sealed to to.
func connected(t testing.TB, to age.Recipient) []byte {
	t.Helper()
	info, err := integration.SealToken(token.New(pageToken), to)
	if err != nil {
		t.Fatal(err)
	}
	b, err := integration.Encode(integration.Event{Type: integration.PageConnected, Timestamp: time.Now(), Data: integration.Data{
		Page:    &integration.Page{ID: pageID, Name: "Sunrise Café"},
		Webhook: &integration.Webhook{Fields: []string{"messages"}, Preset: "bot"},
		Token:   info,
		Actor:   &integration.Actor{Kind: integration.ActorPerson, ComputerUser: "alice"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// post sends body signed with secret as id at at; it returns the status and
// the decoded answer.
func post(t *testing.T, url string, secret token.Token, id string, at time.Time, body []byte) (int, integration.Answer) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if !secret.IsZero() {
		s, err := integration.NewSigner(secret)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Sign(req.Header, id, at, body); err != nil {
			t.Fatal(err)
		}
	}
	return send(t, req)
}

func send(t *testing.T, req *http.Request) (int, integration.Answer) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a integration.Answer
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("the answer is not JSON: %q", b)
	}
	if resp.StatusCode/100 != 2 && (a.Error == nil || a.Error.Code == "") {
		t.Fatalf("HTTP %d without a code: %s", resp.StatusCode, b)
	}
	return resp.StatusCode, a
}

func TestGoodDeliveryOpensTheTokenAndAcksItsFingerprint(t *testing.T) {
	s := newSide(t, nil)
	c := integration.NewClient(integration.ClientOptions{})
	body := connected(t, s.identity.Recipient())
	id := integration.NewMessageID()
	ack, err := c.Deliver(context.Background(), integration.Delivery{URL: s.url, Secret: s.secret, ID: id, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	want := integration.Fingerprint(token.New(pageToken))
	if ack.TokenFingerprint != want {
		t.Fatalf("ack %+v, want fingerprint %s", ack, want)
	}
	got := s.deliveries()
	if len(got) != 1 || got[0].ID != id || got[0].Event.Type != integration.PageConnected ||
		got[0].Event.Data.Page.ID != pageID || got[0].Token.Reveal() != pageToken {
		t.Fatalf("the handler saw %+v", got)
	}
	if strings.Contains(fmt.Sprintf("%v %+v %#v", got[0], got[0], got[0]), pageToken) {
		t.Fatal("printing a Delivery shows the token")
	}
}

func TestRefusedDeliveriesNeverReachTheHandler(t *testing.T) {
	s := newSide(t, nil)
	body := connected(t, s.identity.Recipient())
	now := time.Now()
	forged := bytes.Replace(body, []byte(pageID), []byte("110000000000009"), 1)
	for _, tc := range []struct {
		name   string
		status int
		code   string
		send   func() (int, integration.Answer)
	}{
		{"unsigned", 401, integration.CodeHeadersMissing, func() (int, integration.Answer) {
			return post(t, s.url, token.Token{}, "", now, body)
		}},
		{"wrong secret", 401, integration.CodeSignatureInvalid, func() (int, integration.Answer) {
			return post(t, s.url, integration.NewSecret(), integration.NewMessageID(), now, body)
		}},
		{"forged: body changed after signing", 401, integration.CodeSignatureInvalid, func() (int, integration.Answer) {
			req, _ := http.NewRequest(http.MethodPost, s.url, bytes.NewReader(forged))
			signer, _ := integration.NewSigner(s.secret)
			signer.Sign(req.Header, integration.NewMessageID(), now, body)
			return send(t, req)
		}},
		{"stale", 401, integration.CodeTimestampTooOld, func() (int, integration.Answer) {
			return post(t, s.url, s.secret, integration.NewMessageID(), now.Add(-6*time.Minute), body)
		}},
		{"from the future", 401, integration.CodeTimestampTooNew, func() (int, integration.Answer) {
			return post(t, s.url, s.secret, integration.NewMessageID(), now.Add(6*time.Minute), body)
		}},
		{"too large", 413, integration.CodeBodyTooLarge, func() (int, integration.Answer) {
			big := append(bytes.Clone(body[:len(body)-1]), []byte(`,"pad":"`+strings.Repeat("x", integration.MaxEventBytes)+`"}`)...)
			return post(t, s.url, s.secret, integration.NewMessageID(), now, big)
		}},
		{"sealed to another key", 422, integration.CodeTokenUnopenable, func() (int, integration.Answer) {
			other, _ := age.GenerateX25519Identity()
			return post(t, s.url, s.secret, integration.NewMessageID(), now, connected(t, other.Recipient()))
		}},
		{"not an event", 422, integration.CodeEventInvalid, func() (int, integration.Answer) {
			return post(t, s.url, s.secret, integration.NewMessageID(), now, []byte(`{"type":"page.connected"}`))
		}},
		{"not POST or GET", 405, integration.CodeEventInvalid, func() (int, integration.Answer) {
			req, _ := http.NewRequest(http.MethodPut, s.url, bytes.NewReader(body))
			return send(t, req)
		}},
	} {
		status, a := tc.send()
		if status != tc.status || a.Error == nil || a.Error.Code != tc.code {
			t.Errorf("%s: HTTP %d %+v, want %d %s", tc.name, status, a.Error, tc.status, tc.code)
		}
		if a.Error != nil && (strings.Contains(a.Error.Message, pageToken) || strings.Contains(a.Error.Message, s.secret.Reveal())) {
			t.Errorf("%s: the answer shows a secret: %s", tc.name, a.Error.Message)
		}
	}
	if n := s.calls.Load(); n != 0 {
		t.Fatalf("the handler ran %d times for refused deliveries", n)
	}
}

// A captured delivery sent again is refused; Pagekeeper's own retry (same
// webhook-id, new timestamp) gets the first answer and is not processed twice.
func TestReplayRefusedRetryAnsweredOnce(t *testing.T) {
	s := newSide(t, nil)
	body := connected(t, s.identity.Recipient())
	id := integration.NewMessageID()
	now := time.Now()
	status, first := post(t, s.url, s.secret, id, now, body)
	if status != 200 || first.TokenFingerprint == "" {
		t.Fatalf("first: %d %+v", status, first)
	}
	for _, at := range []time.Time{now, now.Add(-time.Second)} {
		if status, a := post(t, s.url, s.secret, id, at, body); status != 409 || a.Error.Code != integration.CodeReplayed {
			t.Fatalf("replay at %v: %d %+v", at.Sub(now), status, a)
		}
	}
	status, again := post(t, s.url, s.secret, id, now.Add(2*time.Second), body)
	if status != 200 || again.TokenFingerprint != first.TokenFingerprint {
		t.Fatalf("retry: %d %+v", status, again)
	}
	// The retry's own request is then a replay too.
	if status, _ := post(t, s.url, s.secret, id, now.Add(2*time.Second), body); status != 409 {
		t.Fatalf("replayed retry: %d", status)
	}
	if n := s.calls.Load(); n != 1 {
		t.Fatalf("the handler ran %d times", n)
	}
}

func TestHandlerFailureIsRetriedAndProcessedAgain(t *testing.T) {
	s := newSide(t, nil)
	s.fail = errors.New("database is locked")
	c := integration.NewClient(integration.ClientOptions{})
	d := integration.Delivery{URL: s.url, Secret: s.secret, ID: integration.NewMessageID(), Body: connected(t, s.identity.Recipient())}
	_, err := c.Deliver(context.Background(), d)
	var e *integration.Error
	if !errors.As(err, &e) || !e.Retryable || e.HTTPStatus != 500 || e.Code != integration.CodeHandlerFailed {
		t.Fatalf("%v", err)
	}
	if strings.Contains(err.Error(), "database is locked") {
		t.Fatal("the handler's error reached Pagekeeper")
	}
	s.mu.Lock()
	s.fail = nil
	s.mu.Unlock()
	// The next attempt is at least a second later (Pagekeeper backs off).
	c2 := integration.NewClient(integration.ClientOptions{Now: func() time.Time { return time.Now().Add(time.Second) }})
	if _, err := c2.Deliver(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	if n := s.calls.Load(); n != 2 || len(s.deliveries()) != 1 {
		t.Fatalf("calls %d, stored %d", n, len(s.deliveries()))
	}
}

func TestRetryWhileProcessingIsAskedToWait(t *testing.T) {
	s := newSide(t, nil)
	s.release, s.entered = make(chan struct{}), make(chan struct{}, 1)
	body := connected(t, s.identity.Recipient())
	id := integration.NewMessageID()
	now := time.Now()
	req, _ := http.NewRequest(http.MethodPost, s.url, bytes.NewReader(body))
	signer, _ := integration.NewSigner(s.secret)
	signer.Sign(req.Header, id, now, body)
	first := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			first <- 0
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	select {
	case <-s.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the first delivery never reached the handler")
	}
	status, a := post(t, s.url, s.secret, id, now.Add(time.Second), body)
	if status != 503 || a.Error.Code != integration.CodeBusy {
		t.Fatalf("retry while busy: %d %+v", status, a)
	}
	close(s.release)
	if status := <-first; status != 200 {
		t.Fatalf("first: %d", status)
	}
	if status, _ := post(t, s.url, s.secret, id, now.Add(2*time.Second), body); status != 200 || s.calls.Load() != 1 {
		t.Fatalf("retry after: %d, calls %d", status, s.calls.Load())
	}
}

func TestStatusEndpoint(t *testing.T) {
	at := time.Now().UTC().Truncate(time.Second)
	fp := integration.Fingerprint(token.New(pageToken))
	s := newSide(t, func(o *Options) {
		o.Status = func(context.Context) ([]integration.PageState, error) {
			return []integration.PageState{{PageID: pageID, TokenFingerprint: fp, LastWebhookAt: &at, LastReplyAt: &at}}, nil
		}
	})
	c := integration.NewClient(integration.ClientOptions{})
	rep, err := c.ReadStatus(context.Background(), s.url, s.secret)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := rep.Page(pageID)
	if !ok || p.TokenFingerprint != fp || !p.LastReplyAt.Equal(at) || rep.GeneratedAt.IsZero() {
		t.Fatalf("%+v", rep)
	}
	// Only Pagekeeper may read it.
	_, err = c.ReadStatus(context.Background(), s.url, integration.NewSecret())
	var e *integration.Error
	if !errors.As(err, &e) || e.HTTPStatus != 401 || e.Code != integration.CodeSignatureInvalid {
		t.Fatalf("with another secret: %v", err)
	}
	// A status request replayed is refused.
	req, _ := http.NewRequest(http.MethodGet, s.url, nil)
	signer, _ := integration.NewSigner(s.secret)
	signer.Sign(req.Header, "st_abc", time.Now(), nil)
	if status, _ := send(t, req.Clone(context.Background())); status != 200 {
		t.Fatalf("first status request: %d", status)
	}
	if status, a := send(t, req.Clone(context.Background())); status != 409 || a.Error.Code != integration.CodeReplayed {
		t.Fatalf("replayed status request: %d", status)
	}

	// Without Status, there is no endpoint.
	plain := newSide(t, nil)
	_, err = c.ReadStatus(context.Background(), plain.url, plain.secret)
	if !errors.As(err, &e) || e.Kind != integration.KindNotPublished {
		t.Fatalf("no status: %v", err)
	}
}

func TestConcurrentDeliveries(t *testing.T) {
	s := newSide(t, nil)
	c := integration.NewClient(integration.ClientOptions{})
	body := connected(t, s.identity.Recipient())
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 50 {
		wg.Go(func() {
			d := integration.Delivery{URL: s.url, Secret: s.secret, ID: integration.NewMessageID(), Body: body}
			if _, err := c.Deliver(context.Background(), d); err != nil {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	if failed.Load() != 0 || len(s.deliveries()) != 50 {
		t.Fatalf("%d failed, %d stored", failed.Load(), len(s.deliveries()))
	}
}

func TestRememberedIDsAreBounded(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	clock := now
	var mu sync.Mutex
	s := newSide(t, func(o *Options) {
		o.MaxRemembered = 2
		o.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	})
	body := connected(t, s.identity.Recipient())
	for i := range 2 {
		if status, _ := post(t, s.url, s.secret, "msg_"+strconv.Itoa(i), now, body); status != 200 {
			t.Fatalf("%d: %d", i, status)
		}
	}
	if status, a := post(t, s.url, s.secret, "msg_2", now, body); status != 503 || a.Error.Code != integration.CodeBusy {
		t.Fatalf("a third within the window: %d", status)
	}
	// Once the first two are out of the window, there is room again.
	mu.Lock()
	clock = now.Add(integration.DefaultTolerance + time.Second)
	mu.Unlock()
	if status, _ := post(t, s.url, s.secret, "msg_2", clock, body); status != 200 {
		t.Fatalf("after the window: %d", status)
	}
}

func TestNewRefusesIncompleteOptions(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	h := func(context.Context, Delivery) (Ack, error) { return Ack{}, nil }
	for name, o := range map[string]Options{
		"no secret":   {Identity: id, Handle: h},
		"bad secret":  {Secret: token.New("secret"), Identity: id, Handle: h},
		"no identity": {Secret: integration.NewSecret(), Handle: h},
		"no handler":  {Secret: integration.NewSecret(), Identity: id},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

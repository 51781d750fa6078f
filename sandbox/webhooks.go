package sandbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// The webhook emitter (docs/FACEBOOK.md §5, §9). The app has one app-level
// subscription (callback URL and fields, set after the verification
// handshake); each Page has its own subscribed_apps fields. An event on a
// Page is delivered only for a field subscribed at both levels, as a signed
// POST from one delivery goroutine per Fake. Failed deliveries are retried
// with back-off; a Page whose deliveries keep failing loses the app's
// subscription, the way Meta disables a webhook, which is what Pagekeeper's
// health check has to notice.

// WebhookOptions tune the emitter. Zero values are Meta's behaviour; tests
// shorten them. Retry and disabling are measured on the wall clock, not on
// the fake's Clock: they are about a real endpoint answering or not.
type WebhookOptions struct {
	// Timeout: an answer slower than this is a failed delivery (and a
	// failed handshake). Meta: 5 s (docs/FACEBOOK.md §9).
	Timeout time.Duration
	// RetryBackoff is the wait before the first retry; it doubles on each
	// further failure up to MaxBackoff. Defaults 5 s and 5 min.
	RetryBackoff time.Duration
	MaxBackoff   time.Duration
	// AlertAfter: a Page whose deliveries have failed for this long is
	// reported as alerting (WebhookStatus). Meta: 15 min.
	AlertAfter time.Duration
	// A Page's subscription is disabled (the app is removed from its
	// subscribed_apps) once DisableAfterFailures consecutive attempts have
	// failed AND the first of them is DisableAfter old. Meta: 1 h; the
	// default count is 10.
	DisableAfterFailures int
	DisableAfter         time.Duration
}

func (o WebhookOptions) withDefaults() WebhookOptions {
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.RetryBackoff <= 0 {
		o.RetryBackoff = 5 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Minute
	}
	if o.MaxBackoff < o.RetryBackoff {
		o.MaxBackoff = o.RetryBackoff
	}
	if o.AlertAfter <= 0 {
		o.AlertAfter = 15 * time.Minute
	}
	if o.DisableAfterFailures <= 0 {
		o.DisableAfterFailures = 10
	}
	if o.DisableAfter <= 0 {
		o.DisableAfter = time.Hour
	}
	return o
}

// Webhook fields the emitter produces.
const (
	FieldMessages           = "messages"
	FieldMessageEchoes      = "message_echoes"
	FieldMessagingPostbacks = "messaging_postbacks"
	FieldMessagingReferrals = "messaging_referrals"
)

// WebhookStats count deliveries since start or the last ResetStats.
type WebhookStats struct {
	Attempted int // POSTs sent to the callback
	Succeeded int // answered 200 in time
	Failed    int // other status, transport error or timeout
	Disabled  int // Page subscriptions removed after repeated failures
	Dropped   int // deliveries abandoned: subscription gone before delivery
	Pending   int // queued or waiting for a retry now
}

// AppWebhook is the app-level subscription (object "page").
type AppWebhook struct {
	CallbackURL string
	Fields      []string
}

// WebhookFailure is a Page whose deliveries are failing.
type WebhookFailure struct {
	Page     string
	Failures int       // consecutive failed attempts
	Since    time.Time // wall clock of the first of them
	Alert    bool      // failing for AlertAfter or longer
	LastErr  string    // what the last attempt got, e.g. "HTTP 500"
}

// Errors of SetAppWebhook, for errors.Is / errors.As.
var (
	// ErrWebhookConfig: the callback URL or the fields are not acceptable.
	ErrWebhookConfig = errors.New("invalid webhook subscription")
	// ErrFakeClosed: the Fake was closed; it sends nothing any more.
	ErrFakeClosed = errors.New("the sandbox has been closed")
)

// VerifyFailure says which part of the verification handshake failed.
type VerifyFailure string

const (
	VerifyUnreachable VerifyFailure = "unreachable"     // no HTTP answer (refused, timeout…)
	VerifyStatus      VerifyFailure = "status"          // an answer other than 200 (403: verify token refused)
	VerifyChallenge   VerifyFailure = "wrong_challenge" // 200 without exactly hub.challenge as the body
)

// WebhookVerifyError is a failed verification handshake. It names neither
// the verify token nor the challenge.
type WebhookVerifyError struct {
	CallbackURL string
	Failure     VerifyFailure
	Status      int   // VerifyStatus: the HTTP status
	Err         error // VerifyUnreachable: the transport error
}

func (e *WebhookVerifyError) Error() string {
	switch e.Failure {
	case VerifyUnreachable:
		return fmt.Sprintf("the webhook endpoint %s could not be reached for verification (%v); check that it is running and the URL is right", e.CallbackURL, e.Err)
	case VerifyStatus:
		return fmt.Sprintf("the webhook endpoint %s answered HTTP %d to the verification request; it must answer 200 (a 403 usually means the verify token does not match the one it expects)", e.CallbackURL, e.Status)
	}
	return fmt.Sprintf("the webhook endpoint %s answered the verification request with something other than the hub.challenge value; it must answer with exactly that value as the body", e.CallbackURL)
}

func (e *WebhookVerifyError) Unwrap() error { return e.Err }

// appWebhook is the app-level subscription. The verify token is only needed
// for the handshake and is neither kept nor saved.
type appWebhook struct {
	callbackURL string
	fields      []string
}

// ---- configuration ----

// SetAppWebhook sets the app-level subscription (what POST
// /{app-id}/subscriptions with object=page does): it first runs the
// verification handshake against callbackURL and changes nothing if the
// endpoint does not answer 200 with exactly the challenge. The error is a
// *WebhookVerifyError, or wraps ErrWebhookConfig or ErrFakeClosed.
func (f *Fake) SetAppWebhook(callbackURL, verifyToken string, fields []string) error {
	fields, err := checkWebhookConfig(callbackURL, fields)
	if err != nil {
		return err
	}
	if err := f.hooks.verify(callbackURL, verifyToken); err != nil {
		return err
	}
	defer f.changing()()
	f.webhook = &appWebhook{callbackURL: callbackURL, fields: fields}
	return nil
}

// RemoveAppWebhook deletes the app-level subscription: nothing is
// delivered any more (DELETE /{app-id}/subscriptions).
func (f *Fake) RemoveAppWebhook() {
	defer f.changing()()
	f.webhook = nil
}

// AppWebhook returns the app-level subscription, if any.
func (f *Fake) AppWebhook() (AppWebhook, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.webhook == nil {
		return AppWebhook{}, false
	}
	return AppWebhook{CallbackURL: f.webhook.callbackURL, Fields: slices.Clone(f.webhook.fields)}, true
}

func checkWebhookConfig(callbackURL string, fields []string) ([]string, error) {
	u, err := url.Parse(callbackURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: the callback URL %q is not an http(s) address", ErrWebhookConfig, callbackURL)
	}
	var out []string
	for _, fl := range fields {
		fl = strings.TrimSpace(fl)
		if fl == "" {
			continue
		}
		if !subscribedFieldSet[fl] {
			return nil, fmt.Errorf("%w: %q is not a Page webhook field", ErrWebhookConfig, fl)
		}
		if !slices.Contains(out, fl) {
			out = append(out, fl)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no fields to subscribe to", ErrWebhookConfig)
	}
	return out, nil
}

// splitFields reads a Graph list parameter: "a,b" or a JSON array.
func splitFields(raw string) []string {
	raw = strings.TrimSpace(raw)
	var list []string
	if strings.HasPrefix(raw, "[") && json.Unmarshal([]byte(raw), &list) == nil {
		return list
	}
	return strings.Split(strings.Trim(raw, "[]"), ",")
}

// ---- events ----

type idRef struct {
	ID string `json:"id"`
}

type eventReferral struct {
	Ref    string `json:"ref"`
	Source string `json:"source"`
	Type   string `json:"type"`
}

type eventMessage struct {
	IsEcho bool            `json:"is_echo,omitempty"`
	AppID  json.RawMessage `json:"app_id,omitempty"`
	MID    string          `json:"mid"`
	Text   string          `json:"text,omitempty"`
}

type eventPostback struct {
	Title    string         `json:"title"`
	Payload  string         `json:"payload"`
	Referral *eventReferral `json:"referral,omitempty"`
	MID      string         `json:"mid,omitempty"`
}

type messagingEvent struct {
	Sender    idRef          `json:"sender"`
	Recipient idRef          `json:"recipient"`
	Timestamp int64          `json:"timestamp"`
	Message   *eventMessage  `json:"message,omitempty"`
	Postback  *eventPostback `json:"postback,omitempty"`
	Referral  *eventReferral `json:"referral,omitempty"`
}

type webhookEntry struct {
	ID        string           `json:"id"`
	Time      int64            `json:"time"`
	Messaging []messagingEvent `json:"messaging"`
}

type webhookPayload struct {
	Object string         `json:"object"`
	Entry  []webhookEntry `json:"entry"`
}

// appIDJSON is the app ID as echoes carry it: a number when it is one.
func (f *Fake) appIDJSON() json.RawMessage {
	if _, err := strconv.ParseUint(f.opts.AppID, 10, 64); err == nil {
		return json.RawMessage(f.opts.AppID)
	}
	b, _ := json.Marshal(f.opts.AppID)
	return b
}

// emitLocked queues ev for delivery if the Page and the app are both
// subscribed to field. Callers hold f.mu.
func (f *Fake) emitLocked(pageID, field string, ev messagingEvent) {
	p := f.pages[pageID]
	if p == nil || p.sub == nil || f.webhook == nil ||
		!slices.Contains(p.sub.fields, field) || !slices.Contains(f.webhook.fields, field) {
		return
	}
	body, err := webhookBody(webhookPayload{Object: "page", Entry: []webhookEntry{{ID: pageID, Time: ev.Timestamp, Messaging: []messagingEvent{ev}}}})
	if err != nil {
		return
	}
	f.hooks.enqueue(&delivery{pageID: pageID, field: field, body: body})
}

// webhookBody encodes v the way Meta sends it: no HTML escaping, every
// non-ASCII character as a lowercase \uXXXX escape (docs/FACEBOOK.md §9), so that a
// receiver that re-serialises instead of verifying the raw bytes fails.
func webhookBody(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return escapeNonASCII(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}

// escapeNonASCII rewrites every non-ASCII rune of valid JSON as \uXXXX
// (surrogate pairs above U+FFFF). Outside strings JSON is pure ASCII, so
// this only touches string contents.
func escapeNonASCII(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/8)
	esc := func(r rune) { out = fmt.Appendf(out, `\u%04x`, r) }
	for len(b) > 0 {
		if b[0] < utf8.RuneSelf {
			out = append(out, b[0])
			b = b[1:]
			continue
		}
		r, size := utf8.DecodeRune(b)
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			esc(r1)
			esc(r2)
		} else {
			esc(r)
		}
		b = b[size:]
	}
	return out
}

// WebhookSignature is the X-Hub-Signature-256 value for body: "sha256=" and
// the lowercase hex HMAC-SHA256 keyed with the app secret (docs/FACEBOOK.md §9).
func WebhookSignature(appSecret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(appSecret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func webhookSignatureSHA1(appSecret string, body []byte) string {
	m := hmac.New(sha1.New, []byte(appSecret))
	m.Write(body)
	return "sha1=" + hex.EncodeToString(m.Sum(nil))
}

// CustomerMessage plays a person (psid) writing text to the Page in
// Messenger: the conversation is created or continued (so /conversations
// shows it and the 24-hour window opens now) and a "messages" event is
// delivered. AddConversation, by contrast, back-fills history silently.
func (f *Fake) CustomerMessage(pageID, psid, text string) error {
	defer f.changing()()
	if f.pages[pageID] == nil {
		return fmt.Errorf("%w %q", ErrUnknownPage, pageID)
	}
	if strings.TrimSpace(psid) == "" {
		return errors.New("a customer message needs the person's page-scoped ID (psid)")
	}
	now := f.clock.Now()
	_, m := f.addCustomerMessage(pageID, psid, text, now)
	f.emitLocked(pageID, FieldMessages, messagingEvent{Sender: idRef{psid}, Recipient: idRef{pageID}, Timestamp: now.UnixMilli(),
		Message: &eventMessage{MID: m.id, Text: text}})
	return nil
}

// ErrUnknownPage: no Page of the world has that ID (or username).
var ErrUnknownPage = errors.New("no such Page in the sandbox")

// emitEchoLocked delivers the Page's own Send API message as
// message_echoes. Callers hold f.mu.
func (f *Fake) emitEchoLocked(p *page, psid, mid, text string, at time.Time) {
	f.emitLocked(p.id, FieldMessageEchoes, messagingEvent{Sender: idRef{p.id}, Recipient: idRef{psid}, Timestamp: at.UnixMilli(),
		Message: &eventMessage{IsEcho: true, AppID: f.appIDJSON(), MID: mid, Text: text}})
}

// ---- delivery ----

type delivery struct {
	pageID, field string
	body          []byte
	attempts      int
	due           time.Time // wall clock; zero: now
}

type failStreak struct {
	n       int
	since   time.Time
	lastErr string
}

// emitter owns the delivery goroutine. It is started by the first event
// and stopped by Fake.Close. Lock order: Fake.mu before emitter.mu; the
// goroutine never holds emitter.mu while it takes Fake.mu.
type emitter struct {
	f    *Fake
	opts WebhookOptions

	mu       sync.Mutex
	pending  []*delivery
	inFlight *delivery
	failing  map[string]*failStreak
	started  bool
	closed   bool
	changed  chan struct{} // closed and replaced on every change, for WaitWebhooksIdle
	wake     chan struct{} // cap 1
	done     chan struct{}
	ctx      context.Context
	cancel   context.CancelFunc

	transport *http.Transport
	client    *http.Client
}

func newEmitter(f *Fake, o WebhookOptions) *emitter {
	ctx, cancel := context.WithCancel(context.Background())
	// Its own transport, so that Close can drop its idle connections and
	// leave no goroutine behind.
	tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 2, IdleConnTimeout: 30 * time.Second,
		ResponseHeaderTimeout: o.Timeout}
	return &emitter{f: f, opts: o, failing: map[string]*failStreak{}, changed: make(chan struct{}),
		wake: make(chan struct{}, 1), done: make(chan struct{}), ctx: ctx, cancel: cancel, transport: tr,
		client: &http.Client{Transport: tr, Timeout: o.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// notifyLocked wakes WaitWebhooksIdle. Callers hold e.mu.
func (e *emitter) notifyLocked() {
	close(e.changed)
	e.changed = make(chan struct{})
}

func (e *emitter) poke() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

func (e *emitter) enqueue(d *delivery) {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	e.pending = append(e.pending, d)
	if !e.started {
		e.started = true
		go e.run()
	}
	e.notifyLocked()
	e.mu.Unlock()
	e.poke()
}

// next picks the first due delivery, keeping each Page's events in order:
// only the oldest pending delivery of a Page may go. Callers hold e.mu.
func (e *emitter) next(now time.Time) (*delivery, time.Duration) {
	seen := map[string]bool{}
	wait := time.Duration(-1)
	for _, d := range e.pending {
		if seen[d.pageID] {
			continue
		}
		seen[d.pageID] = true
		if !d.due.After(now) {
			return d, 0
		}
		if w := d.due.Sub(now); wait < 0 || w < wait {
			wait = w
		}
	}
	return nil, wait
}

func (e *emitter) run() {
	defer close(e.done)
	for {
		e.mu.Lock()
		if e.closed {
			e.mu.Unlock()
			return
		}
		d, wait := e.next(time.Now())
		e.inFlight = d
		e.mu.Unlock()
		if d != nil {
			e.attempt(d)
			continue
		}
		var timer *time.Timer
		var fire <-chan time.Time
		if wait >= 0 {
			timer = time.NewTimer(wait)
			fire = timer.C
		}
		select {
		case <-e.wake:
		case <-fire:
		case <-e.ctx.Done():
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// attempt sends d once and records the outcome.
func (e *emitter) attempt(d *delivery) {
	f := e.f
	f.mu.Lock()
	p := f.pages[d.pageID]
	if f.webhook == nil || p == nil || p.sub == nil {
		// Unsubscribed (by the app, a fault or disabling) before delivery.
		f.stats.Webhooks.Dropped++
		f.mu.Unlock()
		e.mu.Lock()
		delete(e.failing, d.pageID)
		e.mu.Unlock()
		e.finish(d)
		return
	}
	callback := f.webhook.callbackURL
	secret := f.opts.AppSecret
	f.stats.Webhooks.Attempted++
	f.mu.Unlock()

	problem := e.post(callback, secret, d.body)
	if e.ctx.Err() != nil {
		return // closing: the outcome does not matter any more
	}
	f.mu.Lock()
	if problem == "" {
		f.stats.Webhooks.Succeeded++
	} else {
		f.stats.Webhooks.Failed++
	}
	f.mu.Unlock()
	if problem == "" {
		e.mu.Lock()
		delete(e.failing, d.pageID)
		e.mu.Unlock()
		e.finish(d)
		return
	}

	now := time.Now()
	e.mu.Lock()
	s := e.failing[d.pageID]
	if s == nil {
		s = &failStreak{since: now}
		e.failing[d.pageID] = s
	}
	s.n++
	s.lastErr = problem
	disable := s.n >= e.opts.DisableAfterFailures && now.Sub(s.since) >= e.opts.DisableAfter
	if !disable {
		d.attempts++
		backoff := e.opts.RetryBackoff
		for i := 1; i < d.attempts && backoff < e.opts.MaxBackoff; i++ {
			backoff *= 2
		}
		d.due = now.Add(min(backoff, e.opts.MaxBackoff))
		e.inFlight = nil
		e.notifyLocked()
		e.mu.Unlock()
		return
	}
	delete(e.failing, d.pageID)
	e.mu.Unlock()
	e.disable(d.pageID)
}

// disable removes the app from the Page's subscribed_apps, as Meta does
// after an hour of failures ("Webhooks Disabled", docs/FACEBOOK.md §9), and drops the
// Page's queued deliveries. It is the app's endpoint failing, not an
// injected fault: Reset does not bring the subscription back.
func (e *emitter) disable(pageID string) {
	f := e.f
	f.mu.Lock()
	if p := f.pages[pageID]; p != nil && p.sub != nil {
		p.sub = nil
		f.stats.Webhooks.Disabled++
	}
	e.mu.Lock()
	n := len(e.pending)
	e.pending = slices.DeleteFunc(e.pending, func(x *delivery) bool { return x.pageID == pageID })
	f.stats.Webhooks.Dropped += n - len(e.pending) - 1 // the failed delivery itself is not "dropped"
	e.inFlight = nil
	e.notifyLocked()
	e.mu.Unlock()
	f.mu.Unlock()
	f.touch()
}

func (e *emitter) finish(d *delivery) {
	e.mu.Lock()
	e.pending = slices.DeleteFunc(e.pending, func(x *delivery) bool { return x == d })
	e.inFlight = nil
	e.notifyLocked()
	e.mu.Unlock()
}

// post delivers body and returns "" on success, else what went wrong.
func (e *emitter) post(callback, secret string, body []byte) string {
	req, err := http.NewRequestWithContext(e.ctx, http.MethodPost, callback, bytes.NewReader(body))
	if err != nil {
		return err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "facebookexternalua")
	req.Header.Set("X-Hub-Signature-256", WebhookSignature(secret, body))
	req.Header.Set("X-Hub-Signature", webhookSignatureSHA1(secret, body))
	resp, err := e.client.Do(req)
	if err != nil {
		return "no answer: " + err.Error()
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "HTTP " + strconv.Itoa(resp.StatusCode)
	}
	return ""
}

// verify runs the handshake (docs/FACEBOOK.md §9): GET callback?hub.mode=subscribe&
// hub.verify_token=…&hub.challenge=<random>, expecting 200 and exactly the
// challenge.
func (e *emitter) verify(callback, verifyToken string) error {
	e.mu.Lock()
	closed := e.closed
	e.mu.Unlock()
	if closed {
		return ErrFakeClosed
	}
	u, err := url.Parse(callback)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrWebhookConfig, err)
	}
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	challenge := strconv.FormatUint(uint64(nonce[0])<<56|uint64(nonce[1])<<48|uint64(nonce[2])<<40|uint64(nonce[3])<<32|
		uint64(nonce[4])<<24|uint64(nonce[5])<<16|uint64(nonce[6])<<8|uint64(nonce[7]), 10)
	q := u.Query()
	q.Set("hub.mode", "subscribe")
	q.Set("hub.verify_token", verifyToken)
	q.Set("hub.challenge", challenge)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(e.ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrWebhookConfig, err)
	}
	req.Header.Set("User-Agent", "facebookplatform/1.0 (+http://developers.facebook.com)")
	resp, err := e.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL would carry the verify token
		}
		return &WebhookVerifyError{CallbackURL: callback, Failure: VerifyUnreachable, Err: err}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return &WebhookVerifyError{CallbackURL: callback, Failure: VerifyStatus, Status: resp.StatusCode}
	}
	if string(b) != challenge {
		return &WebhookVerifyError{CallbackURL: callback, Failure: VerifyChallenge, Status: resp.StatusCode}
	}
	return nil
}

// close stops the goroutine, cancels a delivery in flight, drops the queue
// and closes idle connections. Safe to call more than once.
func (e *emitter) close() {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return
	}
	e.closed = true
	started := e.started
	e.pending, e.inFlight = nil, nil
	e.notifyLocked()
	e.mu.Unlock()
	e.cancel()
	e.poke()
	if started {
		<-e.done
	}
	e.transport.CloseIdleConnections()
}

// WaitWebhooksIdle waits until no delivery is queued, waiting for a retry
// or in flight (or ctx ends). Tests use it instead of sleeping.
func (f *Fake) WaitWebhooksIdle(ctx context.Context) error {
	e := f.hooks
	for {
		e.mu.Lock()
		idle := len(e.pending) == 0 && e.inFlight == nil
		ch := e.changed
		e.mu.Unlock()
		if idle {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// WebhookFailures lists the Pages whose deliveries are failing now.
func (f *Fake) WebhookFailures() []WebhookFailure {
	e := f.hooks
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []WebhookFailure
	now := time.Now()
	for pid, s := range e.failing {
		out = append(out, WebhookFailure{Page: pid, Failures: s.n, Since: s.since, LastErr: s.lastErr,
			Alert: now.Sub(s.since) >= e.opts.AlertAfter})
	}
	slices.SortFunc(out, func(a, b WebhookFailure) int { return strings.Compare(a.Page, b.Page) })
	return out
}

// pendingCount is for Stats. Callers may hold f.mu.
func (e *emitter) pendingCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.pending)
}

// ---- Graph: /{app-id}/subscriptions (docs/FACEBOOK.md §5) ----

func errAppTokenRequired() *apiError {
	return &apiError{code: 15, msg: "(#15) This method must be called with an app access_token."}
}

// appSubscriptions serves GET and DELETE under f.mu. POST needs the
// handshake, which must not hold the lock: serveGraph sends it to
// serveAppSubscribe instead, and a batch cannot do it.
func (f *Fake) appSubscriptions(c *call, t *tokenRec) (any, *apiError) {
	if t.kind != kindApp {
		return nil, errAppTokenRequired()
	}
	switch c.method {
	case http.MethodGet:
		data := []any{}
		if w := f.webhook; w != nil {
			fields := []any{}
			for _, fl := range w.fields {
				fields = append(fields, map[string]string{"name": fl, "version": "v25.0"})
			}
			data = append(data, map[string]any{"object": "page", "callback_url": w.callbackURL, "active": true, "fields": fields})
		}
		return map[string]any{"data": data}, nil
	case http.MethodDelete:
		if o := c.params.Get("object"); o != "" && o != "page" {
			return map[string]any{"success": true}, nil
		}
		f.webhook = nil
		return map[string]any{"success": true}, nil
	case http.MethodPost:
		return nil, errParam("(#100) The sandbox cannot verify a webhook callback inside a batch request; send POST /{app-id}/subscriptions on its own")
	}
	return nil, errUnsupported(c.method, f.opts.AppID+"/subscriptions")
}

func (f *Fake) isAppSubscribe(c *call) bool {
	return c.method == http.MethodPost && c.path == "/"+f.opts.AppID+"/subscriptions"
}

// serveAppSubscribe is POST /{app-id}/subscriptions: object=page,
// callback_url, fields, verify_token, with an app token; the handshake runs
// before {"success":true}.
func (f *Fake) serveAppSubscribe(w http.ResponseWriter, c *call) {
	f.mu.Lock()
	f.stats.ByPath[c.path]++
	t := f.lookupToken(c.token)
	h := http.Header{}
	e, throttled := f.preflight(c, t)
	switch {
	case e != nil:
	case c.token == "":
		e = errNoToken(false)
	case t == nil:
		e = errInvalidToken()
	case t.kind != kindApp:
		e = errAppTokenRequired()
	case c.params.Get("object") != "page":
		e = errParam(fmt.Sprintf("(#100) Param object must be one of {page} in the sandbox - got %q", c.params.Get("object")))
	case c.params.Get("callback_url") == "":
		e = errParam("(#100) The parameter callback_url is required")
	case c.params.Get("verify_token") == "":
		e = errParam("(#100) The parameter verify_token is required")
	}
	if t != nil {
		f.usageHeaders(h, c, t, throttled)
	}
	f.mu.Unlock()
	if e == nil {
		err := f.SetAppWebhook(c.params.Get("callback_url"), c.params.Get("verify_token"), splitFields(c.params.Get("fields")))
		var ve *WebhookVerifyError
		switch {
		case errors.As(err, &ve):
			e = &apiError{code: 2200, msg: "(#2200) Callback verification failed: " + ve.Error()}
		case err != nil:
			e = errParam("(#100) " + err.Error())
		}
	}
	if e != nil {
		f.mu.Lock()
		resp := f.errResponseLocked(e, false, h)
		f.mu.Unlock()
		f.writeResponse(w, resp)
		return
	}
	h.Set("Content-Type", jsonContentType)
	f.writeResponse(w, &response{status: http.StatusOK, header: h, body: []byte(`{"success":true}`)})
}

// ---- admin: /_sandbox/webhook, /_sandbox/message ----

// WebhookRequest is the body of POST /_sandbox/webhook.
type WebhookRequest struct {
	CallbackURL string   `json:"callback_url"`
	VerifyToken string   `json:"verify_token"`
	Fields      []string `json:"fields"`
}

// MessageRequest is the body of POST /_sandbox/message.
type MessageRequest struct {
	Page string `json:"page"`
	PSID string `json:"psid"`
	Text string `json:"text"`
}

func (f *Fake) serveWebhookAdmin(w http.ResponseWriter, r *http.Request, p string) {
	bad := func(status int, msg string) { writeJSON(w, status, map[string]string{"error": msg}) }
	switch {
	case p == "/_sandbox/webhook" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, f.webhookStatus())
	case p == "/_sandbox/webhook" && r.Method == http.MethodPost:
		var req WebhookRequest
		if !readAdminJSON(w, r, &req) {
			return
		}
		err := f.SetAppWebhook(req.CallbackURL, req.VerifyToken, req.Fields)
		var ve *WebhookVerifyError
		switch {
		case errors.As(err, &ve):
			bad(http.StatusBadGateway, err.Error())
		case err != nil:
			bad(http.StatusBadRequest, err.Error())
		default:
			writeJSON(w, http.StatusOK, map[string]any{"ok": true})
		}
	case p == "/_sandbox/webhook" && r.Method == http.MethodDelete:
		f.RemoveAppWebhook()
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	case p == "/_sandbox/message" && r.Method == http.MethodPost:
		var req MessageRequest
		if !readAdminJSON(w, r, &req) {
			return
		}
		if err := f.CustomerMessage(req.Page, req.PSID, req.Text); err != nil {
			bad(http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"ok": true})
	default:
		bad(http.StatusNotFound, "unknown sandbox route")
	}
}

func (f *Fake) webhookStatus() map[string]any {
	st := f.Stats().Webhooks
	out := map[string]any{"subscribed": false, "stats": st, "failing": f.WebhookFailures()}
	if wh, ok := f.AppWebhook(); ok {
		out["subscribed"], out["callback_url"], out["fields"] = true, wh.CallbackURL, wh.Fields
	}
	return out
}

package fb

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

// RetryPolicy says how throttled and transient failures are retried:
// exponential back-off with full jitter (a random wait between zero and
// min(MaxDelay, BaseDelay·2^(attempt-1))), never past the context's deadline.
type RetryPolicy struct {
	MaxAttempts int           // total attempts including the first; default 3, 1 disables retries
	BaseDelay   time.Duration // default 500 ms
	MaxDelay    time.Duration // default 30 s
}

// Config configures a Client. Zero values get the documented defaults.
type Config struct {
	GraphURL string // default "https://graph.facebook.com"
	LoginURL string // default "https://www.facebook.com" (kept for the login flow)
	Version  string // default "v25.0"
	AppID    string
	// AppSecret, when set, adds appsecret_proof (hex HMAC-SHA256 of the
	// access token keyed with the secret) to every call, batches included.
	AppSecret        token.Token
	HTTPClient       *http.Client  // default: a client with a pooled transport sized for BatchConcurrency
	CallTimeout      time.Duration // per HTTP attempt; default 30 s
	Retry            RetryPolicy
	BatchConcurrency int // batch requests in flight at once; default 8
	// PageSize is the limit asked of list edges (/me/accounts, …); paging
	// fetches the rest. Default 100.
	PageSize int

	// OnUsage is called (synchronously, keep it short) with the merged usage
	// each time a response carries usage headers.
	OnUsage func(Usage)

	// Sleep and Now are test hooks. Sleep must return early with ctx.Err()
	// when ctx ends.
	Sleep func(ctx context.Context, d time.Duration) error
	Now   func() time.Time
}

const (
	DefaultGraphURL = "https://graph.facebook.com"
	DefaultLoginURL = "https://www.facebook.com"
	DefaultVersion  = "v25.0"

	// usageHighWater is the percentage from which retries wait at least
	// MaxDelay: Facebook starts throttling at 100 %, and hammering it at 95 %
	// only gets there sooner.
	usageHighWater = 90
	regainMargin   = time.Second
)

// Client calls the Graph API. It is safe for concurrent use.
type Client struct {
	cfg     Config
	graph   *url.URL
	http    *http.Client
	sleep   func(context.Context, time.Duration) error
	now     func() time.Time
	jitter  func() float64
	usageMu sync.Mutex
	usage   Usage
	opSem   chan struct{} // single requests of batches retried op by op
}

// New returns a Client with cfg's defaults filled in.
func New(cfg Config) *Client {
	if cfg.GraphURL == "" {
		cfg.GraphURL = DefaultGraphURL
	}
	cfg.GraphURL = strings.TrimRight(cfg.GraphURL, "/")
	if cfg.LoginURL == "" {
		cfg.LoginURL = DefaultLoginURL
	}
	cfg.LoginURL = strings.TrimRight(cfg.LoginURL, "/")
	if cfg.Version == "" {
		cfg.Version = DefaultVersion
	}
	cfg.Version = strings.Trim(cfg.Version, "/")
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = 30 * time.Second
	}
	if cfg.Retry.MaxAttempts <= 0 {
		cfg.Retry.MaxAttempts = 3
	}
	if cfg.Retry.BaseDelay <= 0 {
		cfg.Retry.BaseDelay = 500 * time.Millisecond
	}
	if cfg.Retry.MaxDelay <= 0 {
		cfg.Retry.MaxDelay = 30 * time.Second
	}
	if cfg.Retry.MaxDelay < cfg.Retry.BaseDelay {
		cfg.Retry.MaxDelay = cfg.Retry.BaseDelay
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 100
	}
	if cfg.BatchConcurrency <= 0 {
		cfg.BatchConcurrency = 8
	}
	c := &Client{cfg: cfg, sleep: cfg.Sleep, now: cfg.Now, jitter: rand.Float64, opSem: make(chan struct{}, cfg.BatchConcurrency)}
	if c.sleep == nil {
		c.sleep = sleepCtx
	}
	if c.now == nil {
		c.now = time.Now
	}
	c.graph, _ = url.Parse(cfg.GraphURL)
	if c.graph == nil {
		c.graph = &url.URL{}
	}
	c.http = cfg.HTTPClient
	if c.http == nil {
		// The default transport keeps only 2 idle connections per host, so
		// eight concurrent batches would reconnect all the time.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = cfg.BatchConcurrency * 2
		c.http = &http.Client{Transport: tr}
	}
	return c
}

// Config returns the effective configuration (defaults filled in).
func (c *Client) Config() Config { return c.cfg }

// Usage returns the latest merged usage report.
func (c *Client) Usage() Usage {
	c.usageMu.Lock()
	defer c.usageMu.Unlock()
	return c.usage.clone()
}

func (c *Client) noteUsage(h http.Header) {
	u, ok := ParseUsage(h)
	if !ok {
		return
	}
	u.At = c.now()
	c.usageMu.Lock()
	c.usage.add(u)
	var merged Usage
	if c.cfg.OnUsage != nil {
		merged = c.usage.clone()
	}
	c.usageMu.Unlock()
	if c.cfg.OnUsage != nil {
		c.cfg.OnUsage(merged)
	}
}

// usageWait is the least a retry must wait given what Facebook said: the
// failed response's own usage headers when it had any (its estimated time to
// regain access, or MaxDelay when a budget is at or above 90 %), otherwise
// the app-wide budget last seen. A Page's business-use-case limit says
// nothing about calls for other Pages, so it only counts for its own calls.
func (c *Client) usageWait(resp *response) time.Duration {
	var u Usage
	if resp != nil {
		u, _ = ParseUsage(resp.header)
	}
	if u.IsZero() {
		last := c.Usage()
		u = Usage{App: last.App}
	}
	var d time.Duration
	if r := u.RegainIn(); r > 0 {
		// The estimate is in whole minutes: a retry right at its end may
		// still be a hair early, so add a margin.
		d = r + regainMargin
	}
	if u.Max() >= usageHighWater {
		d = max(d, c.cfg.Retry.MaxDelay)
	}
	return d
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// appSecretProof is hex(HMAC-SHA256(key=app secret, message=access token)).
func appSecretProof(tok, secret token.Token) string {
	m := hmac.New(sha256.New, []byte(secret.Reveal()))
	m.Write([]byte(tok.Reveal()))
	return hex.EncodeToString(m.Sum(nil))
}

// request is one Graph call before credentials are added.
type request struct {
	method string
	// url is absolute: GraphURL/Version/path, or a paging link already
	// checked to point at GraphURL.
	url    string
	params url.Values
	tok    token.Token
	// secrets are further credentials inside params (debug_token's
	// input_token) to scrub from anything Facebook echoes back.
	secrets []token.Token
	// idempotent requests are retried on transient failures; others only
	// when Facebook says it refused them (throttled) or nothing was sent.
	idempotent bool
}

// response is a successful HTTP exchange (any status).
type response struct {
	status int
	header http.Header
	body   []byte
}

func (c *Client) endpoint(path string) string {
	return c.cfg.GraphURL + "/" + c.cfg.Version + "/" + strings.TrimLeft(path, "/")
}

// segment escapes one path element (an ID) so that it cannot change the
// path: "../me" must not become a different node.
func segment(id string) (string, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return "", errors.New("facebook: empty ID")
	}
	if id == "." || id == ".." || strings.ContainsAny(id, "/?#\\") {
		return "", errors.New("facebook: invalid ID")
	}
	return url.PathEscape(id), nil
}

func (r *request) scrubber(secret token.Token) scrubber {
	sc := scrubber{r.tok.Reveal()}
	if !secret.IsZero() {
		sc = append(sc, secret.Reveal())
		if !r.tok.IsZero() {
			sc = append(sc, appSecretProof(r.tok, secret))
		}
	}
	for _, s := range r.secrets {
		sc = append(sc, s.Reveal())
	}
	return sc
}

// once performs a single HTTP attempt. Graph errors come back as *Error
// together with the response (for usage headers and batch callers).
func (c *Client) once(ctx context.Context, r *request) (*response, error) {
	return c.send(ctx, c.encode(r))
}

// encoded is a request ready for the wire: a batch is encoded before it
// waits for a slot, and encoded once however often it is tried.
type encoded struct {
	method, url, path, body string
	err                     *Error // the request cannot be sent
	sc                      scrubber
}

func (c *Client) encode(r *request) *encoded {
	e := &encoded{method: r.method, sc: r.scrubber(c.cfg.AppSecret)}
	u, err := url.Parse(r.url)
	if err != nil {
		e.err = &Error{Class: ClassInvalidRequest, Reason: ReasonInvalidParameter, Message: "invalid request URL"}
		return e
	}
	params := url.Values{}
	if r.method == http.MethodGet || r.method == http.MethodDelete {
		params = u.Query()
	}
	for k, v := range r.params {
		params[k] = v
	}
	params.Del("access_token")
	params.Del("appsecret_proof")
	if !r.tok.IsZero() {
		params.Set("access_token", r.tok.Reveal())
		if !c.cfg.AppSecret.IsZero() {
			params.Set("appsecret_proof", appSecretProof(r.tok, c.cfg.AppSecret))
		}
	}
	if r.method == http.MethodGet || r.method == http.MethodDelete {
		u.RawQuery = params.Encode()
	} else {
		e.body = params.Encode()
		if u.RawQuery != "" {
			q := u.Query()
			q.Del("access_token")
			q.Del("appsecret_proof")
			u.RawQuery = q.Encode()
		}
	}
	e.url, e.path = u.String(), u.Path
	return e
}

// send performs one HTTP attempt of an encoded request.
func (c *Client) send(ctx context.Context, r *encoded) (*response, error) {
	if r.err != nil {
		return nil, r.err
	}
	sc := r.sc
	var body io.Reader
	if r.method != http.MethodGet && r.method != http.MethodDelete {
		body = strings.NewReader(r.body)
	}
	callCtx, cancel := context.WithTimeout(ctx, c.cfg.CallTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(callCtx, r.method, r.url, body)
	if err != nil {
		return nil, &Error{Class: ClassInvalidRequest, Reason: ReasonInvalidParameter, Message: "invalid request"}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, transportError(ctx, r.method, r.path, err, sc)
	}
	defer resp.Body.Close()
	data, err := readAnswer(resp.Body, resp.ContentLength)
	if refusedAnswer(err) {
		// Closing the body unread drops the connection: the rest of the
		// answer is never downloaded.
		c.noteUsage(resp.Header)
		return nil, unexpectedAnswer(resp.StatusCode, r.method+" "+r.path+": "+err.Error(), err)
	}
	if err != nil {
		return nil, transportError(ctx, r.method, r.path, err, sc)
	}
	c.noteUsage(resp.Header)
	out := &response{status: resp.StatusCode, header: resp.Header, body: data}
	if resp.StatusCode >= 300 || hasErrorEnvelope(data) {
		return out, decodeError(resp.StatusCode, data, sc)
	}
	return out, nil
}

// do runs r with retries and returns the successful response or the last
// *Error.
func (c *Client) do(ctx context.Context, r *request) (*response, error) {
	for attempt := 1; ; attempt++ {
		resp, err := c.once(ctx, r)
		if err == nil {
			return resp, nil
		}
		e, _ := AsError(err)
		if e == nil || attempt >= c.cfg.Retry.MaxAttempts || ctx.Err() != nil || !c.retryable(e, r) {
			return resp, err
		}
		d := max(c.backoff(attempt), c.usageWait(resp))
		if dl, ok := ctx.Deadline(); ok && !c.now().Add(d).Before(dl) {
			// Waiting would overrun the caller's deadline: report now,
			// while the caller still has time to act on it.
			return resp, err
		}
		if c.sleep(ctx, d) != nil {
			return resp, err
		}
	}
}

func (c *Client) retryable(e *Error, r *request) bool {
	switch e.Class {
	case ClassThrottled:
		return true // Facebook refused the call: nothing happened
	case ClassTransient:
		if e.Reason == ReasonCanceled {
			return false
		}
		if r.idempotent {
			return true
		}
		// A non-idempotent call (a message) is retried only if it surely
		// never reached Facebook.
		var op *net.OpError
		return errors.As(e.cause, &op) && op.Op == "dial"
	}
	return false
}

// backoff is full jitter: uniform in [0, min(MaxDelay, BaseDelay·2^(attempt-1))].
func (c *Client) backoff(attempt int) time.Duration {
	capd := c.cfg.Retry.BaseDelay
	for i := 1; i < attempt && capd < c.cfg.Retry.MaxDelay; i++ {
		capd *= 2
	}
	capd = min(capd, c.cfg.Retry.MaxDelay)
	return time.Duration(c.jitter() * float64(capd))
}

// getJSON GETs path with params and decodes the body into out.
func (c *Client) getJSON(ctx context.Context, tok token.Token, path string, params url.Values, out any) error {
	resp, err := c.do(ctx, &request{method: http.MethodGet, url: c.endpoint(path), params: params, tok: tok, idempotent: true})
	if err != nil {
		return err
	}
	return decodeBody(resp, out)
}

func decodeBody(resp *response, out any) error {
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(resp.body, out); err != nil {
		return unexpectedAnswer(resp.status, "unexpected answer from Facebook (not the expected JSON)", err)
	}
	return nil
}

// successJSON is Struct{success: bool}; the Messenger guide shows the string
// "true", the reference a bool: both are accepted.
type successJSON struct {
	Success *flexBool `json:"success"`
}

func checkSuccess(resp *response, what string) error {
	t := bytes.TrimSpace(resp.body)
	if string(t) == "true" || string(t) == `"true"` {
		return nil // DELETE /me/permissions/{perm} answers a bare true
	}
	var s successJSON
	if json.Unmarshal(t, &s) == nil && s.Success != nil && bool(*s.Success) {
		return nil
	}
	return unexpectedAnswer(resp.status, "Facebook did not confirm "+what, nil)
}

package integration

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

// ClientOptions tune a Client. Zero values are the defaults.
type ClientOptions struct {
	// Timeout bounds one attempt, from connecting to the end of the answer.
	// Default 30 s (Standard Webhooks recommends 15–30 s).
	Timeout time.Duration
	// MaxAnswerBytes is how much of a delivery's answer is read (the rest
	// is dropped). Default 64 KiB.
	MaxAnswerBytes int64
	// MaxStatusBytes bounds a status document. Default 8 MiB (about 30,000 Pages).
	MaxStatusBytes int64
	// Tolerance for the timestamp of a signed status answer. Default DefaultTolerance.
	Tolerance time.Duration
	// RootCAs are the certificate authorities trusted for https; nil: the system's.
	RootCAs *x509.CertPool
	// UserAgent is sent with every request. Default "Pagekeeper".
	UserAgent string
	// Now is the clock that signs and checks timestamps. Default time.Now.
	Now func() time.Time
}

// Client delivers signed events to integrations and reads their status
// endpoints. It never follows a redirect, reads at most a bounded answer,
// bounds every attempt's time, and is safe for concurrent use. It makes one
// attempt per call: retrying (with the same webhook-id) is the caller's.
type Client struct {
	http *http.Client
	o    ClientOptions
}

// NewClient returns a Client with o's defaults filled in.
func NewClient(o ClientOptions) *Client {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.MaxAnswerBytes <= 0 {
		o.MaxAnswerBytes = 64 << 10
	}
	if o.MaxStatusBytes <= 0 {
		o.MaxStatusBytes = 8 << 20
	}
	if o.Tolerance <= 0 {
		o.Tolerance = DefaultTolerance
	}
	if o.UserAgent == "" {
		o.UserAgent = "Pagekeeper"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: min(10*time.Second, o.Timeout), KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       &tls.Config{RootCAs: o.RootCAs, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   min(10*time.Second, o.Timeout),
		ResponseHeaderTimeout: o.Timeout,
		ForceAttemptHTTP2:     true,
		// A renewal of many Pages delivers to one integration in parallel.
		MaxIdleConns:        128,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
	}
	return &Client{o: o, http: &http.Client{
		Transport: tr,
		Timeout:   o.Timeout,
		// A redirect is an answer like any other: the delivery failed, and
		// the owner is told to set the final address.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// CloseIdleConnections closes kept-alive connections (on shutdown).
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// Delivery is one signed event to send.
type Delivery struct {
	URL    string      // the integration's endpoint
	Secret token.Token // its signing secret (whsec_…)
	// ID is the webhook-id: new for each event (NewMessageID), the same on
	// every retry of it, so that the integration recognises a retry.
	ID   string
	Body []byte // Encode's output, sent and signed as is
}

// Ack is a delivered event.
type Ack struct {
	HTTPStatus int
	// TokenFingerprint is the fingerprint of the token the integration says
	// it now holds for the Page; "" when its answer named none.
	TokenFingerprint string
}

// Deliver sends one attempt of d, signed with the time of the attempt. A
// 2xx answer is an Ack; anything else is an *Error saying whether trying
// again later can help (Retryable).
func (c *Client) Deliver(ctx context.Context, d Delivery) (Ack, error) {
	u, signer, err := c.prepare(OpDeliver, d.URL, d.Secret)
	if err != nil {
		return Ack{}, err
	}
	if len(d.Body) > MaxEventBytes {
		return Ack{}, &EventError{Field: "body", Problem: fmt.Sprintf("is %d bytes, more than the %d allowed", len(d.Body), MaxEventBytes)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(d.Body))
	if err != nil {
		return Ack{}, &Error{Op: OpDeliver, URL: Redact(d.URL), Kind: KindSettings, Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	if err := c.sign(req, OpDeliver, signer, d.ID, d.Body); err != nil {
		return Ack{}, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return Ack{}, transportError(ctx, OpDeliver, d.URL, err)
	}
	defer resp.Body.Close()
	body, complete := readCapped(resp.Body, c.o.MaxAnswerBytes)
	var a Answer
	if complete {
		_ = json.Unmarshal(body, &a) // the answer's body is optional
	}
	if resp.StatusCode/100 != 2 {
		return Ack{}, statusError(OpDeliver, d.URL, resp, a)
	}
	ack := Ack{HTTPStatus: resp.StatusCode}
	if ValidFingerprint(a.TokenFingerprint) {
		ack.TokenFingerprint = a.TokenFingerprint
	}
	return ack, nil
}

// ReadStatus reads an integration's status endpoint: a GET to statusURL
// (by default the delivery URL itself, docs/INTEGRATION.md), signed with a
// fresh webhook-id; the answer must be signed with the same secret and the
// same webhook-id, so that neither a stranger nor a replayed old answer can
// pass for it. An integration without one answers 404: *Error with
// KindNotPublished.
func (c *Client) ReadStatus(ctx context.Context, statusURL string, secret token.Token) (StatusReport, error) {
	u, signer, err := c.prepare(OpStatus, statusURL, secret)
	if err != nil {
		return StatusReport{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return StatusReport{}, &Error{Op: OpStatus, URL: Redact(statusURL), Kind: KindSettings, Err: err}
	}
	nonce := newID("st_")
	if err := c.sign(req, OpStatus, signer, nonce, nil); err != nil {
		return StatusReport{}, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return StatusReport{}, transportError(ctx, OpStatus, statusURL, err)
	}
	defer resp.Body.Close()
	body, complete := readCapped(resp.Body, c.o.MaxStatusBytes)
	if resp.StatusCode/100 != 2 {
		var a Answer
		if complete {
			_ = json.Unmarshal(body, &a)
		}
		return StatusReport{}, statusError(OpStatus, statusURL, resp, a)
	}
	bad := func(err error) (StatusReport, error) {
		return StatusReport{}, &Error{Op: OpStatus, URL: Redact(statusURL), Kind: KindAnswer, HTTPStatus: resp.StatusCode, Err: err}
	}
	if !complete {
		return bad(fmt.Errorf("the status document is larger than %d bytes", c.o.MaxStatusBytes))
	}
	signed, err := signer.Verify(resp.Header, body, c.o.Now(), c.o.Tolerance)
	if err != nil {
		return bad(err)
	}
	if signed.ID != nonce {
		return bad(errors.New("the status answer was signed for another request (an old answer replayed)"))
	}
	var rep StatusReport
	if err := json.Unmarshal(body, &rep); err != nil {
		return bad(fmt.Errorf("the status document is not valid JSON: %w", err))
	}
	if err := rep.Validate(); err != nil {
		return bad(err)
	}
	return rep, nil
}

func (c *Client) prepare(op Op, raw string, secret token.Token) (*url.URL, *Signer, error) {
	u, err := CheckURL(raw)
	if err != nil {
		return nil, nil, &Error{Op: op, URL: Redact(raw), Kind: KindSettings, Err: err}
	}
	signer, err := NewSigner(secret)
	if err != nil {
		return nil, nil, &Error{Op: op, URL: Redact(raw), Kind: KindSettings, Err: err}
	}
	return u, signer, nil
}

func (c *Client) sign(req *http.Request, op Op, signer *Signer, id string, body []byte) error {
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.o.UserAgent)
	if err := signer.Sign(req.Header, id, c.o.Now(), body); err != nil {
		return &Error{Op: op, URL: Redact(req.URL.String()), Kind: KindSettings, Err: err}
	}
	return nil
}

// readCapped reads at most limit bytes; complete is false when there was more.
func readCapped(r io.Reader, limit int64) (b []byte, complete bool) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if int64(len(b)) > limit {
		return b[:limit], false
	}
	return b, err == nil
}

// Op says which request an Error is about.
type Op string

const (
	OpDeliver Op = "deliver"
	OpStatus  Op = "read status"
)

// Kind classifies an Error.
type Kind int

const (
	// KindSettings: the URL or secret cannot be used; nothing was sent.
	KindSettings Kind = iota + 1
	// KindNetwork: no connection, or it broke before an answer.
	KindNetwork
	// KindTimeout: no complete answer within the time-out.
	KindTimeout
	// KindTLS: the server's certificate is not trusted for that address.
	KindTLS
	// KindRedirect: a 3xx answer; redirects are never followed.
	KindRedirect
	// KindStatus: a non-2xx answer (HTTPStatus, and Code when it said why).
	KindStatus
	// KindAnswer: a status document that is too large, unsigned, signed
	// for another request, or malformed.
	KindAnswer
	// KindNotPublished: the integration has no status endpoint (404, 405, 501).
	KindNotPublished
	// KindCanceled: the caller's context ended first.
	KindCanceled
)

// Error is a failed delivery or status read. Retryable says whether trying
// again later, unchanged, can succeed (a network failure, a time-out, 408,
// 425, 429, 5xx); otherwise a person must change something: the
// integration's settings in Pagekeeper, or the integration itself.
type Error struct {
	Op         Op
	URL        string // scheme://host/path: never the query
	Kind       Kind
	Retryable  bool
	HTTPStatus int
	// Code is the integration's reason (Code… constants) when its answer gave one.
	Code string
	// RetryAfter is the integration's Retry-After, when it sent one.
	RetryAfter time.Duration
	// Location is where a redirect pointed (scheme://host/path).
	Location string
	Err      error
}

func (e *Error) Unwrap() error { return e.Err }

func (e *Error) Error() string {
	at := "the integration at " + e.URL
	again := ""
	if e.Retryable {
		again = " Pagekeeper will try again."
	}
	switch e.Kind {
	case KindSettings:
		if e.Op == OpStatus {
			return fmt.Sprintf("cannot read the status of %s: %v", at, e.Err)
		}
		return fmt.Sprintf("cannot deliver to %s: %v", at, e.Err)
	case KindCanceled:
		return fmt.Sprintf("stopped before %s answered", at)
	case KindTimeout:
		return fmt.Sprintf("%s did not answer in time.%s", at, again)
	case KindNetwork:
		return fmt.Sprintf("could not reach %s (%v): check that it is running and that the address is right.%s", at, e.Err, again)
	case KindTLS:
		return fmt.Sprintf("%s did not present a certificate this computer trusts (%v): it needs a valid HTTPS certificate for that address.", at, e.Err)
	case KindRedirect:
		return fmt.Sprintf("%s answered with a redirect (HTTP %d to %s); Pagekeeper does not follow redirects: set the integration's address to the final one.", at, e.HTTPStatus, e.Location)
	case KindNotPublished:
		return fmt.Sprintf("%s publishes no status endpoint (HTTP %d).", at, e.HTTPStatus)
	case KindAnswer:
		return fmt.Sprintf("%s gave a status answer Pagekeeper cannot trust: %v.", at, e.Err)
	}
	msg := fmt.Sprintf("%s answered HTTP %d", at, e.HTTPStatus)
	if e.Code != "" {
		msg += " (" + e.Code + ")"
	}
	if advice := codeAdvice(e.Code); advice != "" {
		msg += ": " + advice
	}
	return msg + "." + again
}

// transportError classifies a request that got no answer.
func transportError(ctx context.Context, op Op, raw string, err error) error {
	e := &Error{Op: op, URL: Redact(raw), Err: err}
	// url.Error repeats the whole URL, query included: keep what is inside.
	var ue *url.Error
	if errors.As(err, &ue) {
		e.Err = ue.Err
	}
	var (
		unknownCA *x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		verify    *tls.CertificateVerificationError
	)
	switch {
	case ctx.Err() != nil:
		e.Kind, e.Retryable = KindCanceled, true
	case errors.As(err, &unknownCA), errors.As(err, &hostname), errors.As(err, &invalid),
		errors.As(err, &verify):
		e.Kind = KindTLS
	case ue != nil && ue.Timeout(), errors.Is(err, context.DeadlineExceeded):
		e.Kind, e.Retryable = KindTimeout, true
	default:
		e.Kind, e.Retryable = KindNetwork, true
	}
	return e
}

// statusError classifies a non-2xx answer.
func statusError(op Op, raw string, resp *http.Response, a Answer) error {
	e := &Error{Op: op, URL: Redact(raw), Kind: KindStatus, HTTPStatus: resp.StatusCode}
	if a.Error != nil && plainCode(a.Error.Code) {
		e.Code = a.Error.Code
	}
	s := resp.StatusCode
	switch {
	case s/100 == 3:
		e.Kind, e.Location = KindRedirect, Redact(resp.Header.Get("Location"))
	case op == OpStatus && (s == http.StatusNotFound || s == http.StatusMethodNotAllowed || s == http.StatusNotImplemented):
		e.Kind = KindNotPublished
	case s == http.StatusRequestTimeout, s == http.StatusTooEarly, s == http.StatusTooManyRequests, s >= 500:
		e.Retryable = true
	case s == http.StatusConflict && e.Code == CodeReplayed:
		// A retry signed in the same second as the attempt before it: the
		// next attempt carries a later timestamp and gets the answer.
		e.Retryable = true
	}
	if e.Retryable {
		e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return e
}

// plainCode keeps an integration's code out of messages unless it is a
// short snake_case word.
func plainCode(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && c != '_' {
			return false
		}
	}
	return true
}

// retryAfter reads Retry-After (seconds or an HTTP date), at most a day.
func retryAfter(v string, now time.Time) time.Duration {
	var d time.Duration
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return max(0, min(d, 24*time.Hour))
}

// Package receiver is what a Messenger integration imports to take
// Pagekeeper's deliveries: an http.Handler that verifies each delivery's
// Standard Webhooks signature and timestamp, refuses replays, opens the
// sealed Page token with the integration's age key, hands the event to the
// integration's code and answers with the fingerprint of the token it now
// holds; and, when the integration wants, publishes its signed status
// endpoint on the same URL (GET).
//
// It depends only on the contract (package integration) and the redacted
// token type: no Pagekeeper internals. The opened token is a token.Token,
// which prints "(redacted)": call Reveal only where it goes to Facebook.
package receiver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"filippo.io/age"

	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/integration"
)

// Options configure a Receiver.
type Options struct {
	// Secret is the signing secret shared with Pagekeeper (whsec_…).
	Secret token.Token
	// Identity opens sealed tokens: the integration's age X25519 identity,
	// whose recipient (age1…) is set in Pagekeeper.
	Identity age.Identity
	// Handle is called once per verified delivery (see Handler).
	Handle Handler
	// Status, when set, publishes the status endpoint: a signed GET on the
	// same URL answers with the Pages it returns. Nil: GET answers 404.
	Status func(ctx context.Context) ([]integration.PageState, error)
	// Tolerance for webhook-timestamp, either way. Default integration.DefaultTolerance.
	Tolerance time.Duration
	// MaxBodyBytes refuses larger deliveries (413). Default integration.MaxEventBytes.
	MaxBodyBytes int64
	// MaxRemembered bounds the webhook-ids kept to refuse replays; when
	// that many are within the tolerance window, new deliveries are asked
	// to come back later (503). Default 100,000.
	MaxRemembered int
	// Logf, when set, is told about every refused request (never a token or
	// a secret).
	Logf func(format string, args ...any)
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Handler processes one delivery. It is called once per webhook-id while
// Pagekeeper retries within the tolerance window; after that a retry of an
// old event may call it again, so it must be idempotent (store the token
// for the Page, replacing the one held). An error answers 500 and
// Pagekeeper tries again later.
type Handler func(ctx context.Context, d Delivery) (Ack, error)

// Delivery is a verified event.
type Delivery struct {
	ID     string    // webhook-id: the same on every retry of this event
	SentAt time.Time // webhook-timestamp of this attempt
	Event  integration.Event
	// Token is the opened Page token of page.connected and
	// page.token_renewed (checked against Event.Data.Token.Fingerprint);
	// the zero Token otherwise.
	Token token.Token
}

// Ack is what the handler tells Pagekeeper.
type Ack struct {
	// TokenFingerprint is integration.Fingerprint of the token now held for
	// the event's Page; "" when none is held.
	TokenFingerprint string
}

// Receiver is an http.Handler for Pagekeeper's deliveries (POST) and the
// status endpoint (GET). It is safe for concurrent use.
type Receiver struct {
	o      Options
	signer *integration.Signer
	seen   *seen
}

// New checks o and returns a Receiver.
func New(o Options) (*Receiver, error) {
	signer, err := integration.NewSigner(o.Secret)
	if err != nil {
		return nil, err
	}
	if o.Identity == nil {
		return nil, errors.New("receiver: no age identity to open sealed tokens with")
	}
	if o.Handle == nil {
		return nil, errors.New("receiver: no Handle function")
	}
	if o.Tolerance <= 0 {
		o.Tolerance = integration.DefaultTolerance
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = integration.MaxEventBytes
	}
	if o.MaxRemembered <= 0 {
		o.MaxRemembered = 100_000
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Receiver{o: o, signer: signer, seen: newSeen(o.MaxRemembered, o.Tolerance)}, nil
}

// ServeHTTP answers POST (a delivery) and GET (the status endpoint).
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	switch req.Method {
	case http.MethodPost:
		r.deliver(w, req)
	case http.MethodGet:
		r.status(w, req)
	default:
		w.Header().Set("Allow", "GET, POST")
		r.refuse(w, req, http.StatusMethodNotAllowed, integration.CodeEventInvalid, errors.New("only POST (deliveries) and GET (status) are answered here"))
	}
}

// verify reads the body (bounded) and checks signature, timestamp and
// replay. ok false: the answer has been written.
func (r *Receiver) verify(w http.ResponseWriter, req *http.Request) (body []byte, s integration.Signed, cached []byte, ok bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, r.o.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			r.refuse(w, req, http.StatusRequestEntityTooLarge, integration.CodeBodyTooLarge, fmt.Errorf("the body is larger than %d bytes", r.o.MaxBodyBytes))
		} else {
			r.refuse(w, req, http.StatusBadRequest, integration.CodeEventInvalid, fmt.Errorf("reading the body: %w", err))
		}
		return nil, s, nil, false
	}
	now := r.o.Now()
	s, err = r.signer.Verify(req.Header, body, now, r.o.Tolerance)
	if err != nil {
		var ve *integration.VerifyError
		code := integration.CodeSignatureInvalid
		if errors.As(err, &ve) {
			code = ve.Code
		}
		r.refuse(w, req, http.StatusUnauthorized, code, err)
		return nil, s, nil, false
	}
	switch st, answer := r.seen.begin(s.ID, s.At, now); st {
	case seenReplay:
		r.refuse(w, req, http.StatusConflict, integration.CodeReplayed, errors.New("this webhook-id was received already with the same or a later timestamp"))
		return nil, s, nil, false
	case seenBusy, seenFull:
		w.Header().Set("Retry-After", "5")
		r.refuse(w, req, http.StatusServiceUnavailable, integration.CodeBusy, errors.New("busy: try again shortly"))
		return nil, s, nil, false
	case seenDone:
		return body, s, answer, true
	}
	return body, s, nil, true
}

func (r *Receiver) deliver(w http.ResponseWriter, req *http.Request) {
	body, s, cached, ok := r.verify(w, req)
	if !ok {
		return
	}
	if cached != nil {
		// A retry of an event already processed (its answer was lost):
		// the same answer again, without processing it twice.
		writeJSON(w, http.StatusOK, cached)
		return
	}
	fail := func(status int, code string, err error) {
		r.seen.forget(s.ID)
		r.refuse(w, req, status, code, err)
	}
	ev, err := integration.Decode(body)
	if err != nil {
		fail(http.StatusUnprocessableEntity, integration.CodeEventInvalid, err)
		return
	}
	d := Delivery{ID: s.ID, SentAt: s.At, Event: ev}
	if ev.Type.CarriesToken() {
		tok, err := integration.Open(ev.Data.Token.Sealed, r.o.Identity)
		switch {
		case errors.Is(err, integration.ErrWrongKey):
			fail(http.StatusUnprocessableEntity, integration.CodeTokenUnopenable, err)
			return
		case err != nil:
			fail(http.StatusUnprocessableEntity, integration.CodeEventInvalid, err)
			return
		case integration.Fingerprint(tok) != ev.Data.Token.Fingerprint:
			fail(http.StatusUnprocessableEntity, integration.CodeEventInvalid, errors.New("the sealed token does not match data.token.fingerprint"))
			return
		}
		d.Token = tok
	}
	ack, err := r.o.Handle(req.Context(), d)
	if err != nil {
		// The handler's error stays here: it may say more than a caller should read.
		r.logf("processing %s (%s) failed: %v", ev.Type, s.ID, err)
		fail(http.StatusInternalServerError, integration.CodeHandlerFailed, errors.New("the integration could not process the event; it will be retried"))
		return
	}
	answer, _ := json.Marshal(integration.Answer{TokenFingerprint: ack.TokenFingerprint})
	r.seen.finish(s.ID, answer)
	writeJSON(w, http.StatusOK, answer)
}

func (r *Receiver) status(w http.ResponseWriter, req *http.Request) {
	if r.o.Status == nil {
		r.refuse(w, req, http.StatusNotFound, integration.CodeNotPublished, errors.New("this integration publishes no status"))
		return
	}
	_, s, cached, ok := r.verify(w, req)
	if !ok {
		return
	}
	if cached != nil {
		// Status requests are never retried with the same webhook-id.
		r.refuse(w, req, http.StatusConflict, integration.CodeReplayed, errors.New("this status request was answered already"))
		return
	}
	r.seen.finish(s.ID, []byte("{}"))
	pages, err := r.o.Status(req.Context())
	if err != nil {
		r.logf("reading the status failed: %v", err)
		r.refuse(w, req, http.StatusInternalServerError, integration.CodeHandlerFailed, errors.New("the integration could not read its status"))
		return
	}
	if pages == nil {
		pages = []integration.PageState{}
	}
	now := r.o.Now()
	body, err := json.Marshal(integration.StatusReport{GeneratedAt: now.UTC(), Pages: pages})
	if err == nil {
		// The answer is signed for this request's webhook-id: it cannot be
		// replayed to answer another one.
		err = r.signer.Sign(w.Header(), s.ID, now, body)
	}
	if err != nil {
		r.refuse(w, req, http.StatusInternalServerError, integration.CodeHandlerFailed, err)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

func (r *Receiver) refuse(w http.ResponseWriter, req *http.Request, status int, code string, err error) {
	r.logf("refused %s from %s: %s (%v)", req.Method, req.RemoteAddr, code, err)
	b, _ := json.Marshal(integration.Answer{Error: &integration.AnswerError{Code: code, Message: err.Error()}})
	writeJSON(w, status, b)
}

func (r *Receiver) logf(format string, args ...any) {
	if r.o.Logf != nil {
		r.o.Logf(format, args...)
	}
}

func writeJSON(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

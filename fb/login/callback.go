package login

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// AttemptKind says why a callback was rejected.
type AttemptKind string

const (
	AttemptStateMismatch AttemptKind = "state_mismatch" // a state that is not this login's
	AttemptMissingState  AttemptKind = "missing_state"  // no state, or a blank one
	AttemptMissingCode   AttemptKind = "missing_code"   // right state, no code and no error
	AttemptReplay        AttemptKind = "replay"         // right state, already used
	AttemptWrongPath     AttemptKind = "wrong_path"     // not /facebook/callback (favicon.ico is not recorded)
	AttemptWrongMethod   AttemptKind = "wrong_method"   // not GET
	AttemptOversized     AttemptKind = "oversized"      // query longer than maxQuery
	AttemptMalformed     AttemptKind = "malformed"      // bad percent-encoding, repeated parameters
)

// Attempt is a rejected callback, for the audit log. It deliberately holds
// no value from the request: no state, code, path or query.
type Attempt struct {
	At     time.Time
	Kind   AttemptKind
	Remote string // the peer address (always a loopback address)
}

// maxQuery bounds the callback's query: Facebook's answer is a few hundred
// bytes; anything near this is not Facebook.
const maxQuery = 8 << 10

type verdict int

const (
	verdictReject verdict = iota
	verdictCode           // right state and a code: exchange it
	verdictError          // right state and error=…: Facebook ended the login
)

// callback is what a callback query says, judged against the expected state.
type callback struct {
	verdict verdict
	kind    AttemptKind // why, when rejected
	// hadError: a rejected callback carried error=… (shown differently: it
	// may be Facebook's cancel redirect without state, docs/FACEBOOK.md §1).
	hadError bool

	code                               string
	errCode, errReason, errDescription string
}

// parseCallback judges a raw query. The state is checked first and in
// constant time; nothing else is looked at until it matches, so a forged
// request learns nothing and cannot end the login.
func parseCallback(rawQuery, want string) callback {
	if len(rawQuery) > maxQuery {
		return callback{kind: AttemptOversized}
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return callback{kind: AttemptMalformed}
	}
	_, hadError := q["error"]
	states := q["state"]
	switch {
	case len(states) > 1:
		return callback{kind: AttemptMalformed, hadError: hadError}
	case len(states) == 0 || strings.TrimSpace(states[0]) == "":
		return callback{kind: AttemptMissingState, hadError: hadError}
	case want == "" || subtle.ConstantTimeCompare([]byte(states[0]), []byte(want)) != 1:
		return callback{kind: AttemptStateMismatch, hadError: hadError}
	}
	for _, k := range []string{"code", "error", "error_reason", "error_description", "error_code"} {
		if len(q[k]) > 1 {
			return callback{kind: AttemptMalformed, hadError: hadError}
		}
	}
	if hadError {
		return callback{verdict: verdictError, errCode: q.Get("error"), errReason: q.Get("error_reason"),
			errDescription: q.Get("error_description")}
	}
	code := q.Get("code")
	if strings.TrimSpace(code) == "" {
		return callback{kind: AttemptMissingCode}
	}
	return callback{verdict: verdictCode, code: code}
}

// ServeHTTP is the callback server: GET /facebook/callback only.
func (s *Session) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := s.r.Pages
	if r.URL.Path != CallbackPath {
		// Browsers ask for /favicon.ico on their own: not worth an audit row.
		if r.URL.Path != "/favicon.ico" {
			s.attempt(r, AttemptWrongPath)
		}
		writePage(w, http.StatusNotFound, m, "warn", m.NotFoundTitle, m.NotFound)
		return
	}
	if r.Method != http.MethodGet {
		s.attempt(r, AttemptWrongMethod)
		w.Header().Set("Allow", http.MethodGet)
		writePage(w, http.StatusMethodNotAllowed, m, "warn", m.MethodTitle, m.Method)
		return
	}
	cb := parseCallback(r.URL.RawQuery, s.state)
	switch cb.verdict {
	case verdictReject:
		s.attempt(r, cb.kind)
		switch {
		case cb.kind == AttemptOversized:
			writePage(w, http.StatusBadRequest, m, "warn", m.BadRequestTitle, m.TooLong)
		case cb.kind == AttemptMalformed:
			writePage(w, http.StatusBadRequest, m, "warn", m.BadRequestTitle, m.Malformed)
		case cb.kind == AttemptMissingCode:
			writePage(w, http.StatusBadRequest, m, "warn", m.RejectedTitle, m.MissingCode)
		case cb.kind == AttemptMissingState && cb.hadError:
			// Possibly Facebook's own cancel redirect without state (not
			// documented, docs/FACEBOOK.md §1), possibly a forgery: only the person can tell,
			// so the login goes on and the page says how to end it.
			writePage(w, http.StatusBadRequest, m, "warn", m.CancelledTitle, m.ErrorWithoutState)
		default:
			writePage(w, http.StatusBadRequest, m, "warn", m.RejectedTitle, m.Rejected)
		}
	case verdictError:
		if !s.claim() {
			s.replay(w, r, m)
			return
		}
		var err error = ErrCancelled
		if cb.errCode != "access_denied" {
			err = &DialogError{Code: cb.errCode, Reason: cb.errReason, Description: cb.errDescription}
		}
		if !s.finish(nil, err) {
			writePage(w, http.StatusServiceUnavailable, m, "warn", m.StoppedTitle, m.Stopped)
			return
		}
		if err == ErrCancelled {
			writePage(w, http.StatusOK, m, "warn", m.CancelledTitle, m.Cancelled)
			return
		}
		lines := []string{m.DialogError}
		if d := shortText(cb.errDescription, 300); d != "" {
			lines = append(lines, strings.ReplaceAll(m.FacebookSaid, "{detail}", d))
		}
		writePage(w, http.StatusBadGateway, m, "error", m.FailedTitle, append(lines, m.TryAgain)...)
	case verdictCode:
		if !s.claim() {
			s.replay(w, r, m)
			return
		}
		res, err := s.complete(cb.code)
		// complete answers with the login's own context error when the login
		// was stopped meanwhile. Either this handler or run records that
		// first; the person reads the same page whichever wins.
		stopped := err != nil && errors.Is(err, s.ctx.Err())
		if !s.finish(res, err) || stopped {
			// Cancelled or timed out while exchanging: the result is dropped.
			writePage(w, http.StatusServiceUnavailable, m, "warn", m.StoppedTitle, m.Stopped)
			return
		}
		if err != nil {
			writePage(w, http.StatusBadGateway, m, "error", m.FailedTitle, explain(err, m), m.TryAgain)
			return
		}
		writePage(w, http.StatusOK, m, "ok", m.SuccessTitle, strings.ReplaceAll(m.Success, "{name}", res.User.Name))
	}
}

func (s *Session) replay(w http.ResponseWriter, r *http.Request, m Messages) {
	s.attempt(r, AttemptReplay)
	writePage(w, http.StatusBadRequest, m, "warn", m.UsedTitle, m.Used)
}

func (s *Session) attempt(r *http.Request, kind AttemptKind) {
	if s.r.OnAttempt != nil {
		s.r.OnAttempt(Attempt{At: s.r.now(), Kind: kind, Remote: r.RemoteAddr})
	}
}

// shortText cuts Facebook-supplied text for display (it is escaped later).
func shortText(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

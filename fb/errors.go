package fb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Class groups failures by what the caller should do about them. Only
// ClassAuth and ClassPermission mean "a person must act"; ClassThrottled and
// ClassTransient mean "could not check, try later" and must never mark a Page
// as broken.
type Class int

const (
	ClassUnknown        Class = iota
	ClassAuth                 // the token is dead: log in again
	ClassPermission           // the token lives but lacks a permission or role
	ClassThrottled            // a rate limit: back off
	ClassTransient            // Facebook or the network hiccuped: retry
	ClassInvalidRequest       // the request itself cannot succeed as sent
)

var classNames = [...]string{"unknown", "auth", "permission", "throttled", "transient", "invalid_request"}

func (c Class) String() string {
	if c < 0 || int(c) >= len(classNames) {
		return "unknown"
	}
	return classNames[c]
}

// Error is every failure of a Graph call: a Graph error envelope, an HTTP
// failure, a transport failure, an invalid token reported by debug_token or a
// null entry of a batch. Error() is short, names the code and subcode, and
// never contains a credential.
type Error struct {
	HTTPStatus  int
	Code        int
	Subcode     int
	Type        string
	Message     string // Facebook's message (credentials scrubbed); for logs, never for decisions
	UserTitle   string
	UserMessage string
	TraceID     string
	IsTransient bool
	Class       Class
	Reason      Reason

	cause error // never a *url.Error: see transportError
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("facebook: ")
	b.WriteString(e.Reason.String())
	var parts []string
	if e.Code != 0 {
		parts = append(parts, "code "+strconv.Itoa(e.Code))
	}
	if e.Subcode != 0 {
		parts = append(parts, "subcode "+strconv.Itoa(e.Subcode))
	}
	if e.HTTPStatus != 0 {
		parts = append(parts, "HTTP "+strconv.Itoa(e.HTTPStatus))
	}
	if len(parts) > 0 {
		b.WriteString(" (" + strings.Join(parts, ", ") + ")")
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// Unwrap gives the underlying cause of transport failures (for example
// context.DeadlineExceeded), never an error carrying the request URL.
func (e *Error) Unwrap() error { return e.cause }

// AsError returns the *Error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// ClassOf returns err's Class, ClassUnknown when err is not an *Error.
func ClassOf(err error) Class {
	if e, ok := AsError(err); ok {
		return e.Class
	}
	return ClassUnknown
}

// ReasonOf returns err's Reason, ReasonUnknown when err is not an *Error.
func ReasonOf(err error) Reason {
	if e, ok := AsError(err); ok {
		return e.Reason
	}
	return ReasonUnknown
}

func IsAuth(err error) bool           { return err != nil && ClassOf(err) == ClassAuth }
func IsPermission(err error) bool     { return err != nil && ClassOf(err) == ClassPermission }
func IsThrottled(err error) bool      { return err != nil && ClassOf(err) == ClassThrottled }
func IsTransient(err error) bool      { return err != nil && ClassOf(err) == ClassTransient }
func IsInvalidRequest(err error) bool { return err != nil && ClassOf(err) == ClassInvalidRequest }

// NeedsLogin reports whether only a new login (or a re-grant in Facebook's
// dialog) can fix err: the auth and permission classes.
func NeedsLogin(err error) bool { return IsAuth(err) || IsPermission(err) }

// Subcodes of code 190 (and friends) as documented in Meta's error-handling
// guide, plus the ones Pagekeeper's fake Facebook uses for cases Meta does not
// document with a subcode.
const (
	codeOAuth          = 190
	subAppRemoved      = 458
	subCheckpointed    = 459
	subPasswordChanged = 460
	subTokenExpired    = 463
	subUnconfirmedUser = 464
	subLoggedOut       = 467
	subRoleLost        = 492
	subObjectMissing   = 33
	// Send API subcodes (Meta's Messenger error-codes page, updated
	// 2026-03-18; the Page restriction notice of 2026-06): docs/FACEBOOK.md §7.
	subOutsideWindow       = 2018278
	subOutsideWindowPolicy = 2534022
	subOutsideWindowNews   = 2018065
	subNotReceiving        = 2018108
	subPersonUnavailable   = 1545041
	subPageRestricted      = 1893063
	codeSendTemporary      = 1200
	// 190/493: "The access token is invalid since the user hasn't engaged
	// the app in longer than 90 days" (hello.js #548; the fake plays it).
	subDataAccessExpired         = 493
	codePermissionDenied         = 10
	codeTokenRequired            = 104
	codeUnknownPath              = 2500
	codeInvalidParameter         = 100
	codePersonUnavailable        = 551
	codeBlocked                  = 368
	codeAppRateLimit             = 4
	codeUserRateLimit            = 17
	codePageRateLimit            = 32
	codeAppLimitReached          = 341
	codeCustomRateLimit          = 613
	codeBusinessRateLimitFirst   = 80001
	codeBusinessRateLimitLast    = 80099
	codeSessionInvalid           = 102
	codeAPIUnknown               = 1
	codeAPIService               = 2
	codeAPIMethod                = 3
	codePermissionRangeFirst     = 200
	codePermissionRangeLast      = 299
	maxKeptMessageBytes          = 300
	maxBodyInspectedForErrorJSON = 1 << 20
)

// classify decides Class and Reason from the code, subcode, HTTP status and
// is_transient flag: never from the message, which Facebook localises and
// rewords (Chatwoot's string whitelist missed revocations for exactly that
// reason).
func classify(httpStatus, code, subcode int, transient bool) (Class, Reason) {
	switch {
	case code == codeOAuth:
		switch subcode {
		case subPasswordChanged:
			return ClassAuth, ReasonPasswordChanged
		case subAppRemoved:
			return ClassAuth, ReasonAppRemoved
		case subTokenExpired:
			return ClassAuth, ReasonTokenExpired
		case subCheckpointed:
			return ClassAuth, ReasonCheckpointed
		case subUnconfirmedUser:
			return ClassAuth, ReasonUnconfirmedUser
		case subLoggedOut:
			return ClassAuth, ReasonLoggedOut
		case subRoleLost:
			return ClassAuth, ReasonRoleLost
		case subDataAccessExpired:
			return ClassAuth, ReasonDataAccessExpired
		}
		return ClassAuth, ReasonSessionInvalid
	case code == codeSessionInvalid, code == codeTokenRequired:
		return ClassAuth, ReasonSessionInvalid
	case code == codePermissionDenied && (subcode == subOutsideWindow || subcode == subOutsideWindowPolicy || subcode == subOutsideWindowNews):
		// Not a broken connection: the person simply has not written within
		// the messaging window. Reconnecting would not help.
		return ClassInvalidRequest, ReasonOutsideMessagingWindow
	case code == codePermissionDenied && subcode == subNotReceiving:
		return ClassInvalidRequest, ReasonNotReceiving
	case code == codePermissionDenied && subcode == subPageRestricted:
		return ClassInvalidRequest, ReasonPageRestricted
	case subcode == subPersonUnavailable && (code == codePersonUnavailable || (code >= codePermissionRangeFirst && code <= codePermissionRangeLast)):
		// 200/1545041 and 551/1545041: the person, not the connection.
		return ClassInvalidRequest, ReasonPersonUnavailable
	case code == codeSendTemporary:
		return ClassTransient, ReasonTemporary
	case code == codePermissionDenied, code == codeAPIMethod,
		code >= codePermissionRangeFirst && code <= codePermissionRangeLast:
		return ClassPermission, ReasonPermissionMissing
	case code == codeAppRateLimit, code == codeAppLimitReached:
		return ClassThrottled, ReasonAppRateLimited
	case code == codeUserRateLimit:
		return ClassThrottled, ReasonUserRateLimited
	case code == codePageRateLimit:
		return ClassThrottled, ReasonPageRateLimited
	case code == codeCustomRateLimit:
		return ClassThrottled, ReasonCustomRateLimited
	case code >= codeBusinessRateLimitFirst && code <= codeBusinessRateLimitLast:
		return ClassThrottled, ReasonBusinessRateLimited
	case code == codeAPIUnknown, code == codeAPIService:
		return ClassTransient, ReasonTemporary
	case code == codeBlocked:
		return ClassPermission, ReasonBlocked
	case code == codeInvalidParameter && subcode == subObjectMissing:
		return ClassInvalidRequest, ReasonObjectMissing
	case code == codeInvalidParameter, code == codeUnknownPath:
		return ClassInvalidRequest, ReasonInvalidParameter
	case code == codePersonUnavailable:
		return ClassInvalidRequest, ReasonPersonUnavailable
	case transient, httpStatus >= 500:
		return ClassTransient, ReasonTemporary
	case httpStatus == http.StatusTooManyRequests:
		return ClassThrottled, ReasonAppRateLimited
	}
	// A 401 without Facebook's code is no verdict either: Facebook's own
	// token errors carry code 190 (or 102, 104), and a bare 401 is as
	// likely a proxy on the way, which must not mark every Page Invalid.
	return ClassUnknown, ReasonUnknown
}

// flexInt accepts a JSON number or a numeric string: Facebook sends both for
// codes and IDs depending on the endpoint and version.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	if b[0] == '"' {
		// A quoted number: no escapes can occur in digits, so unquote by
		// trimming (and refuse anything else).
		if len(b) < 2 || b[len(b)-1] != '"' {
			return errors.New("not a number")
		}
		b = bytes.TrimSpace(b[1 : len(b)-1])
		if len(b) == 0 {
			return nil
		}
	}
	// The hot path (every code, count and timestamp): no reflection.
	if n, err := strconv.ParseInt(string(b), 10, 64); err == nil {
		*f = flexInt(n)
		return nil
	}
	fl, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return errors.New("not a number")
	}
	if fl > math.MaxInt64 || fl < math.MinInt64 || fl != fl {
		return errors.New("number out of range")
	}
	*f = flexInt(int64(fl))
	return nil
}

// flexBool accepts true/false and "true"/"false" (the Messenger guide shows
// {"success":"true"} where the reference says bool).
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch string(b) {
	case "true", `"true"`, `"1"`, "1":
		*f = true
		return nil
	case "false", `"false"`, `"0"`, "0", "null", `""`:
		*f = false
		return nil
	}
	return fmt.Errorf("not a boolean: %.20q", b)
}

// flexString accepts a string or a number (app_id, target_ids).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	if b[0] == '"' {
		if len(b) >= 2 && bytes.IndexByte(b[1:len(b)-1], '\\') < 0 && b[len(b)-1] == '"' {
			*f = flexString(b[1 : len(b)-1]) // no escapes: the common case
			return nil
		}
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexString(n.String())
	return nil
}

// graphErrorJSON is the {"error":{…}} envelope of §7.1, also the shape of
// debug_token's data.error (which says "subcode" instead of "error_subcode").
type graphErrorJSON struct {
	Message      string   `json:"message"`
	Type         string   `json:"type"`
	Code         flexInt  `json:"code"`
	ErrorSubcode flexInt  `json:"error_subcode"`
	Subcode      flexInt  `json:"subcode"`
	UserTitle    string   `json:"error_user_title"`
	UserMsg      string   `json:"error_user_msg"`
	TraceID      string   `json:"fbtrace_id"`
	IsTransient  flexBool `json:"is_transient"`
}

func (g *graphErrorJSON) toError(httpStatus int, sc scrubber) *Error {
	sub := int(g.ErrorSubcode)
	if sub == 0 {
		sub = int(g.Subcode)
	}
	e := &Error{
		HTTPStatus:  httpStatus,
		Code:        int(g.Code),
		Subcode:     sub,
		Type:        shorten(sc.scrub(g.Type), 80),
		Message:     shorten(sc.scrub(g.Message), maxKeptMessageBytes),
		UserTitle:   shorten(sc.scrub(g.UserTitle), maxKeptMessageBytes),
		UserMessage: shorten(sc.scrub(g.UserMsg), maxKeptMessageBytes),
		TraceID:     shorten(sc.scrub(g.TraceID), 80),
		IsTransient: bool(g.IsTransient),
	}
	e.Class, e.Reason = classify(httpStatus, e.Code, e.Subcode, e.IsTransient)
	return e
}

// decodeError turns a failed response into an *Error. It never fails: a body
// that is not Facebook's envelope still gives an *Error classified by HTTP
// status.
func decodeError(httpStatus int, body []byte, sc scrubber) *Error {
	if len(body) > maxBodyInspectedForErrorJSON {
		body = body[:maxBodyInspectedForErrorJSON]
	}
	var env struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &env) == nil && len(env.Error) > 0 {
		var g graphErrorJSON
		if json.Unmarshal(env.Error, &g) == nil {
			return g.toError(httpStatus, sc)
		}
		// Some old endpoints answer {"error":"text"}.
		var s string
		if json.Unmarshal(env.Error, &s) == nil {
			e := &Error{HTTPStatus: httpStatus, Message: shorten(sc.scrub(s), maxKeptMessageBytes)}
			e.Class, e.Reason = classify(httpStatus, 0, 0, false)
			return e
		}
	}
	e := &Error{HTTPStatus: httpStatus}
	e.Class, e.Reason = classify(httpStatus, 0, 0, false)
	if e.Reason == ReasonUnknown {
		// Not Facebook's error envelope and no status that says more.
		e.Reason = ReasonUnexpectedAnswer
	}
	if httpStatus >= 200 && httpStatus < 300 {
		e.Message = "unexpected answer from Facebook"
	} else {
		e.Message = "unexpected HTTP status " + strconv.Itoa(httpStatus)
	}
	return e
}

// hasErrorEnvelope reports whether a 2xx body is nonetheless an error
// envelope (Facebook occasionally answers 200 {"error":…}).
func hasErrorEnvelope(body []byte) bool {
	t := bytes.TrimLeft(body, " \t\r\n")
	if len(t) == 0 || t[0] != '{' || !bytes.Contains(t, []byte(`"error"`)) {
		return false
	}
	var env struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(t, &env) != nil || len(env.Error) == 0 || string(env.Error) == "null" {
		return false
	}
	// A real envelope has a code or a message.
	var g graphErrorJSON
	return json.Unmarshal(env.Error, &g) == nil && (g.Code != 0 || g.Message != "")
}

// transportError rewraps a failure of http.Client.Do. The *url.Error that Do
// returns prints the whole URL, whose query holds access_token for GETs, so
// only its inner error is kept, scrubbed, and the message names the method
// and path only.
func transportError(parent context.Context, method, path string, err error, sc scrubber) *Error {
	inner := err
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		inner = ue.Err
	}
	e := &Error{Class: ClassTransient, IsTransient: true, cause: safeCause(inner, sc)}
	what := method + " " + path
	var ne net.Error
	switch {
	case errors.Is(parent.Err(), context.Canceled) || errors.Is(inner, context.Canceled):
		e.Reason = ReasonCanceled
		e.Message = what + ": cancelled"
	case errors.Is(inner, context.DeadlineExceeded) || (errors.As(inner, &ne) && ne.Timeout()):
		e.Reason = ReasonTimeout
		e.Message = what + ": timed out"
	default:
		e.Reason = ReasonOffline
		e.Message = shorten(what+": "+sc.scrub(inner.Error()), maxKeptMessageBytes)
	}
	return e
}

// safeCause keeps errors.Is working for the context sentinels and net errors
// while guaranteeing that the chain prints no credential.
func safeCause(err error, sc scrubber) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if sc.contains(err.Error()) {
		return errors.New(sc.scrub(err.Error()))
	}
	return err
}

// shorten cuts s to at most n bytes on a rune boundary.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// scrubber removes credential values from text Facebook (or the network
// stack) hands back before that text is kept in an *Error.
type scrubber []string

func (s scrubber) scrub(text string) string {
	for _, v := range s {
		if len(v) >= 4 && strings.Contains(text, v) {
			text = strings.ReplaceAll(text, v, "(redacted)")
		}
	}
	return text
}

func (s scrubber) contains(text string) bool {
	for _, v := range s {
		if len(v) >= 4 && strings.Contains(text, v) {
			return true
		}
	}
	return false
}

package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// apiError is one Graph error (Meta's error-handling guide: the envelope
// with message, type, code, error_subcode, fbtrace_id).
type apiError struct {
	status    int // HTTP status outside a batch (default 400)
	code      int
	subcode   int
	typ       string // default OAuthException
	msg       string
	userTitle string
	userMsg   string
	transient bool
	auth      string // WWW-Authenticate error: invalid_token, invalid_request, invalid_code
}

func (e *apiError) httpStatus(inBatch bool) int {
	// The batch doc shows 403 for a token/permission error inside a batch.
	if inBatch && (e.code == 10 || e.code == 190 || e.code == 102 || e.code == 104 || (e.code >= 200 && e.code <= 299)) {
		return http.StatusForbidden
	}
	if e.status != 0 {
		return e.status
	}
	return http.StatusBadRequest
}

func (e *apiError) wwwAuthenticate() string {
	if e.auth == "" {
		return ""
	}
	return fmt.Sprintf(`OAuth "Facebook Platform" %q %q`, e.auth, e.msg)
}

func (f *Fake) errorBody(e *apiError) []byte {
	m := map[string]any{"message": e.msg, "type": e.typ, "code": e.code, "fbtrace_id": f.traceID()}
	if e.typ == "" {
		m["type"] = "OAuthException"
	}
	if e.subcode != 0 {
		m["error_subcode"] = e.subcode
	}
	if e.userTitle != "" {
		m["error_user_title"] = e.userTitle
	}
	if e.userMsg != "" {
		m["error_user_msg"] = e.userMsg
	}
	if e.transient {
		m["is_transient"] = true
	}
	b, _ := json.Marshal(map[string]any{"error": m})
	return b
}

// Canned errors with the messages the reference records.

func errParam(msg string) *apiError { return &apiError{code: 100, msg: msg} }

func errUnknownObject(id string) *apiError {
	return &apiError{code: 100, subcode: 33, typ: "GraphMethodException",
		msg: fmt.Sprintf("Unsupported get request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api", id)}
}

func errUnsupported(method, id string) *apiError {
	e := errUnknownObject(id)
	e.msg = strings.Replace(e.msg, "Unsupported get request", "Unsupported "+strings.ToLower(method)+" request", 1)
	return e
}

func errUnknownPath(p string) *apiError {
	return &apiError{code: 2500, msg: "Unknown path components: " + p}
}

func errNeedsPermission(perm string) *apiError {
	return &apiError{code: 200, msg: "(#200) Requires permission: " + perm}
}

func errNoToken(me bool) *apiError {
	if me {
		return &apiError{code: 2500, msg: "An active access token must be used to query information about the current user.", auth: "invalid_request"}
	}
	return &apiError{code: 104, msg: "An access token is required to request this resource.", auth: "invalid_request"}
}

func errInvalidToken() *apiError {
	return &apiError{code: 190, msg: "Invalid OAuth access token - Cannot parse access token", auth: "invalid_token"}
}

func errPageTokenRequired() *apiError {
	return &apiError{code: 210, msg: "(#210) A page access token is required to request this resource."}
}

func tokenErr(sub int, msg string) *apiError {
	return &apiError{code: 190, subcode: sub, msg: msg, auth: "invalid_token"}
}

// throttleError answers a throttled call (Meta's rate-limiting guide).
func throttleError(code int) *apiError {
	msgs := map[int]string{
		4:     "(#4) Application request limit reached",
		17:    "(#17) User request limit reached",
		32:    "(#32) Page request limit reached",
		613:   "(#613) Calls to this api have exceeded the rate limit.",
		80001: "(#80001) There have been too many calls to this Page account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
		80006: "(#80006) There have been too many messenger api calls to this Page account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
	}
	m, ok := msgs[code]
	if !ok {
		m = fmt.Sprintf("(#%d) Rate limit reached", code)
	}
	e := &apiError{code: code, msg: m, transient: true}
	if code == 613 {
		e.subcode = 1996
	}
	return e
}

// cannedError builds an injected error for InjectError, with the message
// Meta's docs or community reports record for the code (docs/FACEBOOK.md §6, §7).
func cannedError(code, sub int, appID string) *apiError {
	e := &apiError{code: code, subcode: sub}
	switch code {
	case 190:
		e.auth = "invalid_token"
		switch sub {
		case 458:
			e.msg = "Error validating access token: The user has not authorized application " + appID + "."
		case 459:
			e.msg = "Error validating access token: You cannot access the app till you log in to www.facebook.com and follow the instructions given."
		case 460:
			e.msg = "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons."
		case 463:
			e.msg = "Error validating access token: Session has expired."
		case 464:
			e.msg = "Error validating access token: Sessions for the user are not allowed because the user is not a confirmed user."
		case 467:
			e.msg = "Error validating access token: The session is invalid because the user logged out."
		case 492:
			e.msg = "Error validating access token: User associated with the Page access token does not have an appropriate role on the Page."
		case 493:
			e.msg = "The access token is invalid since the user hasn't engaged the app in longer than 90 days."
		default:
			e.msg = "Invalid OAuth access token."
		}
	case 102:
		e.msg = "Session key invalid or no longer valid"
		e.auth = "invalid_token"
	case 1:
		e.msg, e.transient, e.status = "An unknown error occurred", true, 500
	case 2:
		e.msg, e.transient, e.status = "An unexpected error has occurred. Please retry your request later.", true, 500
	case 10:
		// Send API subcodes: Meta's Messenger error-codes page (updated
		// 2026-03-18) and the Page restriction notice of 2026-06.
		switch sub {
		case 2018278, 2534022, 2018065:
			e.msg = "(#10) This message is sent outside of allowed window. Learn more about the new policy here: https://developers.facebook.com/docs/messenger-platform/policy-overview"
		case 2018108:
			e.msg = "(#10) This person isn't receiving messages from you right now."
		case 1893063:
			e.msg = "(#10) This Page is temporarily restricted from sending messages."
		default:
			e.msg = "(#10) Application does not have permission for this action"
		}
	case 100:
		if sub == 33 {
			return errUnknownObject("unknown")
		}
		e.msg = "(#100) Invalid parameter"
	case 200:
		e.msg = "(#200) Requires permission: pages_messaging"
		if sub == 1545041 {
			e.msg = "(#200) This person isn't available right now."
		}
	case 368:
		e.msg = "(#368) The action attempted has been deemed abusive or is otherwise disallowed"
	case 551:
		e.msg = "This person isn't available right now."
	case 1200:
		e.msg, e.transient = "Temporary send message failure. Please try again later.", true
	case 4, 17, 32, 613, 80001, 80002, 80006:
		t := throttleError(code)
		t.subcode = sub
		return t
	default:
		e.msg = fmt.Sprintf("(#%d) Injected error", code)
	}
	return e
}

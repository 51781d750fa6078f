package fb

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func envelope(code, sub int, msg string, extra map[string]any) []byte {
	m := map[string]any{"message": msg, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEf"}
	if sub != 0 {
		m["error_subcode"] = sub
	}
	for k, v := range extra {
		m[k] = v
	}
	b, _ := json.Marshal(map[string]any{"error": m})
	return b
}

// The messages are deliberately misleading: each one describes a different
// failure than its code, to prove that only code and subcode decide.
func TestDecodeErrorClassifiesByCodeOnly(t *testing.T) {
	cases := []struct {
		status, code, sub int
		msg               string
		class             Class
		reason            Reason
	}{
		{400, 190, 460, "Application request limit reached", ClassAuth, ReasonPasswordChanged},
		{400, 190, 458, "The session has been invalidated because the user changed their password", ClassAuth, ReasonAppRemoved},
		{400, 190, 463, "The user has not authorized application 1", ClassAuth, ReasonTokenExpired},
		{400, 190, 459, "Session has expired", ClassAuth, ReasonCheckpointed},
		{400, 190, 464, "(#4) Application request limit reached", ClassAuth, ReasonUnconfirmedUser},
		{400, 190, 467, "An unknown error occurred", ClassAuth, ReasonLoggedOut},
		{400, 190, 492, "This person isn't available right now.", ClassAuth, ReasonRoleLost},
		{400, 190, 493, "The session is invalid because the user logged out.", ClassAuth, ReasonDataAccessExpired},
		{400, 190, 0, "Requires permission: pages_messaging", ClassAuth, ReasonSessionInvalid},
		{400, 190, 12345, "Please retry your request later", ClassAuth, ReasonSessionInvalid},
		{400, 102, 0, "(#32) Page request limit reached", ClassAuth, ReasonSessionInvalid},
		{400, 104, 0, "temporarily", ClassAuth, ReasonSessionInvalid},
		{403, 10, 0, "The session has been invalidated because the user changed their password", ClassPermission, ReasonPermissionMissing},
		{400, 10, 2018278, "Error validating access token", ClassInvalidRequest, ReasonOutsideMessagingWindow},
		{403, 200, 0, "Access to this data is temporarily disabled for non-active apps", ClassPermission, ReasonPermissionMissing},
		{400, 210, 0, "Session has expired", ClassPermission, ReasonPermissionMissing},
		{400, 299, 0, "rate limit", ClassPermission, ReasonPermissionMissing},
		{400, 3, 0, "", ClassPermission, ReasonPermissionMissing},
		{400, 4, 0, "Error validating access token: password changed", ClassThrottled, ReasonAppRateLimited},
		{400, 341, 0, "", ClassThrottled, ReasonAppRateLimited},
		{400, 17, 0, "The user has not authorized application", ClassThrottled, ReasonUserRateLimited},
		{400, 32, 0, "(#200) Requires permission", ClassThrottled, ReasonPageRateLimited},
		{400, 613, 1996, "Object does not exist", ClassThrottled, ReasonCustomRateLimited},
		{400, 80001, 0, "Invalid OAuth access token", ClassThrottled, ReasonBusinessRateLimited},
		{400, 80002, 0, "", ClassThrottled, ReasonBusinessRateLimited},
		{400, 80006, 0, "", ClassThrottled, ReasonBusinessRateLimited},
		{500, 1, 0, "Error validating access token: Session has expired", ClassTransient, ReasonTemporary},
		{500, 2, 0, "(#10) Application does not have permission", ClassTransient, ReasonTemporary},
		{400, 368, 0, "Please retry later", ClassPermission, ReasonBlocked},
		{400, 100, 33, "Requires permission: pages_messaging", ClassInvalidRequest, ReasonObjectMissing},
		{400, 100, 0, "Unsupported get request. Object with ID 'x' does not exist", ClassInvalidRequest, ReasonInvalidParameter},
		{400, 100, 36009, "", ClassInvalidRequest, ReasonInvalidParameter},
		{400, 551, 0, "Error validating access token: logged out", ClassInvalidRequest, ReasonPersonUnavailable},
		{400, 2500, 0, "Invalid OAuth access token", ClassInvalidRequest, ReasonInvalidParameter},
		{503, 0, 0, "", ClassTransient, ReasonTemporary},
		// Not Facebook's envelope: no verdict, whatever the status.
		{401, 0, 0, "", ClassUnknown, ReasonUnexpectedAnswer},
		{400, 0, 0, "", ClassUnknown, ReasonUnexpectedAnswer},
		{200, 0, 0, "", ClassUnknown, ReasonUnexpectedAnswer},
		{400, 999999, 0, "Error validating access token: The session has been invalidated because the user changed their password", ClassUnknown, ReasonUnknown},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d_%d", tc.code, tc.sub), func(t *testing.T) {
			var body []byte
			if tc.code != 0 {
				body = envelope(tc.code, tc.sub, tc.msg, nil)
			}
			e := decodeError(tc.status, body, nil)
			if e.Class != tc.class || e.Reason != tc.reason {
				t.Fatalf("code %d/%d: got %v/%v, want %v/%v", tc.code, tc.sub, e.Class, e.Reason, tc.class, tc.reason)
			}
			if e.Code != tc.code || e.Subcode != tc.sub || e.HTTPStatus != tc.status {
				t.Fatalf("fields not kept: %+v", e)
			}
			s := e.Error()
			if tc.code != 0 && !strings.Contains(s, fmt.Sprintf("code %d", tc.code)) {
				t.Errorf("Error() %q lacks the code", s)
			}
			if tc.sub != 0 && !strings.Contains(s, fmt.Sprintf("subcode %d", tc.sub)) {
				t.Errorf("Error() %q lacks the subcode", s)
			}
			// The helpers agree with the class.
			var err error = fmt.Errorf("checking page: %w", e)
			if IsAuth(err) != (tc.class == ClassAuth) || IsThrottled(err) != (tc.class == ClassThrottled) ||
				IsTransient(err) != (tc.class == ClassTransient) || IsPermission(err) != (tc.class == ClassPermission) ||
				IsInvalidRequest(err) != (tc.class == ClassInvalidRequest) {
				t.Errorf("helpers disagree with class %v", tc.class)
			}
			if ReasonOf(err) != tc.reason {
				t.Errorf("ReasonOf = %v", ReasonOf(err))
			}
		})
	}
}

func TestDecodeErrorKeepsEveryField(t *testing.T) {
	body := envelope(190, 460, "msg", map[string]any{
		"error_user_title": "Title", "error_user_msg": "User message", "is_transient": false, "type": "OAuthException",
	})
	e := decodeError(400, body, nil)
	if e.Type != "OAuthException" || e.UserTitle != "Title" || e.UserMessage != "User message" || e.TraceID != "AbCdEf" || e.Message != "msg" {
		t.Fatalf("fields: %+v", e)
	}
	// Codes as strings (seen from some endpoints) are accepted too.
	e = decodeError(400, []byte(`{"error":{"code":"190","error_subcode":"463","message":"m"}}`), nil)
	if e.Reason != ReasonTokenExpired {
		t.Fatalf("string codes: %+v", e)
	}
	// is_transient with an unknown code is transient.
	e = decodeError(400, []byte(`{"error":{"code":12,"is_transient":true}}`), nil)
	if e.Class != ClassTransient {
		t.Fatalf("is_transient: %+v", e)
	}
	// Not an envelope at all.
	for _, b := range []string{"", "<html>bad gateway</html>", `{"error":null}`, `[1,2]`, `{"error":"boom"}`} {
		e := decodeError(502, []byte(b), nil)
		if e.Class != ClassTransient || e.HTTPStatus != 502 {
			t.Errorf("%q: %+v", b, e)
		}
	}
}

func TestErrorNeverShowsScrubbedSecrets(t *testing.T) {
	const secret = "EAAsentinelTOKENvalue123"
	body := envelope(190, 0, "Invalid OAuth access token: "+secret, map[string]any{"error_user_msg": "token " + secret})
	e := decodeError(400, body, scrubber{secret})
	all := e.Error() + fmt.Sprintf("%+v %#v", e, e)
	if strings.Contains(all, secret) {
		t.Fatalf("token leaked: %s", all)
	}
}

func TestReasonsHaveStableCodes(t *testing.T) {
	codes := map[string]Reason{}
	for _, r := range Reasons() {
		code := r.String()
		if code == "" || strings.ToLower(code) != code || strings.ContainsAny(code, " .") {
			t.Errorf("reason %d has the code %q; codes are lower_snake_case", r, code)
		}
		if o, dup := codes[code]; dup {
			t.Errorf("reasons %d and %d share the code %s", o, r, code)
		}
		codes[code] = r
	}
	if ReasonPasswordChanged.String() != "password_changed" {
		t.Errorf("code = %s", ReasonPasswordChanged)
	}
	if Reason(-1).String() != "unknown" || Reason(999).String() != "unknown" {
		t.Error("out-of-range reasons must fall back to unknown")
	}
	if ClassOf(errors.New("x")) != ClassUnknown || NeedsLogin(nil) {
		t.Error("non-*Error classification")
	}
}

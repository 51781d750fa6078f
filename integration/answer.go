package integration

// Answer is the JSON body an integration answers a delivery with. On 2xx it
// may name the fingerprint of the token it now holds for the event's Page
// (Pagekeeper then knows the integration has the current token); on an
// error it may say why with one of the Code… values, which Pagekeeper turns
// into advice for the owner ("the signing secrets differ"). Both are optional:
// a bare 200 is a delivered event.
type Answer struct {
	TokenFingerprint string       `json:"token_fingerprint,omitempty"`
	Error            *AnswerError `json:"error,omitempty"`
}

// AnswerError says why an integration refused a delivery.
type AnswerError struct {
	Code    string `json:"code"`
	Message string `json:"message,omitempty"`
}

// Answer codes: the reference receiver sends them, the client reads them.
const (
	CodeHeadersMissing   = "headers_missing"      // 401: not signed
	CodeHeadersInvalid   = "headers_invalid"      // 401: malformed webhook-id or webhook-timestamp
	CodeTimestampTooOld  = "timestamp_too_old"    // 401: outside the tolerance (a replay, or clocks apart)
	CodeTimestampTooNew  = "timestamp_too_new"    // 401: in the future (clocks apart)
	CodeSignatureInvalid = "signature_invalid"    // 401: wrong secret or changed body
	CodeReplayed         = "replayed"             // 409: this exact message was received already
	CodeBodyTooLarge     = "body_too_large"       // 413
	CodeEventInvalid     = "event_invalid"        // 422: breaks the contract
	CodeTokenUnopenable  = "token_unopenable"     // 422: sealed to another key
	CodeBusy             = "busy"                 // 503: try again later
	CodeHandlerFailed    = "handler_failed"       // 500: the integration could not process it; try again
	CodeNotPublished     = "status_not_published" // 404: this integration has no status endpoint
)

// codeAdvice is what the owner should do about a code the integration sent.
func codeAdvice(code string) string {
	switch code {
	case CodeHeadersMissing, CodeHeadersInvalid, CodeSignatureInvalid:
		return "the signing secret set in Pagekeeper is not the one the integration uses: copy it again"
	case CodeTimestampTooOld, CodeTimestampTooNew:
		return "the clocks of this computer and the integration's server differ by more than 5 minutes: set both to the correct time"
	case CodeTokenUnopenable:
		return "the integration cannot open the sealed token: the public key (age1…) set in Pagekeeper is not the integration's"
	case CodeEventInvalid:
		return "the integration does not accept the event's content: check that it follows docs/INTEGRATION.md"
	case CodeBodyTooLarge:
		return "the integration refuses events of this size"
	}
	return ""
}

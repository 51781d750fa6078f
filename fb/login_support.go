package fb

import "github.com/pagekeeper/pagekeeper/fb/token"

// DecodeError turns a failed answer of Facebook's token endpoint (read by
// another HTTP stack, such as golang.org/x/oauth2's *RetrieveError.Body) into
// an *Error classified like every Graph failure. The values of secrets (the
// authorization code, the PKCE verifier) are scrubbed from anything Facebook
// echoes back.
func DecodeError(httpStatus int, body []byte, secrets ...token.Token) *Error {
	var sc scrubber
	for _, s := range secrets {
		sc = append(sc, s.Reveal())
	}
	return decodeError(httpStatus, body, sc)
}

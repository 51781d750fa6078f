package sandbox

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"
)

// authCode is one authorization code from the dialog.
type authCode struct {
	clientID, redirectURI string
	userID                string
	challenge, method     string
	authType              string
	issued                time.Time
	used                  bool
	// system: the Login for Business configuration gives a business
	// integration system user token.
	system bool
}

func errBadSecret() *apiError {
	return &apiError{code: 1, msg: "Error validating client secret."}
}

// serveTokenEndpoint answers GET and POST /oauth/access_token
// (docs/FACEBOOK.md §1 "Code exchange", §4 "Tokens").
func (f *Fake) serveTokenEndpoint(w http.ResponseWriter, r *http.Request) {
	params, err := readParams(r)
	if err != nil {
		f.writeResponse(w, f.errResponse(errParam("(#100) Could not parse the request body"), false))
		return
	}
	// golang.org/x/oauth2 may send the client credentials with HTTP Basic.
	if id, secret, ok := r.BasicAuth(); ok {
		if params.Get("client_id") == "" {
			params.Set("client_id", id)
		}
		if params.Get("client_secret") == "" && secret != "" {
			params.Set("client_secret", secret)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	grantType := params.Get("grant_type")
	if grantType == "" {
		grantType = "authorization_code"
	}
	var body any
	var e *apiError
	switch grantType {
	case "authorization_code":
		body, e = f.codeGrant(params.Get("client_id"), params.Get("client_secret"), params.Get("code"),
			params.Get("redirect_uri"), params.Get("code_verifier"), params.Has("code_verifier"))
	case "fb_exchange_token":
		body, e = f.exchangeGrant(params.Get("client_id"), params.Get("client_secret"), params.Get("fb_exchange_token"))
	case "client_credentials":
		if e = f.checkClient(params.Get("client_id"), params.Get("client_secret"), true); e == nil {
			body = map[string]any{"access_token": f.appToken(), "token_type": "bearer"}
		}
	default:
		e = errParam("(#100) Unsupported grant_type: " + grantType)
	}
	if e == nil {
		f.stats.TokenExchanges[grantType]++
	}
	h := http.Header{}
	if e != nil {
		f.writeResponse(w, f.errResponseLocked(e, false, h))
		return
	}
	b, _ := json.Marshal(body)
	f.writeResponse(w, &response{status: http.StatusOK, header: h, body: b})
}

func (f *Fake) checkClient(id, secret string, secretRequired bool) *apiError {
	if id != f.opts.AppID {
		return &apiError{code: 101, msg: "Error validating application. Invalid application ID."}
	}
	if secret == "" && !secretRequired {
		return nil
	}
	if subtle.ConstantTimeCompare([]byte(secret), []byte(f.opts.AppSecret)) != 1 {
		return errBadSecret()
	}
	return nil
}

func (f *Fake) codeGrant(clientID, secret, code, redirectURI, verifier string, hasVerifier bool) (any, *apiError) {
	if e := f.checkClient(clientID, secret, false); e != nil {
		return nil, e
	}
	if code == "" {
		return nil, errParam("(#100) The parameter code is required")
	}
	if redirectURI == "" {
		return nil, &apiError{code: 191, msg: "Missing redirect_uri parameter."}
	}
	ac := f.codes[code]
	if ac == nil || ac.clientID != clientID {
		return nil, errParam("Invalid verification code format.")
	}
	if ac.used {
		return nil, &apiError{code: 100, subcode: 36009, msg: "This authorization code has been used.", auth: "invalid_code"}
	}
	if !f.clock.Now().Before(ac.issued.Add(f.opts.CodeTTL)) {
		return nil, &apiError{code: 100, subcode: 36007, msg: "This authorization code has expired."}
	}
	if redirectURI != ac.redirectURI {
		return nil, &apiError{code: 100, subcode: 36008, msg: "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request"}
	}
	switch {
	case ac.challenge != "":
		// A challenge was sent: the verifier is required, secret or not
		// (RFC 7636; expo/expo #15980 "Invalid code verifier").
		if !hasVerifier || !pkceMatches(ac.challenge, ac.method, verifier) {
			return nil, errParam("Invalid code verifier")
		}
	case hasVerifier:
		return nil, errParam("Invalid code verifier")
	}
	if secret == "" && (ac.challenge == "" || f.opts.RefuseSecretlessExchange) {
		// Meta documents the secretless exchange only for its OIDC flow
		// ("still in testing"); its Android SDK does it. Whether every app
		// may is not documented: Options.RefuseSecretlessExchange plays no.
		return nil, errMissingSecret()
	}
	ac.used = true
	if ac.system {
		t := f.issueSystemUser(ac.userID)
		return map[string]any{"access_token": t.value, "token_type": "bearer"}, nil
	}
	t := f.issueUser(ac.userID, false, ac.authType)
	return map[string]any{"access_token": t.value, "token_type": "bearer", "expires_in": int(ShortUserTokenTTL.Seconds())}, nil
}

// errMissingSecret is the answer to an exchange that needs the App Secret
// and lacks it (the form of "Missing client_id parameter.", code 101,
// quoted in nov/fb_graph #204).
func errMissingSecret() *apiError {
	return &apiError{code: 101, msg: "Missing client_secret parameter."}
}

// pkceMatches checks a verifier against the challenge (RFC 7636; Meta's
// Android SDK PKCEUtil.kt).
func pkceMatches(challenge, method, verifier string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	for _, r := range verifier {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_' || r == '~') {
			return false
		}
	}
	want := verifier
	if method == "S256" {
		sum := sha256.Sum256([]byte(verifier))
		want = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(challenge)) == 1
}

func (f *Fake) exchangeGrant(clientID, secret, input string) (any, *apiError) {
	if secret == "" {
		return nil, errMissingSecret()
	}
	if e := f.checkClient(clientID, secret, true); e != nil {
		return nil, e
	}
	if input == "" {
		return nil, errParam("(#100) The parameter fb_exchange_token is required")
	}
	t := f.tokens[input]
	if t == nil {
		return nil, errInvalidToken()
	}
	if e := f.checkToken(t); e != nil {
		return nil, e // an expired token can't be exchanged
	}
	if t.kind != kindUser || t.system {
		return nil, errParam("(#100) fb_exchange_token must be a user access token")
	}
	nt := f.issueUser(t.userID, true, t.authType)
	nt.seq = t.seq // revocations of the short-lived session cover its long-lived successor
	return map[string]any{"access_token": nt.value, "token_type": "bearer", "expires_in": int(LongUserTokenTTL.Seconds())}, nil
}

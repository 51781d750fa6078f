package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

const (
	alnum     = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	codeChars = alnum + "-_"
)

type tokenKind string

const (
	kindUser tokenKind = "USER"
	kindPage tokenKind = "PAGE"
	kindApp  tokenKind = "APP"
)

type tokenRec struct {
	value    string
	kind     tokenKind
	userID   string
	pageID   string
	parent   *tokenRec
	seq      uint64
	issued   time.Time
	expires  time.Time // zero: never
	long     bool
	authType string
	// system: a business integration system user token (a Login for
	// Business configuration's choice); it never expires.
	system bool
}

// randString draws n characters from the seeded generator. Callers hold f.mu.
func (f *Fake) randString(n int, alphabet string) string {
	var b strings.Builder
	b.Grow(n)
	for range n {
		b.WriteByte(alphabet[f.rng.IntN(len(alphabet))])
	}
	return b.String()
}

func (f *Fake) traceID() string {
	var b strings.Builder
	for range 11 {
		b.WriteByte(codeChars[f.traceRng.IntN(len(codeChars))])
	}
	return b.String()
}

func (f *Fake) appToken() string { return f.opts.AppID + "|" + f.opts.AppSecret }

// AppToken is the app access token "{app-id}|{app-secret}" (Meta's
// access-token guide); tests and the sandbox use it as Pagekeeper does
// when an App Secret is set.
func (f *Fake) AppToken() string { return f.appToken() }

// mayInspect reports whether a caller's token may use debug_token: an app
// token, or the user token of an admin or developer of the app
// (docs/FACEBOOK.md §4, nyaruka/rapidpro #3734). Callers hold f.mu.
func (f *Fake) mayInspect(t *tokenRec) bool {
	switch {
	case t.kind == kindApp:
		return true
	case t.kind == kindUser && !t.system:
		return f.opts.AppRole == RoleAdmin || f.opts.AppRole == RoleDeveloper
	}
	return false
}

// issueUser mints a user token. Callers hold f.mu.
func (f *Fake) issueUser(userID string, long bool, authType string) *tokenRec {
	f.seq++
	now := f.clock.Now()
	t := &tokenRec{value: "EAA" + f.randString(177, alnum), kind: kindUser, userID: userID, seq: f.seq,
		issued: now, long: long, authType: authType}
	if long {
		t.expires = now.Add(LongUserTokenTTL)
	} else {
		t.expires = now.Add(ShortUserTokenTTL)
	}
	f.tokens[t.value] = t
	f.userTokens[userID] = append(f.userTokens[userID], t)
	return t
}

// issueSystemUser mints a business integration system user token for the
// person who logged in: it does not expire, and neither do the Page tokens
// taken with it. Callers hold f.mu.
func (f *Fake) issueSystemUser(userID string) *tokenRec {
	t := f.issueUser(userID, true, "")
	t.system, t.expires = true, time.Time{}
	return t
}

// pageTokenFor returns the Page token derived from a user token, minting it
// once: a Page token from a long-lived user token never expires, one from a
// short-lived token lasts an hour (docs/FACEBOOK.md §4). Callers hold f.mu.
func (f *Fake) pageTokenFor(parent *tokenRec, pageID string) *tokenRec {
	key := parent.value + "/" + pageID
	if v, ok := f.pageTokCache[key]; ok {
		return f.tokens[v]
	}
	f.seq++
	now := f.clock.Now()
	t := &tokenRec{value: "EAA" + f.randString(177, alnum), kind: kindPage, userID: parent.userID, pageID: pageID,
		parent: parent, seq: parent.seq, issued: now, long: parent.long}
	if !parent.long {
		t.expires = now.Add(ShortPageTokenTTL)
	}
	f.tokens[t.value] = t
	f.pageTokCache[key] = t.value
	f.userTokens[parent.userID] = append(f.userTokens[parent.userID], t)
	return t
}

// lookupToken resolves a token string, including the literal app token.
func (f *Fake) lookupToken(v string) *tokenRec {
	if v == "" {
		return nil
	}
	if t := f.tokens[v]; t != nil {
		return t
	}
	if v == f.appToken() {
		return &tokenRec{value: v, kind: kindApp}
	}
	return nil
}

var pst = time.FixedZone("PST", -8*3600)

func fbTime(t time.Time) string { return t.In(pst).Format("Monday, 02-Jan-06 15:04:05 MST") }

// checkToken answers whether a token is usable now and, if not, with the
// error Graph gives (docs/FACEBOOK.md §6, subcodes of 190). Callers hold f.mu.
func (f *Fake) checkToken(t *tokenRec) *apiError {
	if t == nil {
		return errInvalidToken()
	}
	if t.kind == kindApp {
		return nil
	}
	u := f.users[t.userID]
	if u.checkpoint {
		return cannedError(190, 459, f.opts.AppID)
	}
	if u.unconfirmed {
		return cannedError(190, 464, f.opts.AppID)
	}
	for i := len(u.revocations) - 1; i >= 0; i-- {
		r := u.revocations[i]
		if t.seq <= r.seq {
			return tokenErr(r.subcode, r.msg)
		}
	}
	now := f.clock.Now()
	if !t.expires.IsZero() && !now.Before(t.expires) {
		return tokenErr(463, fmt.Sprintf("Error validating access token: Session has expired on %s. The current time is %s.", fbTime(t.expires), fbTime(now)))
	}
	if t.kind == kindPage {
		if u.roles[t.pageID] == nil {
			return cannedError(190, 492, f.opts.AppID)
		}
		if u.grant == nil || !u.grant.pages[t.pageID] {
			// The person unticked the Page in the dialog: Meta then treats
			// the app as having no access to it through this person.
			return tokenErr(492, "Error validating access token: The user has not granted application "+f.opts.AppID+" access to this Page.")
		}
	}
	if (t.kind == kindUser || f.opts.DataAccessExpiryBlocksPageTokens) && !now.Before(u.dataAccess) {
		// hello.js #548: 190/493 once data access lapsed.
		return cannedError(190, 493, f.opts.AppID)
	}
	return nil
}

// checkProof validates appsecret_proof (Meta's "Securing Graph API
// requests" guide).
func (f *Fake) checkProof(t *tokenRec, proof string) *apiError {
	if t == nil || t.kind == kindApp {
		return nil
	}
	if proof == "" {
		if f.opts.RequireAppSecretProof {
			return &apiError{code: 100, typ: "GraphMethodException", msg: "API calls from the server require an appsecret_proof argument"}
		}
		return nil
	}
	if !hmac.Equal([]byte(strings.ToLower(proof)), []byte(AppSecretProof(f.opts.AppSecret, t.value))) {
		return &apiError{code: 100, typ: "GraphMethodException", msg: "Invalid appsecret_proof provided in the API argument"}
	}
	return nil
}

// AppSecretProof computes appsecret_proof: lowercase hex HMAC-SHA256 of the
// token keyed with the app secret.
func AppSecretProof(secret, token string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))
}

// IssueUserToken mints a user token directly (tests that skip the dialog).
// It records a grant of scopes (plus public_profile) and of all the user's
// Pages if the user has never logged in, or adds scopes to the existing grant.
func (f *Fake) IssueUserToken(userID string, longLived bool, scopes []string) string {
	defer f.changing()()
	u := f.users[userID]
	if u == nil {
		return ""
	}
	now := f.clock.Now()
	if u.grant == nil {
		u.grant = &grant{perms: map[string]string{}, pages: map[string]bool{}, pagesChosen: true}
		for _, pid := range u.pageOrder {
			u.grant.pages[pid] = true
		}
	}
	u.grant.setPerm("public_profile", "granted")
	for _, s := range scopes {
		u.grant.setPerm(s, "granted")
	}
	if u.dataAccess.IsZero() || now.Before(u.dataAccess) {
		u.dataAccess = now.Add(DataAccessTTL)
	}
	return f.issueUser(userID, longLived, "").value
}

// PageToken returns the Page token the user token would get for pageID from
// /me/accounts, or "" if the user has no role on it.
func (f *Fake) PageToken(userToken, pageID string) string {
	defer f.changing()()
	t := f.tokens[userToken]
	if t == nil || t.kind != kindUser || f.users[t.userID].roles[pageID] == nil {
		return ""
	}
	return f.pageTokenFor(t, pageID).value
}

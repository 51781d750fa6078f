package sandbox

import (
	"math"
	"net/http"
	"slices"
	"strings"
	"time"
)

// faults are the injected conditions; Reset clears them.
type faults struct {
	offline    bool
	latency    time.Duration
	throttles  []throttleRule
	transients []countedRule
	injected   []injectRule
	nullOps    []countedRule
	blocked    map[string]bool // pageID+"/"+psid → Send API 551
}

type throttleRule struct {
	scope string
	code  int
	until time.Time
}

type countedRule struct {
	scope  string
	n      int
	status int
}

type injectRule struct {
	scope string
	n     int // <= 0: until Reset
	err   apiError
}

// ScopeBatch, used as the scope of FailNext, fails whole batch requests
// (HTTP 500 for the entire POST) instead of single calls or operations.
const ScopeBatch = "batch"

// matches reports whether a scope covers a call: "" is everything, "/…" a
// path prefix (version-less), anything else an ID: the object in the path,
// or the token's Page, user, or the token itself.
func matches(scope string, c *call, t *tokenRec) bool {
	switch {
	case scope == "":
		return true
	case scope == ScopeBatch:
		return false
	case strings.HasPrefix(scope, "/"):
		return strings.HasPrefix(c.path, scope)
	}
	if seg := firstSegment(c.path); seg == scope {
		return true
	}
	return t != nil && (t.pageID == scope || t.userID == scope || t.value == scope)
}

func firstSegment(p string) string {
	p = strings.TrimPrefix(p, "/")
	if i := strings.IndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return p
}

// preflight applies transient failures, throttles and injected errors to a
// call. Callers hold f.mu.
func (f *Fake) preflight(c *call, t *tokenRec) (e *apiError, throttled bool) {
	for i := range f.faults.transients {
		r := &f.faults.transients[i]
		if r.n > 0 && matches(r.scope, c, t) {
			r.n--
			return transientError(r.status), false
		}
	}
	now := f.clock.Now()
	for _, r := range f.faults.throttles {
		if now.Before(r.until) && matches(r.scope, c, t) {
			return throttleError(r.code), true
		}
	}
	for i := range f.faults.injected {
		r := &f.faults.injected[i]
		if r.n != 0 && matches(r.scope, c, t) {
			if r.n > 0 {
				r.n--
			}
			e := r.err
			return &e, false
		}
	}
	return nil, false
}

func transientError(status int) *apiError {
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if status == http.StatusInternalServerError {
		return &apiError{status: status, code: 1, msg: "An unknown error occurred", transient: true}
	}
	return &apiError{status: status, code: 2, msg: "An unexpected error has occurred. Please retry your request later.", transient: true}
}

// throttleRemaining is the largest remaining throttle window matching the call.
func (f *Fake) throttleRemaining(c *call, t *tokenRec) (time.Duration, bool) {
	now := f.clock.Now()
	var max time.Duration
	hit := false
	for _, r := range f.faults.throttles {
		if now.Before(r.until) && matches(r.scope, c, t) {
			hit = true
			if d := r.until.Sub(now); d > max {
				max = d
			}
		}
	}
	return max, hit
}

func minutesCeil(d time.Duration) int { return int(math.Ceil(d.Minutes())) }

// undoRec is what Reset does to take one injected fault back. It is data,
// not a closure, so that a saved sandbox (state.go) can be reset after a
// restart exactly as before it.
type undoRec struct {
	kind       undoKind
	user       *user
	page       *page
	revID      int           // undoRevocation, undoRemoveApp
	grant      *grant        // undoRemoveApp: the grant to put back; undoPermission: the grant changed
	role       *role         // undoRole
	pageID     string        // undoRole
	perm       string        // undoPermission
	had        bool          // undoPermission: the permission was in the grant
	old        string        // undoPermission: its status then
	expiries   []savedExpiry // undoExpiry
	flag       bool          // undoCheckpoint, undoUnconfirmed: the flag before
	sub        *subscription // undoWebhook
	dataAccess time.Time     // undoDataAccess
}

type undoKind string

const (
	undoRevocation  undoKind = "revocation"
	undoRemoveApp   undoKind = "app_removed"
	undoRole        undoKind = "role_lost"
	undoExpiry      undoKind = "token_expired"
	undoCheckpoint  undoKind = "checkpoint"
	undoUnconfirmed undoKind = "unconfirmed"
	undoPermission  undoKind = "permission_removed"
	undoWebhook     undoKind = "webhook_dropped"
	undoDataAccess  undoKind = "data_access_expired"
)

type savedExpiry struct {
	t   *tokenRec
	exp time.Time
}

func (f *Fake) addUndo(r undoRec) { f.undo = append(f.undo, r) }

// apply takes the fault back. Callers hold f.mu.
func (r *undoRec) apply() {
	u := r.user
	switch r.kind {
	case undoRevocation:
		u.dropRevocation(r.revID)
	case undoRemoveApp:
		u.dropRevocation(r.revID)
		if u.grant == nil {
			u.grant = r.grant
		}
	case undoRole:
		u.roles[r.pageID] = r.role
	case undoExpiry:
		for _, s := range r.expiries {
			s.t.expires = s.exp
		}
	case undoCheckpoint:
		u.checkpoint = r.flag
	case undoUnconfirmed:
		u.unconfirmed = r.flag
	case undoPermission:
		g := r.grant
		if r.had {
			g.perms[r.perm] = r.old
		} else {
			delete(g.perms, r.perm)
			g.permOrder = slices.DeleteFunc(g.permOrder, func(s string) bool { return s == r.perm })
		}
	case undoWebhook:
		if r.page.sub == nil {
			r.page.sub = r.sub
		}
	case undoDataAccess:
		u.dataAccess = r.dataAccess
	}
}

// changing locks f for a change and returns the unlock, which also tells a
// persistent sandbox to save soon: defer f.changing()().
func (f *Fake) changing() func() {
	f.mu.Lock()
	return func() {
		f.mu.Unlock()
		f.touch()
	}
}

func (f *Fake) revoke(u *user, sub int, msg string) int {
	f.revID++
	id := f.revID
	u.revocations = append(u.revocations, revocation{id: id, seq: f.seq, subcode: sub, msg: msg})
	return id
}

func (u *user) dropRevocation(id int) {
	u.revocations = slices.DeleteFunc(u.revocations, func(r revocation) bool { return r.id == id })
}

// ChangePassword invalidates the user's tokens and the Page tokens derived
// from them with 190/460. A new login works again.
func (f *Fake) ChangePassword(userID string) {
	defer f.changing()()
	u := f.users[userID]
	if u == nil {
		return
	}
	id := f.revoke(u, 460, cannedError(190, 460, "").msg)
	f.addUndo(undoRec{kind: undoRevocation, user: u, revID: id})
}

// RemoveApp de-authorises the app for the user (what DELETE /me/permissions
// does): tokens fail with 190/458 and the grant is gone until a new login.
func (f *Fake) RemoveApp(userID string) {
	defer f.changing()()
	u := f.users[userID]
	if u == nil {
		return
	}
	old := u.grant
	id := f.removeApp(u)
	f.addUndo(undoRec{kind: undoRemoveApp, user: u, revID: id, grant: old})
}

func (f *Fake) removeApp(u *user) int {
	u.grant = nil
	return f.revoke(u, 458, cannedError(190, 458, f.opts.AppID).msg)
}

// RemoveRole takes the user's role on the Page away: the Page leaves
// /me/accounts and its Page tokens from this user fail with 190/492.
func (f *Fake) RemoveRole(userID, pageID string) {
	defer f.changing()()
	u := f.users[userID]
	if u == nil || u.roles[pageID] == nil {
		return
	}
	old := u.roles[pageID]
	delete(u.roles, pageID)
	f.addUndo(undoRec{kind: undoRole, user: u, pageID: pageID, role: old})
}

// ExpireTokens makes every token of the user, Page tokens included, expire
// now (190/463).
func (f *Fake) ExpireTokens(userID string) {
	defer f.changing()()
	now := f.clock.Now()
	var olds []savedExpiry
	for _, t := range f.userTokens[userID] {
		if t.expires.IsZero() || t.expires.After(now) {
			olds = append(olds, savedExpiry{t, t.expires})
			t.expires = now
		}
	}
	f.addUndo(undoRec{kind: undoExpiry, expiries: olds})
}

// Checkpoint puts the user in a security checkpoint: every token fails with
// 190/459 and the dialog refuses to log in, until Reset.
func (f *Fake) Checkpoint(userID string) {
	f.setUserFlag(userID, undoCheckpoint, func(u *user) *bool { return &u.checkpoint })
}

// Unconfirm plays an unconfirmed account (190/464) until Reset.
func (f *Fake) Unconfirm(userID string) {
	f.setUserFlag(userID, undoUnconfirmed, func(u *user) *bool { return &u.unconfirmed })
}

func (f *Fake) setUserFlag(userID string, kind undoKind, field func(*user) *bool) {
	defer f.changing()()
	u := f.users[userID]
	if u == nil {
		return
	}
	p := field(u)
	old := *p
	*p = true
	f.addUndo(undoRec{kind: kind, user: u, flag: old})
}

// RemovePermission marks perm declined for the user, as if revoked in
// Facebook's settings: /me/permissions shows it declined and calls needing
// it answer (#200) Requires permission: perm.
func (f *Fake) RemovePermission(userID, perm string) {
	defer f.changing()()
	u := f.users[userID]
	if u == nil || u.grant == nil {
		return
	}
	g := u.grant
	old, had := g.perms[perm]
	g.setPerm(perm, "declined")
	f.addUndo(undoRec{kind: undoPermission, user: u, grant: g, perm: perm, had: had, old: old})
}

// DropWebhook removes the app's subscription to the Page, as Meta does
// after repeated delivery failures: subscribed_apps answers {"data":[]}.
func (f *Fake) DropWebhook(pageID string) {
	defer f.changing()()
	p := f.pages[pageID]
	if p == nil {
		return
	}
	old := p.sub
	p.sub = nil
	f.addUndo(undoRec{kind: undoWebhook, page: p, sub: old})
}

// ExpireDataAccess ends the user's 90-day data access now: user-token calls
// fail with 190/493 ("…hasn't engaged the app in longer than 90 days", ref
// §2.4, hello.js #548), /me/permissions shows "expired", debug_token's
// data_access_expires_at is in the past. A dialog login with
// auth_type=reauthorize renews it.
func (f *Fake) ExpireDataAccess(userID string) {
	defer f.changing()()
	u := f.users[userID]
	if u == nil {
		return
	}
	old := u.dataAccess
	u.dataAccess = f.clock.Now().Add(-time.Second)
	f.addUndo(undoRec{kind: undoDataAccess, user: u, dataAccess: old})
}

// Throttle rate-limits matching calls with code (4, 17, 32, 613, 80001,
// 80006) for DefaultThrottleFor on the Clock, with usage headers at 100%.
// scope is "" (all), a path prefix ("/me/accounts") or an ID (Page, user).
func (f *Fake) Throttle(scope string, code int) { f.ThrottleFor(scope, code, DefaultThrottleFor) }

// ThrottleFor is Throttle with an explicit window on the Clock.
func (f *Fake) ThrottleFor(scope string, code int, d time.Duration) {
	defer f.changing()()
	f.faults.throttles = append(f.faults.throttles, throttleRule{scope: scope, code: code, until: f.clock.Now().Add(d)})
}

// FailNext makes the next n matching calls fail with httpStatus (default
// 500) and a transient code 1 (500) or 2 (other statuses) body. Inside a
// batch, matching operations fail one by one; with scope ScopeBatch the
// whole batch POST fails instead.
func (f *Fake) FailNext(scope string, n int, httpStatus int) {
	defer f.changing()()
	f.faults.transients = append(f.faults.transients, countedRule{scope: scope, n: n, status: httpStatus})
}

// InjectError makes matching calls fail with code/subcode (with the message
// Meta's docs or community reports record for it): n times, or until Reset
// if n <= 0. It plays every code of docs/FACEBOOK.md §6 and the Send API
// failures of §7 (102, 190 without subcode, 464, 467, 10, 200, 368, 100/33,
// 1, 2, 551/1545041, 10/2018108, 1200, 10/1893063…).
func (f *Fake) InjectError(scope string, n int, code, subcode int) {
	defer f.changing()()
	if n <= 0 {
		n = -1
	}
	f.faults.injected = append(f.faults.injected, injectRule{scope: scope, n: n, err: *cannedError(code, subcode, f.opts.AppID)})
}

// NullBatchOps makes the next n matching batch operations come back as
// null, the way timed-out operations do (docs/FACEBOOK.md §6).
func (f *Fake) NullBatchOps(scope string, n int) {
	defer f.changing()()
	f.faults.nullOps = append(f.faults.nullOps, countedRule{scope: scope, n: n})
}

// BlockRecipient makes the Send API answer 551 "This person isn't available
// right now." for that person on that Page.
func (f *Fake) BlockRecipient(pageID, psid string) {
	defer f.changing()()
	if f.faults.blocked == nil {
		f.faults.blocked = map[string]bool{}
	}
	f.faults.blocked[pageID+"/"+psid] = true
}

// SetLatency adds d to every HTTP request (a batch counts once).
func (f *Fake) SetLatency(d time.Duration) {
	defer f.changing()()
	f.faults.latency = d
}

// SetOffline makes every connection close without an answer; /_sandbox/
// stays reachable so the sandbox menu can switch it back.
func (f *Fake) SetOffline(off bool) {
	defer f.changing()()
	f.faults.offline = off
}

// Reset clears every fault injected through this API (Go or /_sandbox/):
// it undoes password changes, app removals, role losses, expiries,
// checkpoints, permission removals, dropped webhooks and data-access
// expiries, and lifts throttles, transient failures, latency and offline.
// Changes made by the client itself (DELETE /me/permissions, unticking a
// Page in the dialog, subscriptions) and the clock stay as they are.
func (f *Fake) Reset() {
	defer f.changing()()
	for i := len(f.undo) - 1; i >= 0; i-- {
		f.undo[i].apply()
	}
	f.undo = nil
	f.faults = faults{}
}

// AddConversation records a message from psid to the Page at
// lastMessageAt, creating the conversation if needed; it opens the 24-hour
// window from that instant.
func (f *Fake) AddConversation(pageID, psid string, lastMessageAt time.Time) {
	defer f.changing()()
	f.addConversation(pageID, psid, lastMessageAt)
}

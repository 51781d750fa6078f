package keeper

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/integration"
	"github.com/pagekeeper/pagekeeper/store"
)

// ExpiryWarning is how long before a token or data access expires that a
// Page needs attention.
const ExpiryWarning = 14 * 24 * time.Hour

// storeBatch is how many Pages' results are written in one transaction,
// as soon as Facebook has answered all of them: one fsync per Page would
// cost more than the whole round on the network, one for the whole round
// would leave all the writing until the last answer.
const storeBatch = 500

// PageStatus is one Page's health as the window and the terminal show it.
type PageStatus struct {
	ID, Name string
	Status   Status
	Reason   Reason
	// Detail fills the explanation: missing fields or permissions (a
	// string), or a date (a Day, shown in the reader's language).
	Detail      any
	ReasonText  Text // the reason in a few words
	Explanation Text
	Action      Text
	Repair      Repair
	// Problems lists every Needs-attention reason found (Reason is the first).
	Problems    []Reason
	CheckedAt   time.Time
	StatusSince time.Time
	LastOKAt    time.Time
	// Previous is the status before this round; Changed whether it moved.
	Previous Status
	Changed  bool
	// UpdatedAt is when anything about the Page was last written.
	UpdatedAt time.Time
	// CleanupPending: disconnected here; Facebook's side is still to be cleaned up.
	CleanupPending bool
	// ConnectedBy is the Facebook account (user ID) that connected the Page.
	ConnectedBy string
	// NotReconfirmed is why the last round could not check this Page (a
	// could-not-check reason) while its Status, Invalid or Needs attention,
	// is the one a round last confirmed, at ConfirmedAt: a Page known to be
	// broken stays so until a round says otherwise. ReasonNone: the last
	// round confirmed the status.
	NotReconfirmed Reason
	ConfirmedAt    time.Time
	// Integration is where the Page's messages go and what that
	// integration has of it.
	Integration IntegrationState
}

// Totals counts Pages by status.
type Totals struct {
	Valid          int `json:"valid"`
	NeedsAttention int `json:"needs_attention"`
	Invalid        int `json:"invalid"`
	CouldNotCheck  int `json:"could_not_check"`
	Unchecked      int `json:"unchecked"`
	Disconnected   int `json:"disconnected"`
}

func (t *Totals) add(s Status) {
	switch s {
	case StatusValid:
		t.Valid++
	case StatusNeedsAttention:
		t.NeedsAttention++
	case StatusInvalid:
		t.Invalid++
	case StatusCouldNotCheck:
		t.CouldNotCheck++
	case StatusDisconnected:
		t.Disconnected++
	default:
		t.Unchecked++
	}
}

// Round is the outcome of one health round.
type Round struct {
	Started, Finished time.Time
	Pages             []PageStatus
	Totals            Totals
	// Throttled counts Pages Facebook throttled; RegainIn is how long
	// Facebook asked to wait (zero: it did not say).
	Throttled int
	RegainIn  time.Duration
	// Alerts sent (or queued) by this round.
	Alerts []Alert
	// Version is the Graph version radar at the end of the round.
	Version VersionStatus
	// Stored is false for a viewer (another process manages the folder):
	// the round was checked but nothing was recorded or alerted.
	Stored bool
	// Err is why a scheduled round failed (Run publishes failed rounds too,
	// so the window can say so and offer "Check now" again).
	Err error
}

func statusOfPage(p store.Page) PageStatus {
	r := Reason(p.Reason)
	ps := PageStatus{ID: p.ID, Name: p.Name, Status: Status(p.Status), Reason: r, CheckedAt: p.CheckedAt,
		StatusSince: p.StatusSince, LastOKAt: p.LastOKAt, Previous: Status(p.Status), UpdatedAt: p.UpdatedAt,
		CleanupPending: p.CleanupPending, ConnectedBy: p.ConnectedByFBID}
	if knownProblem(ps.Status) && p.NotReconfirmed != "" {
		ps.NotReconfirmed, ps.ConfirmedAt = Reason(p.NotReconfirmed), p.ConfirmedAt
	}
	ps.Detail = detailFor(r, p)
	ps.fillTexts()
	return ps
}

var (
	msgNotReconfirmed = msg("health.not_reconfirmed",
		"Not re-confirmed: the last check could not reach a verdict ({{.Reason}}). Last confirmed {{.When}}.")
	msgNotReconfirmedBefore = msg("health.not_reconfirmed_before",
		"Not re-confirmed: the last check could not reach a verdict ({{.Reason}}). Last confirmed before.")
	msgNotReconfirmedShort = msg("health.not_reconfirmed_short", "not re-confirmed")
)

// NoteShort is the note in two words, for a row of the Pages table (the
// Page's log says it in full).
func (ps PageStatus) NoteShort() Text {
	if ps.NotReconfirmed == ReasonNone {
		return Text{}
	}
	return msgNotReconfirmedShort.with()
}

// Note is the "could not check" note beside a kept status (empty when the
// last round confirmed it): what the window, `status` and `check` show
// next to it.
func (ps PageStatus) Note() Text {
	switch {
	case ps.NotReconfirmed == ReasonNone:
		return Text{}
	case ps.ConfirmedAt.IsZero():
		return msgNotReconfirmedBefore.with("Reason", ps.NotReconfirmed.Words())
	}
	return msgNotReconfirmed.with("Reason", ps.NotReconfirmed.Words(), "When", ps.ConfirmedAt.Local())
}

// knownProblem: the statuses a Page keeps through a round that could not
// check it.
func knownProblem(s Status) bool {
	return s == StatusInvalid || s == StatusNeedsAttention
}

// keepKnownProblem is issue 16 item 5: a transient error (throttled, 5xx,
// offline, an unexpected answer) must not hide a Page known to be broken.
// When the round could not check a Page whose status is a known problem,
// the verdict stays that status and reason, and notReconfirmed is why it
// could not be confirmed; otherwise v stands as it is.
func keepKnownProblem(p store.Page, v verdict) (kept verdict, notReconfirmed Reason) {
	if v.status != StatusCouldNotCheck || !knownProblem(Status(p.Status)) {
		return v, ReasonNone
	}
	r := Reason(p.Reason)
	return verdict{status: Status(p.Status), reason: r, detail: detailFor(r, p)}, v.reason
}

func (ps *PageStatus) fillTexts() {
	ps.ReasonText, ps.Explanation, ps.Action, ps.Repair = ps.Reason.Words(), ps.Reason.Explanation(ps.Detail), ps.Reason.Action(), ps.Reason.Repair()
	if ps.Reason == ReasonNone && ps.Status == StatusDisconnected && ps.CleanupPending {
		ps.Explanation = msgCleanupPendingWhy.with()
	}
}

var (
	msgCleanupPending    = msg("status.cleanup_pending", "Disconnected (Facebook clean-up pending)")
	msgCleanupPendingWhy = msg("reason.cleanup_pending",
		"Disconnected here; Pagekeeper will remove its webhook subscription on Facebook when Facebook can be reached.")
)

// Words is the Page's status in words ("Needs attention"); a disconnected
// Page whose clean-up on Facebook is still pending says so.
func (ps PageStatus) Words() Text {
	if ps.Status == StatusDisconnected && ps.CleanupPending {
		return msgCleanupPending.with()
	}
	return ps.Status.Words()
}

// detailOf is the verdict's detail, or else the one the stored facts give.
func (v verdict) detailOf(p store.Page) any {
	if v.detail != nil && v.detail != "" {
		return v.detail
	}
	return detailFor(v.reason, p)
}

// detailFor rebuilds an explanation's detail from the stored facts.
func detailFor(r Reason, p store.Page) any {
	switch r {
	case ReasonIntegrationFailing, ReasonIntegrationStale, ReasonIntegrationSilent:
		return p.Integration
	case ReasonWebhookFieldsMissing:
		return strings.Join(missingFields(p.WebhookFields, p.SubscribedFields), ", ")
	case ReasonDataAccessExpiring:
		return Day(p.DataAccessExpiresAt)
	case ReasonTokenExpiring:
		return Day(p.TokenExpiresAt)
	case ReasonPermissionRemoved, ReasonPermissionDeclined:
		// The Page permissions declined now (the round records them) or
		// never granted; empty when Facebook did not say which.
		var miss []string
		for _, s := range append(slices.Clone(requiredPermissions), p.Declined...) {
			lacking := slices.Contains(p.Declined, s) || !slices.Contains(p.Scopes, s)
			if isPagePermission(s) && lacking && !slices.Contains(miss, s) {
				miss = append(miss, s)
			}
		}
		return strings.Join(miss, ", ")
	}
	return ""
}

// verdict is the decision for one Page in a round.
type verdict struct {
	status   Status
	reason   Reason
	detail   any // fills the explanation's {{.Detail}}: a list, or a Day
	problems []Reason
}

// decide turns a Page's answers into a status and reason, from codes,
// subcodes and fields only. With an App Secret the token's own facts come
// from debug_token (asked with the app token); without one, whatever the
// Page token could still read is the evidence: an auth or permission error
// on the Page or its subscription is the answer, and the expiry Pagekeeper
// learnt at login is all it knows of the token's lifetime.
func decide(p store.Page, h fb.PageHealth, now time.Time) verdict {
	cnc := func(e *fb.Error) verdict {
		r := reasonOfError(e)
		if r.Status() != StatusCouldNotCheck {
			r = ReasonUnexpected
		}
		return verdict{status: StatusCouldNotCheck, reason: r}
	}
	bad := func(r Reason, detail any) verdict { return verdict{status: r.Status(), reason: r, detail: detail} }
	// broken: the answer is a real problem (Invalid or Needs attention).
	broken := func(e *fb.Error) (Reason, bool) {
		r := reasonOfError(e)
		s := r.Status()
		return r, s == StatusInvalid || s == StatusNeedsAttention
	}
	ti := h.Token
	expires, dataAccess := p.TokenExpiresAt, p.DataAccessExpiresAt
	switch {
	case h.Inspected && h.TokenErr == nil && !ti.Valid:
		if r, ok := broken(ti.Error); ok {
			return bad(r, "")
		}
		return cnc(ti.Error)
	case h.Inspected && h.TokenErr == nil:
		// A required scope missing from the token, or not covering this
		// Page in the granular scopes: the permission was removed.
		if len(ti.Scopes) > 0 {
			var miss []string
			for _, s := range requiredPermissions {
				if !ti.HasScope(s) || !grantCovers(ti.GranularScopes, s, p.ID) {
					miss = append(miss, s)
				}
			}
			if len(miss) > 0 {
				return bad(ReasonPermissionRemoved, strings.Join(miss, ", "))
			}
		}
		if !ti.DataAccessExpiresAt.IsZero() && !now.Before(ti.DataAccessExpiresAt) {
			return bad(ReasonDataAccessExpired, "")
		}
		if !ti.ExpiresAt.IsZero() && !now.Before(ti.ExpiresAt) {
			return bad(ReasonTokenExpired, "")
		}
		expires, dataAccess = ti.ExpiresAt, ti.DataAccessExpiresAt
	}
	// The Page read and the subscription: an auth or permission answer is
	// a real problem; anything else is "could not check".
	for _, e := range []*fb.Error{h.PageErr, h.SubErr} {
		if e == nil {
			continue
		}
		if r, ok := broken(e); ok {
			return bad(r, "")
		}
		return cnc(e)
	}
	if h.Inspected && h.TokenErr != nil {
		// The inspection itself failed (throttled, offline, the app token
		// refused): the reads worked, but the token's facts are unknown.
		return cnc(h.TokenErr)
	}

	var v verdict
	add := func(r Reason, detail any) {
		if len(v.problems) == 0 {
			v.reason, v.detail = r, detail
		}
		v.problems = append(v.problems, r)
	}
	if !h.Subscribed() {
		add(ReasonWebhookMissing, "")
	} else if miss := missingFields(p.WebhookFields, h.SubscribedFields()); len(miss) > 0 {
		add(ReasonWebhookFieldsMissing, strings.Join(miss, ", "))
	}
	if h.Page.Published != nil && !*h.Page.Published {
		add(ReasonPageUnpublished, "")
	}
	// Tasks are known only from the last login (a Page token cannot read
	// them): a role reduced since shows at the next renewal.
	if len(p.Tasks) > 0 && !fb.CapabilitiesOf(p.Tasks).CanMessage() {
		add(ReasonMessagingTaskMissing, "")
	}
	if h.Inspected {
		var lost []string
		for _, s := range p.Scopes {
			if isPagePermission(s) && !ti.HasScope(s) {
				lost = append(lost, s)
			}
		}
		if len(lost) > 0 {
			add(ReasonPermissionDeclined, strings.Join(lost, ", "))
		}
	}
	// (A date already past comes from the login's estimate: the reads just
	// worked, so the token has not expired.)
	if d := dataAccess; d.After(now) && d.Sub(now) < ExpiryWarning {
		add(ReasonDataAccessExpiring, Day(d))
	}
	if d := expires; d.After(now) && d.Sub(now) < ExpiryWarning {
		add(ReasonTokenExpiring, Day(d))
	}
	if len(v.problems) > 0 {
		v.status = StatusNeedsAttention
		return v
	}
	return verdict{status: StatusValid}
}

// isPagePermission: the permissions a Page connection uses (others, like
// business_management, belong to the person's login, not the Page token).
func isPagePermission(s string) bool { return strings.HasPrefix(s, "pages_") }

// grantCovers reports whether the granular scopes let scope act on the
// Page; no entry for the scope, or an entry without targets, covers all.
func grantCovers(gs []fb.GranularScope, scope, pageID string) bool {
	for _, g := range gs {
		if g.Scope == scope && len(g.TargetIDs) > 0 {
			return slices.Contains(g.TargetIDs, pageID)
		}
	}
	return true
}

// CheckNow runs a health round over the given Pages (none: every connected
// Page) and records, per Page, the status, reason, time, token facts,
// webhook fields and published state; a status change appends a
// "status_changed" event, and incidents and alerts follow (see alerts.go).
// Disconnected Pages are never checked. A viewer checks but records nothing.
func (k *Keeper) CheckNow(ctx context.Context, pageIDs ...string) (Round, error) {
	graph := k.facebook()
	// Rounds of one Keeper never overlap (the scheduler and "Check now"
	// may ask at once): their incident decisions must not race.
	hs := k.health()
	hs.roundMu.Lock()
	defer hs.roundMu.Unlock()

	round := Round{Started: k.now(), Stored: !k.readOnly()}
	want := map[string]bool{}
	for _, id := range pageIDs {
		want[id] = true
	}
	all, err := k.store.ConnectedPages(ctx)
	if err != nil {
		return round, err
	}
	var conn []store.Connected
	for _, c := range all {
		if len(want) == 0 || want[c.ID] {
			conn = append(conn, c)
		}
	}
	// Only Pages with a readable token are asked about; probed[j] is
	// probe j's Page in conn.
	var probes []fb.PageProbe
	var probed, unreadable []int
	for i, c := range conn {
		if c.Token.IsZero() {
			unreadable = append(unreadable, i)
		} else {
			probes = append(probes, fb.PageProbe{PageID: c.ID, Token: c.Token})
			probed = append(probed, i)
		}
	}
	results := make([]fb.PageHealth, len(conn))
	// Streamed: each group of storeBatch Pages is recorded (one
	// transaction) as soon as Facebook has answered all of it, while the
	// next groups are on the network.
	type group struct{ from, to int } // probes[from:to]
	answered := make(chan group, len(probes)/storeBatch+1)
	fetchCtx, stopFetch := context.WithCancel(ctx)
	defer stopFetch()
	fetched := make(chan error, 1)
	go func() {
		_, err := graph.CheckPagesEach(fetchCtx, token.Token{}, probes, storeBatch, func(from int, hs []fb.PageHealth) {
			for j, h := range hs {
				results[probed[from+j]] = h
			}
			answered <- group{from, from + len(hs)}
		})
		fetched <- err
		close(answered)
	}()
	// The integrations are judged while Facebook answers (integration_health.go).
	var findings map[string][]finding
	found := make(chan struct{})
	if !k.readOnly() {
		go func() {
			defer close(found)
			findings = k.integrationFindings(fetchCtx, conn, graph, round.Started)
		}()
	} else {
		close(found)
	}
	verdictOf := func(i int, p store.Page, now time.Time) verdict {
		if conn[i].Token.IsZero() {
			return verdict{status: StatusInvalid, reason: ReasonTokenUnreadable}
		}
		v := decide(p, results[i], now)
		if v.reason == ReasonThrottled {
			round.Throttled++
		}
		return withIntegration(v, findings[conn[i].ID])
	}
	regain := func() {
		if us := graph.Usage(); !us.At.Before(round.Started) {
			round.RegainIn = us.RegainIn()
		}
	}

	if k.readOnly() {
		<-found
		if err := <-fetched; err != nil {
			return round, err
		}
		ps, err := k.store.Pages(ctx)
		if err != nil {
			return round, err
		}
		byID := make(map[string]store.Page, len(ps))
		for _, p := range ps {
			byID[p.ID] = p
		}
		regain()
		now := k.now()
		for i, c := range conn {
			p, ok := byID[c.ID]
			if !ok {
				continue
			}
			v, notReconfirmed := keepKnownProblem(p, verdictOf(i, p, now))
			st := statusOfPage(p)
			st.Status, st.Reason, st.Detail, st.Problems, st.CheckedAt = v.status, v.reason, v.detailOf(p), v.problems, now
			st.NotReconfirmed, st.ConfirmedAt = notReconfirmed, time.Time{}
			if notReconfirmed != ReasonNone {
				st.ConfirmedAt = confirmedAt(p)
			}
			st.Changed = st.Status != st.Previous
			st.fillTexts()
			round.Pages = append(round.Pages, st)
			round.Totals.add(st.Status)
		}
		round.Finished = k.now()
		return round, nil
	}

	saved := 0 // Pages whose results are committed, for a round cut short
	fail := func(err error) (Round, error) {
		stopFetch()
		for range answered {
		}
		<-fetched
		<-found
		if saved > 0 {
			return round, &RoundSaveError{Saved: saved, Total: len(conn), Err: err}
		}
		return round, err
	}
	set := k.config().settings
	open, err := k.store.Incidents(ctx, "", true)
	if err != nil {
		return fail(err)
	}
	openBy := make(map[string]store.Incident, len(open))
	for _, inc := range open {
		openBy[inc.PageID] = inc
	}
	al := k.alertPlan(set)
	statuses := make([]*PageStatus, len(conn))
	alertsOf := make([][]Alert, len(conn))
	// recordPages reads the Pages inside the write transaction: a Page
	// written since the round started (renewed, resubscribed, disconnected)
	// is not recorded, as the answer is about what it was.
	recordPages := func(which []int) error {
		now := k.now()
		err := k.store.Update(ctx, func(tx *store.Tx) error {
			ids := make([]string, len(which))
			for j, i := range which {
				ids[j] = conn[i].ID
			}
			cur, err := tx.PagesByID(ids)
			if err != nil {
				return err
			}
			var unchanged []string
			for _, i := range which {
				p, ok := cur[conn[i].ID]
				switch {
				case !ok:
					continue
				case p.Revision != conn[i].Revision:
					st := statusOfPage(p)
					statuses[i] = &st
					continue
				}
				st, alerts, same, err := k.record(tx, p, results[i], verdictOf(i, p, now), now, openBy, al)
				if err != nil {
					return err
				}
				if err := k.recordFindings(tx, p, findings[p.ID], now); err != nil {
					return err
				}
				if same {
					unchanged = append(unchanged, p.ID)
				}
				statuses[i], alertsOf[i] = &st, alerts
			}
			return tx.MarkChecked(unchanged, now)
		})
		if err == nil {
			saved += len(which)
		}
		return err
	}
	<-found
	if len(unreadable) > 0 {
		if err := recordPages(unreadable); err != nil {
			return fail(err)
		}
	}
	for g := range answered {
		which := make([]int, 0, g.to-g.from)
		for j := g.from; j < g.to; j++ {
			which = append(which, probed[j])
		}
		if err := recordPages(which); err != nil {
			return fail(err)
		}
	}
	if err := <-fetched; err != nil {
		return round, err
	}
	regain()
	var pending []Alert
	// The Graph version radar rides on the round: one app-wide notice.
	var vinc *store.Incident
	if inc, ok := openBy[versionIncident]; ok {
		vinc = &inc
	}
	now := k.now()
	round.Version = GraphVersionStatus(set.GraphVersion, now)
	err = k.store.Update(ctx, func(tx *store.Tx) error {
		a, err := k.versionNotice(tx, set, now, vinc, al)
		pending = append(pending, a...)
		return err
	})
	if err != nil {
		return round, err
	}
	for i, st := range statuses {
		if st != nil {
			round.Pages = append(round.Pages, *st)
			round.Totals.add(st.Status)
			pending = append(pending, alertsOf[i]...)
		}
	}
	round.Alerts = pending
	k.fillIntegrationStates(ctx, round.Pages)
	k.notifyDesktop(ctx, pending)
	k.wakeDeliveries()
	k.DrainOutbox(ctx)
	k.DrainMail(ctx)
	round.Finished = k.now()
	if len(pageIDs) == 0 {
		// A full round tells the scheduler whether to back off; it is
		// noted before subscribers hear of the round.
		hs.noteRound(round)
	}
	hs.publish(round)
	return round, nil
}

// record stores one Page's verdict inside tx and decides its incident. A
// Page found as before (same facts, status and reason) is not written here:
// same is true and the caller marks all of those checked in one statement.
func (k *Keeper) record(tx *store.Tx, p store.Page, h fb.PageHealth, v verdict, now time.Time,
	openBy map[string]store.Incident, al alertPlan) (ps PageStatus, alerts []Alert, same bool, err error) {
	prev, prevSince, oldName := Status(p.Status), p.StatusSince, p.Name
	// Facts only from a complete, valid answer: a failed check says
	// nothing new about the token or the webhooks.
	changedFacts := false
	inspected := h.Inspected && h.TokenErr == nil && h.Token.Valid
	readsOK := !h.Inspected && h.PageErr == nil && h.SubErr == nil && h.Page.ID != ""
	if inspected || readsOK { // a failed check says nothing new
		q := p
		if inspected {
			ti := h.Token
			q.TokenType, q.TokenIssuedAt, q.TokenExpiresAt, q.DataAccessExpiresAt = ti.Type, ti.IssuedAt, ti.ExpiresAt, ti.DataAccessExpiresAt
			if len(ti.Scopes) > 0 {
				q.Scopes = mergeScopes(p.Scopes, ti.Scopes)
				q.Declined = declinedNow(p, ti)
			}
			q.GranularScopes = nil
			for _, g := range ti.GranularScopes {
				q.GranularScopes = append(q.GranularScopes, store.GranularScope{Scope: g.Scope, TargetIDs: g.TargetIDs})
			}
		}
		if h.SubErr == nil {
			q.SubscribedFields = h.SubscribedFields()
		}
		if h.PageErr == nil {
			if h.Page.Published != nil {
				q.IsPublished = *h.Page.Published
			}
			if h.Page.Name != "" {
				q.Name = h.Page.Name
			}
		}
		if !samePageFacts(p, q) {
			p, changedFacts = q, true
		}
	}
	// A Page unticked in Facebook's dialog answers as a lost role
	// (190/492); the login that saw it missing said which it was.
	if v.reason == ReasonRoleLost && Reason(p.Reason) == ReasonAccessRemoved {
		v.reason = ReasonAccessRemoved
	}
	v, notReconfirmed := keepKnownProblem(p, v)
	confirmed := time.Time{}
	if notReconfirmed != ReasonNone {
		confirmed = confirmedAt(p)
	}
	same = !changedFacts && v.status == prev && string(v.reason) == p.Reason && !p.StatusSince.IsZero() &&
		string(notReconfirmed) == p.NotReconfirmed && confirmed.Equal(p.ConfirmedAt)
	p.Status, p.Reason, p.CheckedAt = store.Status(v.status), string(v.reason), now
	p.NotReconfirmed, p.ConfirmedAt = string(notReconfirmed), confirmed
	if v.status != prev || p.StatusSince.IsZero() {
		p.StatusSince = now
	}
	if v.status == StatusValid {
		p.LastOKAt = now
	}
	if !same {
		if err := tx.UpsertPage(p); err != nil {
			return PageStatus{}, nil, false, err
		}
	}
	if oldName != "" && p.Name != oldName {
		if err := k.queueChanged(tx, p, []integration.Change{integration.ChangeName}, integration.Actor{Kind: integration.ActorPagekeeper}, now); err != nil {
			return PageStatus{}, nil, false, err
		}
	}
	ps = statusOfPage(p)
	ps.Detail, ps.Problems, ps.Previous, ps.Changed = v.detailOf(p), v.problems, prev, v.status != prev
	ps.fillTexts()
	if ps.Changed {
		if _, err := tx.AppendEvent(statusChangedEvent(p.ID, prev, v.status, v.reason, now)); err != nil {
			return PageStatus{}, nil, false, err
		}
		if err := k.queueStatusChanged(tx, p, prev, v.status, v.reason, v.detailOf(p), now); err != nil {
			return PageStatus{}, nil, false, err
		}
	}
	alerts, err = k.incidentStep(tx, p, ps, prev, prevSince, now, openBy, al)
	return ps, alerts, same, err
}

// confirmedAt is when a round last confirmed p's status: the time noted
// at the first round that could not, else its last check.
func confirmedAt(p store.Page) time.Time {
	if p.NotReconfirmed != "" {
		return p.ConfirmedAt
	}
	return p.CheckedAt
}

// statusChangedEvent is the history's line for a status change; the
// timeline (timeline.go) finds the changes by its kind.
func statusChangedEvent(pageID string, from, to Status, reason Reason, at time.Time) store.Event {
	detail := msgEventStatus.with("From", from.Words(), "To", to.Words())
	if reason != ReasonNone {
		detail = msgEventStatusWhy.with("From", from.Words(), "To", to.Words(), "Reason", reason.Words())
	}
	return newEvent(at, pageID, eventStatusChanged, detail)
}

// eventStatusChanged is the kind of a status change's event.
const eventStatusChanged = "status_changed"

// declinedNow is what the Page's connection lacks now, as the token's
// inspection says: a Page permission granted at connect that the token no
// longer has (or no longer has for this Page) is declined; one granted
// again is not. The log and the explanation then name it.
func declinedNow(p store.Page, ti fb.TokenInfo) []string {
	var out []string
	has := func(s string) bool { return ti.HasScope(s) && grantCovers(ti.GranularScopes, s, p.ID) }
	for _, s := range p.Declined {
		if !has(s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, s := range p.Scopes {
		if isPagePermission(s) && !has(s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// mergeScopes keeps the order of what was stored, adding new scopes: the
// stored list is what was granted at connect, which later rounds compare
// against to notice a declined permission, so removals are not dropped here.
func mergeScopes(stored, now []string) []string {
	out := slices.Clone(stored)
	for _, s := range now {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func samePageFacts(a, b store.Page) bool {
	return a.TokenType == b.TokenType && a.TokenIssuedAt.Equal(b.TokenIssuedAt) && a.TokenExpiresAt.Equal(b.TokenExpiresAt) &&
		a.DataAccessExpiresAt.Equal(b.DataAccessExpiresAt) && slices.Equal(a.Scopes, b.Scopes) && slices.Equal(a.Declined, b.Declined) &&
		slices.Equal(a.SubscribedFields, b.SubscribedFields) && a.IsPublished == b.IsPublished &&
		slices.Equal(a.Tasks, b.Tasks) && a.Name == b.Name && sameGranular(a.GranularScopes, b.GranularScopes)
}

func sameGranular(a, b []store.GranularScope) bool {
	return slices.EqualFunc(a, b, func(x, y store.GranularScope) bool {
		return x.Scope == y.Scope && slices.Equal(x.TargetIDs, y.TargetIDs)
	})
}

var (
	msgEventStatus    = msg("event.status_changed", "{{.From}} to {{.To}}")
	msgEventStatusWhy = msg("event.status_changed_reason", "{{.From}} to {{.To}}: {{.Reason}}")
)

// RenewAuthType is the auth_type the renewing login should use for these
// Pages: "reauthorize" when any has data access expired, "rerequest" when a
// required permission was declined or removed, "" otherwise.
func (k *Keeper) RenewAuthType(ctx context.Context, pageIDs ...string) string {
	out := ""
	for _, id := range pageIDs {
		p, err := k.store.Page(ctx, id)
		if err != nil {
			continue
		}
		switch Reason(p.Reason) {
		case ReasonDataAccessExpired:
			return "reauthorize"
		case ReasonPermissionRemoved, ReasonPermissionDeclined:
			out = "rerequest"
		}
	}
	return out
}

var msgResubscribeDone = msg("health.resubscribed",
	"Webhooks subscribed again ({{.Fields}}) and confirmed on Facebook.")

// Resubscribe subscribes the app to the Page's webhooks again with its
// preset, verifies by reading the subscription back, records it, and checks
// the Page again.
func (k *Keeper) Resubscribe(ctx context.Context, pageID string, actor Actor) (PageStatus, error) {
	if err := k.requireManager(); err != nil {
		return PageStatus{}, err
	}
	p, err := k.store.Page(ctx, pageID)
	if err != nil {
		return PageStatus{}, err
	}
	if p.Status == store.StatusDisconnected {
		return PageStatus{}, ErrAlreadyDisconnected
	}
	tok, err := k.store.Token(ctx, pageID)
	if err != nil {
		return PageStatus{}, problem(joined(" ", ReasonTokenUnreadable.Explanation(""), ReasonTokenUnreadable.Action()))
	}
	fields := p.WebhookFields
	if len(fields) == 0 {
		if fields, err = PresetFields(WebhookPreset(p.WebhookPreset), nil); err != nil {
			return PageStatus{}, err
		}
	}
	graph := k.facebook()
	if err := graph.Subscribe(ctx, pageID, tok, fields); err != nil {
		return PageStatus{}, err
	}
	apps, err := graph.SubscribedApps(ctx, pageID, tok)
	if err != nil {
		return PageStatus{}, err
	}
	var have []string
	for _, a := range apps {
		have = append(have, a.Fields...)
	}
	if miss := missingFields(fields, have); len(miss) > 0 {
		return PageStatus{}, problem(msgVerifyFailed.with("Fields", strings.Join(miss, ", ")))
	}
	now := k.now()
	err = k.store.Update(ctx, func(tx *store.Tx) error {
		q, err := tx.Page(pageID)
		if err != nil {
			return err
		}
		q.WebhookFields, q.SubscribedFields = fields, have
		if err := tx.UpsertPage(q); err != nil {
			return err
		}
		_, err = tx.AppendEvent(actor.event(pageID, "webhook_resubscribed", msgResubscribeDone.with("Fields", strings.Join(fields, ", ")), now))
		return err
	})
	if err != nil {
		return PageStatus{}, err
	}
	r, err := k.CheckNow(ctx, pageID)
	if err != nil || len(r.Pages) == 0 {
		return PageStatus{}, err
	}
	return r.Pages[0], nil
}

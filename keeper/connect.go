package keeper

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/store"
)

// Grant is what a Facebook login gave: who logged in, the user token (in
// memory only; Pagekeeper stores Page tokens, never the user token) and the
// permissions granted and declined.
type Grant struct {
	User              fb.User
	UserToken         token.Token
	Granted, Declined []string
	// Business: discover Pages of the person's businesses too.
	Business bool
	// ExpiresAt is when the user token expires (zero: unknown) and
	// LongLived whether it was exchanged for a ~60-day one. Page tokens do
	// not outlive the user token they come from; without an App Secret
	// nothing else tells when they expire.
	ExpiresAt time.Time
	LongLived bool
}

// requiredPermissions are what a connected Page needs from the login.
var requiredPermissions = []string{"pages_show_list", "pages_manage_metadata", "pages_messaging"}

// Candidate is one Page the login can reach, with whether it can be
// connected and, if not, why, in plain words.
type Candidate struct {
	ID, Name, Username string
	// Tasks are the person's tasks on the Page when Facebook reported them
	// (TasksKnown); a Page found through granular scopes or a business
	// comes without, and is judged by whether its Page token works.
	Tasks        []string
	TasksKnown   bool
	Connectable  bool
	WhyNot       Text // empty when Connectable
	Connected    bool // connected here before this login
	Selected     bool
	Preset       WebhookPreset
	CustomFields []string
	// Integration is where the Page's messages go once saved: the
	// integration it goes to now, else the default one ("" = none).
	Integration string

	page fb.Page
}

// Missing is a Page connected here that the new login does not reach
// (unticked in Facebook's dialog, or its role was lost). Nothing is applied
// until the owner takes one of the two ways out: log in again and select
// it, or confirm its disconnection.
type Missing struct {
	ID, Name  string
	Warning   Text
	Confirmed bool
}

// Warning is a consequence the owner must confirm before it happens.
type Warning struct {
	PageID, PageName string
	Text             Text
}

var (
	msgWhyNoToken = msg("connect.why.no_token",
		"Facebook did not give Pagekeeper access to this Page. Log in again and keep it selected in Facebook's dialog.")
	msgWhyNoMessaging = msg("connect.why.no_messaging",
		"Your role on this Page does not include messaging. Ask a Page admin to give you full control (or the Messages task).")
	msgWhyNoManage = msg("connect.why.no_manage",
		"Your role on this Page cannot change its settings. Ask a Page admin to give you full control (or the Moderate task).")
	msgWhyUnpublished = msg("connect.why.unpublished",
		"The Page is unpublished, so Messenger does not work for it. Publish it on Facebook first.")
	msgWhyDeclined = msg("connect.why.declined",
		"You declined the permission “{{.Permission}}” in Facebook's dialog. Log in again and allow it.")
	msgUntick = msg("connect.warn.untick",
		"{{.Name}} will stop receiving Messenger messages in your integration, and its bot stops answering.")
	msgMissing = msg("connect.warn.missing",
		"{{.Name}} was not ticked in Facebook's dialog (or your role on it changed), so Facebook has already removed Pagekeeper's access to it: it no longer receives Messenger messages in your integration and its bot stops answering. Log in again and keep it ticked, or disconnect it here.")
)

// Plan is a login's effect, worked out before anything is applied.
type Plan struct {
	Grant      Grant
	Actor      Actor
	Candidates []Candidate
	Missing    []Missing
	// Renew: this login renews existing connections (events say so).
	Renew bool

	unticked map[string]bool // connected Pages unticked here, awaiting confirmation
	drop     map[string]bool // disconnections the owner confirmed
}

// PlanConnect discovers the Pages the login reaches and reconciles them with
// what is connected. It changes nothing of what was chosen; it only records
// what the login already changed at Facebook (markAccessRemoved).
func (k *Keeper) PlanConnect(ctx context.Context, g Grant, actor Actor) (*Plan, error) {
	pages, err := k.facebook().DiscoverPages(ctx, g.UserToken, fb.DiscoverOptions{Business: g.Business})
	if err != nil {
		return nil, err
	}
	known, err := k.store.Pages(ctx)
	if err != nil {
		return nil, err
	}
	connected := map[string]store.Page{}
	for _, p := range known {
		if p.Status != store.StatusDisconnected {
			connected[p.ID] = p
		}
	}
	actor.FBUserID, actor.FBUserName = g.User.ID, g.User.Name
	plan := &Plan{Grant: g, Actor: actor, unticked: map[string]bool{}, drop: map[string]bool{}}
	declined := firstDeclined(g.Declined)
	seen := map[string]bool{}
	ints := k.integrations()
	before := map[string]string{} // where each known Page's messages went
	for _, p := range known {
		before[p.ID] = p.Integration
	}
	for _, p := range pages {
		c := Candidate{ID: p.ID, Name: p.Name, Username: p.Username, Tasks: p.Tasks, TasksKnown: p.TasksKnown, page: p, Preset: DefaultPreset,
			Integration: ints.defaultName()}
		if t, ok := ints.find(before[p.ID]); ok && !t.Removing {
			c.Integration = t.Name
		}
		if old, ok := connected[p.ID]; ok {
			c.Connected = true
			c.Preset, c.CustomFields = WebhookPreset(old.WebhookPreset), old.WebhookFields
			if c.Name == "" {
				c.Name = old.Name
			}
			c.Integration = old.Integration
			if t, ok := ints.find(old.Integration); !ok || t.Removing {
				c.Integration = ints.defaultName()
			}
		}
		c.WhyNot = whyNot(p, declined)
		c.Connectable = c.WhyNot.IsZero()
		// Previously connected Pages are preselected; on a first connect every
		// connectable Page is, since the owner just picked them in Facebook's dialog.
		c.Selected = c.Connectable && (c.Connected || len(connected) == 0)
		if c.Connected && c.Connectable {
			seen[p.ID] = true
		}
		plan.Candidates = append(plan.Candidates, c)
	}
	for _, p := range known {
		if _, ok := connected[p.ID]; ok && !seen[p.ID] {
			plan.Missing = append(plan.Missing, Missing{ID: p.ID, Name: p.Name, Warning: msgMissing.with("Name", p.Name)})
		}
	}
	if err := k.markAccessRemoved(ctx, plan.Missing); err != nil {
		return nil, err
	}
	return plan, nil
}

// markAccessRemoved records at once what the login already did at
// Facebook: a connected Page missing from it (unticked in Facebook's
// dialog) lost the app's access there, so it is Invalid now, with the
// advice that fits — whatever the owner does next, Cancel included.
func (k *Keeper) markAccessRemoved(ctx context.Context, missing []Missing) error {
	if len(missing) == 0 || k.viewer != nil {
		return nil
	}
	now := k.now()
	return k.store.Update(ctx, func(tx *store.Tx) error {
		for _, m := range missing {
			p, err := tx.Page(m.ID)
			if err != nil {
				return err
			}
			if p.Status == store.StatusDisconnected || Reason(p.Reason) == ReasonAccessRemoved {
				continue
			}
			prev := Status(p.Status)
			// The login confirms the status: no earlier one is kept unconfirmed.
			p.Status, p.Reason, p.NotReconfirmed, p.ConfirmedAt = store.Status(StatusInvalid), string(ReasonAccessRemoved), "", time.Time{}
			if prev != StatusInvalid {
				p.StatusSince = now
			}
			if err := tx.UpsertPage(p); err != nil {
				return err
			}
			if _, err := tx.AppendEvent(statusChangedEvent(p.ID, prev, StatusInvalid, ReasonAccessRemoved, now)); err != nil {
				return err
			}
			if prev != StatusInvalid {
				if err := k.queueStatusChanged(tx, p, prev, StatusInvalid, ReasonAccessRemoved, detailFor(ReasonAccessRemoved, p), now); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func firstDeclined(declined []string) string {
	for _, p := range requiredPermissions {
		if slices.Contains(declined, p) {
			return p
		}
	}
	return ""
}

// whyNot is the reason a Page cannot be connected, or the zero Text. Tasks
// count only when Facebook reported them: a Page whose tasks are unknown is
// judged by its Page token, and subscribing shows the rest.
func whyNot(p fb.Page, declinedPermission string) Text {
	caps := p.Capabilities()
	switch {
	case declinedPermission != "":
		return msgWhyDeclined.with("Permission", declinedPermission)
	case p.Problem != nil:
		return Describe(p.Problem)
	case p.AccessToken.IsZero():
		return msgWhyNoToken.with()
	case p.TasksKnown && !caps.CanMessage():
		return msgWhyNoMessaging.with()
	case p.TasksKnown && !caps.CanSubscribe():
		return msgWhyNoManage.with()
	case p.Published != nil && !*p.Published:
		return msgWhyUnpublished.with()
	}
	return Text{}
}

// Candidate returns the candidate with id.
func (p *Plan) Candidate(id string) (*Candidate, bool) {
	for i := range p.Candidates {
		if p.Candidates[i].ID == id {
			return &p.Candidates[i], true
		}
	}
	return nil, false
}

// ErrNotConnectable: the owner tried to select a Page that cannot be connected.
var ErrNotConnectable = errors.New("this Page cannot be connected")

// Select ticks or unticks a Page. Unticking a connected Page returns the
// warning the owner must confirm (ConfirmDisconnect) before Apply will run.
func (p *Plan) Select(id string, on bool) (*Warning, error) {
	c, ok := p.Candidate(id)
	if !ok {
		return nil, fmt.Errorf("page %s is not part of this login", id)
	}
	if on {
		if !c.Connectable {
			return nil, &TextError{Text: c.WhyNot, Err: ErrNotConnectable}
		}
		c.Selected = true
		delete(p.unticked, id)
		delete(p.drop, id)
		return nil, nil
	}
	c.Selected = false
	if !c.Connected {
		return nil, nil
	}
	p.unticked[id] = true
	return &Warning{PageID: id, PageName: c.Name, Text: msgUntick.with("Name", c.Name)}, nil
}

// SetPreset chooses the webhook fields for a Page.
func (p *Plan) SetPreset(id string, preset WebhookPreset, custom []string) error {
	c, ok := p.Candidate(id)
	if !ok {
		return fmt.Errorf("page %s is not part of this login", id)
	}
	if _, err := PresetFields(preset, custom); err != nil {
		return err
	}
	c.Preset, c.CustomFields = preset, custom
	return nil
}

// SetIntegration chooses where a Page's messages go once it is saved
// (NoIntegration: to none).
func (k *Keeper) SetIntegration(p *Plan, id, name string) error {
	c, ok := p.Candidate(id)
	if !ok {
		return fmt.Errorf("page %s is not part of this login", id)
	}
	if name == NoIntegration {
		c.Integration = ""
		return nil
	}
	t, ok := k.integrations().find(name)
	if !ok || t.Removing {
		return k.unknownIntegration(name)
	}
	c.Integration = t.Name
	return nil
}

// ConfirmDisconnect is the owner agreeing that a connected Page they
// unticked, or one missing from the login, will be disconnected.
func (p *Plan) ConfirmDisconnect(id string) error {
	if p.unticked[id] {
		p.drop[id] = true
		return nil
	}
	for i := range p.Missing {
		if p.Missing[i].ID == id {
			p.Missing[i].Confirmed = true
			p.drop[id] = true
			return nil
		}
	}
	return fmt.Errorf("page %s has nothing to confirm", id)
}

// Unconfirmed lists the consequences still waiting for the owner's answer.
func (p *Plan) Unconfirmed() []Warning {
	var out []Warning
	for _, c := range p.Candidates {
		if p.unticked[c.ID] && !p.drop[c.ID] {
			out = append(out, Warning{PageID: c.ID, PageName: c.Name, Text: msgUntick.with("Name", c.Name)})
		}
	}
	for _, m := range p.Missing {
		if !m.Confirmed {
			out = append(out, Warning{PageID: m.ID, PageName: m.Name, Text: m.Warning})
		}
	}
	return out
}

// NeedsConfirmationError: Apply refuses while a consequence is unconfirmed.
type NeedsConfirmationError struct{ Warnings []Warning }

func (e *NeedsConfirmationError) Error() string {
	var names []string
	for _, w := range e.Warnings {
		names = append(names, w.PageName)
	}
	return "nothing was changed: confirm what happens to " + strings.Join(names, ", ") + " first"
}

// Step is a stage of saving one Page.
type Step string

const (
	StepSubscribed   Step = "webhooks_subscribed"
	StepVerified     Step = "verified"
	StepSaved        Step = "saved"
	StepFailed       Step = "failed"
	StepDisconnected Step = "disconnected"
)

// Progress reports one Page's step while Apply runs.
type Progress struct {
	PageID, PageName string
	Step             Step
	Err              error
}

// Outcome is what Apply did to one Page.
type Outcome struct {
	PageID, PageName string
	Step             Step // StepSaved, StepFailed or StepDisconnected
	Err              error
	// CleanupPending: disconnected here; Facebook's side is still to be cleaned up.
	CleanupPending bool
}

// ApplyResult says per Page what happened.
type ApplyResult struct{ Pages []Outcome }

// Failed lists the Pages that could not be saved.
func (r ApplyResult) Failed() []Outcome {
	var out []Outcome
	for _, o := range r.Pages {
		if o.Step == StepFailed {
			out = append(out, o)
		}
	}
	return out
}

// Apply saves the plan: for each selected Page it subscribes the app to the
// Page's webhooks with its preset, reads the subscription back to verify it,
// and then, in one transaction, stores the sealed token, the Page's facts
// and permissions snapshot and the event. A crash leaves each Page either as
// it was or fully saved; one Page's failure does not stop the others.
// Confirmed disconnections run last.
func (k *Keeper) Apply(ctx context.Context, p *Plan, progress func(Progress)) (ApplyResult, error) {
	if err := k.requireManager(); err != nil {
		return ApplyResult{}, err
	}
	if w := p.Unconfirmed(); len(w) > 0 {
		return ApplyResult{}, &NeedsConfirmationError{Warnings: w}
	}
	if progress == nil {
		progress = func(Progress) {}
	}
	var res ApplyResult
	for i := range p.Candidates {
		c := &p.Candidates[i]
		if !c.Selected {
			continue
		}
		err := k.connectOne(ctx, p, c, progress)
		o := Outcome{PageID: c.ID, PageName: c.Name, Step: StepSaved, Err: err}
		if err != nil {
			o.Step = StepFailed
			progress(Progress{PageID: c.ID, PageName: c.Name, Step: StepFailed, Err: err})
		}
		res.Pages = append(res.Pages, o)
	}
	for _, id := range sortedKeys(p.drop) {
		pending, err := k.disconnect(ctx, id, p.Actor)
		o := Outcome{PageID: id, PageName: k.pageName(ctx, id), Step: StepDisconnected, Err: err, CleanupPending: pending}
		if err != nil {
			o.Step = StepFailed
		}
		progress(Progress{PageID: id, PageName: o.PageName, Step: o.Step, Err: err})
		res.Pages = append(res.Pages, o)
	}
	k.DrainOutbox(ctx)
	return res, nil
}

var msgVerifyFailed = msg("connect.verify_failed",
	"Facebook accepted the webhook subscription but does not show it (missing: {{.Fields}}). Try again in a minute.")

func (k *Keeper) connectOne(ctx context.Context, p *Plan, c *Candidate, progress func(Progress)) error {
	fields, err := PresetFields(c.Preset, c.CustomFields)
	if err != nil {
		return err
	}
	tok := c.page.AccessToken
	graph := k.facebook()
	if err := graph.Subscribe(ctx, c.ID, tok, fields); err != nil {
		return err
	}
	progress(Progress{PageID: c.ID, PageName: c.Name, Step: StepSubscribed})
	apps, err := graph.SubscribedApps(ctx, c.ID, tok)
	if err != nil {
		return err
	}
	var have []string
	for _, a := range apps {
		have = append(have, a.Fields...)
	}
	if miss := missingFields(fields, have); len(miss) > 0 {
		return problem(msgVerifyFailed.with("Fields", strings.Join(miss, ", ")))
	}
	progress(Progress{PageID: c.ID, PageName: c.Name, Step: StepVerified})

	now := k.now()
	page, err := k.store.Page(ctx, c.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	before, existed := page, err == nil // what the integrations were told of it
	page.ID, page.Name, page.Username, page.Category = c.ID, c.Name, c.page.Username, c.page.Category
	page.Link, page.PictureURL, page.Tasks = c.page.Link, c.page.PictureURL, c.page.Tasks
	page.IsPublished = c.page.Published == nil || *c.page.Published
	page.WebhookPreset, page.WebhookFields, page.SubscribedFields = store.WebhookPreset(c.Preset), fields, have
	page.Scopes, page.Declined = p.Grant.Granted, p.Grant.Declined
	page.ConnectedByFBID, page.ConnectedByFBName, page.ConnectedByOSUser = p.Actor.FBUserID, p.Actor.FBUserName, p.Actor.OSUser
	page.ConnectedAt, page.DisconnectedAt, page.CleanupPending = now, time.Time{}, false
	page.Status, page.Reason, page.StatusSince, page.CheckedAt, page.LastOKAt = store.StatusValid, "", now, now, now
	page.NotReconfirmed, page.ConfirmedAt = "", time.Time{}
	// Token facts: from debug_token with an App Secret; without one, what
	// the login says (a Page token does not outlive its user token, and
	// one from a short-lived login lasts about an hour).
	h := fb.PageHealth{PageID: c.ID, Page: fb.PageNode{ID: c.ID, Name: c.Name, Published: c.page.Published},
		Apps: []fb.SubscribedApp{{Fields: have}}}
	switch info, err := graph.InspectToken(ctx, tok); {
	case err == nil && info.Valid:
		h.Inspected, h.Token = true, info
		page.TokenType, page.TokenIssuedAt, page.TokenExpiresAt = info.Type, info.IssuedAt, info.ExpiresAt
		page.DataAccessExpiresAt = info.DataAccessExpiresAt
		page.GranularScopes = page.GranularScopes[:0]
		for _, g := range info.GranularScopes {
			page.GranularScopes = append(page.GranularScopes, store.GranularScope{Scope: g.Scope, TargetIDs: g.TargetIDs})
		}
	case errors.Is(err, fb.ErrCannotInspect):
		page.TokenType, page.TokenIssuedAt, page.TokenExpiresAt = "PAGE", now, time.Time{}
		if !p.Grant.LongLived && !p.Grant.ExpiresAt.IsZero() {
			page.TokenExpiresAt = p.Grant.ExpiresAt
		}
	default:
		// The inspection failed: "not checked yet" rather than failing a
		// connection that works.
		page.Status, page.CheckedAt = store.StatusUnchecked, time.Time{}
	}
	if page.Status == store.StatusValid {
		if v := decide(page, h, now); v.status != StatusValid {
			page.Status, page.Reason = store.Status(v.status), string(v.reason)
		}
	}

	kind, said := "page_connected", msgEventConnected
	if c.Connected || p.Renew {
		kind, said = "token_renewed", msgEventRenewed
	}
	detail := said.with("Fields", strings.Join(fields, ", "), "Preset", c.Preset.Words(),
		"Granted", listOrNone(p.Grant.Granted), "Declined", listOrNone(p.Grant.Declined))
	page.Integration = c.Integration
	set := k.integrations()
	err = k.store.Update(ctx, func(tx *store.Tx) error {
		var oldTok token.Token
		if existed {
			oldTok, _ = tx.Token(c.ID) // unreadable: handed over as new
		}
		if err := tx.UpsertPage(page); err != nil {
			return err
		}
		if err := tx.SaveToken(c.ID, tok); err != nil {
			return err
		}
		if _, err := tx.AppendEvent(p.Actor.event(c.ID, kind, detail, now)); err != nil {
			return err
		}
		return k.handOver(tx, set, before, existed, page, oldTok, tok, p.Actor, now)
	})
	if err != nil {
		return err
	}
	k.wakeDeliveries()
	progress(Progress{PageID: c.ID, PageName: c.Name, Step: StepSaved})
	return nil
}

// event is what a did, saying t (newEvent).
func (a Actor) event(pageID, kind string, t Text, at time.Time) store.Event {
	e := newEvent(at, pageID, kind, t)
	e.ActorFBID, e.ActorFBName, e.ActorOSUser = a.FBUserID, a.FBUserName, a.OSUser
	return e
}

var (
	msgEventConnected = msg("event.page_connected",
		"Connected with webhook fields {{.Fields}} ({{.Preset}} preset). Permissions granted: {{.Granted}}; declined: {{.Declined}}.")
	msgEventRenewed = msg("event.token_renewed",
		"Connection renewed; webhook fields {{.Fields}} ({{.Preset}} preset). Permissions granted: {{.Granted}}; declined: {{.Declined}}.")
)

// listOrNone is a list of codes (permissions, fields), or "none".
func listOrNone(xs []string) Text {
	if len(xs) == 0 {
		return msgNone.with()
	}
	return plain(strings.Join(xs, ", "))
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		if v {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func (k *Keeper) pageName(ctx context.Context, id string) string {
	if p, err := k.store.Page(ctx, id); err == nil && p.Name != "" {
		return p.Name
	}
	return id
}

package keeper

import (
	"github.com/pagekeeper/pagekeeper/fb"
)

// Reason is why a Page is not Valid, as a stable machine code (stored in
// pages.reason and incidents.reason). Each has a plain-language explanation,
// the one action that repairs it, and a machine Repair for the button.
type Reason string

// Repair is what repairs a reason, for the button next to the Page.
type Repair string

const (
	RepairNone Repair = ""
	// RepairResubscribe: one click, Pagekeeper subscribes the webhooks again (Resubscribe).
	RepairResubscribe Repair = "resubscribe"
	// RepairRenew: log in with Facebook again (PlanConnect/Apply with Plan.Renew).
	RepairRenew Repair = "renew"
	// RepairReauthorize: log in again with auth_type=reauthorize (data access expired).
	RepairReauthorize Repair = "reauthorize"
	// RepairRerequest: log in again with auth_type=rerequest (a permission was declined or removed).
	RepairRerequest Repair = "rerequest"
	// RepairFixOnFacebook: only the account owner can fix it on facebook.com, then renew.
	RepairFixOnFacebook Repair = "fix_on_facebook"
)

// Reasons. Invalid: the connection does not work. Needs attention: it works
// but something will break or is already missing. Could not check: Facebook
// or the network did not answer; never treated as broken.
const (
	ReasonNone Reason = ""

	ReasonTokenUnreadable   Reason = "token_unreadable"
	ReasonPasswordChanged   Reason = "password_changed"
	ReasonAppRemoved        Reason = "app_removed"
	ReasonRoleLost          Reason = "role_lost"
	ReasonTokenExpired      Reason = "token_expired"
	ReasonCheckpointed      Reason = "checkpointed"
	ReasonUnconfirmedUser   Reason = "unconfirmed_user"
	ReasonLoggedOut         Reason = "logged_out"
	ReasonSessionInvalid    Reason = "session_invalid"
	ReasonDataAccessExpired Reason = "data_access_expired"
	ReasonPermissionRemoved Reason = "permission_removed"
	ReasonPageMissing       Reason = "page_missing"
	// ReasonAccessRemoved: a connected Page was missing from a login (unticked
	// in Facebook's dialog): Facebook removed the app's access to it then.
	ReasonAccessRemoved Reason = "access_removed"

	ReasonWebhookMissing       Reason = "webhook_missing"
	ReasonWebhookFieldsMissing Reason = "webhook_fields_missing"
	ReasonPermissionDeclined   Reason = "permission_declined"
	ReasonDataAccessExpiring   Reason = "data_access_expiring"
	ReasonTokenExpiring        Reason = "token_expiring"
	ReasonPageUnpublished      Reason = "page_unpublished"
	ReasonMessagingTaskMissing Reason = "messaging_task_missing"
	ReasonBlocked              Reason = "blocked"

	ReasonThrottled  Reason = "throttled"
	ReasonTemporary  Reason = "temporary"
	ReasonOffline    Reason = "offline"
	ReasonTimeout    Reason = "timeout"
	ReasonUnexpected Reason = "unexpected_answer"
)

type reasonInfo struct {
	status      Status
	words       message // the reason in a few words
	explanation message
	action      message
	repair      Repair
}

var (
	actRenew = msg("health.action.renew",
		"Press Renew next to the Page and log in with Facebook again.")
	actWait = msg("health.action.wait",
		"Nothing to do: Pagekeeper tries again automatically.")
)

var reasonInfos = map[Reason]reasonInfo{
	ReasonTokenUnreadable: {StatusInvalid, msg("reason.token_unreadable.words", "token unreadable"),
		msg("reason.token_unreadable.explanation", "Pagekeeper cannot read the saved connection for this Page (its key changed or the data was damaged)."),
		msg("reason.token_unreadable.action", "Press Renew next to the Page and log in with Facebook again."), RepairRenew},
	ReasonPasswordChanged: {StatusInvalid, msg("reason.password_changed.words", "password changed"),
		msg("reason.password_changed.explanation", "Facebook ended the connection because the password of the account that connected this Page was changed."),
		actRenew, RepairRenew},
	ReasonAppRemoved: {StatusInvalid, msg("reason.app_removed.words", "app removed"),
		msg("reason.app_removed.explanation", "The account that connected this Page removed the app from its Facebook settings, so Facebook no longer accepts the connection."),
		msg("reason.app_removed.action", "Press Renew next to the Page, log in with Facebook and allow the app."), RepairRenew},
	// Facebook answers 190/492 both when the person's role on the Page was
	// removed and when the Page was unticked in Facebook's dialog at a
	// login (the app then has no access to it through that person): the
	// advice covers both, the common one (renew, keep it ticked) first.
	ReasonRoleLost: {StatusInvalid, msg("reason.role_lost.words", "no access to the Page"),
		msg("reason.role_lost.explanation", "Facebook no longer lets Pagekeeper manage this Page through the account that connected it: the Page was unticked in Facebook's dialog at a login, or that account's role on the Page was removed."),
		msg("reason.role_lost.action", "Press Renew, log in with Facebook and keep this Page ticked in Facebook's dialog. If Facebook does not list the Page, ask a Page admin to give that account its role back."), RepairRenew},
	ReasonAccessRemoved: {StatusInvalid, msg("reason.access_removed.words", "unticked in Facebook's dialog"),
		msg("reason.access_removed.explanation", "This Page was not ticked in Facebook's dialog at the last login, so Facebook removed Pagekeeper's access to it at once: it no longer receives Messenger messages in your integration."),
		msg("reason.access_removed.action", "Press Renew, log in with Facebook and keep this Page ticked in Facebook's dialog."), RepairRenew},
	ReasonTokenExpired: {StatusInvalid, msg("reason.token_expired.words", "connection expired"),
		msg("reason.token_expired.explanation", "The connection to Facebook has expired."),
		actRenew, RepairRenew},
	ReasonCheckpointed: {StatusInvalid, msg("reason.checkpointed.words", "account locked by Facebook"),
		msg("reason.checkpointed.explanation", "Facebook locked the account that connected this Page until its owner completes a security check."),
		msg("reason.checkpointed.action", "The account owner should log in at facebook.com and follow Facebook's instructions, then press Renew in Pagekeeper."), RepairFixOnFacebook},
	ReasonUnconfirmedUser: {StatusInvalid, msg("reason.unconfirmed_user.words", "account not confirmed"),
		msg("reason.unconfirmed_user.explanation", "The Facebook account that connected this Page has not been confirmed."),
		msg("reason.unconfirmed_user.action", "The account owner should log in at facebook.com and confirm the account, then press Renew in Pagekeeper."), RepairFixOnFacebook},
	ReasonLoggedOut: {StatusInvalid, msg("reason.logged_out.words", "logged out"),
		msg("reason.logged_out.explanation", "Facebook ended the connection because the account that connected this Page logged out of its session."),
		actRenew, RepairRenew},
	ReasonSessionInvalid: {StatusInvalid, msg("reason.session_invalid.words", "connection no longer valid"),
		msg("reason.session_invalid.explanation", "Facebook no longer accepts this Page's connection (it was revoked or is invalid)."),
		actRenew, RepairRenew},
	ReasonDataAccessExpired: {StatusInvalid, msg("reason.data_access_expired.words", "data access expired"),
		msg("reason.data_access_expired.explanation", "Facebook paused the app's access to this Page's data because the account that connected it has not confirmed the app for 90 days."),
		msg("reason.data_access_expired.action", "Press Renew next to the Page and log in with Facebook to confirm access again."), RepairReauthorize},
	ReasonPermissionRemoved: {StatusInvalid, msg("reason.permission_removed.words", "permission removed"),
		msg("reason.permission_removed.explanation", "A permission the connection needs ({{.Detail}}) was declined or removed in Facebook's settings."),
		msg("reason.permission_removed.action", "Press Renew next to the Page, log in with Facebook and allow every permission asked for."), RepairRerequest},
	ReasonPageMissing: {StatusInvalid, msg("reason.page_missing.words", "Page not found"),
		msg("reason.page_missing.explanation", "Facebook says this Page does not exist any more, or the connection may not see it."),
		msg("reason.page_missing.action", "Check on facebook.com that the Page still exists and that you manage it, then press Renew."), RepairRenew},

	ReasonWebhookMissing: {StatusNeedsAttention, msg("reason.webhook_missing.words", "not receiving messages"),
		msg("reason.webhook_missing.explanation", "The app is no longer subscribed to this Page's webhooks, so new Messenger messages do not reach your integration (Facebook drops a subscription after repeated delivery failures)."),
		msg("reason.webhook_missing.action", "Press Resubscribe next to the Page."), RepairResubscribe},
	ReasonWebhookFieldsMissing: {StatusNeedsAttention, msg("reason.webhook_fields_missing.words", "some webhook events missing"),
		msg("reason.webhook_fields_missing.explanation", "The Page's webhook subscription lacks events your integration needs: {{.Detail}}."),
		msg("reason.webhook_fields_missing.action", "Press Resubscribe next to the Page."), RepairResubscribe},
	ReasonPermissionDeclined: {StatusNeedsAttention, msg("reason.permission_declined.words", "permission declined"),
		msg("reason.permission_declined.explanation", "A permission granted when the Page was connected is no longer granted: {{.Detail}}. Some features stop working."),
		msg("reason.permission_declined.action", "Press Renew next to the Page, log in with Facebook and allow every permission asked for."), RepairRerequest},
	ReasonDataAccessExpiring: {StatusNeedsAttention, msg("reason.data_access_expiring.words", "data access ends soon"),
		msg("reason.data_access_expiring.explanation", "Facebook will pause the app's access to this Page's data on {{.Detail}} unless the connection is confirmed again."),
		msg("reason.data_access_expiring.action", "Press Renew next to the Page and log in with Facebook before that date."), RepairRenew},
	ReasonTokenExpiring: {StatusNeedsAttention, msg("reason.token_expiring.words", "connection expires soon"),
		msg("reason.token_expiring.explanation", "The connection to Facebook expires on {{.Detail}}."),
		msg("reason.token_expiring.action", "Press Renew next to the Page and log in with Facebook before that date."), RepairRenew},
	ReasonPageUnpublished: {StatusNeedsAttention, msg("reason.page_unpublished.words", "Page unpublished"),
		msg("reason.page_unpublished.explanation", "The Page is unpublished, so Messenger does not work for it."),
		msg("reason.page_unpublished.action", "Log in at facebook.com and publish the Page again."), RepairFixOnFacebook},
	ReasonMessagingTaskMissing: {StatusNeedsAttention, msg("reason.messaging_task_missing.words", "role lacks messaging"),
		msg("reason.messaging_task_missing.explanation", "The role of the account that connected this Page no longer includes messaging, so replies may fail."),
		msg("reason.messaging_task_missing.action", "Ask a Page admin on facebook.com to give that account full control (or the Messages task) again."), RepairFixOnFacebook},
	ReasonBlocked: {StatusNeedsAttention, msg("reason.blocked.words", "temporarily blocked"),
		msg("reason.blocked.explanation", "Facebook has temporarily blocked this Page or account, usually after a policy warning."),
		msg("reason.blocked.action", "Log in at facebook.com and read the notices on the Page and the account."), RepairFixOnFacebook},

	ReasonThrottled: {StatusCouldNotCheck, msg("reason.throttled.words", "Facebook asked to slow down"),
		msg("reason.throttled.explanation", "Facebook is limiting how many requests may be made right now, so this Page could not be checked."),
		actWait, RepairNone},
	ReasonTemporary: {StatusCouldNotCheck, msg("reason.temporary.words", "temporary Facebook problem"),
		msg("reason.temporary.explanation", "Facebook had a temporary problem and could not answer."),
		actWait, RepairNone},
	ReasonOffline: {StatusCouldNotCheck, msg("reason.offline.words", "could not reach Facebook"),
		msg("reason.offline.explanation", "Pagekeeper could not reach Facebook: this computer may be offline, or the network is blocking it."),
		msg("reason.offline.action", "Check the internet connection; Pagekeeper tries again automatically."), RepairNone},
	ReasonTimeout: {StatusCouldNotCheck, msg("reason.timeout.words", "no answer in time"),
		msg("reason.timeout.explanation", "Facebook did not answer in time."),
		actWait, RepairNone},
	ReasonUnexpected: {StatusCouldNotCheck, msg("reason.unexpected_answer.words", "unexpected answer"),
		msg("reason.unexpected_answer.explanation", "Facebook gave an answer Pagekeeper does not recognise, so it cannot tell whether this Page works."),
		msg("reason.unexpected_answer.action", "Nothing to do now: Pagekeeper tries again automatically. If it lasts, send the Page's diagnostics to support."), RepairNone},
}

func (r Reason) info() (reasonInfo, bool) {
	i, ok := reasonInfos[r]
	return i, ok
}

// Status is the status this reason gives a Page.
func (r Reason) Status() Status {
	if i, ok := r.info(); ok {
		return i.status
	}
	return StatusValid
}

// Words is the reason in a few words ("password changed").
func (r Reason) Words() Text {
	if i, ok := r.info(); ok {
		return i.words.with()
	}
	return Text{}
}

// Explanation says what happened; detail fills {{.Detail}} (missing
// fields or permissions, or a Day).
func (r Reason) Explanation(detail any) Text {
	if m, ok := explanationsWithoutDetail[r]; ok && (detail == nil || detail == "") {
		return m.with()
	}
	if i, ok := r.info(); ok {
		return i.explanation.with("Detail", detail)
	}
	return Text{}
}

// explanationsWithoutDetail are said when the detail is unknown (an error
// answer names no permission; without an App Secret Facebook says less),
// so no sentence shows an empty "()".
var explanationsWithoutDetail = map[Reason]message{
	ReasonPermissionRemoved: msg("reason.permission_removed.explanation_unknown",
		"A permission the connection needs was declined or removed in Facebook's settings."),
	ReasonPermissionDeclined: msg("reason.permission_declined.explanation_unknown",
		"A permission granted when the Page was connected is no longer granted. Some features stop working."),
	ReasonWebhookFieldsMissing: msg("reason.webhook_fields_missing.explanation_unknown",
		"The Page's webhook subscription lacks events your integration needs."),
}

// Action is the one thing that repairs it.
func (r Reason) Action() Text {
	if i, ok := r.info(); ok {
		return i.action.with()
	}
	return Text{}
}

// Repair is the machine form of Action.
func (r Reason) Repair() Repair {
	if i, ok := r.info(); ok {
		return i.repair
	}
	return RepairNone
}

// reasonOfError maps a classified Graph failure to a Reason: only the auth
// and permission classes (and "the Page is gone") make a Page Invalid or
// Needs attention; everything else is "could not check" (Chatwoot #3133:
// never mark for re-authorisation on every error). Decided from the class,
// code and subcode only, never from the message (Chatwoot #14729).
func reasonOfError(e *fb.Error) Reason {
	if e == nil {
		return ReasonNone
	}
	switch e.Reason {
	case fb.ReasonPasswordChanged:
		return ReasonPasswordChanged
	case fb.ReasonAppRemoved:
		return ReasonAppRemoved
	case fb.ReasonTokenExpired:
		return ReasonTokenExpired
	case fb.ReasonCheckpointed:
		return ReasonCheckpointed
	case fb.ReasonUnconfirmedUser:
		return ReasonUnconfirmedUser
	case fb.ReasonLoggedOut:
		return ReasonLoggedOut
	case fb.ReasonRoleLost:
		return ReasonRoleLost
	case fb.ReasonDataAccessExpired:
		return ReasonDataAccessExpired
	case fb.ReasonSessionInvalid:
		return ReasonSessionInvalid
	case fb.ReasonPermissionMissing:
		return ReasonPermissionRemoved
	case fb.ReasonBlocked:
		return ReasonBlocked
	case fb.ReasonObjectMissing:
		return ReasonPageMissing
	case fb.ReasonOffline:
		return ReasonOffline
	case fb.ReasonTimeout, fb.ReasonCanceled:
		return ReasonTimeout
	case fb.ReasonTemporary:
		return ReasonTemporary
	}
	switch e.Class {
	case fb.ClassAuth:
		return ReasonSessionInvalid
	case fb.ClassPermission:
		return ReasonPermissionRemoved
	case fb.ClassThrottled:
		return ReasonThrottled
	case fb.ClassTransient:
		return ReasonTemporary
	}
	return ReasonUnexpected
}

// failureTexts word the Facebook failures that are no Page's status: an
// action failed (a reply, a connection) for a reason the person can act on
// or wait out. The others are said with the Page reason they map to
// (reasonOfError), so each sentence is written once.
var failureTexts = map[fb.Reason][2]message{
	fb.ReasonUnknown: {msg("failure.unknown.explanation", "Facebook reported a problem Pagekeeper does not recognise."),
		msg("failure.unknown.action", "Try again later. If it keeps happening, log in with Facebook again.")},
	fb.ReasonPermissionMissing: {msg("failure.permission_missing.explanation", "The connection is missing a permission Pagekeeper needs, or it was declined or removed in Facebook's settings."),
		msg("failure.permission_missing.action", "Log in with Facebook again and keep every requested permission and Page selected.")},
	fb.ReasonOutsideMessagingWindow: {msg("failure.outside_messaging_window.explanation", "Facebook only allows replies within 24 hours of the person's last message, and that time has passed."),
		msg("failure.outside_messaging_window.action", "Wait until the person writes again, then reply.")},
	fb.ReasonAppRateLimited:      rateLimited,
	fb.ReasonUserRateLimited:     rateLimited,
	fb.ReasonPageRateLimited:     rateLimited,
	fb.ReasonCustomRateLimited:   rateLimited,
	fb.ReasonBusinessRateLimited: rateLimited,
	fb.ReasonObjectMissing: {msg("failure.object_missing.explanation", "Facebook says this Page or item does not exist, or this connection is not allowed to see it."),
		msg("failure.object_missing.action", "Check that the Page still exists and that the connecting account still manages it; if so, log in with Facebook again.")},
	fb.ReasonPersonUnavailable: {msg("failure.person_unavailable.explanation", "This person isn't available right now: they cannot receive messages from the Page."),
		msg("failure.person_unavailable.action", "Nothing to do for the connection; the person may be reachable later.")},
	fb.ReasonInvalidParameter: {msg("failure.invalid_parameter.explanation", "Facebook rejected a request from Pagekeeper as invalid."),
		msg("failure.invalid_parameter.action", "Try again later. If it keeps happening, report it to Pagekeeper's support.")},
	fb.ReasonCanceled: {msg("failure.canceled.explanation", "The request to Facebook was cancelled before it finished."),
		msg("failure.canceled.action", "Nothing to do, or start it again.")},
	fb.ReasonNotReceiving: {msg("failure.not_receiving.explanation", "This person is not receiving messages from the Page right now (they may have turned them off)."),
		msg("failure.not_receiving.action", "Nothing to do for the connection; reply when the person writes again.")},
	fb.ReasonSendFailedOrBlocked: {msg("failure.send_failed_or_blocked.explanation", "Facebook did not deliver the message: either it had a temporary problem, or this person has blocked messages from the Page."),
		msg("failure.send_failed_or_blocked.action", "Nothing to do for the connection: try again later; if it keeps failing for this person only, they have blocked the Page.")},
	fb.ReasonPageRestricted: {msg("failure.page_restricted.explanation", "Facebook has temporarily restricted this Page from sending messages."),
		msg("failure.page_restricted.action", "Log in at facebook.com and read the notices in the Page's Support Inbox; the restriction is lifted by Facebook, not by reconnecting.")},
}

// rateLimited: every kind of Facebook rate limit reads the same to a person.
var rateLimited = [2]message{msg("failure.rate_limited.explanation", "Facebook is limiting how many requests may be made right now."), actWait}

// explainFacebook says a Graph failure in words: its own, or those of the
// Page reason it maps to.
func explainFacebook(e *fb.Error) (what, todo Text) {
	if f, ok := failureTexts[e.Reason]; ok {
		return f[0].with(), f[1].with()
	}
	r := reasonOfError(e)
	return r.Explanation(""), r.Action()
}

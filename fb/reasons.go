package fb

// Reason is the specific cause of a failure, decided from Facebook's code and
// subcode (or from the transport failure). Each Reason has a stable
// translation key and an explanation and action a page owner understands.
type Reason int

const (
	ReasonUnknown Reason = iota
	ReasonPasswordChanged
	ReasonAppRemoved
	ReasonTokenExpired
	ReasonCheckpointed
	ReasonUnconfirmedUser
	ReasonLoggedOut
	ReasonRoleLost
	ReasonSessionInvalid
	ReasonPermissionMissing
	ReasonOutsideMessagingWindow
	ReasonDataAccessExpired
	ReasonAppRateLimited
	ReasonUserRateLimited
	ReasonPageRateLimited
	ReasonCustomRateLimited
	ReasonBusinessRateLimited
	ReasonTemporary
	ReasonBlocked
	ReasonObjectMissing
	ReasonPersonUnavailable
	ReasonInvalidParameter
	ReasonOffline
	ReasonTimeout
	ReasonCanceled
	ReasonNotReceiving
	ReasonSendFailedOrBlocked
	ReasonPageRestricted
	// ReasonUnexpectedAnswer: Facebook's answer was not what it documents
	// (unreadable, the wrong shape, a field a decision needs missing, too
	// large or too deep), so nothing can be concluded from it.
	ReasonUnexpectedAnswer
	reasonCount
)

type reasonText struct {
	key, short, explanation, action string
}

var reasonTexts = [reasonCount]reasonText{
	ReasonUnknown: {"unknown", "unexpected error",
		"Facebook reported a problem Pagekeeper does not recognise.",
		"Try again later. If it keeps happening, log in with Facebook again."},
	ReasonPasswordChanged: {"password_changed", "password changed",
		"Facebook ended this connection because the password of the account that connected it was changed.",
		"Renew the connection: log in with Facebook again."},
	ReasonAppRemoved: {"app_removed", "app removed",
		"The account that connected this Page removed Pagekeeper's app from its Facebook settings, so Facebook no longer accepts the connection.",
		"Log in with Facebook again and allow the app."},
	ReasonTokenExpired: {"token_expired", "token expired",
		"The connection to Facebook has expired.",
		"Renew the connection: log in with Facebook again."},
	ReasonCheckpointed: {"checkpointed", "account checkpointed",
		"Facebook has locked the account that connected this Page until its owner confirms something on facebook.com (a security check).",
		"The account owner should log in at facebook.com, follow Facebook's instructions, then log in with Facebook in Pagekeeper again."},
	ReasonUnconfirmedUser: {"unconfirmed_user", "account not confirmed",
		"The Facebook account that connected this Page has not been confirmed yet.",
		"The account owner should log in at facebook.com and confirm the account, then log in with Facebook in Pagekeeper again."},
	ReasonLoggedOut: {"logged_out", "logged out",
		"Facebook ended this connection because the account that connected it logged out of Facebook's session.",
		"Renew the connection: log in with Facebook again."},
	ReasonRoleLost: {"role_lost", "page role lost",
		"The account that connected this Page no longer has a role on the Page that allows managing it.",
		"Ask a Page admin to give that account its role back, or connect the Page with another admin's account."},
	ReasonSessionInvalid: {"session_invalid", "connection invalid",
		"Facebook no longer accepts this connection (it was revoked or is invalid).",
		"Renew the connection: log in with Facebook again."},
	ReasonPermissionMissing: {"permission_missing", "permission missing",
		"The connection is missing a permission Pagekeeper needs, or it was declined or removed in Facebook's settings.",
		"Log in with Facebook again and keep every requested permission and Page selected."},
	ReasonOutsideMessagingWindow: {"outside_messaging_window", "outside messaging window",
		"Facebook only allows replies within 24 hours of the person's last message, and that time has passed.",
		"Wait until the person writes again, then reply."},
	ReasonDataAccessExpired: {"data_access_expired", "data access expired",
		"Facebook paused this connection's access to Page data because the account that connected it has not confirmed the app for 90 days.",
		"Renew the connection: log in with Facebook again to confirm access."},
	ReasonAppRateLimited: {"app_rate_limited", "app rate limited",
		"Facebook is limiting how many requests Pagekeeper's app may make right now.",
		"Nothing to do: Pagekeeper will try again automatically in a little while."},
	ReasonUserRateLimited: {"user_rate_limited", "user rate limited",
		"Facebook is limiting how many requests this account may make right now.",
		"Nothing to do: Pagekeeper will try again automatically in a little while."},
	ReasonPageRateLimited: {"page_rate_limited", "page rate limited",
		"Facebook is limiting how many requests may be made for this Page right now.",
		"Nothing to do: Pagekeeper will try again automatically in a little while."},
	ReasonCustomRateLimited: {"custom_rate_limited", "rate limited",
		"Facebook is limiting this kind of request right now.",
		"Nothing to do: Pagekeeper will try again automatically in a little while."},
	ReasonBusinessRateLimited: {"business_rate_limited", "business rate limited",
		"Facebook is limiting how many requests may be made for this Page or business right now.",
		"Nothing to do: Pagekeeper will try again automatically in a little while."},
	ReasonTemporary: {"temporary", "temporary problem",
		"Facebook had a temporary problem and could not answer.",
		"Nothing to do: Pagekeeper will try again automatically."},
	ReasonBlocked: {"blocked", "temporarily blocked",
		"Facebook has temporarily blocked this action, usually after a policy warning on the account or Page.",
		"Check the notices on the Page and the account at facebook.com, then try again later."},
	ReasonObjectMissing: {"object_missing", "not found",
		"Facebook says this Page or item does not exist, or this connection is not allowed to see it.",
		"Check that the Page still exists and that the connecting account still manages it; if so, log in with Facebook again."},
	ReasonPersonUnavailable: {"person_unavailable", "person unavailable",
		"This person isn't available right now: they cannot receive messages from the Page.",
		"Nothing to do for the connection; the person may be reachable later."},
	ReasonInvalidParameter: {"invalid_parameter", "invalid request",
		"Facebook rejected a request from Pagekeeper as invalid.",
		"Try again later. If it keeps happening, report it to Pagekeeper's support."},
	ReasonOffline: {"offline", "could not reach Facebook",
		"Pagekeeper could not reach Facebook: this computer may be offline, or the network is blocking it.",
		"Check the internet connection. Pagekeeper will try again automatically."},
	ReasonTimeout: {"timeout", "timed out",
		"Facebook did not answer in time.",
		"Nothing to do: Pagekeeper will try again automatically."},
	ReasonCanceled: {"canceled", "cancelled",
		"The request to Facebook was cancelled before it finished.",
		"Nothing to do, or start it again."},
	ReasonNotReceiving: {"not_receiving", "person not receiving messages",
		"This person is not receiving messages from the Page right now (they may have turned them off).",
		"Nothing to do for the connection; reply when the person writes again."},
	ReasonSendFailedOrBlocked: {"send_failed_or_blocked", "message not delivered",
		"Facebook did not deliver the message: either it had a temporary problem, or this person has blocked messages from the Page.",
		"Nothing to do for the connection: try again later; if it keeps failing for this person only, they have blocked the Page."},
	ReasonPageRestricted: {"page_restricted", "Page restricted from messaging",
		"Facebook has temporarily restricted this Page from sending messages.",
		"Log in at facebook.com and read the notices in the Page's Support Inbox; the restriction is lifted by Facebook, not by reconnecting."},
	ReasonUnexpectedAnswer: {"unexpected_answer", "unexpected answer",
		"Facebook gave an answer Pagekeeper does not recognise (incomplete, too large or not what was asked for), so nothing could be concluded from it.",
		"Nothing to do now: Pagekeeper tries again automatically. If it lasts, send the diagnostics to support."},
}

func (r Reason) text() reasonText {
	if r < 0 || r >= reasonCount {
		return reasonTexts[ReasonUnknown]
	}
	return reasonTexts[r]
}

// Key is a stable identifier ("reason.password_changed") for translations
// and stored events; it never changes once released.
func (r Reason) Key() string { return "reason." + r.text().key }

// String is the short technical name used in Error().
func (r Reason) String() string { return r.text().key }

func (r Reason) short() string { return r.text().short }

// Explanation says, in plain English for a page owner, what happened.
func (r Reason) Explanation() string { return r.text().explanation }

// Action says what the page owner should do about it.
func (r Reason) Action() string { return r.text().action }

package fb

// Reason is the specific cause of a failure, decided from Facebook's code and
// subcode (or from the transport failure). It is a machine code only: the
// words a person reads are keeper's (its catalog), keyed by String.
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

// reasonNames are the stable codes of the reasons ("password_changed"):
// they name a failure in logs and errors, and keeper's catalog keys its
// sentences for people by them. They never change once released.
var reasonNames = [reasonCount]string{
	ReasonUnknown:                "unknown",
	ReasonPasswordChanged:        "password_changed",
	ReasonAppRemoved:             "app_removed",
	ReasonTokenExpired:           "token_expired",
	ReasonCheckpointed:           "checkpointed",
	ReasonUnconfirmedUser:        "unconfirmed_user",
	ReasonLoggedOut:              "logged_out",
	ReasonRoleLost:               "role_lost",
	ReasonSessionInvalid:         "session_invalid",
	ReasonPermissionMissing:      "permission_missing",
	ReasonOutsideMessagingWindow: "outside_messaging_window",
	ReasonDataAccessExpired:      "data_access_expired",
	ReasonAppRateLimited:         "app_rate_limited",
	ReasonUserRateLimited:        "user_rate_limited",
	ReasonPageRateLimited:        "page_rate_limited",
	ReasonCustomRateLimited:      "custom_rate_limited",
	ReasonBusinessRateLimited:    "business_rate_limited",
	ReasonTemporary:              "temporary",
	ReasonBlocked:                "blocked",
	ReasonObjectMissing:          "object_missing",
	ReasonPersonUnavailable:      "person_unavailable",
	ReasonInvalidParameter:       "invalid_parameter",
	ReasonOffline:                "offline",
	ReasonTimeout:                "timeout",
	ReasonCanceled:               "canceled",
	ReasonNotReceiving:           "not_receiving",
	ReasonSendFailedOrBlocked:    "send_failed_or_blocked",
	ReasonPageRestricted:         "page_restricted",
	ReasonUnexpectedAnswer:       "unexpected_answer",
}

// String is the reason's stable code ("password_changed"); a value out of
// range is "unknown".
func (r Reason) String() string {
	if r < 0 || r >= reasonCount {
		return reasonNames[ReasonUnknown]
	}
	return reasonNames[r]
}

// Reasons lists every reason, for a catalog that must word each.
func Reasons() []Reason {
	out := make([]Reason, reasonCount)
	for i := range out {
		out[i] = Reason(i)
	}
	return out
}

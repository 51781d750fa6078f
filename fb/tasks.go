package fb

// Capability is something a person may do on a Page. Facebook names a
// person's tasks on a Page with one of two families of names (Meta's enum
// pageassigned_users_tasks_enum_param, 27 values): the classic ones
// (MESSAGING, MANAGE, MODERATE, CREATE_CONTENT, …) and, on Pages on the New
// Pages Experience, the PROFILE_PLUS_ ones. This file is the one place that
// maps both to what Pagekeeper needs (docs/FACEBOOK.md §3).
type Capability uint8

const (
	// CapMessaging: answer people in Messenger (the Send API).
	CapMessaging Capability = 1 << iota
	// CapManage: manage the Page's settings.
	CapManage
	// CapModerate: moderate comments and conversations.
	CapModerate
	// CapCreateContent: publish as the Page.
	CapCreateContent

	capAll = CapMessaging | CapManage | CapModerate | CapCreateContent
)

var taskCapabilities = map[string]Capability{
	"MESSAGING":       CapMessaging,
	"PAGES_MESSAGING": CapMessaging,
	"MANAGE":          CapManage,
	"MODERATE":        CapModerate,
	"CREATE_CONTENT":  CapCreateContent,

	"PROFILE_PLUS_FULL_CONTROL":   capAll,
	"PROFILE_PLUS_MESSAGING":      CapMessaging,
	"PROFILE_PLUS_MANAGE":         CapManage,
	"PROFILE_PLUS_MODERATE":       CapModerate,
	"PROFILE_PLUS_CREATE_CONTENT": CapCreateContent,
}

// CapabilitiesOf is what the tasks allow, whichever family they use;
// unknown names allow nothing.
func CapabilitiesOf(tasks []string) Capability {
	var c Capability
	for _, t := range tasks {
		c |= taskCapabilities[t]
	}
	return c
}

// Has reports whether c includes any of want.
func (c Capability) Has(want Capability) bool { return c&want != 0 }

// CanMessage: the tasks allow answering in Messenger.
func (c Capability) CanMessage() bool { return c.Has(CapMessaging) }

// CanSubscribe: the tasks allow managing the app's webhook subscription
// ("a person who can perform the CREATE_CONTENT, MANAGE, or MODERATE task",
// Page subscribed_apps reference).
func (c Capability) CanSubscribe() bool { return c.Has(CapManage | CapModerate | CapCreateContent) }

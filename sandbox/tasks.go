package sandbox

// What a Page task lets a person do, as Meta decides it on its side: the
// fake's own answer, independent of the client's mapping in package fb so
// that one cannot hide a mistake in the other. Both families count
// (docs/FACEBOOK.md §3): the classic names and the New Pages Experience
// PROFILE_PLUS_ names (PROFILE_PLUS_FULL_CONTROL can do everything).
type capability uint8

const (
	capMessage capability = 1 << iota
	capManage
	capModerate
	capCreateContent
	capAll = capMessage | capManage | capModerate | capCreateContent
)

var taskCaps = map[string]capability{
	"MANAGE":                      capManage,
	"MESSAGING":                   capMessage,
	"PAGES_MESSAGING":             capMessage,
	"MODERATE":                    capModerate,
	"CREATE_CONTENT":              capCreateContent,
	"PROFILE_PLUS_FULL_CONTROL":   capAll,
	"PROFILE_PLUS_MANAGE":         capManage,
	"PROFILE_PLUS_MESSAGING":      capMessage,
	"PROFILE_PLUS_MODERATE":       capModerate,
	"PROFILE_PLUS_CREATE_CONTENT": capCreateContent,
}

// roleCan reports whether the role's tasks allow any of caps.
func roleCan(r *role, caps capability) bool {
	if r == nil {
		return false
	}
	for _, t := range r.tasks {
		if taskCaps[t]&caps != 0 {
			return true
		}
	}
	return false
}

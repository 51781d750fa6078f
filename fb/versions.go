package fb

import (
	"strconv"
	"strings"
	"time"
)

// Graph API versions and the day each stops working, as Meta's changelog
// publishes them (docs/FACEBOOK.md §8; read 2026-11-29). A version is
// available until two years after its successor's release, so the newest
// ones have no end date yet: they are listed with a zero time.
var graphVersionEnds = map[string]time.Time{
	"v20.0": date(2026, 9, 24), // ended
	"v21.0": date(2027, 1, 21),
	"v22.0": date(2027, 5, 20),
	"v23.0": date(2027, 10, 8),
	"v24.0": date(2028, 2, 18),
	"v25.0": date(2028, 7, 29),
	"v26.0": {}, // released 2026-07-29
	"v27.0": {}, // released 2026-11-04
}

// oldestKnownVersion: every version before it has ended.
const oldestKnownVersion = 20

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// VersionEnd is the day Graph API version v ("v25.0") stops working. known
// is false when Meta has not published it (the newest versions) or v is
// not a version Pagekeeper knows; versions older than the oldest listed
// have ended and report that one's end.
func VersionEnd(v string) (end time.Time, known bool) {
	v = strings.TrimSpace(v)
	if t, ok := graphVersionEnds[v]; ok {
		return t, !t.IsZero()
	}
	major, ok := versionMajor(v)
	if ok && major < oldestKnownVersion {
		return graphVersionEnds["v20.0"], true
	}
	return time.Time{}, false
}

func versionMajor(v string) (int, bool) {
	s, ok := strings.CutPrefix(v, "v")
	if !ok {
		return 0, false
	}
	m, _, ok := strings.Cut(s, ".")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(m)
	return n, err == nil
}

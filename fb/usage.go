package fb

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"time"
)

// UsageCounts is one usage report in whole percentages of the budget over
// Facebook's rolling window (X-App-Usage, X-Page-Usage).
type UsageCounts struct {
	CallCount    int
	TotalTime    int
	TotalCPUTime int
	// RegainIn is X-Page-Usage's estimated_time_to_regain_access (minutes on
	// the wire), zero when absent.
	RegainIn time.Duration
}

func (u UsageCounts) max() int { return max(u.CallCount, u.TotalTime, u.TotalCPUTime) }

// BusinessUsage is one entry of X-Business-Use-Case-Usage.
type BusinessUsage struct {
	ID           string // business object ID (for Page calls, presumably the Page)
	Type         string // pages, messenger, …
	CallCount    int
	TotalTime    int
	TotalCPUTime int
	RegainIn     time.Duration // estimated_time_to_regain_access (minutes on the wire)
}

// Usage is what Facebook last said about Pagekeeper's rate-limit budgets.
// Nil sections were not reported.
type Usage struct {
	App      *UsageCounts
	Page     *UsageCounts
	Business []BusinessUsage
	At       time.Time // when the newest part was observed
}

// Max is the highest percentage in any reported budget.
func (u Usage) Max() int {
	m := 0
	if u.App != nil {
		m = max(m, u.App.max())
	}
	if u.Page != nil {
		m = max(m, u.Page.max())
	}
	for _, b := range u.Business {
		m = max(m, b.CallCount, b.TotalTime, b.TotalCPUTime)
	}
	return m
}

// RegainIn is the longest estimated time until access is regained, as
// reported (relative to At).
func (u Usage) RegainIn() time.Duration {
	var d time.Duration
	if u.Page != nil {
		d = max(d, u.Page.RegainIn)
	}
	for _, b := range u.Business {
		d = max(d, b.RegainIn)
	}
	return d
}

// IsZero reports whether nothing was reported.
func (u Usage) IsZero() bool { return u.App == nil && u.Page == nil && len(u.Business) == 0 }

func (u Usage) clone() Usage {
	c := u
	if u.App != nil {
		a := *u.App
		c.App = &a
	}
	if u.Page != nil {
		p := *u.Page
		c.Page = &p
	}
	c.Business = append([]BusinessUsage(nil), u.Business...)
	return c
}

// add lays a newer report over u: sections present in n replace u's, and
// business entries replace those with the same ID and type. It works in
// place: a health round reports usage with every one of thousands of
// operations, and copying the whole report each time cost more than
// reading the answers.
func (u *Usage) add(n Usage) {
	if n.App != nil {
		a := *n.App
		u.App = &a
	}
	if n.Page != nil {
		p := *n.Page
		u.Page = &p
	}
	for _, b := range n.Business {
		u.Business = slices.DeleteFunc(u.Business, func(o BusinessUsage) bool { return o.ID == b.ID && o.Type == b.Type })
		u.Business = append(u.Business, b) // newest last
	}
	// One entry per Page would grow without bound over a round of thousands
	// of Pages. Keep maxBusinessEntries, dropping first the oldest entry
	// that neither asks to wait nor is near its limit.
	for len(u.Business) > maxBusinessEntries {
		drop := 0
		for i, b := range u.Business {
			if b.RegainIn == 0 && max(b.CallCount, b.TotalTime, b.TotalCPUTime) < usageHighWater {
				drop = i
				break
			}
		}
		u.Business = slices.Delete(u.Business, drop, drop+1)
	}
	if n.At.After(u.At) {
		u.At = n.At
	}
}

// maxBusinessEntries matches the most objects X-Business-Use-Case-Usage
// returns at once (Meta's rate-limiting guide: "up to 32 objects"; docs/FACEBOOK.md §6).
const maxBusinessEntries = 32

// usageJSON accepts numbers or numeric strings for every count.
type usageJSON struct {
	CallCount    flexInt `json:"call_count"`
	TotalTime    flexInt `json:"total_time"`
	TotalCPUTime flexInt `json:"total_cputime"`
	Type         string  `json:"type"`
	Regain       flexInt `json:"estimated_time_to_regain_access"`
}

// Facebook reports percentages; clamp so that a garbage header cannot make a
// retry wait for years.
const maxRegain = 24 * time.Hour

func pct(v flexInt) int { return int(min(max(v, 0), 1000)) }

func regain(v flexInt) time.Duration {
	if v <= 0 {
		return 0
	}
	if v > flexInt(maxRegain/time.Minute) {
		return maxRegain
	}
	return time.Duration(v) * time.Minute
}

func (j usageJSON) counts() UsageCounts {
	return UsageCounts{CallCount: pct(j.CallCount), TotalTime: pct(j.TotalTime), TotalCPUTime: pct(j.TotalCPUTime), RegainIn: regain(j.Regain)}
}

// ParseUsage reads X-App-Usage, X-Page-Usage and X-Business-Use-Case-Usage.
// Malformed headers are ignored (they are advisory); ok is false when none
// could be read.
func ParseUsage(h http.Header) (u Usage, ok bool) {
	if v := h.Get("X-App-Usage"); v != "" {
		var j usageJSON
		if json.Unmarshal([]byte(v), &j) == nil {
			c := j.counts()
			u.App = &c
		}
	}
	if v := h.Get("X-Page-Usage"); v != "" {
		var j usageJSON
		if json.Unmarshal([]byte(v), &j) == nil {
			c := j.counts()
			u.Page = &c
		}
	}
	if v := h.Get("X-Business-Use-Case-Usage"); v != "" {
		var m map[string][]usageJSON
		if json.Unmarshal([]byte(v), &m) == nil {
			ids := make([]string, 0, len(m))
			for id := range m {
				ids = append(ids, id)
			}
			sort.Strings(ids) // deterministic order for callers and tests
			for _, id := range ids {
				for _, j := range m[id] {
					c := j.counts()
					u.Business = append(u.Business, BusinessUsage{
						ID: id, Type: j.Type, CallCount: c.CallCount, TotalTime: c.TotalTime,
						TotalCPUTime: c.TotalCPUTime, RegainIn: c.RegainIn,
					})
				}
			}
		}
	}
	return u, !u.IsZero()
}

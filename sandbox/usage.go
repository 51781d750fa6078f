package sandbox

import (
	"encoding/json"
	"net/http"
)

// Usage headers (docs/FACEBOOK.md §6, Meta's rate-limiting guide): X-App-Usage for user and app tokens,
// X-Business-Use-Case-Usage (keyed by Page ID, type "pages") and the legacy
// X-Page-Usage for Page tokens. Percentages grow with the calls in the
// current hour of the Clock against a budget of usageBudget calls, and jump
// to 100 while throttled.
const usageBudget = 4800

type usageWindow struct {
	hour int64
	n    int
}

type appUsage struct {
	CallCount    int `json:"call_count"`
	TotalCPUTime int `json:"total_cputime"`
	TotalTime    int `json:"total_time"`
}

type bucUsage struct {
	Type                        string `json:"type"`
	CallCount                   int    `json:"call_count"`
	TotalCPUTime                int    `json:"total_cputime"`
	TotalTime                   int    `json:"total_time"`
	EstimatedTimeToRegainAccess int    `json:"estimated_time_to_regain_access"`
}

func (f *Fake) usagePercent(key string) int {
	hour := f.clock.Now().Unix() / 3600
	w := f.usage[key]
	if w == nil || w.hour != hour {
		w = &usageWindow{hour: hour}
		f.usage[key] = w
	}
	w.n++
	return min(99, w.n*100/usageBudget)
}

// usageHeaders counts the call against its usage windows and, unless h is
// nil (a batch operation whose headers are not returned), sets the headers.
func (f *Fake) usageHeaders(h http.Header, c *call, t *tokenRec, throttled bool) {
	regain := 0
	if throttled {
		d, _ := f.throttleRemaining(c, t)
		regain = minutesCeil(d)
	}
	pct := func(key string) appUsage {
		p := f.usagePercent(key)
		if throttled {
			p = 100
		}
		return appUsage{CallCount: p, TotalCPUTime: p / 2, TotalTime: p / 2}
	}
	switch t.kind {
	case kindPage:
		u := pct("page:" + t.pageID)
		if h == nil {
			return
		}
		buc := map[string][]bucUsage{t.pageID: {{Type: "pages", CallCount: u.CallCount, TotalCPUTime: u.TotalCPUTime,
			TotalTime: u.TotalTime, EstimatedTimeToRegainAccess: regain}}}
		h.Set("X-Business-Use-Case-Usage", jsonString(buc))
		h.Set("X-Page-Usage", jsonString(u))
	default:
		u := pct("app")
		if h == nil {
			return
		}
		h.Set("X-App-Usage", jsonString(u))
		if throttled {
			if p := firstSegment(c.path); f.pages[p] != nil {
				h.Set("X-Page-Usage", jsonString(appUsage{100, 100, 100}))
			}
		}
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

package fb

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestParseUsage(t *testing.T) {
	h := http.Header{}
	h.Set("x-app-usage", `{"call_count": 28, "total_time": 25, "total_cputime": 25}`)
	h.Set("x-business-use-case-usage", `{"10153848260347724":[{"type":"pages","call_count":97,"total_cputime":23,"total_time":23,"estimated_time_to_regain_access":0}],
		"2":[{"type":"messenger","call_count":"12","total_cputime":1,"total_time":1,"estimated_time_to_regain_access":7}]}`)
	h.Set("X-Page-Usage", `{"call_count":5,"total_cputime":91,"total_time":2}`)
	u, ok := ParseUsage(h)
	if !ok || u.App.CallCount != 28 || u.App.TotalTime != 25 || u.Page.TotalCPUTime != 91 || len(u.Business) != 2 {
		t.Fatalf("usage = %+v", u)
	}
	if b := u.Business[0]; b.ID != "10153848260347724" || b.Type != "pages" || b.CallCount != 97 {
		t.Fatalf("business[0] = %+v", b)
	}
	if b := u.Business[1]; b.Type != "messenger" || b.CallCount != 12 || b.RegainIn != 7*time.Minute {
		t.Fatalf("business[1] = %+v", b)
	}
	if u.Max() != 97 || u.RegainIn() != 7*time.Minute {
		t.Fatalf("Max %d RegainIn %v", u.Max(), u.RegainIn())
	}
	// Broken headers are ignored, not fatal.
	h = http.Header{}
	h.Set("X-App-Usage", "not json")
	if _, ok := ParseUsage(h); ok {
		t.Fatal("garbage must not count as usage")
	}
}

func TestUsageMergeIsBounded(t *testing.T) {
	var u Usage
	for i := range 1000 {
		regain := time.Duration(0)
		if i == 3 {
			regain = 5 * time.Minute // a throttled Page must not be forgotten
		}
		u.add(Usage{Business: []BusinessUsage{{ID: fmt.Sprint(i), Type: "pages", CallCount: 10, RegainIn: regain}}})
	}
	if len(u.Business) != maxBusinessEntries || u.RegainIn() != 5*time.Minute {
		t.Fatalf("%d entries, regain %v", len(u.Business), u.RegainIn())
	}
	// The same ID and type replace the old entry.
	u.add(Usage{Business: []BusinessUsage{{ID: "3", Type: "pages", CallCount: 1}}})
	if u.RegainIn() != 0 {
		t.Fatalf("regain after recovery = %v", u.RegainIn())
	}
}

package fb

import (
	"net/http"
	"strings"
	"testing"
)

// The parsers of what Facebook (or anything pretending to be it) sends must
// never panic, and what they keep must never contain a credential.

func FuzzDecodeError(f *testing.F) {
	f.Add(400, []byte(`{"error":{"message":"m","type":"OAuthException","code":190,"error_subcode":460,"fbtrace_id":"x"}}`))
	f.Add(403, []byte(`{"error":{"code":"200","error_subcode":"","is_transient":"true"}}`))
	f.Add(500, []byte(`{"error":"text"}`))
	f.Add(200, []byte(`{"error":{"code":1e30}}`))
	f.Add(502, []byte(`<html>`))
	f.Add(400, []byte(`{"error":{"code":-1,"message":"EAAsecret"}}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := decodeError(status, body, scrubber{"EAAsecret"})
		if e == nil {
			t.Fatal("nil error")
		}
		if s := e.Error(); strings.Contains(s, "EAAsecret") {
			t.Fatalf("secret kept: %s", s)
		}
		_ = e.Reason.String() + e.Class.String()
		_ = hasErrorEnvelope(body)
	})
}

func FuzzDecodeBatch(f *testing.F) {
	f.Add([]byte(`[{"code":200,"body":"{\"id\":\"1\"}"},null,{"code":403,"headers":[{"name":"WWW-Authenticate","value":"OAuth"}],"body":"{\"error\":{\"code\":190}}"}]`), 3)
	f.Add([]byte(`[]`), 2)
	f.Add([]byte(`{"error":{"code":1}}`), 1)
	f.Add([]byte(`[{"code":"200","body":{"inline":true}},{"code":null,"body":null},1,"x"]`), 4)
	f.Add([]byte(`[{"code":200,"body":"{\"data\":{\"is_valid\":true,\"expires_at\":\"0\",\"granular_scopes\":[{\"scope\":\"pages_show_list\",\"target_ids\":[1,\"2\"]}]}}"}]`), 1)
	f.Fuzz(func(t *testing.T, data []byte, n int) {
		if n < 0 || n > 100 {
			return
		}
		rs, err := parseBatchResponse(data, n, nil)
		if err != nil {
			return
		}
		if len(rs) != n {
			t.Fatalf("%d results for %d ops", len(rs), n)
		}
		for _, r := range rs {
			if r.Null && r.Err == nil {
				t.Fatal("a null result must carry an error")
			}
			_ = tokenCheckOf(r, sentinelTok)
		}
	})
}

func FuzzParseUsage(f *testing.F) {
	f.Add(`{"call_count":28,"total_time":25,"total_cputime":25}`, `{"1":[{"type":"pages","call_count":97,"total_cputime":23,"total_time":23,"estimated_time_to_regain_access":5}]}`, `{"call_count":"9"}`)
	f.Add(`garbage`, `{"1":null}`, ``)
	f.Add(`{"call_count":1e99}`, `{"1":[{"estimated_time_to_regain_access":99999999999}]}`, `[]`)
	f.Fuzz(func(t *testing.T, app, buc, page string) {
		h := http.Header{}
		h.Set("X-App-Usage", app)
		h.Set("X-Business-Use-Case-Usage", buc)
		h.Set("X-Page-Usage", page)
		u, _ := ParseUsage(h)
		if m := u.Max(); m < 0 || m > 1000 {
			t.Fatalf("Max = %d", m)
		}
		if r := u.RegainIn(); r < 0 || r > maxRegain {
			t.Fatalf("RegainIn = %v", r)
		}
		var merged Usage
		merged.add(u)
		merged.add(u)
	})
}

package fb

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"testing"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

var tokenInfoSamples = []string{
	`{"data":{"app_id":"1234567890","application":"Pagekeeper Sandbox","data_access_expires_at":1801299600,"expires_at":0,"granular_scopes":[{"scope":"public_profile"},{"scope":"pages_show_list","target_ids":["110000000000001"]},{"scope":"business_management","target_ids":[]}],"is_valid":true,"issued_at":1793523600,"profile_id":"110000000000001","scopes":["public_profile","pages_show_list"],"type":"PAGE","user_id":"100000000000001"}}`,
	`{"data":{"app_id":"1234567890","application":"Pagekeeper Sandbox","data_access_expires_at":1801299600,"error":{"code":190,"message":"Error validating access token: Session has expired","subcode":463},"expires_at":1793527200,"granular_scopes":[],"is_valid":false,"issued_at":1793523600,"metadata":{"auth_type":"rerequest"},"scopes":[],"type":"USER","user_id":"100000000000001"}}`,
	`{"data":{"error":{"code":190,"message":"Invalid OAuth access token - Cannot parse access token"},"is_valid":false,"scopes":[]}}`,
	`{"data":{"app_id":"1","application":"A","is_valid":true,"scopes":[],"type":"APP"}}`,
	`{"data":{"app_id":1234567890,"is_valid":"true","issued_at":"1793523600","expires_at":null,"user_id":100000000000001}}`,
	`{"data":{"Is_Valid":true}}`,
	`{"data":{"is_valid":true,"is_valid":false}}`,
	`{"DATA":{"is_valid":true}}`,
	`{"data":{"application":"Caf\u00e9 \"quoted\"","type":"USER"}}`,
	`{"data":{"application":"Café ✓","type":"USER","extra":{"nested":[1,2.5e3,-0,true,null,"x\n"]}}}`,
	` { "data" : { "is_valid" : true , "scopes" : [ "a" , null ] , "granular_scopes" : [ null , { "scope" : "s" , "target_ids" : [ null , "1" , 2 ] } ] } } `,
	`{"data":{"is_valid":true}} trailing`,
	`{"data":{"issued_at":1.5}}`,
	`{"data":{"issued_at":01}}`,
	`{"data":{"issued_at":99999999999999999999}}`,
	`{"data":null,"paging":{}}`,
	`{"data":{"scopes":null,"granular_scopes":null,"error":null}}`,
	`{"data":{"granular_scopes":[{"scope":"a","Target_IDs":["1"]}]}}`,
	`{"data":{"user_id":"bad\xffutf8"}}`,
	`{"data":{"type":"a	tab"}}`,
	`{"data":{"is_valid":truex}}`,
	`{"data":{"is_valid":true}`,
	`{"data":{"error":{"message":"m","type":"OAuthException","code":190,"error_subcode":460,"error_user_title":"t","error_user_msg":"u","fbtrace_id":"x","is_transient":false},"is_valid":false}}`,
	`{"data":{"error":{"code":"190","is_transient":"true"}}}`,
	`{"data":{"error":{"Code":190}}}`,
	`[]`, `null`, ``, `{}`,
}

func checkTokenInfoScan(t *testing.T, body []byte) {
	var fast, slow tokenInfoJSON
	ok := scanTokenInfo(body, &fast)
	err := json.Unmarshal(body, &slow)
	if !ok {
		return // the caller falls back to encoding/json
	}
	if err != nil {
		t.Fatalf("%q: scanned, but encoding/json refuses it: %v", body, err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%q:\nscan %+v\njson %+v", body, fast, slow)
	}
}

func TestScanTokenInfoMatchesUnmarshal(t *testing.T) {
	for _, s := range tokenInfoSamples {
		checkTokenInfoScan(t, []byte(s))
	}
	// The usual answers, valid or not, take the fast path.
	for _, s := range tokenInfoSamples[:4] {
		var j tokenInfoJSON
		if !scanTokenInfo([]byte(s), &j) {
			t.Fatalf("usual answer not scanned: %s", s)
		}
	}
}

func FuzzScanTokenInfo(f *testing.F) {
	for _, s := range tokenInfoSamples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkTokenInfoScan(t, b) })
}

var envelopeSamples = []string{
	`[{"code":200,"body":"{\"data\":{\"is_valid\":true,\"scopes\":[\"a\"]}}"},null,{"code":403,"body":"{\"error\":{\"message\":\"x \\u003c y\",\"code\":190}}"}]`,
	`[{"code":200,"headers":[{"name":"Content-Type","value":"text/javascript; charset=UTF-8"}],"body":"{\"id\":\"1\",\"name\":\"Caf\u00e9\"}"}]`,
	`[{"code":200,"body":"tab\tescape \/ \b\f\n\r ok"}]`,
	`[{"code":200,"body":{"inline":true}}]`,
	`[{"code":"200","body":""},{"Code":200}]`,
	`[{"code":200,"body":"x","body":"y"}]`,
	`[{"code":200,"body":"Café ✓"}]`,
	`[{"code":200,"body":"bad \x escape"}]`,
	`[{"code":200,"body":"unterminated]`,
	`[1]`, `[]`, `null`, `{}`, ` [ null , { } ] `, `[{"body":""}]`,
}

func checkEnvelopeScan(t *testing.T, data []byte) {
	fast, ok := scanBatchEnvelope(data)
	var slow []*batchEntry
	err := json.Unmarshal(data, &slow)
	if !ok {
		return
	}
	if err != nil {
		t.Fatalf("%q: scanned, but encoding/json refuses it: %v", data, err)
	}
	if len(fast) != len(slow) {
		t.Fatalf("%q: %d entries vs %d", data, len(fast), len(slow))
	}
	for i := range fast {
		a, b := fast[i], slow[i]
		if (a == nil) != (b == nil) {
			t.Fatalf("%q entry %d: null %v vs %v", data, i, a == nil, b == nil)
		}
		if a == nil {
			continue
		}
		if a.Code != b.Code || !bytes.Equal(a.Headers, b.Headers) {
			t.Fatalf("%q entry %d: %+v vs %+v", data, i, a, b)
		}
		var want string
		hasWant := len(b.Body) > 0 && b.Body[0] == '"' && json.Unmarshal(b.Body, &want) == nil
		if a.hasBody != hasWant || string(a.body) != want || (a.hasBody && a.body == nil) {
			t.Fatalf("%q entry %d: body %q (%v) vs %q (%v)", data, i, a.body, a.hasBody, want, hasWant)
		}
	}
}

func TestScanBatchEnvelopeMatchesUnmarshal(t *testing.T) {
	for _, s := range envelopeSamples {
		checkEnvelopeScan(t, []byte(s))
	}
	if _, ok := scanBatchEnvelope([]byte(envelopeSamples[0])); !ok {
		t.Fatal("the usual envelope is not scanned")
	}
}

func FuzzScanBatchEnvelope(f *testing.F) {
	for _, s := range envelopeSamples {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkEnvelopeScan(t, b) })
}

// TestPlainOpURLMatchesOpParams: the direct relative URL of a batch
// operation is the one opParams and url.Values.Encode build.
func TestPlainOpURLMatchesOpParams(t *testing.T) {
	for _, secret := range []string{"", "s3cret"} {
		c := New(Config{AppSecret: token.New(secret)})
		ops := []BatchOp{
			{Method: http.MethodGet, RelativeURL: "debug_token", Token: token.New("1234|s3cret"), inputToken: token.New("EAAtoken+/=&x")},
			{Method: http.MethodGet, RelativeURL: "/me", Token: token.New("EAAuser")},
			{Method: http.MethodGet, RelativeURL: "me/accounts"},
			{Method: http.MethodDelete, RelativeURL: "123/subscribed_apps", Token: token.New("EAApage")},
		}
		for i := range ops {
			got, ok := c.plainOpURL(&ops[i], ops[i].Token)
			if !ok {
				t.Fatalf("op %d not plain", i)
			}
			path, q, _ := c.opParams(&ops[i], ops[i].Token)
			want := path
			if len(q) > 0 {
				want += "?" + q.Encode()
			}
			if got != want {
				t.Fatalf("secret %q op %d: %q, want %q", secret, i, got, want)
			}
		}
		for _, op := range []BatchOp{
			{Method: http.MethodGet, RelativeURL: "me?fields=id"},
			{Method: http.MethodPost, RelativeURL: "me/messages"},
			{Method: http.MethodGet, RelativeURL: "me", Body: url.Values{"a": {"b"}}},
		} {
			if _, ok := c.plainOpURL(&op, op.Token); ok {
				t.Fatalf("%+v taken as plain", op)
			}
		}
	}
}

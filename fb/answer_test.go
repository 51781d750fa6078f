package fb

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

// unexpected fails unless err is an unexpected answer: "could not check",
// never a verdict about a token or a Page.
func unexpected(t *testing.T, what string, err error) {
	t.Helper()
	e, ok := AsError(err)
	if !ok || e.Reason != ReasonUnexpectedAnswer || e.Class != ClassUnknown || NeedsLogin(err) {
		t.Fatalf("%s: %v (%T), want an unexpected answer", what, err, err)
	}
}

// Odd but valid JSON in place of debug_token's answer says nothing about
// the token: an unexpected answer, not "invalid" (issue 16 item 3).
func TestOddDebugTokenAnswersAreNoVerdict(t *testing.T) {
	for _, body := range []string{
		`{}`, `null`, `[]`, `""`, `{"data":{}}`, `{"data":null}`, `{"data":[]}`,
		`{"data":{"is_valid":null,"error":{"code":190}}}`,
		`{"data":{"app_id":"1","type":"PAGE","scopes":["pages_messaging"]}}`, // no is_valid
		`{"data":{"is_valid":true,"type":"PAGE"}}`,                           // valid, but which scopes?
	} {
		c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, body)
		}), func(cfg *Config) { cfg.AppID = "1" })
		ti, err := c.InspectToken(context.Background(), sentinelTok)
		unexpected(t, body, err)
		if ti.Valid || ti.Error != nil {
			t.Fatalf("%s: a verdict came out: %+v", body, ti)
		}
	}
}

// The same answers inside a batch (every operation's body), or as the
// whole batch answer (then each operation is asked alone and gets them
// too): every operation of every Page is an unexpected answer.
func TestOddBatchAnswersAreNoVerdict(t *testing.T) {
	for _, body := range []string{`{}`, `null`, `{"data":{}}`, `{"data":null}`} {
		for _, whole := range []bool{false, true} {
			name := fmt.Sprintf("body %s, whole batch %v", body, whole)
			var batches, singles atomic.Int32
			c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodPost {
					singles.Add(1)
					io.WriteString(w, body)
					return
				}
				batches.Add(1)
				if whole {
					io.WriteString(w, body)
					return
				}
				var ops []json.RawMessage
				_ = json.Unmarshal([]byte(r.FormValue("batch")), &ops)
				entries := make([]string, len(ops))
				for i := range entries {
					q, _ := json.Marshal(body)
					entries[i] = `{"code":200,"headers":[{"name":"Content-Type","value":"text/javascript; charset=UTF-8"}],"body":` + string(q) + `}`
				}
				io.WriteString(w, "["+strings.Join(entries, ",")+"]")
			}), func(cfg *Config) { cfg.AppID = "1" })
			hs, err := c.CheckPages(context.Background(), token.Token{}, []PageProbe{
				{PageID: "101", Token: token.New("EAApage101")}, {PageID: "102", Token: token.New("EAApage102")}})
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range hs {
				unexpected(t, name+": debug_token", h.TokenErr)
				unexpected(t, name+": Page", h.PageErr)
				unexpected(t, name+": subscribed_apps", h.SubErr)
				if h.Token.Valid || h.Token.Error != nil || h.Subscribed() {
					t.Fatalf("%s: a verdict came out: %+v", name, h)
				}
			}
			if got := batches.Load(); got != 1 {
				t.Fatalf("%s: %d batch requests, want one for the 6 operations", name, got)
			}
			if want := map[bool]int32{false: 0, true: 6}[whole]; singles.Load() != want {
				t.Fatalf("%s: %d single requests, want %d", name, singles.Load(), want)
			}
		}
	}
}

// This app's subscription without its fields says nothing about which
// events arrive: not "fields missing", an unexpected answer. An empty
// list of fields is an answer.
func TestASubscriptionWithoutItsFieldsIsNoVerdict(t *testing.T) {
	for body, wantErr := range map[string]bool{
		`{"data":[{"id":"1","name":"Pagekeeper"}]}`:                          true,
		`{"data":[{"id":"1","name":"Pagekeeper","subscribed_fields":null}]}`: true,
		`{"data":[{"id":"2","name":"Another app"}]}`:                         false,
		`{"data":[{"id":"1","name":"Pagekeeper","subscribed_fields":[]}]}`:   false,
	} {
		c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				q, _ := json.Marshal(body)
				fmt.Fprintf(w, `[{"code":200,"body":%s}]`, q)
				return
			}
			io.WriteString(w, body)
		}), func(cfg *Config) { cfg.AppID = "1" })
		_, err := c.SubscribedApps(context.Background(), "101", sentinelTok)
		rs, berr := c.Batch(context.Background(), sentinelTok, []BatchOp{{RelativeURL: "101/subscribed_apps"}})
		if berr != nil {
			t.Fatal(berr)
		}
		_, subErr := c.subscribedAppsOf(rs[0])
		if !wantErr {
			if err != nil || subErr != nil {
				t.Fatalf("%s: %v / %v", body, err, subErr)
			}
			continue
		}
		unexpected(t, body+" (alone)", err)
		unexpected(t, body+" (in a batch)", subErr)
	}
}

// countingTransport counts the answer bytes the client takes from the
// network.
type countingTransport struct{ read atomic.Int64 }

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if resp != nil {
		resp.Body = &countingBody{ReadCloser: resp.Body, n: &t.read}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// streamAnswer writes head, then filler up to total bytes, then tail,
// without holding the answer in memory; it stops when the client hangs up.
func streamAnswer(w http.ResponseWriter, head string, filler byte, total int, tail string, withLength bool) {
	if withLength {
		w.Header().Set("Content-Length", strconv.Itoa(total))
	}
	if _, err := io.WriteString(w, head); err != nil {
		return
	}
	chunk := bytes.Repeat([]byte{filler}, 64<<10)
	for left := total - len(head) - len(tail); left > 0; left -= len(chunk) {
		if _, err := w.Write(chunk[:min(left, len(chunk))]); err != nil {
			return
		}
	}
	io.WriteString(w, tail)
}

// An answer of 60 MB, or 4 MB of "[", is an unexpected answer, and the
// client stops reading at the limit: memory stays bounded whatever
// Facebook (or anything in between) sends (issue 16 item 4).
func TestOversizedAndDeepAnswersStopEarly(t *testing.T) {
	const slack = 64 << 10 // what one read may take past the limit
	cases := []struct {
		name     string
		serve    func(http.ResponseWriter)
		cause    error
		maxBytes int64
	}{
		{"60 MB streamed", func(w http.ResponseWriter) {
			streamAnswer(w, `{"data":{"is_valid":true,"scopes":[],"application":"`, 'a', 60<<20, `"}}`, false)
		}, errAnswerTooLarge, maxAnswerBytes + slack},
		{"60 MB with its length", func(w http.ResponseWriter) {
			streamAnswer(w, `{"data":{"application":"`, 'a', 60<<20, `"}}`, true)
		}, errAnswerTooLarge, slack},
		{"4 MB of [", func(w http.ResponseWriter) {
			streamAnswer(w, "", '[', 4<<20, "", false)
		}, errAnswerTooDeep, slack},
		{"deep objects in a string-free answer", func(w http.ResponseWriter) {
			io.WriteString(w, strings.Repeat(`{"a":`, maxAnswerDepth+1)+"1"+strings.Repeat("}", maxAnswerDepth+1))
		}, errAnswerTooDeep, slack},
	}
	for _, tc := range cases {
		tr := &countingTransport{}
		c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { tc.serve(w) }),
			func(cfg *Config) { cfg.AppID, cfg.HTTPClient = "1", &http.Client{Transport: tr} })
		_, err := c.InspectToken(context.Background(), sentinelTok)
		unexpected(t, tc.name, err)
		if !errors.Is(err, tc.cause) {
			t.Fatalf("%s: %v, want %v", tc.name, err, tc.cause)
		}
		if n := tr.read.Load(); n > tc.maxBytes {
			t.Fatalf("%s: the client read %d bytes, want at most %d", tc.name, n, tc.maxBytes)
		}
	}
	// Brackets inside strings are text, not nesting.
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"data":{"is_valid":true,"scopes":[],"application":"%s\"]}"}}`, strings.Repeat("[{", 100))
	}), func(cfg *Config) { cfg.AppID = "1" })
	if ti, err := c.InspectToken(context.Background(), sentinelTok); err != nil || !ti.Valid {
		t.Fatalf("brackets in a string: %+v %v", ti, err)
	}
}

// A batch answer over the limit is not asked again operation by operation
// (that would fetch it 50 times over): each operation is an unexpected
// answer. An operation's body nested too deep is refused on its own.
func TestBatchAnswerLimits(t *testing.T) {
	var requests atomic.Int32
	c, _, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		streamAnswer(w, `[{"code":200,"body":"`, 'a', 60<<20, `"}]`, false)
	}), nil)
	ops := []BatchOp{{RelativeURL: "1"}, {RelativeURL: "2"}, {RelativeURL: "3"}}
	rs, err := c.Batch(context.Background(), sentinelTok, ops)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		unexpected(t, fmt.Sprintf("op %d", i), r.Err)
	}
	if n := requests.Load(); n != 1 {
		t.Fatalf("%d requests, want the one batch", n)
	}

	deep, _ := json.Marshal(strings.Repeat("[", maxAnswerDepth+1) + strings.Repeat("]", maxAnswerDepth+1))
	c, _, _ = newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `[{"code":200,"body":"{\"id\":\"1\"}"},{"code":200,"body":%s}]`, deep)
	}), nil)
	rs, err = c.Batch(context.Background(), sentinelTok, ops[:2])
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Err != nil || string(rs[0].Body) != `{"id":"1"}` {
		t.Fatalf("the good operation: %+v", rs[0])
	}
	unexpected(t, "deep body", rs[1].Err)
}

// depthOf is the nesting depth of valid JSON, as encoding/json reads it.
func depthOf(b []byte) (depth int, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	cur := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return depth, true
		}
		if err != nil {
			return 0, false
		}
		switch tok {
		case json.Delim('['), json.Delim('{'):
			cur++
			depth = max(depth, cur)
		case json.Delim(']'), json.Delim('}'):
			cur--
		}
	}
}

// The depth guard agrees with encoding/json on every valid JSON text.
func FuzzDepthGuard(f *testing.F) {
	for _, s := range []string{`{}`, `[[["]]]"]]]`, `{"a\"[":[{"b":"\\"}]}`, strings.Repeat("[", 64) + strings.Repeat("]", 64),
		strings.Repeat("[", 65) + strings.Repeat("]", 65), `"\u005b"`, `[1,{"x":[null,true]}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		err := checkDepth(b)
		if !json.Valid(b) {
			return
		}
		d, ok := depthOf(b)
		if !ok {
			return
		}
		if (d > maxAnswerDepth) != (err != nil) {
			t.Fatalf("%q: depth %d, guard says %v", b, d, err)
		}
		// Streamed in pieces, the guard says the same.
		var g depthGuard
		var serr error
		for i := 0; i < len(b) && serr == nil; i += 3 {
			serr = g.scan(b[i:min(i+3, len(b))])
		}
		if (serr != nil) != (err != nil) {
			t.Fatalf("%q: streamed %v, whole %v", b, serr, err)
		}
	})
}

// Whatever debug_token answers, a verdict (valid, or invalid with a
// reason) comes out only when the answer said is_valid.
func FuzzParseTokenInfo(f *testing.F) {
	for _, s := range []string{
		`{"data":{"app_id":"1","type":"PAGE","is_valid":true,"scopes":["pages_messaging"],"expires_at":0}}`,
		`{"data":{"is_valid":false,"error":{"code":190,"subcode":460,"message":"EAAsecret"}}}`,
		`{"data":{"is_valid":"true","scopes":[],"app_id":1234,"granular_scopes":[{"scope":"a","target_ids":[1,"2"]}]}}`,
		`{}`, `null`, `{"data":{}}`, `{"data":{"is_valid":null}}`, `{"data":{"Is_Valid":true,"scopes":[]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ti, err := parseTokenInfo(b, http.StatusOK, scrubber{"EAAsecret"})
		if err != nil {
			unexpected(t, string(b), err)
			return
		}
		// encoding/json matches keys case-insensitively: so does this.
		var m map[string]json.RawMessage
		if json.Unmarshal(b, &m) != nil {
			t.Fatalf("%q: decoded, but not a JSON object", b)
		}
		var data map[string]json.RawMessage
		for k, v := range m {
			if strings.EqualFold(k, "data") {
				_ = json.Unmarshal(v, &data)
			}
		}
		said := false
		for k, v := range data {
			if strings.EqualFold(k, "is_valid") && string(v) != "null" {
				said = true
			}
		}
		if !said {
			t.Fatalf("%q: a verdict (%+v) without is_valid", b, ti)
		}
		if ti.Error != nil && strings.Contains(ti.Error.Error(), "EAAsecret") {
			t.Fatalf("secret kept: %v", ti.Error)
		}
	})
}

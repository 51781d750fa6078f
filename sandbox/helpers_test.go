package sandbox

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// testRedirect is the default app's registered redirect URI: the relay
// page whose hosting the fake simulates.
const testRedirect = DemoRelayURL

func start(t *testing.T, opts Options) *Server {
	t.Helper()
	s, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// noRedirect is a plain client that reports redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

type result struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (r result) errField(k string) any {
	e, _ := r.body["error"].(map[string]any)
	return e[k]
}

func (r result) code() int {
	c, _ := r.errField("code").(float64)
	return int(c)
}

func (r result) subcode() int {
	c, _ := r.errField("error_subcode").(float64)
	return int(c)
}

func do(t *testing.T, req *http.Request) result {
	t.Helper()
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := result{status: resp.StatusCode, header: resp.Header, raw: b}
	_ = json.Unmarshal(b, &r.body)
	return r
}

func get(t *testing.T, u string) result {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	return do(t, req)
}

func graphGet(t *testing.T, s *Server, path, token string, q url.Values) result {
	t.Helper()
	if q == nil {
		q = url.Values{}
	}
	if token != "" {
		q.Set("access_token", token)
	}
	return get(t, s.URL+path+"?"+q.Encode())
}

func postForm(t *testing.T, u string, form url.Values) result {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, req)
}

func graphDo(t *testing.T, s *Server, method, path, token string, form url.Values) result {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("access_token", token)
	req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if method == http.MethodDelete {
		req, _ = http.NewRequest(method, s.URL+path+"?"+form.Encode(), nil)
	}
	return do(t, req)
}

func wantError(t *testing.T, r result, code, subcode int) {
	t.Helper()
	if r.code() != code || r.subcode() != subcode {
		t.Fatalf("want error %d/%d, got HTTP %d %s", code, subcode, r.status, r.raw)
	}
	if r.errField("fbtrace_id") == nil || r.errField("type") == nil || r.errField("message") == nil {
		t.Fatalf("error envelope lacks message/type/fbtrace_id: %s", r.raw)
	}
}

func wantTokenError(t *testing.T, r result, subcode int) {
	t.Helper()
	wantError(t, r, 190, subcode)
	if r.status != http.StatusBadRequest {
		t.Fatalf("token error status %d", r.status)
	}
	wa := r.header.Get("WWW-Authenticate")
	if !strings.HasPrefix(wa, `OAuth "Facebook Platform" "invalid_token" "`) {
		t.Fatalf("WWW-Authenticate = %q", wa)
	}
}

var (
	inputRe = regexp.MustCompile(`<input type="(hidden|checkbox)" name="([^"]+)" value="([^"]*)"(?: id="([^"]*)")?( checked)?( disabled)?>`)
)

// dialogForm is the consent form as a browser would submit it.
type dialogForm struct {
	hidden   url.Values
	checkbox map[string]bool // id → ticked
	values   map[string]string
	names    map[string]string
	html     string
}

func openDialog(t *testing.T, s *Server, q url.Values) dialogForm {
	t.Helper()
	r := get(t, s.URL+"/v25.0/dialog/oauth?"+q.Encode())
	if r.status != http.StatusOK {
		t.Fatalf("dialog: HTTP %d %s", r.status, r.raw)
	}
	m := string(r.raw)
	if i := strings.Index(m, `<form id="consent"`); i >= 0 {
		m = m[i:]
		m = m[:strings.Index(m, "</form>")]
	} else {
		m = ""
	}
	if m == "" {
		t.Fatalf("no consent form in %s", r.raw)
	}
	df := dialogForm{hidden: url.Values{}, checkbox: map[string]bool{}, values: map[string]string{}, names: map[string]string{}, html: string(r.raw)}
	for _, in := range inputRe.FindAllStringSubmatch(m, -1) {
		name, val := in[2], html.UnescapeString(in[3])
		if in[1] == "hidden" {
			df.hidden.Add(name, val)
			continue
		}
		df.checkbox[in[4]] = in[5] != ""
		df.values[in[4]] = val
		df.names[in[4]] = name
		if in[6] != "" { // disabled boxes are not submitted
			delete(df.checkbox, in[4])
		}
	}
	return df
}

// submit posts the form with the given boxes unticked and returns the
// redirect as Facebook makes it (for the simulated relay host, the
// registered URI rather than the fake's copy the browser is sent to).
func (df dialogForm) submit(t *testing.T, s *Server, action string, untick ...string) *url.URL {
	t.Helper()
	form := url.Values{}
	for k, v := range df.hidden {
		form[k] = v
	}
	for id, on := range df.checkbox {
		for _, u := range untick {
			if u == id {
				on = false
			}
		}
		if on {
			form.Add(df.names[id], df.values[id])
		}
	}
	form.Set("__action", action)
	r := postForm(t, s.URL+"/v25.0/dialog/oauth", form)
	if r.status != http.StatusFound {
		t.Fatalf("dialog POST: HTTP %d %s", r.status, r.raw)
	}
	loc := r.header.Get("Location")
	if rest, ok := strings.CutPrefix(loc, s.URL+relayPath); ok {
		loc = DemoRelayURL + rest
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

var allScopes = "pages_show_list,pages_messaging,pages_manage_metadata,pages_read_engagement,business_management"

// dialogQuery is the dialog address a Business app sends: its Login for
// Business configuration instead of scope; on a consumer app, scope.
func dialogQuery(s *Server, extra url.Values) url.Values {
	q := url.Values{"client_id": {s.Fake.Options().AppID}, "redirect_uri": {testRedirect}, "state": {"st-123"}}
	if s.Fake.Options().AppType == AppBusiness {
		q.Set("config_id", DemoConfigID)
	} else {
		q.Set("scope", allScopes)
	}
	for k, v := range extra {
		q[k] = v
	}
	return q
}

// loginCode runs the dialog and returns the code.
func loginCode(t *testing.T, s *Server, extra url.Values, untick ...string) string {
	t.Helper()
	u := openDialog(t, s, dialogQuery(s, extra)).submit(t, s, "continue", untick...)
	if u.Query().Get("state") != "st-123" || u.Query().Get("code") == "" {
		t.Fatalf("redirect %s", u)
	}
	return u.Query().Get("code")
}

func exchange(t *testing.T, s *Server, form url.Values) result {
	t.Helper()
	return postForm(t, s.URL+"/v25.0/oauth/access_token", form)
}

// login returns a short-lived user token from the real dialog + code flow.
func login(t *testing.T, s *Server, extra url.Values, untick ...string) string {
	t.Helper()
	code := loginCode(t, s, extra, untick...)
	r := exchange(t, s, url.Values{"client_id": {s.Fake.Options().AppID}, "client_secret": {s.Fake.Options().AppSecret},
		"redirect_uri": {testRedirect}, "code": {code}})
	tok, _ := r.body["access_token"].(string)
	if tok == "" {
		t.Fatalf("exchange: %s", r.raw)
	}
	return tok
}

func s256(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func dataList(t *testing.T, r result) []map[string]any {
	t.Helper()
	raw, ok := r.body["data"].([]any)
	if !ok {
		t.Fatalf("no data array: HTTP %d %s", r.status, r.raw)
	}
	out := make([]map[string]any, len(raw))
	for i, x := range raw {
		out[i], _ = x.(map[string]any)
	}
	return out
}

func ids(items []map[string]any) []string {
	var out []string
	for _, it := range items {
		out = append(out, it["id"].(string))
	}
	return out
}

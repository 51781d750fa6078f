package sandbox

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// call is one Graph request: a top-level HTTP request or a batch operation.
type call struct {
	method        string // GET, POST, DELETE (after the method= override)
	path          string // version-less, e.g. /me/accounts
	rawPath       string // as requested, for paging links
	params        url.Values
	token         string
	tokenInHeader bool
	base          string // scheme://host of the request, for absolute links
	inBatch       bool
	// noHeaders: a batch operation under include_headers=false, whose
	// response headers nobody sees (usage is still counted).
	noHeaders bool
}

type response struct {
	status int
	header http.Header
	body   []byte
}

const jsonContentType = "application/json; charset=UTF-8"

func requestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// readParams merges the query, form or multipart body and a JSON body (the
// Send API accepts both, docs/FACEBOOK.md §7) into one set of parameters. JSON object
// values are kept as their JSON text, as the form variant carries them.
func readParams(r *http.Request) (url.Values, error) {
	params := url.Values{}
	for k, v := range r.URL.Query() {
		params[k] = append(params[k], v...)
	}
	if r.Method == http.MethodGet || r.Body == nil {
		return params, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		b, err := io.ReadAll(io.LimitReader(r.Body, 10<<20))
		if err != nil {
			return nil, err
		}
		var m map[string]json.RawMessage
		if len(strings.TrimSpace(string(b))) > 0 {
			if err := json.Unmarshal(b, &m); err != nil {
				return nil, err
			}
		}
		for k, raw := range m {
			var s string
			if json.Unmarshal(raw, &s) == nil {
				params.Set(k, s)
			} else {
				params.Set(k, string(raw))
			}
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(10 << 20); err != nil {
			return nil, err
		}
		for k, v := range r.MultipartForm.Value {
			params[k] = append(params[k], v...)
		}
	case "application/x-www-form-urlencoded":
		if r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodPatch {
			break
		}
		// ParseForm's reading, with the buffer sized from Content-Length
		// at once: a batch of 50 is some 30 KB.
		const maxForm = 10 << 20
		var b []byte
		var err error
		if n := r.ContentLength; n > 0 && n <= maxForm {
			b = make([]byte, n)
			_, err = io.ReadFull(r.Body, b)
		} else {
			b, err = io.ReadAll(io.LimitReader(r.Body, maxForm+1))
		}
		if err != nil {
			return nil, err
		}
		if len(b) > maxForm {
			return nil, errors.New("http: POST too large")
		}
		form, err := url.ParseQuery(string(b))
		if err != nil {
			return nil, err
		}
		for k, v := range form {
			params[k] = append(params[k], v...)
		}
	default:
		if err := r.ParseForm(); err != nil {
			return nil, err
		}
		for k, v := range r.PostForm {
			params[k] = append(params[k], v...)
		}
	}
	return params, nil
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	for _, p := range []string{"Bearer ", "bearer ", "OAuth "} {
		if strings.HasPrefix(h, p) {
			return strings.TrimSpace(h[len(p):])
		}
	}
	return ""
}

func methodOverride(m string, params url.Values) string {
	if o := strings.ToUpper(params.Get("method")); o == "GET" || o == "POST" || o == "DELETE" {
		return o
	}
	return m
}

func (f *Fake) serveGraph(w http.ResponseWriter, r *http.Request, p string) {
	params, err := readParams(r)
	if err != nil {
		f.writeResponse(w, f.errResponse(errParam("(#100) Could not parse the request body"), false))
		return
	}
	c := &call{method: methodOverride(r.Method, params), path: p, rawPath: r.URL.Path, params: params,
		token: params.Get("access_token"), base: requestBase(r)}
	if c.token == "" {
		if b := bearer(r); b != "" {
			c.token, c.tokenInHeader = b, true
		}
	}
	if c.method == http.MethodPost && params.Has("batch") {
		f.serveBatch(w, c)
		return
	}
	if f.isAppSubscribe(c) {
		// The verification handshake must not run under f.mu (webhooks.go).
		f.serveAppSubscribe(w, c)
		return
	}
	f.writeResponse(w, f.graph(c))
}

func (f *Fake) writeResponse(w http.ResponseWriter, resp *response) {
	for k, v := range resp.header {
		w.Header()[k] = v
	}
	if w.Header().Get("Content-Type") == "" && resp.body != nil {
		w.Header().Set("Content-Type", jsonContentType)
	}
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
}

func (f *Fake) errResponse(e *apiError, inBatch bool) *response {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.errResponseLocked(e, inBatch, http.Header{})
}

func (f *Fake) errResponseLocked(e *apiError, inBatch bool, h http.Header) *response {
	if h == nil {
		h = http.Header{}
	}
	if a := e.wwwAuthenticate(); a != "" {
		h.Set("WWW-Authenticate", a)
	}
	return &response{status: e.httpStatus(inBatch), header: h, body: f.errorBody(e)}
}

// rawJSON is a body already encoded (e.g. the bare `true` of a permission
// revoke).
type rawJSON []byte

// redirect is a 302 answer (the picture edge).
type redirect string

// graph runs one call under the lock.
func (f *Fake) graph(c *call) *response {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stats.ByPath[c.path]++
	t := f.lookupToken(c.token)
	var h http.Header
	if !c.noHeaders {
		h = http.Header{}
	}
	e, throttled := f.preflight(c, t)
	var body any
	if e == nil {
		body, e = f.dispatch(c, t)
	}
	if t != nil && (e == nil || e.code != 190) {
		f.usageHeaders(h, c, t, throttled)
	}
	if e != nil {
		return f.errResponseLocked(e, c.inBatch, h)
	}
	switch b := body.(type) {
	case redirect:
		if h == nil {
			h = http.Header{}
		}
		h.Set("Location", string(b))
		return &response{status: http.StatusFound, header: h}
	case rawJSON:
		return &response{status: http.StatusOK, header: h, body: b}
	}
	b, err := json.Marshal(body)
	if err != nil {
		return f.errResponseLocked(&apiError{code: 1, status: 500, msg: "An unknown error occurred"}, c.inBatch, h)
	}
	return &response{status: http.StatusOK, header: h, body: b}
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// withdrawn refuses what Graph API v27.0 took away from apps created since
// its release, on every version: multi-ID reads (?ids=), field aliases
// (field.as(name)) and asynchronous batch requests (docs/FACEBOOK.md §8).
// The sandbox's app is such a new app. Meta's wording of the refusal is not
// recorded; the code is Graph's usual (#100).
func withdrawn(c *call) *apiError {
	what := ""
	switch {
	case c.params.Has("ids"):
		what = "Multi-ID lookups (ids=)"
	case strings.Contains(c.params.Get("fields"), ".as("):
		what = "Field aliases"
	case strings.HasSuffix(c.path, "/async_batch_requests") || c.params.Has("asynchronous"):
		what = "Asynchronous batch requests"
	default:
		return nil
	}
	return errParam("(#100) " + what + " are not available to apps created after the release of Graph API v27.0")
}

// dispatch routes a call. Callers hold f.mu.
func (f *Fake) dispatch(c *call, t *tokenRec) (any, *apiError) {
	if e := withdrawn(c); e != nil {
		return nil, e
	}
	segs := splitPath(c.path)
	if len(segs) == 0 {
		return nil, errParam("(#100) Unsupported request to the root path without a batch parameter")
	}
	if len(segs) == 2 && segs[1] == "picture" && segs[0] != "me" {
		return f.picture(c, segs[0])
	}
	if c.token == "" {
		return nil, errNoToken(segs[0] == "me")
	}
	if t == nil {
		return nil, errInvalidToken()
	}
	if e := f.checkProof(t, c.params.Get("appsecret_proof")); e != nil {
		return nil, e
	}
	if segs[0] == "debug_token" && len(segs) == 1 {
		if c.method != http.MethodGet {
			return nil, errUnsupported(c.method, "debug_token")
		}
		return f.debugToken(c, t)
	}
	if e := f.checkToken(t); e != nil {
		// With data access lapsed the person is still authenticated; the
		// permissions edge keeps answering (statuses "expired") so the app
		// can tell what happened (docs/FACEBOOK.md §4).
		if !(e.subcode == 493 && len(segs) >= 2 && segs[1] == "permissions") {
			return nil, e
		}
	}
	id := segs[0]
	if id == "me" {
		switch t.kind {
		case kindUser:
			id = t.userID
		case kindPage:
			id = t.pageID
		default:
			return nil, errNoToken(true)
		}
	}
	edge := ""
	if len(segs) > 1 {
		edge = segs[1]
	}
	switch {
	case id == f.opts.AppID && edge == "subscriptions" && len(segs) == 2:
		return f.appSubscriptions(c, t)
	case f.users[id] != nil:
		return f.userRoute(c, t, f.users[id], edge, segs)
	case f.pages[id] != nil:
		if len(segs) > 2 {
			return nil, errUnknownPath("/" + strings.Join(segs[2:], "/"))
		}
		return f.pageRoute(c, t, f.pages[id], edge)
	case f.businesses[id] != nil:
		return f.businessRoute(c, t, f.businesses[id], edge)
	case f.convs[id] != nil:
		return f.conversationRoute(c, t, f.convs[id], edge)
	}
	return nil, errUnsupported(c.method, id)
}

func nonexistingField(edge, node string) *apiError {
	return errParam("(#100) Tried accessing nonexisting field (" + edge + ") on node type (" + node + ")")
}

// needPerm checks a permission of the person behind a user or Page token.
func (f *Fake) needPerm(t *tokenRec, perms ...string) *apiError {
	if t.kind == kindApp {
		return nil
	}
	g := f.users[t.userID].grant
	for _, p := range perms {
		if !g.has(p) {
			return errNeedsPermission(p)
		}
	}
	return nil
}

// parseFields splits a fields parameter at top-level commas; nested
// selections ("messages{message,from}") and modifiers (".limit(5)") are kept
// as sub-selections.
func parseFields(s string, def ...string) ([]string, map[string]string) {
	sub := map[string]string{}
	if strings.TrimSpace(s) == "" {
		return def, sub
	}
	var out []string
	depth, start := 0, 0
	flush := func(part string) {
		part = strings.TrimSpace(part)
		if part == "" {
			return
		}
		name := part
		if i := strings.IndexAny(part, "{."); i >= 0 {
			name = part[:i]
			if j := strings.IndexByte(part, '{'); j >= 0 && strings.HasSuffix(part, "}") {
				sub[name] = part[j+1 : len(part)-1]
			}
		}
		out = append(out, name)
	}
	for i, r := range s {
		switch r {
		case '{', '(':
			depth++
		case '}', ')':
			depth--
		case ',':
			if depth == 0 {
				flush(s[start:i])
				start = i + 1
			}
		}
	}
	flush(s[start:])
	return out, sub
}

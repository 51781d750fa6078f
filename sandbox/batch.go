package sandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

const maxBatchOps = 50

type batchOp struct {
	Method      string          `json:"method"`
	RelativeURL string          `json:"relative_url"`
	Body        json.RawMessage `json:"body"`
	Name        string          `json:"name"`
	AccessToken string          `json:"access_token"`
}

type batchHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type batchResult struct {
	Code    int           `json:"code"`
	Headers []batchHeader `json:"headers,omitempty"`
	Body    string        `json:"body"`
}

// serveBatch answers POST / with batch=[…] (docs/FACEBOOK.md §6 "Batch"): at most 50 operations,
// each run as its own call; one failing operation does not fail the others.
func (f *Fake) serveBatch(w http.ResponseWriter, c *call) {
	f.mu.Lock()
	f.stats.BatchRequests++
	var whole *apiError
	for i := range f.faults.transients {
		r := &f.faults.transients[i]
		if r.scope == ScopeBatch && r.n > 0 {
			r.n--
			whole = transientError(r.status)
			break
		}
	}
	top := f.lookupToken(c.token)
	if whole == nil {
		whole = withdrawn(c)
	}
	if whole == nil {
		switch {
		case c.token == "":
			whole = errParam("(#100) A top-level access_token is required for batch requests")
		case top == nil:
			whole = errInvalidToken()
		default:
			if e := f.checkProof(top, c.params.Get("appsecret_proof")); e != nil {
				whole = e
			} else if e := f.checkToken(top); e != nil {
				whole = e
			}
		}
	}
	var ops []batchOp
	if whole == nil {
		if err := json.Unmarshal([]byte(c.params.Get("batch")), &ops); err != nil {
			whole = errParam("(#100) The parameter batch must be a JSON array of requests")
		} else if len(ops) > maxBatchOps {
			whole = errParam("(#100) Too many requests in batch message. Maximum batch size is 50")
		}
	}
	if whole != nil {
		resp := f.errResponseLocked(whole, false, http.Header{})
		f.mu.Unlock()
		f.writeResponse(w, resp)
		return
	}
	f.mu.Unlock()

	includeHeaders := c.params.Get("include_headers") != "false"
	out := make([]*batchResult, len(ops)) // nil: a timed-out operation, answered null
	for i, op := range ops {
		oc := f.opCall(c, op)
		oc.noHeaders = !includeHeaders
		f.mu.Lock()
		f.stats.BatchOps++
		null := false
		for j := range f.faults.nullOps {
			r := &f.faults.nullOps[j]
			if r.n > 0 && matches(r.scope, oc, f.lookupToken(oc.token)) {
				r.n--
				null = true
				break
			}
		}
		f.mu.Unlock()
		if null {
			continue
		}
		resp := f.graph(oc)
		res := &batchResult{Code: resp.status, Body: string(resp.body)}
		if includeHeaders {
			res.Headers = []batchHeader{{"Content-Type", "text/javascript; charset=UTF-8"}}
			for _, k := range []string{"WWW-Authenticate", "Location", "X-App-Usage", "X-Business-Use-Case-Usage", "X-Page-Usage"} {
				if v := resp.header.Get(k); v != "" {
					res.Headers = append(res.Headers, batchHeader{k, v})
				}
			}
		}
		out[i] = res
	}
	body, _ := json.Marshal(out)
	h := http.Header{}
	f.mu.Lock()
	f.usageHeaders(h, c, top, false)
	f.mu.Unlock()
	f.writeResponse(w, &response{status: http.StatusOK, header: h, body: body})
}

// parseQuery is url.ParseQuery (errors ignored, as opCall always did),
// without its copies for the usual query that has nothing to unescape.
func parseQuery(q string) url.Values {
	if strings.ContainsAny(q, "%+;") {
		v, _ := url.ParseQuery(q)
		return v
	}
	v := url.Values{}
	for q != "" {
		var kv string
		kv, q, _ = strings.Cut(q, "&")
		if kv == "" {
			continue
		}
		k, val, _ := strings.Cut(kv, "=")
		v[k] = append(v[k], val)
	}
	return v
}

// opCall turns a batch operation into a call; it inherits the top-level
// token unless it carries its own.
func (f *Fake) opCall(top *call, op batchOp) *call {
	method := strings.ToUpper(op.Method)
	if method == "" {
		method = http.MethodGet
	}
	rel := "/" + strings.TrimPrefix(op.RelativeURL, "/")
	pathPart, query, _ := strings.Cut(rel, "?")
	params := parseQuery(query)
	if len(op.Body) > 0 {
		var s string
		if json.Unmarshal(op.Body, &s) == nil {
			if bv, err := url.ParseQuery(s); err == nil {
				for k, v := range bv {
					params[k] = append(params[k], v...)
				}
			}
		} else {
			var m map[string]json.RawMessage
			if json.Unmarshal(op.Body, &m) == nil {
				for k, raw := range m {
					if json.Unmarshal(raw, &s) == nil {
						params.Set(k, s)
					} else {
						params.Set(k, string(raw))
					}
				}
			}
		}
	}
	if op.AccessToken != "" && params.Get("access_token") == "" {
		params.Set("access_token", op.AccessToken)
	}
	c := &call{method: methodOverride(method, params), path: stripVersion(pathPart), rawPath: pathPart, params: params,
		token: params.Get("access_token"), base: top.base, inBatch: true}
	if c.token == "" {
		c.token, c.tokenInHeader = top.token, top.tokenInHeader
		if params.Get("appsecret_proof") == "" && top.params.Get("appsecret_proof") != "" {
			params.Set("appsecret_proof", top.params.Get("appsecret_proof"))
		}
	}
	return c
}

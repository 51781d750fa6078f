package fb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

// MaxBatchOps is Facebook's limit of operations in one batch request.
const MaxBatchOps = 50

// fallbackConcurrency bounds the plain requests of one chunk that is retried
// operation by operation, so a failed batch does not turn into a burst of 50.
const fallbackConcurrency = 4

// BatchOp is one operation of a batch.
type BatchOp struct {
	Method      string     // GET (default), POST, DELETE
	RelativeURL string     // relative to the version root: "me?fields=id", "123/subscribed_apps"
	Body        url.Values // form body for POST
	// Token is this operation's access_token; zero uses the batch's
	// fallback token.
	Token token.Token

	// inputToken is debug_token's input_token, revealed only when the
	// request is built (see DebugTokenOp).
	inputToken token.Token
}

// DebugTokenOp is a self-inspection of tok (debug_token with tok as both
// access_token and input_token), for checking many tokens in batches.
func DebugTokenOp(tok token.Token) BatchOp {
	return BatchOp{Method: http.MethodGet, RelativeURL: "debug_token", Token: tok, inputToken: tok}
}

// BatchResult is one operation's answer, in the order of the operations.
type BatchResult struct {
	Code   int             // HTTP status of the operation
	Body   json.RawMessage // the operation's body (already un-quoted from the batch envelope)
	Header http.Header     // only when Facebook included headers
	Err    *Error          // the operation's failure, classified; nil on success
	// Null is true when the batch answered null for this operation (a time-out
	// inside Facebook); the operation was then retried on its own, and Err
	// tells whether that worked.
	Null bool
}

// Batch runs ops in batch requests of at most 50, with up to
// Config.BatchConcurrency requests in flight, and returns one result per
// operation in order. A null entry is retried on its own. A batch that fails
// as a whole (HTTP 5xx, transport failure, a top-level Graph error or an
// unreadable answer) is retried operation by operation, each as a plain
// request with its own token. The returned error is only for unusable input
// or a context that ended; per-operation failures are in BatchResult.Err.
func (c *Client) Batch(ctx context.Context, fallback token.Token, ops []BatchOp) ([]BatchResult, error) {
	results := make([]BatchResult, len(ops))
	if len(ops) == 0 {
		return results, nil
	}
	ops = append([]BatchOp(nil), ops...) // normalised below; the caller's slice stays as given
	top := fallback
	for i := range ops {
		if ops[i].Method == "" {
			ops[i].Method = http.MethodGet
		}
		ops[i].Method = strings.ToUpper(ops[i].Method)
		switch ops[i].Method {
		case http.MethodGet, http.MethodPost, http.MethodDelete, http.MethodPut:
		default:
			return nil, fmt.Errorf("facebook: batch operation %d: unsupported method", i)
		}
		rel := ops[i].RelativeURL
		if rel == "" || strings.Contains(rel, "://") || strings.HasPrefix(rel, "//") {
			return nil, fmt.Errorf("facebook: batch operation %d: relative URL required", i)
		}
		if top.IsZero() {
			top = ops[i].Token
		}
	}
	if top.IsZero() {
		return nil, errors.New("facebook: batch needs an access token")
	}

	sem := make(chan struct{}, c.cfg.BatchConcurrency)
	var wg sync.WaitGroup
	for start := 0; start < len(ops); start += MaxBatchOps {
		end := min(start+MaxBatchOps, len(ops))
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			fillErr(results[start:], ctx, c)
			break
		}
		wg.Add(1)
		go func(start, end int) {
			defer wg.Done()
			defer func() { <-sem }()
			c.runChunk(ctx, top, ops[start:end], results[start:end])
		}(start, end)
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return results, &Error{Class: ClassTransient, Reason: reasonForCtx(err), Message: "batch interrupted", cause: err}
	}
	return results, nil
}

func reasonForCtx(err error) Reason {
	if errors.Is(err, context.Canceled) {
		return ReasonCanceled
	}
	return ReasonTimeout
}

func fillErr(rs []BatchResult, ctx context.Context, c *Client) {
	for i := range rs {
		if rs[i].Code == 0 && rs[i].Err == nil {
			rs[i].Err = &Error{Class: ClassTransient, Reason: reasonForCtx(ctx.Err()), Message: "not run: batch interrupted", cause: ctx.Err()}
		}
	}
}

// opParams is the operation's parameters with its credentials and
// debug_token input added: in the relative URL's query for GET and DELETE,
// in the body for POST and PUT, as Facebook expects per-operation tokens.
func (c *Client) opParams(op *BatchOp, tok token.Token) (path string, query, body url.Values) {
	path, rawq, _ := strings.Cut(op.RelativeURL, "?")
	query, _ = url.ParseQuery(rawq)
	if query == nil {
		query = url.Values{}
	}
	body = url.Values{}
	for k, v := range op.Body {
		body[k] = v
	}
	if !op.inputToken.IsZero() {
		query.Set("input_token", op.inputToken.Reveal())
	}
	creds := query
	if op.Method == http.MethodPost || op.Method == http.MethodPut {
		creds = body
	}
	query.Del("access_token")
	query.Del("appsecret_proof")
	if !tok.IsZero() {
		creds.Set("access_token", tok.Reveal())
		if !c.cfg.AppSecret.IsZero() {
			creds.Set("appsecret_proof", appSecretProof(tok, c.cfg.AppSecret))
		}
	}
	return strings.TrimLeft(path, "/"), query, body
}

type batchOpJSON struct {
	Method      string `json:"method"`
	RelativeURL string `json:"relative_url"`
	Body        string `json:"body,omitempty"`
}

func (c *Client) runChunk(ctx context.Context, top token.Token, ops []BatchOp, out []BatchResult) {
	enc := make([]batchOpJSON, len(ops))
	secrets := []token.Token{top}
	for i := range ops {
		path, q, body := c.opParams(&ops[i], ops[i].Token)
		rel := path
		if len(q) > 0 {
			rel += "?" + q.Encode()
		}
		enc[i] = batchOpJSON{Method: ops[i].Method, RelativeURL: rel}
		if len(body) > 0 {
			enc[i].Body = body.Encode()
		}
		secrets = append(secrets, ops[i].Token, ops[i].inputToken)
	}
	payload, _ := json.Marshal(enc)
	r := &request{
		method: http.MethodPost, url: c.cfg.GraphURL + "/" + c.cfg.Version,
		params:  url.Values{"batch": {string(payload)}, "include_headers": {"false"}},
		tok:     top,
		secrets: secrets,
	}
	resp, err := c.once(ctx, r)
	var parsed []BatchResult
	if err == nil {
		parsed, err = parseBatchResponse(resp.body, len(ops), r.scrubber(c.cfg.AppSecret))
	}
	if err != nil {
		if ctx.Err() != nil {
			fillErr(out, ctx, c)
			return
		}
		c.runEach(ctx, top, ops, out, func(int) bool { return true })
		return
	}
	copy(out, parsed)
	c.runEach(ctx, top, ops, out, func(i int) bool { return out[i].Null })
}

// runEach runs the selected operations as plain requests, a few at a time.
func (c *Client) runEach(ctx context.Context, top token.Token, ops []BatchOp, out []BatchResult, selected func(int) bool) {
	sem := make(chan struct{}, fallbackConcurrency)
	var wg sync.WaitGroup
	for i := range ops {
		if !selected(i) {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			null := out[i].Null
			out[i] = c.runOne(ctx, top, &ops[i])
			out[i].Null = null
		}(i)
	}
	wg.Wait()
}

func (c *Client) runOne(ctx context.Context, top token.Token, op *BatchOp) BatchResult {
	tok := op.Token
	if tok.IsZero() {
		tok = top
	}
	// Credentials are added by once; here only the operation's own
	// parameters (and debug_token's input) are gathered.
	path, q, body := c.opParams(op, token.Token{})
	params := q
	if op.Method == http.MethodPost || op.Method == http.MethodPut {
		params = body
		if len(q) > 0 {
			path += "?" + q.Encode()
		}
	}
	r := &request{
		method: op.Method, url: c.endpoint(path), params: params, tok: tok,
		secrets:    []token.Token{op.inputToken},
		idempotent: op.Method != http.MethodPost,
	}
	resp, err := c.do(ctx, r)
	var res BatchResult
	if resp != nil {
		res.Code, res.Header, res.Body = resp.status, resp.header, json.RawMessage(resp.body)
	}
	if err != nil {
		e, ok := AsError(err)
		if !ok {
			e = &Error{Class: ClassUnknown, Reason: ReasonUnknown, Message: "request failed"}
		}
		res.Err = e
		if res.Code == 0 {
			res.Code = e.HTTPStatus
		}
	}
	return res
}

// parseBatchResponse reads the batch answer: an array of null or
// {code, headers?, body:"<json string>"}. Fewer entries than operations
// count as nulls; a body that is not an array is an error (the whole batch
// failed).
func parseBatchResponse(data []byte, n int, sc scrubber) ([]BatchResult, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, &Error{Class: ClassTransient, Reason: ReasonTemporary, Message: "unreadable batch answer from Facebook"}
	}
	out := make([]BatchResult, n)
	for i := range out {
		if i >= len(raw) || string(raw[i]) == "null" || len(raw[i]) == 0 {
			out[i] = nullResult()
			continue
		}
		var e struct {
			Code    flexInt         `json:"code"`
			Headers json.RawMessage `json:"headers"`
			Body    json.RawMessage `json:"body"`
		}
		if json.Unmarshal(raw[i], &e) != nil {
			out[i] = nullResult()
			continue
		}
		res := BatchResult{Code: int(e.Code)}
		// The body is a JSON string holding JSON; tolerate an inline object.
		var s string
		if len(e.Body) > 0 && e.Body[0] == '"' {
			if json.Unmarshal(e.Body, &s) == nil {
				res.Body = json.RawMessage(s)
			}
		} else if len(e.Body) > 0 && string(e.Body) != "null" {
			res.Body = e.Body
		}
		if len(e.Headers) > 0 && string(e.Headers) != "null" {
			var hs []struct {
				Name  string `json:"name"`
				Value string `json:"value"`
			}
			if json.Unmarshal(e.Headers, &hs) == nil {
				res.Header = http.Header{}
				for _, h := range hs {
					if h.Name != "" {
						res.Header.Add(h.Name, h.Value)
					}
				}
			}
		}
		if res.Code >= 300 || res.Code <= 0 || hasErrorEnvelope(res.Body) {
			res.Err = decodeError(res.Code, res.Body, sc)
		}
		out[i] = res
	}
	return out, nil
}

func nullResult() BatchResult {
	return BatchResult{Null: true, Err: &Error{Class: ClassTransient, Reason: ReasonTemporary, IsTransient: true, Message: "no answer for this operation in the batch"}}
}

// TokenCheck is one token's inspection in InspectTokens.
type TokenCheck struct {
	Info TokenInfo
	Err  error // the inspection itself failed (throttled, offline, …): "could not check"
}

// InspectTokens self-inspects every token with batched debug_token calls
// (⌈N/50⌉ requests, Config.BatchConcurrency at a time). fallback is the
// batch's top-level token (a user token); zero uses the first token.
func (c *Client) InspectTokens(ctx context.Context, fallback token.Token, toks []token.Token) ([]TokenCheck, error) {
	ops := make([]BatchOp, len(toks))
	for i, t := range toks {
		ops[i] = DebugTokenOp(t)
	}
	res, err := c.Batch(ctx, fallback, ops)
	if res == nil {
		return nil, err
	}
	out := make([]TokenCheck, len(toks))
	for i, r := range res {
		if r.Err != nil {
			if r.Err.Class == ClassAuth && r.Code > 0 {
				// debug_token of a dead token may fail outright instead of
				// answering is_valid:false: it is still an answer.
				out[i].Info = TokenInfo{Valid: false, Error: r.Err}
				continue
			}
			out[i].Err = r.Err
			continue
		}
		sc := scrubber{toks[i].Reveal()}
		info, perr := parseTokenInfo(r.Body, r.Code, sc)
		if perr != nil {
			out[i].Err = perr
			continue
		}
		out[i].Info = info
	}
	return out, err
}

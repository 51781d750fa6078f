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

// BatchOp is one operation of a batch.
type BatchOp struct {
	Method      string     // GET (default), POST, DELETE
	RelativeURL string     // relative to the version root: "me?fields=id", "123/subscribed_apps"
	Body        url.Values // form body for POST
	// Token is this operation's access_token; zero uses the batch's
	// fallback token.
	Token token.Token

	// inputToken is debug_token's input_token, revealed only when the
	// request is built (see InspectOp).
	inputToken token.Token
}

// InspectOp is debug_token about tok, asked with the app token, for
// inspecting many tokens in batches. ok is false without an App Secret
// (CanInspect).
func (c *Client) InspectOp(tok token.Token) (op BatchOp, ok bool) {
	app := c.appToken()
	if app.IsZero() {
		return BatchOp{}, false
	}
	return BatchOp{Method: http.MethodGet, RelativeURL: "debug_token", Token: app, inputToken: tok}, true
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
// request with its own token; an answer over the size or nesting limits
// (answer.go) is not: every operation of it is an unexpected answer. The returned error is only for unusable input
// or a context that ended; per-operation failures are in BatchResult.Err.
func (c *Client) Batch(ctx context.Context, fallback token.Token, ops []BatchOp) ([]BatchResult, error) {
	return c.batch(ctx, fallback, ops, nil)
}

// batch is Batch with done, called for each chunk's results in the chunk's
// goroutine once they are final, so that decoding them overlaps the other
// batches' time on the network instead of running serially at the end.
func (c *Client) batch(ctx context.Context, fallback token.Token, ops []BatchOp, done func(start int, rs []BatchResult)) ([]BatchResult, error) {
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
	// Up to BatchConcurrency more chunks are encoded while the ones in
	// flight wait on the network, so that a freed slot is used at once
	// instead of after encoding 50 operations.
	ready := make(chan struct{}, 2*c.cfg.BatchConcurrency)
	var wg sync.WaitGroup
	for start := 0; start < len(ops); start += MaxBatchOps {
		end := min(start+MaxBatchOps, len(ops))
		select {
		case ready <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			fillErr(results[start:], ctx, c)
			break
		}
		wg.Add(1)
		go func(start, end int) {
			defer wg.Done()
			r := c.encode(c.chunkRequest(top, ops[start:end]))
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				<-ready
				fillErr(results[start:end], ctx, c)
				return
			}
			// The slot bounds batch requests in flight: it is given back
			// as soon as the HTTP exchange ends, so the next request is on
			// the wire while this answer is decoded.
			resp, err := c.sendChunk(ctx, r)
			<-sem
			<-ready
			c.finishChunk(ctx, top, ops[start:end], results[start:end], resp, err)
			if done != nil {
				done(start, results[start:end])
			}
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

// plainOpURL is opParams's relative URL, built directly, for the common
// operation without a query or body (an InspectOp): the same string as
// path + "?" + query.Encode(), whose keys sort as access_token,
// appsecret_proof, input_token. ok is false for any other operation.
func (c *Client) plainOpURL(op *BatchOp, tok token.Token) (string, bool) {
	if strings.ContainsAny(op.RelativeURL, "?") || len(op.Body) > 0 ||
		(op.Method != http.MethodGet && op.Method != http.MethodDelete) {
		return "", false
	}
	var b strings.Builder
	b.Grow(len(op.RelativeURL) + 480)
	b.WriteString(strings.TrimLeft(op.RelativeURL, "/"))
	sep := byte('?')
	add := func(k, v string) {
		b.WriteByte(sep)
		sep = '&'
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(v))
	}
	if !tok.IsZero() {
		add("access_token", tok.Reveal())
		if !c.cfg.AppSecret.IsZero() {
			add("appsecret_proof", appSecretProof(tok, c.cfg.AppSecret))
		}
	}
	if !op.inputToken.IsZero() {
		add("input_token", op.inputToken.Reveal())
	}
	return b.String(), true
}

type batchOpJSON struct {
	Method      string `json:"method"`
	RelativeURL string `json:"relative_url"`
	Body        string `json:"body,omitempty"`
}

// chunkRequest encodes one batch request.
func (c *Client) chunkRequest(top token.Token, ops []BatchOp) *request {
	enc := make([]batchOpJSON, len(ops))
	secrets := []token.Token{top}
	for i := range ops {
		if rel, ok := c.plainOpURL(&ops[i], ops[i].Token); ok {
			enc[i] = batchOpJSON{Method: ops[i].Method, RelativeURL: rel}
			secrets = append(secrets, ops[i].Token, ops[i].inputToken)
			continue
		}
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
	// Each operation's headers come back (include_headers is left at its
	// default, true): a Page token's X-Business-Use-Case-Usage is only in
	// its own operation's headers, and it is what paces a health round.
	return &request{
		method: http.MethodPost, url: c.cfg.GraphURL + "/" + c.cfg.Version,
		params:  url.Values{"batch": {string(payload)}},
		tok:     top,
		secrets: secrets,
	}
}

// sendChunk sends an encoded batch request once (a failed batch is
// retried operation by operation instead, see finishChunk).
func (c *Client) sendChunk(ctx context.Context, r *encoded) (*chunkAnswer, error) {
	resp, err := c.send(ctx, r)
	if err != nil {
		return nil, err
	}
	return &chunkAnswer{resp: resp, sc: r.sc}, nil
}

type chunkAnswer struct {
	resp *response
	sc   scrubber
}

// finishChunk decodes a batch answer into out and retries null operations on
// their own; when the batch failed as a whole, every operation is retried on
// its own.
func (c *Client) finishChunk(ctx context.Context, top token.Token, ops []BatchOp, out []BatchResult, ans *chunkAnswer, err error) {
	var parsed []BatchResult
	if err == nil {
		parsed, err = parseBatchResponse(ans.resp.body, len(ops), ans.sc)
	}
	if err != nil {
		if ctx.Err() != nil {
			fillErr(out, ctx, c)
			return
		}
		if e, ok := AsError(err); ok && refusedAnswer(err) {
			// Too large or too deep: asking each operation alone would
			// only fetch as much again, 50 times.
			for i := range out {
				out[i] = BatchResult{Code: e.HTTPStatus, Err: e}
			}
			return
		}
		c.runEach(ctx, top, ops, out, func(int) bool { return true })
		return
	}
	copy(out, parsed)
	for _, r := range parsed {
		if r.Header != nil {
			c.noteUsage(r.Header)
		}
	}
	c.runEach(ctx, top, ops, out, func(i int) bool { return out[i].Null })
}

// runEach runs the selected operations as plain requests. They share one
// client-wide limit (BatchConcurrency), so a Facebook failing every batch
// sees at most that many requests at once, not 50 per failed batch.
func (c *Client) runEach(ctx context.Context, top token.Token, ops []BatchOp, out []BatchResult, selected func(int) bool) {
	var wg sync.WaitGroup
	for i := range ops {
		if !selected(i) {
			continue
		}
		select {
		case c.opSem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			fillErr(out[i:], ctx, c)
			break
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-c.opSem }()
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

// batchEntry is one operation's answer in a batch envelope.
type batchEntry struct {
	Code    flexInt       `json:"code"`
	Headers []batchHeader `json:"headers"`
	Body    batchBody     `json:"body"`
}

// batchBody is an operation's body: Facebook sends its JSON as a string,
// decoded here in the same pass as the envelope (an inline value is
// tolerated as it is). The envelope's reading checked the envelope's
// nesting, not the body's: err is set when the body nests too deep.
type batchBody struct {
	b   []byte
	err error
}

func (b *batchBody) UnmarshalJSON(data []byte) error {
	switch {
	case data[0] == '"':
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		b.b = []byte(s)
	case string(data) == "null":
		b.b = nil
	default:
		b.b = append([]byte(nil), data...)
	}
	b.err = checkDepth(b.b)
	return nil
}

type batchHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// parseBatchResponse reads the batch answer: an array of null or
// {code, headers?, body:"<json string>"}. Fewer entries than operations
// count as nulls; anything but an array is an error (the whole batch
// failed).
func parseBatchResponse(data []byte, n int, sc scrubber) ([]BatchResult, error) {
	var raw []*batchEntry // a null entry decodes to a nil pointer
	if err := json.Unmarshal(data, &raw); err != nil || raw == nil {
		return nil, unexpectedAnswer(0, "unreadable batch answer from Facebook", err)
	}
	out := make([]BatchResult, n)
	for i := range out {
		if i >= len(raw) || raw[i] == nil {
			out[i] = nullResult()
			continue
		}
		e := raw[i]
		res := BatchResult{Code: int(e.Code), Body: json.RawMessage(e.Body.b)}
		if e.Body.err != nil {
			res.Body = nil
			res.Err = unexpectedAnswer(res.Code, "batch operation answer: "+e.Body.err.Error(), e.Body.err)
			out[i] = res
			continue
		}
		if len(e.Headers) > 0 {
			res.Header = make(http.Header, len(e.Headers))
			for _, h := range e.Headers {
				if h.Name != "" {
					res.Header.Add(h.Name, h.Value)
				}
			}
		}
		switch {
		case res.Code >= 300 || hasErrorEnvelope(res.Body):
			res.Err = decodeError(res.Code, res.Body, sc)
		case res.Code < 200:
			res.Err = unexpectedAnswer(res.Code, "batch operation without an HTTP status", nil)
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

// InspectTokens inspects every token with batched debug_token calls asked
// with the app token (⌈N/50⌉ requests, Config.BatchConcurrency at a time).
// Without an App Secret it returns ErrCannotInspect.
func (c *Client) InspectTokens(ctx context.Context, toks []token.Token) ([]TokenCheck, error) {
	ops := make([]BatchOp, len(toks))
	for i, t := range toks {
		op, ok := c.InspectOp(t)
		if !ok {
			return nil, ErrCannotInspect
		}
		ops[i] = op
	}
	out := make([]TokenCheck, len(toks))
	res, err := c.batch(ctx, token.Token{}, ops, func(start int, rs []BatchResult) {
		for j, r := range rs {
			out[start+j] = tokenCheckOf(r, toks[start+j])
		}
	})
	if res == nil {
		return nil, err
	}
	if err != nil {
		// Chunks that never ran were filled with the context's error but
		// never reached the hook.
		for i, r := range res {
			if out[i].Err == nil && !out[i].Info.Valid && out[i].Info.Error == nil {
				out[i] = tokenCheckOf(r, toks[i])
			}
		}
	}
	return out, err
}

func tokenCheckOf(r BatchResult, tok token.Token) TokenCheck {
	if r.Err != nil {
		// An error of the call itself (the app token refused, throttled,
		// offline) says nothing about tok: "could not check".
		return TokenCheck{Err: r.Err}
	}
	info, err := parseTokenInfo(r.Body, r.Code, scrubber{tok.Reveal()})
	if err != nil {
		return TokenCheck{Err: err}
	}
	return TokenCheck{Info: info}
}

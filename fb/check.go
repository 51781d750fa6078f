package fb

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

// PageProbe is one Page to check with its own Page token.
type PageProbe struct {
	PageID string
	Token  token.Token
}

// PageNode is what a Page token can read of its own Page. (The Page node
// has no tasks: only the edges listing a person's Pages do.)
type PageNode struct {
	ID, Name  string
	Published *bool // nil: Facebook did not say
}

// PageHealth is one Page's answers in a health round. Each operation has
// its own error: an operation that could not be answered (throttled,
// offline, …) says nothing about the others.
type PageHealth struct {
	PageID string

	// Inspected: debug_token was asked (with the app token, so only when an
	// App Secret is set). Without it, Token is empty and the Page token is
	// judged by what it could read: the Page and its subscription.
	Inspected bool
	// Token is debug_token's answer; an invalid token is an answer
	// (Token.Valid false, Token.Error says why), not a TokenErr.
	Token TokenInfo
	// TokenErr: the inspection itself could not be answered.
	TokenErr *Error

	Page    PageNode
	PageErr *Error

	// Apps is this app's webhook subscription (empty: not subscribed).
	Apps   []SubscribedApp
	SubErr *Error
}

// Subscribed reports whether the app is subscribed to the Page's webhooks.
func (h PageHealth) Subscribed() bool { return len(h.Apps) > 0 }

// SubscribedFields is the union of the subscribed fields.
func (h PageHealth) SubscribedFields() []string {
	var out []string
	for _, a := range h.Apps {
		out = append(out, a.Fields...)
	}
	return out
}

// checkPageFields are read with the Page's own token.
const checkPageFields = "id,name,is_published"

// CheckPages runs a health round: for every Page, with an App Secret,
// debug_token about its Page token asked with the app token; then, with the
// Page's own token, the Page node (id,name,is_published) and
// subscribed_apps. The operations go in batch requests of 50,
// Config.BatchConcurrency requests in flight, laid out kind by kind, so a
// round over N Pages takes ⌈3N/50⌉ requests (⌈2N/50⌉ without an App Secret;
// at most ⌈N/50⌉ per operation kind). Without an App Secret the token is
// judged by those two reads alone (PageHealth.Inspected is false).
//
// fallback is each batch's top-level token; zero uses the app token when an
// App Secret is configured, else the first Page's token. A batch refused as
// a whole (its top-level token is dead, HTTP 5xx, an unreadable answer) is
// retried operation by operation, each with its own token; an answer over
// the size or nesting limits is not (answer.go). An answer without a field
// the verdict needs (is_valid, scopes, the Page's id, subscribed_apps'
// data) is an unexpected answer for that operation, never a verdict. A batch that
// never reaches Facebook (offline, time-out) is tried again with back-off;
// if it still fails, the remaining batches are not sent and their Pages are
// reported with that error ("could not check") instead of hammering a
// network that is down.
//
// Throttling slows the round instead of failing it: a throttled operation
// is that Page's "could not check", and when the usage headers say a budget
// is at or over 90 % with an estimated time to regain access, the batches
// not yet sent wait that long (within the context's deadline; past it the
// rest are reported throttled, not sent).
//
// The error is only for a context that ended; per-Page failures are in
// PageHealth.
func (c *Client) CheckPages(ctx context.Context, fallback token.Token, probes []PageProbe) ([]PageHealth, error) {
	return c.CheckPagesEach(ctx, fallback, probes, 0, nil)
}

// CheckPagesEach is CheckPages reporting as it goes, so that a caller can
// record answers while the rest are on the network: the Pages are checked
// in groups of group Pages (rounded up to a multiple of 50; 0: one group),
// each group's operations laid out kind by kind, which keeps ⌈N/50⌉
// requests per kind. done gets each group's answers (hs is
// result[from:from+len(hs)], final) once the group's last operation is
// answered, from the round's goroutines, possibly at once, in no set order.
// Once the context has ended no group is reported: its answers would be
// "interrupted", not about the Page.
func (c *Client) CheckPagesEach(ctx context.Context, fallback token.Token, probes []PageProbe, group int,
	done func(from int, hs []PageHealth)) ([]PageHealth, error) {
	n := len(probes)
	out := make([]PageHealth, n)
	if n == 0 {
		return out, nil
	}
	if group <= 0 {
		group = n
	}
	group = (group + MaxBatchOps - 1) / MaxBatchOps * MaxBatchOps
	inspect := c.CanInspect()
	first := uint8(1) // kinds: 0 debug_token (only with the app token), 1 Page, 2 subscribed_apps
	if inspect {
		first = 0
	}
	ops := make([]BatchOp, 0, 3*n)
	valid := make([]bool, n)
	for i, p := range probes {
		out[i].PageID, out[i].Inspected = p.PageID, inspect
		if _, err := segment(p.PageID); err != nil || p.Token.IsZero() {
			e := &Error{Class: ClassInvalidRequest, Reason: ReasonInvalidParameter, Message: "no Page ID or token to check"}
			out[i].TokenErr, out[i].PageErr, out[i].SubErr = e, e, e
			continue
		}
		valid[i] = true
	}
	// Within a group, kind-major: its debug_token operations, then its
	// Page reads, then its subscribed_apps, so each kind fills whole batches.
	var (
		idx  []int   // op → probe
		kind []uint8 // op → 0 debug_token, 1 Page, 2 subscribed_apps
	)
	left := make([]int, (n+group-1)/group) // group → operations not yet answered
	for g := 0; g < n; g += group {
		for k := first; k < 3; k++ {
			for i := g; i < min(g+group, n); i++ {
				if !valid[i] {
					continue
				}
				p := probes[i]
				seg, _ := segment(p.PageID)
				var op BatchOp
				switch k {
				case 0:
					op, _ = c.InspectOp(p.Token)
				case 1:
					op = BatchOp{Method: http.MethodGet, RelativeURL: seg + "?fields=" + url.QueryEscape(checkPageFields), Token: p.Token}
				case 2:
					op = BatchOp{Method: http.MethodGet, RelativeURL: seg + "/subscribed_apps", Token: p.Token}
				}
				ops = append(ops, op)
				idx = append(idx, i)
				kind = append(kind, k)
				left[g/group]++
			}
		}
	}
	report := func(g int) {
		if done != nil && ctx.Err() == nil {
			from := g * group
			done(from, out[from:min(from+group, n)])
		}
	}
	for g, l := range left {
		if l == 0 { // nothing to ask: every Page of the group is answered
			report(g)
		}
	}
	if len(ops) == 0 {
		return out, nil
	}
	top := fallback
	if top.IsZero() {
		top = c.appToken()
	}
	if top.IsZero() {
		top = ops[0].Token
	}

	var leftMu sync.Mutex
	decode := func(start int, rs []BatchResult) {
		var finished []int
		for j, r := range rs {
			oi := start + j
			p := idx[oi]
			switch kind[oi] {
			case 0:
				tc := tokenCheckOf(r, probes[p].Token)
				out[p].Token = tc.Info
				if tc.Err != nil {
					out[p].TokenErr = asErr(tc.Err)
				}
			case 1:
				out[p].Page, out[p].PageErr = pageNodeOf(r)
			case 2:
				out[p].Apps, out[p].SubErr = c.subscribedAppsOf(r)
			}
			leftMu.Lock()
			if left[p/group]--; left[p/group] == 0 {
				finished = append(finished, p/group)
			}
			leftMu.Unlock()
		}
		for _, g := range finished {
			report(g)
		}
	}

	roundStart := c.now()
	var (
		wg       sync.WaitGroup
		abort    atomic.Pointer[Error]
		lastWait time.Time
	)
	sem := make(chan struct{}, c.cfg.BatchConcurrency)
	for start := 0; start < len(ops); start += MaxBatchOps {
		end := min(start+MaxBatchOps, len(ops))
		if e := abort.Load(); e != nil {
			wg.Wait() // the chunks in flight finish first: their results stand
			c.fillRest(ops, start, e, decode)
			break
		}
		if wait, at := c.paceWait(roundStart); wait > 0 && at.After(lastWait) {
			lastWait = at
			if dl, ok := ctx.Deadline(); ok && !c.now().Add(wait).Before(dl) {
				wg.Wait()
				c.fillRest(ops, start, &Error{Class: ClassThrottled, Reason: ReasonAppRateLimited,
					Message: "not checked: Facebook asked to wait " + wait.Round(time.Minute).String()}, decode)
				break
			}
			if c.sleep(ctx, wait) != nil {
				break
			}
		}
		// Encoded before waiting for a slot: a freed slot sends at once.
		req := c.encode(c.chunkRequest(top, ops[start:end]))
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func(start, end int) {
			defer wg.Done()
			rs := make([]BatchResult, end-start)
			ans, err := c.sendChunkRetrying(ctx, req)
			<-sem
			if e, ok := AsError(err); ok && ans == nil && unavailable(e) && ctx.Err() == nil {
				for i := range rs {
					rs[i] = BatchResult{Err: e}
				}
				abort.CompareAndSwap(nil, e)
			} else {
				c.finishChunk(ctx, top, ops[start:end], rs, ans, err)
			}
			decode(start, rs)
		}(start, end)
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		e := &Error{Class: ClassTransient, Reason: reasonForCtx(err), Message: "health round interrupted", cause: err}
		for i := range out {
			if out[i].TokenErr == nil && !out[i].Token.Valid && out[i].Token.Error == nil {
				out[i].TokenErr = e
			}
		}
		return out, e
	}
	return out, nil
}

func asErr(err error) *Error {
	if e, ok := AsError(err); ok {
		return e
	}
	return &Error{Class: ClassUnknown, Reason: ReasonUnknown, Message: "unexpected failure"}
}

// isTransport: the request never got an HTTP answer (offline, time-out).
func isTransport(e *Error) bool {
	return e.HTTPStatus == 0 && e.Class == ClassTransient && e.Reason != ReasonCanceled
}

// unavailable: a whole health batch got no answer about its operations
// because Facebook or the network is failing (offline, 5xx) or Facebook
// throttles the app. Asking each of its 50 operations alone, each with its
// own retries, would send Facebook fifty to a hundred and fifty times the
// requests exactly when it asked for fewer (the adversarial suite measured
// 302 requests instead of 2 for 50 Pages); the round stops instead and
// those Pages could not be checked (a Page known to be broken keeps its
// status).
func unavailable(e *Error) bool {
	return isTransport(e) || (e.Reason != ReasonCanceled && (e.Class == ClassTransient || e.Class == ClassThrottled))
}

// fillRest reports every operation from start on as failed with e, without
// sending it.
func (c *Client) fillRest(ops []BatchOp, start int, e *Error, decode func(int, []BatchResult)) {
	rs := make([]BatchResult, len(ops)-start)
	for i := range rs {
		rs[i] = BatchResult{Err: e}
	}
	decode(start, rs)
}

// sendChunkRetrying sends one batch request; when it never reaches
// Facebook, or Facebook is failing or throttling (unavailable), it is tried
// again (reads only: a health batch changes nothing) with the client's
// back-off.
func (c *Client) sendChunkRetrying(ctx context.Context, req *encoded) (*chunkAnswer, error) {
	for attempt := 1; ; attempt++ {
		ans, err := c.sendChunk(ctx, req)
		e, ok := AsError(err)
		if err == nil || !ok || ans != nil || !unavailable(e) || attempt >= c.cfg.Retry.MaxAttempts || ctx.Err() != nil {
			return ans, err
		}
		if c.sleep(ctx, c.backoff(attempt)) != nil {
			return ans, err
		}
	}
}

// paceWait is how long the next batch should wait given the usage headers
// seen since the round started: the estimated time to regain access when a
// budget is at or over the high-water mark, else zero. at identifies the
// report, so one report is waited on once.
func (c *Client) paceWait(since time.Time) (time.Duration, time.Time) {
	u := c.Usage()
	if u.At.Before(since) || u.Max() < usageHighWater {
		return 0, time.Time{}
	}
	r := u.RegainIn()
	if r <= 0 {
		return 0, time.Time{}
	}
	return r + regainMargin, u.At
}

// pageNodeOf decodes the Page read. An answer without the Page's id is
// not a Page.
func pageNodeOf(r BatchResult) (PageNode, *Error) {
	if r.Err != nil {
		return PageNode{}, r.Err
	}
	var j pageNodeJSON
	if err := json.Unmarshal(r.Body, &j); err != nil || j.ID == "" {
		return PageNode{}, unexpectedAnswer(r.Code, "unexpected Page answer from Facebook", err)
	}
	return j.node(), nil
}

type pageNodeJSON struct {
	ID          flexString `json:"id"`
	Name        string     `json:"name"`
	IsPublished *flexBool  `json:"is_published"`
}

func (j pageNodeJSON) node() PageNode {
	n := PageNode{ID: string(j.ID), Name: j.Name}
	if j.IsPublished != nil {
		b := bool(*j.IsPublished)
		n.Published = &b
	}
	return n
}

// subscribedAppsOf decodes the subscription read. Its data list is the
// answer ("[]": not subscribed); without it nothing is known.
func (c *Client) subscribedAppsOf(r BatchResult) ([]SubscribedApp, *Error) {
	if r.Err != nil {
		return nil, r.Err
	}
	var j struct {
		Data []struct {
			ID     flexString `json:"id"`
			Name   string     `json:"name"`
			Fields []string   `json:"subscribed_fields"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.Body, &j); err != nil || j.Data == nil {
		return nil, unexpectedAnswer(r.Code, "unexpected subscribed_apps answer from Facebook", err)
	}
	out := make([]SubscribedApp, 0, len(j.Data))
	for _, a := range j.Data {
		if c.ours(string(a.ID)) {
			if a.Fields == nil {
				return nil, errNoSubscribedFields(r.Code)
			}
			out = append(out, SubscribedApp{ID: string(a.ID), Name: a.Name, Fields: a.Fields})
		}
	}
	return out, nil
}

// errNoSubscribedFields: this app's subscription without its fields says
// nothing about which webhook events arrive.
func errNoSubscribedFields(status int) *Error {
	return unexpectedAnswer(status, "Facebook's subscribed_apps answer does not list this app's fields", nil)
}

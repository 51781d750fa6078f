package keeper

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/sandbox"
	"github.com/pagekeeper/pagekeeper/store"
)

// oddAnswers sits between Pagekeeper and the fake like a proxy and, once
// set, replaces Facebook's answers with body: every batch operation's body,
// or (whole) the whole answer of every request.
type oddAnswers struct {
	mu    sync.Mutex
	body  string // "": answers pass unchanged
	whole bool
}

func (o *oddAnswers) set(body string, whole bool) {
	o.mu.Lock()
	o.body, o.whole = body, whole
	o.mu.Unlock()
}

func (o *oddAnswers) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	o.mu.Lock()
	body, whole := o.body, o.whole
	o.mu.Unlock()
	if err != nil || body == "" {
		return resp, err
	}
	out := body
	if batch := r.Method == http.MethodPost && strings.Count(strings.Trim(r.URL.Path, "/"), "/") == 0; batch && !whole {
		var entries []map[string]any
		raw, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(raw, &entries); err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e != nil {
				e["body"] = body
			}
		}
		b, _ := json.Marshal(entries)
		out = string(b)
	}
	resp.Body.Close()
	resp.Body, resp.ContentLength = io.NopCloser(strings.NewReader(out)), int64(len(out))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// useOddAnswers puts an oddAnswers between the keeper and the fake (a
// keeper on a fresh folder: call it before connect).
func (e *hEnv) useOddAnswers() *oddAnswers {
	odd := &oddAnswers{}
	e.k = e.open(Options{FacebookHTTP: &http.Client{Transport: odd}, FacebookRetry: fb.RetryPolicy{MaxAttempts: 1}})
	return odd
}

func (e *hEnv) openIncidents() []store.Incident {
	e.t.Helper()
	incs, err := e.k.store.Incidents(context.Background(), "", true)
	if err != nil {
		e.t.Fatal(err)
	}
	return incs
}

// Odd but valid JSON from Facebook, in every operation of a round or as
// the whole answer, is "could not check" for every Page: no Page turns
// Invalid, no incident opens, no alert goes out (issue 16 item 3).
func TestOddAnswersMakeNoVerdictNoIncidentNoAlert(t *testing.T) {
	for _, tc := range []struct {
		body  string
		whole bool
	}{{`{}`, false}, {`null`, false}, {`{"data":{}}`, false}, {`{}`, true}, {`null`, true}, {`{"data":{}}`, true}} {
		e := newHealthEnv(t, sandbox.Options{Seed: 21})
		odd := e.useOddAnswers()
		e.connect(sandbox.PageSunriseCafe, sandbox.PageHarborBooks)
		if r := e.round(); r.Totals.Valid != 2 {
			t.Fatalf("before: %+v", r.Totals)
		}
		odd.set(tc.body, tc.whole)
		r := e.round()
		if r.Totals.CouldNotCheck != 2 || r.Totals.Invalid+r.Totals.NeedsAttention != 0 {
			t.Fatalf("%s (whole %v): %+v", tc.body, tc.whole, r.Totals)
		}
		for _, p := range r.Pages {
			if p.Reason != ReasonUnexpected {
				t.Fatalf("%s (whole %v): %s is %s/%s, want unexpected_answer", tc.body, tc.whole, p.Name, p.Status, p.Reason)
			}
		}
		if incs := e.openIncidents(); len(incs) != 0 {
			t.Fatalf("%s (whole %v): incidents opened: %+v", tc.body, tc.whole, incs)
		}
		if as := e.takeAlerts(); len(as) != 0 {
			t.Fatalf("%s (whole %v): alerts: %+v", tc.body, tc.whole, as)
		}
	}
}

// A Page known to be broken stays so through a round that cannot check it
// (throttled, 5xx, offline, an unexpected answer): still Invalid, marked not
// re-confirmed since the round that found it, its incident open, no second
// alert, and the round still counts it as needing its owner, which is what
// `check` exits 1 on (issue 16 item 5). The next round that can check
// confirms it again and the note goes.
func TestAKnownProblemIsNotHiddenByATransientError(t *testing.T) {
	sunrise, harbor := sandbox.PageSunriseCafe, sandbox.PageHarborBooks
	for _, tc := range []struct {
		name   string
		fault  func(*hEnv, *oddAnswers)
		reason Reason
	}{
		{"5xx", func(e *hEnv, _ *oddAnswers) { e.fake.FailNext("", 1000, http.StatusInternalServerError) }, ReasonTemporary},
		{"throttled", func(e *hEnv, _ *oddAnswers) { e.fake.ThrottleFor("", 4, 24*time.Hour) }, ReasonThrottled},
		{"offline", func(e *hEnv, _ *oddAnswers) { e.fake.SetOffline(true) }, ReasonOffline},
		{"unexpected answer", func(_ *hEnv, o *oddAnswers) { o.set(`{}`, false) }, ReasonUnexpected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newHealthEnv(t, sandbox.Options{Seed: 22})
			odd := e.useOddAnswers()
			e.connect(sunrise, harbor)
			e.round()
			e.fake.RemoveRole(sandbox.DemoUserID, sunrise)
			found := e.round()
			if p := found.page(sunrise); p.Status != StatusInvalid || p.Reason != ReasonRoleLost || p.NotReconfirmed != ReasonNone {
				t.Fatalf("role lost: %+v", p)
			}
			if as := e.takeAlerts(); len(as) != 1 || as[0].Kind != AlertOpened {
				t.Fatalf("role lost: alerts %+v", as)
			}
			foundAt := found.page(sunrise).CheckedAt
			e.fake.Clock().Advance(time.Hour)

			tc.fault(e, odd)
			r := e.round()
			p := r.page(sunrise)
			if p.Status != StatusInvalid || p.Reason != ReasonRoleLost || p.Repair != RepairRenew {
				t.Fatalf("after a round that could not check: %s/%s/%s, want invalid/role_lost/renew", p.Status, p.Reason, p.Repair)
			}
			if p.NotReconfirmed != tc.reason || !p.ConfirmedAt.Equal(foundAt) || p.Note().IsZero() {
				t.Fatalf("not marked as not re-confirmed since %v: %q %v %q", foundAt, p.NotReconfirmed, p.ConfirmedAt, p.Note())
			}
			if !strings.Contains(p.Note().String(), tc.reason.Words().String()) {
				t.Fatalf("the note does not say why: %q", p.Note())
			}
			// What `check` decides on: a Page needs its owner.
			if r.Totals.Invalid != 1 || r.Totals.CouldNotCheck != 1 {
				t.Fatalf("totals %+v: the broken Page must still count as invalid", r.Totals)
			}
			if h := r.page(harbor); h.Status != StatusCouldNotCheck || h.NotReconfirmed != ReasonNone {
				t.Fatalf("a Page that was valid: %+v", h)
			}
			stored, err := e.k.store.Page(context.Background(), sunrise)
			if err != nil || stored.Status != store.StatusInvalid || stored.NotReconfirmed != string(tc.reason) || !stored.ConfirmedAt.Equal(foundAt) {
				t.Fatalf("stored: %s %q %v (%v)", stored.Status, stored.NotReconfirmed, stored.ConfirmedAt, err)
			}
			summary, err := e.k.Pages(context.Background())
			if err != nil || summary.Totals.Invalid != 1 {
				t.Fatalf("status: %+v %v", summary.Totals, err)
			}
			for _, s := range summary.Pages {
				if s.ID == sunrise && (s.NotReconfirmed != tc.reason || !s.ConfirmedAt.Equal(foundAt)) {
					t.Fatalf("status shows %+v", s)
				}
			}
			if incs := e.openIncidents(); len(incs) != 1 || incs[0].PageID != sunrise || incs[0].Reason != string(ReasonRoleLost) {
				t.Fatalf("incidents: %+v", incs)
			}
			if as := e.takeAlerts(); len(as) != 0 {
				t.Fatalf("alerts after a round that could not check: %+v", as)
			}
			for _, ev := range e.events("status_changed") {
				if ev.PageID == sunrise && !strings.HasPrefix(ev.Detail, "Valid to Invalid") {
					t.Fatalf("the known problem moved: %+v", ev)
				}
			}

			// A second round that cannot check keeps the first confirmation time.
			e.fake.Clock().Advance(time.Hour)
			if p := e.round().page(sunrise); p.Status != StatusInvalid || p.NotReconfirmed != tc.reason || !p.ConfirmedAt.Equal(foundAt) {
				t.Fatalf("second round: %+v", p)
			}

			// Facebook answers again: confirmed, the note goes.
			e.fake.SetOffline(false)
			e.fake.Reset()
			odd.set("", false)
			e.fake.RemoveRole(sandbox.DemoUserID, sunrise) // Reset gave the role back
			p = e.round().page(sunrise)
			if p.Status != StatusInvalid || p.Reason != ReasonRoleLost || p.NotReconfirmed != ReasonNone || !p.Note().IsZero() {
				t.Fatalf("confirmed again: %+v", p)
			}
			stored, _ = e.k.store.Page(context.Background(), sunrise)
			if stored.NotReconfirmed != "" || !stored.ConfirmedAt.IsZero() {
				t.Fatalf("stored after confirmation: %q %v", stored.NotReconfirmed, stored.ConfirmedAt)
			}
		})
	}
}

// A viewer (another process manages the folder) shows the same: the kept
// status, not re-confirmed.
func TestAViewerKeepsTheKnownProblemToo(t *testing.T) {
	e := newHealthEnv(t, sandbox.Options{Seed: 23})
	e.connect(sandbox.PageSunriseCafe)
	e.round()
	e.fake.RemoveRole(sandbox.DemoUserID, sandbox.PageSunriseCafe)
	foundAt := e.round().page(sandbox.PageSunriseCafe).CheckedAt
	viewer := openOnFakeWith(t, e.srv, Options{Dir: e.k.Dir(), Keyring: e.kr, Now: e.fake.Clock().Now}, Secrets{})
	if _, ro := viewer.ReadOnly(); !ro {
		t.Fatal("the second Open is not a viewer")
	}
	e.fake.SetOffline(true)
	r, err := viewer.CheckNow(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p := r.page(sandbox.PageSunriseCafe)
	if p.Status != StatusInvalid || p.NotReconfirmed != ReasonOffline || !p.ConfirmedAt.Equal(foundAt) || r.Totals.Invalid != 1 {
		t.Fatalf("viewer: %+v, totals %+v", p, r.Totals)
	}
}

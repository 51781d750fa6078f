package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/pagekeeper/pagekeeper/sandbox"
)

// maxRSSKiB bounds the memory of a check whatever Facebook answers: the
// run saw 23 GB (and the kernel's OOM killer) for 60 MB answers.
const maxRSSKiB = 400 << 10

// oddAnswers are what a proxy, a captive portal or a broken Facebook may
// send instead of a Graph answer (issue 16 items 3, 4 and 5).
var oddAnswers = []*answerMode{
	fixed("an empty object", 200, "application/json", `{}`),
	fixed("null", 200, "application/json", `null`),
	fixed(`{"data":{}}`, 200, "application/json", `{"data":{}}`),
	fixed("an empty list", 200, "application/json", `[]`),
	fixed("a string", 200, "application/json", `"ok"`),
	fixed("a web page", 200, "text/html", `<html><body>Sign in to the Wi-Fi</body></html>`),
	fixed("a 502 web page", 502, "text/html", `<html><body>Bad Gateway</body></html>`),
	fixed("a 500 transient error", 500, "application/json", `{"error":{"message":"An unexpected error has occurred.","type":"OAuthException","code":2,"is_transient":true}}`),
	fixed("throttled", 403, "application/json", `{"error":{"message":"(#4) Application request limit reached","type":"OAuthException","code":4,"is_transient":true}}`),
	fixed("a bare 401", 401, "text/plain", `Unauthorized`),
	{name: "batch items with {} bodies", serve: rewriteBatch(func(item map[string]any) any { item["body"] = "{}"; return item })},
	// Facebook answers null for an operation it did not run; the program
	// asks again one by one, and those answers are real.
	{name: "batch items null", serve: rewriteBatch(func(map[string]any) any { return nil }), realAnswers: true},
	// Without its status, an item's body still holds Facebook's answer.
	{name: "batch items without code", serve: rewriteBatch(func(item map[string]any) any { delete(item, "code"); return item }), realAnswers: true},
	{name: "the answer cut in half", serve: func(w http.ResponseWriter, _ *http.Request, real func() (int, http.Header, []byte)) {
		status, _, b := real()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(b[:len(b)/2])
	}},
	{name: "60 MB", serve: stream("60 MB", `{"data":[`, `{"id":"110000000000001","name":"Sunrise Café","tasks":["MANAGE"]},`, 60<<20)},
	{name: "4 MB of nesting", serve: stream("nesting", ``, `[[[[[[[[[[[[[[[[`, 4<<20)},
	{name: "a connection cut short", serve: func(w http.ResponseWriter, _ *http.Request, _ func() (int, http.Header, []byte)) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "100000")
		w.WriteHeader(200)
		_, _ = w.Write([]byte(`{"data":[{"id":`))
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				_ = c.Close()
			}
		}
	}},
}

func fixed(name string, status int, contentType, body string) *answerMode {
	return &answerMode{name: name, serve: func(w http.ResponseWriter, _ *http.Request, _ func() (int, http.Header, []byte)) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}}
}

// rewriteBatch changes every item of a batch answer; other answers pass.
func rewriteBatch(item func(map[string]any) any) func(http.ResponseWriter, *http.Request, func() (int, http.Header, []byte)) {
	return func(w http.ResponseWriter, _ *http.Request, real func() (int, http.Header, []byte)) {
		status, h, b := real()
		var items []map[string]any
		if json.Unmarshal(b, &items) == nil {
			out := make([]any, len(items))
			for i, it := range items {
				out[i] = item(it)
			}
			b, _ = json.Marshal(out)
		}
		copyHeader(w.Header(), h)
		w.WriteHeader(status)
		_, _ = w.Write(b)
	}
}

// stream sends head then chunk repeated up to n bytes, without a length:
// only a reader that stops itself is safe.
func stream(_ string, head, chunk string, n int) func(http.ResponseWriter, *http.Request, func() (int, http.Header, []byte)) {
	block := []byte(strings.Repeat(chunk, (64<<10)/len(chunk)+1))
	return func(w http.ResponseWriter, _ *http.Request, _ func() (int, http.Header, []byte)) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		sent, _ := w.Write([]byte(head))
		for sent < n {
			m, err := w.Write(block)
			if err != nil {
				return // the reader stopped: what a reader should do
			}
			sent += m
		}
	}
}

// caseOddAnswers: odd, malformed, oversized and failing answers never make
// a verdict: no Page turns Invalid because of them, a Page known to be
// broken stays so (not re-confirmed) and check exits 1 for it, memory stays
// bounded, and the next normal round finds everything as before.
func caseOddAnswers(s *suite) {
	w := s.newWorld(45) // 50 Pages: a batch of each kind per round
	defer w.close()
	dir := s.path("answers")
	s.expectRun(w.connectAll(dir), exitOK)
	w.fault(sandbox.FaultRequest{Kind: "role_lost", Page: sandbox.PageHarborBooks})
	p := w.program(dir)
	before := s.checkJSON(p)
	s.expect(before.ExitCode == exitFailed, "the check before: exit %d", before.ExitCode)
	known := map[string]string{}
	for _, pg := range before.Pages {
		known[pg.ID] = pg.Status
	}
	s.expect(known[sandbox.PageHarborBooks] == "invalid", "the Page that lost its role is %q", known[sandbox.PageHarborBooks])

	for _, m := range oddAnswers {
		w.setMode(m)
		w.sent.Store(0)
		r := p.run("check", "--json")
		w.setMode(nil)
		if os.Getenv("ADVERSARIAL_DEBUG") != "" {
			fmt.Fprintf(os.Stderr, "mode %s: %d requests, %s, %d MB\n", m.name, w.sent.Load(), r.took, r.maxRSS>>10)
		}
		j, err := parseCheck(r)
		if !s.expect(err == nil, "%s: not JSON (%v): %s", m.name, err, r) {
			continue
		}
		s.expect(r.code == exitFailed && j.ExitCode == exitFailed, "%s: exit %d, want 1 (a Page is known to be broken): %s", m.name, r.code, r)
		s.expect(r.maxRSS < maxRSSKiB, "%s: the check held %d MB", m.name, r.maxRSS>>10)
		changed := 0
		for _, pg := range j.Pages {
			want := known[pg.ID]
			switch {
			case want == "invalid" || want == "needs_attention":
				if pg.Status != want || (pg.NotReconfirmed == "" && !m.realAnswers) {
					changed++
				}
			case pg.Status != "could_not_check" && pg.Status != want:
				changed++
			}
		}
		s.expect(changed == 0 && len(j.Pages) == len(known), "%s: %d of %d Pages changed their verdict (%+v)", m.name, changed, len(known), j.Totals)
	}
	after := s.checkJSON(p)
	same := len(after.Pages) == len(before.Pages)
	for _, pg := range after.Pages {
		same = same && pg.Status == known[pg.ID] && pg.NotReconfirmed == ""
	}
	s.expect(same, "after the odd answers, a normal round does not find the Pages as before: %+v", after.Totals)
	// No Page but the broken one ever went Invalid: no incident, no alert.
	r := s.program().in(dir).run("export", "--csv", "-")
	rows, _ := exportRows(r.stdout)
	invalid := 0
	for _, row := range rows {
		if row["kind"] == "status_changed" && strings.Contains(row["detail"], "to Invalid") {
			invalid++
		}
	}
	s.expect(invalid == 1, "%d Pages went Invalid in the history; only the one that lost its role should", invalid)

	caseFailedSaves(s, w)
	caseHostileNames(s, w, dir)
}

func (s *suite) checkJSON(p pk) checkJSON {
	r := p.run("check", "--json")
	j, err := parseCheck(r)
	if err != nil {
		s.fatalf("check --json: %v: %s", err, r)
	}
	return j
}

// caseFailedSaves: when Facebook refuses every subscription, connect says
// that none was saved (not "the others are connected") and exits 1.
func caseFailedSaves(s *suite, w *world) {
	w.setMode(&answerMode{name: "subscriptions refused", serve: func(rw http.ResponseWriter, r *http.Request, real func() (int, http.Header, []byte)) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/subscribed_apps") {
			rw.Header().Set("Content-Type", "application/json")
			rw.WriteHeader(403)
			_, _ = rw.Write([]byte(`{"error":{"message":"(#200) Permissions error","type":"OAuthException","code":200}}`))
			return
		}
		status, h, b := real()
		copyHeader(rw.Header(), h)
		rw.WriteHeader(status)
		_, _ = rw.Write(b)
	}})
	defer w.setMode(nil)
	r := w.connectAll(s.path("refused"))
	s.expectRun(r, exitFailed, "None of the ")
	s.expect(!strings.Contains(r.out(), "the others are connected"), "%s", r)
}

// caseHostileNames: a Page named to run a formula in a spreadsheet reaches
// the export defused, whatever the separator (issue 16 item 9).
func caseHostileNames(s *suite, w *world, dir string) {
	const evil = `Cafe;=1+1`
	w.setMode(&answerMode{name: "a hostile Page name", serve: func(rw http.ResponseWriter, _ *http.Request, real func() (int, http.Header, []byte)) {
		status, h, b := real()
		b = bytes.ReplaceAll(b, []byte(`Sunrise Caf\u00e9`), []byte(evil))
		b = bytes.ReplaceAll(b, []byte(`Sunrise Café`), []byte(evil))
		copyHeader(rw.Header(), h)
		rw.WriteHeader(status)
		_, _ = rw.Write(b)
	}})
	r := w.program(dir).run("check")
	w.setMode(nil)
	s.expect(strings.Contains(r.out(), evil), "the renamed Page is not shown: %s", r)
	r = s.program().in(dir).run("export", "--csv", "-")
	s.expect(strings.Contains(r.stdout, `"Cafe;'=1+1"`), "the export does not defuse %q:\n%.2000s", evil, r.stdout)
	s.expect(!strings.Contains(r.stdout, `Cafe;=1+1`), "the export holds the formula as it came")
}

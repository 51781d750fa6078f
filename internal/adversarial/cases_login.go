package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pagekeeper/pagekeeper/internal/logintest"
	"github.com/pagekeeper/pagekeeper/sandbox"
)

// floodSize is how many forged callbacks the flood sends during one login
// (the run found 20,000 undeletable rows for 20,000).
const floodSize = 3000

// caseForgedCallbacks: while a login waits, forged and malformed requests
// to its loopback callback are refused and the login keeps waiting; a flood
// leaves a handful of counted rows; the real answer then completes the
// login; a replay finds the port closed (issue 16 item 8, and what held).
func caseForgedCallbacks(s *suite) {
	dir := s.path("forged")
	p := s.program().inSandbox(dir)
	pr := p.start("connect", "--no-browser", "--ports", "0", "--yes", "--timeout", "2m")
	defer func() {
		if !pr.exited() {
			pr.kill()
			pr.wait()
		}
	}()
	link := pr.waitLine(linkRe, 30*time.Second)
	if link == "" {
		s.fatalf("no login link")
	}
	state := mustQuery(s, link).Get("state")
	port := portOf(link)
	cb := "http://127.0.0.1:" + port + "/facebook/callback"
	wrongState := port + "." + random43()
	counted := 0
	for _, f := range []struct {
		name, method, target string
		header               http.Header
		status               int
		counted              bool
	}{
		{"wrong state", "GET", cb + "?code=AQforged&state=" + wrongState, nil, 400, true},
		{"no state", "GET", cb + "?code=AQforged", nil, 400, true},
		{"blank state", "GET", cb + "?code=AQforged&state=", nil, 400, true},
		{"right state, no code", "GET", cb + "?state=" + url.QueryEscape(state), nil, 400, true},
		{"cancel with a wrong state", "GET", cb + "?error=access_denied&state=" + wrongState, nil, 400, true},
		{"cancel without state", "GET", cb + "?error=access_denied&error_reason=user_denied", nil, 400, true},
		{"two states", "GET", cb + "?code=AQforged&state=" + url.QueryEscape(state) + "&state=" + wrongState, nil, 400, true},
		{"bad percent-encoding", "GET", cb + "?code=%zz&state=%", nil, 400, true},
		{"a 9 KiB query", "GET", cb + "?code=" + strings.Repeat("A", 9<<10) + "&state=" + wrongState, nil, 400, true},
		{"script in the error", "GET", cb + "?error=x&error_description=%3Cscript%3Ealert(1)%3C/script%3E&state=" + wrongState, nil, 400, true},
		{"another path", "GET", "http://127.0.0.1:" + port + "/admin?code=AQforged&state=" + url.QueryEscape(state), nil, 404, true},
		{"favicon", "GET", "http://127.0.0.1:" + port + "/favicon.ico", nil, 404, false},
		{"a POST", "POST", cb + "?code=AQforged&state=" + wrongState, nil, 405, true},
		{"a 32 KiB header", "GET", cb, http.Header{"X-Big": {strings.Repeat("b", 32<<10)}}, 431, false},
	} {
		s.fig.Inputs++
		status, body, err := request(f.method, f.target, f.header)
		if !s.expect(err == nil && status == f.status, "%s: HTTP %d (%v), want %d", f.name, status, err, f.status) {
			continue
		}
		s.expect(!strings.Contains(body, "<script>"), "%s: the page echoes a script", f.name)
		s.expect(!pr.exited(), "%s ended the login", f.name)
		if f.counted {
			counted++
		}
	}
	// A flood from many connections at once.
	var sent, refused atomic.Int64
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < floodSize; i += 8 {
				status, _, err := request("GET", cb+"?code=AQflood&state="+port+"."+random43(), nil)
				sent.Add(1)
				if err == nil && status == 400 {
					refused.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	s.fig.Inputs += int(sent.Load())
	s.expect(refused.Load() == floodSize, "the flood: %d of %d refused", refused.Load(), floodSize)
	counted += floodSize
	s.expect(!pr.exited(), "the flood ended the login")

	// The real answer still completes the login.
	_, realCallback, err := logintest.New().Login(link, logintest.Choice{})
	if err != nil {
		s.fatalf("the real answer after the forgeries: %v", err)
	}
	real := realCallback.String()
	r := pr.wait()
	s.expectRun(r, exitOK, "token stored; connected")
	// A replay of the real answer finds the port closed.
	s.fig.Inputs++
	_, _, err = request("GET", real, nil)
	s.expect(errors.Is(err, syscall.ECONNREFUSED), "a replay after the login: %v, want connection refused", err)

	// The history counts the refused callbacks in a handful of rows.
	r = p.run("export", "--csv", "-")
	rows, err := exportRows(r.stdout)
	if !s.expect(err == nil && r.code == exitOK, "export: %v %s", err, r) {
		return
	}
	events, total := 0, 0
	for _, row := range rows {
		if row["kind"] == "login_rejected" {
			events++
			n, err := strconv.Atoi(row["count"])
			if err != nil {
				n = 1 // an export without counts lists each one
			}
			total += n
		}
	}
	s.expect(total == counted, "the history counts %d refused callbacks, %d were sent", total, counted)
	s.expect(events > 0 && events <= 3*10, "%d login_rejected rows for %d refused callbacks", events, counted)
}

func mustQuery(s *suite, link string) url.Values {
	u, err := url.Parse(link)
	if err != nil {
		s.fatalf("%v", err)
	}
	return u.Query()
}

func random43() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// request sends one request as a browser or an attacker on this computer
// would, without keeping the connection.
func request(method, target string, h http.Header) (int, string, error) {
	req, err := http.NewRequest(method, target, nil)
	if err != nil {
		return 0, "", err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := browser.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(b), nil
}

// connectAll runs `connect` on dir and completes its login with every Page
// ticked; it returns the result.
func (w *world) connectAll(dir string, args ...string) result {
	pr := w.program(dir).start(append([]string{"connect", "--no-browser", "--ports", "0", "--yes", "--business"}, args...)...)
	if _, err := w.login(pr, sandbox.Consent{}); err != nil {
		pr.kill()
		r := pr.wait()
		w.s.fatalf("connect: %v\n%s", err, r)
	}
	return pr.wait()
}

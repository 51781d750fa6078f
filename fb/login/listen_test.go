package login

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/internal/logintest"
	"github.com/pagekeeper/pagekeeper/sandbox"
)

// Test 7: loopback only; the machine's other addresses do not answer.
func TestListensOnLoopbackOnly(t *testing.T) {
	env := startFake(t, devApp) // the direct (loopback) redirect
	s := start(t, config(env, nil))
	addrs := s.Addrs()
	if len(addrs) == 0 {
		t.Fatal("no listener")
	}
	v6 := false
	for _, a := range addrs {
		ip := a.(*net.TCPAddr).IP
		if !ip.IsLoopback() || ip.IsUnspecified() {
			t.Fatalf("listener on %s", a)
		}
		v6 = v6 || ip.To4() == nil
	}
	if ln, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		_ = ln.Close()
		if !v6 {
			t.Fatal("IPv6 loopback exists but the login does not listen on [::1]")
		}
	}
	if u, _ := url.Parse(s.RedirectURL()); u.Hostname() != "localhost" {
		t.Fatalf("redirect %s: Facebook auto-allows localhost, not 127.0.0.1", s.RedirectURL())
	}
	ifAddrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	tried := 0
	for _, a := range ifAddrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || ipn.IP.IsLinkLocalUnicast() {
			continue
		}
		tried++
		c, err := net.DialTimeout("tcp", net.JoinHostPort(ipn.IP.String(), strconv.Itoa(s.Port())), time.Second)
		if err == nil {
			_ = c.Close()
			t.Fatalf("the login port answers on %s", ipn.IP)
		}
	}
	if tried == 0 {
		t.Log("no non-loopback address on this machine: that check was skipped")
	}
	// And loopback does answer, on each family the login listens on.
	for _, a := range addrs {
		c, err := net.DialTimeout("tcp", a.String(), time.Second)
		if err != nil {
			t.Fatalf("loopback %s: %v", a, err)
		}
		_ = c.Close()
	}
}

// Test 8: a busy preferred port falls back; all busy is a clear error.
func TestPortFallbackAndAllBusy(t *testing.T) {
	env := startFake(t, sandbox.Options{})
	p1, p2 := freePort(t), freePort(t)
	for p2 == p1 {
		p2 = freePort(t)
	}
	hold4, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(p1)))
	if err != nil {
		t.Fatal(err)
	}
	cfg := config(env, nil)
	cfg.Ports = []int{p1, p2}
	s := start(t, cfg)
	if s.Port() != p2 {
		t.Fatalf("port %d, want fallback %d", s.Port(), p2)
	}
	p, _, err := logintest.New().Login(s.URL(), logintest.Choice{})
	mustPage(t, p, err, http.StatusOK, "Connected as")
	if _, err := wait(t, s); err != nil {
		t.Fatal(err)
	}
	_ = hold4.Close()

	// Busy on IPv6 loopback only: the browser may resolve localhost to
	// [::1], so that port is unusable too.
	if hold6, err := net.Listen("tcp6", net.JoinHostPort("::1", strconv.Itoa(p1))); err == nil {
		s := start(t, cfg)
		if s.Port() != p2 {
			t.Fatalf("port %d, want %d when [::1]:%d is taken", s.Port(), p2, p1)
		}
		s.Cancel()
		<-s.Done()
		_ = hold6.Close()
	}

	// All busy.
	var holds []net.Listener
	for _, p := range []int{p1, p2} {
		ln, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			t.Fatal(err)
		}
		holds = append(holds, ln)
	}
	defer func() {
		for _, ln := range holds {
			_ = ln.Close()
		}
	}()
	done := make(chan error, 1)
	go func() {
		_, err := Start(context.Background(), cfg)
		done <- err
	}()
	select {
	case err = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Start hangs when every port is busy")
	}
	var busy *PortsBusyError
	if !errors.As(err, &busy) {
		t.Fatalf("err %v, want *PortsBusyError", err)
	}
	msg := err.Error()
	for _, p := range []int{p1, p2} {
		if !strings.Contains(msg, strconv.Itoa(p)) {
			t.Fatalf("message does not name port %d: %s", p, msg)
		}
	}
	if !strings.Contains(msg, "Settings") || !strings.Contains(msg, "Close the program") {
		t.Fatalf("message does not say what to do: %s", msg)
	}
	if busy.Excluded || strings.Contains(msg, "netsh") {
		t.Fatal("the Windows hint belongs to WSAEACCES only")
	}
}

func TestPortsBusyMessageOnWindowsReservedRange(t *testing.T) {
	e := &PortsBusyError{Ports: []int{47321}, Excluded: true}
	if msg := e.Error(); !strings.Contains(msg, "netsh interface ipv4 show excludedportrange protocol=tcp") || !strings.Contains(msg, "47321") {
		t.Fatal(msg)
	}
}

// Test 13: the page escapes what it echoes; the success page only follows
// a valid state (covered in TestForgedCallbacksAreRejectedAndTheLoginWaits).
func TestErrorDescriptionIsEscaped(t *testing.T) {
	env := startFake(t, sandbox.Options{})
	s := start(t, config(env, nil))
	state, _ := url.Parse(s.URL())
	q := url.Values{"state": {state.Query().Get("state")}, "error": {"server_error"},
		"error_description": {`<script>alert(1)</script> see http://evil.example`}}
	p, err := logintest.New().Get(callbackURL(s, q.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != http.StatusBadGateway || !strings.Contains(p.Body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatalf("HTTP %d\n%s", p.Status, p.Body)
	}
	if strings.Contains(p.Body, "<script") {
		t.Fatal("script not escaped")
	}
	_, err = wait(t, s)
	var de *DialogError
	if !errors.As(err, &de) || de.Code != "server_error" {
		t.Fatalf("err %v", err)
	}
}

// Test 14: hostile input.
func TestHostileInput(t *testing.T) {
	env := startFake(t, sandbox.Options{})
	var rec attempts
	cfg := config(env, &rec)
	cfg.readHeaderTimeout = 300 * time.Millisecond
	s := start(t, cfg)
	b := logintest.New()
	cb, err := b.Consent(s.URL(), logintest.Choice{})
	if err != nil {
		t.Fatal(err)
	}
	state := cb.Query().Get("state")

	// 1 MB query: refused by the server before any handler (431), or the
	// connection is closed.
	p, err := b.Get(callbackURL(s, "state="+url.QueryEscape(state)+"&code="+strings.Repeat("A", 1<<20)))
	if err == nil && p.Status != http.StatusBadRequest && p.Status != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("1 MB query: HTTP %d", p.Status)
	}
	// 9 KiB: under the header limit, over the query limit.
	p, err = b.Get(callbackURL(s, "state="+url.QueryEscape(state)+"&code="+strings.Repeat("A", 9<<10)))
	mustPage(t, p, err, http.StatusBadRequest, english.TooLong)
	// Bad percent-encoding, with the right state.
	p, err = b.Get(callbackURL(s, "state="+url.QueryEscape(state)+"&code=%zz"))
	mustPage(t, p, err, http.StatusBadRequest, english.Malformed)
	p, err = b.Get(callbackURL(s, "state=%"))
	mustPage(t, p, err, http.StatusBadRequest, english.Malformed)

	// Slowloris: connections that never finish their headers are closed
	// after ReadHeaderTimeout, and the server answers others meanwhile.
	var slow []net.Conn
	for range 20 {
		c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port())))
		if err != nil {
			t.Fatal(err)
		}
		slow = append(slow, c)
		_, _ = io.WriteString(c, "GET "+CallbackPath+"?state=x HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
	}
	p, err = b.Get(callbackURL(s, "state=nope&code=x"))
	mustPage(t, p, err, http.StatusBadRequest, english.Rejected)
	for _, c := range slow {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err := bufio.NewReader(c).ReadByte() // EOF (or a 408) when the server gives up
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatal("a slow connection was kept open past ReadHeaderTimeout")
		}
		_ = c.Close()
	}
	stillWaiting(t, s)
	if env.codeExchanges() != 0 {
		t.Fatal("hostile input caused an exchange")
	}
	p, err = b.Get(cb.String())
	mustPage(t, p, err, http.StatusOK, "Connected as")
	if _, err := wait(t, s); err != nil {
		t.Fatal(err)
	}
	kinds := rec.kinds()
	if len(kinds) < 4 || kinds[0] != AttemptOversized || kinds[1] != AttemptMalformed {
		t.Fatalf("attempts %v", kinds)
	}
}

func TestParseCallback(t *testing.T) {
	const want = "47321.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ"
	st := url.QueryEscape(want)
	for _, c := range []struct {
		q       string
		verdict verdict
		kind    AttemptKind
	}{
		{"code=c&state=" + st, verdictCode, ""},
		{"state=" + st + "&code=c&extra=1", verdictCode, ""},
		{"error=access_denied&state=" + st, verdictError, ""},
		{"error=access_denied&code=c&state=" + st, verdictError, ""},
		{"code=c", verdictReject, AttemptMissingState},
		{"code=c&state=", verdictReject, AttemptMissingState},
		{"code=c&state=" + st + "x", verdictReject, AttemptStateMismatch},
		{"code=c&state=" + strings.ToUpper(st), verdictReject, AttemptStateMismatch},
		{"code=c&state=" + st + "&state=" + st, verdictReject, AttemptMalformed},
		{"code=c&code=d&state=" + st, verdictReject, AttemptMalformed},
		{"state=" + st, verdictReject, AttemptMissingCode},
		{"code=%zz&state=" + st, verdictReject, AttemptMalformed},
		{strings.Repeat("a", maxQuery+1), verdictReject, AttemptOversized},
	} {
		got := parseCallback(c.q, want)
		if got.verdict != c.verdict || got.kind != c.kind {
			t.Errorf("%.60q: verdict %d kind %q, want %d %q", c.q, got.verdict, got.kind, c.verdict, c.kind)
		}
	}
	if parseCallback("code=c&state=", "").verdict != verdictReject {
		t.Fatal("an empty expected state must never match")
	}
}

// FuzzCallbackQuery: the parser never panics and never accepts a query
// whose one state is not exactly the expected one.
func FuzzCallbackQuery(f *testing.F) {
	const want = "47321.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ"
	for _, seed := range []string{
		"code=c&state=" + want, "error=access_denied&state=" + want, "state=" + want, "code=c",
		"state=" + want + "&state=" + want, "code=%zz&state=" + want, "state=%", ";;;&&==", "state=47321.abc%00",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, q string) {
		cb := parseCallback(q, want)
		if cb.verdict == verdictReject {
			if cb.kind == "" {
				t.Fatal("rejected without a reason")
			}
			return
		}
		vals, err := url.ParseQuery(q)
		if err != nil || len(vals["state"]) != 1 || vals.Get("state") != want {
			t.Fatalf("accepted %q with a state other than the expected one", q)
		}
		if cb.verdict == verdictCode && cb.code == "" {
			t.Fatal("accepted an empty code")
		}
	})
}

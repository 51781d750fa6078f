package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pagekeeper/pagekeeper/fb/login/relay"
	"github.com/pagekeeper/pagekeeper/keeper"
	"github.com/pagekeeper/pagekeeper/sandbox"
)

// world is the pretend Facebook (the package sandbox, as sandbox-server
// serves it) with a proxy in front of it: the program's --facebook-url
// points at the proxy, which passes Facebook's answers on or rewrites them
// (mode). The program itself is a real installation: IT's preset next to
// it gives the pretend app's App ID, relay page and Login configuration.
type world struct {
	s     *suite
	srv   *sandbox.Server
	proxy *http.Server
	url   string // the proxy's address
	mode  atomic.Pointer[answerMode]
	// sent counts the Graph requests the proxy answered.
	sent atomic.Int64
	exe  string
}

// newWorld starts a pretend Facebook with the demo Pages and extra
// generated ones (the demo user is a full admin of them all).
func (s *suite) newWorld(extraPages int) *world {
	srv, err := sandbox.Start(sandbox.Options{Seed: s.rng.Int64(), ExtraPages: extraPages,
		Clock: sandbox.NewRunningClock(time.Now())})
	if err != nil {
		s.fatalf("starting the pretend Facebook: %v", err)
	}
	w := &world{s: s, srv: srv, exe: s.presetProgram(standardPreset())}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.fatalf("%v", err)
	}
	w.url = "http://" + ln.Addr().String()
	w.proxy = &http.Server{Handler: w, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = w.proxy.Serve(ln) }()
	s.secrets.add(srv.AdminToken, srv.Fake.Options().AppSecret)
	return w
}

// standardPreset is the installation the customer's IT sets up for the
// pretend app: relay mode, the Login for Business configuration.
func standardPreset() map[string]any {
	return map[string]any{"app_id": sandbox.DefaultAppID, "redirect_mode": "relay", "relay_url": sandbox.DemoRelayURL,
		"login_config_id": sandbox.DemoConfigID}
}

// presetProgram is the program with IT's preset beside it (a hard link, or
// a copy, in its own folder: a preset is read next to the executable).
func (s *suite) presetProgram(preset map[string]any) string {
	b, _ := json.Marshal(preset)
	dir := filepath.Join(s.work, "programs", fmt.Sprintf("%x", sum64(b)))
	exe := filepath.Join(dir, "pagekeeper")
	if _, err := os.Stat(exe); err == nil {
		return exe
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		s.fatalf("%v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, keeper.PresetFileName), b, 0o600); err != nil {
		s.fatalf("%v", err)
	}
	if err := os.Link(s.bin, exe); err != nil {
		if err := copyFile(s.bin, exe, 0o700); err != nil {
			s.fatalf("copying the program: %v", err)
		}
	}
	return exe
}

func sum64(b []byte) uint64 {
	var h uint64 = 14695981039346656037
	for _, c := range b {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return h
}

func copyFile(from, to string, perm os.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// program runs the real installation on the data folder dir, reaching
// Facebook through the proxy.
func (w *world) program(dir string) pk {
	return pk{s: w.s, exe: w.exe, dataDir: dir, facebookURL: w.url}
}

// close stops the world after keeping every token and code it issued as a
// secret to look for.
func (w *world) close() {
	w.harvest()
	_ = w.proxy.Close()
	_ = w.srv.Close()
}

// harvest adds every token and code the pretend Facebook issued so far to
// the secrets: it knows each one (its saved state lists them).
func (w *world) harvest() {
	var buf bytes.Buffer
	if err := w.srv.Fake.SaveState(&buf); err != nil {
		w.s.errorf("reading the pretend Facebook's state: %v", err)
		return
	}
	w.s.secrets.addFromState(buf.Bytes())
}

// pageTokens is every Page token the pretend Facebook issued so far, and
// the Page it is for.
func (w *world) pageTokens() map[string]string {
	var buf bytes.Buffer
	if err := w.srv.Fake.SaveState(&buf); err != nil {
		w.s.fatalf("reading the pretend Facebook's state: %v", err)
	}
	var st struct {
		Tokens []struct {
			Value string `json:"value"`
			Page  string `json:"page"`
		} `json:"tokens"`
	}
	if err := json.Unmarshal(buf.Bytes(), &st); err != nil {
		w.s.fatalf("the pretend Facebook's state: %v", err)
	}
	out := map[string]string{}
	for _, t := range st.Tokens {
		if t.Page != "" {
			out[t.Value] = t.Page
		}
	}
	return out
}

// fault makes the pretend Facebook play a problem.
func (w *world) fault(f sandbox.FaultRequest) {
	if err := w.srv.Fake.ApplyFault(f); err != nil {
		w.s.fatalf("fault %+v: %v", f, err)
	}
}

var linkRe = regexp.MustCompile(`^https?://\S+/dialog/oauth\?\S+$`)

// login plays the person at the dialog of the login a running command
// printed, and delivers Facebook's answer to the program's loopback
// callback as the relay page would. It returns the callback address.
func (w *world) login(pr *proc, c sandbox.Consent) (string, error) {
	link := pr.waitLine(linkRe, 30*time.Second)
	if link == "" {
		return "", fmt.Errorf("no login link was printed")
	}
	return w.answer(link, c)
}

// answer consents at the dialog link and opens the callback.
func (w *world) answer(link string, c sandbox.Consent) (string, error) {
	to, err := w.srv.Fake.Consent(link, c)
	if err != nil {
		return "", fmt.Errorf("the dialog: %w", err)
	}
	cb, err := relay.Forward(to)
	if err != nil {
		return "", fmt.Errorf("the relay's forward: %w", err)
	}
	resp, err := browser.Get(cb.String())
	if err != nil {
		return "", err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("the callback answered HTTP %d", resp.StatusCode)
	}
	return cb.String(), nil
}

// browser keeps no connections, so a closed callback port is refused.
var browser = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// portOf is the loopback callback port a dialog link's state names (relay
// mode: "<port>.<random>").
func portOf(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	port, _, _ := strings.Cut(u.Query().Get("state"), ".")
	return port
}

// answerMode rewrites the Graph API's answers on their way to the program
// (never the login dialog, the code exchange or the admin routes).
type answerMode struct {
	name  string
	serve func(w http.ResponseWriter, r *http.Request, real func() (int, http.Header, []byte))
	// realAnswers: Facebook's own answers still reach the program (the
	// mode changes only part of them), so a verdict may be re-confirmed.
	realAnswers bool
}

func (w *world) setMode(m *answerMode) { w.mode.Store(m) }

func (w *world) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var (
		once   sync.Once
		status int
		header http.Header
		answer []byte
	)
	real := func() (int, http.Header, []byte) {
		once.Do(func() { status, header, answer = w.forward(r, body) })
		return status, header, answer
	}
	m := w.mode.Load()
	graph := !strings.Contains(r.URL.Path, "/dialog/") && !strings.Contains(r.URL.Path, "/oauth/access_token") &&
		!strings.HasPrefix(r.URL.Path, "/_sandbox")
	if os.Getenv("ADVERSARIAL_DEBUG") != "" {
		defer func() {
			st, h, b := real()
			fmt.Fprintf(os.Stderr, "proxy: %s %s -> %d %v %.300s\n", r.Method, r.URL, st, h, b)
		}()
	}
	if m == nil || !graph {
		status, h, b := real()
		copyHeader(rw.Header(), h)
		rw.WriteHeader(status)
		_, _ = rw.Write(b)
		return
	}
	w.sent.Add(1)
	m.serve(rw, r, real)
}

func (w *world) forward(r *http.Request, body []byte) (int, http.Header, []byte) {
	req, err := http.NewRequest(r.Method, w.srv.URL+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return http.StatusBadGateway, http.Header{}, nil
	}
	req.Header = r.Header.Clone()
	resp, err := upstream.Do(req)
	if err != nil {
		return http.StatusBadGateway, http.Header{}, []byte(err.Error())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	// Paging links name the pretend Facebook's own address; the program
	// follows only links to the Facebook it was given (the proxy).
	b = bytes.ReplaceAll(b, []byte(w.srv.URL), []byte(w.url))
	b = bytes.ReplaceAll(b, []byte(strings.ReplaceAll(w.srv.URL, "/", `\/`)), []byte(strings.ReplaceAll(w.url, "/", `\/`)))
	return resp.StatusCode, resp.Header, b
}

var upstream = &http.Client{Timeout: time.Minute}

func copyHeader(to, from http.Header) {
	for k, vs := range from {
		if k == "Content-Length" {
			continue
		}
		to[k] = vs
	}
}

package fakefb

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Fake is the fake Facebook. It is an http.Handler serving both the www side
// (login dialog) and the graph side on one origin.
type Fake struct {
	opts  Options
	clock *Clock

	mu       sync.Mutex
	rng      *rand.Rand
	traceRng *rand.Rand
	seq      uint64

	users      map[string]*user
	userOrder  []string
	pages      map[string]*page
	pageOrder  []string
	businesses map[string]*business
	convs      map[string]*conversation
	pageConvs  map[string][]*conversation

	tokens       map[string]*tokenRec
	userTokens   map[string][]*tokenRec
	pageTokCache map[string]string
	codes        map[string]*authCode

	faults faults
	undo   []func()
	revID  int
	usage  map[string]*usageWindow
	stats  Stats
}

// Stats counts what the fake served since start or the last ResetStats.
type Stats struct {
	Requests       int            // HTTP requests (a batch counts once), admin routes excluded
	TokenExchanges map[string]int // by grant type: authorization_code, fb_exchange_token, client_credentials
	BatchRequests  int
	BatchOps       int
	ByPath         map[string]int // version-less path → calls, batch operations included
}

// New builds a Fake with its world.
func New(opts Options) *Fake {
	opts = opts.withDefaults()
	f := &Fake{
		opts:         opts,
		clock:        opts.Clock,
		rng:          rand.New(rand.NewPCG(uint64(opts.Seed), 0x70616765)),
		traceRng:     rand.New(rand.NewPCG(uint64(opts.Seed), 0x74726163)),
		tokens:       map[string]*tokenRec{},
		userTokens:   map[string][]*tokenRec{},
		pageTokCache: map[string]string{},
		codes:        map[string]*authCode{},
		usage:        map[string]*usageWindow{},
	}
	f.buildWorld()
	f.ResetStats()
	return f
}

// Clock returns the fake's clock.
func (f *Fake) Clock() *Clock { return f.clock }

// Options returns the effective options (defaults filled in).
func (f *Fake) Options() Options { return f.opts }

// Stats returns a copy of the counters.
func (f *Fake) Stats() Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.stats
	s.TokenExchanges = map[string]int{}
	for k, v := range f.stats.TokenExchanges {
		s.TokenExchanges[k] = v
	}
	s.ByPath = map[string]int{}
	for k, v := range f.stats.ByPath {
		s.ByPath[k] = v
	}
	return s
}

// ResetStats zeroes the counters.
func (f *Fake) ResetStats() {
	f.mu.Lock()
	f.stats = Stats{TokenExchanges: map[string]int{}, ByPath: map[string]int{}}
	f.mu.Unlock()
}

// Server is a Fake listening on a real socket.
type Server struct {
	URL  string // http://127.0.0.1:PORT
	Fake *Fake
	srv  *http.Server
	ln   net.Listener
	done chan struct{}
}

// Start serves a new Fake on 127.0.0.1 with a free port.
func Start(opts Options) (*Server, error) { return StartAt("127.0.0.1:0", opts) }

// StartAt serves a new Fake on addr (e.g. "127.0.0.1:8765" for the sandbox).
func StartAt(addr string, opts Options) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	f := New(opts)
	s := &Server{URL: "http://" + ln.Addr().String(), Fake: f, ln: ln, done: make(chan struct{}),
		srv: &http.Server{Handler: f, ReadHeaderTimeout: 10 * time.Second}}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// Close stops the server and waits for its serve loop to end.
func (s *Server) Close() error {
	err := s.srv.Close()
	<-s.done
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

var versionPrefix = regexp.MustCompile(`^/v\d+\.\d+(/|$)`)

// stripVersion removes an optional /vNN.N prefix.
func stripVersion(p string) string {
	if m := versionPrefix.FindString(p); m != "" {
		p = "/" + strings.TrimPrefix(p[len(m):], "/")
	}
	if p == "" {
		p = "/"
	}
	return p
}

// ServeHTTP implements http.Handler.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_sandbox") {
		f.serveAdmin(w, r)
		return
	}
	f.mu.Lock()
	offline, latency := f.faults.offline, f.faults.latency
	f.mu.Unlock()
	if offline {
		dropConnection(w)
		return
	}
	if latency > 0 && !sleepCtx(r.Context(), latency) {
		return
	}
	p := stripVersion(r.URL.Path)
	f.mu.Lock()
	f.stats.Requests++
	f.mu.Unlock()
	switch {
	case p == "/dialog/oauth":
		f.countPath(p)
		f.serveDialog(w, r)
	case p == "/oauth/access_token":
		f.countPath(p)
		f.serveTokenEndpoint(w, r)
	case strings.HasPrefix(p, "/rsrc/picture/"):
		servePicturePNG(w, strings.TrimSuffix(strings.TrimPrefix(p, "/rsrc/picture/"), ".png"))
	default:
		f.serveGraph(w, r, p)
	}
}

func (f *Fake) countPath(p string) {
	f.mu.Lock()
	f.stats.ByPath[p]++
	f.mu.Unlock()
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// dropConnection closes the connection without an answer, with a TCP reset
// where possible, the way an unreachable network looks to a client.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

package sandbox

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
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
	rngSrc   *rand.PCG // rng's source, kept to save its position
	traceSrc *rand.PCG
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
	undo   []undoRec
	revID  int
	usage  map[string]*usageWindow
	stats  Stats
	// stateGen is the generation of the saved state this one descends
	// from: the state file's when it was loaded, bumped by every save.
	stateGen uint64

	// adminToken guards the /_sandbox/ admin routes (admin.go): random per
	// start, never saved.
	adminToken string

	persist   *persister  // nil unless Options.StateFile is set
	webhook   *appWebhook // app-level webhook subscription (webhooks.go); nil: none
	hooks     *emitter    // webhook deliveries; its goroutine starts with the first event
	worldOnce sync.Once
	world     *Fake // pristineWorld
}

// Stats counts what the fake served since start or the last ResetStats.
type Stats struct {
	Requests       int            // HTTP requests (a batch counts once), admin routes excluded
	TokenExchanges map[string]int // by grant type: authorization_code, fb_exchange_token, client_credentials
	BatchRequests  int
	BatchOps       int
	ByPath         map[string]int // version-less path → calls, batch operations included
	Webhooks       WebhookStats
}

// New builds a Fake with its world. With Options.StateFile set it then
// loads that file (a missing file means a fresh sandbox) and keeps it up to
// date; if the file cannot be used, the Fake starts fresh, leaves the file
// alone and StateError says why (Start reports it as an error instead).
func New(opts Options) *Fake {
	f := newFake(opts)
	if f.opts.StateFile != "" {
		f.persist = &persister{path: f.opts.StateFile}
		if err := f.LoadStateFile(f.opts.StateFile); err != nil {
			f.persist.loadErr = err
		} else if st, err := f.snapshot(); err == nil {
			f.persist.saved = st.digest()
		}
	}
	return f
}

// newFake builds the Fake and its world, without any state file.
func newFake(opts Options) *Fake {
	opts = opts.withDefaults()
	rngSrc := rand.NewPCG(uint64(opts.Seed), 0x70616765)
	traceSrc := rand.NewPCG(uint64(opts.Seed), 0x74726163)
	f := &Fake{
		opts:         opts,
		clock:        opts.Clock,
		rng:          rand.New(rngSrc),
		traceRng:     rand.New(traceSrc),
		rngSrc:       rngSrc,
		traceSrc:     traceSrc,
		tokens:       map[string]*tokenRec{},
		userTokens:   map[string][]*tokenRec{},
		pageTokCache: map[string]string{},
		codes:        map[string]*authCode{},
		usage:        map[string]*usageWindow{},
	}
	f.adminToken = newAdminToken()
	f.hooks = newEmitter(f, opts.Webhooks)
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
	s.Webhooks.Pending = f.hooks.pendingCount()
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
	// AdminToken must come with every call of the /_sandbox/ admin routes
	// (Authorization: Bearer …); sandbox-server prints it.
	AdminToken string
	srv        *http.Server
	ln         net.Listener
	done       chan struct{}
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
	if err := f.StateError(); err != nil {
		_ = ln.Close()
		return nil, err
	}
	s := &Server{URL: "http://" + ln.Addr().String(), Fake: f, AdminToken: f.AdminToken(), ln: ln, done: make(chan struct{}),
		srv: &http.Server{Handler: f, ReadHeaderTimeout: 10 * time.Second}}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// Close stops the server, waits for its serve loop to end, stops webhook
// deliveries and, with a state file, saves the state a last time.
func (s *Server) Close() error {
	err := s.srv.Close()
	<-s.done
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return errors.Join(err, s.Fake.Close())
}

// stripVersion removes an optional /vNN.N prefix (`^/v\d+\.\d+(/|$)`),
// without a regexp: it runs for every batch operation.
func stripVersion(p string) string {
	if n := versionPrefixLen(p); n > 0 {
		p = "/" + strings.TrimPrefix(p[n:], "/")
	}
	if p == "" {
		p = "/"
	}
	return p
}

// versionPrefixLen is the length of a leading "/vDIGITS.DIGITS/" (or
// "/vDIGITS.DIGITS" ending p), or 0.
func versionPrefixLen(p string) int {
	if len(p) < 2 || p[0] != '/' || p[1] != 'v' {
		return 0
	}
	i := 2
	digits := func() bool {
		s := i
		for i < len(p) && p[i] >= '0' && p[i] <= '9' {
			i++
		}
		return i > s
	}
	if !digits() || i >= len(p) || p[i] != '.' {
		return 0
	}
	i++
	if !digits() {
		return 0
	}
	if i < len(p) {
		if p[i] != '/' {
			return 0
		}
		i++ // the regexp's match included the slash
	}
	return i
}

// ServeHTTP implements http.Handler.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.persist != nil {
		// Nearly every request changes something worth keeping (tokens,
		// grants, usage windows, the trace generator): save soon after.
		defer f.touch()
	}
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
	case strings.HasPrefix(p, "/m.me/"):
		f.countPath("/m.me")
		f.serveMMe(w, r, strings.TrimPrefix(p, "/m.me/"))
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

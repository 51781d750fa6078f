package login

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/fb/login/relay"
	"github.com/pagekeeper/pagekeeper/fb/token"
)

// Result is a finished login. It lives in memory only.
type Result struct {
	User fb.User
	// Granted and Declined are the permissions as /me/permissions reports
	// them after the login; Declined also holds expired ones.
	Granted, Declined []string
	UserToken         token.Token
	ExpiresAt         time.Time // zero when Facebook did not say
	LongLived         bool
	// LongLivedErr is set when Config.AppSecret was given but the exchange
	// for a long-lived token failed; UserToken is then the short-lived one.
	LongLivedErr error
}

// DialogError: Facebook ended the login with an error other than the
// person's Cancel (access_denied, which gives ErrCancelled).
type DialogError struct {
	Code, Reason, Description string
}

func (e *DialogError) Error() string {
	return "Facebook stopped the login (" + shortText(e.Code, 60) + ")"
}

type phase int

const (
	phaseWaiting    phase = iota // listening for the genuine callback
	phaseExchanging              // the state was used; exchanging its code
	phaseDone
)

// Session is one login attempt: its port is open from Start until the login
// ends, however it ends.
type Session struct {
	r        *resolved
	conf     *oauth2.Config
	authURL  string
	redirect string
	state    string
	verifier string
	port     int
	lns      []net.Listener
	srv      *http.Server
	http     *http.Client // exchange and, when built here, Graph calls
	client   *fb.Client

	ctx    context.Context
	cancel context.CancelFunc
	serve  sync.WaitGroup

	mu       sync.Mutex
	phase    phase
	res      *Result
	err      error
	finished chan struct{} // closed when phase becomes done
	closed   chan struct{} // closed once the port is closed and Wait may return

	browserErr chan error
}

// Start opens the callback port, builds the dialog URL with a fresh PKCE
// verifier and state, and starts opening the browser. The login then runs
// until Wait returns: cancel ctx or call Cancel to stop it.
func Start(ctx context.Context, cfg Config) (*Session, error) {
	r, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	lns, port, err := listenLoopback(r.Ports)
	if err != nil {
		return nil, err
	}
	state, err := relay.NewState(port)
	if err != nil {
		closeAll(lns)
		return nil, err
	}
	s := &Session{
		r: r, state: state, verifier: oauth2.GenerateVerifier(), port: port, lns: lns,
		finished: make(chan struct{}), closed: make(chan struct{}), browserErr: make(chan error, 1),
	}
	s.redirect = "http://localhost:" + strconv.Itoa(port) + CallbackPath
	if r.relay != nil {
		s.redirect = r.RelayURL
	}
	s.conf = &oauth2.Config{
		ClientID:    r.AppID,
		Endpoint:    oauth2.Endpoint{AuthURL: r.authURL, TokenURL: r.tokenURL, AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL: s.redirect,
		Scopes:      r.scopes,
	}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(s.verifier)}
	if r.ConfigID != "" {
		opts = append(opts, oauth2.SetAuthURLParam("config_id", r.ConfigID))
	}
	if r.AuthType != "" {
		opts = append(opts, oauth2.SetAuthURLParam("auth_type", r.AuthType))
	}
	s.authURL = s.conf.AuthCodeURL(state, opts...)

	// A transport of its own: its idle connections are closed with the
	// login, so nothing lingers after it.
	s.http = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	s.client = r.Client
	if s.client == nil {
		s.client = fb.New(fb.Config{GraphURL: r.GraphURL, LoginURL: r.LoginURL, Version: r.Version, AppID: r.AppID,
			HTTPClient: s.http, CallTimeout: r.ExchangeTimeout})
	}

	s.ctx, s.cancel = context.WithCancel(ctx)
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: r.readHeaderTimeout,
		ReadTimeout:       2 * r.readHeaderTimeout,
		IdleTimeout:       r.readHeaderTimeout,
		MaxHeaderBytes:    16 << 10,
		BaseContext:       func(net.Listener) context.Context { return s.ctx },
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	for _, ln := range lns {
		s.serve.Add(1)
		go func() {
			defer s.serve.Done()
			_ = s.srv.Serve(ln)
		}()
	}
	go s.run()
	go func() {
		s.browserErr <- r.openBrowser(s.authURL)
		close(s.browserErr)
	}()
	return s, nil
}

// URL is the dialog address to open in a browser (for a Copy button). It
// carries the state and the PKCE challenge, never the verifier.
func (s *Session) URL() string { return s.authURL }

// RedirectURL is the redirect_uri sent to Facebook.
func (s *Session) RedirectURL() string { return s.redirect }

// Port is the loopback port the login listens on.
func (s *Session) Port() int { return s.port }

// Addrs are the addresses the login listens on (loopback only).
func (s *Session) Addrs() []net.Addr {
	out := make([]net.Addr, len(s.lns))
	for i, ln := range s.lns {
		out[i] = ln.Addr()
	}
	return out
}

// BrowserErr delivers the outcome of opening the browser once (nil when it
// opened), then is closed. On an error the UI shows URL for the person to
// open by hand; the login keeps waiting.
func (s *Session) BrowserErr() <-chan error { return s.browserErr }

// Done is closed when the login has ended and its port is closed.
func (s *Session) Done() <-chan struct{} { return s.closed }

// Wait blocks until the login ends and its port is closed. The error is
// ErrCancelled (Cancel in Facebook's dialog), ErrTimeout, the context's
// error (Cancel, or ctx ended), a *DialogError, or a *fb.Error (the
// exchange or the first Graph calls failed).
func (s *Session) Wait() (*Result, error) {
	<-s.closed
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.res, s.err
}

// Cancel stops the login: the port closes at once and Wait returns
// context.Canceled. Safe to call at any time, more than once.
func (s *Session) Cancel() { s.cancel() }

// claim takes the state for the one callback that may use it.
func (s *Session) claim() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.phase != phaseWaiting {
		return false
	}
	s.phase = phaseExchanging
	return true
}

// finish records the outcome unless one was recorded already; it reports
// whether this one counts.
func (s *Session) finish(res *Result, err error) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.phase == phaseDone {
		return false
	}
	s.phase = phaseDone
	s.res, s.err = res, err
	close(s.finished)
	return true
}

// run ends the login on time-out or cancellation and closes the port as
// soon as the login has ended.
func (s *Session) run() {
	timer := time.NewTimer(s.r.Timeout)
	defer timer.Stop()
wait:
	for {
		select {
		case <-s.finished:
			break wait
		case <-s.ctx.Done():
			s.finish(nil, s.ctx.Err())
			break wait
		case <-timer.C:
			// The time-out bounds the wait for Facebook; an exchange already
			// under way has its own time limit.
			s.mu.Lock()
			waiting := s.phase == phaseWaiting
			s.mu.Unlock()
			if waiting && s.finish(nil, ErrTimeout) {
				break wait
			}
		}
	}
	s.cancel() // aborts an exchange still running
	// Shutdown closes the listeners first (the port is free at once), then
	// lets a page being written reach the browser.
	sctx, stop := context.WithTimeout(context.Background(), time.Second)
	_ = s.srv.Shutdown(sctx)
	stop()
	_ = s.srv.Close()
	s.serve.Wait()
	s.http.CloseIdleConnections()
	close(s.closed)
}

func closeAll(lns []net.Listener) {
	for _, ln := range lns {
		_ = ln.Close()
	}
}

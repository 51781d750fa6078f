// Package example is a minimal Messenger integration built on
// integration/receiver, shipped as `pagekeeper integration-example`: it
// takes Pagekeeper's deliveries (keeping each Page's token sealed in its own
// SQLite file), publishes the signed status endpoint, verifies Facebook's
// Messenger webhooks and answers every customer message through the Send
// API with the Page's token. Against the sandbox it closes the loop a real
// business needs: a customer writes, the integration answers.
//
// It is also a template for integrators (docs/INTEGRATION.md). It never
// logs or stores a token in clear text: a token is opened in memory only
// for the Send API call that needs it.
package example

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/integration"
	"github.com/pagekeeper/pagekeeper/integration/receiver"
)

// Paths the example serves.
const (
	PathPagekeeper = "/pagekeeper" // Pagekeeper's deliveries (POST) and the status endpoint (GET)
	PathWebhook    = "/webhook"    // Facebook's Messenger webhooks (the Meta app's callback URL)
)

// DefaultReply is what the example answers every message with.
const DefaultReply = "Thanks for your message! We will get back to you soon."

type config struct {
	addr, keyFile, secretFile, dbFile string
	appSecretFile, verifyToken        string
	graphURL, graphVersion, reply     string
	tlsCert, tlsKey                   string
}

// Exit codes of Main, as every Pagekeeper command's (docs/COMMANDS.md).
const (
	exitOK          = 0
	exitCouldNotRun = 2
	exitUsage       = 64
)

// Main runs `pagekeeper integration-example [flags]` until interrupted
// (Ctrl-C or SIGTERM) and returns the exit code: 0 after a clean stop, 2 when
// it could not start, 64 for a wrong command line.
func Main(args []string, stdout, stderr io.Writer) int {
	var c config
	fs := flag.NewFlagSet("pagekeeper integration-example", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8790", "address to listen on; another than this computer's needs --tls-cert and --tls-key")
	fs.StringVar(&c.keyFile, "key-file", "", "the integration's age key (made when missing, readable only by you); its public key is the recipient to give Pagekeeper")
	fs.StringVar(&c.secretFile, "secret-file", "", "the signing secret shared with Pagekeeper, whsec_… (made when missing, readable only by you)")
	fs.StringVar(&c.dbFile, "db", "", "the SQLite file for the Pages' sealed tokens (default: integration-example.db beside --key-file)")
	fs.StringVar(&c.appSecretFile, "app-secret-file", "", "a file holding your Meta app's App Secret, to verify Messenger webhooks (without it they are refused)")
	fs.StringVar(&c.verifyToken, "verify-token", "", "the verify token set for the webhook in the Meta dashboard (without it the verification handshake is refused)")
	fs.StringVar(&c.graphURL, "graph-url", fb.DefaultGraphURL, "the Graph API to reply through (the sandbox's address to practise)")
	fs.StringVar(&c.graphVersion, "graph-version", fb.DefaultVersion, "the Graph API version")
	fs.StringVar(&c.reply, "reply", DefaultReply, "the text every customer message is answered with")
	fs.StringVar(&c.tlsCert, "tls-cert", "", "serve HTTPS with this certificate (PEM) …")
	fs.StringVar(&c.tlsKey, "tls-key", "", "… and this private key (PEM)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: pagekeeper integration-example --key-file FILE --secret-file FILE [flags]")
		fmt.Fprintln(stderr, "Runs a minimal Messenger integration that takes Pagekeeper's deliveries and answers customers (docs/INTEGRATION.md).")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if err := c.check(fs); err != nil {
		fmt.Fprintln(stderr, "integration-example:", err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, c, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "integration-example:", err)
		return exitCouldNotRun
	}
	return exitOK
}

func (c *config) check(fs *flag.FlagSet) error {
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q (try --help)", fs.Arg(0))
	case c.keyFile == "" || c.secretFile == "":
		return errors.New("--key-file and --secret-file are required (each is made when missing)")
	case (c.tlsCert == "") != (c.tlsKey == ""):
		return errors.New("--tls-cert and --tls-key go together")
	}
	host, _, err := net.SplitHostPort(c.addr)
	if err != nil {
		return fmt.Errorf("--addr %q is not host:port", c.addr)
	}
	if c.tlsCert == "" && !integration.IsLoopbackHost(host) {
		// Plain http only on this computer, as Pagekeeper requires.
		return fmt.Errorf("--addr %s is reachable from other computers: serve HTTPS there with --tls-cert and --tls-key, or listen on 127.0.0.1", c.addr)
	}
	if c.dbFile == "" {
		c.dbFile = filepath.Join(filepath.Dir(c.keyFile), "integration-example.db")
	}
	return nil
}

func run(ctx context.Context, c config, stdout, stderr io.Writer) error {
	srv, err := Start(Config{Addr: c.addr, KeyFile: c.keyFile, SecretFile: c.secretFile, DBFile: c.dbFile,
		AppSecretFile: c.appSecretFile, VerifyToken: c.verifyToken, GraphURL: c.graphURL, GraphVersion: c.graphVersion,
		Reply: c.reply, TLSCert: c.tlsCert, TLSKey: c.tlsKey, Log: log.New(stderr, "", log.LstdFlags), Warn: stderr})
	if err != nil {
		return err
	}
	printIntro(stdout, c, srv)
	select {
	case err := <-srv.served:
		srv.Close()
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	srv.log.Printf("stopping")
	return srv.Close()
}

// Config is an example integration to start in this process (Start).
type Config struct {
	// Addr is where to listen (default 127.0.0.1:0, any free port).
	Addr string
	// KeyFile and SecretFile hold the age key and the signing secret; each
	// is made when missing. DBFile defaults to integration-example.db
	// beside KeyFile.
	KeyFile, SecretFile, DBFile string
	// AppSecret (or the file AppSecretFile) is the Meta app's App Secret:
	// it verifies Messenger webhooks and signs appsecret_proof. Without it
	// webhooks are refused.
	AppSecret     token.Token
	AppSecretFile string
	// VerifyToken answers Facebook's webhook verification handshake.
	VerifyToken string
	// GraphURL and GraphVersion are the Graph API it replies through
	// (defaults: Facebook's, fb.DefaultVersion).
	GraphURL, GraphVersion string
	// Reply is what every customer message is answered with (default DefaultReply).
	Reply string
	// TLSCert and TLSKey serve HTTPS.
	TLSCert, TLSKey string
	// Log receives what it does (nil: nothing); Warn, warnings about its
	// files (nil: Log's writer, or nothing).
	Log  *log.Logger
	Warn io.Writer
}

// Server is a running example integration.
type Server struct {
	// URL is its base address (http://127.0.0.1:PORT, or https://).
	URL string
	// Recipient is its age public key (age1…), to give Pagekeeper.
	Recipient string
	// Secret is the signing secret it shares with Pagekeeper.
	Secret token.Token
	// KeyCreated and SecretCreated: Start made the files.
	KeyCreated, SecretCreated bool
	// CanVerify: it has an App Secret to verify Messenger webhooks with.
	CanVerify bool

	log    *log.Logger
	srv    *http.Server
	m      *messenger
	db     *store
	served chan error
	closed sync.Once
}

// DeliveryURL is where Pagekeeper delivers events and reads the status.
func (s *Server) DeliveryURL() string { return s.URL + PathPagekeeper }

// WebhookURL is the Messenger webhook callback (the Meta app's callback URL).
func (s *Server) WebhookURL() string { return s.URL + PathWebhook }

// Start starts an example integration in this process; Close stops it.
func Start(c Config) (*Server, error) {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:0"
	}
	if c.DBFile == "" {
		c.DBFile = filepath.Join(filepath.Dir(c.KeyFile), "integration-example.db")
	}
	if c.GraphURL == "" {
		c.GraphURL = fb.DefaultGraphURL
	}
	if c.GraphVersion == "" {
		c.GraphVersion = fb.DefaultVersion
	}
	if c.Reply == "" {
		c.Reply = DefaultReply
	}
	logger := c.Log
	if logger == nil {
		logger = log.New(io.Discard, "", 0)
	}
	warn := c.Warn
	if warn == nil {
		warn = logger.Writer()
	}
	id, keyCreated, err := loadOrCreateIdentity(c.KeyFile, warn)
	if err != nil {
		return nil, err
	}
	secret, secretCreated, err := loadOrCreateSecret(c.SecretFile, warn)
	if err != nil {
		return nil, err
	}
	appSecret := c.AppSecret
	if c.AppSecretFile != "" {
		if appSecret, err = readAppSecret(c.AppSecretFile, warn); err != nil {
			return nil, err
		}
	}
	db, err := openStore(c.DBFile)
	if err != nil {
		return nil, err
	}
	a := &app{store: db, log: logger, now: time.Now}
	rcv, err := receiver.New(receiver.Options{Secret: secret, Identity: id, Handle: a.handle, Status: db.states, Logf: logger.Printf})
	if err != nil {
		db.Close()
		return nil, err
	}
	m := &messenger{appSecret: appSecret, verifyToken: c.VerifyToken, reply: c.Reply, identity: id, store: db, log: logger, now: time.Now,
		graph: fb.New(fb.Config{GraphURL: c.GraphURL, Version: c.GraphVersion, AppSecret: appSecret})}
	mux := http.NewServeMux()
	mux.Handle(PathPagekeeper, rcv)
	mux.Handle(PathWebhook, m)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute, ErrorLog: logger}
	if c.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("cannot use --tls-cert %s with --tls-key %s: %w", c.TLSCert, c.TLSKey, err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot listen on %s: %w", c.Addr, err)
	}
	s := &Server{URL: "http://" + ln.Addr().String(), Recipient: id.Recipient().String(), Secret: secret,
		KeyCreated: keyCreated, SecretCreated: secretCreated, CanVerify: !appSecret.IsZero(),
		log: logger, srv: srv, m: m, db: db, served: make(chan error, 1)}
	if c.TLSCert != "" {
		s.URL = "https://" + ln.Addr().String()
	}
	m.start()
	go func() {
		if c.TLSCert != "" {
			s.served <- srv.ServeTLS(ln, "", "")
		} else {
			s.served <- srv.Serve(ln)
		}
	}()
	return s, nil
}

// Close stops it: the server (giving requests under way 5 seconds), its
// replies and its database.
func (s *Server) Close() error {
	var err error
	s.closed.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err = s.srv.Shutdown(ctx); errors.Is(err, context.DeadlineExceeded) {
			// A request still running after 5 seconds, or a client's
			// connection that never carried one: stop anyway.
			err = s.srv.Close()
		}
		s.m.close()
		err = errors.Join(err, s.db.Close())
	})
	return err
}

func printIntro(w io.Writer, c config, s *Server) {
	if s.KeyCreated {
		fmt.Fprintf(w, "Made a new age key in %s (keep it: it opens the Page tokens Pagekeeper sends).\n", c.keyFile)
	}
	if s.SecretCreated {
		fmt.Fprintf(w, "Made a new signing secret in %s.\n", c.secretFile)
	}
	fmt.Fprintf(w, "Recipient: %s\n", s.Recipient)
	fmt.Fprintf(w, "Pagekeeper deliveries and status: %s\n", s.DeliveryURL())
	fmt.Fprintf(w, "Messenger webhook (callback URL): %s\n", s.WebhookURL())
	if !s.CanVerify {
		fmt.Fprintln(w, "No --app-secret-file: Messenger webhooks will be refused until it is given.")
	}
	fmt.Fprintf(w, "Add it to Pagekeeper: pagekeeper integration add Example --url %s --recipient %s < %s\n", s.DeliveryURL(), s.Recipient, c.secretFile)
	fmt.Fprintf(w, "Listening on %s\n", s.URL)
}

// app takes Pagekeeper's deliveries.
type app struct {
	store *store
	log   *log.Logger
	now   func() time.Time
}

func (a *app) handle(ctx context.Context, d receiver.Delivery) (receiver.Ack, error) {
	ev := d.Event
	page, about := "", ""
	if ev.Data.Page != nil {
		page, about = ev.Data.Page.ID, " for Page "+ev.Data.Page.ID
	}
	a.log.Printf("Pagekeeper event %s%s (delivery %s)", ev.Type, about, d.ID)
	var held string
	var err error
	switch ev.Type {
	case integration.PageConnected, integration.PageTokenRenewed:
		held, err = a.store.putToken(ctx, ev, a.now())
	case integration.PageChanged:
		held, err = a.store.changePage(ctx, ev)
	case integration.PageDisconnected:
		held, err = a.store.dropToken(ctx, ev)
	case integration.PageStatusChanged:
		a.log.Printf("Page %s is now %s (%s)", page, ev.Data.Status.Status, reasonCode(ev.Data.Reason))
		held, err = a.store.held(ctx, page)
	case integration.IntegrationTest:
		a.log.Printf("test from Pagekeeper received")
	default:
		a.log.Printf("ignored an event of a type this example does not know")
	}
	if err != nil {
		return receiver.Ack{}, err
	}
	return receiver.Ack{TokenFingerprint: held}, nil
}

func reasonCode(r *integration.Reason) string {
	if r == nil {
		return "no reason given"
	}
	return r.Code
}

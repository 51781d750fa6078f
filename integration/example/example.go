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
	"syscall"
	"time"

	"filippo.io/age"

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
	logger := log.New(stderr, "", log.LstdFlags)
	id, keyCreated, err := loadOrCreateIdentity(c.keyFile, stderr)
	if err != nil {
		return err
	}
	secret, secretCreated, err := loadOrCreateSecret(c.secretFile, stderr)
	if err != nil {
		return err
	}
	var appSecret token.Token
	if c.appSecretFile != "" {
		if appSecret, err = readAppSecret(c.appSecretFile, stderr); err != nil {
			return err
		}
	}
	db, err := openStore(c.dbFile)
	if err != nil {
		return err
	}
	defer db.Close()

	a := &app{store: db, log: logger, now: time.Now}
	rcv, err := receiver.New(receiver.Options{Secret: secret, Identity: id, Handle: a.handle, Status: db.states, Logf: logger.Printf})
	if err != nil {
		return err
	}
	m := &messenger{appSecret: appSecret, verifyToken: c.verifyToken, reply: c.reply, identity: id, store: db, log: logger, now: time.Now,
		graph: fb.New(fb.Config{GraphURL: c.graphURL, Version: c.graphVersion, AppSecret: appSecret})}
	mux := http.NewServeMux()
	mux.Handle(PathPagekeeper, rcv)
	mux.Handle(PathWebhook, m)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute, ErrorLog: logger}

	if c.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(c.tlsCert, c.tlsKey)
		if err != nil {
			return fmt.Errorf("cannot use --tls-cert %s with --tls-key %s: %w", c.tlsCert, c.tlsKey, err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", c.addr, err)
	}
	base := "http://" + ln.Addr().String()
	if c.tlsCert != "" {
		base = "https://" + ln.Addr().String()
	}
	printIntro(stdout, c, id, base, keyCreated, secretCreated, !appSecret.IsZero())

	m.start()
	defer m.close()
	served := make(chan error, 1)
	go func() {
		if c.tlsCert != "" {
			served <- srv.ServeTLS(ln, "", "")
		} else {
			served <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-served:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	logger.Printf("stopping")
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

func printIntro(w io.Writer, c config, id *age.X25519Identity, base string, keyCreated, secretCreated, canVerify bool) {
	if keyCreated {
		fmt.Fprintf(w, "Made a new age key in %s (keep it: it opens the Page tokens Pagekeeper sends).\n", c.keyFile)
	}
	if secretCreated {
		fmt.Fprintf(w, "Made a new signing secret in %s.\n", c.secretFile)
	}
	fmt.Fprintf(w, "Recipient: %s\n", id.Recipient())
	fmt.Fprintf(w, "Pagekeeper deliveries and status: %s%s\n", base, PathPagekeeper)
	fmt.Fprintf(w, "Messenger webhook (callback URL): %s%s\n", base, PathWebhook)
	if !canVerify {
		fmt.Fprintln(w, "No --app-secret-file: Messenger webhooks will be refused until it is given.")
	}
	fmt.Fprintf(w, "Add it to Pagekeeper: pagekeeper integration add Example --url %s%s --recipient %s < %s\n", base, PathPagekeeper, id.Recipient(), c.secretFile)
	fmt.Fprintf(w, "Listening on %s\n", base)
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

package keeper

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/pagekeeper/pagekeeper/internal/testcert"
	"github.com/pagekeeper/pagekeeper/sandbox"
	"github.com/pagekeeper/pagekeeper/store"
)

// smtpServer is a real SMTP server on loopback (go-smtp) with STARTTLS and
// AUTH PLAIN, recording what it accepts. refuse makes the next n DATA
// commands answer 451.
type smtpServer struct {
	addr   string
	client *tls.Config // trusts the server's certificate

	mu       sync.Mutex
	refuse   int
	messages []string
	rcpts    [][]string
	authUser string
	authPass string
}

func startSMTP(t *testing.T, user, pass string) *smtpServer {
	t.Helper()
	cert, pool := testcert.Loopback(t)
	return startSMTPWith(t, user, pass, cert, pool)
}

// startSMTPWith starts a server with the certificate cert, which pool trusts.
func startSMTPWith(t *testing.T, user, pass string, cert tls.Certificate, pool *x509.CertPool) *smtpServer {
	t.Helper()
	s := &smtpServer{authUser: user, authPass: pass, client: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s}, nil }))
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close(); <-done })
	return s
}

func (s *smtpServer) received() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.messages...)
}

type smtpSession struct {
	s     *smtpServer
	authd bool
	to    []string
}

func (x *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (x *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != x.s.authUser || pass != x.s.authPass {
			return errors.New("invalid credentials")
		}
		x.authd = true
		return nil
	}), nil
}
func (x *smtpSession) Mail(string, *smtp.MailOptions) error {
	if !x.authd && x.s.authUser != "" { // a server without users takes mail without a login
		return smtp.ErrAuthRequired
	}
	return nil
}
func (x *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error { x.to = append(x.to, to); return nil }
func (x *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if x.s.refuse > 0 {
		x.s.refuse--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Requested action aborted: local error in processing"}
	}
	x.s.messages = append(x.s.messages, string(b))
	x.s.rcpts = append(x.s.rcpts, x.to)
	return nil
}
func (x *smtpSession) Reset()        { x.to = nil }
func (x *smtpSession) Logout() error { return nil }

// smtpSettings are the settings that send through s as user.
func (e *hEnv) smtpSettings(s *smtpServer, user string) Settings {
	host, port, _ := net.SplitHostPort(s.addr)
	p, err := strconv.Atoi(port)
	if err != nil {
		e.t.Fatal(err)
	}
	set := e.k.Settings()
	set.Owners = []Owner{{Name: "Ana Rivera", Email: "ana@sunrise.example"}}
	set.SMTP = SMTP{Host: host, Port: p, Username: user, From: "pagekeeper@sunrise.example", Security: "starttls"}
	return set
}

// useSMTP opens the env's keeper trusting s's certificate and saves the
// settings and password that send through it.
func (e *hEnv) useSMTP(s *smtpServer, user, pass string) {
	e.t.Helper()
	e.k = e.open(Options{SMTPTLS: s.client})
	if err := e.k.UpdateSettings(context.Background(), e.smtpSettings(s, user), Secrets{SMTPPassword: NewSecret(pass)}); err != nil {
		e.t.Fatal(err)
	}
}

func TestAlertEmailIsRetriedAfterA451AndArrivesOnce(t *testing.T) {
	e := newHealthEnv(t, sandbox.Options{Seed: 20})
	s := startSMTP(t, "alerts@sunrise.example", "s3cret-smtp-pass")
	e.useSMTP(s, "alerts@sunrise.example", "s3cret-smtp-pass")
	e.connect(sandbox.PageSunriseCafe)
	e.round()

	s.mu.Lock()
	s.refuse = 1
	s.mu.Unlock()
	e.fake.ChangePassword(sandbox.DemoUserID)
	e.round() // opens the incident, queues the email, first attempt refused
	if got := s.received(); len(got) != 0 {
		t.Fatalf("the server refused, yet it has %d messages", len(got))
	}
	failed := e.events("email_failed")
	if len(failed) != 1 || !strings.Contains(failed[0].Detail, "451") || !strings.Contains(failed[0].Detail, "ana@sunrise.example") {
		t.Fatalf("email_failed events: %+v", failed)
	}
	sent := e.events("alert_sent")
	if len(sent) != 1 || !strings.Contains(sent[0].Detail, "email to Ana Rivera <ana@sunrise.example>") {
		t.Fatalf("alert_sent: %+v", sent)
	}
	// Not due yet: nothing is sent before the back-off.
	if n := e.k.DrainMail(context.Background()); n != 0 || len(s.received()) != 0 {
		t.Fatalf("sent before the back-off ended (pending %d)", n)
	}
	e.fake.Clock().Advance(time.Minute)
	if n := e.k.DrainMail(context.Background()); n != 0 {
		t.Fatalf("%d still pending", n)
	}
	// More rounds, still failing: no more emails (the reminder is a day away).
	e.round()
	e.round()
	got := s.received()
	if len(got) != 1 {
		t.Fatalf("the alert must arrive exactly once, got %d", len(got))
	}
	msg := got[0]
	for _, want := range []string{"Sunrise Caf", "password changed", "Renew", "Open Pagekeeper on office-pc and press Renew next to Sunrise Caf", "text/html", "text/plain"} {
		if !strings.Contains(decodeQP(msg), want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "s3cret-smtp-pass") {
		t.Fatal("the SMTP password leaked into the message")
	}
	for _, ev := range append(e.events("email_sent"), e.events("email_failed")...) {
		if strings.Contains(ev.Detail, "s3cret") {
			t.Fatalf("secret in event: %+v", ev)
		}
	}
	if len(e.events("email_sent")) != 1 {
		t.Fatalf("email_sent events: %+v", e.events("email_sent"))
	}
}

// decodeQP undoes the quoted-printable soft line breaks and =XX escapes
// enough to search the message.
func decodeQP(s string) string {
	s = strings.ReplaceAll(s, "=\r\n", "")
	s = strings.ReplaceAll(s, "=C3=A9", "é")
	return s
}

func TestSendTestEmailAndWrongPassword(t *testing.T) {
	e := newHealthEnv(t, sandbox.Options{Seed: 21})
	s := startSMTP(t, "alerts@sunrise.example", "right")
	e.useSMTP(s, "alerts@sunrise.example", "wrong")
	ctx := context.Background()
	if err := e.k.SendTestEmail(ctx, e.k.Settings(), Secrets{}); err == nil {
		t.Fatal("a wrong password must fail the test email")
	}
	// The right password typed in the form (not saved) sends it.
	if err := e.k.SendTestEmail(ctx, e.k.Settings(), Secrets{SMTPPassword: NewSecret("right")}); err != nil {
		t.Fatal(err)
	}
	if got := s.received(); len(got) != 1 || !strings.Contains(got[0], "Pagekeeper test email") {
		t.Fatalf("received %v", got)
	}
	if len(e.events("test_email_sent")) != 1 {
		t.Fatal("no test_email_sent event")
	}
	if pw, _ := e.kr.Get(keyringService, smtpUser("alerts@sunrise.example")); pw != "wrong" {
		t.Fatal("the test email saved the password it was given")
	}
}

func TestSendTestEmailUsesTheValuesOnScreenAndSavesNothing(t *testing.T) {
	e := newHealthEnv(t, sandbox.Options{Seed: 23})
	s := startSMTP(t, "alerts@sunrise.example", "pw")
	e.k = e.open(Options{SMTPTLS: s.client})
	// A relay set-up is saved; the form holds an unsaved mail server.
	saved := e.k.Settings()
	saved.RedirectMode, saved.RelayURL = RedirectRelay, "https://relay.example/pagekeeper"
	ctx := context.Background()
	if err := e.k.UpdateSettings(ctx, saved, Secrets{}); err != nil {
		t.Fatal(err)
	}
	onScreen := e.smtpSettings(s, "alerts@sunrise.example")
	if err := e.k.SendTestEmail(ctx, onScreen, Secrets{SMTPPassword: NewSecret("pw")}); err != nil {
		t.Fatal(err)
	}
	if got := s.received(); len(got) != 1 {
		t.Fatalf("received %d messages", len(got))
	}
	if got := e.k.Settings(); !reflect.DeepEqual(got, saved) {
		t.Fatalf("the test email changed the settings:\n got  %+v\n want %+v", got, saved)
	}
	if got, err := e.k.loadSettings(ctx); err != nil || !reflect.DeepEqual(got, saved) {
		t.Fatalf("the test email saved settings: %+v %v", got, err)
	}
	if _, err := e.kr.Get(keyringService, smtpUser("alerts@sunrise.example")); !errors.Is(err, store.ErrKeyNotFound) {
		t.Fatalf("the test email saved the password: %v", err)
	}
}

func TestEmailNeedsAPasswordInTheKeyring(t *testing.T) {
	e := newHealthEnv(t, sandbox.Options{Seed: 22})
	s := startSMTP(t, "u", "p")
	e.useSMTP(s, "u", "p")
	if err := e.kr.Delete(keyringService, smtpUser("u")); err != nil {
		t.Fatal(err)
	}
	err := e.k.SendTestEmail(context.Background(), e.k.Settings(), Secrets{})
	if err == nil || !strings.Contains(err.Error(), "keyring") {
		t.Fatalf("err = %v", err)
	}
}

// The sender is written as Settings' placeholder suggests, with or without a
// name, and arrives as such.
func TestTestEmailFromTheSenderAsWritten(t *testing.T) {
	for _, c := range []struct{ from, header string }{
		{"Pagekeeper <alerts@sunrise.example>", `From: "Pagekeeper" <alerts@sunrise.example>`},
		{"Sunrise Alerts <alerts@sunrise.example>", `From: "Sunrise Alerts" <alerts@sunrise.example>`},
		{"alerts@sunrise.example", `From: "Pagekeeper" <alerts@sunrise.example>`},
	} {
		e := newHealthEnv(t, sandbox.Options{Seed: 23})
		s := startSMTP(t, "alerts@sunrise.example", "pw")
		e.useSMTP(s, "alerts@sunrise.example", "pw")
		ctx := context.Background()
		set := e.k.Settings()
		set.SMTP.From = c.from
		if err := e.k.SendTestEmail(ctx, set, Secrets{}); err != nil {
			t.Fatalf("from %q: %v", c.from, err)
		}
		got := s.received()
		if len(got) != 1 || !strings.Contains(got[0], c.header+"\r\n") {
			t.Fatalf("from %q: want header %s in %v", c.from, c.header, got)
		}
	}
}

// The owners' email speaks the language chosen in Settings, and so does
// the history of its sending.
func TestAlertEmailInTheChosenLanguage(t *testing.T) {
	e := newHealthEnv(t, sandbox.Options{Seed: 21})
	s := startSMTP(t, "alerts@sunrise.example", "pw")
	e.k = e.open(Options{SMTPTLS: s.client})
	set := e.smtpSettings(s, "alerts@sunrise.example")
	set.Language = "es"
	if err := e.k.UpdateSettings(context.Background(), set, Secrets{SMTPPassword: NewSecret("pw")}); err != nil {
		t.Fatal(err)
	}
	e.connect(sandbox.PageSunriseCafe)
	e.round()
	e.fake.ChangePassword(sandbox.DemoUserID)
	e.round()
	got := s.received()
	if len(got) != 1 {
		t.Fatalf("%d emails", len(got))
	}
	msg := decodeQP(got[0])
	for _, want := range []string{"Abre Pagekeeper en office-pc y pulsa Renovar junto a Sunrise Caf", "No v", "Recibes este correo porque figuras como responsable"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the email lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "Open Pagekeeper") || strings.Contains(msg, "You receive this") {
		t.Errorf("English in the Spanish email:\n%s", msg)
	}
	l, err := e.k.PageLog(context.Background(), sandbox.PageSunriseCafe, 10)
	if err != nil {
		t.Fatal(err)
	}
	var said []string
	for _, ev := range l.Events {
		said = append(said, ev.Text.In(e.k.Lang()))
	}
	all := strings.Join(said, "\n")
	if !strings.Contains(all, "Correo entregado a Ana Rivera <ana@sunrise.example>") || !strings.Contains(all, "De Válida a No válida") {
		t.Errorf("the history in Spanish:\n%s", all)
	}
}

package keeper

import (
	"context"
	"io"
	"log"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/pagekeeper/pagekeeper/sandbox"
	"github.com/pagekeeper/pagekeeper/store"
)

// Unticking a connected Page in Facebook's dialog removes the app's access
// there at once: the Page is Invalid as soon as the login is read, with the
// advice that fits (renew, keep it ticked), and a later round that sees
// 190/492 keeps that advice.
func TestAPageUntickedInFacebooksDialogIsInvalidAtOnceWithTheRightAdvice(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 31})
	e.apply(e.plan(e.login(sandbox.DemoUserID, demoPages)))

	without := slices.DeleteFunc(slices.Clone(demoPages), func(id string) bool { return id == sandbox.PageHarborBooks })
	e.plan(e.login(sandbox.DemoUserID, without)) // the owner then presses Cancel: nothing else happens
	p := e.page(sandbox.PageHarborBooks)
	if p.Status != store.StatusInvalid || Reason(p.Reason) != ReasonAccessRemoved {
		t.Fatalf("right after the login Harbor Books is %s/%s, want invalid/access_removed", p.Status, p.Reason)
	}
	ps := statusOfPage(p)
	if action := ps.Action.String(); !strings.Contains(action, "keep this Page ticked") || strings.Contains(action, "Page admin") {
		t.Fatalf("the advice is %q", action)
	}
	if ps.Repair != RepairRenew {
		t.Fatalf("repair %q", ps.Repair)
	}
	if _, err := e.k.CheckNow(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := Reason(e.page(sandbox.PageHarborBooks).Reason); got != ReasonAccessRemoved {
		t.Fatalf("after a round the reason is %s: the round's 190/492 must not turn it into a lost role", got)
	}
	// Renewing with the Page ticked puts it right.
	again := e.plan(e.login(sandbox.DemoUserID, demoPages))
	again.Renew = true
	e.apply(again)
	if p := e.page(sandbox.PageHarborBooks); p.Status != store.StatusValid || p.Reason != "" {
		t.Fatalf("after renewing with it ticked: %s/%s", p.Status, p.Reason)
	}
}

// A permission removed on Facebook is named in the explanation and shown
// as declined, not as granted; an answer that names none gives a sentence
// without empty brackets.
func TestARemovedPermissionIsNamedAndNoLongerListedAsGranted(t *testing.T) {
	e := newHealthEnv(t, sandbox.Options{Seed: 32})
	e.connect(sandbox.PageSunriseCafe)
	e.fake.RemovePermission(sandbox.DemoUserID, "pages_messaging")
	r := e.round()
	ps := r.page(sandbox.PageSunriseCafe)
	if ps.Reason != ReasonPermissionRemoved {
		t.Fatalf("reason %s", ps.Reason)
	}
	l, err := e.k.PageLog(context.Background(), sandbox.PageSunriseCafe, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Status.Explanation.String(); !strings.Contains(got, "(pages_messaging)") {
		t.Fatalf("the explanation read from the folder is %q", got)
	}
	if !slices.Contains(l.Record.Declined, "pages_messaging") {
		t.Fatalf("declined %v", l.Record.Declined)
	}
	if got := ReasonPermissionRemoved.Explanation("").String(); strings.Contains(got, "()") {
		t.Fatalf("without a detail: %q", got)
	}
}

// An alert with no channel set up is recorded as not sent.
func TestAnAlertWithNoChannelIsNotRecordedAsSent(t *testing.T) {
	e := newHealthEnv(t, sandbox.Options{Seed: 33})
	e.k.opts.Notifier = nil // as the headless commands: no desktop
	e.connect(sandbox.PageSunriseCafe)
	e.fake.ChangePassword(sandbox.DemoUserID)
	e.round()
	if n := len(e.events("alert_sent")); n != 0 {
		t.Fatalf("%d alert_sent events although nothing went out", n)
	}
	got := e.events("alert_not_sent")
	if len(got) != 1 || !strings.Contains(got[0].Detail, "No alert channel is set up") {
		t.Fatalf("alert_not_sent: %+v", got)
	}
}

func TestAlertChannelsSayWhatIsSetUp(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 31})
	s := DefaultSettings()
	email := e.k.AlertChannels(s)[0]
	if email.ID != "email" || email.SetUp || !email.Person || !strings.Contains(email.State.String(), "owners") {
		t.Fatalf("no owners: %+v", email)
	}
	s.Owners = []Owner{{Name: "Ana", Email: "ana@example.com"}}
	if c := e.k.AlertChannels(s)[0]; c.SetUp || !strings.Contains(c.State.String(), "mail server") {
		t.Fatalf("no server: %+v", c)
	}
	s.SMTP = SMTP{Host: "smtp.example.com", From: "alerts@example.com"}
	if c := e.k.AlertChannels(s)[0]; !c.SetUp || !strings.Contains(c.State.String(), "ana@example.com") {
		t.Fatalf("set up: %+v", c)
	}
	if n := len(e.k.AlertChannels(s)); n != 1 {
		t.Fatalf("%d channels without any integration", n)
	}
}

// An integration is told each change of status of its Pages, so it is an
// alert channel once it can be sent to (it has its signing secret); but it
// is a program, not a person.
func TestAnIntegrationIsAnAlertChannelButNotAPerson(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 31})
	ctx := context.Background()
	bot := newTestBot(t, e.k.now)
	setup := bot.setup("Support Bot")
	setup.Secret = Secret{}
	if err := e.k.AddIntegration(ctx, setup, Actor{OSUser: "tester"}); err != nil {
		t.Fatal(err)
	}
	chans := e.k.AlertChannels(DefaultSettings())
	if len(chans) != 2 || chans[1].ID != "integration:Support Bot" || chans[1].SetUp || chans[1].Person ||
		!strings.Contains(chans[1].Name.String(), "Support Bot") || !strings.Contains(chans[1].State.String(), "signing secret") {
		t.Fatalf("without its secret: %+v", chans)
	}
	if err := e.k.SetIntegrationSecret(ctx, "Support Bot", NewSecret(bot.secret.Reveal()), Actor{OSUser: "tester"}); err != nil {
		t.Fatal(err)
	}
	c := e.k.AlertChannels(DefaultSettings())[1]
	if !c.SetUp || c.Person || !strings.Contains(c.State.String(), "change of status") {
		t.Fatalf("with its secret: %+v", c)
	}
}

// The sender field takes the format its placeholder shows, and a mail
// server without any address to send from is refused when saving, in words.
func TestTheSenderIsReadAsWrittenAndRequiredWithAServer(t *testing.T) {
	s := DefaultSettings()
	s.SMTP = SMTP{Host: "smtp.example.com", Username: "alerts", From: "Pagekeeper <alerts@example.com>"}
	if err := s.Validate(); err != nil {
		t.Fatalf("the placeholder's format: %v", err)
	}
	s.SMTP.From = ""
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "sender address") {
		t.Fatalf("no sender: %v", err)
	}
	s.SMTP.Username = "alerts@example.com"
	if err := s.Validate(); err != nil {
		t.Fatalf("the user name is an address: %v", err)
	}
}

// Sending without encryption is only for a relay on this computer.
func TestNoEncryptionOnlyForALocalRelay(t *testing.T) {
	s := DefaultSettings()
	s.SMTP = SMTP{Host: "smtp.example.com", From: "alerts@example.com", Security: SecurityNone}
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "encrypted") {
		t.Fatalf("a network server without encryption: %v", err)
	}
	for _, host := range []string{"localhost", "127.0.0.1", "::1", "[::1]"} {
		s.SMTP.Host = host
		if err := s.Validate(); err != nil {
			t.Errorf("%s: %v", host, err)
		}
	}
}

// A local relay without encryption really delivers, and mail failures are
// told in words (no library text such as "dial" or "TLSMandatory").
func TestMailFailuresAreToldInWords(t *testing.T) {
	e := newHealthEnv(t, sandbox.Options{Seed: 34})
	srv := startSMTP(t, "", "")
	ctx := context.Background()
	host, port, _ := net.SplitHostPort(srv.addr)
	p, _ := strconv.Atoi(port)
	set := DefaultSettings()
	set.Owners = []Owner{{Name: "Ana", Email: "ana@example.com"}}

	// Nothing listens on the port.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	set.SMTP = SMTP{Host: host, Port: closed, From: "alerts@example.com"}
	err := e.k.SendTestEmail(ctx, set, Secrets{})
	if err == nil || !strings.Contains(err.Error(), "nothing answers") || !strings.Contains(err.Error(), strconv.Itoa(closed)) {
		t.Fatalf("closed port: %v", err)
	}
	// TLS on a port that speaks plain SMTP with STARTTLS.
	set.SMTP = SMTP{Host: host, Port: p, From: "alerts@example.com", Security: SecurityTLS}
	err = e.k.SendTestEmail(ctx, set, Secrets{})
	if err == nil || !strings.Contains(err.Error(), "does not use TLS") {
		t.Fatalf("TLS on a STARTTLS port: %v", err)
	}
	for _, technical := range []string{"dial", "TLSMandatory", "tls:", "EOF"} {
		if err != nil && strings.Contains(err.Error(), technical) {
			t.Errorf("the error shows %q: %v", technical, err)
		}
	}
	// No encryption to a relay on this computer: delivered.
	plain := startSMTPPlain(t)
	host, port, _ = net.SplitHostPort(plain.addr)
	p, _ = strconv.Atoi(port)
	set.SMTP = SMTP{Host: host, Port: p, From: "alerts@example.com", Security: SecurityNone}
	if err := e.k.SendTestEmail(ctx, set, Secrets{}); err != nil {
		t.Fatalf("local relay: %v", err)
	}
	if n := len(plain.received()); n != 1 {
		t.Fatalf("the relay received %d messages", n)
	}
}

// The restore list says how many Pages each backup holds.
func TestBackupsCountTheirPages(t *testing.T) {
	e := newHealthEnv(t, sandbox.Options{Seed: 35})
	e.connect(sandbox.PageSunriseCafe, sandbox.PageHarborBooks)
	ctx := context.Background()
	if _, err := e.k.Backup(ctx); err != nil {
		t.Fatal(err)
	}
	bs, err := e.k.Backups(ctx)
	if err != nil || len(bs) != 1 || bs[0].Pages != 2 {
		t.Fatalf("backups %+v %v", bs, err)
	}
}

// A Page's outage says when it broke, why, until when and what fixed it;
// the 30 days of all Pages count the broken time.
func TestTimelineAndAvailability(t *testing.T) {
	e := newHealthEnv(t, sandbox.Options{Seed: 36})
	e.connect(sandbox.PageSunriseCafe, sandbox.PageHarborBooks)
	ctx := context.Background()
	clock := e.fake.Clock()
	start := clock.Now()
	// The Pages' first connection, as Apply records it.
	for _, id := range []string{sandbox.PageSunriseCafe, sandbox.PageHarborBooks} {
		if _, err := e.k.store.AppendEvent(ctx, store.Event{At: start.Add(-48 * time.Hour), PageID: id, Kind: "page_connected"}); err != nil {
			t.Fatal(err)
		}
	}
	e.round()
	e.fake.DropWebhook(sandbox.PageSunriseCafe)
	e.round()
	broke := clock.Now()
	clock.Advance(3 * time.Hour)
	if _, err := e.k.Resubscribe(ctx, sandbox.PageSunriseCafe, Actor{OSUser: "ana"}); err != nil {
		t.Fatal(err)
	}
	fixed := clock.Now()
	clock.Advance(time.Hour)
	e.round() // the second healthy round closes the incident

	out, err := e.k.Timeline(ctx, sandbox.PageSunriseCafe, start.Add(-30*24*time.Hour))
	if err != nil || len(out) != 1 {
		t.Fatalf("timeline %+v %v", out, err)
	}
	o := out[0]
	if o.Reason != ReasonWebhookMissing || !o.Start.Equal(broke.Truncate(time.Millisecond)) || o.End.Sub(fixed) > time.Second || o.End.Before(fixed.Add(-time.Second)) {
		t.Fatalf("outage %+v, broke %v fixed %v", o, broke, fixed)
	}
	if o.Fix.Kind != "webhook_resubscribed" || o.Fix.By != "ana" {
		t.Fatalf("fix %+v", o.Fix)
	}

	a, err := e.k.Availability(ctx, 30)
	if err != nil || len(a.Days) != 30 {
		t.Fatalf("availability %+v %v", a, err)
	}
	if a.Overall <= 0.9 || a.Overall >= 1 {
		t.Fatalf("overall %v: 3 h of one Page down in about 2 days of two Pages", a.Overall)
	}
	if a.Days[0].Share >= 0 {
		t.Fatalf("30 days ago no Page was connected: %+v", a.Days[0])
	}
}

// startSMTPPlain is a mail relay on this computer without encryption or
// login, as a local Postfix would be.
func startSMTPPlain(t *testing.T) *smtpServer {
	t.Helper()
	s := &smtpServer{}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s}, nil }))
	srv.Domain = "localhost"
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

package keeper

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"os"
	"strings"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/pagekeeper/pagekeeper/store"
)

// outboxEmail is the outbox kind of a queued alert email.
const outboxEmail = "email"

// emailJob is a queued email: everything is already rendered, and nothing
// in it is secret (the SMTP password is read where it is kept at sending).
type emailJob struct {
	To         string `json:"to"`
	ToName     string `json:"to_name,omitempty"`
	Subject    string `json:"subject"`
	Text       string `json:"text"`
	HTML       string `json:"html"`
	Alert      string `json:"alert,omitempty"`
	IncidentID int64  `json:"incident_id,omitempty"`
}

// maxEmailAttempts: after this many failed attempts (about a week with the
// back-off capped at 6 h) the email is given up, with an event saying so.
const maxEmailAttempts = 40

var (
	msgEmailOpen = msg("email.open",
		"Open Pagekeeper on {{.Host}} and press {{.Button}} next to {{.Name}}.")
	msgEmailOpenLook = msg("email.open_look",
		"Open Pagekeeper on {{.Host}} to see {{.Name}}'s history.")
	msgEmailOpenSettings = msg("email.open_settings",
		"Open Pagekeeper on {{.Host}} and go to Settings.")
	msgEmailFooter = msg("email.footer",
		"You receive this because you are listed as an owner in Pagekeeper's Settings on {{.Host}}.")
	msgTestSubject = msg("email.test.subject", "Pagekeeper test email")
	msgTestBody    = msg("email.test.body",
		"This is a test from Pagekeeper on {{.Host}}. Alerts about your Facebook Pages will arrive like this.")
	msgEmailSent    = msg("email.sent", "Email delivered to {{.To}}: {{.Subject}}")
	msgEmailFailed  = msg("email.failed", "Email to {{.To}} not delivered yet ({{.Why}}); trying again at {{.Next}}.")
	msgEmailGaveUp  = msg("email.gave_up", "Email to {{.To}} could not be delivered ({{.Why}}); Pagekeeper gave up: {{.Subject}}")
	msgNoSMTP       = msg("email.no_smtp", "no email server is set up in Settings")
	msgNoPassword   = msg("email.no_password", "no password for the email account is saved in {{.Where}}")
	msgKeyringError = msg("email.keyring_error", "the password of the email account could not be read from {{.Where}}")
	msgBadSender    = msg("email.bad_sender", "the sender address “{{.Address}}” is not valid")
	msgBadAddress   = msg("email.bad_address", "the address “{{.Address}}” is not valid")
	msgNoOwners     = msg("email.no_owners", "Add at least one owner's email address in Settings first.")
	msgUnreadable   = msg("event.email_unreadable", "A queued email was unreadable and was dropped.")
	msgTestSent     = msg("event.test_email_sent", "Test email delivered to {{.To}}.")
	msgTestFailed   = msg("event.test_email_failed", "Test email to {{.To}} not delivered: {{.Why}}")
	msgButtonRenew  = msg("row.renew", "Renew")
	msgButtonResub  = msg("row.resubscribe", "Resubscribe")
)

// buttonFor names the button that repairs an alert.
func buttonFor(r Repair) Text {
	switch r {
	case RepairResubscribe:
		return msgButtonResub.with()
	case RepairRenew, RepairReauthorize, RepairRerequest, RepairFixOnFacebook:
		return msgButtonRenew.with()
	}
	return Text{}
}

// composeEmail renders an alert in l as subject, plain text and simple HTML.
func composeEmail(a Alert, host string, l Lang) (subject, text, htmlBody string) {
	subject = a.Title.In(l)
	var open Text
	if a.PageID == "" { // an app-wide notice (the Graph version radar)
		open = msgEmailOpenSettings.with("Host", host)
	} else if b := buttonFor(a.Repair); !b.IsZero() && a.Kind != AlertRestored {
		open = msgEmailOpen.with("Host", host, "Button", b, "Name", a.PageName)
	} else {
		open = msgEmailOpenLook.with("Host", host, "Name", a.PageName)
	}
	paras := []string{subject, a.Explanation.In(l)}
	if !a.Action.IsZero() {
		paras = append(paras, a.Action.In(l))
	}
	paras = append(paras, open.In(l))
	footer := msgEmailFooter.with("Host", host).In(l)
	text = strings.Join(paras, "\n\n") + "\n\n-- \n" + footer + "\n"
	var b strings.Builder
	b.WriteString("<!DOCTYPE html><html><body style=\"font-family:sans-serif\">")
	fmt.Fprintf(&b, "<h2>%s</h2>", html.EscapeString(paras[0]))
	for _, p := range paras[1:] {
		fmt.Fprintf(&b, "<p>%s</p>", html.EscapeString(p))
	}
	fmt.Fprintf(&b, "<hr><p style=\"color:#666;font-size:small\">%s</p></body></html>", html.EscapeString(footer))
	return subject, text, b.String()
}

// smtpPassword is the email account's password: the one typed (the
// Settings form's, not saved yet) or else the one saved (SecretsPlace).
// An account without a user name needs none.
func (k *Keeper) smtpPassword(s SMTP, typed Secret) (string, error) {
	switch {
	case s.Username == "":
		return "", nil
	case !typed.IsZero():
		return typed.t.Reveal(), nil
	}
	pw, err := k.secrets.Get(keyringService, smtpUser(s.Username))
	switch {
	case errors.Is(err, store.ErrKeyNotFound):
		return "", &mailError{words: msgNoPassword.with("Where", k.SecretsPlace())}
	case err != nil:
		k.logf("the password of the email account could not be read (%v)", err)
		return "", &mailError{words: msgKeyringError.with("Where", k.SecretsPlace())}
	}
	return pw, nil
}

// mailError is a sending failure in words; temporary ones are retried.
type mailError struct {
	words     Text
	permanent bool
}

func (e *mailError) Error() string { return e.words.String() }

// why is a sending failure in words, in any language.
func why(err error) Text {
	var me *mailError
	if errors.As(err, &me) {
		return me.words
	}
	return Describe(err)
}

// sendMail sends one message through the server s, logging in with
// password when s has a user name.
func (k *Keeper) sendMail(ctx context.Context, s SMTP, password, to, toName, subject, text, htmlBody string) error {
	if s.Host == "" {
		return &mailError{words: msgNoSMTP.with()}
	}
	opts := []mail.Option{mail.WithTimeout(30 * time.Second)}
	port := s.Port
	tlsCfg := k.opts.SMTPTLS
	if tlsCfg == nil {
		tlsCfg = &tls.Config{MinVersion: tls.VersionTLS12}
	} else {
		tlsCfg = tlsCfg.Clone()
	}
	if tlsCfg.ServerName == "" {
		tlsCfg.ServerName = s.Host
	}
	opts = append(opts, mail.WithTLSConfig(tlsCfg))
	switch s.Security {
	case SecurityTLS:
		if port == 0 {
			port = 465
		}
		opts = append(opts, mail.WithSSL())
	case SecurityNone:
		// Only ever a relay on this computer (Validate): nothing crosses
		// a network.
		if port == 0 {
			port = 25
		}
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		if port == 0 {
			port = 587
		}
		// STARTTLS is required: the password never crosses the network in clear.
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	opts = append(opts, mail.WithPort(port))
	if s.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(s.Username), mail.WithPassword(password))
	}
	c, err := mail.NewClient(s.Host, opts...)
	if err != nil {
		return &mailError{words: plain(err.Error())}
	}
	m := mail.NewMsg()
	from, err := s.sender()
	if err != nil {
		return &mailError{words: Describe(err), permanent: true}
	}
	if err := m.FromFormat(from.Name, from.Address); err != nil {
		return &mailError{words: msgBadSender.with("Address", from.Address), permanent: true}
	}
	if err := m.AddToFormat(toName, to); err != nil {
		return &mailError{words: msgBadAddress.with("Address", to), permanent: true}
	}
	m.Subject(subject)
	m.SetDate()
	m.SetMessageID()
	m.SetBodyString(mail.TypeTextPlain, text)
	m.AddAlternativeString(mail.TypeTextHTML, htmlBody)
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		return classifyMailError(err, s, port)
	}
	return nil
}

// DrainMail delivers the queued alert emails that are due, retrying
// failures with back-off (1 minute doubling to 6 hours). Every attempt's
// outcome is an event ("email_sent" naming the recipient, "email_failed"
// with the server's answer). It returns how many are still pending; an
// outcome that could not be recorded is reported (Logf) and the email is
// tried again later.
func (k *Keeper) DrainMail(ctx context.Context) (pending int) {
	if k.readOnly() {
		return 0
	}
	items, err := k.store.DueOutbox(ctx, k.now(), 0)
	if err != nil {
		k.logf("the queued emails could not be read: %v", err)
		return 0
	}
	s := k.config().settings.SMTP
	for _, it := range items {
		if it.Kind != outboxEmail {
			continue
		}
		var job emailJob
		if err := json.Unmarshal(it.Payload, &job); err != nil {
			k.recordJob(ctx, "dropping an unreadable queued email", func(tx *store.Tx) error {
				if err := tx.CompleteOutbox(it.ID, k.now()); err != nil {
					return err
				}
				_, err := tx.AppendEvent(newEvent(k.now(), it.PageID, "email_failed", msgUnreadable.with()))
				return err
			})
			continue
		}
		if !k.sendQueuedEmail(ctx, s, it, job) {
			pending++
		}
	}
	return pending
}

// record writes what a background job found; no caller waits for it, so a
// failure is reported (Logf), and the job is tried again later.
func (k *Keeper) recordJob(ctx context.Context, what string, fn func(*store.Tx) error) bool {
	if err := k.store.Update(ctx, fn); err != nil {
		k.logf("%s could not be recorded: %v", what, err)
		return false
	}
	return true
}

// sendQueuedEmail sends one queued alert email and records the outcome.
func (k *Keeper) sendQueuedEmail(ctx context.Context, s SMTP, it store.OutboxItem, job emailJob) (done bool) {
	sendCtx, cancel := context.WithTimeout(ctx, time.Minute)
	password, err := k.smtpPassword(s, Secret{})
	if err == nil {
		err = k.sendMail(sendCtx, s, password, job.To, job.ToName, job.Subject, job.Text, job.HTML)
	}
	cancel()
	now := k.now()
	to := Owner{Name: job.ToName, Email: job.To}.String()
	if err == nil {
		return k.recordJob(ctx, "a delivered email", func(tx *store.Tx) error {
			if err := tx.CompleteOutbox(it.ID, now); err != nil {
				return err
			}
			_, err := tx.AppendEvent(newEvent(now, it.PageID, "email_sent", msgEmailSent.with("To", to, "Subject", job.Subject)))
			return err
		})
	}
	reason := why(err)
	var me *mailError
	permanent := errors.As(err, &me) && me.permanent
	if permanent || it.Attempts+1 >= maxEmailAttempts {
		return k.recordJob(ctx, "an email given up", func(tx *store.Tx) error {
			if err := tx.FailOutbox(it.ID, reason.String(), now); err != nil {
				return err
			}
			if err := tx.CompleteOutbox(it.ID, now); err != nil {
				return err
			}
			_, err := tx.AppendEvent(newEvent(now, it.PageID, "email_failed", msgEmailGaveUp.with("To", to, "Why", reason, "Subject", job.Subject)))
			return err
		})
	}
	next := now.Add(outboxBackoff(it.Attempts + 1))
	k.recordJob(ctx, "a failed email", func(tx *store.Tx) error {
		if err := tx.FailOutbox(it.ID, reason.String(), next); err != nil {
			return err
		}
		_, err := tx.AppendEvent(newEvent(now, it.PageID, "email_failed", msgEmailFailed.with("To", to, "Why", reason, "Next", next)))
		return err
	})
	return false
}

// SendTestEmail sends a test email to every owner of s through the mail
// server of s, right away (not through the outbox: the person is waiting
// for the answer). It uses the values given — the Settings form's, not yet
// saved — and saves nothing; the password is sec's, or else the saved one.
// The history records the attempt.
func (k *Keeper) SendTestEmail(ctx context.Context, s Settings, sec Secrets) error {
	if err := errors.Join(s.Validate(), sec.check(s)); err != nil {
		return err
	}
	if len(s.Owners) == 0 {
		return problem(msgNoOwners.with())
	}
	password, err := k.smtpPassword(s.SMTP, sec.SMTPPassword)
	if err != nil {
		return err
	}
	host := k.opts.Host
	if host == "" {
		host, _ = os.Hostname()
	}
	l := LangOf(s.Language)
	body := msgTestBody.with("Host", host).In(l)
	subject := msgTestSubject.with().In(l)
	htmlBody := "<!DOCTYPE html><html><body><p>" + html.EscapeString(body) + "</p></body></html>"
	var errs []error
	for _, o := range s.Owners {
		err := k.sendMail(ctx, s.SMTP, password, o.Email, o.Name, subject, body+"\n", htmlBody)
		kind, detail := "test_email_sent", msgTestSent.with("To", o.String())
		if err != nil {
			kind, detail = "email_failed", msgTestFailed.with("To", o.String(), "Why", why(err))
			errs = append(errs, &TextError{Text: detail, Err: err})
		}
		if !k.readOnly() {
			if _, rerr := k.store.AppendEvent(ctx, newEvent(k.now(), "", kind, detail)); rerr != nil {
				k.logf("the test email to %s could not be recorded: %v", o.Email, rerr)
			}
		}
	}
	return errors.Join(errs...)
}

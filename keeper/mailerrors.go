package keeper

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/textproto"
	"strconv"
	"syscall"

	"github.com/wneessen/go-mail"
)

// A failed email is told in words a page owner can act on (what happened,
// what to check), classified by error types and SMTP reply codes, never by
// the library's text.
var (
	msgServerSaid      = msg("email.server_refused", "the mail server refused the message (it answered {{.Code}}): check the sender address and the owners' addresses, or ask your email provider")
	msgMailNoHost      = msg("email.no_such_server", "there is no mail server called {{.Server}}: check its name in Settings")
	msgMailRefused     = msg("email.refused", "nothing answers at {{.Server}} on port {{.Port}}: check the port in Settings (usually 587 for STARTTLS, 465 for TLS)")
	msgUnreachable     = msg("email.unreachable", "could not reach the mail server {{.Server}} on port {{.Port}}: check the server name, the port and this computer's internet connection")
	msgMailTimeout     = msg("email.timeout", "the mail server {{.Server}} did not answer in time: check the server name and port, and try again later")
	msgMailCertificate = msg("email.certificate", "the mail server {{.Server}} did not prove it is who it says (its certificate is not trusted here, or is for another name): check the server name in Settings")
	msgMailNotTLS      = msg("email.not_tls", "the mail server {{.Server}} does not use TLS on port {{.Port}}: choose STARTTLS in Settings (usually port 587), or the TLS port (usually 465)")
	msgMailLogin       = msg("email.login_refused", "the mail server refused the user name or password: check them in Settings (some providers want an app password)")
	msgMailSecurity    = msg("email.security", "Pagekeeper reached the mail server {{.Server}} on port {{.Port}} but could not send securely: check the Security setting (STARTTLS usually on port 587, TLS on port 465)")
)

// classifyMailError turns a go-mail failure into words for the person and
// the events: 550/551/553 refuse the recipient for good; everything else is
// tried again.
func classifyMailError(err error, s SMTP, port int) *mailError {
	server, p := s.Host, strconv.Itoa(port)
	var (
		tp    *textproto.Error
		dns   *net.DNSError
		cert  *tls.CertificateVerificationError
		rec   tls.RecordHeaderError
		ne    net.Error
		opErr *net.OpError
	)
	switch {
	case errors.As(err, &cert):
		return &mailError{words: msgMailCertificate.with("Server", server)}
	case errors.As(err, &rec):
		return &mailError{words: msgMailNotTLS.with("Server", server, "Port", p)}
	case errors.As(err, &dns) && dns.IsNotFound:
		return &mailError{words: msgMailNoHost.with("Server", server)}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &mailError{words: msgMailRefused.with("Server", server, "Port", p)}
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return &mailError{words: msgMailTimeout.with("Server", server)}
	case errors.As(err, &tp) && (tp.Code == 535 || tp.Code == 534 || tp.Code == 530):
		return &mailError{words: msgMailLogin.with()}
	}
	var se *mail.SendError
	if errors.As(err, &se) {
		if code := se.ErrorCode(); code > 0 {
			if code == 535 || code == 534 || code == 530 {
				return &mailError{words: msgMailLogin.with()}
			}
			return &mailError{words: msgServerSaid.with("Code", code), permanent: code == 550 || code == 551 || code == 553}
		}
	}
	if errors.As(err, &opErr) || errors.As(err, &dns) {
		return &mailError{words: msgUnreachable.with("Server", server, "Port", p)}
	}
	// Connected, but the conversation failed before a reply code: most
	// often a server without STARTTLS, or TLS on a STARTTLS port.
	return &mailError{words: msgMailSecurity.with("Server", server, "Port", p)}
}

package integration

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"filippo.io/age"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

// An integration is set up in Pagekeeper with a name, the URL deliveries go
// to, the signing secret they share and the integration's age recipient.
// These checks give the person typing them a message that says what to fix;
// the keeper renders them by Field and Problem in the person's language.

// Field names the setting a SettingError is about.
type Field string

const (
	FieldName      Field = "name"
	FieldURL       Field = "url"
	FieldSecret    Field = "secret"
	FieldRecipient Field = "recipient"
)

// Problem is what is wrong with a setting, as a stable code.
type Problem string

const (
	ProblemEmpty         Problem = "empty"
	ProblemTooLong       Problem = "too_long"
	ProblemControlChars  Problem = "control_characters"
	ProblemNotURL        Problem = "not_a_url"
	ProblemScheme        Problem = "scheme"          // neither https nor http to this computer
	ProblemPlainHTTP     Problem = "plain_http"      // http:// to another computer
	ProblemUserInfo      Problem = "user_info"       // a user name or password in the URL
	ProblemFragment      Problem = "fragment"        // a #fragment, which is never sent
	ProblemSecretPrefix  Problem = "secret_prefix"   // not whsec_…
	ProblemSecretEncode  Problem = "secret_encoding" // not base64 after the prefix
	ProblemSecretLength  Problem = "secret_length"   // fewer than 24 or more than 64 bytes
	ProblemNotRecipient  Problem = "not_a_recipient" // not an age X25519 recipient
	ProblemPostQuantum   Problem = "post_quantum"    // an age1pq1… hybrid recipient
	ProblemIdentityGiven Problem = "identity_given"  // the private key was pasted instead of the public one
)

// SettingError is a setting that cannot be used; its message says what to do.
type SettingError struct {
	Field   Field
	Problem Problem
	msg     string
}

func (e *SettingError) Error() string { return e.msg }

func settingErr(f Field, p Problem, format string, args ...any) error {
	return &SettingError{Field: f, Problem: p, msg: fmt.Sprintf(format, args...)}
}

// MaxNameLength is the longest integration name, in characters.
const MaxNameLength = 60

// CheckName checks an integration's name (trimmed by the caller or not:
// surrounding spaces are ignored).
func CheckName(name string) error {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return settingErr(FieldName, ProblemEmpty, "Give the integration a name, for example \"Support Bot\".")
	case utf8.RuneCountInString(name) > MaxNameLength:
		return settingErr(FieldName, ProblemTooLong, "The integration's name is longer than %d characters; choose a shorter one.", MaxNameLength)
	case !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl):
		return settingErr(FieldName, ProblemControlChars, "The integration's name contains characters that cannot be shown; type it again.")
	}
	return nil
}

// maxURLLength bounds an endpoint URL.
const maxURLLength = 2048

// CheckURL checks the URL deliveries go to and returns it parsed: https, or
// plain http only to this computer (localhost, 127.0.0.0/8, ::1), because a
// delivery carries data about the Page that only the integration should see.
func CheckURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, settingErr(FieldURL, ProblemEmpty, "Enter the integration's address, for example https://bot.example.com/pagekeeper.")
	}
	if len(raw) > maxURLLength {
		return nil, settingErr(FieldURL, ProblemTooLong, "The integration's address is longer than %d characters.", maxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return nil, settingErr(FieldURL, ProblemNotURL, "%q is not a web address; enter it as https://host/path.", Redact(raw))
	}
	switch {
	case u.User != nil:
		return nil, settingErr(FieldURL, ProblemUserInfo, "Remove the user name or password from the address: Pagekeeper signs each delivery with the signing secret instead.")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, settingErr(FieldURL, ProblemFragment, "Remove the part after # from the address: it is never sent to the server.")
	case u.Scheme == "https":
		return u, nil
	case u.Scheme == "http" && IsLoopbackHost(u.Hostname()):
		return u, nil
	case u.Scheme == "http":
		return nil, settingErr(FieldURL, ProblemPlainHTTP, "The address %s uses plain http to another computer; use https:// (plain http is allowed only to this computer, e.g. http://127.0.0.1:8790/pagekeeper).", Redact(raw))
	}
	return nil, settingErr(FieldURL, ProblemScheme, "The address must start with https:// (or http:// to this computer).")
}

// IsLoopbackHost reports whether host names this computer: "localhost" or a
// loopback IP address.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Redact shortens a URL for messages and logs to scheme://host/path: a
// query may hold a key someone put there.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		if len(raw) > 40 {
			return raw[:40] + "…"
		}
		return raw
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// The signing secret follows Standard Webhooks: "whsec_" and the base64 of
// 24 to 64 random bytes.
const (
	SecretPrefix   = "whsec_"
	minSecretBytes = 24
	maxSecretBytes = 64
	newSecretBytes = 32
)

// NewSecret makes a new random signing secret.
func NewSecret() token.Token {
	b := make([]byte, newSecretBytes)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return token.New(SecretPrefix + base64.StdEncoding.EncodeToString(b))
}

// CheckSecret checks the form of a signing secret and returns its key bytes.
func CheckSecret(secret token.Token) ([]byte, error) {
	s := strings.TrimSpace(secret.Reveal())
	if s == "" {
		return nil, settingErr(FieldSecret, ProblemEmpty, "Enter the signing secret the integration uses (it starts with whsec_).")
	}
	b64, ok := strings.CutPrefix(s, SecretPrefix)
	if !ok {
		return nil, settingErr(FieldSecret, ProblemSecretPrefix, "A signing secret starts with whsec_; copy the whole secret from the integration.")
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, settingErr(FieldSecret, ProblemSecretEncode, "The signing secret is damaged: after whsec_ it must be base64. Copy it again from the integration.")
	}
	if len(key) < minSecretBytes || len(key) > maxSecretBytes {
		return nil, settingErr(FieldSecret, ProblemSecretLength, "The signing secret must hold %d to %d random bytes (this one holds %d); make a new one, e.g. whsec_ followed by `openssl rand -base64 32`.", minSecretBytes, maxSecretBytes, len(key))
	}
	return key, nil
}

// ParseRecipient parses the integration's age public key ("age1…", X25519),
// which Pagekeeper seals Page tokens to.
func ParseRecipient(s string) (*age.X25519Recipient, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return nil, settingErr(FieldRecipient, ProblemEmpty, "Enter the integration's public key (it starts with age1).")
	case strings.HasPrefix(strings.ToUpper(s), "AGE-SECRET-KEY-"):
		return nil, settingErr(FieldRecipient, ProblemIdentityGiven, "That is the integration's private key: keep it secret, on the integration's server only. Enter its public key instead (the line \"public key: age1…\").")
	case strings.HasPrefix(strings.ToLower(s), "age1pq1"):
		return nil, settingErr(FieldRecipient, ProblemPostQuantum, "Post-quantum age keys (age1pq1…) are not supported yet; make an X25519 key with age-keygen (without -pq) and enter its public key.")
	}
	r, err := age.ParseX25519Recipient(s)
	if err != nil {
		return nil, settingErr(FieldRecipient, ProblemNotRecipient, "This is not an age public key; it starts with age1 and is 62 characters long (age-keygen prints it as \"public key: age1…\").")
	}
	return r, nil
}

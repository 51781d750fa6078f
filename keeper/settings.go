package keeper

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Settings is everything an owner (or IT, through a preset file) can set.
// It is stored as one JSON value under the "settings" key. Secrets (the App
// Secret, the SMTP password) are never here: they are kept apart, sealed
// (secrets.go).
type Settings struct {
	// The Facebook app Pagekeeper logs in with.
	AppID        string       `json:"app_id"`
	GraphVersion string       `json:"graph_version"`
	RedirectMode RedirectMode `json:"redirect_mode"`
	// LoginConfigID is the app's Facebook Login for Business configuration
	// (Business-type apps): the login then sends config_id instead of the
	// permissions, which the configuration holds.
	LoginConfigID string `json:"login_config_id,omitempty"`
	// Ports for the local login callback: the first is preferred, the
	// others are fallbacks (Facebook sees them only in loopback mode, where
	// development mode allows any localhost port; behind the relay any works).
	Ports    []int  `json:"ports"`
	RelayURL string `json:"relay_url,omitempty"` // the HTTPS relay page (relay mode)
	// BusinessPages adds business_management to the login so Pages owned
	// through a Business portfolio are found.
	BusinessPages bool `json:"business_pages"`

	CheckInterval    Duration `json:"check_interval"`
	ReminderInterval Duration `json:"reminder_interval"`
	// CouldNotCheckAlertAfter: how long "could not check" may last before owners are told.
	CouldNotCheckAlertAfter Duration `json:"could_not_check_alert_after"`
	// IntegrationAlertAfter: how long deliveries of a Page's events to its
	// integration may fail before the Page needs attention (and owners are told).
	IntegrationAlertAfter Duration `json:"integration_alert_after,omitempty"`

	Owners []Owner `json:"owners"`
	SMTP   SMTP    `json:"smtp"`

	Language string `json:"language,omitempty"` // "" = the system's
}

// RedirectMode is how Facebook's login comes back to Pagekeeper.
type RedirectMode string

const (
	// RedirectLoopback: http://localhost:<port>/facebook/callback. Facebook
	// accepts it only for an app in development mode, and only for the
	// people with a role on the app.
	RedirectLoopback RedirectMode = "loopback"
	// RedirectRelay: an HTTPS page the business hosts forwards to the
	// loopback callback. A Live app (every app customers log in to) needs
	// it: Live mode refuses plain-http redirect addresses.
	RedirectRelay RedirectMode = "relay"
)

// Owner receives alerts.
type Owner struct {
	Name  string `json:"name"`
	Email string `json:"email"` // the bare address: ana@example.com
}

// String is the owner as Settings shows it and ParseOwner reads it back:
// "Ana Rivera <ana@example.com>", or the bare address when there is no name.
// A name net/mail would read differently (a comma, a quote) is quoted.
func (o Owner) String() string {
	if o.Name == "" {
		return o.Email
	}
	plain := o.Name + " <" + o.Email + ">"
	if a, err := mail.ParseAddress(plain); err == nil && a.Name == o.Name && a.Address == o.Email {
		return plain
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(o.Name) + `" <` + o.Email + ">"
}

// The words Settings and the settings command say about a wrong value: the
// one place every front end's checks come from.
var (
	msgNotAnAddress = msg("settings.invalid.owner",
		"“{{.Text}}” is not an email address: write it as ana@example.com or Ana Rivera <ana@example.com>.")
	msgOwnerEmail = msg("settings.invalid.owner_email",
		"The email address of {{.Name}} (“{{.Email}}”) is not valid: write it as ana@example.com or Ana Rivera <ana@example.com>.")
	msgBadSenderAddress = msg("settings.invalid.sender",
		"The sender address “{{.Text}}” is not valid: write it as alerts@example.com or Pagekeeper <alerts@example.com>.")
	msgBadAppID         = msg("settings.invalid.app_id", "The App ID is the number shown at the top of your app in Meta's App Dashboard.")
	msgBadGraphVersion  = msg("settings.invalid.graph_version", "The Graph version “{{.Text}}” should look like v25.0.")
	msgBadLoginConfigID = msg("settings.invalid.login_config_id",
		"The Login configuration ID is the number Meta shows for your configuration under Facebook Login for Business, Configurations.")
	msgBadRelayURL     = msg("settings.invalid.relay_url", "Relay mode needs the https:// address of the relay page you host.")
	msgBadRedirectMode = msg("settings.invalid.redirect_mode", "Unknown redirect mode “{{.Text}}”: use loopback or relay.")
	msgNoPorts         = msg("settings.invalid.no_ports", "At least one login callback port is needed.")
	msgPortRange       = msg("settings.invalid.port_range", "Port {{.Port}} is outside 1024–65535.")
	msgBadPort         = msg("settings.bad_port", "“{{.Port}}” is not a port number")
	msgTooOften        = msg("settings.invalid.check_interval", "Checks can run at most once a minute.")
	msgBadSMTPSecurity = msg("settings.invalid.smtp_security", "Email security “{{.Text}}”: use starttls, tls, or none (only for a mail relay on this computer).")
	msgSMTPNoneRemote  = msg("settings.invalid.smtp_none_remote",
		"The mail server {{.Server}} is reached over the network, where the password and the alerts must be encrypted: choose STARTTLS or TLS (no encryption is only for a mail relay on this computer).")
	msgNoSender = msg("settings.invalid.no_sender",
		"Enter the sender address alerts come from, for example Pagekeeper <alerts@example.com> (the user name is not an email address).")
	msgBadDuration      = msg("settings.invalid.duration", "“{{.Text}}” is not a duration like 1h or 30m.")
	msgBadBool          = msg("settings.invalid.bool", "“{{.Text}}” is neither true nor false.")
	msgBadNumber        = msg("settings.invalid.number", "“{{.Text}}” is not a number.")
	msgSecretNeedsAppID = msg("settings.invalid.secret_app_id", "Enter the App ID first: the App Secret belongs to it.")
	msgSecretNeedsUser  = msg("settings.invalid.secret_user", "Enter the email account's user name first: the password belongs to it.")
)

// ParseOwner reads one owner as a person writes it: "ana@example.com" or
// "Ana Rivera <ana@example.com>" (RFC 5322, read by net/mail: a name with a
// comma goes in quotes).
func ParseOwner(s string) (Owner, error) {
	a, err := mail.ParseAddress(strings.TrimSpace(s))
	if err != nil {
		return Owner{}, problem(msgNotAnAddress.with("Text", strings.TrimSpace(s)))
	}
	return Owner{Name: a.Name, Email: a.Address}, nil
}

// ParseOwners reads owners as Settings and the settings command take them:
// one per line, or several on a line separated by commas ("Ana
// <ana@example.com>, bob@example.com"); blank lines are skipped. Every
// line that is not a list of addresses is named in the error.
func ParseOwners(text string) ([]Owner, error) {
	var owners []Owner
	var errs []error
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		list, err := mail.ParseAddressList(line)
		if err != nil {
			errs = append(errs, problem(msgNotAnAddress.with("Text", line)))
			continue
		}
		for _, a := range list {
			owners = append(owners, Owner{Name: a.Name, Email: a.Address})
		}
	}
	return owners, errors.Join(errs...)
}

// SMTP is the mail server alerts go through. The password is kept apart (secrets.go).
type SMTP struct {
	Host     string `json:"host,omitempty"`
	Port     int    `json:"port,omitempty"`
	Username string `json:"username,omitempty"`
	From     string `json:"from,omitempty"`
	// Security: "starttls" (default), "tls", or "none" — the last only for
	// a mail relay on this computer (a loopback host), since the password
	// and the alerts would otherwise cross a network in the clear.
	Security string `json:"security,omitempty"`
}

// The SMTP security modes.
const (
	SecurityStartTLS = "starttls"
	SecurityTLS      = "tls"
	SecurityNone     = "none"
)

// IsLoopbackHost reports whether host is this computer (localhost, or a
// loopback address): the only mail server reached without encryption.
func IsLoopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(host)), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && ip.IsLoopback()
}

// sender is the From of alert emails: SMTP.From as written in Settings
// ("alerts@example.com" or "Pagekeeper <alerts@example.com>"), else the
// account's user name; named "Pagekeeper" unless From names it.
func (s SMTP) sender() (*mail.Address, error) {
	from := s.From
	if from == "" {
		if _, err := mail.ParseAddress(s.Username); err != nil {
			// The user name is no address to send from (a user name
			// like "alerts" is common).
			return nil, problem(msgNoSender.with())
		}
		from = s.Username
	}
	a, err := parseSender(from)
	if err != nil {
		return nil, err
	}
	if a.Name == "" {
		a.Name = "Pagekeeper"
	}
	return a, nil
}

// parseSender reads a sender address as written in Settings.
func parseSender(from string) (*mail.Address, error) {
	a, err := mail.ParseAddress(from)
	if err != nil {
		return nil, problem(msgBadSenderAddress.with("Text", from))
	}
	return a, nil
}

// Duration is a time.Duration written as "1h30m" in JSON and preset files.
type Duration time.Duration

// MarshalJSON writes the duration as text.
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Duration(d).String() + `"`), nil
}

// UnmarshalJSON reads "1h30m".
func (d *Duration) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	v, err := time.ParseDuration(s)
	if err != nil {
		return problem(msgBadDuration.with("Text", s))
	}
	*d = Duration(v)
	return nil
}

// DefaultSettings are what a fresh install uses.
func DefaultSettings() Settings {
	return Settings{
		GraphVersion:            "v25.0",
		RedirectMode:            RedirectLoopback,
		Ports:                   []int{27182, 27183, 27184},
		CheckInterval:           Duration(time.Hour),
		ReminderInterval:        Duration(24 * time.Hour),
		CouldNotCheckAlertAfter: Duration(6 * time.Hour),
		IntegrationAlertAfter:   Duration(time.Hour),
	}
}

// Validate says, in words an owner can act on, what is wrong with s.
func (s Settings) Validate() error {
	var errs []error
	bad := func(m message, kv ...any) { errs = append(errs, problem(m.with(kv...))) }
	if s.AppID != "" && strings.Trim(s.AppID, "0123456789") != "" {
		bad(msgBadAppID)
	}
	if s.GraphVersion != "" && !validGraphVersion(s.GraphVersion) {
		bad(msgBadGraphVersion, "Text", s.GraphVersion)
	}
	if s.LoginConfigID != "" && strings.Trim(s.LoginConfigID, "0123456789") != "" {
		bad(msgBadLoginConfigID)
	}
	switch s.RedirectMode {
	case RedirectLoopback, "":
	case RedirectRelay:
		u, err := url.Parse(s.RelayURL)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			bad(msgBadRelayURL)
		}
	default:
		bad(msgBadRedirectMode, "Text", string(s.RedirectMode))
	}
	if len(s.Ports) == 0 {
		bad(msgNoPorts)
	}
	for _, p := range s.Ports {
		if p < 1024 || p > 65535 {
			bad(msgPortRange, "Port", p)
		}
	}
	if s.CheckInterval != 0 && time.Duration(s.CheckInterval) < time.Minute {
		bad(msgTooOften)
	}
	for _, o := range s.Owners {
		if a, err := mail.ParseAddress(o.Email); err != nil || a.Name != "" || a.Address != o.Email {
			bad(msgOwnerEmail, "Name", o.Name, "Email", o.Email)
		}
	}
	if s.SMTP.Host != "" || s.SMTP.From != "" {
		if _, err := s.SMTP.sender(); err != nil {
			errs = append(errs, err)
		}
	}
	switch s.SMTP.Security {
	case "", SecurityStartTLS, SecurityTLS:
	case SecurityNone:
		if s.SMTP.Host != "" && !IsLoopbackHost(s.SMTP.Host) {
			bad(msgSMTPNoneRemote, "Server", s.SMTP.Host)
		}
	default:
		bad(msgBadSMTPSecurity, "Text", s.SMTP.Security)
	}
	if !validLanguage(s.Language) {
		bad(msgBadLanguage, "Text", s.Language, "Codes", languageCodes())
	}
	return errors.Join(errs...)
}

func validGraphVersion(v string) bool {
	if !strings.HasPrefix(v, "v") {
		return false
	}
	major, minor, ok := strings.Cut(v[1:], ".")
	return ok && major != "" && minor != "" && strings.Trim(major, "0123456789") == "" && strings.Trim(minor, "0123456789") == ""
}

const settingsKey = "settings"

// loadSettings reads the saved settings (the defaults where none are saved).
func (k *Keeper) loadSettings(ctx context.Context) (Settings, error) {
	s := DefaultSettings()
	if _, err := k.store.GetSetting(ctx, settingsKey, &s); err != nil {
		return Settings{}, fmt.Errorf("reading the settings: %w", err)
	}
	return s, nil
}

// Settings are the settings in effect (a copy: changing it changes nothing
// until UpdateSettings).
func (k *Keeper) Settings() Settings { return k.config().settings.clone() }

func (s Settings) clone() Settings {
	s.Ports, s.Owners = slices.Clone(s.Ports), slices.Clone(s.Owners)
	return s
}

// UpdateSettings validates s and sec, saves them together (the settings in
// the data folder, the secrets where SecretsPlace says; when the settings
// cannot be saved, the secrets are put back as they were) and puts them into
// effect at once: the Graph client and the login set-up are replaced, the
// scheduler takes the new interval. A health round or a login already
// under way finishes with the settings it started with.
func (k *Keeper) UpdateSettings(ctx context.Context, s Settings, sec Secrets) error {
	if err := k.requireManager(); err != nil {
		return err
	}
	if err := errors.Join(s.Validate(), sec.check(s)); err != nil {
		return err
	}
	k.settingsMu.Lock()
	defer k.settingsMu.Unlock()
	undo, err := k.saveSecrets(s, sec)
	if err != nil {
		return err
	}
	if err := k.store.SetSetting(ctx, settingsKey, s); err != nil {
		return errors.Join(err, undo())
	}
	k.apply(s.clone())
	return nil
}

package keeper

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pagekeeper/pagekeeper/store"
)

// Every setting has one name, the IT preset's ("app_id", "smtp.host"), and
// one way to be written as text, so the window's Settings, the settings
// command and the preset read values the same way and Validate judges them
// the same way.

// Setting is one setting by its name.
type Setting struct {
	Key string
	// Secret: kept sealed, apart from the settings (secrets.go); set from standard input,
	// never shown (SecretSaved says whether one is saved).
	Secret bool
}

// The secrets, by name (they belong to the app_id and the smtp.username).
const (
	KeyAppSecret    = "app_secret"
	KeySMTPPassword = "smtp.password"
	keyLanguage     = "language"
)

// smtpSettings are the mail server's settings, as "smtp.<key>".
var smtpSettings = []struct {
	key   string
	field func(*SMTP) any
}{
	{"host", func(s *SMTP) any { return &s.Host }},
	{"port", func(s *SMTP) any { return &s.Port }},
	{"username", func(s *SMTP) any { return &s.Username }},
	{"from", func(s *SMTP) any { return &s.From }},
	{"security", func(s *SMTP) any { return &s.Security }},
}

// SettingKeys lists every setting: the IT preset's (smtp's one by one), then
// the person's own (language), then the secrets.
func SettingKeys() []Setting {
	var out []Setting
	for _, f := range presetSettings {
		if f.key == "smtp" {
			for _, sf := range smtpSettings {
				out = append(out, Setting{Key: "smtp." + sf.key})
			}
			continue
		}
		out = append(out, Setting{Key: f.key})
	}
	return append(out, Setting{Key: keyLanguage}, Setting{Key: KeyAppSecret, Secret: true}, Setting{Key: KeySMTPPassword, Secret: true})
}

var (
	msgUnknownSetting = msg("settings.unknown", "There is no setting “{{.Key}}”. The settings are: {{.Keys}}.")
	msgSecretSetting  = msg("settings.secret", "“{{.Key}}” is a secret: it is kept sealed (in the system keyring, or without one in the data folder) and never shown.")
	msgBadLanguage    = msg("settings.invalid.language",
		"“{{.Text}}” is not a language Pagekeeper speaks: use {{.Codes}}, or nothing for the system's language.")
)

// SettingByKey is the setting named key; for a name no setting has, an
// error (ErrUnknownSetting) that lists them all.
func SettingByKey(key string) (Setting, error) {
	for _, s := range SettingKeys() {
		if s.Key == key {
			return s, nil
		}
	}
	return Setting{}, unknownSetting(key)
}

// unknownSetting says that no setting is named key, and names them all.
func unknownSetting(key string) error {
	var keys []string
	for _, k := range SettingKeys() {
		keys = append(keys, k.Key)
	}
	return &TextError{Text: msgUnknownSetting.with("Key", key, "Keys", strings.Join(keys, ", ")), Err: ErrUnknownSetting}
}

// ErrUnknownSetting: no setting has the name asked for (errors.Is).
var ErrUnknownSetting = errors.New("no such setting")

// field is the setting key of s (a pointer to it), or an error for a name
// that is no setting, or a secret.
func (s *Settings) field(key string) (any, error) {
	if key == keyLanguage {
		return &s.Language, nil
	}
	if sub, ok := strings.CutPrefix(key, "smtp."); ok {
		for _, sf := range smtpSettings {
			if sf.key == sub {
				return sf.field(&s.SMTP), nil
			}
		}
	}
	for _, f := range presetSettings {
		if f.key == key && f.key != "smtp" {
			return f.field(s), nil
		}
	}
	if key == KeyAppSecret || key == KeySMTPPassword {
		return nil, problem(msgSecretSetting.with("Key", key))
	}
	return nil, unknownSetting(key)
}

// Get is the setting key as text, as Set reads it back.
func (s Settings) Get(key string) (string, error) {
	p, err := s.field(key)
	if err != nil {
		return "", err
	}
	switch v := p.(type) {
	case *string:
		return *v, nil
	case *RedirectMode:
		return string(*v), nil
	case *int:
		if *v == 0 { // the default (smtp.port: 587, or 465 with tls)
			return "", nil
		}
		return strconv.Itoa(*v), nil
	case *bool:
		return strconv.FormatBool(*v), nil
	case *Duration:
		return shortDuration(time.Duration(*v)), nil
	case *[]int:
		ports := make([]string, len(*v))
		for i, p := range *v {
			ports[i] = strconv.Itoa(p)
		}
		return strings.Join(ports, ", "), nil
	case *[]Owner:
		owners := make([]string, len(*v))
		for i, o := range *v {
			owners[i] = o.String()
		}
		return strings.Join(owners, ", "), nil
	}
	return "", fmt.Errorf("the setting %s has no text form (%T)", key, p)
}

// Set changes the setting key to value, written as Get writes it (owners
// one per line or separated by commas, ports separated by commas). It
// checks the value itself; Validate (and UpdateSettings) check the
// settings as a whole.
func (s *Settings) Set(key, value string) error {
	p, err := s.field(key)
	if err != nil {
		return err
	}
	value = strings.TrimSpace(value)
	switch v := p.(type) {
	case *string:
		if key == keyLanguage && value != "" {
			l, ok := spoken(value)
			if !ok {
				return problem(msgBadLanguage.with("Text", value, "Codes", languageCodes()))
			}
			value = string(l)
		}
		*v = value
	case *RedirectMode:
		*v = RedirectMode(value)
	case *int:
		n := 0
		if value != "" {
			if n, err = strconv.Atoi(value); err != nil && strings.HasSuffix(key, "port") {
				return problem(msgBadPort.with("Port", value))
			} else if err != nil {
				return problem(msgBadNumber.with("Text", value))
			}
		}
		*v = n
	case *bool:
		b, err := strconv.ParseBool(value)
		if err != nil {
			return problem(msgBadBool.with("Text", value))
		}
		*v = b
	case *Duration:
		d, err := time.ParseDuration(value)
		if err != nil {
			return problem(msgBadDuration.with("Text", value))
		}
		*v = Duration(d)
	case *[]int:
		ports, err := ParsePorts(value)
		if err != nil {
			return err
		}
		*v = ports
	case *[]Owner:
		owners, err := ParseOwners(value)
		if err != nil {
			return err
		}
		*v = owners
	default:
		return fmt.Errorf("the setting %s has no text form (%T)", key, p)
	}
	return nil
}

// ParsePorts reads port numbers separated by commas or spaces ("27182,
// 27183"), as Settings, the settings command and --ports take them: at
// least one, each 0–65535 (Validate asks more of the saved ones).
func ParsePorts(text string) ([]int, error) {
	var ports []int
	for _, f := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ' ' }) {
		p, err := strconv.Atoi(f)
		if err != nil || p < 0 || p > 65535 {
			return nil, problem(msgBadPort.with("Port", f))
		}
		ports = append(ports, p)
	}
	if len(ports) == 0 {
		return nil, problem(msgNoPorts.with())
	}
	return ports, nil
}

// Set puts value in sec as the secret key (KeyAppSecret, KeySMTPPassword).
func (sec *Secrets) Set(key string, value Secret) error {
	switch key {
	case KeyAppSecret:
		sec.AppSecret = value
	case KeySMTPPassword:
		sec.SMTPPassword = value
	default:
		return unknownSetting(key)
	}
	return nil
}

// SecretSaved reports whether a secret is saved under key for the
// settings in effect (the App Secret of the App ID, the password of the
// email account); it never reads the value out of the keeper.
func (k *Keeper) SecretSaved(key string) (bool, error) {
	s := k.Settings()
	var user string
	switch {
	case key == KeyAppSecret && s.AppID != "":
		user = appSecretUser(s.AppID)
	case key == KeySMTPPassword && s.SMTP.Username != "":
		user = smtpUser(s.SMTP.Username)
	case key == KeyAppSecret || key == KeySMTPPassword:
		return false, nil
	default:
		return false, unknownSetting(key)
	}
	_, err := k.secrets.Get(keyringService, user)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, store.ErrKeyNotFound):
		return false, nil
	}
	return false, err
}

func languageCodes() string {
	var codes []string
	for _, l := range Languages {
		codes = append(codes, l.Code)
	}
	return strings.Join(codes, ", ")
}

// validLanguage: "" (the system's) or a code of Languages.
func validLanguage(code string) bool {
	return code == "" || slices.ContainsFunc(Languages, func(l struct{ Code, Name string }) bool { return l.Code == code })
}

// shortDuration writes d as a person would: "1h", "30m", "1h30m".
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

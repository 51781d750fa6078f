package keeper

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/pagekeeper/pagekeeper/integration"
	"github.com/pagekeeper/pagekeeper/store"
)

// An IT preset is a JSON file of Settings values that IT places on a
// computer before the owner first opens Pagekeeper, so the owner never has
// to type an App ID or an SMTP host. It is applied once per data folder and
// never overrides what the owner has already changed (docs/PACKAGING.md).

// PresetFileName is the preset's name when it sits next to the executable.
const PresetFileName = "pagekeeper-preset.json"

// presetAppliedKey records, in the data folder, which preset was applied;
// presetRefusedKey the last one refused (so the history says it once).
const (
	presetAppliedKey = "preset_applied"
	presetRefusedKey = "preset_refused"
)

// maxPresetSize: a preset is a few lines; anything bigger is the wrong file.
const maxPresetSize = 1 << 20

// systemPresetPath is the machine-wide preset location. A variable so that
// tests can point it into a temporary folder.
var systemPresetPath = defaultSystemPresetPath

func defaultSystemPresetPath() string {
	switch runtime.GOOS {
	case "windows":
		base := os.Getenv("ProgramData")
		if base == "" {
			base = `C:\ProgramData`
		}
		return filepath.Join(base, "Pagekeeper", "preset.json")
	case "darwin":
		return "/Library/Application Support/Pagekeeper/preset.json"
	default:
		return "/etc/pagekeeper/preset.json"
	}
}

// findPreset returns the preset IT left for this computer: exeDir's
// pagekeeper-preset.json first (a copy of Pagekeeper can carry its own),
// then the system one (/etc/pagekeeper/preset.json,
// %ProgramData%\Pagekeeper\preset.json,
// /Library/Application Support/Pagekeeper/preset.json).
func findPreset(exeDir string) (path string, ok bool) {
	var candidates []string
	if exeDir != "" {
		candidates = append(candidates, filepath.Join(exeDir, PresetFileName))
	}
	candidates = append(candidates, systemPresetPath())
	for _, p := range candidates {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, true
		}
	}
	return "", false
}

// presetField is one setting IT may preset: its JSON key (as in Settings),
// the field it fills, and how a correct value looks (for error messages).
type presetField struct {
	key     string
	field   func(*Settings) any // a pointer to the field
	example string
}

var presetSettings = []presetField{
	{"app_id", func(s *Settings) any { return &s.AppID }, `text, like "1234567890"`},
	{"graph_version", func(s *Settings) any { return &s.GraphVersion }, `text, like "v25.0"`},
	{"redirect_mode", func(s *Settings) any { return &s.RedirectMode }, `"loopback" or "relay"`},
	{"login_config_id", func(s *Settings) any { return &s.LoginConfigID }, `text, like "1234567890123456"`},
	{"ports", func(s *Settings) any { return &s.Ports }, `a list of port numbers, like [27182, 27183]`},
	{"relay_url", func(s *Settings) any { return &s.RelayURL }, `text, like "https://example.com/pagekeeper/relay"`},
	{"business_pages", func(s *Settings) any { return &s.BusinessPages }, `true or false`},
	{"check_interval", func(s *Settings) any { return &s.CheckInterval }, `text like "1h" or "30m"`},
	{"reminder_interval", func(s *Settings) any { return &s.ReminderInterval }, `text like "24h"`},
	{"could_not_check_alert_after", func(s *Settings) any { return &s.CouldNotCheckAlertAfter }, `text like "6h"`},
	{"integration_alert_after", func(s *Settings) any { return &s.IntegrationAlertAfter }, `text like "1h"`},
	{"owners", func(s *Settings) any { return &s.Owners }, `a list like [{"name": "Ana", "email": "ana@example.com"}]`},
	{"smtp", func(s *Settings) any { return &s.SMTP }, `an object like {"host": "smtp.example.com", "port": 587}`},
}

// personalSettings are Settings keys each person chooses; IT cannot preset them.
var personalSettings = map[string]bool{"language": true}

// The keys allowed inside "owners" entries and "smtp" (as in settings.go).
var (
	presetOwnerKeys = []string{"name", "email"}
	presetSMTPKeys  = []string{"host", "port", "username", "from", "security"}
	// An integration's signing secret never goes in a file: Pagekeeper
	// shows the integration as "needs its signing secret" until it is given.
	presetIntegrationKeys = []string{"name", "url", "recipient"}
)

// secretWords mark a key that would put a secret in a file.
var secretWords = []string{"secret", "password", "passwd", "token", "credential", "private_key", "api_key"}

// LoadPreset reads an IT preset file and returns DefaultSettings with the
// preset's values over them. Unknown keys, secrets and invalid values are
// refused with a message naming the key.
func LoadPreset(path string) (Settings, error) {
	p, _, err := readPreset(path)
	return p.Settings, err
}

// preset is what a preset file sets: settings and integrations (whose
// signing secrets are never in the file: each waits for its own).
type preset struct {
	Settings
	Integrations []Integration
}

func readPreset(path string) (preset, [sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	fail := func(err error) (preset, [sha256.Size]byte, error) {
		return preset{}, sum, fmt.Errorf("the IT preset file %s: %w", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPresetSize+1))
	if err != nil {
		return fail(err)
	}
	if len(b) > maxPresetSize {
		return fail(errors.New("it is larger than 1 MiB; a preset is a few lines of JSON, is this the right file?"))
	}
	sum = sha256.Sum256(b)
	s, err := parsePreset(b)
	if err != nil {
		return fail(err)
	}
	return s, sum, nil
}

func parsePreset(b []byte) (preset, error) {
	s, err := parsePresetSettings(b)
	if err != nil {
		return preset{}, err
	}
	var raw struct {
		Integrations []Integration `json:"integrations"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return preset{}, fmt.Errorf("%q should be %s", "integrations", presetIntegrationsExample)
	}
	var seen []string
	for i, in := range raw.Integrations {
		at := fmt.Sprintf("integrations[%d]", i)
		if err := errors.Join(integration.CheckName(in.Name), checkURLOnly(in.URL), checkRecipientOnly(in.Recipient)); err != nil {
			return preset{}, fmt.Errorf("%s: %w", at, err)
		}
		name := strings.TrimSpace(in.Name)
		if slices.ContainsFunc(seen, func(x string) bool { return strings.EqualFold(x, name) }) {
			return preset{}, fmt.Errorf("%s: the name %q is used twice", at, name)
		}
		seen = append(seen, name)
		u, _ := integration.CheckURL(in.URL)
		r, _ := integration.ParseRecipient(in.Recipient)
		raw.Integrations[i] = Integration{Name: name, URL: u.String(), Recipient: r.String()}
	}
	return preset{Settings: s, Integrations: raw.Integrations}, nil
}

const presetIntegrationsExample = `a list like [{"name": "Support Bot", "url": "https://bot.example.com/pagekeeper", "recipient": "age1…"}]`

func checkURLOnly(s string) error { _, err := integration.CheckURL(s); return err }

func checkRecipientOnly(s string) error { _, err := integration.ParseRecipient(s); return err }

func parsePresetSettings(b []byte) (Settings, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			line, col := lineCol(b, syn.Offset)
			return Settings{}, fmt.Errorf("it is not valid JSON at line %d, column %d: %v", line, col, err)
		}
		return Settings{}, errors.New(`it must be one JSON object, like {"app_id": "1234567890"}`)
	}
	if raw == nil {
		return Settings{}, errors.New(`it must be one JSON object, like {"app_id": "1234567890"}`)
	}
	if err := checkPresetKeys(raw); err != nil {
		return Settings{}, err
	}
	s := DefaultSettings()
	for _, f := range presetSettings {
		v, ok := raw[f.key]
		if !ok {
			continue
		}
		if err := json.Unmarshal(v, f.field(&s)); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) && te.Field != "" && !strings.EqualFold(te.Field, f.key) {
				return Settings{}, fmt.Errorf("%q should be %s (found %s)", f.key+"."+te.Field, typeWord(te.Type), te.Value)
			}
			if errors.As(err, &te) {
				return Settings{}, fmt.Errorf("%q should be %s", f.key, f.example)
			}
			return Settings{}, fmt.Errorf("%q: %v", f.key, err)
		}
	}
	if err := s.Validate(); err != nil {
		return Settings{}, err
	}
	return s, nil
}

// checkPresetKeys refuses secrets first (so a secret is never reported as a
// mere typo), then keys IT may not set, in a stable order.
func checkPresetKeys(raw map[string]json.RawMessage) error {
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	nested := map[string][]string{}
	if v, ok := raw["smtp"]; ok {
		nested["smtp"] = objectKeys(v)
	}
	for _, list := range []string{"owners", "integrations"} {
		v, ok := raw[list]
		if !ok {
			continue
		}
		var entries []map[string]json.RawMessage
		if json.Unmarshal(v, &entries) == nil {
			for _, o := range entries {
				for k := range o {
					nested[list] = append(nested[list], k)
				}
			}
		}
	}
	for _, k := range keys {
		if secretKey(k) {
			return secretError(k)
		}
		for _, nk := range nested[k] {
			if secretKey(nk) {
				return secretError(k + "." + nk)
			}
		}
	}
	allowed := make([]string, 0, len(presetSettings)+1)
	for _, f := range presetSettings {
		allowed = append(allowed, f.key)
	}
	allowed = append(allowed, "integrations")
	for _, k := range keys {
		switch {
		case personalSettings[k]:
			return fmt.Errorf("%q cannot be preset: each person chooses it in Pagekeeper", k)
		case !slices.Contains(allowed, k):
			return fmt.Errorf("unknown setting %q: correct its spelling or remove it (a preset may set %s)", k, strings.Join(allowed, ", "))
		}
	}
	for parent, inner := range map[string][]string{"smtp": presetSMTPKeys, "owners": presetOwnerKeys, "integrations": presetIntegrationKeys} {
		for _, nk := range nested[parent] {
			if !slices.Contains(inner, nk) {
				return fmt.Errorf("unknown setting %q in %q: correct its spelling or remove it (%q may have %s)", nk, parent, parent, strings.Join(inner, ", "))
			}
		}
	}
	return nil
}

func objectKeys(v json.RawMessage) []string {
	var m map[string]json.RawMessage
	if json.Unmarshal(v, &m) != nil {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func secretKey(k string) bool {
	k = strings.ToLower(k)
	for _, w := range secretWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

func secretError(key string) error {
	return fmt.Errorf("%q looks like a secret: never put secrets in a file; remove it from the preset and set it with `pagekeeper settings set` or `pagekeeper integration set-secret` (or in Settings), which keep it sealed", key)
}

func typeWord(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "text"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list"
	default:
		return "an object"
	}
}

func lineCol(b []byte, offset int64) (line, col int) {
	line, col = 1, 1
	for i := int64(0); i < offset-1 && i < int64(len(b)); i++ {
		if b[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// presetRecord is what presetAppliedKey holds: which file, with which
// content, was applied (for the audit trail and for IT's questions).
type presetRecord struct {
	Path   string    `json:"path"`
	SHA256 string    `json:"sha256"`
	At     time.Time `json:"at"`
}

// applyPresetIfAny applies IT's preset (findPreset) the first time this
// folder sees one. The outcome is reported (Logf) and a refusal is in the
// history; it never stops Pagekeeper from opening.
func (k *Keeper) applyPresetIfAny(ctx context.Context) {
	path, ok := findPreset(k.opts.ExeDir)
	if !ok {
		return
	}
	switch applied, err := k.applyPresetOnce(ctx, path); {
	case err != nil:
		k.logf("the IT preset %s was not applied: %v", path, err)
	case applied:
		k.logf("applied the IT preset %s", path)
	}
}

// applyPresetOnce applies the IT preset at path the first time this data
// folder sees one: each preset value replaces the default only where the
// owner has not changed that setting. It saves the settings, records the
// file's path and SHA-256 under "preset_applied", and appends a
// "preset_applied" event, all in one transaction. Later calls (even with a
// changed file) and read-only viewers do nothing and report false. An
// invalid preset changes no setting, so a corrected file applies next time;
// the history says why it was refused ("preset_refused", once per content).
func (k *Keeper) applyPresetOnce(ctx context.Context, path string) (applied bool, err error) {
	if k.readOnly() {
		return false, nil // the manager applies it
	}
	var rec presetRecord
	done, err := k.store.GetSetting(ctx, presetAppliedKey, &rec)
	if err != nil || done {
		return false, err
	}
	pre, sum, err := readPreset(path)
	if err != nil {
		k.noteRefusedPreset(ctx, path, sum, err)
		return false, err
	}
	current, err := k.loadSettings(ctx)
	if err != nil {
		return false, err
	}
	var ints []Integration
	if _, err := k.store.GetSetting(ctx, integrationsKey, &ints); err != nil {
		return false, err
	}
	merged, taken, kept := mergePreset(current, pre.Settings)
	var added []string
	for _, in := range pre.Integrations {
		if !slices.ContainsFunc(ints, func(x Integration) bool { return strings.EqualFold(x.Name, in.Name) }) {
			ints = append(ints, in)
			added = append(added, in.Name)
		}
	}
	if len(added) > 0 {
		taken = append(taken, "integrations ("+strings.Join(added, ", ")+")") // each waits for its signing secret
	}
	if err := merged.Validate(); err != nil {
		err = fmt.Errorf("the IT preset file %s does not fit the settings already saved: %w", path, err)
		k.noteRefusedPreset(ctx, path, sum, err)
		return false, err
	}
	hexSum := hex.EncodeToString(sum[:])
	detail := msgPresetApplied.with("Path", path, "SHA", hexSum[:12], "Taken", listOrNone(taken))
	if len(kept) > 0 {
		detail = msgPresetAppliedKept.with("Path", path, "SHA", hexSum[:12], "Taken", listOrNone(taken), "Kept", strings.Join(kept, ", "))
	}
	now := k.now()
	err = k.store.Update(ctx, func(tx *store.Tx) error {
		if err := tx.SetSetting(settingsKey, merged); err != nil {
			return err
		}
		if err := tx.SetSetting(presetAppliedKey, presetRecord{Path: path, SHA256: hexSum, At: now}); err != nil {
			return err
		}
		if len(added) > 0 {
			if err := tx.SetSetting(integrationsKey, ints); err != nil {
				return err
			}
		}
		_, err := tx.AppendEvent(newEvent(now, "", "preset_applied", detail))
		return err
	})
	if err != nil {
		return false, err
	}
	if k.config() != nil { // applied to a Keeper already built
		k.apply(merged)
		if len(added) > 0 {
			k.putIntegrations(ints)
		}
	}
	return true, nil
}

// noteRefusedPreset appends a "preset_refused" event saying why, once per
// content of the file: the window's log is invisible on Windows, the history
// (and `pagekeeper export`) is where IT can look. Best effort: the caller
// reports the refusal anyway.
func (k *Keeper) noteRefusedPreset(ctx context.Context, path string, sum [sha256.Size]byte, why error) {
	if sum == ([sha256.Size]byte{}) { // unreadable: tell the reasons apart instead
		sum = sha256.Sum256([]byte(why.Error()))
	}
	rec := presetRecord{Path: path, SHA256: hex.EncodeToString(sum[:]), At: k.now()}
	var last presetRecord
	ok, err := k.store.GetSetting(ctx, presetRefusedKey, &last)
	if err != nil {
		k.logf("the refused IT preset could not be recorded: %v", err)
		return
	}
	if ok && last.Path == rec.Path && last.SHA256 == rec.SHA256 {
		return
	}
	k.recordJob(ctx, "the refused IT preset", func(tx *store.Tx) error {
		if err := tx.SetSetting(presetRefusedKey, rec); err != nil {
			return err
		}
		_, err := tx.AppendEvent(newEvent(rec.At, "", "preset_refused", msgPresetRefused.with("Why", Describe(why))))
		return err
	})
}

var (
	msgPresetApplied     = msg("event.preset_applied", "Settings preset by IT from {{.Path}} (SHA-256 {{.SHA}}): took {{.Taken}}")
	msgPresetAppliedKept = msg("event.preset_applied_kept",
		"Settings preset by IT from {{.Path}} (SHA-256 {{.SHA}}): took {{.Taken}}; kept the owner's own {{.Kept}}")
	msgPresetRefused = msg("event.preset_refused", "IT's preset was not applied: {{.Why}}")
)

// mergePreset puts each value the preset changes from the default into
// current, unless the owner already changed that setting.
func mergePreset(current, preset Settings) (merged Settings, taken, kept []string) {
	merged = current
	def := DefaultSettings()
	for _, f := range presetSettings {
		p, c, d := deref(f.field(&preset)), deref(f.field(&merged)), deref(f.field(&def))
		switch {
		case reflect.DeepEqual(p, d), reflect.DeepEqual(p, c):
		case reflect.DeepEqual(c, d):
			reflect.ValueOf(f.field(&merged)).Elem().Set(reflect.ValueOf(p))
			taken = append(taken, f.key)
		default:
			kept = append(kept, f.key)
		}
	}
	return merged, taken, kept
}

func deref(ptr any) any { return reflect.ValueOf(ptr).Elem().Interface() }

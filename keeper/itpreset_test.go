package keeper

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/store"
)

func writePreset(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// useSystemPreset points the machine-wide preset location at path for one test.
func useSystemPreset(t *testing.T, path string) {
	old := systemPresetPath
	systemPresetPath = func() string { return path }
	t.Cleanup(func() { systemPresetPath = old })
}

const fullPreset = `{
  "app_id": "1234567890",
  "graph_version": "v24.0",
  "redirect_mode": "relay",
  "relay_url": "https://example.com/pagekeeper/relay",
  "login_config_id": "987654321098765",
  "ports": [50001, 50002],
  "business_pages": true,
  "check_interval": "30m",
  "reminder_interval": "12h",
  "owners": [{"name": "Ana", "email": "ana@example.com"}],
  "smtp": {"host": "smtp.example.com", "port": 587, "username": "alerts", "from": "alerts@example.com", "security": "starttls"}
}`

func TestLoadPresetReadsEveryField(t *testing.T) {
	p := writePreset(t, t.TempDir(), PresetFileName, fullPreset)
	s, err := LoadPreset(p)
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultSettings()
	want.AppID, want.GraphVersion, want.RedirectMode = "1234567890", "v24.0", RedirectRelay
	want.RelayURL, want.Ports, want.BusinessPages = "https://example.com/pagekeeper/relay", []int{50001, 50002}, true
	want.LoginConfigID = "987654321098765"
	want.CheckInterval, want.ReminderInterval = Duration(30*time.Minute), Duration(12*time.Hour)
	want.Owners = []Owner{{Name: "Ana", Email: "ana@example.com"}}
	want.SMTP = SMTP{Host: "smtp.example.com", Port: 587, Username: "alerts", From: "alerts@example.com", Security: "starttls"}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("got  %+v\nwant %+v", s, want)
	}
}

func TestExamplePresetInTheDocsIsValid(t *testing.T) {
	s, err := LoadPreset(filepath.Join("..", "assets", "packaging", "preset.example.json"))
	if err != nil {
		t.Fatal(err)
	}
	if s.AppID == "" || len(s.Owners) == 0 || s.SMTP.Host == "" {
		t.Fatalf("the example should show the common fields: %+v", s)
	}
}

func TestLoadPresetKeepsDefaultsForWhatItLeavesOut(t *testing.T) {
	p := writePreset(t, t.TempDir(), "preset.json", `{"app_id": "42"}`)
	s, err := LoadPreset(p)
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultSettings()
	want.AppID = "42"
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("got %+v", s)
	}
}

func TestLoadPresetRefusesWithWordsNamingTheProblem(t *testing.T) {
	cases := []struct {
		name, body string
		want       []string
	}{
		{"unknown key", `{"app_id": "1", "check_intervall": "1h"}`, []string{`unknown setting "check_intervall"`, "check_interval"}},
		{"unknown smtp key", `{"smtp": {"hostname": "x"}}`, []string{`unknown setting "hostname" in "smtp"`, "host"}},
		{"unknown owner key", `{"owners": [{"name": "Ana", "mail": "a@example.com"}]}`, []string{`unknown setting "mail" in "owners"`}},
		{"app secret", `{"app_id": "1", "app_secret": "abc"}`, []string{`"app_secret"`, "never put secrets in a file"}},
		{"smtp password", `{"smtp": {"host": "h", "password": "hunter2"}}`, []string{`"smtp.password"`, "never put secrets in a file"}},
		{"access token", `{"page_access_token": "EAAB"}`, []string{"never put secrets in a file"}},
		{"personal", `{"language": "es"}`, []string{`"language" cannot be preset`}},
		{"invalid port", `{"ports": [80]}`, []string{"Port 80 is outside 1024–65535"}},
		{"invalid app id", `{"app_id": "my-app"}`, []string{"App ID is the number"}},
		{"relay without url", `{"redirect_mode": "relay"}`, []string{"https://"}},
		{"bad owner email", `{"owners": [{"name": "Ben", "email": "nope"}]}`, []string{"Ben", "“nope”"}},
		{"wrong type", `{"ports": "47321"}`, []string{`"ports" should be a list of port numbers`}},
		{"wrong nested type", `{"smtp": {"port": "587"}}`, []string{`"smtp.port" should be a number`}},
		{"bad duration", `{"check_interval": "soon"}`, []string{`"check_interval"`, "not a duration"}},
		{"not json", "{\n  \"app_id\": \"1\",\n  oops\n}", []string{"not valid JSON at line 3"}},
		{"not an object", `["app_id"]`, []string{"one JSON object"}},
		{"null", `null`, []string{"one JSON object"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writePreset(t, t.TempDir(), "preset.json", c.body)
			_, err := LoadPreset(p)
			if err == nil {
				t.Fatal("expected an error")
			}
			for _, w := range append(c.want, p) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			for _, secret := range []string{"hunter2", "EAAB", `"abc"`} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q repeats a secret value", err)
				}
			}
		})
	}
}

func TestLoadPresetMissingFileSaysSo(t *testing.T) {
	_, err := LoadPreset(filepath.Join(t.TempDir(), "nope.json"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v", err)
	}
}

func TestFindPresetPrefersTheExecutablesFolderThenTheSystemOne(t *testing.T) {
	exeDir, sysDir := t.TempDir(), t.TempDir()
	sys := filepath.Join(sysDir, "pagekeeper", "preset.json")
	useSystemPreset(t, sys)

	if p, ok := findPreset(exeDir); ok {
		t.Fatalf("no preset anywhere, found %s", p)
	}
	writePreset(t, sysDir, filepath.Join("pagekeeper", "preset.json"), `{}`)
	if p, ok := findPreset(exeDir); !ok || p != sys {
		t.Fatalf("FindPreset = %q, %v; want the system preset", p, ok)
	}
	local := writePreset(t, exeDir, PresetFileName, `{}`)
	if p, ok := findPreset(exeDir); !ok || p != local {
		t.Fatalf("FindPreset = %q, %v; want the one next to the executable", p, ok)
	}
	// A folder with the preset's name is not a preset.
	other := t.TempDir()
	if err := os.Mkdir(filepath.Join(other, PresetFileName), 0o755); err != nil {
		t.Fatal(err)
	}
	if p, ok := findPreset(other); !ok || p != sys {
		t.Fatalf("FindPreset = %q, %v; want to skip the folder", p, ok)
	}
}

func TestSystemPresetPathIsThePlatformsConfigFolder(t *testing.T) {
	p := defaultSystemPresetPath()
	if !strings.HasSuffix(filepath.ToSlash(p), "preset.json") || !strings.Contains(strings.ToLower(p), "pagekeeper") {
		t.Fatalf("system preset path %q", p)
	}
}

// Every Settings key is either presettable or personal, so a new setting
// cannot silently become impossible (or possible) to preset.
func TestEverySettingIsClassifiedForPresets(t *testing.T) {
	typ := reflect.TypeFor[Settings]()
	for i := range typ.NumField() {
		key, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		known := personalSettings[key]
		for _, f := range presetSettings {
			known = known || f.key == key
		}
		if !known {
			t.Errorf("Settings key %q is neither in presetSettings nor in personalSettings", key)
		}
	}
}

func openTestKeeper(t *testing.T, dir string) *Keeper {
	t.Helper()
	k, err := Open(context.Background(), Options{Dir: dir, Keyring: store.NewMemoryKeyring()})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func presetEvents(t *testing.T, k *Keeper) []store.Event {
	t.Helper()
	return eventsOfKind(t, k, "preset_applied")
}

func eventsOfKind(t *testing.T, k *Keeper, kind string) []store.Event {
	t.Helper()
	all, err := k.store.Events(context.Background(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Event
	for _, e := range all {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// The preset file is outside input: whatever it holds, LoadPreset neither
// panics nor accepts settings that Validate refuses.
func FuzzLoadPreset(f *testing.F) {
	for _, seed := range []string{fullPreset, `{}`, `{"ports": [80]}`, `{"smtp": {"password": "x"}}`,
		`{"check_interval": "1h", "owners": [{"name": "A", "email": "a@example.com"}]}`, `[`, `null`, `{"app_id": 1}`} {
		f.Add([]byte(seed))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(dir, "preset.json")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := LoadPreset(p)
		if err != nil {
			if !strings.Contains(err.Error(), p) {
				t.Fatalf("the error does not name the file: %v", err)
			}
			return
		}
		if verr := s.Validate(); verr != nil {
			t.Fatalf("accepted settings that do not validate: %v", verr)
		}
	})
}

func TestApplyPresetOnceAppliesAtFirstStartAndRecordsIt(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p := writePreset(t, t.TempDir(), PresetFileName, fullPreset)
	want, err := LoadPreset(p)
	if err != nil {
		t.Fatal(err)
	}

	k := openTestKeeper(t, dir)
	applied, err := k.applyPresetOnce(ctx, p)
	if err != nil || !applied {
		t.Fatalf("first start: applied=%v err=%v", applied, err)
	}
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}

	// What the owner sees after reopening the real file.
	k = openTestKeeper(t, dir)
	defer k.Close()
	if got := k.Settings(); !reflect.DeepEqual(got, want) {
		t.Fatalf("settings after the preset:\n got  %+v\n want %+v", got, want)
	}
	var rec presetRecord
	if ok, err := k.store.GetSetting(ctx, "preset_applied", &rec); err != nil || !ok {
		t.Fatalf("preset_applied recorded=%v err=%v", ok, err)
	}
	if rec.Path != p || len(rec.SHA256) != 64 {
		t.Fatalf("record = %+v", rec)
	}
	evs := presetEvents(t, k)
	if len(evs) != 1 || !strings.Contains(evs[0].Detail, p) || !strings.Contains(evs[0].Detail, "app_id") {
		t.Fatalf("events = %+v", evs)
	}

	// The second start, even with a different preset, changes nothing.
	writePreset(t, filepath.Dir(p), PresetFileName, `{"app_id": "999"}`)
	applied, err = k.applyPresetOnce(ctx, p)
	if err != nil || applied {
		t.Fatalf("second start: applied=%v err=%v", applied, err)
	}
	if got2 := k.Settings(); got2.AppID != "1234567890" {
		t.Fatalf("the preset was applied twice: app_id %q", got2.AppID)
	}
	if n := len(presetEvents(t, k)); n != 1 {
		t.Fatalf("%d preset events, want 1", n)
	}
}

func TestApplyPresetOnceNeverOverwritesWhatTheOwnerChanged(t *testing.T) {
	ctx := context.Background()
	k := openTestKeeper(t, t.TempDir())
	defer k.Close()
	own := DefaultSettings()
	own.CheckInterval = Duration(2 * time.Hour)
	own.Owners = []Owner{{Name: "Owner", Email: "owner@example.com"}}
	if err := k.UpdateSettings(ctx, own, Secrets{}); err != nil {
		t.Fatal(err)
	}
	p := writePreset(t, t.TempDir(), "preset.json",
		`{"app_id": "1234567890", "check_interval": "30m", "owners": [{"name": "IT", "email": "it@example.com"}]}`)
	applied, err := k.applyPresetOnce(ctx, p)
	if err != nil || !applied {
		t.Fatalf("applied=%v err=%v", applied, err)
	}
	got := k.Settings()
	if got.AppID != "1234567890" {
		t.Errorf("app_id was untouched by the owner, the preset should set it: %q", got.AppID)
	}
	if time.Duration(got.CheckInterval) != 2*time.Hour || got.Owners[0].Email != "owner@example.com" {
		t.Errorf("the owner's own settings were overwritten: %+v", got)
	}
	evs := presetEvents(t, k)
	if len(evs) != 1 || !strings.Contains(evs[0].Detail, "kept the owner's own check_interval, owners") {
		t.Fatalf("events = %+v", evs)
	}
}

func TestApplyPresetOnceWithABadFileChangesNothingUntilFixed(t *testing.T) {
	ctx := context.Background()
	k := openTestKeeper(t, t.TempDir())
	defer k.Close()
	p := writePreset(t, t.TempDir(), "preset.json", `{"app_id": "1", "app_secret": "s3cr3t"}`)
	applied, err := k.applyPresetOnce(ctx, p)
	if err == nil || applied || !strings.Contains(err.Error(), "never put secrets in a file") || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("applied=%v err=%v", applied, err)
	}
	if got := k.Settings(); !reflect.DeepEqual(got, DefaultSettings()) {
		t.Fatalf("settings changed by a refused preset: %+v", got)
	}
	if n := len(presetEvents(t, k)); n != 0 {
		t.Fatalf("%d preset events for a refused preset", n)
	}
	// IT can see why in the history, once however often Pagekeeper starts.
	if _, err := k.applyPresetOnce(ctx, p); err == nil {
		t.Fatal("the same bad preset was accepted the second time")
	}
	refused := eventsOfKind(t, k, "preset_refused")
	if len(refused) != 1 || !strings.Contains(refused[0].Detail, p) || !strings.Contains(refused[0].Detail, "app_secret") ||
		strings.Contains(refused[0].Detail, "s3cr3t") {
		t.Fatalf("preset_refused events = %+v", refused)
	}
	writePreset(t, filepath.Dir(p), "preset.json", `{"app_id": "1"}`)
	if applied, err := k.applyPresetOnce(ctx, p); err != nil || !applied {
		t.Fatalf("the corrected preset: applied=%v err=%v", applied, err)
	}
}

func TestApplyPresetOnceLeavesItToTheManager(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	kr := store.NewMemoryKeyring()
	manager, err := Open(ctx, Options{Dir: dir, Keyring: kr})
	if err != nil {
		t.Fatal(err)
	}
	defer manager.Close()
	viewer, err := Open(ctx, Options{Dir: dir, Keyring: kr})
	if err != nil {
		t.Fatal(err)
	}
	defer viewer.Close()
	p := writePreset(t, t.TempDir(), "preset.json", `{"app_id": "1"}`)
	if applied, err := viewer.applyPresetOnce(ctx, p); err != nil || applied {
		t.Fatalf("viewer: applied=%v err=%v", applied, err)
	}
	if applied, err := manager.applyPresetOnce(ctx, p); err != nil || !applied {
		t.Fatalf("manager: applied=%v err=%v", applied, err)
	}
}

func TestITsPresetIsAppliedWhenAFolderIsFirstOpened(t *testing.T) {
	exeDir, dataDir := t.TempDir(), t.TempDir()
	useSystemPreset(t, filepath.Join(t.TempDir(), "none.json"))
	preset, err := os.ReadFile("../assets/packaging/preset.example.json")
	if err != nil {
		t.Fatal(err)
	}
	writePreset(t, exeDir, PresetFileName, string(preset))
	var logged []string
	k, err := Open(context.Background(), Options{Dir: dataDir, Keyring: store.NewMemoryKeyring(), ExeDir: exeDir,
		Logf: func(f string, a ...any) { logged = append(logged, fmt.Sprintf(f, a...)) }})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if set := k.Settings(); set.AppID != "1234567890123456" || len(set.Owners) != 2 || set.SMTP.Host != "smtp.example.com" {
		t.Fatalf("settings after the preset: %+v", set)
	}
	if got := k.config().client.Config().AppID; got != "1234567890123456" {
		t.Fatalf("the Graph client uses app %q", got)
	}
	if len(logged) == 0 {
		t.Fatal("applying the preset should be reported for IT")
	}
}

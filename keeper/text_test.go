package keeper

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/sandbox"
	"github.com/pagekeeper/pagekeeper/store"
)

func TestTextsRenderInTheReadersLanguage(t *testing.T) {
	if err := BundleError(); err != nil {
		t.Fatal(err)
	}
	changed := msgEventStatusWhy.with("From", StatusValid.Words(), "To", StatusInvalid.Words(), "Reason", ReasonPasswordChanged.Words())
	for _, c := range []struct {
		lang Lang
		want string
	}{{English, "Valid to Invalid: password changed"}, {Spanish, "De Válida a No válida: contraseña cambiada"}} {
		if got := changed.In(c.lang); got != c.want {
			t.Errorf("%s: %q, want %q", c.lang, got, c.want)
		}
	}
	if changed.String() != changed.In(English) {
		t.Error("String is the English")
	}

	day := Day(time.Date(2026, time.May, 1, 0, 0, 0, 0, time.UTC))
	expiring := ReasonTokenExpiring.Explanation(day)
	if got := expiring.In(English); got != "The connection to Facebook expires on 1 May 2026." {
		t.Errorf("English date: %q", got)
	}
	if got := expiring.In(Spanish); !strings.Contains(got, "1 de mayo de 2026") {
		t.Errorf("Spanish date: %q", got)
	}
	cnc := msgTitleCNC.with("Name", "Sunrise Café", "Duration", 6*time.Hour, "Reason", ReasonOffline.Words())
	if got := cnc.In(Spanish); !strings.Contains(got, "durante 6 horas") || !strings.Contains(got, "Sunrise Café") {
		t.Errorf("Spanish duration: %q", got)
	}
	for d, want := range map[time.Duration][2]string{
		time.Hour: {"1 hour", "1 hora"}, 90 * time.Minute: {"1 h 30 min", "1 h 30 min"}, 3 * 24 * time.Hour: {"3 days", "3 días"},
		time.Minute: {"1 minute", "1 minuto"}, 1500 * time.Millisecond: {"1.5s", "1.5s"},
	} {
		if got := [2]string{English.duration(d), Spanish.duration(d)}; got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}

	list := listAnd(plain("Ana"), plain("Ben"), plain("Carla"))
	if got := [2]string{list.In(English), list.In(Spanish)}; got != [2]string{"Ana, Ben and Carla", "Ana, Ben y Carla"} {
		t.Errorf("lists: %q", got)
	}
	// What a person typed reads as it is, template syntax and all.
	if got := plain("{{.Name}} café").In(Spanish); got != "{{.Name}} café" {
		t.Errorf("a plain text was executed: %q", got)
	}
	if got := msgEmailSent.with("To", "{{.Subject}}", "Subject", "x").In(English); got != "Email delivered to {{.Subject}}: x" {
		t.Errorf("a value was executed: %q", got)
	}
}

func TestLangOfMatchesCodesAndLocales(t *testing.T) {
	for code, want := range map[string]Lang{"es": Spanish, "es-MX": Spanish, "es_ES.UTF-8": Spanish, "EN": English, "fr": English, "de_DE": English} {
		if got := LangOf(code); got != want {
			t.Errorf("LangOf(%q) = %s, want %s", code, got, want)
		}
	}
	t.Setenv("LC_ALL", "")
	t.Setenv("LANGUAGE", "fr:es")
	if got := LangOf(""); got != Spanish {
		t.Errorf("the system's first language Pagekeeper speaks: %s", got)
	}
	t.Setenv("LANGUAGE", "")
	t.Setenv("LANG", "de_DE.UTF-8")
	if got := LangOf(""); got != English {
		t.Errorf("a system language Pagekeeper does not speak: %s", got)
	}
}

// A stored sentence (an event's) reads the same after a round trip, in any
// language, with its nested sentences, dates and durations.
func TestTextsSurviveBeingStored(t *testing.T) {
	when := time.Date(2026, time.March, 3, 9, 30, 0, 0, time.UTC)
	orig := msgEmailFailed.with("To", "Ana <ana@example.com>", "Why", msgServerSaid.with("Reply", "451 try later"), "Next", when)
	orig = msgChannels.with("Channels", listAnd(msgDesktop.with(), msgEmailTo.with("To", "Ana")),
		"Title", joined(" ", orig, msgTitleCNC.with("Name", "Café", "Duration", 6*time.Hour, "Reason", ReasonTimeout.Words())),
		"Day", Day(when), "Count", 3)
	b, err := json.Marshal(orig)
	if err != nil {
		t.Fatal(err)
	}
	var back Text
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	for _, l := range []Lang{English, Spanish} {
		if got, want := back.In(l), orig.In(l); got != want {
			t.Errorf("%s after storing:\n%q\nwant\n%q\n(%s)", l, got, want, b)
		}
	}
	if !strings.Contains(orig.In(Spanish), "Notificación en el escritorio y correo a Ana") {
		t.Errorf("Spanish: %q", orig.In(Spanish))
	}
}

// Every Facebook failure is said in words in every language, and keeper's
// own errors by their kind, however they are wrapped.
func TestExplainSpeaksEveryFailure(t *testing.T) {
	for _, r := range fb.Reasons() {
		what, todo := Explain(fmt.Errorf("connecting: %w", &fb.Error{Reason: r, Class: fb.ClassUnknown}))
		if what.Key == "" || todo.Key == "" {
			t.Errorf("%s: %+v / %+v has no catalog key", r, what, todo)
			continue
		}
		if what.In(Spanish) == what.In(English) || todo.In(Spanish) == todo.In(English) {
			t.Errorf("%s reads the same in Spanish: %q", r, what.In(Spanish))
		}
	}
	for _, c := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("login: %w", ErrLoginCancelled), "Inicio de sesión cancelado"},
		{ErrLoginTimeout, "Se agotó el tiempo"},
		{&login401{}, "la clave secreta"},
		{&LoginStoppedError{Code: "200", err: errors.New("x")}, "Facebook detuvo el inicio de sesión (200)"},
		{&ReadOnlyError{Manager: LockInfo{User: "alice", Host: "laptop-7", PID: 4242}}, "Solo quien gestiona estas Páginas"},
		{errors.Join(problem(msgNoPorts.with()), problem(msgTooOften.with())), "Hace falta al menos un puerto para la dirección de retorno del inicio de sesión.\nLas comprobaciones"},
		{errors.New("disk full"), "disk full"},
	} {
		if got := Describe(c.err).In(Spanish); !strings.Contains(got, c.want) {
			t.Errorf("%v in Spanish: %q, want %q", c.err, got, c.want)
		}
	}
}

// login401 is Facebook refusing a login for the App Secret, as fb/login reports it.
type login401 struct{}

func (login401) Error() string     { return "secret needed" }
func (login401) Is(err error) bool { return err == ErrAppSecretNeeded }

// The history is kept as messages and shown in the reader's language when
// it is read; events written before read as their English.
func TestHistoryReadsInTheReadersLanguage(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 41})
	e.apply(e.plan(e.login(sandbox.DemoUserID, demoPages)))
	ctx := context.Background()
	if _, err := e.k.Disconnect(ctx, sandbox.PageBlueDoorStudio, Actor{OSUser: "ana"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.k.store.AppendEvent(ctx, store.Event{PageID: sandbox.PageBlueDoorStudio, Kind: "note", Detail: "Written by an older Pagekeeper."}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.k.store.AppendEvent(ctx, store.Event{PageID: sandbox.PageBlueDoorStudio, Kind: "note", Detail: "From a newer one.",
		TextKey: "event.not_known_yet", TextData: `{"X":1}`}); err != nil {
		t.Fatal(err)
	}
	l, err := e.k.PageLog(ctx, sandbox.PageBlueDoorStudio, 10)
	if err != nil || len(l.Events) != 5 {
		t.Fatalf("%+v %v", l.Events, err)
	}
	newer, older, disconnected, connected := l.Events[0], l.Events[1], l.Events[3], l.Events[4]
	if !strings.HasPrefix(connected.Detail, "Connected with webhook fields") || !strings.HasPrefix(connected.Text.In(English), "Connected with webhook fields") {
		t.Errorf("English: %q / %q", connected.Detail, connected.Text.In(English))
	}
	for _, c := range []struct {
		ev   Event
		want string
	}{
		{connected, "Conectada con los campos de webhook"},
		{disconnected, "Desconectada: la eliminación de la suscripción"},
		{older, "Written by an older Pagekeeper."},
		{newer, "From a newer one."},
	} {
		if got := c.ev.Text.In(Spanish); !strings.HasPrefix(got, c.want) {
			t.Errorf("%s in Spanish: %q, want %q…", c.ev.Kind, got, c.want)
		}
	}
	if !strings.Contains(connected.Text.In(Spanish), "(preajuste Bot)") {
		t.Errorf("the preset's name: %q", connected.Text.In(Spanish))
	}

	// The person chooses Spanish: the export and the diagnostics speak it.
	set := e.k.Settings()
	set.Language = "es"
	if err := e.k.UpdateSettings(ctx, set, Secrets{}); err != nil {
		t.Fatal(err)
	}
	var csvOut strings.Builder
	if _, err := e.k.ExportCSV(ctx, &csvOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(csvOut.String(), "Conectada con los campos de webhook") || strings.Contains(csvOut.String(), "Connected with webhook fields") {
		t.Errorf("the export is not in Spanish:\n%s", csvOut.String())
	}
	if !strings.HasPrefix(csvOut.String(), `"record","page_id","page_name","status"`) {
		t.Error("the export's header must stay the same in every language")
	}
	diag, err := e.k.Diagnostics(ctx, sandbox.PageBlueDoorStudio)
	if err != nil || !strings.Contains(diag, "Historial (lo más reciente primero):") || !strings.Contains(diag, "Desconectada: la eliminación") ||
		strings.Contains(diag, "History (newest first)") {
		t.Errorf("diagnostics:\n%s %v", diag, err)
	}
}

// The login's pages in the browser speak the language of Settings.
func TestTheLoginPagesSpeakTheChosenLanguage(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 42})
	k := openOnFake(t, e.srv, Options{Dir: t.TempDir(), Keyring: e.kr, Ports: []int{0}, OpenBrowser: func(string) error { return nil }})
	set := k.Settings()
	set.Language = "es"
	if err := k.UpdateSettings(context.Background(), set, Secrets{}); err != nil {
		t.Fatal(err)
	}
	s, err := k.StartLogin(context.Background(), "", false)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Cancel()
	resp, err := http.Get(s.RedirectURL() + "?code=x&state=forged")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(body)
	if !strings.Contains(page, `lang="es"`) || !strings.Contains(page, "Este enlace no corresponde a tu inicio de sesión") ||
		strings.Contains(page, "does not belong") {
		t.Fatalf("the page is not in Spanish:\n%s", page)
	}
}

// Every setting has a name and a text form that reads back; a wrong value
// is refused in words, changing nothing.
func TestEverySettingReadsBackByItsName(t *testing.T) {
	values := map[string]string{
		"app_id": "1234567890", "graph_version": "v24.0", "redirect_mode": "relay", "login_config_id": "987654321",
		"ports": "47400, 47401", "relay_url": "https://relay.example.com/pk", "business_pages": "true",
		"check_interval": "30m", "reminder_interval": "12h", "could_not_check_alert_after": "1h30m", "integration_alert_after": "2h",
		"owners":    `Ana Rivera <ana@example.com>, "Rivera, Ben" <ben@example.com>`,
		"smtp.host": "smtp.example.com", "smtp.port": "465", "smtp.username": "alerts@example.com",
		"smtp.from": "Pagekeeper <alerts@example.com>", "smtp.security": "tls", "language": "es",
	}
	s := DefaultSettings()
	var secrets int
	for _, set := range SettingKeys() {
		if set.Secret {
			secrets++
			if err := s.Set(set.Key, "x"); err == nil {
				t.Errorf("%s is a secret, yet Set took it", set.Key)
			}
			continue
		}
		v, ok := values[set.Key]
		if !ok {
			t.Errorf("no test value for %s", set.Key)
			continue
		}
		if err := s.Set(set.Key, v); err != nil {
			t.Errorf("%s = %q: %v", set.Key, v, err)
			continue
		}
		if got, err := s.Get(set.Key); err != nil || got != v {
			t.Errorf("%s reads back as %q (%v), want %q", set.Key, got, err, v)
		}
	}
	if secrets != 2 || len(SettingKeys()) != len(values)+2 {
		t.Errorf("%d settings, %d secrets", len(SettingKeys()), secrets)
	}
	if err := s.Validate(); err != nil {
		t.Errorf("the values together: %v", err)
	}
	if s.SMTP.Port != 465 || len(s.Owners) != 2 || s.Owners[1].Name != "Rivera, Ben" || time.Duration(s.CouldNotCheckAlertAfter) != 90*time.Minute {
		t.Errorf("settings: %+v", s)
	}
	before := s
	for key, bad := range map[string]string{"ports": "47400, x", "smtp.port": "five", "business_pages": "maybe",
		"check_interval": "soon", "owners": "ben", "language": "fr"} {
		err := s.Set(key, bad)
		if err == nil {
			t.Errorf("%s = %q was taken", key, bad)
			continue
		}
		if !strings.Contains(Describe(err).In(Spanish), "«") {
			t.Errorf("%s: the refusal is not in Spanish: %q", key, Describe(err).In(Spanish))
		}
	}
	if s.Language != before.Language || s.SMTP.Port != before.SMTP.Port || len(s.Ports) != 2 {
		t.Errorf("a refused value changed the setting: %+v", s)
	}
	if _, err := SettingByKey("app_idd"); !errors.Is(err, ErrUnknownSetting) || !strings.Contains(err.Error(), "app_id, graph_version") {
		t.Errorf("an unknown name: %v", err)
	}
	// The settings command's names are the IT preset's: a preset with every
	// one of them loads.
	preset := map[string]any{"smtp": map[string]any{}}
	for _, set := range SettingKeys() {
		if sub, ok := strings.CutPrefix(set.Key, "smtp."); ok && !set.Secret {
			preset["smtp"].(map[string]any)[sub] = nil
		} else if !set.Secret && set.Key != "language" {
			preset[set.Key] = nil
		}
	}
	b, _ := json.Marshal(preset)
	if err := checkPresetKeys(rawObject(t, b)); err != nil {
		t.Errorf("a setting the preset does not know: %v", err)
	}
}

func rawObject(t *testing.T, b []byte) map[string]json.RawMessage {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	return raw
}

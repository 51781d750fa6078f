package ui

import (
	"context"
	"errors"
	"strings"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/pagekeeper/pagekeeper/keeper"
	"github.com/pagekeeper/pagekeeper/store"
)

// Settings take a Business app's Login configuration ID, steer a Live app
// to the relay page, and say until when the Graph version works.
func TestSettingsFacebookApp(t *testing.T) {
	m := openWindow(t, Config{NoSchedule: true, Keeper: folder(t)})
	s := keeper.DefaultSettings()
	s.AppID, s.LoginConfigID = "1234567890", "555000111222333"
	v := get(func() *SettingsView { return m.settingsDialog(s) })
	if got := get(func() string { return v.LoginConfigID.Text }); got != "555000111222333" {
		t.Fatalf("Login configuration ID shows %q", got)
	}
	top := get(func() fyne.CanvasObject { return m.Window.Canvas().Overlays().Top() })
	shown := strings.Join(append(texts(top), get(func() []string { return v.RedirectMode.Options })...), "\n")
	for _, want := range []string{"needed for a Live app", "only for an app in development mode",
		"Facebook refuses addresses on this computer"} {
		if !strings.Contains(shown, want) {
			t.Errorf("Settings lack %q", want)
		}
	}
	for _, version := range []string{"v25.0", "v20.0", "v27.0"} {
		onMain(func() { v.GraphVersion.SetText(version) })
		want := text(keeper.GraphVersionStatus(version, m.cfg.Now()).Text)
		if got := get(func() string { return v.VersionNote.Text }); got != want || want == "" {
			t.Errorf("%s: the note says %q, want %q", version, got, want)
		}
	}
	read := func(configID string) (keeper.Settings, error) {
		var got keeper.Settings
		var err error
		onMain(func() {
			v.LoginConfigID.SetText(configID)
			v.RedirectMode.SetSelected(v.modeRelay)
			v.RelayURL.SetText("https://relay.example.com/pagekeeper/relay.html")
			got, _, err = v.read(s)
		})
		return got, err
	}
	if got, err := read("987654321098765"); err != nil || got.LoginConfigID != "987654321098765" || got.RedirectMode != keeper.RedirectRelay {
		t.Fatalf("read %q %q, %v", got.LoginConfigID, got.RedirectMode, err)
	}
	if _, err := read("config one"); err == nil || !strings.Contains(err.Error(), "Login configuration ID") {
		t.Fatalf("a configuration ID with letters: %v", err)
	}
}

// openSettings opens the Settings dialog as the toolbar button does.
func openSettings(t *testing.T, m *MainWindow) *SettingsView {
	t.Helper()
	return get(func() *SettingsView { return m.settingsDialog(m.keeper.Settings()) })
}

func TestTheLanguageAppliesAtOnceAndAtTheNextStart(t *testing.T) {
	t.Cleanup(func() { SetLanguage("en") })
	o := folder(t)
	m := openWindow(t, Config{NoSchedule: true, Keeper: o})
	connect := func() string { return get(func() string { return m.Dashboard.ConnectButton.Text }) }
	if got := connect(); got != "Connect Pages" {
		t.Fatalf("English first: %q", got)
	}
	v := openSettings(t, m)
	onMain(func() { v.Language.SetSelected("Español") })
	tap(v.Save)
	eventually(t, "the dashboard in Spanish", func() bool { return m.Dashboard.ConnectButton.Text == "Conectar Páginas" })
	if got := get(func() string { return m.Dashboard.Summary.Text }); got != "Aún no hay Páginas conectadas" {
		t.Fatalf("summary after choosing Spanish: %q", got)
	}
	if err := get(m.Close); err != nil {
		t.Fatal(err)
	}

	// The next start, on a computer whose last choice was English.
	SetLanguage("en")
	m = openWindow(t, Config{NoSchedule: true, Keeper: o})
	if got := get(func() string { return m.Dashboard.ConnectButton.Text }); got != "Conectar Páginas" {
		t.Fatalf("the saved language is not applied at start: %q", got)
	}
}

func TestSendTestEmailUsesTheFormAndSavesNothing(t *testing.T) {
	o := folder(t)
	ctx := context.Background()
	k, err := keeper.Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	saved := k.Settings()
	saved.AppID, saved.RedirectMode, saved.RelayURL = "1234567890", keeper.RedirectRelay, "https://relay.example.com/pagekeeper"
	if err := k.UpdateSettings(ctx, saved, keeper.Secrets{}); err != nil {
		t.Fatal(err)
	}
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	m := openWindow(t, Config{NoSchedule: true, Keeper: o})
	v := openSettings(t, m)
	onMain(func() {
		v.Owners.SetText("Ana Rivera <ana@example.com>")
		v.SMTPHost.SetText("127.0.0.1")
		v.SMTPPort.SetText("1") // nothing listens there: the email fails
		v.SMTPUser.SetText("alerts@example.com")
		v.SMTPPassword.SetText("typed-not-saved")
	})
	tap(v.TestEmail)
	eventually(t, "the test email's outcome", func() bool { return strings.Contains(v.Problem.Text, "The test email was not sent") })
	if got := get(m.Keeper).Settings(); got.RedirectMode != keeper.RedirectRelay || got.SMTP.Host != "" || len(got.Owners) != 0 {
		t.Fatalf("sending a test email changed the settings: %+v", got)
	}
	if open := get(func() bool { return len(m.dialogs) > 0 }); !open {
		t.Fatal("the Settings dialog closed: the form's values would be lost")
	}
}

func TestAFailedRoundSaysSoAndOffersCheckNowAgain(t *testing.T) {
	m := seeded(t, store.Page{ID: "110000000000001", Name: "Sunrise Café", Status: store.StatusValid})
	onMain(func() {
		m.scheduled = true // as a managing window with its scheduler
		m.checkAll()
		if !m.Dashboard.CheckButton.Disabled() {
			t.Error("Check now stays pressed while the round runs")
		}
		m.roundDone(keeper.Round{Err: errors.New("the disk is full")}, m.cfg.Now())
	})
	if get(m.Dashboard.CheckButton.Disabled) {
		t.Fatal("after a failed round Check now must work again")
	}
	if got := get(func() string { return m.Dashboard.Checked.Text }); !strings.Contains(got, "The last check failed: the disk is full") {
		t.Fatalf("the summary line says %q", got)
	}
	if dlg := dialogText(m.Window); !strings.Contains(dlg, "the disk is full") {
		t.Fatalf("the owner who pressed Check now is told: %q", dlg)
	}
}

// The sender takes the format its placeholder shows; placeholders read as
// examples; "no encryption" is offered only for a relay on this computer,
// and a failed test email says what to check in words.
func TestSettingsMailInWords(t *testing.T) {
	m := openWindow(t, Config{NoSchedule: true, Keeper: folder(t)})
	v := openSettings(t, m)
	if ph := get(func() string { return v.SMTPFrom.PlaceHolder }); ph != "for example Pagekeeper <alerts@example.com>" {
		t.Errorf("the sender's placeholder reads %q", ph)
	}
	options := func() []string { return get(func() []string { return v.SMTPSecurity.Options }) }
	onMain(func() { v.SMTPHost.SetText("smtp.example.com") })
	if got := options(); len(got) != 2 || !get(v.SecurityNote.Visible) {
		t.Errorf("a server over the network: %q (and a note saying why no more)", got)
	}
	onMain(func() { v.SMTPHost.SetText("localhost") })
	if got := options(); len(got) != 3 || !strings.Contains(got[2], "this computer") {
		t.Errorf("a relay on this computer: %q", got)
	}
	onMain(func() {
		v.Owners.SetText("Ana Rivera <ana@example.com>")
		v.SMTPHost.SetText("127.0.0.1")
		v.SMTPPort.SetText("1")
		v.SMTPUser.SetText("alerts")
		v.SMTPPassword.SetText("typed-not-saved")
		v.SMTPFrom.SetText("Pagekeeper <alerts@example.com>") // the placeholder's format
	})
	tap(v.TestEmail)
	eventually(t, "the test email's outcome", func() bool { return strings.Contains(v.Problem.Text, "The test email was not sent") })
	got := get(func() string { return v.Problem.Text })
	if !strings.Contains(got, "nothing answers at 127.0.0.1 on port 1") || strings.Contains(got, "dial") || strings.Contains(got, "TLSMandatory") {
		t.Fatalf("the failure in words: %q", got)
	}
	tap(v.Save)
	waitDialogs(t, m, 0)
	if s := get(m.Keeper).Settings(); s.SMTP.From != "Pagekeeper <alerts@example.com>" {
		t.Fatalf("the sender saved as %q", s.SMTP.From)
	}
}

// Settings list where alerts go and warn when none reaches a person.
func TestSettingsListTheAlertChannels(t *testing.T) {
	m := openWindow(t, Config{NoSchedule: true, Keeper: folder(t), Tray: func() bool { return false }})
	v := openSettings(t, m)
	channels := func() string { return strings.Join(texts(get(func() fyne.CanvasObject { return v.Channels })), "\n") }
	if got := channels(); !strings.Contains(got, "Email to the owners") || !strings.Contains(got, "no tray icon") || !get(v.NoChannel.Visible) {
		t.Fatalf("nothing set up:\n%s", got)
	}
	onMain(func() {
		v.Owners.SetText("Ana Rivera <ana@example.com>")
		v.SMTPHost.SetText("smtp.example.com")
		v.SMTPFrom.SetText("alerts@example.com")
	})
	if got := channels(); !strings.Contains(got, "Email to the owners: to ana@example.com through smtp.example.com") || get(v.NoChannel.Visible) {
		t.Fatalf("email set up:\n%s", got)
	}
}

// The restore list says how many Pages each backup holds.
func TestTheRestoreListCountsPages(t *testing.T) {
	m := seeded(t,
		store.Page{ID: "110000000000001", Name: "Sunrise Café", Status: store.StatusValid},
		store.Page{ID: "110000000000002", Name: "Harbor Books", Status: store.StatusValid})
	if _, err := get(m.Keeper).Backup(context.Background()); err != nil {
		t.Fatal(err)
	}
	onMain(m.chooseRestore)
	waitDialogs(t, m, 1)
	if dlg := strings.Join(texts(get(func() fyne.CanvasObject { return m.Window.Canvas().Overlays().Top() })), "\n"); !strings.Contains(dlg, "· 2 Pages") {
		t.Fatalf("the restore list shows:\n%s", dlg)
	}
}

package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/pagekeeper/pagekeeper/keeper"
	"github.com/pagekeeper/pagekeeper/store"
)

// Settings take a Business app's Login configuration ID, steer a Live app
// to the relay page, and say until when the Graph version works.
func TestSettingsFacebookApp(t *testing.T) {
	a := test.NewTempApp(t)
	LoadTranslations()
	m := NewMainWindow(a, Config{NoSchedule: true, Open: openIn(t, t.TempDir(), store.NewMemoryKeyring())})
	waitOpened(t, m)
	s := keeper.DefaultSettings()
	s.AppID, s.LoginConfigID = "1234567890", "555000111222333"
	var v *SettingsView
	locked(func() bool { v = m.settingsDialog(s); return true })
	if got := locked(func() bool { return v.LoginConfigID.Text == "555000111222333" }); !got {
		t.Fatalf("Login configuration ID shows %q", v.LoginConfigID.Text)
	}
	shown := strings.Join(append(texts(t, m.Window.Canvas().Overlays().Top()), v.RedirectMode.Options...), "\n")
	for _, want := range []string{"needed for a Live app", "only for an app in development mode",
		"Facebook refuses addresses on this computer"} {
		if !strings.Contains(shown, want) {
			t.Errorf("Settings lack %q", want)
		}
	}
	for _, version := range []string{"v25.0", "v20.0", "v27.0"} {
		typeInto(v.GraphVersion, version)
		want := text(keeper.GraphVersionStatus(version, time.Now()).Text)
		if got := locked(func() bool { return v.VersionNote.Text == want }); !got || want == "" {
			t.Errorf("%s: the note says %q, want %q", version, v.VersionNote.Text, want)
		}
	}
	typeInto(v.LoginConfigID, "987654321098765")
	var read keeper.Settings
	var err error
	locked(func() bool { read, _, _, err = v.read(s, v.RedirectMode.Options[1]); return true })
	if err != nil || read.LoginConfigID != "987654321098765" {
		t.Fatalf("read %q, %v", read.LoginConfigID, err)
	}
	typeInto(v.LoginConfigID, "config one")
	locked(func() bool { _, _, _, err = v.read(s, v.RedirectMode.Options[1]); return true })
	if err == nil || !strings.Contains(err.Error(), "Login configuration ID") {
		t.Fatalf("a configuration ID with letters: %v", err)
	}
}

// typeInto replaces an entry's text as a person would.
func typeInto(e interface{ SetText(string) }, s string) {
	uiMu.Lock()
	defer uiMu.Unlock()
	e.SetText(s)
}

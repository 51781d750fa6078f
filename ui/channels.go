package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/pagekeeper/pagekeeper/keeper"
)

// Where alerts go: keeper's channels (Keeper.AlertChannels: email, each
// integration) and this computer's notifications, which reach a person only
// while Pagekeeper keeps checking in the background with its tray icon.

// alertsReachSomeone says whether an alert under s reaches a person: email
// keeper delivers, or this computer's notification while Pagekeeper keeps
// checking in the background with its tray icon. An integration is told
// every change of status, but it is a program, not a person.
func (m *MainWindow) alertsReachSomeone(k *keeper.Keeper, s keeper.Settings) bool {
	for _, c := range k.AlertChannels(s) {
		if c.SetUp && c.Person {
			return true
		}
	}
	return m.backgroundChosen()
}

// channelLine is one alert channel in Settings: ✓ or ✗, its name and how
// it is set up (the mark and the words, never colour alone).
func channelLine(setUp bool, name, state string) *widget.Label {
	mark := ""
	imp := widget.LowImportance
	if setUp {
		mark, imp = "", widget.SuccessImportance
	}
	l := wrapped(mark + name + ": " + state)
	l.Importance = imp
	return l
}

// showChannels lists the alert channels as the form now sets them up, and
// warns when none reaches a person.
func (m *MainWindow) showChannels(v *SettingsView, old keeper.Settings) {
	s := old
	if owners, err := keeper.ParseOwners(v.Owners.Text); err == nil {
		s.Owners = owners
	}
	s.SMTP.Host = strings.TrimSpace(v.SMTPHost.Text)
	s.SMTP.From, s.SMTP.Username = strings.TrimSpace(v.SMTPFrom.Text), strings.TrimSpace(v.SMTPUser.Text)
	var lines []fyne.CanvasObject
	reaches := false
	for _, c := range m.keeper.AlertChannels(s) {
		lines = append(lines, channelLine(c.SetUp, text(c.Name), text(c.State)))
		reaches = reaches || (c.SetUp && c.Person)
	}
	background := v.Background.Checked && !v.Background.Disabled()
	name := tr("channel.desktop", "Notifications on this computer")
	switch {
	case !m.cfg.Tray():
		lines = append(lines, channelLine(false, name, tr("channel.desktop.no_tray", "only while the window is open (this desktop shows no tray icon)")))
	case background:
		lines = append(lines, channelLine(true, name, tr("channel.desktop.on", "on: Pagekeeper keeps checking in the background, with its icon in the tray")))
	default:
		lines = append(lines, channelLine(false, name, tr("channel.desktop.window", "only while the window is open: choose below to keep checking in the background")))
	}
	v.Channels.Objects = lines
	v.Channels.Refresh()
	showIf(v.NoChannel, !reaches && !background)
}

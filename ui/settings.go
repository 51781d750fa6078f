package ui

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"github.com/pagekeeper/pagekeeper/keeper"
)

// SettingsView is the settings dialog's form; fields are exposed for tests.
type SettingsView struct {
	AppID, GraphVersion, Ports, RelayURL *widget.Entry
	AppSecret, LoginConfigID             *widget.Entry
	// VersionNote is the Graph version radar's word on the version typed.
	VersionNote                  *widget.Label
	RedirectMode                 *widget.RadioGroup
	Business                     *widget.Check
	CheckEvery, RemindEvery      *widget.Select
	Owners                       *widget.Entry
	SMTPHost, SMTPPort, SMTPUser *widget.Entry
	SMTPFrom, SMTPPassword       *widget.Entry
	SMTPSecurity                 *widget.Select
	Language                     *widget.Select
	Save, TestEmail              *widget.Button
	Problem                      *widget.Label
	// Integrations is the Integrations tab (integrations.go).
	Integrations *IntegrationsView

	langCodes []string // the language of each Language option
	modeRelay string   // the RedirectMode option that means relay
}

var intervals = []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour}

func intervalLabel(d time.Duration) string {
	if d < time.Hour {
		return tr("settings.every_min", "every {{.N}} minutes", map[string]any{"N": int(d.Minutes())})
	}
	if d == time.Hour {
		return tr("settings.every_hour", "every hour")
	}
	return tr("settings.every_hours", "every {{.N}} hours", map[string]any{"N": int(d.Hours())})
}

func intervalOptions() []string {
	out := make([]string, len(intervals))
	for i, d := range intervals {
		out[i] = intervalLabel(d)
	}
	return out
}

func intervalFrom(label string, fallback time.Duration) time.Duration {
	for _, d := range intervals {
		if intervalLabel(d) == label {
			return d
		}
	}
	return fallback
}

// showSettings opens the settings dialog over the settings in effect.
func (m *MainWindow) showSettings() { m.settingsDialog(m.keeper.Settings()) }

func (m *MainWindow) settingsDialog(s keeper.Settings) *SettingsView {
	v := &SettingsView{}
	entry := func(val, placeholder string) *widget.Entry {
		e := widget.NewEntry()
		e.SetText(val)
		e.SetPlaceHolder(placeholder)
		return e
	}
	v.AppID = entry(s.AppID, "1234567890")
	v.LoginConfigID = entry(s.LoginConfigID, tr("settings.login_config_placeholder", "for a Business app: its Facebook Login for Business configuration"))
	v.GraphVersion = entry(s.GraphVersion, "v25.0")
	v.VersionNote = wrapped("")
	noteVersion := func(version string) {
		vs := keeper.GraphVersionStatus(strings.TrimSpace(version), m.cfg.Now())
		v.VersionNote.SetText(text(vs.Text))
		v.VersionNote.Importance = widget.MediumImportance
		if vs.Attention {
			v.VersionNote.Importance = widget.DangerImportance
		}
		v.VersionNote.Refresh()
	}
	noteVersion(s.GraphVersion)
	v.GraphVersion.OnChanged = noteVersion
	ports := make([]string, len(s.Ports))
	for i, p := range s.Ports {
		ports[i] = strconv.Itoa(p)
	}
	v.Ports = entry(strings.Join(ports, ", "), "27182, 27183, 27184")
	v.RelayURL = entry(s.RelayURL, "https://example.com/pagekeeper-relay.html")
	v.AppSecret = widget.NewPasswordEntry()
	v.AppSecret.SetPlaceHolder(tr("settings.secret_placeholder", "optional; kept only in the system keyring"))
	modeLoopback := tr("settings.mode_loopback", "Directly to this computer (only for an app in development mode)")
	modeRelay := tr("settings.mode_relay", "Through my HTTPS relay page (needed for a Live app)")
	v.RedirectMode, v.modeRelay = widget.NewRadioGroup([]string{modeLoopback, modeRelay}, nil), modeRelay
	v.RedirectMode.SetSelected(modeLoopback)
	if s.RedirectMode == keeper.RedirectRelay {
		v.RedirectMode.SetSelected(modeRelay)
	}
	v.Business = widget.NewCheck(tr("wizard.intro.business", "Also find Pages my business owns in Meta Business Suite"), nil)
	v.Business.SetChecked(s.BusinessPages)

	v.CheckEvery = widget.NewSelect(intervalOptions(), nil)
	v.CheckEvery.SetSelected(intervalLabel(time.Duration(s.CheckInterval)))
	v.RemindEvery = widget.NewSelect(intervalOptions(), nil)
	v.RemindEvery.SetSelected(intervalLabel(time.Duration(s.ReminderInterval)))
	var owners []string
	for _, o := range s.Owners {
		owners = append(owners, o.String())
	}
	v.Owners = widget.NewMultiLineEntry()
	v.Owners.SetText(strings.Join(owners, "\n"))
	v.Owners.SetPlaceHolder("Ana Rivera <ana@example.com>")
	v.SMTPHost = entry(s.SMTP.Host, "smtp.example.com")
	port := ""
	if s.SMTP.Port != 0 {
		port = strconv.Itoa(s.SMTP.Port)
	}
	v.SMTPPort = entry(port, "587")
	v.SMTPUser = entry(s.SMTP.Username, "alerts@example.com")
	v.SMTPFrom = entry(s.SMTP.From, "Pagekeeper <alerts@example.com>")
	v.SMTPPassword = widget.NewPasswordEntry()
	v.SMTPPassword.SetPlaceHolder(tr("settings.secret_placeholder", "optional; kept only in the system keyring"))
	v.SMTPSecurity = widget.NewSelect([]string{"starttls", "tls"}, nil)
	v.SMTPSecurity.SetSelected(orDefault(s.SMTP.Security, "starttls"))

	langNames := []string{tr("settings.lang_system", "As the system")}
	langCodes := []string{""}
	for _, l := range Languages {
		langNames, langCodes = append(langNames, l.Name), append(langCodes, l.Code)
	}
	v.Language = widget.NewSelect(langNames, nil)
	v.Language.SetSelectedIndex(max(0, slices.Index(langCodes, s.Language)))
	v.langCodes = langCodes
	v.Problem = wrapped("")
	v.Problem.Importance = widget.DangerImportance

	// Customers can only log in to a Live app, and Live apps refuse plain
	// http redirects: steer every real set-up to the relay (docs/LOGIN.md).
	modeHint := wrapped(tr("settings.mode_hint", "Your customers log in to your app in Live mode, where Facebook refuses addresses on this computer: use your relay page. The direct way works only while the app is in development mode, for its admins, developers and testers."))
	facebook := widget.NewForm(
		widget.NewFormItem(tr("settings.app_id", "App ID"), v.AppID),
		widget.NewFormItem(tr("settings.app_secret", "App Secret"), v.AppSecret),
		widget.NewFormItem(tr("settings.login_config", "Login configuration ID"), v.LoginConfigID),
		widget.NewFormItem(tr("settings.graph_version", "Graph version"), v.GraphVersion),
		widget.NewFormItem("", v.VersionNote),
		widget.NewFormItem(tr("settings.redirect", "Facebook returns"), v.RedirectMode),
		widget.NewFormItem("", modeHint),
		widget.NewFormItem(tr("settings.ports", "Callback ports"), v.Ports),
		widget.NewFormItem(tr("settings.relay", "Relay page"), v.RelayURL),
		widget.NewFormItem("", v.Business),
	)
	var life *bridge // the dialog's: closing it cancels a save or a test email
	v.TestEmail = widget.NewButton(tr("settings.test_email", "Send test email"), func() { m.sendTestEmail(life, v, s) })
	alerts := widget.NewForm(
		widget.NewFormItem(tr("settings.check_every", "Check Pages"), v.CheckEvery),
		widget.NewFormItem(tr("settings.remind_every", "Remind about open problems"), v.RemindEvery),
		widget.NewFormItem(tr("settings.owners", "Owners (one per line)"), v.Owners),
		widget.NewFormItem(tr("settings.smtp_host", "Mail server"), v.SMTPHost),
		widget.NewFormItem(tr("settings.smtp_port", "Port"), v.SMTPPort),
		widget.NewFormItem(tr("settings.smtp_security", "Security"), v.SMTPSecurity),
		widget.NewFormItem(tr("settings.smtp_user", "User name"), v.SMTPUser),
		widget.NewFormItem(tr("settings.smtp_password", "Password"), v.SMTPPassword),
		widget.NewFormItem(tr("settings.smtp_from", "Sender"), v.SMTPFrom),
		widget.NewFormItem("", v.TestEmail),
	)
	data := container.NewVBox(
		wrapped(tr("settings.data_where", "Your data: {{.Dir}}", map[string]any{"Dir": m.keeper.Dir()})),
		container.NewGridWithColumns(2,
			widget.NewButton(tr("settings.backup", "Back up now"), m.backupNow),
			widget.NewButton(tr("settings.restore", "Restore a backup…"), m.chooseRestore),
			widget.NewButton(tr("settings.open_folder", "Open the data folder"), m.openDataFolder),
			widget.NewButton(tr("settings.export", "Export CSV…"), m.exportCSV),
		))
	language := widget.NewForm(widget.NewFormItem(tr("settings.language", "Language"), v.Language))
	v.Integrations = m.integrationsTab(func() *bridge { return life })
	tabs := container.NewAppTabs(
		container.NewTabItem(tr("settings.tab_facebook", "Facebook app"), container.NewVScroll(facebook)),
		container.NewTabItem(tr("settings.tab_alerts", "Checks and alerts"), container.NewVScroll(alerts)),
		container.NewTabItem(tr("settings.tab_integrations", "Integrations"), v.Integrations.content),
		container.NewTabItem(tr("settings.tab_data", "Data"), data),
		container.NewTabItem(tr("settings.tab_language", "Language"), language),
	)
	var d *dialog.CustomDialog
	v.Save = widget.NewButton(tr("settings.save", "Save"), func() {
		ns, sec, err := v.read(s)
		if err != nil {
			v.Problem.SetText(errorText(err))
			return
		}
		k := m.keeper
		v.Save.Disable()
		life.Go(func(ctx context.Context) func() {
			err := k.UpdateSettings(ctx, ns, sec)
			return func() {
				v.Save.Enable()
				if err != nil {
					v.Problem.SetText(errorText(err))
					return
				}
				d.Hide()
				if ns.Language != s.Language {
					m.useLanguage(ns.Language)
				}
			}
		})
	})
	v.Save.Importance = widget.HighImportance
	cancel := widget.NewButton(tr("dialog.cancel", "Cancel"), func() { d.Hide() })
	body := container.NewBorder(nil, container.NewVBox(v.Problem, container.NewBorder(nil, nil, nil, container.NewHBox(cancel, v.Save))), nil, nil, tabs)
	d = dialog.NewCustomWithoutButtons(tr("toolbar.settings", "Settings"), body, m.Window)
	d.Resize(fyne.NewSize(760, 580))
	life = m.present(d, nil)
	m.refreshIntegrations(v.Integrations, life)
	return v
}

// read turns the form into settings and the secrets typed (validated
// again by keeper).
func (v *SettingsView) read(old keeper.Settings) (keeper.Settings, keeper.Secrets, error) {
	s := old
	s.AppID = strings.TrimSpace(v.AppID.Text)
	s.LoginConfigID = strings.TrimSpace(v.LoginConfigID.Text)
	s.GraphVersion = strings.TrimSpace(v.GraphVersion.Text)
	s.RedirectMode = keeper.RedirectLoopback
	if v.RedirectMode.Selected == v.modeRelay {
		s.RedirectMode = keeper.RedirectRelay
	}
	s.RelayURL = strings.TrimSpace(v.RelayURL.Text)
	if err := s.Set("ports", v.Ports.Text); err != nil { // keeper reads every value as the settings command does
		return s, keeper.Secrets{}, err
	}
	s.BusinessPages = v.Business.Checked
	s.CheckInterval = keeper.Duration(intervalFrom(v.CheckEvery.Selected, time.Duration(old.CheckInterval)))
	s.ReminderInterval = keeper.Duration(intervalFrom(v.RemindEvery.Selected, time.Duration(old.ReminderInterval)))
	owners, err := keeper.ParseOwners(v.Owners.Text)
	if err != nil {
		return s, keeper.Secrets{}, err
	}
	s.Owners = owners
	s.SMTP.Host = strings.TrimSpace(v.SMTPHost.Text)
	if err := s.Set("smtp.port", v.SMTPPort.Text); err != nil {
		return s, keeper.Secrets{}, err
	}
	s.SMTP.Username = strings.TrimSpace(v.SMTPUser.Text)
	s.SMTP.From = strings.TrimSpace(v.SMTPFrom.Text)
	s.SMTP.Security = v.SMTPSecurity.Selected
	s.Language = v.langCodes[max(0, v.Language.SelectedIndex())]
	sec := keeper.Secrets{AppSecret: keeper.NewSecret(strings.TrimSpace(v.AppSecret.Text)), SMTPPassword: keeper.NewSecret(v.SMTPPassword.Text)}
	if err := s.Validate(); err != nil {
		return s, keeper.Secrets{}, err
	}
	return s, sec, nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// sendTestEmail sends a test email with the values on screen; it saves
// nothing (Save does).
func (m *MainWindow) sendTestEmail(life *bridge, v *SettingsView, old keeper.Settings) {
	ns, sec, err := v.read(old)
	if err != nil {
		v.Problem.SetText(errorText(err))
		return
	}
	k := m.keeper
	v.Problem.SetText(tr("settings.test_sending", "Sending a test email to every owner…"))
	life.Go(func(ctx context.Context) func() {
		err := k.SendTestEmail(ctx, ns, sec)
		return func() {
			if err != nil {
				v.Problem.SetText(tr("settings.test_failed", "The test email was not sent: {{.Why}}", map[string]any{"Why": errorText(err)}))
				return
			}
			v.Problem.SetText(tr("settings.test_sent", "Test email sent. Check the owners' inboxes."))
		}
	})
}

func (m *MainWindow) backupNow() {
	k := m.keeper
	m.life.Go(func(ctx context.Context) func() {
		path, err := k.Backup(ctx)
		return func() {
			if err != nil {
				m.showError(err)
				return
			}
			m.info(tr("settings.backup_done_title", "Backed up"),
				tr("settings.backup_done", "A verified backup was saved as {{.Path}}", map[string]any{"Path": path}))
		}
	})
}

// chooseRestore lists the verified backups and restores the one picked.
func (m *MainWindow) chooseRestore() {
	k := m.keeper
	m.life.Go(func(context.Context) func() { // listing reads the disk: not on the Fyne goroutine
		backups, err := k.Backups()
		return func() { m.pickBackup(backups, err) }
	})
}

func (m *MainWindow) pickBackup(backups []keeper.BackupInfo, err error) {
	k := m.keeper
	if err != nil {
		m.showError(err)
		return
	}
	if len(backups) == 0 {
		m.info(tr("settings.restore", "Restore a backup…"), tr("settings.no_backups", "There is no backup yet."))
		return
	}
	labels := make([]string, len(backups))
	for i, b := range backups {
		labels[i] = tr("settings.backup_item", "{{.When}} · {{.Pages}} Pages", map[string]any{"When": b.Time.Local().Format("2 Jan 2006 15:04"), "Pages": b.Pages})
	}
	pick := widget.NewSelect(labels, nil)
	pick.SetSelectedIndex(0)
	m.present(dialog.NewCustomConfirm(tr("settings.restore", "Restore a backup…"), tr("settings.restore_confirm", "Restore"), tr("dialog.cancel", "Cancel"),
		container.NewVBox(wrapped(tr("settings.restore_what", "Your current data is backed up first, then replaced by the backup you choose.")), pick),
		func(ok bool) {
			if !ok {
				return
			}
			path := backups[pick.SelectedIndex()].Path
			m.life.Go(func(ctx context.Context) func() {
				err := k.Restore(ctx, path)
				return func() {
					if err != nil {
						m.showError(err)
					}
					m.useLanguage(k.Settings().Language) // the backup's settings are in effect
					m.reload()
				}
			})
		}, m.Window), nil)
}

func (m *MainWindow) openDataFolder() {
	u := &url.URL{Scheme: "file", Path: m.keeper.Dir()}
	if err := fyne.CurrentApp().OpenURL(u); err != nil {
		m.showError(err)
	}
}

func (m *MainWindow) exportCSV() {
	k := m.keeper
	save := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		m.life.Go(func(ctx context.Context) func() {
			_, err := k.ExportCSV(ctx, w)
			err = firstErr(err, w.Close())
			return func() {
				if err != nil {
					m.showError(err)
				}
			}
		})
	}, m.Window)
	save.SetFileName("pagekeeper-export.csv")
	save.SetFilter(storage.NewExtensionFileFilter([]string{".csv"}))
	m.present(save, nil)
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

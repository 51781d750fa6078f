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
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/pagekeeper/pagekeeper/keeper"
)

// The Settings tabs, in order.
const (
	tabFacebook = iota
	tabAlerts
	tabIntegrations
	tabData
	tabLanguage
)

// SettingsView is the settings dialog's form; fields are exposed for tests.
type SettingsView struct {
	AppID, GraphVersion, Ports, RelayURL *keyEntry
	AppSecret, LoginConfigID             *keyEntry
	// VersionNote is the Graph version radar's word on the version typed.
	VersionNote                  *widget.Label
	RedirectMode                 *widget.RadioGroup
	Business                     *widget.Check
	CheckEvery, RemindEvery      *widget.Select
	Owners                       *keyEntry
	SMTPHost, SMTPPort, SMTPUser *keyEntry
	SMTPFrom, SMTPPassword       *keyEntry
	SMTPSecurity                 *widget.Select
	// SecurityNote says why "no encryption" is offered only for this computer.
	SecurityNote *widget.Label
	// Channels lists where alerts go; NoChannel warns when none reaches a person.
	Channels   *fyne.Container
	NoChannel  *widget.Label
	Background *widget.Check
	Language   *widget.Select
	Tabs       *container.AppTabs
	// ReadOnly says why a view-only window cannot save.
	ReadOnly        *widget.Label
	Save, TestEmail *widget.Button
	Problem         *widget.Label
	// Integrations is the Integrations tab (integrations.go).
	Integrations *IntegrationsView

	langCodes     []string // the language of each Language option
	modeRelay     string   // the RedirectMode option that means relay
	securityCodes []string // the SMTP security of each SMTPSecurity option
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

// forExample is a placeholder that reads as one: "for example 587".
func forExample(s string) string {
	return tr("settings.example", "for example {{.Example}}", map[string]any{"Example": s})
}

// showSettings opens the settings dialog over the settings in effect, at tab.
func (m *MainWindow) showSettings(tab int) {
	v := m.settingsDialog(m.keeper.Settings())
	v.Tabs.SelectIndex(tab)
}

func (m *MainWindow) settingsDialog(s keeper.Settings) *SettingsView {
	v := &SettingsView{}
	entry := func(val, placeholder string) *keyEntry {
		e := m.newEntry()
		e.SetText(val)
		e.SetPlaceHolder(placeholder)
		return e
	}
	v.AppID = entry(s.AppID, forExample("1234567890"))
	v.LoginConfigID = entry(s.LoginConfigID, tr("settings.login_config_placeholder", "for a Business app: its Facebook Login for Business configuration"))
	v.GraphVersion = entry(s.GraphVersion, forExample("v25.0"))
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
	v.Ports = entry(strings.Join(ports, ", "), forExample("27182, 27183, 27184"))
	v.RelayURL = entry(s.RelayURL, forExample("https://example.com/pagekeeper-relay.html"))
	v.AppSecret = m.newPasswordEntry()
	v.AppSecret.SetPlaceHolder(tr("settings.secret_placeholder", "optional; never shown again"))
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
	v.Owners = m.newMultiLineEntry()
	v.Owners.SetMinRowsVisible(3)
	v.Owners.SetText(strings.Join(owners, "\n"))
	v.Owners.SetPlaceHolder(forExample("Ana Rivera <ana@example.com>"))
	v.SMTPHost = entry(s.SMTP.Host, forExample("smtp.example.com"))
	port := ""
	if s.SMTP.Port != 0 {
		port = strconv.Itoa(s.SMTP.Port)
	}
	v.SMTPPort = entry(port, forExample("587"))
	v.SMTPUser = entry(s.SMTP.Username, forExample("alerts@example.com"))
	v.SMTPFrom = entry(s.SMTP.From, forExample("Pagekeeper <alerts@example.com>"))
	v.SMTPPassword = m.newPasswordEntry()
	v.SMTPPassword.SetPlaceHolder(tr("settings.secret_placeholder", "optional; never shown again"))
	v.SMTPSecurity = widget.NewSelect(nil, nil)
	v.SecurityNote = wrapped("")
	v.SecurityNote.Importance = widget.LowImportance
	v.setSecurityOptions(s.SMTP.Host, orDefault(s.SMTP.Security, keeper.SecurityStartTLS))
	v.SMTPHost.OnChanged = func(host string) { v.setSecurityOptions(host, v.security()) }

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
	v.TestEmail = widget.NewButtonWithIcon(tr("settings.test_email", "Send test email"), theme.MailSendIcon(), func() { m.sendTestEmail(life, v, s) })

	v.Channels = container.NewVBox()
	v.NoChannel = wrapped(tr("settings.no_channel", "No alert reaches a person: if a Page stops working, nobody is told. Set up email below, or keep Pagekeeper checking in the background (an integration is told, but it is a program, not a person)."))
	v.NoChannel.Importance = widget.DangerImportance
	v.Background = widget.NewCheck(tr("settings.background", "When I close the window, keep checking in the background (icon in the tray)"), nil)
	v.Background.SetChecked(fyne.CurrentApp().Preferences().Bool(prefBackground))
	if !m.cfg.Tray() {
		v.Background.Disable()
		v.Background.SetText(tr("settings.background_no_tray", "Keep checking in the background: not possible here, this desktop shows no tray icon"))
	}
	channels := func() { m.showChannels(v, s) }
	for _, e := range []*keyEntry{v.Owners, v.SMTPHost, v.SMTPFrom, v.SMTPUser} {
		prev := e.OnChanged
		e.OnChanged = func(t string) {
			if prev != nil {
				prev(t)
			}
			channels()
		}
	}
	v.Background.OnChanged = func(bool) { channels() }
	channels()
	alertsIntro := wrapped(tr("settings.alerts_what", "When a Page stops working, Pagekeeper tells people through these channels:"))
	alerts := container.NewVBox(
		widget.NewForm(
			widget.NewFormItem(tr("settings.check_every", "Check Pages"), v.CheckEvery),
			widget.NewFormItem(tr("settings.remind_every", "Remind about open problems"), v.RemindEvery)),
		widget.NewSeparator(),
		alertsIntro, v.Channels, v.NoChannel, v.Background,
		widget.NewSeparator(),
		widget.NewLabelWithStyle(tr("settings.email", "Email"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewForm(
			widget.NewFormItem(tr("settings.owners", "Owners (one per line)"), v.Owners),
			widget.NewFormItem(tr("settings.smtp_host", "Mail server"), v.SMTPHost),
			widget.NewFormItem(tr("settings.smtp_port", "Port"), v.SMTPPort),
			widget.NewFormItem(tr("settings.smtp_security", "Security"), v.SMTPSecurity),
			widget.NewFormItem("", v.SecurityNote),
			widget.NewFormItem(tr("settings.smtp_user", "User name"), v.SMTPUser),
			widget.NewFormItem(tr("settings.smtp_password", "Password"), v.SMTPPassword),
			widget.NewFormItem(tr("settings.smtp_from", "Sender"), v.SMTPFrom),
			widget.NewFormItem("", container.NewHBox(v.TestEmail)),
		))
	data := container.NewVBox(
		wrapped(tr("settings.data_where", "Your data: {{.Dir}}", map[string]any{"Dir": m.keeper.Dir()})),
		container.NewGridWithColumns(2,
			widget.NewButtonWithIcon(tr("settings.backup", "Back up now"), theme.DocumentSaveIcon(), m.backupNow),
			widget.NewButtonWithIcon(tr("settings.restore", "Restore a backup…"), theme.HistoryIcon(), m.chooseRestore),
			widget.NewButtonWithIcon(tr("settings.open_folder", "Open the data folder"), theme.FolderOpenIcon(), m.openDataFolder),
			widget.NewButtonWithIcon(tr("settings.export", "Export CSV…"), theme.DownloadIcon(), m.exportCSV),
		))
	language := widget.NewForm(widget.NewFormItem(tr("settings.language", "Language"), v.Language))
	v.Integrations = m.integrationsTab(func() *bridge { return life })
	v.Tabs = container.NewAppTabs(
		container.NewTabItem(tr("settings.tab_facebook", "Facebook app"), container.NewVScroll(facebook)),
		container.NewTabItem(tr("settings.tab_alerts", "Checks and alerts"), container.NewVScroll(alerts)),
		container.NewTabItem(tr("settings.tab_integrations", "Integrations"), v.Integrations.content),
		container.NewTabItem(tr("settings.tab_data", "Data"), container.NewVScroll(data)),
		container.NewTabItem(tr("settings.tab_language", "Language"), language),
	)
	var d *dialog.CustomDialog
	v.Save = widget.NewButtonWithIcon(tr("settings.save", "Save"), theme.DocumentSaveIcon(), func() {
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
				if !v.Background.Disabled() {
					fyne.CurrentApp().Preferences().SetBool(prefBackground, v.Background.Checked)
					fyne.CurrentApp().Preferences().SetBool(prefCloseAsked, true)
				}
				d.Hide()
				if ns.Language != s.Language {
					m.useLanguage(ns.Language)
				} else {
					m.applySettings()
				}
			}
		})
	})
	v.Save.Importance = widget.HighImportance
	v.ReadOnly = wrapped("")
	v.ReadOnly.Importance = widget.WarningImportance
	v.ReadOnly.Hide()
	if holder, ro := m.keeper.ReadOnly(); ro {
		// Say why in words up front, rather than fail on Save.
		v.ReadOnly.SetText(tr("settings.readonly", "View only: {{.Manager}} manages these Pages, so only they can change the settings. Close Pagekeeper there to change them here.",
			map[string]any{"Manager": holder.String()}))
		v.ReadOnly.Show()
		v.Save.Disable()
		v.TestEmail.Disable()
	}
	cancel := widget.NewButton(tr("dialog.cancel", "Cancel"), func() { d.Hide() })
	body := container.NewBorder(v.ReadOnly, container.NewVBox(v.Problem, container.NewBorder(nil, nil, nil, container.NewHBox(cancel, v.Save))), nil, nil, v.Tabs)
	d = dialog.NewCustomWithoutButtons(tr("toolbar.settings", "Settings"), body, m.Window)
	life = m.presentWith(presented{d: d, def: func() *widget.Button { return v.Save }}, nil)
	d.Resize(m.dialogSize(820, 640))
	m.Window.Canvas().Focus(v.AppID)
	m.settings = v
	v.Integrations.shown = func() { m.showChannels(v, s) }
	m.refreshIntegrations(v.Integrations, life)
	return v
}

// setSecurityOptions offers STARTTLS and TLS, and "no encryption" only for
// a mail relay on this computer, where nothing crosses a network.
func (v *SettingsView) setSecurityOptions(host, selected string) {
	names := []string{tr("settings.security_starttls", "STARTTLS (usually port 587)"), tr("settings.security_tls", "TLS (usually port 465)")}
	codes := []string{keeper.SecurityStartTLS, keeper.SecurityTLS}
	if keeper.IsLoopbackHost(host) {
		names = append(names, tr("settings.security_none", "None: a mail relay on this computer (usually port 25)"))
		codes = append(codes, keeper.SecurityNone)
		v.SecurityNote.SetText("")
		v.SecurityNote.Hide()
	} else {
		v.SecurityNote.SetText(tr("settings.security_why", "Sending without encryption is offered only for a mail relay on this computer (localhost): over a network the password and the alerts would travel in the clear."))
		v.SecurityNote.Show()
	}
	v.securityCodes = codes
	v.SMTPSecurity.Options = names
	i := slices.Index(codes, selected)
	if i < 0 {
		i = 0
	}
	v.SMTPSecurity.SetSelectedIndex(i)
	v.SMTPSecurity.Refresh()
}

// security is the SMTP security chosen.
func (v *SettingsView) security() string {
	if i := v.SMTPSecurity.SelectedIndex(); i >= 0 && i < len(v.securityCodes) {
		return v.securityCodes[i]
	}
	return keeper.SecurityStartTLS
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
	s.SMTP.Security = v.security()
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
	v.TestEmail.Disable()
	life.Go(func(ctx context.Context) func() {
		err := k.SendTestEmail(ctx, ns, sec)
		return func() {
			v.TestEmail.Enable()
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

// chooseRestore lists the verified backups, with how many Pages each
// holds, and restores the one picked.
func (m *MainWindow) chooseRestore() {
	k := m.keeper
	m.life.Go(func(ctx context.Context) func() { // each backup is opened and checked: not on the Fyne goroutine
		backups, err := k.Backups(ctx)
		return func() { m.pickBackup(backups, err) }
	})
}

// RestoreView is the restore dialog's list, exposed for tests.
type RestoreView struct {
	Pick *widget.Select
}

func (m *MainWindow) pickBackup(backups []keeper.BackupInfo, err error) *RestoreView {
	k := m.keeper
	if err != nil {
		m.showError(err)
		return nil
	}
	if len(backups) == 0 {
		m.info(tr("settings.restore", "Restore a backup…"), tr("settings.no_backups", "There is no backup yet."))
		return nil
	}
	labels := make([]string, len(backups))
	for i, b := range backups {
		labels[i] = tr("settings.backup_item", "{{.When}} · {{.Count}} Pages", map[string]any{"When": b.Time.Local().Format("2 Jan 2006 15:04"), "Count": b.Pages})
	}
	v := &RestoreView{Pick: widget.NewSelect(labels, nil)}
	v.Pick.SetSelectedIndex(0)
	restore := func() {
		path := backups[v.Pick.SelectedIndex()].Path
		m.life.Go(func(ctx context.Context) func() {
			err := k.Restore(ctx, path)
			return func() {
				if err != nil {
					m.showError(err)
				}
				m.useLanguage(k.Settings().Language) // the backup's settings are in effect
				m.reload()
				m.loadAvailability()
			}
		})
	}
	body := container.New(&maxWidth{w: 480}, container.NewVBox(
		wrapped(tr("settings.restore_what", "Your current data is backed up first, then replaced by the backup you choose.")), v.Pick))
	m.showDialog(tr("settings.restore", "Restore a backup…"), body, nil,
		choice{label: tr("dialog.cancel", "Cancel"), isCancel: true},
		choice{label: tr("settings.restore_confirm", "Restore"), importance: widget.HighImportance, isDefault: true, do: restore})
	return v
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

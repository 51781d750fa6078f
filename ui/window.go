package ui

import (
	"context"
	"errors"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/pagekeeper/pagekeeper/keeper"
	"github.com/pagekeeper/pagekeeper/ui/firstframe"
)

// languagePreference remembers the last language the owner chose
// (Settings > Language, kept in the data folder), so the window's first
// screens — before the folder is open — speak it too.
const languagePreference = "language"

// tickEvery is how often the relative times ("5 min ago") are said again.
const tickEvery = 30 * time.Second

// viewerPollEvery is how often a view-only window looks whether the
// manager changed something (a stat of the data file: nothing is read).
const viewerPollEvery = 2 * time.Second

// Config is what the main window needs from main.
type Config struct {
	// Keeper says which data folder to open, and how (main's flags); the
	// window adds the owner's agreement to a key file and its desktop
	// notifications.
	Keeper keeper.Options
	Now    func() time.Time
	// Opened, when set, is told the outcome of each attempt to open the data
	// folder, once the window shows it.
	Opened func(pages int, err error)
	// Shown, when set, is told once, on the Fyne goroutine, after the first
	// frame that put the dashboard on screen with the Pages' rows (or the
	// empty list's welcome): main logs "ready: showing N Pages", which the
	// smoke test and the window benchmark wait for (ui/firstframe).
	Shown func(pages int)
	// NoSchedule leaves health checks to the caller (tests).
	NoSchedule bool
	// Tray says whether this desktop shows a tray icon (nil: ask it, see
	// trayAvailable). Without one, closing the window quits.
	Tray func() bool
	// Exit ends the process when Fyne's own shutdown does not return within
	// QuitGrace after Pagekeeper's work and data folder were closed (main
	// passes os.Exit; nil: no watchdog). See Shutdown.
	Exit      func(code int)
	QuitGrace time.Duration
	// Logf reports what an administrator may want to know (main: the log).
	Logf func(format string, args ...any)
}

// MainWindow is Pagekeeper's one window: it opens the data folder off the UI
// goroutine, explains any problem with the way out, then shows the dashboard
// and runs the owner's actions in the background, handing results back
// through its bridge.
type MainWindow struct {
	Window    fyne.Window
	Dashboard *Dashboard
	cfg       Config
	// life is the window's bridge: Close cancels every worker and waits for them.
	life *bridge
	// keeper is the open data folder (Fyne goroutine only); open is the
	// same for Close, which may run on any goroutine; opening holds a
	// Keeper being handed over while the window may be closing.
	keeper *keeper.Keeper
	// dataReset is the data reset not yet acknowledged (nil: none), as
	// last read (Fyne goroutine only).
	dataReset *keeper.DataReset
	open      atomic.Pointer[keeper.Keeper]
	opening   atomic.Pointer[keeper.Keeper]
	// handOver makes moving opening to open, and Close taking both, one
	// step each: a Keeper opened while the window closes is closed too.
	handOver sync.Mutex
	rows     []PageRow
	// lang is the language the dashboard was built in (SetLanguage's code).
	lang string
	// probe sits beside the dashboard until it is first on screen (shown);
	// afterFrame is the work kept for after that (afterFirstFrame).
	probe            fyne.CanvasObject
	shown            bool
	waitedFirstFrame bool
	afterFrame       []func()
	// scheduled: the health checks run in the background (a manager window).
	scheduled bool
	// checkAsked: the owner pressed "Check now"; a failure gets a dialog.
	checkAsked bool
	// opened is closed when the first open attempt has finished (tests wait on it).
	opened chan struct{}
	// reloaded receives after every reload of the table (tests wait on it).
	reloaded chan struct{}
	wizard   *Wizard
	settings *SettingsView
	pageLog  *PageLog
	// dialogs are the open dialogs, top-most last (Escape closes it, Enter
	// presses its default button).
	dialogs []presented

	closeOnce, shutdownOnce sync.Once
	closeErr                error
	closed                  chan struct{} // closed when Close has finished
}

// NewMainWindow creates the window and starts opening the data folder.
func NewMainWindow(a fyne.App, cfg Config) *MainWindow {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Tray == nil {
		cfg.Tray = trayAvailable
	}
	if cfg.QuitGrace == 0 {
		cfg.QuitGrace = 5 * time.Second
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	a.Settings().SetTheme(Theme())
	m := &MainWindow{cfg: cfg, life: newBridge(), opened: make(chan struct{}),
		reloaded: make(chan struct{}, 16), closed: make(chan struct{}), lang: a.Preferences().String(languagePreference)}
	// The data folder opens first (its check, the Pages read: the longest
	// part of a start with many Pages), while the fonts load and the window
	// is built and shown; its result waits for the Fyne goroutine anyway.
	showOpening := m.startOpening(false)
	fonts := loadFonts()
	m.Window = a.NewWindow("Pagekeeper")
	SetLanguage(m.lang)
	<-fonts
	m.Window.Resize(fyne.NewSize(1180, 720))
	m.Window.SetCloseIntercept(m.closeRequested)
	m.keyboard()
	showOpening()
	m.Dashboard = m.newDashboard()
	m.tick()
	return m
}

// loadFonts has Fyne load the fonts the window writes in (the theme's and
// the system's for the language, regular and bold: tens of milliseconds)
// while the window system starts. Nothing measures or draws text until the
// returned channel is closed: Fyne's font cache is not shared safely.
func loadFonts() <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, style := range []fyne.TextStyle{{}, {Bold: true}} {
			fyne.MeasureText("Pagekeeper", theme.TextSize(), style)
		}
	}()
	return done
}

func (m *MainWindow) newDashboard() *Dashboard {
	return NewDashboard(DashboardOptions{Sandbox: m.cfg.Keeper.Sandbox, Now: m.cfg.Now}, DashboardActions{
		Connect:          func() { m.whenOpen(func() { m.openWizard(nil, "") }) },
		CheckAll:         m.checkAll,
		Settings:         func() { m.whenOpen(func() { m.showSettings(tabFacebook) }) },
		Simulate:         func() { m.whenOpen(func() { m.showSimulate() }) },
		RenewAll:         m.renewAll,
		SetUp:            func() { m.whenOpen(func() { m.showSettings(tabFacebook) }) },
		SetUpAlerts:      func() { m.whenOpen(func() { m.showSettings(tabAlerts) }) },
		Renew:            m.renew,
		Resubscribe:      m.resubscribe,
		Disconnect:       m.confirmDisconnect,
		Log:              m.showLog,
		Destination:      func(r PageRow) { m.showDestination(r.ID, r.Name, r.IntegrationName) },
		AcknowledgeReset: m.acknowledgeReset,
		RestoreBackup:    func() { m.whenOpen(m.chooseRestore) },
	})
}

// Opened is closed once the first attempt to open the data folder has ended.
func (m *MainWindow) Opened() <-chan struct{} { return m.opened }

// Keeper is the open data folder, or nil. Call on the Fyne goroutine.
func (m *MainWindow) Keeper() *keeper.Keeper { return m.keeper }

// Close ends the window's work — the scheduler, a login, any action under
// way — waits for it, and closes the data folder (releasing the manager
// lock). It may be called on any goroutine, and more than once: it never
// needs the UI goroutine, so a stuck Fyne cannot keep the folder open.
func (m *MainWindow) Close() error {
	m.closeOnce.Do(func() {
		m.life.Close()
		m.life.Wait()
		var errs []error
		m.handOver.Lock()
		ks := []*keeper.Keeper{m.open.Swap(nil), m.opening.Swap(nil)}
		m.handOver.Unlock()
		for _, k := range ks {
			if k != nil {
				errs = append(errs, k.Close())
			}
		}
		m.closeErr = errors.Join(errs...)
		close(m.closed)
	})
	<-m.closed
	return m.closeErr
}

func (m *MainWindow) openFolder(allowKeyFile bool) { m.startOpening(allowKeyFile)() }

// startOpening starts opening the data folder; showOpening, called on the
// Fyne goroutine once the window exists, shows that it is opening (and must
// be called before the result can be shown).
func (m *MainWindow) startOpening(allowKeyFile bool) (showOpening func()) {
	o := m.cfg.Keeper
	o.AllowKeyFile = o.AllowKeyFile || allowKeyFile
	o.Notifier = keeper.NotifierFunc(m.notify)
	// The folder starts opening first; the screen that says so is built
	// meanwhile (the result waits for the Fyne goroutine, which sets idle).
	var idle func()
	m.life.Go(func(ctx context.Context) func() {
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		k, err := keeper.Open(ctx, o)
		var rows []PageRow
		var reset *keeper.DataReset
		var version int64
		if err == nil {
			if _, ro := k.ReadOnly(); ro {
				// Before the Pages are read: a change the manager commits
				// from now on is followed (watchManager).
				version, _ = k.DataVersion(ctx)
			}
			reset = loadReset(ctx, k)
			if rows, err = loadRows(ctx, k); err != nil {
				err = errors.Join(err, k.Close())
			} else {
				m.opening.Store(k) // Close closes it if the window goes first
			}
		}
		return func() {
			idle()
			defer m.markOpened()
			if m.cfg.Opened != nil {
				// Told last, once the window shows the outcome.
				defer m.cfg.Opened(len(rows), err)
			}
			if err != nil {
				m.showProblem(err)
				return
			}
			m.handOver.Lock()
			k := m.opening.Swap(nil)
			if k != nil {
				m.open.Store(k)
			}
			m.handOver.Unlock()
			if k == nil {
				return // closed meanwhile (Close closed it)
			}
			m.keeper, m.dataReset = k, reset
			m.rows = rows
			m.useLanguage(k.Settings().Language)
			m.startChecks(k, version)
			// The 30 days at a glance wait for the Pages to be on screen.
			m.afterFirstFrame(m.loadAvailability)
		}
	})
	return func() { idle = m.busy(tr("open.progress", "Opening your Pagekeeper data…")) }
}

// firstFrameWait is how long work kept for after the dashboard's first
// frame waits when no frame comes (a window that is not drawn: hidden, or
// Fyne's test driver).
const firstFrameWait = time.Second

// showDashboard puts the dashboard in the window. Until it has been on
// screen it sits beside the probe that tells when it is (firstFrame), and
// the work kept for after that frame waits at most firstFrameWait.
func (m *MainWindow) showDashboard() {
	content := m.Dashboard.Content()
	if !m.shown {
		if m.probe == nil {
			m.probe = firstframe.New(m.firstFrame)
			m.life.Go(func(ctx context.Context) func() {
				t := time.NewTimer(firstFrameWait)
				defer t.Stop()
				select {
				case <-t.C:
					return m.runAfterFirstFrame
				case <-ctx.Done():
					return nil
				}
			})
		}
		content = container.NewStack(content, container.NewWithoutLayout(m.probe))
	}
	m.Window.SetContent(content)
}

// firstFrame: the dashboard with the Pages is on screen. Config.Shown is
// told, what was kept for after this frame runs, and the memory of reading
// the Pages is given back (once, not on every later reload).
func (m *MainWindow) firstFrame() {
	m.shown = true
	if m.cfg.Shown != nil {
		m.cfg.Shown(len(m.rows))
	}
	m.runAfterFirstFrame()
	m.life.Go(func(context.Context) func() {
		debug.FreeOSMemory()
		return nil
	})
}

// afterFirstFrame runs f once the dashboard has first been on screen (at
// once after that): work that can wait does not slow that frame down.
func (m *MainWindow) afterFirstFrame(f func()) {
	if m.waitedFirstFrame {
		f()
		return
	}
	m.afterFrame = append(m.afterFrame, f)
}

func (m *MainWindow) runAfterFirstFrame() {
	m.waitedFirstFrame = true
	fs := m.afterFrame
	m.afterFrame = nil
	for _, f := range fs {
		f()
	}
}

// useLanguage shows the dashboard with the open folder's Pages and
// settings, in code ("" = the system's language): when that is not the
// language it was built in, it is built again in it.
func (m *MainWindow) useLanguage(code string) {
	SetLanguage(code)
	fyne.CurrentApp().Preferences().SetString(languagePreference, code)
	var old *Dashboard
	if code != m.lang {
		m.lang, old = code, m.Dashboard
		m.Dashboard = m.newDashboard()
		m.Dashboard.lastCheck, m.Dashboard.nextCheck = old.lastCheck, old.nextCheck
		m.Dashboard.Tick()
	}
	if holder, ro := m.keeper.ReadOnly(); ro {
		m.Dashboard.SetReadOnly(holder.String())
	}
	m.applySettings()
	m.setRows(m.rows)
	m.showDashboard()
	if old != nil && old.Availability.content.Visible() {
		m.loadAvailability() // the new dashboard shows the figures too
	}
}

// applySettings shows what the settings in effect mean for the owner: a
// missing App ID, and whether any alert reaches a person.
func (m *MainWindow) applySettings() {
	s := m.keeper.Settings()
	m.Dashboard.SetSetupNeeded(s.AppID == "" && !m.keeper.InSandbox())
	m.Dashboard.SetNoAlerts(!m.alertsReachSomeone(m.keeper, s))
}

// startChecks runs the health checks in the background (start-up, schedule,
// "Check now") when this window manages the folder; each finished round
// refreshes the table, the tray and the "last check" line, and a failed one
// says so and offers "Check now" again. A view-only window has no
// scheduler: it watches the data file and shows what the manager records.
func (m *MainWindow) startChecks(k *keeper.Keeper, version int64) {
	if _, ro := k.ReadOnly(); ro {
		m.watchManager(k, version)
		return
	}
	if m.cfg.NoSchedule {
		return
	}
	m.scheduled = true
	// Deliveries to the integrations change what the rows say.
	k.OnDeliveries(func(keeper.DeliveryPass) { m.life.Do(m.reload) })
	k.OnRound(func(r keeper.Round) {
		next := time.Now().Add(k.NextRoundIn())
		m.life.Do(func() { m.roundDone(r, next) })
	})
	// The scheduler (and a start-up round over every Page) waits for the
	// Pages to be on screen; "Check now" meanwhile is covered by that round.
	m.afterFirstFrame(func() {
		m.life.Go(func(ctx context.Context) func() {
			if err := k.Run(ctx); err != nil && ctx.Err() == nil {
				return func() { m.showError(err) }
			}
			return nil
		})
	})
}

// watchManager refreshes a view-only window whenever the manager commits
// a change to the data folder after version (keeper.DataVersion).
func (m *MainWindow) watchManager(k *keeper.Keeper, version int64) {
	m.life.Go(func(ctx context.Context) func() {
		t := time.NewTicker(viewerPollEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
				if now, err := k.DataVersion(ctx); err == nil && now != version {
					version = now
					m.life.Do(m.reload)
				}
			}
		}
	})
}

// tick says the relative times again every half minute.
func (m *MainWindow) tick() {
	m.life.Go(func(ctx context.Context) func() {
		t := time.NewTicker(tickEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
				m.life.Do(func() {
					if m.keeper != nil {
						m.Dashboard.Tick()
					}
				})
			}
		}
	})
}

// roundDone shows a finished (or failed) round.
func (m *MainWindow) roundDone(r keeper.Round, next time.Time) {
	setEnabled(m.Dashboard.CheckButton, m.Dashboard.readOnly == "")
	if r.Err != nil {
		m.Dashboard.SetCheckFailed(errorText(r.Err))
		if m.checkAsked {
			m.showError(r.Err)
		}
	} else {
		m.Dashboard.SetChecked(r.Finished, next)
	}
	m.checkAsked = false
	m.reload()
	m.loadAvailability()
}

// checkAll asks for a check of every Page now; the table refreshes when it ends.
func (m *MainWindow) checkAll() {
	m.whenOpen(func() {
		if _, ro := m.keeper.ReadOnly(); ro {
			return // the manager's Pagekeeper checks (the button is off)
		}
		m.Dashboard.CheckButton.Disable()
		m.Dashboard.SetChecking()
		if m.scheduled {
			m.checkAsked = true
			m.keeper.RequestCheck()
			return
		}
		// No scheduler (tests): one round directly.
		k := m.keeper
		m.life.Go(func(ctx context.Context) func() {
			r, err := k.CheckNow(ctx)
			return func() {
				m.Dashboard.CheckButton.Enable()
				if err != nil {
					m.Dashboard.SetCheckFailed(errorText(err))
					m.showError(err)
				} else {
					m.Dashboard.SetChecked(r.Finished, time.Time{})
				}
				m.reload()
			}
		})
	})
}

// setRows shows rows in the table and the tray, in the window's language.
func (m *MainWindow) setRows(rows []PageRow) {
	for i := range rows {
		r := &rows[i]
		if r.page == nil {
			continue // rows given with their words (tests)
		}
		r.worded = false // the words follow when shown, in this language (PageRow.word)
		r.Renewable = r.Status == keeper.StatusInvalid && renewRepairs(r.page.Repair)
	}
	m.rows = rows
	m.Dashboard.SetDataReset(resetWords(m.dataReset))
	if m.keeper != nil {
		m.Dashboard.SetNoIntegration(len(m.keeper.IntegrationNames()) == 0)
	}
	m.Dashboard.SetPages(rows)
	m.updateTray(rows)
	if d := m.Dashboard; d.lastCheck.IsZero() && !d.checking && !d.checkFailed {
		// Until a round ends here, the last check is the newest recorded
		// (a restart right after a round does not check again).
		var last time.Time
		for _, r := range rows {
			if r.page != nil && r.page.CheckedAt.After(last) {
				last = r.page.CheckedAt
			}
		}
		if !last.IsZero() {
			m.Dashboard.SetChecked(last, time.Time{})
		}
	}
}

// renewRepairs: a login repairs it (not a click, not facebook.com first).
func renewRepairs(r keeper.Repair) bool {
	return r == keeper.RepairRenew || r == keeper.RepairReauthorize || r == keeper.RepairRerequest
}

func (m *MainWindow) markOpened() {
	select {
	case <-m.opened:
	default:
		close(m.opened)
	}
}

// reload re-reads the Pages off the UI goroutine and refreshes the table.
func (m *MainWindow) reload() {
	k := m.keeper
	if k == nil {
		return
	}
	m.life.Go(func(ctx context.Context) func() {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		rows, err := loadRows(ctx, k)
		reset := loadReset(ctx, k)
		return func() {
			if err != nil {
				m.showError(err)
			} else {
				m.dataReset = reset
				m.setRows(rows)
			}
			select {
			case m.reloaded <- struct{}{}:
			default:
			}
		}
	})
}

// loadReset is the data reset not yet acknowledged (nil if none, or if it
// cannot be read: the next reload reads it again).
func loadReset(ctx context.Context, k *keeper.Keeper) *keeper.DataReset {
	r, found, err := k.DataReset(ctx)
	if err != nil || !found {
		return nil
	}
	return &r
}

// resetWords is the dashboard's notice of a data reset ("" for none): what
// happened and what to do, where the notice's buttons are the way out (the
// terminal's words name the command instead, keeper.DataReset.Text).
func resetWords(r *keeper.DataReset) string {
	if r == nil {
		return ""
	}
	data := map[string]any{"When": r.At.Local(), "File": filepath.Base(r.MovedTo), "Count": r.PagesLost}
	if r.PagesLost <= 0 { // none, or not known
		return tr("banner.reset_unknown", "Pagekeeper's data was reset on {{.When}}: its data file was damaged and was moved aside as {{.File}}. Restore a backup if Pages were connected, or connect them again; then press I understand.", data)
	}
	return tr("banner.reset", "Pagekeeper's data was reset on {{.When}}: its data file was damaged and was moved aside as {{.File}}, so the {{.Count}} Pages connected then are no longer connected here. Restore a backup, or connect them again; then press I understand.", data)
}

// acknowledgeReset ends the notice of a data reset, as `pagekeeper
// acknowledge-reset` does (the history records who).
func (m *MainWindow) acknowledgeReset() {
	m.whenOpen(func() {
		k := m.keeper
		m.Dashboard.ResetButton.Disable()
		m.life.Go(func(ctx context.Context) func() {
			err := k.AcknowledgeReset(ctx, keeper.OSActor())
			return func() {
				m.Dashboard.ResetButton.Enable()
				if err != nil {
					m.showError(err)
					return
				}
				m.dataReset = nil
				m.Dashboard.SetDataReset("")
				m.reload()
			}
		})
	})
}

// loadAvailability works out the last 30 days off the UI goroutine (one
// query, however many Pages) and shows them.
func (m *MainWindow) loadAvailability() {
	k := m.keeper
	if k == nil {
		return
	}
	m.life.Go(func(ctx context.Context) func() {
		a, err := k.Availability(ctx, availabilityDays)
		if err != nil {
			m.cfg.Logf("the last 30 days could not be read: %v", err)
			a = keeper.Availability{Overall: -1} // no figures rather than "…" for ever
		}
		return func() { m.Dashboard.SetAvailability(a) }
	})
}

// loadRows reads the Pages, prepares their search keys and puts them in
// the table's order (off the UI goroutine: with 10,000 Pages this is the
// work).
func loadRows(ctx context.Context, k *keeper.Keeper) ([]PageRow, error) {
	sum, err := k.Pages(ctx)
	if err != nil {
		return nil, err
	}
	rows := make([]PageRow, len(sum.Pages))
	for i := range sum.Pages {
		ps := &sum.Pages[i] // the rows point into sum.Pages: 10,000 copies of a PageStatus cost as much as reading them
		rows[i] = PageRow{ID: ps.ID, Name: ps.Name, Status: ps.Status, Updated: ps.UpdatedAt,
			CleanupPending: ps.CleanupPending, ConnectedBy: ps.ConnectedBy, Resubscribe: ps.Repair == keeper.RepairResubscribe,
			IntegrationName: ps.Integration.Name, page: ps, search: searchKey(ps.Name + " " + ps.ID)}
	}
	slices.SortFunc(rows, rowOrder)
	return rows, nil
}

// describe is a Page's reason and action in the owner's language.
func describe(ps keeper.PageStatus) (reason, action string) {
	return text(ps.Explanation), text(ps.Action)
}

// shortReason is the reason in a few words, under the Page's name.
func shortReason(ps keeper.PageStatus) string {
	switch {
	case ps.Reason != "":
		return text(ps.ReasonText)
	case ps.CleanupPending:
		return tr("status.cleanup_short", "Facebook clean-up pending")
	}
	return ""
}

// whenOpen runs f once the data folder is open.
func (m *MainWindow) whenOpen(f func()) {
	if m.keeper != nil {
		f()
	}
}

// renew renews a Page's connection: a renewal that names the Page and says
// to keep it ticked in Facebook's dialog, asking Facebook again for
// whatever lapsed (declined permissions, data access).
func (m *MainWindow) renew(pageID string) { m.renewPages([]string{pageID}) }

// renewAll renews every Page a login repairs, in one login.
func (m *MainWindow) renewAll() {
	var ids []string
	for _, r := range m.Dashboard.renewable() {
		ids = append(ids, r.ID)
	}
	m.renewPages(ids)
}

func (m *MainWindow) renewPages(ids []string) {
	m.whenOpen(func() {
		if len(ids) == 0 {
			return
		}
		k := m.keeper
		m.life.Go(func(ctx context.Context) func() { // RenewAuthType reads the store: not on the Fyne goroutine
			authType := k.RenewAuthType(ctx, ids...)
			return func() { m.openWizard(ids, authType) }
		})
	})
}

// resubscribe repairs a Page's webhook subscription in one click.
func (m *MainWindow) resubscribe(pageID string) {
	m.whenOpen(func() {
		k := m.keeper
		m.life.Go(func(ctx context.Context) func() {
			_, err := k.Resubscribe(ctx, pageID, keeper.OSActor())
			return func() {
				if err != nil {
					m.showError(err)
				}
				m.reload()
			}
		})
	})
}

// confirmDisconnect asks, naming the consequence, before disconnecting.
func (m *MainWindow) confirmDisconnect(pageID string) {
	m.whenOpen(func() {
		k := m.keeper
		m.life.Go(func(ctx context.Context) func() {
			w, err := k.DisconnectWarning(ctx, pageID)
			return func() {
				if err != nil {
					m.showError(err)
					return
				}
				d := dialog.NewConfirm(tr("disconnect.title", "Disconnect {{.Name}}?", map[string]any{"Name": w.PageName}),
					text(w.Text), func(ok bool) {
						if ok {
							m.disconnect(pageID, w.PageName)
						}
					}, m.Window)
				d.SetConfirmText(tr("disconnect.confirm", "Disconnect"))
				d.SetDismissText(tr("dialog.cancel", "Cancel"))
				d.SetConfirmImportance(widget.DangerImportance)
				m.present(d, nil)
			}
		})
	})
}

func (m *MainWindow) disconnect(pageID, name string) {
	k := m.keeper
	m.life.Go(func(ctx context.Context) func() {
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		pending, err := k.Disconnect(ctx, pageID, keeper.OSActor())
		return func() {
			switch {
			case err != nil:
				m.showError(err)
			case pending:
				m.info(tr("disconnect.done_title", "Disconnected"),
					tr("disconnect.pending", "{{.Name}} is disconnected here. Facebook could not be reached, so Pagekeeper will remove the webhook subscription there as soon as it can.", map[string]any{"Name": name}))
			}
			m.reload()
		}
	})
}

// showError explains a failed action; it never shows a token (errors never hold one).
func (m *MainWindow) showError(err error) {
	m.showDialog(tr("error.title", "Something went wrong"), container.New(&maxWidth{w: 460}, wrapped(errorText(err))), nil,
		choice{label: tr("dialog.close", "Close"), isDefault: true, isCancel: true})
}

// showProblem explains why the data folder could not be opened and offers
// the way out that fits: nothing is lost by any of these screens.
func (m *MainWindow) showProblem(err error) {
	var (
		keyErr     *keeper.KeyringError
		corruptErr *keeper.CorruptError
		lockErr    *keeper.LockHeldError
	)
	title := tr("problem.title", "Pagekeeper could not open your data")
	msg := errorText(err)
	var actions []fyne.CanvasObject
	switch {
	case errors.As(err, &keyErr):
		title = tr("problem.keyring.title", "No secure storage on this computer")
		msg = tr("problem.keyring.body", "Pagekeeper protects your Page connections with a key kept in your system's secure storage (keyring), and none is working here. You can start a keyring service and try again, or let Pagekeeper keep the key in a file that only your user account can read.")
		actions = append(actions,
			widget.NewButton(tr("problem.retry", "Try again"), func() { m.openFolder(false) }),
			widget.NewButton(tr("problem.keyring.keyfile", "Keep the key in a protected file"), func() { m.openFolder(true) }))
	case errors.As(err, &corruptErr):
		title = tr("problem.corrupt.title", "Your Pagekeeper data file is damaged")
		msg = corruptErr.Error()
		if backup := corruptErr.NewestBackup; backup != "" {
			actions = append(actions, widget.NewButton(tr("problem.corrupt.restore", "Restore the newest backup"), func() {
				m.restore(backup)
			}))
		}
		actions = append(actions, widget.NewButton(tr("problem.corrupt.fresh", "Start with an empty list"), func() { m.openFolder(false) }))
	case errors.As(err, &lockErr):
		title = tr("problem.lock.title", "Pagekeeper is already open")
		msg = lockErr.Error()
		actions = append(actions, widget.NewButton(tr("problem.retry", "Try again"), func() { m.openFolder(false) }))
	case errors.Is(err, keeper.ErrNewerVersion):
		title = tr("problem.newer.title", "This data needs a newer Pagekeeper")
	default:
		actions = append(actions, widget.NewButton(tr("problem.retry", "Try again"), func() { m.openFolder(false) }))
	}
	body := wrapped(msg)
	heading := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	quit := widget.NewButton(tr("problem.quit", "Quit"), m.Quit)
	actions = append(actions, quit)
	if len(actions) > 1 {
		actions[0].(*widget.Button).Importance = widget.HighImportance
	}
	card := container.NewVBox(heading, body, container.NewHBox(actions...))
	m.Window.SetContent(container.NewCenter(container.New(&maxWidth{w: 560}, card)))
}

// restore puts the backup in place off the UI goroutine, then opens again.
func (m *MainWindow) restore(backup string) {
	idle := m.busy(tr("problem.corrupt.restoring", "Restoring your backup…"))
	o := m.cfg.Keeper
	m.life.Go(func(context.Context) func() {
		dir, err := o.DataDir()
		if err == nil {
			err = keeper.RestoreBackup(dir, backup)
		}
		return func() {
			idle()
			if err != nil {
				m.showProblem(err)
				return
			}
			m.openFolder(false)
		}
	})
}

// busyAfter is how long the window waits before it says what it waits
// for: most waits (opening the data folder) end sooner.
const busyAfter = 500 * time.Millisecond

// busy has the window say what it waits for, with a moving progress bar,
// once the wait has lasted busyAfter; until then the window stays empty.
// Said at once, a message and a bar that flash for a moment say nothing,
// and while the bar moves it has the whole window drawn again and again,
// taking the processor from the work waited for. The returned idle, called
// on the Fyne goroutine when the work is done, stops the bar.
func (m *MainWindow) busy(what string) (idle func()) {
	m.Window.SetContent(container.NewStack())
	done := make(chan struct{})
	var bar *widget.ProgressBarInfinite
	m.life.Go(func(ctx context.Context) func() {
		t := time.NewTimer(busyAfter)
		defer t.Stop()
		select {
		case <-t.C:
			return func() {
				select {
				case <-done:
				default:
					bar = widget.NewProgressBarInfinite()
					m.Window.SetContent(container.NewCenter(container.NewVBox(widget.NewLabel(what), bar)))
				}
			}
		case <-done:
		case <-ctx.Done():
		}
		return nil
	})
	return func() {
		select {
		case <-done:
		default:
			close(done)
			if bar != nil {
				bar.Stop()
			}
		}
	}
}

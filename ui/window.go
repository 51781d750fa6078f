package ui

import (
	"context"
	"errors"
	"runtime/debug"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/pagekeeper/pagekeeper/keeper"
)

// languagePreference remembers the last language the owner chose
// (Settings → Language, kept in the data folder), so the window's first
// screens — before the folder is open — speak it too.
const languagePreference = "language"

// Config is what the main window needs from main.
type Config struct {
	// Keeper says which data folder to open, and how (main's flags); the
	// window adds the owner's agreement to a key file and its desktop
	// notifications.
	Keeper keeper.Options
	Now    func() time.Time
	// Opened, when set, is told the outcome of each attempt to open the data
	// folder (main logs it; the smoke test waits for it).
	Opened func(pages int, err error)
	// NoSchedule leaves health checks to the caller (tests).
	NoSchedule bool
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
	// keeper is the open data folder (Fyne goroutine only); opening hands a
	// Keeper over while the window may be closing (see Close).
	keeper  *keeper.Keeper
	opening atomic.Pointer[keeper.Keeper]
	rows    []PageRow
	// scheduled: the health checks run in the background (a manager window).
	scheduled bool
	// checkAsked: the owner pressed "Check now"; a failure gets a dialog.
	checkAsked bool
	// opened is closed when the first open attempt has finished (tests wait on it).
	opened chan struct{}
	// reloaded receives after every reload of the table (tests wait on it).
	reloaded chan struct{}
	wizard   *Wizard
	dialogs  []dialog.Dialog // open dialogs, top-most last (Escape closes it)
}

// NewMainWindow creates the window and starts opening the data folder.
func NewMainWindow(a fyne.App, cfg Config) *MainWindow {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	SetLanguage(a.Preferences().String(languagePreference))
	m := &MainWindow{cfg: cfg, Window: a.NewWindow("Pagekeeper"), life: newBridge(), opened: make(chan struct{}),
		reloaded: make(chan struct{}, 16)}
	m.Window.Resize(fyne.NewSize(1180, 720))
	m.escapeCloses()
	m.Dashboard = m.newDashboard()
	m.open(false)
	return m
}

func (m *MainWindow) newDashboard() *Dashboard {
	return NewDashboard(DashboardOptions{Sandbox: m.cfg.Keeper.Sandbox, Now: m.cfg.Now}, DashboardActions{
		Connect:     func() { m.whenOpen(func() { m.openWizard(false, "") }) },
		CheckAll:    m.checkAll,
		Settings:    func() { m.whenOpen(m.showSettings) },
		Simulate:    func() { m.whenOpen(func() { m.showSimulate() }) },
		Renew:       m.renew,
		Resubscribe: m.resubscribe,
		Disconnect:  m.confirmDisconnect,
		Log:         m.showLog,
		Destination: func(r PageRow) { m.showDestination(r.ID, r.Name, r.IntegrationName) },
	})
}

// Opened is closed once the first attempt to open the data folder has ended.
func (m *MainWindow) Opened() <-chan struct{} { return m.opened }

// Keeper is the open data folder, or nil. Call on the Fyne goroutine.
func (m *MainWindow) Keeper() *keeper.Keeper { return m.keeper }

// Close ends the window's work — the scheduler, a login, any action under
// way — waits for it, and closes the data folder. Call once the window has
// closed (main does, after ShowAndRun).
func (m *MainWindow) Close() error {
	m.life.Close()
	m.life.Wait()
	var errs []error
	for _, k := range []*keeper.Keeper{m.keeper, m.opening.Swap(nil)} {
		if k != nil {
			errs = append(errs, k.Close())
		}
	}
	m.keeper = nil
	return errors.Join(errs...)
}

func (m *MainWindow) open(allowKeyFile bool) {
	m.Window.SetContent(container.NewCenter(container.NewVBox(
		widget.NewLabel(tr("open.progress", "Opening your Pagekeeper data…")),
		widget.NewProgressBarInfinite())))
	o := m.cfg.Keeper
	o.AllowKeyFile = o.AllowKeyFile || allowKeyFile
	o.Notifier = keeper.NotifierFunc(m.notify)
	m.life.Go(func(ctx context.Context) func() {
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		k, err := keeper.Open(ctx, o)
		var rows []PageRow
		if err == nil {
			if rows, err = loadRows(ctx, k); err != nil {
				err = errors.Join(err, k.Close())
			} else {
				// Building the first table is the start-up peak: give that
				// memory back once, not on every later reload.
				debug.FreeOSMemory()
				m.opening.Store(k) // Close closes it if the window goes first
			}
		}
		return func() {
			defer m.markOpened()
			if m.cfg.Opened != nil {
				// Told last, once the window shows the outcome.
				defer m.cfg.Opened(len(rows), err)
			}
			if err != nil {
				m.showProblem(err)
				return
			}
			m.keeper = m.opening.Swap(nil)
			m.useLanguage(m.keeper.Settings().Language)
			m.setRows(rows)
			m.startChecks(m.keeper)
		}
	})
}

// useLanguage shows the window in code ("" = the system's language): the
// dashboard is built again in it.
func (m *MainWindow) useLanguage(code string) {
	SetLanguage(code)
	fyne.CurrentApp().Preferences().SetString(languagePreference, code)
	m.Dashboard = m.newDashboard()
	if holder, ro := m.keeper.ReadOnly(); ro {
		m.Dashboard.SetReadOnly(holder.String())
	}
	m.setRows(m.rows)
	m.Window.SetContent(m.Dashboard.Content())
}

// startChecks runs the health checks in the background (start-up, schedule,
// "Check now") when this window manages the folder; each finished round
// refreshes the table, the tray and the "last check" line, and a failed one
// says so and offers "Check now" again.
func (m *MainWindow) startChecks(k *keeper.Keeper) {
	if _, ro := k.ReadOnly(); ro || m.cfg.NoSchedule {
		return
	}
	m.scheduled = true
	// Deliveries to the integrations change what the rows say.
	k.OnDeliveries(func(keeper.DeliveryPass) { m.life.Do(m.reload) })
	k.OnRound(func(r keeper.Round) {
		next := time.Now().Add(k.NextRoundIn())
		m.life.Do(func() { m.roundDone(r, next) })
	})
	m.life.Go(func(ctx context.Context) func() {
		if err := k.Run(ctx); err != nil && ctx.Err() == nil {
			return func() { m.showError(err) }
		}
		return nil
	})
}

// roundDone shows a finished (or failed) round.
func (m *MainWindow) roundDone(r keeper.Round, next time.Time) {
	m.Dashboard.CheckButton.Enable()
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
}

// checkAll asks for a check of every Page now; the table refreshes when it ends.
func (m *MainWindow) checkAll() {
	m.whenOpen(func() {
		m.Dashboard.CheckButton.Disable()
		m.Dashboard.Checked.SetText(tr("summary.checking", "Checking every Page…"))
		if m.scheduled {
			m.checkAsked = true
			m.keeper.RequestCheck()
			return
		}
		// No scheduler (a viewer, or tests): one round directly.
		k := m.keeper
		m.life.Go(func(ctx context.Context) func() {
			_, err := k.CheckNow(ctx)
			return func() {
				m.Dashboard.CheckButton.Enable()
				if err != nil {
					m.Dashboard.SetCheckFailed(errorText(err))
					m.showError(err)
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
		r.Short = shortReason(r.page)
		r.Reason, r.Action = describe(r.page)
		r.Integration, r.IntegrationProblem = integrationLine(r.page.Integration)
	}
	m.rows = rows
	if m.keeper != nil {
		m.Dashboard.SetNoIntegration(len(m.keeper.IntegrationNames()) == 0)
	}
	m.Dashboard.SetPages(rows)
	m.updateTray(rows)
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
		return func() {
			if err != nil {
				m.showError(err)
			} else {
				m.setRows(rows)
			}
			select {
			case m.reloaded <- struct{}{}:
			default:
			}
		}
	})
}

func loadRows(ctx context.Context, k *keeper.Keeper) ([]PageRow, error) {
	sum, err := k.Pages(ctx)
	if err != nil {
		return nil, err
	}
	rows := make([]PageRow, 0, len(sum.Pages))
	for _, ps := range sum.Pages {
		rows = append(rows, PageRow{ID: ps.ID, Name: ps.Name, Status: ps.Status, Updated: ps.UpdatedAt,
			CleanupPending: ps.CleanupPending, ConnectedBy: ps.ConnectedBy, Resubscribe: ps.Repair == keeper.RepairResubscribe,
			IntegrationName: ps.Integration.Name, page: ps})
	}
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
		return text(ps.Words())
	}
	return ""
}

// whenOpen runs f once the data folder is open.
func (m *MainWindow) whenOpen(f func()) {
	if m.keeper != nil {
		f()
	}
}

// renew renews a Page's connection through the wizard's login, asking
// Facebook again for whatever lapsed (declined permissions, data access).
func (m *MainWindow) renew(pageID string) {
	m.whenOpen(func() {
		k := m.keeper
		m.life.Go(func(ctx context.Context) func() { // RenewAuthType reads the store: not on the Fyne goroutine
			authType := k.RenewAuthType(ctx, pageID)
			return func() { m.openWizard(true, authType) }
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
	l := widget.NewLabel(errorText(err))
	l.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom(tr("error.title", "Something went wrong"), tr("dialog.close", "Close"),
		container.NewGridWrap(fyne.NewSize(460, l.MinSize().Height*3), l), m.Window)
	m.present(d, nil)
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
			widget.NewButton(tr("problem.retry", "Try again"), func() { m.open(false) }),
			widget.NewButton(tr("problem.keyring.keyfile", "Keep the key in a protected file"), func() { m.open(true) }))
	case errors.As(err, &corruptErr):
		title = tr("problem.corrupt.title", "Your Pagekeeper data file is damaged")
		msg = corruptErr.Error()
		if backup := corruptErr.NewestBackup; backup != "" {
			actions = append(actions, widget.NewButton(tr("problem.corrupt.restore", "Restore the newest backup"), func() {
				m.restore(backup)
			}))
		}
		actions = append(actions, widget.NewButton(tr("problem.corrupt.fresh", "Start with an empty list"), func() { m.open(false) }))
	case errors.As(err, &lockErr):
		title = tr("problem.lock.title", "Pagekeeper is already open")
		msg = lockErr.Error()
		actions = append(actions, widget.NewButton(tr("problem.retry", "Try again"), func() { m.open(false) }))
	case errors.Is(err, keeper.ErrNewerVersion):
		title = tr("problem.newer.title", "This data needs a newer Pagekeeper")
	default:
		actions = append(actions, widget.NewButton(tr("problem.retry", "Try again"), func() { m.open(false) }))
	}
	body := widget.NewLabel(msg)
	body.Wrapping = fyne.TextWrapWord
	heading := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	quit := widget.NewButton(tr("problem.quit", "Quit"), func() { fyne.CurrentApp().Quit() })
	actions = append(actions, quit)
	if len(actions) > 1 {
		actions[0].(*widget.Button).Importance = widget.HighImportance
	}
	card := container.NewVBox(heading, body, container.NewHBox(actions...))
	m.Window.SetContent(container.NewCenter(container.NewGridWrap(fyne.NewSize(560, card.MinSize().Height+60), card)))
}

// restore puts the backup in place off the UI goroutine, then opens again.
func (m *MainWindow) restore(backup string) {
	m.Window.SetContent(container.NewCenter(container.NewVBox(
		widget.NewLabel(tr("problem.corrupt.restoring", "Restoring your backup…")),
		widget.NewProgressBarInfinite())))
	o := m.cfg.Keeper
	m.life.Go(func(context.Context) func() {
		dir, err := o.DataDir()
		if err == nil {
			err = keeper.RestoreBackup(dir, backup)
		}
		return func() {
			if err != nil {
				m.showProblem(err)
				return
			}
			m.open(false)
		}
	})
}

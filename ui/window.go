package ui

import (
	"context"
	"errors"
	"runtime/debug"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/keeper"
)

// Config is what the main window needs from main.
type Config struct {
	Sandbox bool
	// Open opens the data folder. It may block (keyring, disk) and is called
	// off the Fyne goroutine. allowKeyFile is true once the owner has agreed
	// to keep the data key in a file because no system keyring works.
	Open func(ctx context.Context, allowKeyFile bool) (*keeper.Keeper, error)
	// Restore puts a verified backup in place of a damaged data file.
	Restore func(backupPath string) error
	Now     func() time.Time
	// Opened, when set, is told the outcome of each attempt to open the data
	// folder (main logs it; the smoke test waits for it).
	Opened func(pages int, err error)
	// SandboxURL is the pretend Facebook's address in the sandbox ("" otherwise),
	// SandboxAdminToken what its /_sandbox/ routes want.
	SandboxURL        func() string
	SandboxAdminToken func() token.Token
	// NoSchedule leaves health checks to the caller (tests).
	NoSchedule bool
}

// MainWindow is Pagekeeper's one window: it opens the data folder off the UI
// goroutine, explains any problem with the way out, then shows the dashboard
// and runs the owner's actions in the background, handing results back with
// fyne.Do.
type MainWindow struct {
	Window    fyne.Window
	Dashboard *Dashboard
	cfg       Config
	keeper    *keeper.Keeper
	// opened is closed when the first open attempt has finished (tests wait on it).
	opened chan struct{}
	// reloaded receives after every reload of the table (tests wait on it).
	reloaded chan struct{}
	wizard   *Wizard
	dialogs  []dialog.Dialog // open dialogs, top-most last (Escape closes it)
	// stop ends the background checks when the window closes.
	stop context.CancelFunc
}

// NewMainWindow creates the window and starts opening the data folder.
func NewMainWindow(a fyne.App, cfg Config) *MainWindow {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	m := &MainWindow{cfg: cfg, Window: a.NewWindow("Pagekeeper"), opened: make(chan struct{}),
		reloaded: make(chan struct{}, 16)}
	m.Window.Resize(fyne.NewSize(1180, 720))
	m.escapeCloses()
	m.Dashboard = NewDashboard(DashboardOptions{Sandbox: cfg.Sandbox, Now: cfg.Now}, DashboardActions{
		Connect:     func() { m.whenOpen(func() { m.openWizard(false, "") }) },
		CheckAll:    m.checkAll,
		Settings:    func() { m.whenOpen(m.showSettings) },
		Simulate:    func() { m.whenOpen(func() { m.showSimulate() }) },
		Renew:       m.renew,
		Resubscribe: m.resubscribe,
		Disconnect:  m.confirmDisconnect,
		Log:         m.showLog,
	})
	m.open(false)
	return m
}

// Opened is closed once the first attempt to open the data folder has ended.
func (m *MainWindow) Opened() <-chan struct{} { return m.opened }

// Keeper is the open data folder, or nil.
func (m *MainWindow) Keeper() *keeper.Keeper { return m.keeper }

func (m *MainWindow) open(allowKeyFile bool) {
	m.Window.SetContent(container.NewCenter(container.NewVBox(
		widget.NewLabel(tr("open.progress", "Opening your Pagekeeper data…")),
		widget.NewProgressBarInfinite())))
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		k, err := m.cfg.Open(ctx, allowKeyFile)
		var rows []PageRow
		if err == nil {
			rows, err = loadRows(ctx, k)
			// Building the first table is the start-up peak: give that
			// memory back once, not on every later reload.
			debug.FreeOSMemory()
		}
		onUI(func() {
			defer m.markOpened()
			if m.cfg.Opened != nil {
				// Told last, once the window shows the outcome.
				defer m.cfg.Opened(len(rows), err)
			}
			if err != nil {
				m.showProblem(err)
				return
			}
			m.keeper = k
			if holder, ro := k.ReadOnly(); ro {
				m.Dashboard.SetReadOnly(holder.String())
			}
			m.setRows(rows)
			m.Window.SetContent(m.Dashboard.Content())
			m.startChecks(k)
		})
	}()
}

// startChecks runs the health checks in the background (start-up, schedule,
// "Check now") when this window manages the folder; each finished round
// refreshes the table, the tray and the "last check" line.
func (m *MainWindow) startChecks(k *keeper.Keeper) {
	if _, ro := k.ReadOnly(); ro || m.cfg.NoSchedule {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.stop = cancel
	k.OnRound(func(r keeper.Round) {
		next := time.Now().Add(k.NextRoundIn(ctx))
		onUI(func() {
			m.Dashboard.SetChecked(r.Finished, next)
			m.Dashboard.CheckButton.Enable()
			m.reload()
		})
	})
	go func() { _ = k.Run(ctx, keeper.NotifierFunc(m.notify)) }()
}

// Stop ends the background work (main calls it when the window closes).
func (m *MainWindow) Stop() {
	if m.stop != nil {
		m.stop()
	}
}

// checkAll asks for a check of every Page now; the table refreshes when it ends.
func (m *MainWindow) checkAll() {
	m.whenOpen(func() {
		m.Dashboard.CheckButton.Disable()
		m.Dashboard.Checked.SetText(tr("summary.checking", "Checking every Page…"))
		if m.stop == nil {
			// No scheduler (viewer or tests): run one round directly.
			k := m.keeper
			go func() {
				_, err := k.CheckNow(context.Background())
				onUI(func() {
					m.Dashboard.CheckButton.Enable()
					if err != nil {
						m.showError(err)
					}
					m.reload()
				})
			}()
			return
		}
		m.keeper.RequestCheck()
	})
}

// setRows shows rows in the table and the tray.
func (m *MainWindow) setRows(rows []PageRow) {
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
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		rows, err := loadRows(ctx, k)
		onUI(func() {
			if err != nil {
				m.showError(err)
			} else {
				m.setRows(rows)
			}
			select {
			case m.reloaded <- struct{}{}:
			default:
			}
		})
	}()
}

func loadRows(ctx context.Context, k *keeper.Keeper) ([]PageRow, error) {
	records, statuses, err := k.Overview(ctx)
	if err != nil {
		return nil, err
	}
	rows := make([]PageRow, 0, len(records))
	for i, p := range records {
		ps := statuses[i]
		reason, action := describe(p, ps)
		short := ""
		if ps.Reason != "" {
			short = text(ps.ReasonText)
		} else if p.CleanupPending {
			short = tr("status.cleanup_pending", "Disconnected (Facebook clean-up pending)")
		}
		rows = append(rows, PageRow{ID: p.ID, Name: p.Name, Status: Status(p.Status), Short: short, Reason: reason, Action: action,
			Updated: p.UpdatedAt, CleanupPending: p.CleanupPending, ConnectedBy: p.ConnectedByFBID,
			Resubscribe: ps.Repair == keeper.RepairResubscribe})
	}
	return rows, nil
}

// describe is a Page's reason and action in the owner's language.
func describe(p keeper.PageRecord, ps keeper.PageStatus) (reason, action string) {
	if p.Status == "disconnected" && p.CleanupPending {
		return tr("reason.cleanup_pending", "Disconnected here; Pagekeeper will remove its webhook subscription on Facebook when Facebook can be reached."), ""
	}
	if ps.Reason == "" {
		return "", ""
	}
	return text(ps.Explanation), text(ps.Action)
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
		go func() { // RenewAuthType reads the store: not on the Fyne goroutine
			authType := k.RenewAuthType(context.Background(), pageID)
			onUI(func() { m.openWizard(true, authType) })
		}()
	})
}

// resubscribe repairs a Page's webhook subscription in one click.
func (m *MainWindow) resubscribe(pageID string) {
	k := m.keeper
	if k == nil {
		return
	}
	go func() {
		_, err := k.Resubscribe(context.Background(), pageID, keeper.OSActor())
		onUI(func() {
			if err != nil {
				m.showError(err)
			}
			m.reload()
		})
	}()
}

// confirmDisconnect asks, naming the consequence, before disconnecting.
func (m *MainWindow) confirmDisconnect(pageID string) {
	k := m.keeper
	if k == nil {
		return
	}
	go func() {
		w, err := k.DisconnectWarning(context.Background(), pageID)
		onUI(func() {
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
		})
	}()
}

func (m *MainWindow) disconnect(pageID, name string) {
	k := m.keeper
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		pending, err := k.Disconnect(ctx, pageID, keeper.OSActor())
		onUI(func() {
			switch {
			case err != nil:
				m.showError(err)
			case pending:
				m.info(tr("disconnect.done_title", "Disconnected"),
					tr("disconnect.pending", "{{.Name}} is disconnected here. Facebook could not be reached, so Pagekeeper will remove the webhook subscription there as soon as it can.", map[string]any{"Name": name}))
			}
			m.reload()
		})
	}()
}

// showError explains a failed action; it never shows a token (errors never hold one).
func (m *MainWindow) showError(err error) {
	var ro *keeper.ReadOnlyError
	msg := err.Error()
	if errors.As(err, &ro) {
		msg = tr("error.readonly", "Only the person managing these Pages can change them: {{.Manager}}.", map[string]any{"Manager": ro.Manager.String()})
	}
	l := widget.NewLabel(msg)
	l.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom(tr("error.title", "Something went wrong"), tr("dialog.close", "Close"),
		container.NewGridWrap(fyne.NewSize(460, l.MinSize().Height*3), l), m.Window)
	m.present(d, nil)
}

// text renders a keeper sentence in the owner's language.
func text(t keeper.Text) string {
	if t.IsZero() {
		return ""
	}
	return tr(t.Key, t.Template, t.Data)
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
	msg := err.Error()
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
		if backup := corruptErr.NewestBackup; backup != "" && m.cfg.Restore != nil {
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
	go func() {
		err := m.cfg.Restore(backup)
		onUI(func() {
			if err != nil {
				m.showProblem(err)
				return
			}
			m.open(false)
		})
	}()
}

// errorText is an error in the owner's words: Facebook's failures by their
// reason (translated), anything else as it reads.
func errorText(err error) string {
	if e, ok := fb.AsError(err); ok {
		k := "fb." + e.Reason.Key()
		return tr(k+".explanation", e.Explanation()) + " " + tr(k+".action", e.Action())
	}
	return err.Error()
}

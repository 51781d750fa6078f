package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/pagekeeper/pagekeeper/keeper"
)

// maxNamed is how many Pages a warning names before "and N more".
const maxNamed = 8

// Wizard is guided onboarding: 1 before you start, 2 log in, 3 choose
// Pages, 4 saving, 5 check it works. An account manager can walk a customer
// through it on a call; every step says what happens next. A renewal runs
// the same wizard, naming the Pages it renews and which to keep ticked.
// Facebook's dialog is where a Page can be lost by accident (unticking a
// connected Page removes Pagekeeper's access to it at once), so a modal
// warning names the Pages before it, and another after it names any that
// were lost, each with the two ways out.
type Wizard struct {
	m        *MainWindow
	dialog   *dialog.CustomDialog
	body     *fyne.Container
	stepName *widget.Label
	// life is the wizard's bridge: closing the wizard cancels its login
	// (freeing the callback port at once) and whatever else it runs.
	life *bridge
	// login is the current login's own bridge: trying again ends it.
	login *bridge

	renewIDs []string
	authType string
	plan     *keeper.Plan
	saved    []keeper.Outcome
	// def is the step's default button (Enter).
	def *widget.Button

	// Widgets of the current step, exposed for tests.
	Business   *widget.Check
	Next       *widget.Button
	Cancel     *widget.Button
	Waiting    *widget.Label
	Progress   *widget.ProgressBarInfinite
	LinkBox    *fyne.Container
	Link       *widget.Entry
	CopyLink   *widget.Button
	Problem    *widget.Label
	Retry      *widget.Button
	PageChecks map[string]*widget.Check
	Presets    map[string]*widget.Select
	MissingOut map[string]*widget.Button // "Disconnect it" per missing Page
	SaveNote   *widget.Label             // why Save waits
	Saving     map[string]*widget.Label
	FlowPage   *widget.Select
	FlowInfo   *widget.Label
	CheckAgain *widget.Button
	Reply      *keyEntry
	ReplyCount *widget.Label
	Send       *widget.Button
	SendResult *widget.Label

	// Where each Page's messages go (step 3) and the end-to-end check of
	// step 5 (integrations.go).
	Destinations map[string]*widget.Select
	E2EButton    *widget.Button
	E2EResult    *widget.Label

	// stepDone receives the step number each time a step is shown (tests wait on it).
	stepDone chan int
}

// openWizard shows the wizard over the main window: a connection, or with
// renewIDs the renewal of those Pages (authType asks Facebook again for
// what lapsed).
func (m *MainWindow) openWizard(renewIDs []string, authType string) *Wizard {
	w := &Wizard{m: m, renewIDs: renewIDs, authType: authType, stepDone: make(chan int, 32)}
	w.stepName = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	w.stepName.Wrapping = fyne.TextWrapWord
	w.body = container.NewStack()
	content := container.NewBorder(container.NewVBox(w.stepName, widget.NewSeparator()), nil, nil, nil, w.body)
	title := tr("wizard.title", "Connect Facebook Pages")
	if w.renewing() {
		title = tr("wizard.renew_title", "Renew connections")
	}
	w.dialog = dialog.NewCustomWithoutButtons(title, content, m.Window)

	m.wizard = w
	w.life = m.presentWith(presented{d: w.dialog, def: func() *widget.Button { return w.def }}, m.reload)
	w.dialog.Resize(m.dialogSize(860, 620))
	w.stepIntro()
	return w
}

func (w *Wizard) renewing() bool { return len(w.renewIDs) > 0 }

func (w *Wizard) show(step int, title string, content fyne.CanvasObject, def *widget.Button, buttons ...fyne.CanvasObject) {
	w.stepName.SetText(tr("wizard.step", "Step {{.N}} of 5 · {{.Title}}", map[string]any{"N": step, "Title": title}))
	w.def = def
	bar := container.NewHBox(buttons...)
	w.body.Objects = []fyne.CanvasObject{container.NewBorder(nil, container.NewBorder(nil, nil, nil, bar), nil, nil, content)}
	w.body.Refresh()
	select {
	case w.stepDone <- step:
	default:
	}
}

func (w *Wizard) close() { w.dialog.Hide() }

func wrapped(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// connected splits rows into the Pages being renewed and the others
// connected here.
func (w *Wizard) connected(rows []PageRow) (renew, keep []PageRow) {
	for _, r := range rows {
		switch {
		case r.Status == keeper.StatusDisconnected:
		case containsID(w.renewIDs, r.ID):
			renew = append(renew, r)
		default:
			keep = append(keep, r)
		}
	}
	return renew, keep
}

func containsID(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// namesOf is "Sunrise Café, Harbor Books and 3 more".
func namesOf(rows []PageRow) string {
	var names []string
	for i, r := range rows {
		if i == maxNamed {
			return strings.Join(names, ", ") + " " + tr("wizard.and_more", "and {{.N}} more", map[string]any{"N": len(rows) - maxNamed})
		}
		names = append(names, r.Name)
	}
	return strings.Join(names, ", ")
}

// Step 1: what you need, and what to keep ticked in Facebook's dialog.
func (w *Wizard) stepIntro() {
	w.Business = widget.NewCheck(tr("wizard.intro.business", "Also find Pages my business owns in Meta Business Suite"), nil)
	w.Business.SetChecked(w.m.keeper.Settings().BusinessPages)
	warn := wrapped(tr("wizard.intro.warning", "In Facebook's window, keep every Page you want here ticked. Facebook removes Pagekeeper's access to a Page you untick there at once, and it stops receiving Messenger messages."))
	warn.Importance = widget.WarningImportance
	items := []fyne.CanvasObject{}
	renew, _ := w.connected(w.m.rows)
	switch {
	case w.renewing() && len(renew) == 1:
		items = append(items, wrapped(tr("wizard.renew.what_one", "Renewing {{.Name}}: log in with Facebook again, as the account that connected it, and keep it ticked in Facebook's dialog.",
			map[string]any{"Name": renew[0].Name})))
	case w.renewing():
		items = append(items, wrapped(tr("wizard.renew.what", "Renewing {{.Names}}: log in with Facebook again, as the account that connected them, and tick them in Facebook's dialog. One login renews them all.",
			map[string]any{"Names": namesOf(renew)})))
	default:
		items = append(items, wrapped(tr("wizard.intro.what", "Pagekeeper will open Facebook in your browser. You log in there and choose the Pages; Facebook then sends you back here.")))
	}
	items = append(items,
		widget.NewLabelWithStyle(tr("empty.need.title", "Before you start, make sure that:"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		checkItem(tr("empty.need.role", "You are an admin or editor of the Page on Facebook.")),
		checkItem(tr("empty.need.published", "The Page is published.")),
		checkItem(tr("empty.need.account", "Your browser is logged in to the Facebook account that manages the Page.")),
		container.NewBorder(nil, nil, container.NewVBox(widget.NewIcon(theme.WarningIcon())), nil, warn),
		w.Business)
	w.Cancel = widget.NewButton(tr("dialog.cancel", "Cancel"), w.close)
	w.Next = widget.NewButtonWithIcon(tr("wizard.intro.login", "Log in with Facebook"), theme.NavigateNextIcon(), w.beforeFacebook)
	w.Next.Importance = widget.HighImportance
	title := tr("wizard.intro.title", "Before you start")
	w.show(1, title, container.NewVScroll(container.NewVBox(items...)), w.Next, w.Cancel, w.Next)
}

// beforeFacebook warns, naming the Pages connected here, what unticking
// one in Facebook's dialog does, before the dialog opens; the two ways out
// are going back and going on. With nothing connected there is nothing to
// lose, and the login starts at once.
func (w *Wizard) beforeFacebook() {
	// What is connected now, as recorded (the table may not show the last
	// connection yet).
	k := w.m.keeper
	w.life.Go(func(ctx context.Context) func() {
		rows, err := loadRows(ctx, k)
		return func() {
			if err != nil {
				w.m.showError(err)
				return
			}
			w.warnBeforeFacebook(rows)
		}
	})
}

func (w *Wizard) warnBeforeFacebook(rows []PageRow) {
	renew, keep := w.connected(rows)
	if len(renew)+len(keep) == 0 {
		w.stepLogin()
		return
	}
	var lines []fyne.CanvasObject
	lines = append(lines, wrapped(tr("wizard.before.what", "Facebook's dialog lists your Pages, each with a tick box. If you untick a Page that is connected here, Facebook removes Pagekeeper's access to it at once: it stops receiving Messenger messages in your integration and its bot stops answering.")))
	if len(renew) > 0 {
		l := wrapped(tr("wizard.before.renew", "To renew, tick: {{.Names}}.", map[string]any{"Names": namesOf(renew)}))
		l.TextStyle = fyne.TextStyle{Bold: true}
		lines = append(lines, l)
	}
	if len(keep) > 0 {
		l := wrapped(tr("wizard.before.keep", "Keep ticked, connected now: {{.Names}}.", map[string]any{"Names": namesOf(keep)}))
		l.TextStyle = fyne.TextStyle{Bold: true}
		lines = append(lines, l)
	}
	content := container.New(&maxWidth{w: 560}, container.NewVBox(lines...))
	w.m.showDialog(tr("wizard.before.title", "Keep your Pages ticked in Facebook's dialog"), content, nil,
		choice{label: tr("dialog.back", "Go back"), isCancel: true},
		choice{label: tr("wizard.before.go", "I'll keep them ticked: open Facebook"), icon: theme.NavigateNextIcon(),
			importance: widget.HighImportance, isDefault: true, do: w.stepLogin})
}

// Step 2: the login in the owner's browser.
func (w *Wizard) stepLogin() {
	if w.life.Closed() {
		return
	}
	if w.login != nil {
		w.login.Close() // a login before this one ends (trying again)
	}
	w.login = w.life.child()
	life := w.login
	business := w.Business != nil && w.Business.Checked
	w.Waiting = wrapped(tr("wizard.login.waiting", "Waiting for Facebook in your browser… Log in there, keep your Pages ticked and press Continue."))
	w.Progress = widget.NewProgressBarInfinite()
	w.Link = widget.NewEntry()
	w.Link.Disable()
	w.CopyLink = copyButton(tr("wizard.login.copy", "Copy link"), fyne.CurrentApp().Clipboard(), func() string { return w.Link.Text })
	w.CopyLink.Disable() // until there is a link
	linkHelp := wrapped(tr("wizard.login.nobrowser", "Did the browser not open? Copy this link and open it in a browser on this computer:"))
	// The link is always offered: a browser that "opened" may be on the
	// wrong screen or profile, and an account manager may need to send it.
	w.LinkBox = container.NewVBox(linkHelp, container.NewBorder(nil, nil, nil, w.CopyLink, w.Link))
	w.Problem = wrapped("")
	w.Problem.Importance = widget.DangerImportance
	w.Problem.Hide()
	// Closing the wizard (Cancel, Escape) ends the login and frees its port.
	w.Cancel = widget.NewButton(tr("dialog.cancel", "Cancel"), w.close)
	content := container.NewVBox(w.Waiting, w.Progress, w.LinkBox, w.Problem)
	w.show(2, tr("wizard.login.title", "Log in with Facebook"), container.NewVScroll(content), nil, w.Cancel)

	k := w.m.keeper
	life.Go(func(ctx context.Context) func() {
		s, err := k.StartLogin(ctx, w.authType, business)
		if err != nil {
			return func() { w.loginFailed(err) }
		}
		life.Do(func() {
			w.Link.SetText(s.URL())
			w.CopyLink.Enable()
		})
		life.Go(func(context.Context) func() {
			if err, ok := <-s.BrowserErr(); ok && err != nil {
				return func() {
					linkHelp.SetText(tr("wizard.login.nobrowser_failed", "The browser could not be opened. Copy this link and open it in a browser on this computer:"))
					linkHelp.Importance = widget.WarningImportance
					linkHelp.Refresh()
				}
			}
			return nil
		})
		grant, err := s.Wait()
		if err != nil {
			return func() { w.loginFailed(err) }
		}
		plan, err := k.PlanConnect(ctx, grant, keeper.OSActor())
		return func() {
			if err != nil {
				w.loginFailed(err)
				return
			}
			plan.Renew = w.renewing()
			w.plan = plan
			w.stepChoose()
			if len(plan.Missing) > 0 {
				w.afterFacebook()
			}
		}
	})
}

// loginFailed explains how the login ended and offers to try again; the
// progress, the old link and its Copy button go (that login is over).
func (w *Wizard) loginFailed(err error) {
	if errors.Is(err, context.Canceled) { // the wizard was closed
		return
	}
	msg := errorText(err) // cancelled, timed out, no App ID or Secret: keeper words each
	w.Waiting.SetText(tr("wizard.login.ended", "The login did not finish."))
	w.Progress.Stop()
	w.Progress.Hide()
	w.Link.SetText("")
	w.CopyLink.Disable()
	w.LinkBox.Hide()
	w.Problem.SetText(msg)
	w.Problem.Show()
	w.Retry = widget.NewButtonWithIcon(tr("problem.retry", "Try again"), theme.ViewRefreshIcon(), w.beforeFacebook)
	w.Retry.Importance = widget.HighImportance
	w.Cancel = widget.NewButton(tr("dialog.close", "Close"), w.close)
	content := container.NewVBox(w.Waiting, w.Progress, w.LinkBox, w.Problem)
	w.show(2, tr("wizard.login.title", "Log in with Facebook"), container.NewVScroll(content), w.Retry, w.Cancel, w.Retry)
}

// afterFacebook: Pages connected here were missing from the login —
// unticked in Facebook's dialog, so their access is already gone. A modal
// names each with the consequence and the two ways out.
func (w *Wizard) afterFacebook() {
	var rows []PageRow
	for _, miss := range w.plan.Missing {
		rows = append(rows, PageRow{ID: miss.ID, Name: miss.Name})
	}
	disconnect := func() {
		for _, r := range rows {
			if b := w.MissingOut[r.ID]; b != nil && !b.Disabled() {
				b.OnTapped()
			}
		}
	}
	if len(rows) == 1 {
		name := map[string]any{"Name": rows[0].Name}
		body := container.NewVBox(
			wrapped(tr("wizard.after.what_one", "{{.Name}} was not ticked in Facebook's dialog (or your role on it changed), so Facebook has already removed Pagekeeper's access to it: it no longer receives Messenger messages in your integration.", name)),
			wrapped(tr("wizard.after.ways_one", "Log in again and keep it ticked to renew it, or disconnect it here. Until you do, it is listed as not connected.")))
		w.m.showDialog(tr("wizard.after.title_one", "Facebook removed access to {{.Name}}", name), container.New(&maxWidth{w: 560}, body), nil,
			choice{label: tr("wizard.missing.disconnect", "Disconnect it"), icon: theme.CancelIcon(), importance: widget.DangerImportance, do: disconnect},
			choice{label: tr("wizard.missing.again", "Log in again and tick it"), icon: theme.LoginIcon(), importance: widget.HighImportance,
				isDefault: true, do: w.beforeFacebook})
		return
	}
	body := container.NewVBox(
		wrapped(tr("wizard.after.what", "These Pages were not ticked in Facebook's dialog (or your role on them changed), so Facebook has already removed Pagekeeper's access to them: they no longer receive Messenger messages in your integration.")),
		boldWrapped(namesOf(rows)),
		wrapped(tr("wizard.after.ways", "Log in again and keep them ticked to renew them, or disconnect them here. Until you do, they are listed as not connected.")))
	w.m.showDialog(tr("wizard.after.title", "Facebook removed access to {{.N}} Pages", map[string]any{"N": len(rows)}),
		container.New(&maxWidth{w: 560}, body), nil,
		choice{label: tr("wizard.after.disconnect", "Disconnect them"), icon: theme.CancelIcon(), importance: widget.DangerImportance, do: disconnect},
		choice{label: tr("wizard.after.again", "Log in again and tick them"), icon: theme.LoginIcon(), importance: widget.HighImportance,
			isDefault: true, do: w.beforeFacebook})
}

func boldWrapped(s string) *widget.Label {
	l := wrapped(s)
	l.TextStyle = fyne.TextStyle{Bold: true}
	return l
}

// Step 3: choose Pages; consequences are confirmed before anything is saved.
func (w *Wizard) stepChoose() {
	w.PageChecks = map[string]*widget.Check{}
	w.Presets = map[string]*widget.Select{}
	w.MissingOut = map[string]*widget.Button{}
	list := container.NewVBox()
	presetLabels := map[string]keeper.WebhookPreset{
		tr("preset.bot", "Bot"):                 keeper.PresetBot,
		tr("preset.agent_inbox", "Agent inbox"): keeper.PresetAgentInbox,
	}
	for _, miss := range w.plan.Missing {
		id := miss.ID
		warn := wrapped(text(miss.Warning))
		warn.Importance = widget.DangerImportance
		again := widget.NewButtonWithIcon(tr("wizard.missing.again", "Log in again and tick it"), theme.LoginIcon(), w.beforeFacebook)
		var out *widget.Button
		out = widget.NewButtonWithIcon(tr("wizard.missing.disconnect", "Disconnect it"), theme.CancelIcon(), func() {
			if w.plan.ConfirmDisconnect(id) == nil {
				out.SetText(tr("wizard.missing.confirmed", "Will be disconnected"))
				out.Disable()
				w.refreshSave()
			}
		})
		w.MissingOut[id] = out
		list.Add(widget.NewCard(miss.Name, "", container.NewVBox(warn, container.NewHBox(again, out))))
	}
	for i := range w.plan.Candidates {
		c := w.plan.Candidates[i]
		id := c.ID
		check := widget.NewCheck(c.Name, nil)
		check.SetChecked(c.Selected)
		if !c.Connectable {
			check.Disable()
		}
		check.OnChanged = func(on bool) { w.toggle(id, on) }
		w.PageChecks[id] = check
		note := wrapped(tr("wizard.choose.id", "Page ID {{.ID}}", map[string]any{"ID": id}))
		note.Importance = widget.LowImportance
		if !c.Connectable {
			note.SetText(text(c.WhyNot))
			note.Importance = widget.WarningImportance
		} else if c.Connected {
			note.SetText(tr("wizard.choose.connected", "Connected now · Page ID {{.ID}}", map[string]any{"ID": id}))
		}
		row := container.NewBorder(nil, nil, nil, nil, container.NewVBox(check, note))
		if c.Connectable {
			sel := widget.NewSelect([]string{tr("preset.bot", "Bot"), tr("preset.agent_inbox", "Agent inbox")}, func(label string) {
				_ = w.plan.SetPreset(id, presetLabels[label], nil)
			})
			if c.Preset == keeper.PresetAgentInbox {
				sel.SetSelected(tr("preset.agent_inbox", "Agent inbox"))
			} else {
				sel.SetSelected(tr("preset.bot", "Bot"))
			}
			w.Presets[id] = sel
			row = container.NewBorder(nil, nil, nil, w.messagesGoTo(c, sel), container.NewVBox(check, note))
		}
		list.Add(row)
		list.Add(widget.NewSeparator())
	}
	intro := wrapped(tr("wizard.choose.what", "Tick the Pages Pagekeeper should keep connected. Pages that cannot be connected say why."))
	w.Cancel = widget.NewButton(tr("dialog.cancel", "Cancel"), w.close)
	w.Next = widget.NewButtonWithIcon(tr("wizard.choose.save", "Save"), theme.DocumentSaveIcon(), w.stepSaving)
	w.Next.Importance = widget.HighImportance
	w.SaveNote = wrapped("")
	w.SaveNote.Importance = widget.WarningImportance
	w.SaveNote.Alignment = fyne.TextAlignTrailing
	w.show(3, tr("wizard.choose.title", "Choose Pages"), container.NewBorder(intro, w.SaveNote, nil, nil, container.NewVScroll(list)), w.Next, w.Cancel, w.Next)
	w.refreshSave()
}

// toggle ticks or unticks a Page; unticking a connected one asks first.
func (w *Wizard) toggle(id string, on bool) {
	warning, err := w.plan.Select(id, on)
	if err != nil {
		w.m.showError(err)
		return
	}
	if warning != nil {
		keep := func() {
			_, _ = w.plan.Select(id, true)
			w.PageChecks[id].SetChecked(true)
			w.refreshSave()
		}
		w.m.showDialog(tr("wizard.untick.title", "Stop connecting {{.Name}}?", map[string]any{"Name": warning.PageName}),
			container.New(&maxWidth{w: 520}, wrapped(text(warning.Text))), nil,
			choice{label: tr("wizard.untick.confirm", "Disconnect it"), importance: widget.DangerImportance, do: func() {
				_ = w.plan.ConfirmDisconnect(id)
				w.refreshSave()
			}},
			choice{label: tr("wizard.untick.keep", "Keep it connected"), importance: widget.HighImportance, isDefault: true, isCancel: true, do: keep})
	}
	w.refreshSave()
}

// refreshSave allows Save once every consequence is answered, and says
// which Pages still wait for an answer.
func (w *Wizard) refreshSave() {
	if w.Next == nil || w.SaveNote == nil {
		return
	}
	waiting := w.plan.Unconfirmed()
	if len(waiting) == 0 {
		w.Next.Enable()
		w.SaveNote.SetText("")
		w.SaveNote.Hide()
		return
	}
	w.Next.Disable()
	var rows []PageRow
	for _, x := range waiting {
		rows = append(rows, PageRow{Name: x.PageName})
	}
	w.SaveNote.SetText(tr("wizard.choose.waiting", "Before saving, choose what happens to {{.Names}}.", map[string]any{"Names": namesOf(rows)}))
	w.SaveNote.Show()
}

// Step 4: saving, with progress per Page.
func (w *Wizard) stepSaving() {
	w.Saving = map[string]*widget.Label{}
	rows := container.NewVBox()
	for _, c := range w.plan.Candidates {
		if !c.Selected {
			continue
		}
		l := wrapped(tr("wizard.saving.waiting", "waiting"))
		w.Saving[c.ID] = l
		rows.Add(container.NewBorder(nil, nil, widget.NewLabelWithStyle(c.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, l))
	}
	w.Next = widget.NewButtonWithIcon(tr("wizard.saving.next", "Check it works"), theme.NavigateNextIcon(), w.stepVerify)
	w.Next.Importance = widget.HighImportance
	w.Next.Disable()
	w.Cancel = widget.NewButton(tr("dialog.close", "Close"), w.close)
	w.Cancel.Disable()
	w.show(4, tr("wizard.saving.title", "Saving"), container.NewVScroll(rows), w.Next, w.Cancel, w.Next)

	k, plan := w.m.keeper, w.plan
	w.life.Go(func(ctx context.Context) func() {
		res, err := k.Apply(ctx, plan, func(p keeper.Progress) {
			w.life.Do(func() { w.setProgress(p) })
		})
		handed := w.handOver(ctx, err)
		return func() {
			w.Cancel.Enable()
			if err != nil {
				w.m.showError(err)
				return
			}
			w.saved = res.Pages
			for _, o := range res.Pages {
				w.setProgress(keeper.Progress{PageID: o.PageID, PageName: o.PageName, Step: o.Step, Err: o.Err})
			}
			w.showHandOver(handed)
			if ids := w.savedIDs(); len(ids) > 0 && w.m.scheduled {
				// Renewed or new: check them at once, so the table is current.
				k.RequestCheck(ids...)
			}
			if len(w.savedIDs()) > 0 {
				w.Next.Enable()
			} else {
				w.def = w.Cancel
			}
			select {
			case w.stepDone <- 40:
			default:
			}
		}
	})
}

func (w *Wizard) setProgress(p keeper.Progress) {
	l, ok := w.Saving[p.PageID]
	if !ok {
		l = wrapped("")
		w.Saving[p.PageID] = l
	}
	switch p.Step {
	case keeper.StepSubscribed:
		l.SetText(tr("wizard.saving.subscribed", "webhooks subscribed…"))
	case keeper.StepVerified:
		l.SetText(tr("wizard.saving.verified", "webhooks subscribed, verified…"))
	case keeper.StepSaved:
		l.SetText(tr("wizard.saving.saved", "token stored, webhooks subscribed, verified"))
		l.Importance = widget.SuccessImportance
	case keeper.StepDisconnected:
		l.SetText(tr("wizard.saving.disconnected", "disconnected"))
	case keeper.StepFailed:
		msg := ""
		if p.Err != nil {
			msg = errorText(p.Err)
		}
		l.SetText(tr("wizard.saving.failed", "not saved: {{.Why}}", map[string]any{"Why": msg}))
		l.Importance = widget.DangerImportance
	}
	l.Refresh()
}

func (w *Wizard) savedIDs() []string {
	var ids []string
	for _, o := range w.saved {
		if o.Step == keeper.StepSaved {
			ids = append(ids, o.PageID)
		}
	}
	return ids
}

// Step 5: do messages flow in, and can a reply go out? Each Page chosen
// starts afresh (nothing said about another Page stays), and "Check
// again" asks once more after the owner sent a message.
func (w *Wizard) stepVerify() {
	names := map[string]string{}
	var options []string
	for _, o := range w.saved {
		if o.Step == keeper.StepSaved {
			names[o.PageName] = o.PageID
			options = append(options, o.PageName)
		}
	}
	w.FlowInfo = wrapped("")
	w.Reply = w.m.newMultiLineEntry()
	w.Reply.SetText(tr("wizard.verify.default_reply", "Hello! This is a test reply from our team, checking that our Messenger connection works."))
	w.ReplyCount = widget.NewLabel("")
	w.SendResult = wrapped("")
	var target *keeper.Customer
	var pageID string
	w.Send = widget.NewButtonWithIcon(tr("wizard.verify.send", "Send test reply"), theme.MailSendIcon(), func() {
		if target == nil {
			return
		}
		w.Send.Disable()
		psid, msg, k, sentFor := target.PSID, w.Reply.Text, w.m.keeper, pageID
		w.life.Go(func(ctx context.Context) func() {
			_, err := k.SendTestReply(ctx, sentFor, psid, msg, keeper.OSActor())
			return func() {
				if sentFor != pageID {
					return // another Page was chosen meanwhile: this answer is not about it
				}
				w.Send.Enable()
				if err != nil {
					w.SendResult.SetText(tr("wizard.verify.send_failed", "The reply did not go out: {{.Why}}", map[string]any{"Why": errorText(err)}))
					w.SendResult.Importance = widget.DangerImportance
				} else {
					w.SendResult.SetText(tr("wizard.verify.sent", "Facebook accepted the reply: replies flow out. Check it arrived in Messenger."))
					w.SendResult.Importance = widget.SuccessImportance
				}
				w.SendResult.Refresh()
			}
		})
	})
	w.Reply.OnChanged = func(s string) {
		n := utf8.RuneCountInString(s)
		w.ReplyCount.SetText(fmt.Sprintf("%d / %d", n, keeper.MaxReplyLength))
		setEnabled(w.Send, n <= keeper.MaxReplyLength && n > 0 && target != nil)
	}
	replyBox := container.NewVBox(w.Reply, container.NewBorder(nil, nil, w.ReplyCount, w.Send), w.SendResult)
	replyBox.Hide()
	e2e := w.newEndToEnd()
	check := func() {
		target = nil
		replyBox.Hide()
		w.SendResult.SetText("")
		w.FlowInfo.SetText(tr("wizard.verify.checking", "Reading the latest conversations…"))
		w.CheckAgain.Disable()
		k, asked := w.m.keeper, pageID
		w.life.Go(func(ctx context.Context) func() {
			fc, err := k.CheckMessagesFlow(ctx, asked)
			return func() {
				if asked != pageID {
					return // another Page was chosen meanwhile
				}
				w.CheckAgain.Enable()
				if err != nil {
					w.FlowInfo.SetText(errorText(err))
					return
				}
				var lines []string
				if !fc.LatestMessage.IsZero() {
					lines = append(lines, tr("wizard.verify.latest", "Messages come in: the latest conversation changed {{.When}}.",
						map[string]any{"When": relativeTime(fc.LatestMessage, w.m.cfg.Now())}))
				}
				if fc.Reply != nil {
					target = fc.Reply
					lines = append(lines, tr("wizard.verify.window", "You can reply to {{.Name}} for another {{.Left}} (Facebook allows replies within 24 hours of the customer's last message).",
						map[string]any{"Name": fc.Reply.Name, "Left": durationWords(fc.WindowLeft)}))
					replyBox.Show()
					w.Reply.OnChanged(w.Reply.Text)
				}
				if !fc.Advice.IsZero() {
					lines = append(lines, text(fc.Advice))
				}
				w.FlowInfo.SetText(strings.Join(lines, "\n"))
			}
		})
	}
	w.CheckAgain = widget.NewButtonWithIcon(tr("wizard.verify.again", "Check again"), theme.ViewRefreshIcon(), check)
	w.FlowPage = widget.NewSelect(options, func(name string) {
		pageID = names[name]
		e2e.setPage(pageID)
		check()
	})
	done := widget.NewButtonWithIcon(tr("wizard.verify.done", "Done"), theme.ConfirmIcon(), w.close)
	done.Importance = widget.HighImportance
	content := container.NewVBox(
		wrapped(tr("wizard.verify.what", "Check that messages reach your integration and that replies go out. Choose a Page:")),
		container.NewBorder(nil, nil, nil, w.CheckAgain, w.FlowPage), w.FlowInfo, replyBox, e2e.box)
	w.show(5, tr("wizard.verify.title", "Check it works"), container.NewVScroll(content), done, done)
	if len(options) > 0 {
		w.FlowPage.SetSelected(options[0])
	}
}

// durationWords is "5 h 20 min" / "40 min".
func durationWords(d time.Duration) string {
	h, m := int(d.Hours()), int(d.Minutes())%60
	if h > 0 {
		return tr("time.hm", "{{.H}} h {{.M}} min", map[string]any{"H": h, "M": m})
	}
	return tr("time.m", "{{.M}} min", map[string]any{"M": m})
}

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

// Wizard is guided onboarding: 1 before you start, 2 log in, 3 choose
// Pages, 4 saving, 5 check it works. An account manager can walk a customer
// through it on a call; every step says what happens next. Renewing a
// connection runs the same wizard from step 2.
type Wizard struct {
	m        *MainWindow
	dialog   *dialog.CustomDialog
	body     *fyne.Container
	stepName *widget.Label
	// life is the wizard's bridge: closing the wizard cancels its login
	// (freeing the callback port at once) and whatever else it runs.
	life *bridge

	renew    bool
	authType string
	plan     *keeper.Plan
	saved    []keeper.Outcome

	// Widgets of the current step, exposed for tests.
	Business   *widget.Check
	Next       *widget.Button
	Cancel     *widget.Button
	Waiting    *widget.Label
	Link       *widget.Entry
	CopyLink   *widget.Button
	Problem    *widget.Label
	PageChecks map[string]*widget.Check
	Presets    map[string]*widget.Select
	MissingOut map[string]*widget.Button // "Disconnect it" per missing Page
	Progress   map[string]*widget.Label
	FlowPage   *widget.Select
	FlowInfo   *widget.Label
	Reply      *widget.Entry
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

// openWizard shows the wizard over the main window.
func (m *MainWindow) openWizard(renew bool, authType string) *Wizard {
	w := &Wizard{m: m, renew: renew, authType: authType, stepDone: make(chan int, 32)}
	w.stepName = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	w.body = container.NewStack()
	content := container.NewBorder(container.NewVBox(w.stepName, widget.NewSeparator()), nil, nil, nil, w.body)
	w.dialog = dialog.NewCustomWithoutButtons(tr("wizard.title", "Connect Facebook Pages"), content, m.Window)
	w.dialog.Resize(fyne.NewSize(860, 600))

	m.wizard = w
	w.life = m.present(w.dialog, m.reload)
	if renew {
		w.stepLogin()
	} else {
		w.stepIntro()
	}
	return w
}

func (w *Wizard) show(step int, title string, content fyne.CanvasObject, buttons ...fyne.CanvasObject) {
	w.stepName.SetText(tr("wizard.step", "Step {{.N}} of 5 · {{.Title}}", map[string]any{"N": step, "Title": title}))
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

// Step 1: what you need, and the warning about Facebook's dialog.
func (w *Wizard) stepIntro() {
	w.Business = widget.NewCheck(tr("wizard.intro.business", "Also find Pages my business owns in Meta Business Suite"), nil)
	w.Business.SetChecked(w.m.keeper.Settings().BusinessPages)
	warn := wrapped(tr("wizard.intro.warning", "In Facebook's window, keep every Page you want here selected. A Page you untick there is disconnected from your integration."))
	warn.Importance = widget.WarningImportance
	content := container.NewVBox(
		wrapped(tr("wizard.intro.what", "Pagekeeper will open Facebook in your browser. You log in there and choose the Pages; Facebook then sends you back here.")),
		widget.NewLabelWithStyle(tr("empty.need.title", "Before you start, make sure that:"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		checkItem(tr("empty.need.role", "You are an admin or editor of the Page on Facebook.")),
		checkItem(tr("empty.need.published", "The Page is published.")),
		checkItem(tr("empty.need.account", "Your browser is logged in to the Facebook account that manages the Page.")),
		container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), nil, warn),
		w.Business,
	)
	w.Cancel = widget.NewButton(tr("dialog.cancel", "Cancel"), w.close)
	w.Next = widget.NewButtonWithIcon(tr("wizard.intro.login", "Log in with Facebook"), theme.NavigateNextIcon(), w.stepLogin)
	w.Next.Importance = widget.HighImportance
	w.show(1, tr("wizard.intro.title", "Before you start"), content, w.Cancel, w.Next)
}

// Step 2: the login in the owner's browser.
func (w *Wizard) stepLogin() {
	business := w.Business != nil && w.Business.Checked
	w.Waiting = wrapped(tr("wizard.login.waiting", "Waiting for Facebook in your browser… Log in there, keep your Pages selected and press Continue."))
	w.Link = widget.NewEntry()
	w.Link.Disable()
	w.CopyLink = widget.NewButtonWithIcon(tr("wizard.login.copy", "Copy link"), theme.ContentCopyIcon(), func() {
		fyne.CurrentApp().Clipboard().SetContent(w.Link.Text)
	})
	linkHelp := wrapped(tr("wizard.login.nobrowser", "Did the browser not open? Copy this link and open it in a browser on this computer:"))
	// The link is always offered: a browser that "opened" may be on the
	// wrong screen or profile, and an account manager may need to send it.
	linkBox := container.NewVBox(linkHelp, container.NewBorder(nil, nil, nil, w.CopyLink, w.Link))
	w.Problem = wrapped("")
	w.Problem.Importance = widget.DangerImportance
	w.Problem.Hide()
	// Closing the wizard (Cancel, Escape) ends the login and frees its port.
	w.Cancel = widget.NewButton(tr("dialog.cancel", "Cancel"), w.close)
	content := container.NewVBox(w.Waiting, widget.NewProgressBarInfinite(), linkBox, w.Problem)
	w.show(2, tr("wizard.login.title", "Log in with Facebook"), content, w.Cancel)

	k := w.m.keeper
	w.life.Go(func(ctx context.Context) func() {
		s, err := k.StartLogin(ctx, w.authType, business)
		if err != nil {
			return func() { w.loginFailed(err) }
		}
		w.life.Do(func() { w.Link.SetText(s.URL()) })
		w.life.Go(func(context.Context) func() {
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
			plan.Renew = w.renew
			w.plan = plan
			w.stepChoose()
		}
	})
}

// loginFailed explains how the login ended and offers to try again.
func (w *Wizard) loginFailed(err error) {
	if errors.Is(err, context.Canceled) { // the wizard was closed
		return
	}
	msg := errorText(err) // cancelled, timed out, no App ID or Secret: keeper words each
	w.Waiting.SetText(tr("wizard.login.ended", "The login did not finish."))
	w.Problem.SetText(msg)
	w.Problem.Show()
	retry := widget.NewButtonWithIcon(tr("problem.retry", "Try again"), theme.ViewRefreshIcon(), w.stepLogin)
	retry.Importance = widget.HighImportance
	w.Cancel = widget.NewButton(tr("dialog.close", "Close"), w.close)
	w.show(2, tr("wizard.login.title", "Log in with Facebook"), w.body.Objects[0].(*fyne.Container).Objects[0], w.Cancel, retry)
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
	for _, miss := range w.plan.Missing {
		id := miss.ID
		warn := wrapped(text(miss.Warning))
		warn.Importance = widget.WarningImportance
		again := widget.NewButtonWithIcon(tr("wizard.missing.again", "Log in again and select it"), theme.LoginIcon(), w.stepLogin)
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
	intro := wrapped(tr("wizard.choose.what", "Tick the Pages Pagekeeper should keep connected. Pages that cannot be connected say why."))
	w.Cancel = widget.NewButton(tr("dialog.cancel", "Cancel"), w.close)
	w.Next = widget.NewButtonWithIcon(tr("wizard.choose.save", "Save"), theme.DocumentSaveIcon(), w.stepSaving)
	w.Next.Importance = widget.HighImportance
	w.refreshSave()
	w.show(3, tr("wizard.choose.title", "Choose Pages"), container.NewBorder(intro, nil, nil, nil, container.NewVScroll(list)), w.Cancel, w.Next)
}

// toggle ticks or unticks a Page; unticking a connected one asks first.
func (w *Wizard) toggle(id string, on bool) {
	warning, err := w.plan.Select(id, on)
	if err != nil {
		w.m.showError(err)
		return
	}
	if warning != nil {
		d := dialog.NewConfirm(tr("wizard.untick.title", "Stop connecting {{.Name}}?", map[string]any{"Name": warning.PageName}),
			text(warning.Text), func(ok bool) {
				if ok {
					_ = w.plan.ConfirmDisconnect(id)
				} else {
					_, _ = w.plan.Select(id, true)
					w.PageChecks[id].SetChecked(true)
				}
				w.refreshSave()
			}, w.m.Window)
		d.SetConfirmText(tr("wizard.untick.confirm", "Disconnect it"))
		d.SetDismissText(tr("wizard.untick.keep", "Keep it connected"))
		d.SetConfirmImportance(widget.DangerImportance)
		w.m.present(d, nil)
	}
	w.refreshSave()
}

func (w *Wizard) refreshSave() {
	if w.Next == nil {
		return
	}
	if len(w.plan.Unconfirmed()) > 0 {
		w.Next.Disable()
	} else {
		w.Next.Enable()
	}
}

// Step 4: saving, with progress per Page.
func (w *Wizard) stepSaving() {
	w.Progress = map[string]*widget.Label{}
	rows := container.NewVBox()
	for _, c := range w.plan.Candidates {
		if !c.Selected {
			continue
		}
		l := widget.NewLabel(tr("wizard.saving.waiting", "waiting"))
		w.Progress[c.ID] = l
		rows.Add(container.NewBorder(nil, nil, widget.NewLabelWithStyle(c.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, l))
	}
	w.Next = widget.NewButtonWithIcon(tr("wizard.saving.next", "Check it works"), theme.NavigateNextIcon(), w.stepVerify)
	w.Next.Importance = widget.HighImportance
	w.Next.Disable()
	w.Cancel = widget.NewButton(tr("dialog.close", "Close"), w.close)
	w.Cancel.Disable()
	w.show(4, tr("wizard.saving.title", "Saving"), container.NewVScroll(rows), w.Cancel, w.Next)

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
			}
			select {
			case w.stepDone <- 40:
			default:
			}
		}
	})
}

func (w *Wizard) setProgress(p keeper.Progress) {
	l, ok := w.Progress[p.PageID]
	if !ok {
		l = widget.NewLabel("")
		w.Progress[p.PageID] = l
	}
	switch p.Step {
	case keeper.StepSubscribed:
		l.SetText(tr("wizard.saving.subscribed", "webhooks subscribed…"))
	case keeper.StepVerified:
		l.SetText(tr("wizard.saving.verified", "webhooks subscribed, verified…"))
	case keeper.StepSaved:
		l.SetText(tr("wizard.saving.saved", "✓ token stored, webhooks subscribed, verified"))
		l.Importance = widget.SuccessImportance
	case keeper.StepDisconnected:
		l.SetText(tr("wizard.saving.disconnected", "disconnected"))
	case keeper.StepFailed:
		msg := ""
		if p.Err != nil {
			msg = errorText(p.Err)
		}
		l.SetText(tr("wizard.saving.failed", "✗ not saved: {{.Why}}", map[string]any{"Why": msg}))
		l.Importance = widget.DangerImportance
		l.Wrapping = fyne.TextWrapWord
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

// Step 5: do messages flow in, and can a reply go out?
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
	w.Reply = widget.NewMultiLineEntry()
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
		id, psid, text, k := pageID, target.PSID, w.Reply.Text, w.m.keeper
		w.life.Go(func(ctx context.Context) func() {
			_, err := k.SendTestReply(ctx, id, psid, text, keeper.OSActor())
			return func() {
				w.Send.Enable()
				if err != nil {
					msg := errorText(err)
					w.SendResult.SetText(tr("wizard.verify.send_failed", "The reply did not go out: {{.Why}}", map[string]any{"Why": msg}))
					w.SendResult.Importance = widget.DangerImportance
				} else {
					w.SendResult.SetText(tr("wizard.verify.sent", "✓ Facebook accepted the reply: replies flow out. Check it arrived in Messenger."))
					w.SendResult.Importance = widget.SuccessImportance
				}
				w.SendResult.Refresh()
			}
		})
	})
	w.Reply.OnChanged = func(s string) {
		n := utf8.RuneCountInString(s)
		w.ReplyCount.SetText(fmt.Sprintf("%d / %d", n, keeper.MaxReplyLength))
		if n > keeper.MaxReplyLength || n == 0 || target == nil {
			w.Send.Disable()
		} else {
			w.Send.Enable()
		}
	}
	replyBox := container.NewVBox(w.Reply, container.NewBorder(nil, nil, w.ReplyCount, w.Send), w.SendResult)
	replyBox.Hide()
	e2e := w.newEndToEnd()
	w.FlowPage = widget.NewSelect(options, func(name string) {
		pageID = names[name]
		e2e.setPage(pageID)
		target = nil
		replyBox.Hide()
		w.FlowInfo.SetText(tr("wizard.verify.checking", "Reading the latest conversations…"))
		k, id := w.m.keeper, pageID // pageID changes with the next choice
		w.life.Go(func(ctx context.Context) func() {
			fc, err := k.CheckMessagesFlow(ctx, id)
			return func() {
				if err != nil {
					w.FlowInfo.SetText(errorText(err))
					return
				}
				var lines []string
				if !fc.LatestMessage.IsZero() {
					lines = append(lines, tr("wizard.verify.latest", "✓ Messages come in: the latest conversation changed {{.When}}.",
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
	})
	done := widget.NewButtonWithIcon(tr("wizard.verify.done", "Done"), theme.ConfirmIcon(), w.close)
	done.Importance = widget.HighImportance
	content := container.NewVBox(
		wrapped(tr("wizard.verify.what", "Check that messages reach your integration and that replies go out. Choose a Page:")),
		w.FlowPage, w.FlowInfo, replyBox, e2e.box)
	w.show(5, tr("wizard.verify.title", "Check it works"), container.NewVScroll(content), done)
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

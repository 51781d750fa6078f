package ui

import (
	"context"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/pagekeeper/pagekeeper/keeper"
)

// The window's parts about the business's Messenger integrations: the
// Integrations tab of Settings, "Messages go to…" for a Page (its row, its
// log, the wizard's choose step) and the wizard's end-to-end check. Kept
// here so that the screens they sit in change little.

// IntegrationsView is the Integrations tab of Settings; fields are exposed for tests.
type IntegrationsView struct {
	// List holds one card per integration; Rows its widgets by name.
	List *fyne.Container
	Rows map[string]*IntegrationRow
	// The form that adds one.
	Name, URL, Recipient, Secret *widget.Entry
	Generate, Add                *widget.Button
	// NewSecret shows a generated secret (once) for the person to copy.
	NewSecret *widget.Entry
	Problem   *widget.Label
	// Loaded receives after every refresh of the list (tests wait on it).
	Loaded chan struct{}
	// shown is called after the list was shown again (Settings lists the
	// integrations among the alert channels).
	shown   func()
	content fyne.CanvasObject
}

// IntegrationRow is one integration in the list.
type IntegrationRow struct {
	State                        *widget.Label
	Test, Change, Secret, Remove *widget.Button
}

// integrationsTab builds the tab; life is the Settings dialog's bridge
// (known once the dialog shows).
func (m *MainWindow) integrationsTab(life func() *bridge) *IntegrationsView {
	v := &IntegrationsView{Rows: map[string]*IntegrationRow{}, List: container.NewVBox(), Loaded: make(chan struct{}, 16)}
	v.Name = widget.NewEntry()
	v.Name.SetPlaceHolder(tr("integrations.name_placeholder", "Support Bot"))
	v.URL = widget.NewEntry()
	v.URL.SetPlaceHolder("https://bot.example.com/pagekeeper")
	v.Recipient = widget.NewEntry()
	v.Recipient.SetPlaceHolder(tr("integrations.recipient_placeholder", "its public key: age1…"))
	v.Secret = widget.NewPasswordEntry()
	v.Secret.SetPlaceHolder(tr("integrations.secret_placeholder", "whsec_…; never shown again"))
	v.NewSecret = widget.NewEntry()
	v.NewSecret.Hide()
	v.Problem = wrapped("")
	v.Problem.Importance = widget.DangerImportance
	v.Generate = widget.NewButtonWithIcon(tr("integrations.generate", "Make a new secret"), theme.ViewRefreshIcon(), func() {
		s := keeper.NewIntegrationSecret()
		v.Secret.SetText(s.Reveal())
		// Shown once, to copy into the integration's settings.
		v.NewSecret.SetText(s.Reveal())
		v.NewSecret.Show()
	})
	v.Add = widget.NewButtonWithIcon(tr("integrations.add", "Add integration"), theme.ContentAddIcon(), func() {
		setup := keeper.IntegrationSetup{Name: v.Name.Text, URL: v.URL.Text, Recipient: v.Recipient.Text, Secret: keeper.NewSecret(v.Secret.Text)}
		k := m.keeper
		v.Add.Disable()
		life().Go(func(ctx context.Context) func() {
			err := k.AddIntegration(ctx, setup, keeper.OSActor())
			return func() {
				v.Add.Enable()
				if err != nil {
					v.Problem.SetText(errorText(err))
					return
				}
				v.Problem.SetText("")
				for _, e := range []*widget.Entry{v.Name, v.URL, v.Recipient, v.Secret, v.NewSecret} {
					e.SetText("")
				}
				v.NewSecret.Hide()
				m.refreshIntegrations(v, life())
				m.reload()
			}
		})
	})
	v.Add.Importance = widget.HighImportance
	intro := wrapped(tr("integrations.what", "An integration is the server that answers your customers (a bot, an agent inbox, your own service). Pagekeeper hands it each Page's token, sealed to its public key, and tells it when something changes. The first one added receives new Pages."))
	form := widget.NewForm(
		widget.NewFormItem(tr("integrations.name", "Name"), v.Name),
		widget.NewFormItem(tr("integrations.url", "Address"), v.URL),
		widget.NewFormItem(tr("integrations.recipient", "Public key"), v.Recipient),
		widget.NewFormItem(tr("integrations.secret", "Signing secret"), container.NewBorder(nil, nil, nil, v.Generate, v.Secret)),
		widget.NewFormItem("", v.NewSecret),
	)
	v.content = container.NewVScroll(container.NewVBox(intro, v.List, widget.NewSeparator(),
		widget.NewLabelWithStyle(tr("integrations.add_title", "Add an integration"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		form, container.NewBorder(nil, nil, nil, v.Add), v.Problem))
	return v
}

// refreshIntegrations reads the list again and shows it.
func (m *MainWindow) refreshIntegrations(v *IntegrationsView, life *bridge) {
	k := m.keeper
	life.Go(func(ctx context.Context) func() {
		list, err := k.Integrations(ctx)
		return func() {
			defer func() {
				select {
				case v.Loaded <- struct{}{}:
				default:
				}
			}()
			if err != nil {
				v.Problem.SetText(errorText(err))
				return
			}
			v.showList(m, life, list)
			if v.shown != nil {
				v.shown()
			}
		}
	})
}

func (v *IntegrationsView) showList(m *MainWindow, life *bridge, list []keeper.IntegrationInfo) {
	v.List.RemoveAll()
	v.Rows = map[string]*IntegrationRow{}
	if len(list) == 0 {
		none := wrapped(tr("integrations.none", "No integration is set up: Pagekeeper keeps the Pages connected to Facebook, but no integration receives their messages."))
		none.Importance = widget.WarningImportance
		v.List.Add(none)
		return
	}
	now := m.cfg.Now()
	var others []string
	for _, in := range list {
		if !in.Removing {
			others = append(others, in.Name)
		}
	}
	for _, in := range list {
		name := in.Name
		r := &IntegrationRow{State: wrapped(text(in.State(now)))}
		if in.Removing || !in.HasSecret || !in.FailingSince.IsZero() {
			r.State.Importance = widget.WarningImportance
		}
		r.Test = widget.NewButtonWithIcon(tr("integrations.test", "Test"), theme.MailSendIcon(), func() { m.testIntegration(v, life, name) })
		r.Change = widget.NewButtonWithIcon(tr("integrations.change", "Change…"), theme.DocumentCreateIcon(), func() { m.changeIntegration(v, life, in) })
		r.Secret = widget.NewButtonWithIcon(tr("integrations.set_secret", "Signing secret…"), theme.AccountIcon(), func() { m.askSecret(v, life, name) })
		r.Remove = widget.NewButtonWithIcon(tr("integrations.remove", "Remove…"), theme.DeleteIcon(), func() {
			m.confirmRemove(v, life, in, slices.DeleteFunc(slices.Clone(others), func(o string) bool { return o == name }))
		})
		if in.Removing || in.Sandbox {
			r.Change.Disable()
			r.Secret.Disable()
			r.Remove.Disable()
		}
		title := name
		if in.Default {
			title = tr("integrations.default", "{{.Name}} (new Pages go here)", map[string]any{"Name": name})
		}
		pages := tr("integrations.pages", "Pages: {{.List}}", map[string]any{"List": listOrDash(in.Pages)})
		v.Rows[name] = r
		v.List.Add(widget.NewCard(title, in.URL, container.NewVBox(r.State, wrapped(pages),
			container.NewHBox(r.Test, r.Change, r.Secret, r.Remove))))
	}
}

func (m *MainWindow) testIntegration(v *IntegrationsView, life *bridge, name string) {
	k := m.keeper
	v.Problem.Importance = widget.MediumImportance
	v.Problem.SetText(tr("integrations.testing", "Sending a test event to {{.Name}}…", map[string]any{"Name": name}))
	life.Go(func(ctx context.Context) func() {
		err := k.TestIntegration(ctx, name, keeper.OSActor())
		return func() {
			if err != nil {
				v.Problem.Importance = widget.DangerImportance
				v.Problem.SetText(errorText(err))
				return
			}
			v.Problem.Importance = widget.SuccessImportance
			v.Problem.SetText(tr("integrations.test_ok", "{{.Name}} received the test event.", map[string]any{"Name": name}))
		}
	})
}

// changeIntegration changes an integration's address or public key.
func (m *MainWindow) changeIntegration(v *IntegrationsView, life *bridge, in keeper.IntegrationInfo) {
	url, recipient := widget.NewEntry(), widget.NewEntry()
	url.SetText(in.URL)
	recipient.SetText(in.Recipient)
	d := dialog.NewForm(tr("integrations.change_title", "Change {{.Name}}", map[string]any{"Name": in.Name}),
		tr("integrations.save", "Save"), tr("dialog.cancel", "Cancel"),
		[]*widget.FormItem{widget.NewFormItem(tr("integrations.url", "Address"), url),
			widget.NewFormItem(tr("integrations.recipient", "Public key"), recipient)}, func(ok bool) {
			if !ok {
				return
			}
			k, setup := m.keeper, keeper.IntegrationSetup{Name: in.Name, URL: url.Text, Recipient: recipient.Text}
			m.applyIntegrationChange(v, life, func(ctx context.Context) error {
				return k.UpdateIntegration(ctx, setup, keeper.OSActor())
			})
		}, m.Window)
	d.Resize(fyne.NewSize(620, 240))
	m.present(d, nil)
}

// applyIntegrationChange runs change off the UI goroutine, then shows the list
// as it is now, or what went wrong.
func (m *MainWindow) applyIntegrationChange(v *IntegrationsView, life *bridge, change func(context.Context) error) {
	life.Go(func(ctx context.Context) func() {
		err := change(ctx)
		return func() {
			if err != nil {
				v.Problem.Importance = widget.DangerImportance
				v.Problem.SetText(errorText(err))
				return
			}
			m.refreshIntegrations(v, life)
			m.reload()
		}
	})
}

// askSecret takes a new signing secret for an integration (one IT preset
// without it, or a new one).
func (m *MainWindow) askSecret(v *IntegrationsView, life *bridge, name string) {
	entry := widget.NewPasswordEntry()
	entry.SetPlaceHolder("whsec_…")
	d := dialog.NewForm(tr("integrations.secret_title", "Signing secret of {{.Name}}", map[string]any{"Name": name}),
		tr("integrations.save", "Save"), tr("dialog.cancel", "Cancel"),
		[]*widget.FormItem{widget.NewFormItem(tr("integrations.secret", "Signing secret"), entry)}, func(ok bool) {
			if !ok {
				return
			}
			k, sec := m.keeper, keeper.NewSecret(entry.Text)
			m.applyIntegrationChange(v, life, func(ctx context.Context) error {
				return k.SetIntegrationSecret(ctx, name, sec, keeper.OSActor())
			})
		}, m.Window)
	d.Resize(fyne.NewSize(520, 200))
	m.present(d, nil)
}

// confirmRemove removes an integration; while it receives Pages, the
// person chooses where their messages go first.
func (m *MainWindow) confirmRemove(v *IntegrationsView, life *bridge, in keeper.IntegrationInfo, others []string) {
	nowhere := tr("integrations.nowhere", "No integration")
	choice := widget.NewSelect(append(slices.Clone(others), nowhere), nil)
	choice.SetSelectedIndex(0)
	body := container.NewVBox(wrapped(tr("integrations.remove_what", "{{.Name}} is told to forget each Page it has, then removed with its signing secret.", map[string]any{"Name": in.Name})))
	if len(in.Pages) > 0 {
		body.Add(wrapped(tr("integrations.remove_pages", "It receives the messages of {{.List}}. Their messages go to:", map[string]any{"List": strings.Join(in.Pages, ", ")})))
		body.Add(choice)
	}
	d := dialog.NewCustomConfirm(tr("integrations.remove_title", "Remove {{.Name}}?", map[string]any{"Name": in.Name}),
		tr("integrations.remove_confirm", "Remove"), tr("dialog.cancel", "Cancel"), body, func(ok bool) {
			if !ok {
				return
			}
			opts := keeper.RemoveOptions{MoveTo: choice.Selected}
			if len(in.Pages) == 0 || choice.Selected == nowhere {
				opts.MoveTo = keeper.NoIntegration
			}
			k := m.keeper
			life.Go(func(ctx context.Context) func() {
				err := k.RemoveIntegration(ctx, in.Name, opts, keeper.OSActor())
				return func() {
					if err != nil {
						v.Problem.Importance = widget.DangerImportance
						v.Problem.SetText(errorText(err))
					}
					m.refreshIntegrations(v, life)
					m.reload()
				}
			})
		}, m.Window)
	d.SetConfirmImportance(widget.DangerImportance)
	m.present(d, nil)
}

// destinationChoices are the names a Page's messages may go to, with "No
// integration" last, and the label of the current one.
func destinationChoices(k *keeper.Keeper, current string) (options []string, selected string) {
	nowhere := tr("integrations.nowhere", "No integration")
	options = append(k.IntegrationNames(), nowhere)
	selected = nowhere
	if current != "" && slices.Contains(options, current) {
		selected = current
	}
	return options, selected
}

// DestinationDialog is the "Messages go to…" dialog; fields are exposed for tests.
type DestinationDialog struct {
	Choice *widget.Select
	Done   chan error // receives the outcome of Save
	dialog dialog.Dialog
}

// showDestination asks where a Page's messages go.
func (m *MainWindow) showDestination(pageID, pageName, current string) *DestinationDialog {
	var dd *DestinationDialog
	m.whenOpen(func() {
		k := m.keeper
		options, selected := destinationChoices(k, current)
		dd = &DestinationDialog{Choice: widget.NewSelect(options, nil), Done: make(chan error, 1)}
		dd.Choice.SetSelected(selected)
		what := wrapped(tr("destination.what", "The integration chosen is handed the Page's token; the one before is told to forget it."))
		d := dialog.NewCustomConfirm(tr("destination.title", "Where do {{.Name}}'s messages go?", map[string]any{"Name": pageName}),
			tr("integrations.save", "Save"), tr("dialog.cancel", "Cancel"), container.NewVBox(what, dd.Choice), func(ok bool) {
				if !ok || dd.Choice.Selected == selected {
					return
				}
				name := dd.Choice.Selected
				if dd.Choice.SelectedIndex() == len(options)-1 {
					name = keeper.NoIntegration
				}
				m.life.Go(func(ctx context.Context) func() {
					err := k.SetPageIntegration(ctx, pageID, name, keeper.OSActor())
					return func() {
						dd.Done <- err
						if err != nil {
							m.showError(err)
						}
						m.reload()
					}
				})
			}, m.Window)
		dd.dialog = d
		m.present(d, nil)
	})
	return dd
}

// messagesGoTo is the wizard's "Messages go to" choice for a Page: its
// integration and the webhook preset (sel).
func (w *Wizard) messagesGoTo(c keeper.Candidate, preset *widget.Select) fyne.CanvasObject {
	label := widget.NewLabel(tr("wizard.choose.preset", "Messages go to:"))
	k := w.m.keeper
	if len(k.IntegrationNames()) == 0 {
		none := widget.NewLabel(tr("wizard.choose.no_integration", "no integration yet"))
		none.Importance = widget.WarningImportance
		return container.NewCenter(container.NewHBox(label, none, preset))
	}
	options, selected := destinationChoices(k, c.Integration)
	id := c.ID
	sel := widget.NewSelect(options, nil)
	sel.SetSelected(selected)
	sel.OnChanged = func(string) {
		name := sel.Selected
		if sel.SelectedIndex() == len(options)-1 {
			name = keeper.NoIntegration
		}
		if err := k.SetIntegration(w.plan, id, name); err != nil {
			w.m.showError(err)
		}
	}
	if w.Destinations == nil {
		w.Destinations = map[string]*widget.Select{}
	}
	w.Destinations[id] = sel
	return container.NewCenter(container.NewHBox(label, sel, widget.NewLabel(tr("wizard.choose.as", "as")), preset))
}

// endToEnd is the wizard's check that a customer's message reaches the
// Page's integration and its reply reaches the customer.
type endToEnd struct {
	w      *Wizard
	box    *fyne.Container
	pageID string
}

func (w *Wizard) newEndToEnd() *endToEnd {
	e := &endToEnd{w: w, box: container.NewVBox()}
	w.E2EResult = wrapped("")
	label := tr("wizard.verify.e2e_real", "I sent a message to the Page: check")
	if w.m.keeper.InSandbox() {
		label = tr("wizard.verify.e2e_sandbox", "Send a test message as a customer")
	}
	w.E2EButton = widget.NewButtonWithIcon(label, theme.MailSendIcon(), e.run)
	w.E2EButton.Importance = widget.HighImportance
	e.box.Add(widget.NewSeparator())
	e.box.Add(widget.NewLabelWithStyle(tr("wizard.verify.e2e_title", "Does a customer's message reach your integration, and its reply the customer?"),
		fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	if !w.m.keeper.InSandbox() {
		e.box.Add(wrapped(tr("wizard.verify.e2e_how", "Send the Page a message from a personal Facebook account (the m.me link opens Messenger), then press the button.")))
	}
	e.box.Add(container.NewHBox(w.E2EButton))
	e.box.Add(w.E2EResult)
	return e
}

// setPage checks the Page chosen in the step.
func (e *endToEnd) setPage(pageID string) {
	e.pageID = pageID
	e.w.E2EResult.SetText("")
}

// run sends the test message (in the sandbox) and reads, every second for
// up to a minute, whether it reached the integration and the reply the customer.
func (e *endToEnd) run() {
	w, pageID, k := e.w, e.pageID, e.w.m.keeper
	if pageID == "" {
		return
	}
	w.E2EButton.Disable()
	w.E2EResult.Importance = widget.MediumImportance
	w.E2EResult.SetText(tr("wizard.verify.e2e_waiting", "Waiting for the message and the reply…"))
	sandbox := k.InSandbox()
	w.life.Go(func(ctx context.Context) func() {
		since := time.Now().Add(-2 * time.Minute) // the person wrote just before pressing
		if sandbox {
			at, err := k.SandboxCustomerMessage(ctx, pageID, tr("wizard.verify.e2e_message", "Hello! Is anyone there? (a test from Pagekeeper)"))
			if err != nil {
				return func() { w.E2EButton.Enable(); w.E2EResult.SetText(errorText(err)) }
			}
			since = at
		}
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		deadline := time.After(time.Minute)
		var last keeper.EndToEnd
		for {
			res, err := k.CheckEndToEnd(ctx, pageID, since)
			if err != nil {
				return func() { w.E2EButton.Enable(); w.E2EResult.SetText(errorText(err)) }
			}
			last = res
			if res.Done() || res.Integration == "" {
				break
			}
			w.life.Do(func() { w.E2EResult.SetText(text(res.Advice)) })
			select {
			case <-ctx.Done():
				return nil
			case <-deadline:
				return func() { e.show(last, false) }
			case <-tick.C:
			}
		}
		return func() { e.show(last, last.Done()) }
	})
}

func (e *endToEnd) show(r keeper.EndToEnd, done bool) {
	w := e.w
	w.E2EButton.Enable()
	var lines []string
	if r.Received {
		lines = append(lines, tr("wizard.verify.e2e_received", "The message reached {{.Name}}.", map[string]any{"Name": r.Integration}))
	}
	if done {
		lines = append(lines, tr("wizard.verify.e2e_replied", "{{.Name}}'s reply reached the customer: customers' messages are answered.", map[string]any{"Name": r.Integration}))
		w.E2EResult.Importance = widget.SuccessImportance
	} else {
		lines = append(lines, text(r.Advice))
		w.E2EResult.Importance = widget.WarningImportance
	}
	w.E2EResult.SetText(strings.Join(lines, "\n"))
	select {
	case w.stepDone <- 50:
	default:
	}
}

// integrationLine is a Page's integration state for its row and its log.
func integrationLine(s keeper.IntegrationState) (line string, problem bool) {
	return text(s.Text()), s.NeedsOwner()
}

// integrationPart is the Page log's line about its integration, with
// "Messages go to…".
func (v *PageLog) integrationPart(l keeper.PageLog, destination func()) fyne.CanvasObject {
	line, problem := integrationLine(l.Status.Integration)
	v.Integration = wrapped(line)
	if problem {
		v.Integration.Importance = widget.WarningImportance
	}
	v.Destination = widget.NewButtonWithIcon(tr("row.destination", "Messages go to…"), theme.MailForwardIcon(), destination)
	if l.Record.Status == keeper.StatusDisconnected {
		v.Destination.Disable()
	}
	return container.NewBorder(nil, nil, widget.NewIcon(theme.MailForwardIcon()), v.Destination, v.Integration)
}

// handOver delivers the tokens just saved to the Pages' integrations (for
// at most half a minute: what fails is retried in the background) and
// returns each Page's integration state, for step 4.
func (w *Wizard) handOver(ctx context.Context, applyErr error) map[string]keeper.IntegrationState {
	k := w.m.keeper
	if applyErr != nil || len(k.IntegrationNames()) == 0 {
		return nil
	}
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, _ = k.DeliverDue(dctx)
	sum, err := k.Pages(ctx)
	if err != nil {
		return nil
	}
	out := map[string]keeper.IntegrationState{}
	for _, p := range sum.Pages {
		out[p.ID] = p.Integration
	}
	return out
}

// showHandOver adds to each saved Page's progress where its messages go.
func (w *Wizard) showHandOver(states map[string]keeper.IntegrationState) {
	for _, o := range w.saved {
		s, ok := states[o.PageID]
		l := w.Saving[o.PageID]
		if !ok || o.Step != keeper.StepSaved || l == nil || s.Text().IsZero() {
			continue
		}
		line, problem := integrationLine(s)
		l.SetText(l.Text + " · " + line)
		if problem {
			l.Importance = widget.WarningImportance
		}
		l.Wrapping = fyne.TextWrapWord
		l.Refresh()
	}
}

// newRowIntegration makes a row's "Messages go to…" button and the line
// under the row saying where its messages go.
func newRowIntegration(d *Dashboard, v *pageRowView) (*destButton, *widget.Label) {
	tapped := func() {
		if d.actions.Destination != nil {
			d.actions.Destination(v.row)
		}
	}
	icon := rowIcon(theme.MailForwardIcon(), widget.MediumImportance)
	b := &destButton{words: widget.NewButtonWithIcon(tr("row.destination", "Messages go to…"), icon, tapped),
		icon: widget.NewButtonWithIcon("", icon, tapped)}
	b.box = container.New(b, b.words, b.icon)
	line := widget.NewLabel("")
	line.Truncation = fyne.TextTruncateEllipsis
	line.SizeName = theme.SizeNameCaptionText // the row's second line, as its reason
	return b, line
}

// destButton is a row's "Messages go to…": its words when the row has
// room for them, else its icon alone (the same icon starts the line that
// says where the messages go). It lays out its two buttons itself.
type destButton struct {
	words, icon *widget.Button
	box         *fyne.Container
}

func (b *destButton) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	wide := size.Width+0.5 >= b.words.MinSize().Width
	showIf(b.words, wide)
	showIf(b.icon, !wide)
	for _, o := range []*widget.Button{b.words, b.icon} {
		o.Resize(fyne.NewSize(o.MinSize().Width, size.Height))
		o.Move(fyne.NewPos(0, 0))
	}
}

func (b *destButton) MinSize([]fyne.CanvasObject) fyne.Size { return b.icon.MinSize() }

func (b *destButton) setEnabled(on bool) {
	setEnabled(b.words, on)
	setEnabled(b.icon, on)
}

// integrationLine is the row's line about its integration.
func (v *pageRowView) integrationLine() fyne.CanvasObject {
	return container.NewBorder(nil, nil, widget.NewIcon(theme.MailForwardIcon()), nil, v.integ)
}

// setIntegration shows where r's messages go (only what changed is touched).
func (v *pageRowView) setIntegration(r PageRow) {
	imp := widget.MediumImportance
	if r.IntegrationProblem {
		imp = widget.WarningImportance
	}
	if v.integ.Text != r.Integration || v.integ.Importance != imp {
		v.integ.Text, v.integ.Importance = r.Integration, imp
		v.integ.Refresh()
	}
}

package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/pagekeeper/pagekeeper/keeper"
)

// problem is one fault a trainee can rehearse in the sandbox.
type problem struct {
	fault   keeper.Fault // PageID and UserID are the chosen Page's
	label   string
	perPage bool // needs a Page (otherwise it hits the account that connected it)
}

func problems() []problem {
	return []problem{
		{fault: keeper.Fault{Kind: "password_changed"}, label: tr("simulate.password", "The Facebook password was changed")},
		{fault: keeper.Fault{Kind: "app_removed"}, label: tr("simulate.app_removed", "The app was removed from the Facebook account")},
		{fault: keeper.Fault{Kind: "role_lost"}, label: tr("simulate.role_lost", "The person lost their role on the Page"), perPage: true},
		{fault: keeper.Fault{Kind: "webhook_dropped"}, label: tr("simulate.webhook", "Facebook dropped the Page's webhook subscription"), perPage: true},
		{fault: keeper.Fault{Kind: "permission_removed", Permission: "pages_messaging"}, label: tr("simulate.permission", "The messaging permission was removed")},
		{fault: keeper.Fault{Kind: "data_access_expired"}, label: tr("simulate.data_access", "The 90-day data access expired")},
		{fault: keeper.Fault{Kind: "token_expired"}, label: tr("simulate.expired", "The token expired")},
		{fault: keeper.Fault{Kind: "checkpoint"}, label: tr("simulate.checkpoint", "Facebook locked the account (checkpoint)")},
		{fault: keeper.Fault{Kind: "throttle", Code: 4}, label: tr("simulate.throttle", "Facebook is rate-limiting (too many calls)")},
		{fault: keeper.Fault{Kind: "offline"}, label: tr("simulate.offline", "Facebook cannot be reached")},
		{fault: keeper.Fault{Kind: "reset"}, label: tr("simulate.reset", "Put everything right again (the account's Pages still need renewing if a token was invalidated)")},
	}
}

// SimulateView is the sandbox's "Simulate a problem" dialog.
type SimulateView struct {
	Problem *widget.Select
	Page    *widget.Select
	Apply   *widget.Button
	Result  *widget.Label
}

// showSimulate lets a trainee break a Page on purpose and rehearse the repair.
func (m *MainWindow) showSimulate() *SimulateView {
	k := m.keeper
	if !k.InSandbox() {
		m.showError(fmt.Errorf("%s", tr("simulate.no_sandbox", "Problems can be simulated only in the sandbox.")))
		return nil
	}
	ps := problems()
	labels := make([]string, len(ps))
	for i, p := range ps {
		labels[i] = p.label
	}
	rows := m.Dashboard.all
	var pageLabels []string
	for _, r := range rows {
		if r.Status != keeper.StatusDisconnected {
			pageLabels = append(pageLabels, r.Name)
		}
	}
	v := &SimulateView{Problem: widget.NewSelect(labels, nil), Page: widget.NewSelect(pageLabels, nil), Result: wrapped("")}
	v.Problem.SetSelectedIndex(0)
	if len(pageLabels) > 0 {
		v.Page.SetSelectedIndex(0)
	}
	var life *bridge
	v.Apply = widget.NewButton(tr("simulate.apply", "Simulate"), func() {
		f := ps[v.Problem.SelectedIndex()].fault
		for _, r := range rows {
			if r.Name == v.Page.Selected {
				f.PageID, f.UserID = r.ID, r.ConnectedBy
			}
		}
		v.Apply.Disable()
		life.Go(func(ctx context.Context) func() {
			err := k.Simulate(ctx, f)
			return func() {
				v.Apply.Enable()
				if err != nil {
					v.Result.SetText(errorText(err))
					return
				}
				v.Result.SetText(tr("simulate.done", "Done. Pagekeeper is checking the Pages now; watch the table."))
				m.checkAll()
			}
		})
	})
	v.Apply.Importance = widget.HighImportance
	form := widget.NewForm(
		widget.NewFormItem(tr("simulate.what", "Problem"), v.Problem),
		widget.NewFormItem(tr("simulate.page", "Page"), v.Page))
	intro := wrapped(tr("simulate.intro", "Break something on the pretend Facebook, then practise the repair Pagekeeper suggests. Nothing real is touched."))
	var d *dialog.CustomDialog
	d, life = m.showDialog(tr("toolbar.simulate", "Simulate a problem"), container.NewVBox(intro, form, container.NewHBox(v.Apply), v.Result), nil,
		choice{label: tr("dialog.close", "Close"), isCancel: true})
	d.Resize(m.dialogSize(680, 380))
	m.setDefault(d, func() *widget.Button { return v.Apply })
	return v
}

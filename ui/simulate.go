package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

// problem is one fault a trainee can rehearse in the sandbox.
type problem struct {
	kind    string // the pretend Facebook's fault kind (POST /_sandbox/fault)
	label   string
	perPage bool // needs a Page (otherwise it hits the account that connected it)
	extra   map[string]any
}

func problems() []problem {
	return []problem{
		{kind: "password_changed", label: tr("simulate.password", "The Facebook password was changed")},
		{kind: "app_removed", label: tr("simulate.app_removed", "The app was removed from the Facebook account")},
		{kind: "role_lost", label: tr("simulate.role_lost", "The person lost their role on the Page"), perPage: true},
		{kind: "webhook_dropped", label: tr("simulate.webhook", "Facebook dropped the Page's webhook subscription"), perPage: true},
		{kind: "permission_removed", label: tr("simulate.permission", "The messaging permission was removed"), extra: map[string]any{"permission": "pages_messaging"}},
		{kind: "data_access_expired", label: tr("simulate.data_access", "The 90-day data access expired")},
		{kind: "token_expired", label: tr("simulate.expired", "The token expired")},
		{kind: "checkpoint", label: tr("simulate.checkpoint", "Facebook locked the account (checkpoint)")},
		{kind: "throttle", label: tr("simulate.throttle", "Facebook is rate-limiting (too many calls)"), extra: map[string]any{"code": 4}},
		{kind: "offline", label: tr("simulate.offline", "Facebook cannot be reached"), extra: map[string]any{"enabled": true}},
		{kind: "reset", label: tr("simulate.reset", "Put everything right again (the account's Pages still need renewing if a token was invalidated)")},
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
	base, admin := "", token.Token{}
	if m.cfg.SandboxURL != nil && m.cfg.SandboxAdminToken != nil {
		base, admin = m.cfg.SandboxURL(), m.cfg.SandboxAdminToken()
	}
	if base == "" {
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
		if r.Status != StatusDisconnected {
			pageLabels = append(pageLabels, r.Name)
		}
	}
	v := &SimulateView{Problem: widget.NewSelect(labels, nil), Page: widget.NewSelect(pageLabels, nil), Result: wrapped("")}
	v.Problem.SetSelectedIndex(0)
	if len(pageLabels) > 0 {
		v.Page.SetSelectedIndex(0)
	}
	v.Apply = widget.NewButton(tr("simulate.apply", "Simulate"), func() {
		p := ps[v.Problem.SelectedIndex()]
		req := map[string]any{"kind": p.kind}
		for k, val := range p.extra {
			req[k] = val
		}
		for _, r := range rows {
			if r.Name == v.Page.Selected {
				req["page"] = r.ID
				req["user"] = r.ConnectedBy
			}
		}
		v.Apply.Disable()
		go func() {
			err := postFault(base, admin, req)
			onUI(func() {
				v.Apply.Enable()
				if err != nil {
					v.Result.SetText(err.Error())
					return
				}
				v.Result.SetText(tr("simulate.done", "Done. Pagekeeper is checking the Pages now; watch the table."))
				if m.keeper != nil {
					if m.stop != nil {
						m.keeper.RequestCheck()
					} else {
						m.checkAll()
					}
				}
			})
		}()
	})
	v.Apply.Importance = widget.WarningImportance
	form := widget.NewForm(
		widget.NewFormItem(tr("simulate.what", "Problem"), v.Problem),
		widget.NewFormItem(tr("simulate.page", "Page"), v.Page))
	intro := wrapped(tr("simulate.intro", "Break something on the pretend Facebook, then practise the repair Pagekeeper suggests. Nothing real is touched."))
	d := dialog.NewCustom(tr("toolbar.simulate", "Simulate a problem"), tr("dialog.close", "Close"),
		container.NewVBox(intro, form, v.Apply, v.Result), m.Window)
	d.Resize(fyne.NewSize(620, 360))
	m.present(d, nil)
	return v
}

// postFault calls the pretend Facebook's fault route.
func postFault(base string, admin token.Token, req map[string]any) error {
	body, _ := json.Marshal(req)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/_sandbox/fault", bytes.NewReader(body))
	if err != nil {
		return err
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+admin.Reveal())
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("the pretend Facebook refused: %s", bytes.TrimSpace(msg))
	}
	return nil
}

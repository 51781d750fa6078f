package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/fb/login"
	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/internal/logintest"
	"github.com/pagekeeper/pagekeeper/keeper"
	"github.com/pagekeeper/pagekeeper/sandbox"
	"github.com/pagekeeper/pagekeeper/store"
)

// sandboxWindow is the window over a fresh folder, connected to the fake
// Facebook, with the test acting as the person at the browser: choose says
// what they do in Facebook's dialog on each login.
func sandboxWindow(t *testing.T, choose func(n int) logintest.Choice) (*MainWindow, *sandbox.Server) {
	t.Helper()
	srv, err := sandbox.Start(sandbox.Options{Seed: 21, Clock: sandbox.NewRunningClock(time.Now())})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	// The sandbox's set-up: the App Secret, the relay page and the Login
	// for Business configuration, as a Live Business app needs.
	secret := token.New(srv.Fake.Options().AppSecret)
	client := fb.New(fb.Config{GraphURL: srv.URL, LoginURL: srv.URL, AppID: srv.Fake.Options().AppID, AppSecret: secret,
		Retry: fb.RetryPolicy{MaxAttempts: 1}})
	logins := 0
	open := func(ctx context.Context, allowKeyFile bool) (*keeper.Keeper, error) {
		k, err := keeper.Open(ctx, keeper.Options{Dir: t.TempDir(), Keyring: store.NewMemoryKeyring()})
		if err != nil {
			return nil, err
		}
		t.Cleanup(func() { _ = k.Close() })
		k.UseFacebook(client, login.Config{Ports: []int{0}, Timeout: 30 * time.Second, AppSecret: secret,
			RelayURL: sandbox.DemoRelayURL, ConfigID: sandbox.DemoConfigID,
			OpenBrowser: func(u string) error {
				logins++
				c := choose(logins)
				go func() { _, _, _ = logintest.New().Login(u, c) }()
				return nil
			}})
		return k, nil
	}
	a := test.NewTempApp(t)
	LoadTranslations()
	m := NewMainWindow(a, Config{NoSchedule: true, Sandbox: true, Open: open})
	m.Window.Resize(fyne.NewSize(1180, 760))
	waitOpened(t, m)
	return m, srv
}

func locked(f func() bool) bool {
	uiMu.Lock()
	defer uiMu.Unlock()
	return f()
}

func isDisabled(b interface{ Disabled() bool }) bool {
	return locked(func() bool { return b.Disabled() })
}

func isChecked(c *widget.Check) bool { return locked(func() bool { return c.Checked }) }

func waitStep(t *testing.T, w *Wizard, want int) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case got := <-w.stepDone:
			if got == want {
				return
			}
		case <-deadline:
			t.Fatalf("the wizard never reached step %d; it shows %q", want, w.stepName.Text)
		}
	}
}

// eventually waits until cond holds, checking it again after each change a
// worker makes; cond reads widgets under the UI lock, as the Fyne goroutine
// would.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		next := uiChanged() // before checking, so no change is missed
		if locked(cond) {
			return
		}
		select {
		case <-next:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestWizardConnectsPagesEndToEnd(t *testing.T) {
	m, _ := sandboxWindow(t, func(int) logintest.Choice { return logintest.Choice{} })
	tap(m.Dashboard.ConnectButton)
	w := m.wizard
	waitStep(t, w, 1)
	if !strings.Contains(w.stepName.Text, "Before you start") {
		t.Fatalf("step 1 = %q", w.stepName.Text)
	}
	tap(w.Next)
	waitStep(t, w, 3)

	locked(func() bool {
		sunrise, bakery := w.PageChecks[sandbox.PageSunriseCafe], w.PageChecks[sandbox.PageNightOwlBakery]
		if sunrise == nil || !sunrise.Checked || sunrise.Disabled() {
			t.Error("Sunrise Café must be connectable and ticked")
		}
		if bakery == nil || !bakery.Disabled() {
			t.Error("Night Owl Bakery cannot be connected and must say so")
		}
		return true
	})
	tap(w.Next) // Save
	waitStep(t, w, 40)
	eventually(t, "Sunrise Café saved", func() bool {
		return strings.Contains(w.Progress[sandbox.PageSunriseCafe].Text, "token stored, webhooks subscribed, verified")
	})
	tap(w.Next) // Check it works
	waitStep(t, w, 5)
	eventually(t, "the message-flow check", func() bool { return strings.Contains(w.FlowInfo.Text, "Messages come in") })
	// The Send API's limit is enforced before anything is sent.
	locked(func() bool { w.FlowPage.SetSelected("Sunrise Café"); return true })
	eventually(t, "the reply window", func() bool { return strings.Contains(w.FlowInfo.Text, "You can reply") })
	locked(func() bool {
		w.Reply.SetText(strings.Repeat("x", fb.MaxTextLength+1))
		if !w.Send.Disabled() || !strings.HasPrefix(w.ReplyCount.Text, "2001") {
			t.Error("a reply over 2000 characters must not be sendable")
		}
		w.Reply.SetText("Test from Pagekeeper")
		return true
	})
	tap(w.Send)
	eventually(t, "the test reply", func() bool { return strings.Contains(w.SendResult.Text, "Facebook accepted the reply") })

	locked(func() bool { w.close(); return true })
	eventually(t, "the dashboard to list the Pages", func() bool { return len(m.Dashboard.Rows()) >= 4 })
}

// connectAll runs the wizard once, saving every Page it offers.
func connectAll(t *testing.T, m *MainWindow) {
	t.Helper()
	w := toChoosePages(t, m)
	tap(w.Next)
	waitStep(t, w, 40)
	locked(func() bool { w.close(); return true })
}

// toChoosePages opens the wizard and logs in, up to the Pages to choose.
func toChoosePages(t *testing.T, m *MainWindow) *Wizard {
	t.Helper()
	tap(m.Dashboard.ConnectButton)
	w := m.wizard
	waitStep(t, w, 1)
	tap(w.Next)
	waitStep(t, w, 3)
	return w
}

func TestWizardUntickingAConnectedPageAsksFirst(t *testing.T) {
	m, _ := sandboxWindow(t, func(int) logintest.Choice { return logintest.Choice{} })
	connectAll(t, m)

	// Then log in again and untick Sunrise Café in Pagekeeper.
	w := toChoosePages(t, m)
	check := w.PageChecks[sandbox.PageSunriseCafe]
	tap(check) // untick
	keep := waitForDialogButton(t, m.Window, "Keep it connected")
	if !strings.Contains(dialogText(m.Window), "Sunrise Café will stop receiving Messenger messages") {
		t.Fatalf("the warning must name the consequence: %q", dialogText(m.Window))
	}
	if !isDisabled(w.Next) {
		t.Fatal("Save must wait for the answer")
	}
	tap(keep)
	if !isChecked(check) || isDisabled(w.Next) {
		t.Fatal("keeping it re-ticks the Page and allows saving")
	}
	tap(check)
	tap(waitForDialogButton(t, m.Window, "Disconnect it"))
	if isDisabled(w.Next) {
		t.Fatal("once confirmed, Save is allowed")
	}
}

func TestWizardShowsAPageUntickedInFacebooksDialog(t *testing.T) {
	m, _ := sandboxWindow(t, func(n int) logintest.Choice {
		if n == 2 {
			return logintest.Choice{Untick: []string{"page-" + sandbox.PageHarborBooks}}
		}
		return logintest.Choice{}
	})
	connectAll(t, m)

	w := toChoosePages(t, m)
	out := w.MissingOut[sandbox.PageHarborBooks]
	if out == nil {
		t.Fatal("Harbor Books, unticked in Facebook's dialog, must be shown with the two ways out")
	}
	if !isDisabled(w.Next) {
		t.Fatal("nothing may be saved before the owner chooses")
	}
	tap(out)
	if isDisabled(w.Next) {
		t.Fatal("after confirming the disconnection, Save is allowed")
	}
}

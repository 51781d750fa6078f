package ui

import (
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/pagekeeper/pagekeeper/internal/logintest"
	"github.com/pagekeeper/pagekeeper/keeper"
	"github.com/pagekeeper/pagekeeper/sandbox"
	"github.com/pagekeeper/pagekeeper/store"
)

// sandboxWindow is the window over a fresh sandbox folder, with the test
// acting as the person at the browser: choose says what they do in the
// pretend Facebook's dialog on each login.
func sandboxWindow(t *testing.T, choose func(n int) logintest.Choice) *MainWindow {
	t.Helper()
	return sandboxWindowOn(t, []int{0}, func(n int) *logintest.Choice { c := choose(n); return &c })
}

// sandboxWindowOn listens for logins on ports; choose returning nil means
// the person never finishes that login.
func sandboxWindowOn(t *testing.T, ports []int, choose func(n int) *logintest.Choice) *MainWindow {
	t.Helper()
	var logins atomic.Int32
	return openWindow(t, Config{NoSchedule: true, Keeper: keeper.Options{Dir: t.TempDir(), Sandbox: true, Ports: ports,
		OpenBrowser: func(u string) error {
			if c := choose(int(logins.Add(1))); c != nil {
				go func() { _, _, _ = logintest.New().Login(u, *c) }()
			}
			return nil
		}}})
}

func isDisabled(b interface{ Disabled() bool }) bool { return get(b.Disabled) }

func isChecked(c *widget.Check) bool { return get(func() bool { return c.Checked }) }

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
			t.Fatalf("the wizard never reached step %d; it shows %q", want, get(func() string { return w.stepName.Text }))
		}
	}
}

// openWizard presses Connect Pages and returns the wizard at step 1.
func startWizard(t *testing.T, m *MainWindow) *Wizard {
	t.Helper()
	tap(m.Dashboard.ConnectButton)
	w := get(func() *Wizard { return m.wizard })
	waitStep(t, w, 1)
	return w
}

func TestWizardConnectsPagesEndToEnd(t *testing.T) {
	m := sandboxWindow(t, func(int) logintest.Choice { return logintest.Choice{} })
	w := startWizard(t, m)
	if step := get(func() string { return w.stepName.Text }); !strings.Contains(step, "Before you start") {
		t.Fatalf("step 1 = %q", step)
	}
	tap(w.Next)
	waitStep(t, w, 3)

	onMain(func() {
		sunrise, bakery := w.PageChecks[sandbox.PageSunriseCafe], w.PageChecks[sandbox.PageNightOwlBakery]
		if sunrise == nil || !sunrise.Checked || sunrise.Disabled() {
			t.Error("Sunrise Café must be connectable and ticked")
		}
		if bakery == nil || !bakery.Disabled() {
			t.Error("Night Owl Bakery cannot be connected and must say so")
		}
	})
	tap(get(func() *widget.Button { return w.Next })) // Save
	waitStep(t, w, 40)
	eventually(t, "Sunrise Café saved", func() bool {
		return strings.Contains(w.Saving[sandbox.PageSunriseCafe].Text, "token stored, webhooks subscribed, verified")
	})
	tap(get(func() *widget.Button { return w.Next })) // Check it works
	waitStep(t, w, 5)
	eventually(t, "the message-flow check", func() bool { return strings.Contains(w.FlowInfo.Text, "Messages come in") })
	// The Send API's limit is enforced before anything is sent.
	onMain(func() { w.FlowPage.SetSelected("Sunrise Café") })
	eventually(t, "the reply window", func() bool { return strings.Contains(w.FlowInfo.Text, "You can reply") })
	onMain(func() {
		w.Reply.SetText(strings.Repeat("x", keeper.MaxReplyLength+1))
		if !w.Send.Disabled() || !strings.HasPrefix(w.ReplyCount.Text, "2001") {
			t.Error("a reply over 2000 characters must not be sendable")
		}
		w.Reply.SetText("Test from Pagekeeper")
	})
	tap(w.Send)
	eventually(t, "the test reply", func() bool { return strings.Contains(w.SendResult.Text, "Facebook accepted the reply") })

	onMain(w.close)
	eventually(t, "the dashboard to list the Pages", func() bool { return len(m.Dashboard.Rows()) >= 4 })
}

// connectAll runs the wizard once, saving every Page it offers.
func connectAll(t *testing.T, m *MainWindow) {
	t.Helper()
	w := toChoosePages(t, m)
	tap(get(func() *widget.Button { return w.Next }))
	waitStep(t, w, 40)
	onMain(w.close)
}

// toChoosePages opens the wizard and logs in, up to the Pages to choose.
func toChoosePages(t *testing.T, m *MainWindow) *Wizard {
	t.Helper()
	w := startWizard(t, m)
	logIn(t, m, w)
	waitStep(t, w, 3)
	return w
}

// logIn presses "Log in with Facebook" and, when Pages are connected,
// agrees to the warning about Facebook's dialog.
func logIn(t *testing.T, m *MainWindow, w *Wizard) {
	t.Helper()
	sum, err := get(m.Keeper).Pages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	connected := sum.Totals.Disconnected < len(sum.Pages)
	tap(get(func() *widget.Button { return w.Next }))
	if connected {
		waitDialogs(t, m, 2)
		onMain(m.pressDefault) // "I'll keep them ticked: open Facebook"
	}
}

func TestWizardUntickingAConnectedPageAsksFirst(t *testing.T) {
	m := sandboxWindow(t, func(int) logintest.Choice { return logintest.Choice{} })
	connectAll(t, m)

	// Then log in again and untick Sunrise Café in Pagekeeper.
	w := toChoosePages(t, m)
	check := get(func() *widget.Check { return w.PageChecks[sandbox.PageSunriseCafe] })
	next := get(func() *widget.Button { return w.Next })
	tap(check) // untick
	keep := waitForDialogButton(t, m.Window, "Keep it connected")
	if dlg := dialogText(m.Window); !strings.Contains(dlg, "Sunrise Café will stop receiving Messenger messages") {
		t.Fatalf("the warning must name the consequence: %q", dlg)
	}
	if !isDisabled(next) {
		t.Fatal("Save must wait for the answer")
	}
	tap(keep)
	if !isChecked(check) || isDisabled(next) {
		t.Fatal("keeping it re-ticks the Page and allows saving")
	}
	tap(check)
	tap(waitForDialogButton(t, m.Window, "Disconnect it"))
	if isDisabled(next) {
		t.Fatal("once confirmed, Save is allowed")
	}
}

func TestWizardShowsAPageUntickedInFacebooksDialog(t *testing.T) {
	m := sandboxWindow(t, func(n int) logintest.Choice {
		if n == 2 {
			return logintest.Choice{Untick: []string{"page-" + sandbox.PageHarborBooks}}
		}
		return logintest.Choice{}
	})
	connectAll(t, m)

	w := toChoosePages(t, m)
	out := get(func() *widget.Button { return w.MissingOut[sandbox.PageHarborBooks] })
	if out == nil {
		t.Fatal("Harbor Books, unticked in Facebook's dialog, must be shown with the two ways out")
	}
	next := get(func() *widget.Button { return w.Next })
	if !isDisabled(next) {
		t.Fatal("nothing may be saved before the owner chooses")
	}
	tap(out)
	if isDisabled(next) {
		t.Fatal("after confirming the disconnection, Save is allowed")
	}
}

// TestClosingTheWizardFreesTheLoginPortAtOnce: the owner opens the wizard
// and closes it while the login starts, three times; the next login still
// gets the one callback port.
func TestClosingTheWizardFreesTheLoginPortAtOnce(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	// The person leaves the logins of the closed wizards unfinished.
	var finish atomic.Bool
	m := sandboxWindowOn(t, []int{port}, func(int) *logintest.Choice {
		if !finish.Load() {
			return nil
		}
		return &logintest.Choice{}
	})
	for range 3 {
		w := startWizard(t, m)
		// Log in, and close at once: the login is still starting.
		onMain(func() {
			w.Next.OnTapped()
			w.close()
		})
	}
	finish.Store(true)
	w := toChoosePages(t, m)
	if n := get(func() int { return len(w.PageChecks) }); n == 0 {
		t.Fatal("the login after the closed ones found no Pages")
	}
}

// Before Facebook's dialog, a modal names every connected Page and what
// unticking one does, with the two ways out; going back starts no login.
func TestBeforeFacebooksDialogAModalNamesTheConnectedPages(t *testing.T) {
	var logins atomic.Int32
	m := sandboxWindow(t, func(int) logintest.Choice { logins.Add(1); return logintest.Choice{} })
	connectAll(t, m)
	before := logins.Load()

	w := startWizard(t, m)
	tap(w.Next)
	waitDialogs(t, m, 2)
	dlg := dialogText(m.Window)
	for _, want := range []string{"Sunrise Café", "Harbor Books", "removes Pagekeeper's access to it at once", "stops receiving Messenger messages"} {
		if !strings.Contains(dlg, want) {
			t.Errorf("the warning lacks %q:\n%s", want, dlg)
		}
	}
	onMain(m.escape) // Go back
	if step := get(func() string { return w.stepName.Text }); !strings.Contains(step, "Step 1") || logins.Load() != before {
		t.Fatalf("going back must start no login; the wizard shows %q", step)
	}
}

// Unticking a connected Page in Facebook's dialog: a modal after the
// dialog names it with the consequence and the two ways out; and even if
// the owner then cancels, the table shows it broken at once, with the
// right advice (renew and keep it ticked, not "ask a Page admin").
func TestAPageUntickedInFacebooksDialogIsToldAndShownAtOnce(t *testing.T) {
	m := sandboxWindow(t, func(n int) logintest.Choice {
		if n == 2 {
			return logintest.Choice{Untick: []string{"page-" + sandbox.PageHarborBooks}}
		}
		return logintest.Choice{}
	})
	connectAll(t, m)
	w := toChoosePages(t, m)
	waitDialogs(t, m, 2)
	dlg := dialogText(m.Window)
	for _, want := range []string{"Harbor Books", "already removed Pagekeeper's access", "Log in again"} {
		if !strings.Contains(dlg, want) {
			t.Errorf("the modal after Facebook's dialog lacks %q:\n%s", want, dlg)
		}
	}
	if !strings.Contains(get(func() string { return w.SaveNote.Text }), "Harbor Books") {
		t.Error("next to the greyed-out Save, the wizard says which Page waits for an answer")
	}
	onMain(m.escape)
	onMain(w.close) // Cancel, as if nothing happened
	eventually(t, "Harbor Books shown broken", func() bool {
		for _, r := range m.Dashboard.Rows() {
			if r.ID == sandbox.PageHarborBooks {
				return r.Status == keeper.StatusInvalid
			}
		}
		return false
	})
	var row PageRow
	for _, r := range get(m.Dashboard.Rows) {
		if r.ID == sandbox.PageHarborBooks {
			row = r
		}
	}
	if !strings.Contains(row.Action, "keep this Page ticked") || strings.Contains(row.Action, "Page admin") || !row.Renewable {
		t.Fatalf("the advice is %q (renewable %v)", row.Action, row.Renewable)
	}
}

// Renew names the Page to tick; Renew all renews every Page a login
// repairs, in one renewal that names them.
func TestRenewalsNameThePagesToTick(t *testing.T) {
	m := seeded(t,
		store.Page{ID: "110000000000001", Name: "Sunrise Café", Status: store.StatusValid},
		store.Page{ID: "110000000000002", Name: "Harbor Books", Status: store.StatusInvalid, Reason: "password_changed"},
		store.Page{ID: "110000000000008", Name: "Maple Street Market", Status: store.StatusInvalid, Reason: "access_removed"})
	if get(func() bool { return !m.Dashboard.RenewAll.Visible() }) {
		t.Fatal("two Pages a login repairs: Renew all must be offered")
	}
	if banner := get(func() string { return m.Dashboard.Banner.Text }); !strings.Contains(banner, "One login renews them all") {
		t.Fatalf("the banner says %q", banner)
	}
	tap(m.Dashboard.RenewAll)
	eventually(t, "the renewal", func() bool { return m.wizard != nil })
	w := get(func() *Wizard { return m.wizard })
	waitStep(t, w, 1)
	body := strings.Join(texts(get(func() fyne.CanvasObject { return w.body })), "\n")
	if !strings.Contains(body, "Harbor Books") || !strings.Contains(body, "Maple Street Market") || strings.Contains(body, "Sunrise Café") {
		t.Fatalf("the renewal must name the Pages it renews:\n%s", body)
	}
	tap(w.Next)
	waitDialogs(t, m, 2)
	dlg := dialogText(m.Window)
	if !strings.Contains(dlg, "To renew, tick: Harbor Books, Maple Street Market") || !strings.Contains(dlg, "Keep ticked, connected now: Sunrise Café") {
		t.Fatalf("the warning must say which to tick and which to keep ticked:\n%s", dlg)
	}
}

// A cancelled login leaves no progress bar, no old link and no Copy button
// that would copy it; Try again starts afresh.
func TestACancelledLoginResetsTheStep(t *testing.T) {
	m := sandboxWindow(t, func(n int) logintest.Choice { return logintest.Choice{Cancel: n == 1} })
	w := startWizard(t, m)
	tap(w.Next)
	eventually(t, "the cancelled login", func() bool {
		return w.Problem != nil && w.Problem.Visible() && strings.Contains(w.Problem.Text, "cancelled")
	})
	onMain(func() {
		if w.Progress.Visible() || w.LinkBox.Visible() || w.Link.Text != "" || !w.CopyLink.Disabled() {
			t.Error("after a cancelled login the progress, the link and its Copy button must go")
		}
	})
	tap(w.Retry)
	waitStep(t, w, 3)
}

// Step 5 says nothing about one Page while another is chosen, and can
// check again.
func TestStepFiveStartsAfreshForEachPage(t *testing.T) {
	m := sandboxWindow(t, func(int) logintest.Choice { return logintest.Choice{} })
	w := toChoosePages(t, m)
	tap(get(func() *widget.Button { return w.Next }))
	waitStep(t, w, 40)
	tap(get(func() *widget.Button { return w.Next }))
	waitStep(t, w, 5)
	onMain(func() { w.FlowPage.SetSelected("Sunrise Café") })
	eventually(t, "the reply window", func() bool { return strings.Contains(w.FlowInfo.Text, "You can reply") })
	tap(w.Send)
	eventually(t, "the test reply", func() bool { return strings.Contains(w.SendResult.Text, "Facebook accepted the reply") })
	var other string
	onMain(func() {
		for _, o := range w.FlowPage.Options {
			if o != "Sunrise Café" {
				other = o
			}
		}
		w.FlowPage.SetSelected(other)
		if w.SendResult.Text != "" {
			t.Errorf("choosing %s still says %q about Sunrise Café", other, w.SendResult.Text)
		}
	})
	eventually(t, "the check of "+other, func() bool { return !w.CheckAgain.Disabled() })
	tap(w.CheckAgain)
	eventually(t, "checking again", func() bool {
		return !w.CheckAgain.Disabled() && w.FlowInfo.Text != "" && w.FlowInfo.Text != "Reading the latest conversations…"
	})
}

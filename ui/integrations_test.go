package ui

import (
	"context"
	"image"
	"image/png"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/pagekeeper/pagekeeper/integration"
	"github.com/pagekeeper/pagekeeper/integration/example"
	"github.com/pagekeeper/pagekeeper/integration/receiver"
	"github.com/pagekeeper/pagekeeper/internal/logintest"
	"github.com/pagekeeper/pagekeeper/keeper"
	"github.com/pagekeeper/pagekeeper/sandbox"
)

// sandboxBot runs the example integration in the test, as main does for
// the window's sandbox.
func sandboxBot(_ context.Context, c keeper.SandboxIntegrationConfig) (keeper.SandboxIntegrationServer, error) {
	srv, err := example.Start(example.Config{KeyFile: filepath.Join(c.Dir, "key.txt"), SecretFile: filepath.Join(c.Dir, "secret.txt"),
		AppSecret: c.AppSecret, VerifyToken: c.VerifyToken, GraphURL: c.GraphURL, Log: log.New(testLogWriter{}, "", 0)})
	if err != nil {
		return keeper.SandboxIntegrationServer{}, err
	}
	return keeper.SandboxIntegrationServer{URL: srv.DeliveryURL(), WebhookURL: srv.WebhookURL(), Recipient: srv.Recipient,
		Secret: srv.Secret, Close: srv.Close}, nil
}

type testLogWriter struct{}

func (testLogWriter) Write(p []byte) (int, error) { return len(p), nil }

// sandboxWindowWithBot is the sandbox window with Sandbox Bot, as `make run` opens it.
func sandboxWindowWithBot(t *testing.T) *MainWindow {
	t.Helper()
	return openWindow(t, Config{NoSchedule: true, Keeper: keeper.Options{Dir: t.TempDir(), Sandbox: true, Ports: []int{0},
		SandboxIntegration: sandboxBot,
		OpenBrowser: func(u string) error {
			go func() { _, _, _ = logintest.New().Login(u, logintest.Choice{}) }()
			return nil
		}}})
}

// In the sandbox the whole loop works from the window: connect, the
// messages go to Sandbox Bot, and the post-setup check sends a pretend
// customer's message that reaches Sandbox Bot, whose reply reaches the
// customer. The dashboard says Sandbox Bot has each Page's token.
func TestTheWizardClosesTheLoopWithSandboxBot(t *testing.T) {
	m := sandboxWindowWithBot(t)
	w := toChoosePages(t, m)
	dest := get(func() *widget.Select { return w.Destinations[sandbox.PageSunriseCafe] })
	if dest == nil || get(func() string { return dest.Selected }) != keeper.SandboxIntegrationName {
		t.Fatalf("Sunrise Café's messages must go to Sandbox Bot by default")
	}
	tap(get(func() *widget.Button { return w.Next })) // Save
	waitStep(t, w, 40)
	tap(get(func() *widget.Button { return w.Next })) // Check it works
	waitStep(t, w, 5)
	onMain(func() { w.FlowPage.SetSelected("Sunrise Café") })
	tap(get(func() *widget.Button { return w.E2EButton }))
	waitStep(t, w, 50)
	if got := get(func() string { return w.E2EResult.Text }); !strings.Contains(got, "The message reached Sandbox Bot.") ||
		!strings.Contains(got, "Sandbox Bot's reply reached the customer") {
		t.Fatalf("the end-to-end check says %q", got)
	}
	onMain(w.close)
	eventually(t, "the rows to say Sandbox Bot has the tokens", func() bool {
		rows := m.Dashboard.Rows()
		if len(rows) < 4 {
			return false
		}
		for _, r := range rows {
			if !strings.HasPrefix(r.Integration, "Sandbox Bot has the current token") {
				return false
			}
		}
		return true
	})
}

// Without any integration the window says plainly that none receives the
// Pages; one added in Settings > Integrations is tested from there and
// receives the Pages; "Messages go to…" on a row moves a Page.
func TestIntegrationsInSettingsAndOnARow(t *testing.T) {
	m := sandboxWindow(t, func(int) logintest.Choice { return logintest.Choice{} })
	connectAll(t, m)
	eventually(t, "the banner to say no integration receives the Pages", func() bool {
		return m.Dashboard.integrationBox.box.Visible() && strings.Contains(m.Dashboard.IntegrationNote.Text, "No integration receives your Pages' messages")
	})
	if r := get(func() []PageRow { return m.Dashboard.Rows() }); r[0].Integration != "No integration receives this Page's messages." {
		t.Fatalf("row: %q", r[0].Integration)
	}

	// An integration on loopback, on the reference receiver.
	id, _ := age.GenerateX25519Identity()
	secret := integration.NewSecret()
	got := make(chan integration.EventType, 100)
	rcv, err := receiver.New(receiver.Options{Secret: secret, Identity: id,
		Handle: func(_ context.Context, d receiver.Delivery) (receiver.Ack, error) {
			got <- d.Event.Type
			return receiver.Ack{}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rcv)
	defer srv.Close()

	var v *SettingsView
	onMain(func() { v = m.settingsDialog(m.keeper.Settings()) })
	iv := v.Integrations
	<-iv.Loaded
	onMain(func() {
		iv.Name.SetText("Support Bot")
		iv.URL.SetText(srv.URL + "/pagekeeper")
		iv.Recipient.SetText(id.Recipient().String())
		iv.Secret.SetText("whsec_c2hvcnQ=")
	})
	tap(iv.Add)
	eventually(t, "the secret to be refused", func() bool {
		return strings.Contains(iv.Problem.Text, "The signing secret must hold 24 to 64 random bytes")
	})
	onMain(func() { iv.Secret.SetText(secret.Reveal()) })
	tap(iv.Add)
	eventually(t, "Support Bot in the list", func() bool { return iv.Rows["Support Bot"] != nil })
	tap(get(func() *widget.Button { return iv.Rows["Support Bot"].Test }))
	eventually(t, "the test answer", func() bool { return strings.Contains(iv.Problem.Text, "Support Bot received the test event.") })

	// The Pages that went nowhere now go to it; the window delivers in the background.
	if _, err := get(func() *keeper.Keeper { return m.keeper }).DeliverDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	m.reloadAndWait(t)
	rows := get(func() []PageRow { return m.Dashboard.Rows() })
	if noneShown := get(func() bool { return m.Dashboard.integrationBox.box.Visible() }); !strings.HasPrefix(rows[0].Integration, "Support Bot has the current token") || noneShown {
		t.Fatalf("row %q, the no-integration notice shown: %v", rows[0].Integration, noneShown)
	}

	// Messages go to… no integration: Support Bot is told to forget the Page.
	var dd *DestinationDialog
	onMain(func() { dd = m.showDestination(rows[0].ID, rows[0].Name, rows[0].IntegrationName) })
	onMain(func() { dd.Choice.SetSelected("No integration") })
	tap(waitForDialogButton(t, m.Window, "Save"))
	select {
	case err := <-dd.Done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the destination was not saved")
	}
	if _, err := get(func() *keeper.Keeper { return m.keeper }).DeliverDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	var last integration.EventType
	for len(got) > 0 {
		last = <-got
	}
	if last != integration.PageDisconnected {
		t.Fatalf("the last event Support Bot got is %s", last)
	}
}

// reloadAndWait reloads the table and waits until it shows.
func (m *MainWindow) reloadAndWait(t *testing.T) {
	t.Helper()
	for len(m.reloaded) > 0 {
		<-m.reloaded
	}
	onMain(m.reload)
	select {
	case <-m.reloaded:
	case <-time.After(30 * time.Second):
		t.Fatal("the table was not reloaded")
	}
}

// TestScreenshotsOfTheIntegrationParts writes the wizard's "Messages go
// to" step, its end-to-end check and the Settings tab as PNG files into
// $PAGEKEEPER_SCREENSHOTS, rendered by Fyne's software painter (to look
// at; not a check).
func TestScreenshotsOfTheIntegrationParts(t *testing.T) {
	dir := os.Getenv("PAGEKEEPER_SCREENSHOTS")
	if dir == "" {
		t.Skip("set PAGEKEEPER_SCREENSHOTS to a folder")
	}
	save := func(name string, m *MainWindow) {
		var img image.Image
		onMain(func() {
			defer func() {
				if r := recover(); r != nil {
					t.Logf("%s: Fyne's software painter failed: %v", name, r)
				}
			}()
			img = m.Window.Canvas().Capture()
		})
		if img == nil {
			return
		}
		f, err := os.Create(filepath.Join(dir, name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
	}
	m := sandboxWindowWithBot(t)
	w := toChoosePages(t, m)
	save("wizard-choose", m)
	tap(get(func() *widget.Button { return w.Next }))
	waitStep(t, w, 40)
	save("wizard-saved", m)
	tap(get(func() *widget.Button { return w.Next }))
	waitStep(t, w, 5)
	onMain(func() { w.FlowPage.SetSelected("Sunrise Café") })
	tap(get(func() *widget.Button { return w.E2EButton }))
	waitStep(t, w, 50)
	save("wizard-check", m)
	onMain(w.close)
	var v *SettingsView
	onMain(func() { v = m.settingsDialog(m.keeper.Settings()) })
	<-v.Integrations.Loaded
	onMain(func() {
		walkObjects(m.Window.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
			if tabs, ok := o.(*container.AppTabs); ok {
				tabs.SelectIndex(2)
			}
		})
	})
	save("settings-integrations", m)
}

// Settings list each integration among the alert channels (it is told every
// change of status), yet still warn that no alert reaches a person: an
// integration is a program, not a person. The window's notice says the same.
func TestAnIntegrationIsListedAsAChannelButNotAsAPerson(t *testing.T) {
	m := openWindow(t, Config{NoSchedule: true, Tray: func() bool { return false }, Keeper: keeper.Options{Dir: t.TempDir(), Sandbox: true,
		Ports: []int{0}, SandboxIntegration: sandboxBot}})
	v := openSettings(t, m)
	listed := func() bool {
		return strings.Contains(strings.Join(texts(v.Channels), "\n"), "Sandbox Bot (your integration): told each change of status")
	}
	deadline := time.After(30 * time.Second)
	for !listed() {
		select {
		case <-v.Integrations.Loaded: // the list was shown (again)
		case <-deadline:
			t.Fatalf("Sandbox Bot is not among the alert channels:\n%s", strings.Join(texts(v.Channels), "\n"))
		}
	}
	if !get(v.NoChannel.Visible) {
		t.Fatal("with only an integration, Settings must still say that no alert reaches a person")
	}
	if get(func() bool { return m.Dashboard.alertsNone }) != true {
		t.Fatal("the window must still know that no alert reaches a person")
	}
}

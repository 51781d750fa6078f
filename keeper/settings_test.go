package keeper

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/internal/logintest"
	"github.com/pagekeeper/pagekeeper/internal/testcert"
	"github.com/pagekeeper/pagekeeper/sandbox"
	"github.com/pagekeeper/pagekeeper/store"
)

func TestSettingsRoundTripAndDefaults(t *testing.T) {
	dir, kr := t.TempDir(), store.NewMemoryKeyring()
	k, err := Open(context.Background(), Options{Dir: dir, Keyring: kr})
	if err != nil {
		t.Fatal(err)
	}
	s := k.Settings()
	if time.Duration(s.CheckInterval) != time.Hour || s.RedirectMode != RedirectLoopback || len(s.Ports) != 3 {
		t.Fatalf("defaults = %+v", s)
	}
	s.AppID = "1234567890"
	s.Owners = []Owner{{Name: "Ana", Email: "ana@example.com"}}
	s.CheckInterval = Duration(30 * time.Minute)
	ctx := context.Background()
	if err := k.UpdateSettings(ctx, s, Secrets{AppSecret: NewSecret("app-secret")}); err != nil {
		t.Fatal(err)
	}
	if got := k.Settings(); !reflect.DeepEqual(got, s) {
		t.Fatalf("in effect = %+v", got)
	}
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	// What the next start finds.
	k, err = Open(ctx, Options{Dir: dir, Keyring: kr})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if got := k.Settings(); !reflect.DeepEqual(got, s) {
		t.Fatalf("after a restart = %+v", got)
	}
	if got := k.config().client.Config().AppSecret; got.Reveal() != "app-secret" {
		t.Fatal("the App Secret was not read back from the keyring")
	}
}

func TestSettingsValidationSpeaksPlainly(t *testing.T) {
	s := DefaultSettings()
	s.AppID = "my-app"
	s.RedirectMode = RedirectRelay
	s.RelayURL = "http://example.com/relay"
	s.Ports = []int{80}
	s.Owners = []Owner{{Name: "Ben", Email: "not-an-address"}}
	err := s.Validate()
	if err == nil {
		t.Fatal("expected errors")
	}
	for _, want := range []string{"App ID", "https://", "Port 80", "Ben"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if err := DefaultSettings().Validate(); err != nil {
		t.Fatalf("defaults must be valid: %v", err)
	}
}

func TestOwnersAreReadAsEmailAddresses(t *testing.T) {
	owners, err := ParseOwners("Ana Rivera <ana@example.com>\n\n  ben@example.com  \r\n\"Rivera, Ana\" <ana2@example.com>\nJosé Núñez <jose@example.com>\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []Owner{{"Ana Rivera", "ana@example.com"}, {"", "ben@example.com"}, {"Rivera, Ana", "ana2@example.com"}, {"José Núñez", "jose@example.com"}}
	if len(owners) != len(want) {
		t.Fatalf("owners %+v", owners)
	}
	for i := range want {
		if owners[i] != want[i] {
			t.Errorf("line %d: %+v, want %+v", i, owners[i], want[i])
		}
	}

	_, err = ParseOwners("ana@example.com\nRivera, Ana <ana@example.com>\nben\nana@example.com, ben@example.com")
	if err == nil {
		t.Fatal("lines that are not addresses must be refused")
	}
	for _, want := range []string{"“Rivera, Ana <ana@example.com>”", "“ben”", "Ana Rivera <ana@example.com>"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not name %s: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "ben@example.com") {
		t.Errorf("a line of addresses separated by commas is refused: %v", err)
	}
	// Several on a line, as the settings command takes them.
	owners, err = ParseOwners(`Ana Rivera <ana@example.com>, ben@example.com, "Rivera, Ana" <ana2@example.com>`)
	if err != nil || len(owners) != 3 || owners[2] != (Owner{"Rivera, Ana", "ana2@example.com"}) {
		t.Errorf("a comma-separated line: %+v %v", owners, err)
	}
}

// What Settings shows is what it reads back, whatever the name holds.
func TestOwnerStringReadsBack(t *testing.T) {
	for _, o := range []Owner{{"", "ana@example.com"}, {"Ana Rivera", "ana@example.com"}, {"Rivera, Ana", "ana@example.com"},
		{`Ana "the boss" Rivera`, "ana@example.com"}, {`back\slash`, "a@example.com"}, {"José Núñez", "jose@example.com"},
		{"Ana (Sales)", "ana@example.com"}, {"<ana>", "ana@example.com"}} {
		got, err := ParseOwner(o.String())
		if err != nil || got != o {
			t.Errorf("%+v shows as %q and reads back as %+v (%v)", o, o.String(), got, err)
		}
	}
	if s := (Owner{"Ana Rivera", "ana@example.com"}).String(); s != "Ana Rivera <ana@example.com>" {
		t.Errorf("a plain name is shown plainly: %q", s)
	}
}

func TestSettingsAddresses(t *testing.T) {
	s := DefaultSettings()
	s.SMTP.From = "Pagekeeper <alerts@example.com>" // the Settings field's own placeholder
	s.Owners = []Owner{{"Ana", "ana@example.com"}}
	if err := s.Validate(); err != nil {
		t.Fatalf("the sender placeholder must be accepted: %v", err)
	}
	s.SMTP.From = "alerts@example.com"
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	s.SMTP.From = "alerts"
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "“alerts”") {
		t.Fatalf("a sender that is not an address must be refused, naming it: %v", err)
	}
	s.SMTP.From = ""
	s.Owners = []Owner{{"Ana", "Ana <ana@example.com>"}} // a preset's email field holds only the address
	if err := s.Validate(); err == nil {
		t.Fatal("an owner's email field with a name in it must be refused")
	}
}

// Whatever the name, the line Settings shows for an owner reads back as that
// owner (or, for a name net/mail cannot carry, is refused rather than misread).
func FuzzOwnerStringReadsBack(f *testing.F) {
	for _, n := range []string{"", "Ana Rivera", "Rivera, Ana", `Ana "the boss"`, `back\slash`, "José", "(x)", "<a@b.example>", " lead", "a\tb"} {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, name string) {
		o := Owner{Name: name, Email: "ana@example.com"}
		got, err := ParseOwner(o.String())
		if err != nil {
			return // refused with a message, never misread
		}
		if got.Email != o.Email || (got.Name != o.Name && strings.TrimSpace(got.Name) != strings.TrimSpace(o.Name)) {
			t.Fatalf("%+v shows as %q and reads back as %+v", o, o.String(), got)
		}
	})
}

func TestARefusedUpdateChangesNothing(t *testing.T) {
	kr := store.NewMemoryKeyring()
	k, err := Open(context.Background(), Options{Dir: t.TempDir(), Keyring: kr})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	before := k.Settings()
	bad := k.Settings()
	bad.Ports = []int{80}
	err = k.UpdateSettings(context.Background(), bad, Secrets{AppSecret: NewSecret("s3cret")})
	if err == nil || !strings.Contains(err.Error(), "Port 80") || !strings.Contains(err.Error(), "App ID first") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Fatal("the error shows the secret")
	}
	if got := k.Settings(); !reflect.DeepEqual(got, before) {
		t.Fatalf("a refused update changed the settings: %+v", got)
	}
	if _, err := kr.Get(keyringService, appSecretUser("")); !errors.Is(err, store.ErrKeyNotFound) {
		t.Fatalf("a refused update saved a secret: %v", err)
	}
}

// tap is a transport that records the path of every request to Facebook
// and, once armed, holds the first batch request until released.
type tap struct {
	mu            sync.Mutex
	paths         []string
	armed         bool
	once          sync.Once
	sent, release chan struct{}
}

func newTap() *tap { return &tap{sent: make(chan struct{}), release: make(chan struct{})} }

func (t *tap) RoundTrip(r *http.Request) (*http.Response, error) {
	t.mu.Lock()
	t.paths = append(t.paths, r.URL.Path)
	hold := t.armed && r.Method == http.MethodPost && strings.Count(strings.Trim(r.URL.Path, "/"), "/") == 0
	t.mu.Unlock()
	if hold {
		t.once.Do(func() {
			close(t.sent)
			<-t.release
		})
	}
	return http.DefaultTransport.RoundTrip(r)
}

// take returns the paths recorded since the last take.
func (t *tap) take() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := t.paths
	t.paths = nil
	return out
}

func (t *tap) arm() { t.mu.Lock(); t.armed = true; t.mu.Unlock() }

func allUnder(paths []string, prefix string) bool {
	return len(paths) > 0 && !slices.ContainsFunc(paths, func(p string) bool { return !strings.HasPrefix(p, prefix) })
}

// update changes the settings in effect with change.
func update(t *testing.T, k *Keeper, sec Secrets, change func(*Settings)) {
	t.Helper()
	s := k.Settings()
	change(&s)
	if err := k.UpdateSettings(context.Background(), s, sec); err != nil {
		t.Fatal(err)
	}
}

// freePort is a loopback port nobody listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// dialog starts a login and returns its dialog address and where Facebook
// sends the browser back; the login is cancelled.
func dialog(t *testing.T, k *Keeper) (dialogURL *url.URL, redirect string) {
	t.Helper()
	s, err := k.StartLogin(context.Background(), "", false)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Cancel(); <-s.Done() }()
	u, err := url.Parse(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	return u, s.RedirectURL()
}

func TestTheAppIDTakesEffectAtOnce(t *testing.T) {
	srv, err := sandbox.Start(sandbox.Options{Seed: 41})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	k, err := Open(context.Background(), Options{Dir: t.TempDir(), Keyring: store.NewMemoryKeyring(), FacebookURL: srv.URL,
		Ports: []int{0}, OpenBrowser: func(string) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if _, err := k.StartLogin(context.Background(), "", false); !errors.Is(err, ErrNoLogin) {
		t.Fatalf("without an App ID: %v", err)
	}
	update(t, k, Secrets{}, func(s *Settings) { s.AppID = srv.Fake.Options().AppID })
	u, _ := dialog(t, k)
	if got := u.Query().Get("client_id"); got != srv.Fake.Options().AppID {
		t.Fatalf("the dialog asks for app %q", got)
	}
}

func TestTheGraphVersionTakesEffectAtOnceAndARoundInFlightKeepsItsOwn(t *testing.T) {
	e := newHealthEnv(t, sandbox.Options{Seed: 42})
	wire := newTap()
	e.k = e.open(Options{FacebookHTTP: &http.Client{Transport: wire}, Ports: []int{0}, OpenBrowser: func(string) error { return nil }})
	e.connect(sandbox.PageSunriseCafe)
	e.round()
	if got := wire.take(); !allUnder(got, "/v25.0") {
		t.Fatalf("the default version asks %v", got)
	}

	// A round waits for Facebook while the version changes.
	wire.arm()
	done := make(chan Round)
	go func() { done <- e.round() }()
	<-wire.sent
	update(t, e.k, Secrets{}, func(s *Settings) { s.GraphVersion = "v24.0" })
	close(wire.release)
	r := <-done
	if got := wire.take(); !allUnder(got, "/v25.0") || r.page(sandbox.PageSunriseCafe).Status != StatusValid {
		t.Fatalf("the round in flight switched versions: %v, %+v", got, r.Pages)
	}

	// The next round, and the next login, use the new version.
	if r := e.round(); r.page(sandbox.PageSunriseCafe).Status != StatusValid {
		t.Fatalf("round on v24.0: %+v", r.Pages)
	}
	if got := wire.take(); !allUnder(got, "/v24.0") {
		t.Fatalf("after the change the round asks %v", got)
	}
	if u, _ := dialog(t, e.k); u.Path != "/v24.0/dialog/oauth" {
		t.Fatalf("the dialog is %s", u.Path)
	}
}

func TestPortsBusinessPagesAndRelayTakeEffectAtOnce(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 43})
	e.k = openOnFake(t, e.srv, Options{Dir: t.TempDir(), Keyring: e.kr, OpenBrowser: func(string) error { return nil }})
	first, second := freePort(t), freePort(t)
	update(t, e.k, Secrets{}, func(s *Settings) { s.Ports = []int{first} })
	u, redirect := dialog(t, e.k)
	if redirect != "http://localhost:"+strconv.Itoa(first)+"/facebook/callback" {
		t.Fatalf("redirect = %s, want port %d", redirect, first)
	}
	if strings.Contains(u.Query().Get("scope"), "business_management") {
		t.Fatal("business Pages are asked for before they are set")
	}

	update(t, e.k, Secrets{}, func(s *Settings) { s.Ports, s.BusinessPages = []int{second}, true })
	u, redirect = dialog(t, e.k)
	if !strings.Contains(redirect, ":"+strconv.Itoa(second)+"/") {
		t.Fatalf("redirect = %s, want port %d", redirect, second)
	}
	if !strings.Contains(u.Query().Get("scope"), "business_management") {
		t.Fatalf("Business Pages on: scope = %q", u.Query().Get("scope"))
	}

	relay := "https://relay.example.com/pagekeeper/relay.html"
	update(t, e.k, Secrets{}, func(s *Settings) { s.RedirectMode, s.RelayURL = RedirectRelay, relay })
	u, redirect = dialog(t, e.k)
	if redirect != relay || u.Query().Get("redirect_uri") != relay || !strings.HasPrefix(u.Query().Get("state"), strconv.Itoa(second)+".") {
		t.Fatalf("relay mode: redirect %s, dialog %s", redirect, u.Redacted())
	}
	update(t, e.k, Secrets{}, func(s *Settings) { s.RedirectMode = RedirectLoopback })
	if _, redirect = dialog(t, e.k); !strings.HasPrefix(redirect, "http://localhost:") {
		t.Fatalf("back to loopback: redirect %s", redirect)
	}
}

func TestTheAppSecretTakesEffectAtOnce(t *testing.T) {
	e := newHealthEnvSecret(t, sandbox.Options{Seed: 44, RequireAppSecretProof: true}, false)
	grant := Grant{UserToken: e.user}
	ctx := context.Background()
	if _, err := e.k.PlanConnect(ctx, grant, Actor{}); err == nil {
		t.Fatal("an app requiring the App Secret answered without it")
	}
	update(t, e.k, Secrets{AppSecret: NewSecret(e.fake.Options().AppSecret)}, func(*Settings) {})
	plan, err := e.k.PlanConnect(ctx, grant, Actor{})
	if err != nil || len(connectable(plan)) == 0 {
		t.Fatalf("with the App Secret: %v %+v", err, plan)
	}
	if v, _ := e.kr.Get(keyringService, appSecretUser(e.fake.Options().AppID)); v != e.fake.Options().AppSecret {
		t.Fatal("the App Secret is not in the keyring")
	}
	if got, err := e.k.loadSettings(ctx); err != nil || strings.Contains(token.New(got.AppID).Reveal(), "secret") {
		t.Fatalf("settings: %+v %v", got, err)
	}
}

func TestTheLanguageOfTheLoginPagesTakesEffectAtOnce(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 45})
	e.k = openOnFake(t, e.srv, Options{Dir: t.TempDir(), Keyring: e.kr, Ports: []int{0}, OpenBrowser: func(string) error { return nil }})
	// The fake's Live Business app: through the relay, with the configuration.
	update(t, e.k, Secrets{}, func(s *Settings) {
		s.RedirectMode, s.RelayURL, s.LoginConfigID = RedirectRelay, sandbox.DemoRelayURL, sandbox.DemoConfigID
	})
	login := func() string {
		s, err := e.k.StartLogin(context.Background(), "", false)
		if err != nil {
			t.Fatal(err)
		}
		page, _, err := logintest.New().Login(s.URL(), logintest.Choice{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Wait(); err != nil {
			t.Fatal(err)
		}
		return page.Body
	}
	if body := login(); !strings.Contains(body, "Connected as") {
		t.Fatalf("English page: %s", body)
	}
	update(t, e.k, Secrets{}, func(s *Settings) { s.Language = "es" })
	if body := login(); !strings.Contains(body, "Conectado como") {
		t.Fatalf("after choosing Spanish the page says: %s", body)
	}
}

func TestTheMailServerTakesEffectAtOnce(t *testing.T) {
	e := newHealthEnv(t, sandbox.Options{Seed: 46})
	// One certificate for both servers, so the keeper trusts either.
	cert, pool := testcert.Loopback(t)
	a, b := startSMTPWith(t, "u", "pa", cert, pool), startSMTPWith(t, "u", "pb", cert, pool)
	e.useSMTP(a, "u", "pa")
	e.connect(sandbox.PageSunriseCafe)
	e.round()
	e.fake.ChangePassword(sandbox.DemoUserID)
	e.round()
	if len(a.received()) != 1 {
		t.Fatalf("server A received %d alerts", len(a.received()))
	}
	update(t, e.k, Secrets{SMTPPassword: NewSecret("pb")}, func(s *Settings) { *s = e.smtpSettings(b, "u") })
	e.fake.Clock().Advance(25 * time.Hour) // a day later: the reminder is due
	e.round()
	if len(b.received()) != 1 || len(a.received()) != 1 {
		t.Fatalf("after the change A has %d, B %d messages", len(a.received()), len(b.received()))
	}
}

func TestTheIntervalsTakeEffectAtOnce(t *testing.T) {
	e := newHealthEnv(t, sandbox.Options{Seed: 47})
	e.connect(sandbox.PageSunriseCafe)
	e.round()
	e.fake.ChangePassword(sandbox.DemoUserID)
	e.round() // opens the incident
	e.takeAlerts()

	// Reminders: not after 2 hours with the default day, at once with an hour.
	e.fake.Clock().Advance(2 * time.Hour)
	e.round()
	if a := e.takeAlerts(); len(a) != 0 {
		t.Fatalf("a reminder before the day was over: %+v", a)
	}
	update(t, e.k, Secrets{}, func(s *Settings) { s.ReminderInterval = Duration(time.Hour) })
	e.round()
	if a := e.takeAlerts(); len(a) != 1 || a[0].Kind != AlertReminder {
		t.Fatalf("with an hourly reminder: %+v", a)
	}

	// The check interval: the scheduler waits an hour after the last check;
	// set to a minute when more than a minute has passed, it checks now.
	rounds := make(chan Round, 4)
	defer e.k.OnRound(func(r Round) { rounds <- r })()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.k.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	e.fake.Clock().Advance(5 * time.Minute)
	select {
	case r := <-rounds:
		t.Fatalf("a round ran before its interval: %+v", r)
	default:
	}
	update(t, e.k, Secrets{}, func(s *Settings) { s.CheckInterval = Duration(time.Minute) })
	select {
	case r := <-rounds:
		if r.Err != nil || len(r.Pages) != 1 {
			t.Fatalf("round: %+v", r)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the new interval did not take effect")
	}
}

func TestAFailedScheduledRoundIsPublished(t *testing.T) {
	e := newHealthEnv(t, sandbox.Options{Seed: 48})
	e.connect(sandbox.PageSunriseCafe)
	e.fake.Clock().Advance(time.Hour) // due at start-up
	rounds := make(chan Round, 4)
	defer e.k.OnRound(func(r Round) { rounds <- r })()
	// The store is closed under the scheduler: the round cannot read the Pages.
	if err := e.k.store.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.k.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	select {
	case r := <-rounds:
		if r.Err == nil {
			t.Fatalf("the failed round was published without its error: %+v", r)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the failed round was dropped")
	}
}

package keeper

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/internal/secretscan"
	"github.com/pagekeeper/pagekeeper/sandbox"
	"github.com/pagekeeper/pagekeeper/store"
)

// errNoDBus is what the system keyring answers on a headless Linux box.
var errNoDBus = errors.New(`exec: "dbus-launch": executable file not found in $PATH`)

const (
	testAppSecret = "pk-test-app-secret-7d1f0a93"
	testSMTPPass  = "pk-test-smtp-pass-4be2c1"
	testSMTPUser  = "alerts@sunrise.example"
)

// logLines records what a keeper logs.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logLines) all() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// secretsEnv is a data folder on the fake Facebook (which requires the
// appsecret_proof, so nothing works without the App Secret), a real SMTP
// server and a real integration.
type secretsEnv struct {
	*env
	smtp *smtpServer
	bot  *testBot
	log  *logLines
}

func newSecretsEnv(t *testing.T, seed int64) *secretsEnv {
	t.Helper()
	srv, err := sandbox.Start(sandbox.Options{Seed: seed, AppSecret: testAppSecret, RequireAppSecretProof: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	e := &env{t: t, srv: srv, dir: t.TempDir(), kr: store.NewMemoryKeyring(), clock: &testClock{t: srv.Fake.Clock().Now()}}
	e.client = fb.New(fb.Config{GraphURL: srv.URL, LoginURL: srv.URL, AppID: srv.Fake.Options().AppID,
		AppSecret: token.New(testAppSecret), Retry: fb.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond},
		CallTimeout: 5 * time.Second})
	return &secretsEnv{env: e, smtp: startSMTP(t, testSMTPUser, testSMTPPass), bot: newTestBot(t, e.clock.Now), log: &logLines{}}
}

// open opens the folder as a new process would (allowing the key file),
// saving the App ID and App Secret on first use.
func (e *secretsEnv) open() *Keeper {
	e.t.Helper()
	e.k = openOnFakeWith(e.t, e.srv, Options{Dir: e.dir, Keyring: e.kr, AllowKeyFile: true, Now: e.clock.Now,
		SMTPTLS: e.smtp.client, Logf: e.log.logf}, Secrets{AppSecret: NewSecret(testAppSecret)})
	return e.k
}

// saveMailAndBot saves the email account with its password and adds the
// bot with its signing secret, as a person would.
func (e *secretsEnv) saveMailAndBot() {
	e.t.Helper()
	host, port, _ := net.SplitHostPort(e.smtp.addr)
	p, _ := strconv.Atoi(port)
	set := e.k.Settings()
	set.Owners = []Owner{{Name: "Ana Rivera", Email: "ana@sunrise.example"}}
	set.SMTP = SMTP{Host: host, Port: p, Username: testSMTPUser, From: "pagekeeper@sunrise.example", Security: "starttls"}
	if err := e.k.UpdateSettings(context.Background(), set, Secrets{SMTPPassword: NewSecret(testSMTPPass)}); err != nil {
		e.t.Fatal(err)
	}
	e.addBot(e.bot, "Support Bot")
}

func (e *secretsEnv) secretRows() int {
	e.t.Helper()
	n := 0
	for _, user := range []string{appSecretUser(e.srv.Fake.Options().AppID), smtpUser(testSMTPUser), integrationSecretUser("Support Bot")} {
		if _, err := e.k.store.FolderKeyring().Get(keyringService, user); err == nil {
			n++
		} else if !errors.Is(err, store.ErrKeyNotFound) {
			e.t.Fatalf("folder secret %s: %v", user, err)
		}
	}
	return n
}

// useEverySecret proves each secret was read: Pages connect and check with
// the App Secret (the fake refuses calls without its proof), the bot
// accepts the signed deliveries, the mail server the password.
func (e *secretsEnv) useEverySecret() {
	e.t.Helper()
	ctx := context.Background()
	ids := e.connectDemo(false)
	e.deliver()
	for _, id := range ids {
		if st := e.integrationOf(id); st.Name != "Support Bot" || st.Status != IntegrationCurrent {
			e.t.Fatalf("Page %s at the bot: %+v", id, st)
		}
	}
	if got := e.bot.events(ids[0]); len(got) == 0 {
		e.t.Fatal("the bot accepted no signed delivery")
	}
	r, err := e.k.CheckNow(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, p := range r.Pages {
		if p.Status != StatusValid {
			e.t.Fatalf("Page %s is %s after a check with the App Secret: %v", p.ID, p.Status, p.Reason)
		}
	}
	if err := e.k.SendTestEmail(ctx, e.k.Settings(), Secrets{}); err != nil {
		e.t.Fatalf("test email with the saved password: %v", err)
	}
	if len(e.smtp.received()) == 0 {
		e.t.Fatal("the mail server received nothing")
	}
}

// On a computer without a system keyring, with the key file agreed to: the
// App Secret, the email password and the signing secret are saved, a new
// Keeper reads each back and uses it, nothing is logged about the keyring,
// and no file in the folder holds one in plaintext.
func TestSecretsWithoutAKeyringAreSealedInTheFolder(t *testing.T) {
	e := newSecretsEnv(t, 31)
	e.kr.FailWith(errNoDBus)
	e.open()
	e.saveMailAndBot()
	if got := e.k.SecretsPlace().String(); !strings.Contains(got, "data folder") {
		t.Errorf("SecretsPlace = %q", got)
	}
	if n := e.secretRows(); n != 3 {
		t.Fatalf("%d secrets in the folder, want 3", n)
	}
	if err := e.k.Close(); err != nil {
		t.Fatal(err)
	}

	e.open()
	e.useEverySecret()
	if strings.Contains(e.log.all(), "keyring") {
		t.Errorf("a key-file folder logs about the keyring:\n%s", e.log.all())
	}
	if err := e.k.Close(); err != nil {
		t.Fatal(err)
	}
	secretscan.AssertNowhereOnDisk(t, e.dir, 3, testAppSecret, testSMTPPass, e.bot.secret.Reveal())
}

// With a working keyring nothing changes: the secrets go there and the
// folder's table stays empty.
func TestSecretsStayInTheKeyringWhenThereIsOne(t *testing.T) {
	e := newSecretsEnv(t, 32)
	e.open()
	e.saveMailAndBot()
	if got := e.k.SecretsPlace().String(); got != "the system keyring" {
		t.Errorf("SecretsPlace = %q", got)
	}
	if n := e.secretRows(); n != 0 {
		t.Fatalf("%d secrets in the folder with a keyring", n)
	}
	if v, err := e.kr.Get(keyringService, integrationSecretUser("Support Bot")); err != nil || v != e.bot.secret.Reveal() {
		t.Fatalf("the keyring lacks the signing secret: %v", err)
	}
	e.k.Close()
	e.open()
	e.useEverySecret()
	if n := e.secretRows(); n != 0 {
		t.Fatalf("%d secrets in the folder with a keyring", n)
	}
}

// A folder whose data key is in the key file, where an older Pagekeeper
// saved the secrets in the system keyring: they are moved into the folder
// once, said once, and no longer in the keyring.
func TestSecretsInTheKeyringMoveToAKeyFileFolder(t *testing.T) {
	e := newSecretsEnv(t, 33)
	e.kr.FailWith(errNoDBus)
	e.open()
	e.saveMailAndBot()
	appUser := appSecretUser(e.srv.Fake.Options().AppID)
	for _, user := range []string{appUser, smtpUser(testSMTPUser), integrationSecretUser("Support Bot")} {
		if err := e.k.store.FolderKeyring().Delete(keyringService, user); err != nil {
			t.Fatal(err)
		}
	}
	e.k.Close()
	// What an older Pagekeeper left: the data key in the file, the
	// secrets in a keyring that works now.
	e.kr.FailWith(nil)
	for user, v := range map[string]string{appUser: testAppSecret, smtpUser(testSMTPUser): testSMTPPass, integrationSecretUser("Support Bot"): e.bot.secret.Reveal()} {
		if err := e.kr.Set(keyringService, user, v); err != nil {
			t.Fatal(err)
		}
	}
	e.open()
	if n := e.secretRows(); n != 3 {
		t.Fatalf("%d secrets moved into the folder, want 3", n)
	}
	if _, err := e.kr.Get(keyringService, appUser); !errors.Is(err, store.ErrKeyNotFound) {
		t.Errorf("the moved App Secret is still in the keyring: %v", err)
	}
	moved := movedEvents(t, e.k)
	if len(moved) != 3 || !strings.Contains(moved[0].Detail, "from the system keyring to the data folder") {
		t.Fatalf("secret_moved events: %+v", moved)
	}
	if !strings.Contains(e.log.all(), "was moved from the system keyring to the data folder") {
		t.Errorf("the move is not logged:\n%s", e.log.all())
	}
	e.k.Close()
	e.kr.FailWith(errNoDBus) // headless again: all is in the folder
	e.open()
	if n := len(movedEvents(t, e.k)); n != 3 {
		t.Errorf("%d secret_moved events after a reopen, want the 3 of the move", n)
	}
	e.useEverySecret()
}

// A keyring that was out of reach for a while (the folder went to a key
// file, and a secret was saved in the folder then) and is back: the
// keyring's key is used again and the secret moves into the keyring.
func TestSecretsSavedInTheFolderMoveBackToTheKeyring(t *testing.T) {
	e := newSecretsEnv(t, 34)
	e.open() // keyring: the data key and the App Secret there
	e.k.Close()
	e.kr.FailWith(errNoDBus)
	e.open() // a key file is made
	if got := e.k.SecretsPlace().String(); !strings.Contains(got, "data folder") {
		t.Fatalf("SecretsPlace = %q", got)
	}
	e.saveMailAndBot() // into the folder
	e.k.Close()
	e.kr.FailWith(nil)
	e.open()
	if got := e.k.SecretsPlace().String(); got != "the system keyring" {
		t.Fatalf("SecretsPlace = %q", got)
	}
	if v, err := e.kr.Get(keyringService, smtpUser(testSMTPUser)); err != nil || v != testSMTPPass {
		t.Fatalf("the password did not move to the keyring: %v", err)
	}
	if n := e.secretRows(); n != 0 {
		t.Fatalf("%d secrets left in the folder", n)
	}
	if moved := movedEvents(t, e.k); len(moved) != 2 || !strings.Contains(moved[0].Detail, "to the system keyring") {
		t.Fatalf("secret_moved events: %+v", moved)
	}
	e.useEverySecret()
}

// A viewer (another process manages the folder) reads the folder's
// secrets and moves nothing.
func TestViewerReadsTheFolderSecrets(t *testing.T) {
	e := newSecretsEnv(t, 35)
	e.kr.FailWith(errNoDBus)
	manager := e.open()
	e.saveMailAndBot()
	ids := e.connectDemo(false)
	viewer, err := Open(context.Background(), Options{Dir: e.dir, Keyring: e.kr, AllowKeyFile: true, FacebookURL: e.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer viewer.Close()
	if _, ro := viewer.ReadOnly(); !ro {
		t.Fatal("the second Keeper is not a viewer")
	}
	for _, key := range []string{KeyAppSecret, KeySMTPPassword} {
		if saved, err := viewer.SecretSaved(key); err != nil || !saved {
			t.Errorf("viewer: %s saved=%v err=%v", key, saved, err)
		}
	}
	infos, err := viewer.Integrations(context.Background())
	if err != nil || len(infos) != 1 || !infos[0].HasSecret {
		t.Fatalf("viewer's integrations: %+v %v", infos, err)
	}
	// The viewer's own check reaches Facebook only with the App Secret's proof.
	r, err := viewer.CheckNow(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Pages) != len(ids) {
		t.Fatalf("the viewer checked %d Pages, want %d", len(r.Pages), len(ids))
	}
	for _, p := range r.Pages {
		if p.Status != StatusValid {
			t.Fatalf("viewer: Page %s is %s: %v", p.ID, p.Status, p.Reason)
		}
	}
	if n := len(movedEvents(t, manager)); n != 0 {
		t.Errorf("%d secret_moved events", n)
	}
}

func movedEvents(t *testing.T, k *Keeper) []store.Event {
	t.Helper()
	evs, err := k.store.Events(context.Background(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.Event
	for _, ev := range evs {
		if ev.Kind == "secret_moved" {
			out = append(out, ev)
		}
	}
	return out
}

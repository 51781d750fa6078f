// Package keeper is Pagekeeper's domain: it opens a data folder as its
// manager (or as a read-only viewer when another process manages it), with
// the Facebook client and login built from the saved settings, and connects,
// checks, renews and disconnects Pages. The window and the headless
// commands share it and import nothing else of Pagekeeper's. It never
// imports Fyne and never lets a token out of a token.Token.
package keeper

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/fb/login"
	"github.com/pagekeeper/pagekeeper/integration"
	"github.com/pagekeeper/pagekeeper/sandbox"
	"github.com/pagekeeper/pagekeeper/store"
)

// Options are everything a Keeper is built from. The zero value opens the
// default data folder on the real Facebook with the system keyring.
type Options struct {
	// Dir is the data folder ("" = DefaultDir(Sandbox)).
	Dir string
	// Sandbox runs the built-in pretend Facebook on a loopback port, with its
	// state kept in the folder so practice survives a restart. The sandbox
	// never touches the system keyring: its data key lives in a key file and
	// its secrets in memory.
	Sandbox bool
	// SandboxAutoConsent plays the person at the pretend Facebook's dialog
	// through the fake's Consent API: every login is agreed to at once, with
	// every Page (sandbox-demo, tests).
	SandboxAutoConsent bool
	// Keyring keeps the data key and the secrets (App Secret, SMTP
	// password, signing secrets); nil = the system keyring. When the data
	// key is in the key file instead, so are the secrets: sealed in the data
	// folder. Ignored in the sandbox.
	Keyring store.Keyring
	// AllowKeyFile: the owner agreed to a key file when no keyring works.
	AllowKeyFile bool
	// Now is the clock (nil = time.Now).
	Now func() time.Time

	// FacebookURL points the real (non-sandbox) configuration's login
	// dialog, token endpoint and Graph at another server (the global
	// --facebook-url, for tests and staging proxies); "" = Facebook itself.
	// It must be an https:// address, or an http:// one on this computer
	// (checkFacebookURL); the sandbox has its own and refuses one.
	FacebookURL string
	// FacebookHTTP carries every Graph request (nil = a pooled client).
	// Tests use it to hold or fail requests.
	FacebookHTTP *http.Client
	// FacebookRetry and FacebookCallTimeout tune the Graph client (zero =
	// its defaults).
	FacebookRetry       fb.RetryPolicy
	FacebookCallTimeout time.Duration
	// OpenBrowser opens Facebook's login dialog (nil = the system browser).
	OpenBrowser func(url string) error
	// Ports, when set, replace the saved login callback ports (the
	// commands' --ports; 0 = any free port).
	Ports []int

	// ExeDir is where IT's preset file may sit next to the program
	// ("" = only the machine-wide preset is looked for).
	ExeDir string
	// Notifier shows alerts on this computer (desktop notification, tray);
	// nil = none (the headless commands).
	Notifier Notifier
	// Host names this computer in emails ("Open Pagekeeper on <Host>…");
	// "" = os.Hostname().
	Host string
	// SMTPTLS is the TLS set-up for the mail server; nil = the system's
	// roots and the server's host name. Tests pass one trusting their own
	// certificate.
	SMTPTLS *tls.Config
	// Logf reports what an administrator may want to know and no caller
	// waits for (a preset applied, a clean-up that could not be recorded).
	Logf func(format string, args ...any)
	// Version is Pagekeeper's version, for diagnostics.
	Version string

	// DeliveryConcurrency bounds the events sent to one integration at
	// once (0 = DefaultDeliveryConcurrency); a Page's events always go one
	// at a time, in order.
	DeliveryConcurrency int
	// IntegrationRootCAs are the certificate authorities trusted for the
	// integrations' https addresses (nil = the system's). Tests pass one
	// trusting their own certificate.
	IntegrationRootCAs *x509.CertPool
	// IntegrationTimeout bounds one delivery attempt (0 = 30 s).
	IntegrationTimeout time.Duration
	// SandboxIntegration, in the sandbox, starts the example integration
	// in this process (main wires integration/example, which keeper may not
	// import); the sandbox registers it as "Sandbox Bot" and points the
	// pretend Facebook's webhooks at it. Nil: the sandbox runs without it.
	SandboxIntegration func(ctx context.Context, c SandboxIntegrationConfig) (SandboxIntegrationServer, error)

	// Use is what this process does with the data folder (folder.go):
	// the window by default.
	Use Use
	// Command names the headless command in the manager lock
	// ("pagekeeper check"), so that others can say what holds the folder;
	// "" is the window.
	Command string
}

// DataDir is the folder o opens.
func (o Options) DataDir() (string, error) {
	if o.Dir != "" {
		return o.Dir, nil
	}
	return DefaultDir(o.Sandbox)
}

// DefaultDir is the default data folder: the config folder's Pagekeeper,
// or its sandbox subfolder.
func DefaultDir(inSandbox bool) (string, error) {
	d, err := store.DefaultDir()
	if err != nil {
		return "", err
	}
	if inSandbox {
		d = filepath.Join(d, "sandbox")
	}
	return d, nil
}

// ExeDir is the folder of the running program ("" when unknown), where IT
// may leave a preset.
func ExeDir() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	return filepath.Dir(exe)
}

// Keeper is an open data folder with its Facebook. It is safe for
// concurrent use.
type Keeper struct {
	opts  Options
	now   func() time.Time
	logf  func(format string, args ...any)
	store *store.Store
	lock  *store.Lock
	// viewer is set when another process manages the folder: this one only reads.
	viewer *store.LockInfo
	// unwritable is set when a reading command could not even take the lock
	// (a full disk, a read-only folder): it only reads (folder.go).
	unwritable *store.WriteError
	// secrets keeps the App Secret, the SMTP password and the signing
	// secrets: a *secretPlaces, or the sandbox's memory.
	secrets store.Keyring
	// http carries Graph requests for every client built from the settings,
	// so replacing a client leaves no idle connections behind.
	http *http.Client
	// fake is the sandbox's pretend Facebook (nil outside the sandbox).
	fake *sandbox.Server

	// cfg is the settings in effect and what they make (facebook.go).
	cfg        atomic.Pointer[config]
	settingsMu sync.Mutex // one settings change at a time

	loginMu sync.Mutex
	login   *login.Session // the login in progress, if any (login.go)

	// hstate: health rounds, the scheduler and alert subscribers (health.go, alerts.go).
	hstate healthState
	// rejected: counts of refused login callbacks not yet written (rejected.go).
	rejected rejectedCallbacks
	// dstate: the deliveries to the integrations (deliverer.go).
	dstate deliveryState
	// bot is the sandbox's own integration (nil outside the sandbox, or
	// without Options.SandboxIntegration).
	bot *SandboxIntegrationServer
}

// Open opens the data folder and builds the Keeper whole: the store (as
// manager, or read-only when another live process manages the folder), IT's
// preset on first start, the Facebook client and login set-up from the
// saved settings and secrets, and in the sandbox the pretend
// Facebook.
func Open(ctx context.Context, o Options) (*Keeper, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.FacebookURL != "" {
		if o.Sandbox {
			return nil, errors.New("--facebook-url points the real Facebook elsewhere; the sandbox has its own: use one or the other")
		}
		if err := checkFacebookURL(o.FacebookURL); err != nil {
			return nil, err
		}
	}
	dir, err := o.DataDir()
	if err != nil {
		return nil, err
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return nil, err
	}
	o.Dir = dir
	k := &Keeper{opts: o, now: o.Now, logf: o.Logf, secrets: o.Keyring, http: o.FacebookHTTP}
	k.dstate = deliveryState{wake: make(chan struct{}, 1), client: integration.NewClient(integration.ClientOptions{
		Timeout: o.IntegrationTimeout, RootCAs: o.IntegrationRootCAs, Now: o.Now})}
	dataKeyring := o.Keyring
	if o.Sandbox {
		// The sandbox agrees for itself to a key file and keeps practice
		// secrets in memory: practising can never prompt for, or disturb,
		// the real keyring.
		dataKeyring, o.AllowKeyFile = noKeyring{}, true
		k.secrets = store.NewMemoryKeyring()
	} else if k.secrets == nil {
		k.secrets = store.OSKeyring()
	}
	if k.http == nil {
		// The default transport keeps only 2 idle connections per host, so
		// concurrent batches would reconnect all the time.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 16
		k.http = &http.Client{Transport: tr}
	}
	if err := k.openStore(ctx, o.storeOptions(dir, dataKeyring)); err != nil {
		return nil, err
	}
	if !o.Sandbox {
		// The secrets are kept where the data key is: the keyring, or the
		// data folder when the key is in the key file (secrets.go).
		k.secrets = &secretPlaces{st: k.store, system: k.secrets}
	}
	if err := k.finishOpen(ctx); err != nil {
		return nil, errors.Join(err, k.Close())
	}
	return k, nil
}

// finishOpen starts the sandbox or applies IT's preset, then builds the
// Facebook client from the settings.
func (k *Keeper) finishOpen(ctx context.Context) error {
	if k.opts.Sandbox {
		if err := k.startSandbox(); err != nil {
			return err
		}
	} else {
		k.applyPresetIfAny(ctx)
	}
	set, err := k.loadSettings(ctx)
	if err != nil {
		return err
	}
	if set, err = k.moveOldDefaultPorts(ctx, set); err != nil {
		// The new ports are used all the same; the move is saved next time.
		k.logf("the login's new default ports could not be saved: %v", err)
	}
	k.moveSecrets(ctx, set)
	ints, err := k.loadIntegrations(ctx)
	if err != nil {
		return err
	}
	c := k.newConfig(set)
	c.integrations = ints
	k.cfg.Store(c)
	if k.opts.Sandbox && !k.readOnly() {
		// The sandbox closes the loop out of the box: its own integration
		// receives the Pages and answers the pretend customers.
		return k.startSandboxIntegration(ctx)
	}
	return nil
}

// Close ends the login in progress, writes the refused login callbacks
// still pending, closes the store, releases the manager lock and stops the
// sandbox.
func (k *Keeper) Close() error {
	k.loginMu.Lock()
	if k.login != nil {
		k.login.Cancel()
		<-k.login.Done()
		k.login = nil
	}
	k.loginMu.Unlock()
	var err error
	if k.store != nil {
		// Refused login callbacks still counted in memory are written
		// before the store closes (rejected.go).
		k.closeRejected()
		err = k.store.Close()
	}
	if k.lock != nil {
		err = errors.Join(err, k.lock.Release())
	}
	// Pagekeeper's own connections to Sandbox Bot go first, so that it can
	// stop at once (a connection that never carried a request would hold
	// its graceful stop for 5 seconds).
	k.dstate.client.CloseIdleConnections()
	if k.bot != nil {
		err = errors.Join(err, k.bot.Close())
	}
	if k.fake != nil {
		err = errors.Join(err, k.fake.Close())
	}
	k.http.CloseIdleConnections()
	return err
}

// RestoreBackup replaces the data file of dir (which must not be open) with
// a verified backup; the file it replaces is kept beside it.
func RestoreBackup(dir, backupPath string) error { return store.RestoreFrom(dir, backupPath) }

// ReadOnly reports who manages the folder when this process only views it
// (manager is zero when nobody does and the folder cannot be written:
// see Unwritable).
func (k *Keeper) ReadOnly() (manager LockInfo, readOnly bool) {
	switch {
	case k.viewer != nil:
		return LockInfo(*k.viewer), true
	case k.unwritable != nil:
		return LockInfo{}, true
	}
	return LockInfo{}, false
}

// readOnly: this process records nothing (folder.go).
func (k *Keeper) readOnly() bool { return k.viewer != nil || k.unwritable != nil }

// Dir is the data folder.
func (k *Keeper) Dir() string { return k.store.Dir() }

// DataVersion changes whenever another process (the manager) has
// committed to the data folder since the last call: a viewer polls it to
// refresh (store.DataVersion says why not the file's size and time).
func (k *Keeper) DataVersion(ctx context.Context) (int64, error) { return k.store.DataVersion(ctx) }

// InSandbox reports whether this Keeper talks to the pretend Facebook.
func (k *Keeper) InSandbox() bool { return k.fake != nil }

// ReadOnlyError: this window only views the folder; changes belong to the manager.
type ReadOnlyError struct{ Manager LockInfo }

func (e *ReadOnlyError) Error() string {
	return fmt.Sprintf("only the manager can change Pages: %s manages them", e.Manager)
}

func (k *Keeper) requireManager() error {
	switch {
	case k.viewer != nil:
		return &ReadOnlyError{Manager: LockInfo(*k.viewer)}
	case k.unwritable != nil:
		return k.unwritable
	}
	return nil
}

// Actor is who did something: the Facebook account that logged in (if any)
// and the person at this computer.
type Actor struct {
	FBUserID, FBUserName string
	OSUser               string
}

// OSActor is the person logged in to this computer.
func OSActor() Actor {
	if u, err := user.Current(); err == nil {
		return Actor{OSUser: u.Username}
	}
	return Actor{}
}

package keeper

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/pagekeeper/pagekeeper/fb/token"
	"github.com/pagekeeper/pagekeeper/sandbox"
	"github.com/pagekeeper/pagekeeper/store"
)

// In the sandbox the loop closes out of the box: the example integration
// runs in this process on a loopback port (its own key, secret and
// database in the sandbox folder), is registered as "Sandbox Bot" (the
// default for new Pages), and the pretend Facebook's webhooks go to it. A
// trainee connects a Page, its messages go to Sandbox Bot, a pretend
// customer writes, Sandbox Bot answers through the pretend Send API.

// sandboxBotDir is Sandbox Bot's own folder (its key, signing secret and
// database) inside the sandbox's data folder.
const sandboxBotDir = "sandbox-bot"

// SandboxIntegrationConfig is what the sandbox's integration is started with.
type SandboxIntegrationConfig struct {
	// Dir is its own folder (key, secret, database).
	Dir string
	// GraphURL is the pretend Facebook it answers customers through.
	GraphURL string
	// AppSecret is the pretend app's: it verifies the webhooks' signatures
	// and signs appsecret_proof.
	AppSecret token.Token
	// VerifyToken answers the pretend Facebook's verification handshake.
	VerifyToken string
	// Logf receives its log lines (never a token).
	Logf func(format string, args ...any)
}

// SandboxIntegrationServer is the sandbox's running integration.
type SandboxIntegrationServer struct {
	// URL receives Pagekeeper's deliveries (and serves its status).
	URL string
	// WebhookURL is its Messenger webhook callback.
	WebhookURL string
	// Recipient is its age public key; Secret the signing secret.
	Recipient string
	Secret    token.Token
	// Close stops it.
	Close func() error
}

// sandboxWebhookFields are what the pretend app subscribes its callback
// to: every field of the webhook presets.
var sandboxWebhookFields = func() []string {
	var out []string
	for _, p := range []WebhookPreset{PresetBot, PresetAgentInbox} {
		for _, f := range presetFields[p] {
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}()

// startSandboxIntegration starts Sandbox Bot, points the pretend app's
// webhook at it and registers it (or, after a restart, its new address).
func (k *Keeper) startSandboxIntegration(ctx context.Context) error {
	if k.opts.SandboxIntegration == nil {
		return nil
	}
	b := make([]byte, 16)
	rand.Read(b)
	verify := base64.RawURLEncoding.EncodeToString(b)
	srv, err := k.opts.SandboxIntegration(ctx, SandboxIntegrationConfig{Dir: filepath.Join(k.opts.Dir, sandboxBotDir),
		GraphURL: k.fake.URL, AppSecret: token.New(k.fake.Fake.Options().AppSecret), VerifyToken: verify, Logf: k.logf})
	if err != nil {
		return fmt.Errorf("starting the sandbox's integration (Sandbox Bot): %w", err)
	}
	k.bot = &srv
	if err := k.fake.Fake.SetAppWebhook(srv.WebhookURL, verify, sandboxWebhookFields); err != nil {
		return fmt.Errorf("pointing the pretend Facebook's webhooks at Sandbox Bot: %w", err)
	}
	return k.registerSandboxBot(ctx)
}

// registerSandboxBot makes the running Sandbox Bot an integration: added
// first (the default) the first time, else pointed at its new address.
func (k *Keeper) registerSandboxBot(ctx context.Context) error {
	srv := k.bot
	// The sandbox keeps its secrets in memory: Sandbox Bot's is set at every start.
	if _, err := k.setSecret(SandboxIntegrationName, Secret{srv.Secret}); err != nil {
		return err
	}
	in := Integration{Name: SandboxIntegrationName, URL: srv.URL, Recipient: srv.Recipient}
	t, ok := k.integrations().find(SandboxIntegrationName)
	switch {
	case !ok:
		return k.addIntegration(ctx, in, Actor{}, true)
	case t.Recipient != in.Recipient:
		return k.updateIntegration(ctx, in, false, Actor{})
	}
	// The same bot on a new port: only its address changes.
	return k.changeIntegrations(ctx, func(tx *store.Tx, list *[]Integration) error {
		for i := range *list {
			if (*list)[i].Name == in.Name {
				(*list)[i].URL = in.URL
			}
		}
		return tx.RescheduleDeliveries(in.Name, k.now())
	})
}

// ErrNoSandboxIntegration: the sandbox runs without its integration.
var ErrNoSandboxIntegration = fmt.Errorf("%w (and runs without Sandbox Bot)", ErrNotSandbox)

// SandboxCustomerMessage plays a customer writing text to the Page in the
// sandbox's pretend Messenger: the pretend Facebook delivers it to the
// app's webhook (Sandbox Bot), whose reply it records. It returns when the
// message was written.
func (k *Keeper) SandboxCustomerMessage(ctx context.Context, pageID, text string) (time.Time, error) {
	if k.fake == nil {
		return time.Time{}, ErrNotSandbox
	}
	at := k.now()
	if err := k.fake.Fake.CustomerMessage(pageID, sandbox.VisitorPSID(pageID), text); err != nil {
		return time.Time{}, err
	}
	return at, nil
}

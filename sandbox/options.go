package sandbox

import "time"

// Options configure a Fake. The zero value is a dev-mode app with the demo
// world, matching what the sandbox needs.
type Options struct {
	Seed      int64  // deterministic token, code and trace strings
	AppID     string // default "1234567890"
	AppSecret string // default "fake-app-secret"
	AppName   string // default "Pagekeeper Sandbox"

	// LiveMode false = development mode: any http(s)://localhost[:port]/…
	// redirect is allowed without registration (ref §1.7). true: only
	// RegisteredRedirects, https only; otherwise the "URL Blocked" or
	// "Insecure Login Blocked" HTML page is shown and nothing redirects.
	LiveMode            bool
	RegisteredRedirects []string

	// RequireAppSecretProof plays "Require App Secret" (ref §2.6).
	RequireAppSecretProof bool

	// ExtraPages adds N generated Pages ("Sandbox Page 00001"…) on which the
	// demo user is a full admin.
	ExtraPages int

	// BusinessOnly plays Facebook Login for Business with granular Page
	// selection: /me/accounts answers {"data":[]} while the Pages stay
	// reachable via debug_token granular_scopes and /me/businesses (ref §0.5).
	BusinessOnly bool

	// CodeTTL is the authorization-code lifetime (ref §1.2: NOT FOUND,
	// ~10 min is community lore). Default 10 minutes.
	CodeTTL time.Duration

	// EchoStateOnCancel: whether the cancel redirect carries state (ref §1.2
	// NOT FOUND). It is always true after defaults, because a zero bool
	// cannot mean "default true": set NoStateOnCancel to play the other
	// answer (cancel redirect without state).
	EchoStateOnCancel bool
	NoStateOnCancel   bool

	// SubscribeSuccessAsString answers POST subscribed_apps with
	// {"success":"true"} as the Messenger guide shows, instead of the
	// reference's boolean (ref §6; clients must accept both).
	SubscribeSuccessAsString bool

	// UnsubscribeMessagingSuccess adds "messaging_success":true to the
	// DELETE subscribed_apps answer (Application reference, ref §6).
	UnsubscribeMessagingSuccess bool

	// DataAccessExpiryBlocksPageTokens: whether Page tokens also fail once
	// the user's 90-day data access has expired (not found in the reference;
	// default false = only user-token calls fail with 190/493).
	DataAccessExpiryBlocksPageTokens bool

	// LoginConfigs are the Facebook Login for Business configurations the
	// dialog accepts as config_id. Default: DemoConfigID.
	LoginConfigs map[string][]string

	// Clock is the controllable clock; default NewClock(DefaultStart).
	Clock *Clock

	// Webhooks tunes the webhook emitter (timeout, retries, disabling);
	// zero values are Meta's (webhooks.go).
	Webhooks WebhookOptions

	// StateFile, when set, makes the sandbox survive a restart: New and
	// Start load it (a missing file is a fresh sandbox), and the fake saves
	// it (atomically, mode 0600) at most StateSaveInterval after each
	// change and on Close. See SaveState for what it holds.
	StateFile string
}

// DemoConfigID is the default Facebook Login for Business configuration.
const DemoConfigID = "555000111222333"

// DemoConfigPermissions are the permissions of DemoConfigID.
var DemoConfigPermissions = []string{"pages_show_list", "pages_messaging", "pages_manage_metadata", "pages_read_engagement", "business_management"}

func (o Options) withDefaults() Options {
	if o.AppID == "" {
		o.AppID = "1234567890"
	}
	if o.AppSecret == "" {
		o.AppSecret = "fake-app-secret"
	}
	if o.AppName == "" {
		o.AppName = "Pagekeeper Sandbox"
	}
	if o.CodeTTL <= 0 {
		o.CodeTTL = 10 * time.Minute
	}
	if !o.NoStateOnCancel {
		o.EchoStateOnCancel = true
	}
	if o.LoginConfigs == nil {
		o.LoginConfigs = map[string][]string{DemoConfigID: DemoConfigPermissions}
	}
	if o.Clock == nil {
		o.Clock = NewClock(DefaultStart)
	}
	o.Webhooks = o.Webhooks.withDefaults()
	return o
}

// Token lifetimes on the Clock (ref §2, §13 "Clock control").
const (
	ShortUserTokenTTL  = 5400 * time.Second    // ~1.5 h
	LongUserTokenTTL   = 5184000 * time.Second // 60 days
	ShortPageTokenTTL  = time.Hour             // Page token from a short-lived user token
	DataAccessTTL      = 90 * 24 * time.Hour   // data access window
	MessagingWindow    = 24 * time.Hour        // standard messaging window (ref §9.2)
	HumanAgentWindow   = 7 * 24 * time.Hour    // HUMAN_AGENT tag
	DefaultThrottleFor = 10 * time.Minute      // estimated_time_to_regain_access
)

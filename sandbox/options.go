package sandbox

import "time"

// Options configure a Fake. The zero value is the hard, common case a real
// customer meets (docs/FACEBOOK.md "The Meta app"): a Business-type app in
// Live mode, people with no role on the app, logging in through a Facebook
// Login for Business configuration, with the demo world's Pages on both
// task families. Tests about something else set the easier answers
// explicitly (Mode, AppRole, AppType).
type Options struct {
	Seed      int64  // deterministic token, code and trace strings
	AppID     string // default DefaultAppID
	AppSecret string // default DefaultAppSecret
	AppName   string // default "Pagekeeper Sandbox"

	// AppType is the Meta app's type; "" is AppBusiness, whose dialog needs
	// a config_id (Facebook Login for Business).
	AppType AppType
	// Mode is the app's mode; "" is ModeLive. In development mode only
	// people with a role on the app may log in, and http://localhost
	// redirects are allowed without registration; in Live mode only
	// RegisteredRedirects, and only https ones.
	Mode AppMode
	// AppRole is the role every person of the world has on the app ("" is
	// RoleNone, a customer). Admins and developers may call debug_token with
	// their own user token; in development mode any role may log in.
	AppRole AppRole

	// RegisteredRedirects are the app's Valid OAuth Redirect URIs, matched
	// exactly (Strict Mode). nil registers DemoRelayURL, the relay page
	// whose hosting the fake simulates (relay.go).
	RegisteredRedirects []string

	// RequireAppSecretProof plays "Require App Secret".
	RequireAppSecretProof bool

	// RefuseSecretlessExchange plays the answer Meta does not document: a
	// code exchange with the PKCE verifier but without client_secret is
	// refused (101 "Missing client_secret parameter."). Default: accepted,
	// as Meta's own Android SDK exchanges (docs/FACEBOOK.md "Code exchange").
	RefuseSecretlessExchange bool

	// ExtraPages adds N generated Pages ("Sandbox Page 00001"…) on which the
	// demo user is a full admin.
	ExtraPages int

	// BusinessOnly plays Facebook Login for Business with granular Page
	// selection: /me/accounts answers {"data":[]} while the Pages stay
	// reachable via debug_token granular_scopes and /me/businesses.
	BusinessOnly bool

	// CodeTTL is the authorization-code lifetime (not documented by Meta;
	// ~10 min is community lore). Default 10 minutes.
	CodeTTL time.Duration

	// EchoStateOnCancel: whether the cancel redirect carries state (not
	// documented). It is always true after defaults, because a zero bool
	// cannot mean "default true": set NoStateOnCancel to play the other
	// answer (cancel redirect without state).
	EchoStateOnCancel bool
	NoStateOnCancel   bool

	// SubscribeSuccessAsString answers POST subscribed_apps with
	// {"success":"true"} as the Messenger guide shows, instead of the
	// reference's boolean (clients must accept both).
	SubscribeSuccessAsString bool

	// UnsubscribeMessagingSuccess adds "messaging_success":true to the
	// DELETE subscribed_apps answer (Application reference).
	UnsubscribeMessagingSuccess bool

	// DataAccessExpiryBlocksPageTokens: whether Page tokens also fail once
	// the user's 90-day data access has expired (not documented; default
	// false = only user-token calls fail with 190/493).
	DataAccessExpiryBlocksPageTokens bool

	// LoginConfigs are the app's Facebook Login for Business configurations
	// the dialog accepts as config_id. Default: DemoConfigID (a user access
	// token) and DemoSystemUserConfigID (a business integration system user
	// access token), both with DemoConfigPermissions.
	LoginConfigs map[string]LoginConfig

	// Clock is the controllable clock; default NewClock(DefaultStart).
	Clock *Clock

	// Webhooks tunes the webhook emitter (timeout, retries, disabling);
	// zero values are Meta's (webhooks.go).
	Webhooks WebhookOptions

	// StateFile, when set, makes the sandbox survive a restart: New and
	// Start load it (a missing file is a fresh sandbox), and the fake saves
	// it (atomically, mode 0600) at most StateSaveInterval after each
	// change and on Close: only when it changed the pretend Facebook, and
	// never over a newer save by another sandbox (ErrStateNewer). See
	// SaveState for what it holds.
	StateFile string
}

// AppType is the type chosen when the Meta app was created.
type AppType string

const (
	// AppBusiness: Facebook Login for Business; the dialog takes config_id
	// instead of scope, and without one it shows "It looks like this app
	// isn't available".
	AppBusiness AppType = "business"
	// AppConsumer: classic Facebook Login with scope and per-permission choices.
	AppConsumer AppType = "consumer"
)

// AppMode is the app's mode in the App Dashboard.
type AppMode string

const (
	ModeLive        AppMode = "live"
	ModeDevelopment AppMode = "development"
)

// AppRole is a person's role on the Meta app (not on a Page).
type AppRole string

const (
	RoleNone      AppRole = "none"
	RoleAdmin     AppRole = "admin"
	RoleDeveloper AppRole = "developer"
	RoleTester    AppRole = "tester"
)

// TokenType is the access token a Login for Business configuration gives.
type TokenType string

const (
	// TokenUser: a user access token (and Page tokens derived from it).
	TokenUser TokenType = "user"
	// TokenSystemUser: a business integration system user access token,
	// which does not expire; debug_token reports type SYSTEM_USER.
	TokenSystemUser TokenType = "system_user"
)

// LoginConfig is one Facebook Login for Business configuration: the
// person grants all of Permissions or none (public_profile is added), and
// the login gives a token of TokenType.
type LoginConfig struct {
	Permissions []string
	TokenType   TokenType // "" is TokenUser
}

// ParseAppType, ParseMode and ParseAppRole read the sandbox-server flags.
func ParseAppType(s string) (AppType, bool) {
	t := AppType(s)
	return t, t == AppBusiness || t == AppConsumer
}

func ParseMode(s string) (AppMode, bool) {
	m := AppMode(s)
	return m, m == ModeLive || m == ModeDevelopment
}

func ParseAppRole(s string) (AppRole, bool) {
	r := AppRole(s)
	switch r {
	case RoleNone, RoleAdmin, RoleDeveloper, RoleTester:
		return r, true
	}
	return r, false
}

const (
	// DefaultAppID and DefaultAppSecret are the pretend app's credentials
	// (public: nothing real is behind them). An installation pointed at the
	// sandbox with --facebook-url enters DefaultAppSecret in Settings to
	// play the recommended set-up.
	DefaultAppID     = "1234567890"
	DefaultAppSecret = "fake-app-secret"

	// DemoConfigID is the default Facebook Login for Business configuration
	// (a user access token).
	DemoConfigID = "555000111222333"
	// DemoSystemUserConfigID gives a business integration system user token.
	DemoSystemUserConfigID = "555000111222444"
	// DemoRelayURL is the registered redirect URI of the default app: the
	// relay page of "the business's relay host". The fake simulates only
	// its hosting (relay.go); the redirect rules apply to it as to any URI.
	DemoRelayURL = "https://relay.pagekeeper.example/pagekeeper/relay.html"
)

// DemoConfigPermissions are the permissions of the demo configurations.
var DemoConfigPermissions = []string{"pages_show_list", "pages_messaging", "pages_manage_metadata", "pages_read_engagement", "business_management"}

func (o Options) withDefaults() Options {
	if o.AppID == "" {
		o.AppID = DefaultAppID
	}
	if o.AppSecret == "" {
		o.AppSecret = DefaultAppSecret
	}
	if o.AppName == "" {
		o.AppName = "Pagekeeper Sandbox"
	}
	if o.AppType == "" {
		o.AppType = AppBusiness
	}
	if o.Mode == "" {
		o.Mode = ModeLive
	}
	if o.AppRole == "" {
		o.AppRole = RoleNone
	}
	if o.RegisteredRedirects == nil {
		o.RegisteredRedirects = []string{DemoRelayURL}
	}
	if o.CodeTTL <= 0 {
		o.CodeTTL = 10 * time.Minute
	}
	if !o.NoStateOnCancel {
		o.EchoStateOnCancel = true
	}
	if o.LoginConfigs == nil {
		o.LoginConfigs = map[string]LoginConfig{
			DemoConfigID:           {Permissions: DemoConfigPermissions, TokenType: TokenUser},
			DemoSystemUserConfigID: {Permissions: DemoConfigPermissions, TokenType: TokenSystemUser},
		}
	}
	if o.Clock == nil {
		o.Clock = NewClock(DefaultStart)
	}
	o.Webhooks = o.Webhooks.withDefaults()
	return o
}

// Token lifetimes on the Clock (docs/FACEBOOK.md "Tokens").
const (
	ShortUserTokenTTL  = 5400 * time.Second    // ~1.5 h
	LongUserTokenTTL   = 5184000 * time.Second // 60 days
	ShortPageTokenTTL  = time.Hour             // Page token from a short-lived user token
	DataAccessTTL      = 90 * 24 * time.Hour   // data access window
	MessagingWindow    = 24 * time.Hour        // standard messaging window
	HumanAgentWindow   = 7 * 24 * time.Hour    // HUMAN_AGENT tag
	DefaultThrottleFor = 10 * time.Minute      // estimated_time_to_regain_access
)

package login

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/pkg/browser"

	"github.com/pagekeeper/pagekeeper/fb"
	"github.com/pagekeeper/pagekeeper/fb/login/relay"
	"github.com/pagekeeper/pagekeeper/fb/token"
)

// DefaultScopes are the permissions a Page connection needs.
var DefaultScopes = []string{"pages_show_list", "pages_manage_metadata", "pages_messaging", "pages_read_engagement"}

// DefaultPorts are the callback ports tried in order when Config.Ports is
// empty. They match keeper.DefaultSettings. Facebook never sees them behind
// the relay page; in loopback mode (development-mode apps) it allows any
// localhost port.
var DefaultPorts = []int{27182, 27183, 27184}

const (
	// DefaultTimeout is how long a login waits for Facebook's answer.
	DefaultTimeout = 5 * time.Minute
	// CallbackPath is the path of the local callback.
	CallbackPath = relay.CallbackPath

	businessScope = "business_management"
	// The auth_type values Facebook's dialog understands (Meta's
	// manual-flow guide: rerequest; the Android SDK: reauthorize).
	AuthTypeRerequest   = "rerequest"
	AuthTypeReauthorize = "reauthorize"
)

// Config describes one login. AppID and either Client or the URLs are
// needed; everything else has a default.
type Config struct {
	AppID string
	// Client is the Graph client used after the exchange (/me,
	// /me/permissions). When set, its Config() supplies GraphURL, LoginURL,
	// Version and AppID where these fields are empty. When nil, a client
	// is built from these fields and closed with the login.
	Client   *fb.Client
	LoginURL string // default fb.DefaultLoginURL
	GraphURL string // default fb.DefaultGraphURL
	Version  string // default fb.DefaultVersion

	// Scopes default to DefaultScopes; Business adds business_management
	// (Pages owned through a Business portfolio).
	Scopes   []string
	Business bool
	// ConfigID is the Facebook Login for Business configuration a
	// Business-type app logs in with: the dialog then sends config_id and no
	// scope, as the configuration holds the permissions (granted all or
	// none). Business-type apps need it: without it Facebook's dialog says
	// "It looks like this app isn't available" (docs/FACEBOOK.md §1).
	ConfigID string
	// AuthType is "" for a first login, AuthTypeRerequest after a required
	// permission was declined, AuthTypeReauthorize after data access
	// expired (see AuthTypeFor).
	AuthType string

	// Ports are the callback ports: the first is preferred, the others are
	// fallbacks when it is busy. Default DefaultPorts. Port 0 means any
	// free port (tests; only development-mode apps accept it).
	Ports []int
	// RelayURL, when set, is the HTTPS relay page registered as the redirect
	// URI (relay mode); it forwards to the loopback callback.
	RelayURL string

	// Timeout bounds the wait for Facebook's answer; default DefaultTimeout.
	// It does not cut short an exchange already under way.
	Timeout time.Duration
	// ExchangeTimeout bounds the code exchange; default 30 s.
	ExchangeTimeout time.Duration

	// AppSecret, when set, is sent with the code exchange (beside the PKCE
	// verifier, which is always sent) and turns the short-lived user token
	// into a long-lived one (fb_exchange_token). Without it the exchange
	// relies on PKCE alone, which Facebook may refuse (ErrAppSecretNeeded).
	AppSecret token.Token

	// OpenBrowser opens the dialog URL; default github.com/pkg/browser. It
	// runs in its own goroutine and a failure only shows on
	// Session.BrowserErr: the person can still open Session.URL by hand.
	OpenBrowser func(url string) error

	// Pages are the texts of the callback pages, in the person's language
	// (keeper renders them from its catalog).
	Pages Messages

	// OnAttempt is told about every rejected callback (forged, replayed,
	// malformed). It runs on the HTTP goroutine: keep it short. Attempt
	// never carries a secret.
	OnAttempt func(Attempt)

	// Test hooks.
	now               func() time.Time
	readHeaderTimeout time.Duration
}

// AuthTypeFor picks the dialog's auth_type for a renewal: reauthorize when
// data access expired (it is the only login that renews it), rerequest
// when a permission was declined (the dialog otherwise does not ask again),
// "" otherwise.
func AuthTypeFor(declined []string, dataAccessExpired bool) string {
	switch {
	case dataAccessExpired:
		return AuthTypeReauthorize
	case len(declined) > 0:
		return AuthTypeRerequest
	}
	return ""
}

// resolved is a Config with defaults applied and checked.
type resolved struct {
	Config
	relay       *url.URL
	authURL     string
	tokenURL    string
	scopes      []string
	openBrowser func(string) error
}

func (c Config) resolve() (*resolved, error) {
	r := &resolved{Config: c}
	if c.Client != nil {
		cc := c.Client.Config()
		if r.GraphURL == "" {
			r.GraphURL = cc.GraphURL
		}
		if r.LoginURL == "" {
			r.LoginURL = cc.LoginURL
		}
		if r.Version == "" {
			r.Version = cc.Version
		}
		if r.AppID == "" {
			r.AppID = cc.AppID
		}
	}
	if r.GraphURL == "" {
		r.GraphURL = fb.DefaultGraphURL
	}
	if r.LoginURL == "" {
		r.LoginURL = fb.DefaultLoginURL
	}
	if r.Version == "" {
		r.Version = fb.DefaultVersion
	}
	r.GraphURL = strings.TrimRight(r.GraphURL, "/")
	r.LoginURL = strings.TrimRight(r.LoginURL, "/")
	r.Version = strings.Trim(r.Version, "/")
	if strings.Trim(r.AppID, "0123456789") != "" || r.AppID == "" {
		return nil, &SetupError{What: "the Facebook App ID is missing or not a number; set it in Settings"}
	}
	for _, raw := range []string{r.GraphURL, r.LoginURL} {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, &SetupError{What: fmt.Sprintf("%q is not a web address Pagekeeper can use for Facebook", raw)}
		}
	}
	r.authURL = r.LoginURL + "/" + r.Version + "/dialog/oauth"
	r.tokenURL = r.GraphURL + "/" + r.Version + "/oauth/access_token"

	switch {
	case c.ConfigID != "":
		if strings.Trim(c.ConfigID, "0123456789") != "" {
			return nil, &SetupError{What: "the Login configuration ID is the number Meta shows for the configuration under Facebook Login for Business; check it in Settings"}
		}
		r.scopes = nil // the configuration holds the permissions
	default:
		r.scopes = slices.Clone(c.Scopes)
		if len(r.scopes) == 0 {
			r.scopes = slices.Clone(DefaultScopes)
		}
		if c.Business && !slices.Contains(r.scopes, businessScope) {
			r.scopes = append(r.scopes, businessScope)
		}
	}
	switch c.AuthType {
	case "", AuthTypeRerequest, AuthTypeReauthorize, "reauthenticate":
	default:
		return nil, &SetupError{What: fmt.Sprintf("unknown auth_type %q", c.AuthType)}
	}

	if len(r.Ports) == 0 {
		r.Ports = DefaultPorts
	}
	r.Ports = slices.Clone(r.Ports)
	for _, p := range r.Ports {
		if p < 0 || p > 65535 || (p != 0 && p < 1024) {
			return nil, &SetupError{What: fmt.Sprintf("login port %d is outside 1024–65535; change it in Settings", p)}
		}
	}
	if c.RelayURL != "" {
		u, err := url.Parse(c.RelayURL)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.Fragment != "" || u.RawQuery != "" {
			return nil, &SetupError{What: "the relay page address must be the exact https:// address registered with Facebook, without ?query or #fragment"}
		}
		// Any port works behind the relay: it reads the port from the
		// state, and Facebook only sees the relay's address.
		r.relay = u
	}
	if r.Timeout <= 0 {
		r.Timeout = DefaultTimeout
	}
	if r.ExchangeTimeout <= 0 {
		r.ExchangeTimeout = 30 * time.Second
	}
	r.openBrowser = c.OpenBrowser
	if r.openBrowser == nil {
		r.openBrowser = browser.OpenURL
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.readHeaderTimeout <= 0 {
		r.readHeaderTimeout = 5 * time.Second
	}
	return r, nil
}

// SetupError is a login that cannot start because of its configuration.
type SetupError struct{ What string }

func (e *SetupError) Error() string { return "Facebook login cannot start: " + e.What }

// Sentinel outcomes of a login, for errors.Is.
var (
	// ErrCancelled: the person pressed Cancel in Facebook's dialog.
	ErrCancelled = errors.New("login cancelled in Facebook's dialog – nothing was changed")
	// ErrTimeout: no answer from Facebook within Config.Timeout.
	ErrTimeout = errors.New("login timed out – try again")
	// ErrAppSecretNeeded: Facebook would not finish a login without the
	// App Secret (it refused the exchange with only the PKCE verifier).
	ErrAppSecretNeeded = errors.New("Facebook finishes this app's logins only with its App Secret: enter the App Secret in Settings (Facebook app), then log in again")
	// ErrAppSecretWrong: Facebook refused the App Secret Pagekeeper sent.
	ErrAppSecretWrong = errors.New("Facebook refused the App Secret in Settings: it is not this app's secret. Copy it again from Meta's App Dashboard (App settings, Basic), save it in Settings, then log in again")
)

// Package logintest plays the person at the browser in tests of the login:
// it drives the fake Facebook's dialog (package sandbox) over real HTTP the way a
// browser submits its form, and follows Facebook's redirect to the local
// callback, through the relay page when the app uses one (it cannot run the
// page's script, so it forwards as the page would: relay.Forward).
package logintest

import (
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/pagekeeper/pagekeeper/fb/login/relay"
)

// Browser is an HTTP client that keeps no connections open (so tests can
// check for leaked goroutines) and does not follow redirects on its own.
type Browser struct {
	Client *http.Client
}

// New returns a Browser.
func New() *Browser {
	return &Browser{Client: &http.Client{
		Timeout:   20 * time.Second,
		Transport: &http.Transport{DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// Page is what the browser got.
type Page struct {
	Status int
	Header http.Header
	Body   string
}

// Get loads u.
func (b *Browser) Get(u string) (*Page, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	return b.Do(req)
}

// Do sends req and reads the answer.
func (b *Browser) Do(req *http.Request) (*Page, error) {
	resp, err := b.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, err
	}
	return &Page{Status: resp.StatusCode, Header: resp.Header, Body: string(body)}, nil
}

var (
	formRe  = regexp.MustCompile(`(?s)<form id="consent" method="post" action="([^"]*)">(.*?)</form>`)
	inputRe = regexp.MustCompile(`<input type="(hidden|checkbox)" name="([^"]+)" value="([^"]*)"(?: id="([^"]*)")?( checked)?( disabled)?>`)
)

// Choice is what the person does in the dialog.
type Choice struct {
	Cancel bool     // press Cancel instead of Continue
	Untick []string // checkbox ids to untick: "page-<ID>", "perm-<name>"
	Tick   []string // checkbox ids to tick
	As     string   // the fake user to log in as (the dialog's user switcher)
}

// Consent opens the dialog at dialogURL, makes the choice and submits the
// form like a browser (ticked, enabled boxes only). It returns the address
// of the loopback callback the browser is sent to, without visiting it:
// Facebook's redirect itself, or where the relay page forwards it.
func (b *Browser) Consent(dialogURL string, c Choice) (*url.URL, error) {
	du, err := url.Parse(dialogURL)
	if err != nil {
		return nil, err
	}
	if c.As != "" {
		q := du.Query()
		q.Set("as", c.As)
		du.RawQuery = q.Encode()
	}
	p, err := b.Get(du.String())
	if err != nil {
		return nil, err
	}
	if p.Status != http.StatusOK {
		return nil, fmt.Errorf("dialog: HTTP %d: %s", p.Status, p.Body)
	}
	m := formRe.FindStringSubmatch(p.Body)
	if m == nil {
		return nil, errors.New("dialog: no consent form")
	}
	action, err := du.Parse(html.UnescapeString(m[1]))
	if err != nil {
		return nil, err
	}
	form := url.Values{}
	for _, in := range inputRe.FindAllStringSubmatch(m[2], -1) {
		kind, name, val, id := in[1], in[2], html.UnescapeString(in[3]), in[4]
		checked, disabled := in[5] != "", in[6] != ""
		if kind == "hidden" {
			form.Add(name, val)
			continue
		}
		if slices.Contains(c.Untick, id) {
			checked = false
		}
		if slices.Contains(c.Tick, id) {
			checked = true
		}
		if checked && !disabled {
			form.Add(name, val)
		}
	}
	form.Set("__action", "continue")
	if c.Cancel {
		form.Set("__action", "cancel")
	}
	req, err := http.NewRequest(http.MethodPost, action.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.Status != http.StatusFound {
		return nil, fmt.Errorf("dialog POST: HTTP %d: %s", resp.Status, resp.Body)
	}
	to, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		return nil, err
	}
	return b.ThroughRelay(to)
}

// Login consents and then visits the callback, returning its page and the
// callback address (which holds the code: tests use it to prove the code
// never appears anywhere else).
func (b *Browser) Login(dialogURL string, c Choice) (*Page, *url.URL, error) {
	cb, err := b.Consent(dialogURL, c)
	if err != nil {
		return nil, nil, err
	}
	p, err := b.Get(cb.String())
	return p, cb, err
}

// ThroughRelay is where the browser ends up after Facebook's redirect to
// u: u itself when it is the loopback callback; otherwise u is the relay
// page, whose forward this browser computes as its script would (the real
// page runs in the browser tests).
func (b *Browser) ThroughRelay(u *url.URL) (*url.URL, error) {
	if u.Hostname() == "localhost" && u.Path == relay.CallbackPath {
		return u, nil
	}
	return relay.Forward(u)
}

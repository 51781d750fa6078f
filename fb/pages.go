package fb

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

// Source records where DiscoverPages found a Page; a Page found several ways
// has several bits set.
type Source uint8

const (
	SourceAccounts Source = 1 << iota // /me/accounts
	SourceGranular                    // debug_token granular_scopes target_ids
	SourceBusiness                    // /me/businesses → owned_pages / client_pages
)

func (s Source) Has(o Source) bool { return s&o != 0 }

func (s Source) String() string {
	var parts []string
	if s.Has(SourceAccounts) {
		parts = append(parts, "accounts")
	}
	if s.Has(SourceGranular) {
		parts = append(parts, "granular")
	}
	if s.Has(SourceBusiness) {
		parts = append(parts, "business")
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "|")
}

// Page is a Facebook Page as Pagekeeper sees it.
type Page struct {
	ID         string
	Name       string
	Username   string
	Category   string
	Link       string
	PictureURL string
	// Published is nil when Facebook did not say (the field is not returned
	// by /me/accounts unless asked for, and not to every role).
	Published *bool
	// Tasks are the connecting person's tasks on the Page, in either
	// family of names (see Capabilities). Only the edges that list a
	// person's Pages report them: TasksKnown is false for a Page found
	// otherwise (granular scopes, a business), and a missing list is then
	// no evidence of missing tasks.
	Tasks      []string
	TasksKnown bool
	// AccessToken is the Page token, present when the Page was read with a
	// user token of someone with a role on it.
	AccessToken token.Token
	Source      Source
	// Problem is set by DiscoverPages when the Page is known (from the
	// token's granular scopes) but could not be read; the Page should be
	// shown as not connectable with this reason, never silently dropped.
	Problem *Error
}

// Capabilities is what the connecting person's tasks allow (meaningful
// only when TasksKnown).
func (p Page) Capabilities() Capability { return CapabilitiesOf(p.Tasks) }

// PageFields is what Pagekeeper reads of a Page node; it never asks the
// node for tasks, which Page does not have ("(#100) Tried accessing
// nonexisting field (tasks) on node type (Page)").
const PageFields = "id,name,username,category,is_published,link,picture"

// AccountsFields is what Pagekeeper reads of each Page of /me/accounts,
// which adds the person's tasks and the Page token.
const AccountsFields = PageFields + ",tasks,access_token"

type pageJSON struct {
	ID          flexString      `json:"id"`
	Name        string          `json:"name"`
	Username    string          `json:"username"`
	Category    string          `json:"category"`
	IsPublished *flexBool       `json:"is_published"`
	Link        string          `json:"link"`
	Picture     json.RawMessage `json:"picture"`
	Tasks       []string        `json:"tasks"`
	AccessToken string          `json:"access_token"`
}

func (j pageJSON) page() Page {
	p := Page{
		ID: string(j.ID), Name: j.Name, Username: j.Username, Category: j.Category,
		Link: j.Link, Tasks: j.Tasks, AccessToken: token.New(j.AccessToken),
	}
	if j.IsPublished != nil {
		b := bool(*j.IsPublished)
		p.Published = &b
	}
	p.PictureURL = pictureURL(j.Picture)
	return p
}

// pictureURL accepts {"data":{"url":…}} (fields=picture), {"url":…} or a
// plain string.
func pictureURL(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var w struct {
		URL  string `json:"url"`
		Data struct {
			URL string `json:"url"`
		} `json:"data"`
	}
	if json.Unmarshal(raw, &w) == nil {
		if w.Data.URL != "" {
			return w.Data.URL
		}
		return w.URL
	}
	return ""
}

func (c *Client) limit() string { return strconv.Itoa(c.cfg.PageSize) }

func pagesOf(items []pageJSON, src Source) []Page {
	out := make([]Page, 0, len(items))
	for _, it := range items {
		if it.ID == "" {
			continue
		}
		p := it.page()
		p.Source = src
		out = append(out, p)
	}
	return out
}

// Accounts lists every Page the person has a role on (all result pages), with
// their Page tokens and the person's tasks.
func (c *Client) Accounts(ctx context.Context, userTok token.Token) ([]Page, error) {
	items, err := getAllOf[pageJSON](ctx, c, userTok, "me/accounts",
		url.Values{"fields": {AccountsFields}, "limit": {c.limit()}})
	if err != nil {
		return nil, err
	}
	ps := pagesOf(items, SourceAccounts)
	for i := range ps {
		ps[i].TasksKnown = true
	}
	return ps, nil
}

// Page reads one Page. With a user token of someone with a role on the Page
// the answer includes its Page token.
func (c *Client) Page(ctx context.Context, tok token.Token, id string) (Page, error) {
	return c.page(ctx, tok, id, false)
}

func (c *Client) page(ctx context.Context, tok token.Token, id string, withToken bool) (Page, error) {
	seg, err := segment(id)
	if err != nil {
		return Page{}, err
	}
	fields := PageFields
	if withToken {
		fields += ",access_token"
	}
	var j pageJSON
	if err := c.getJSON(ctx, tok, seg, url.Values{"fields": {fields}}, &j); err != nil {
		return Page{}, err
	}
	if j.ID == "" {
		return Page{}, unexpectedAnswer(0, "Facebook's answer about the Page has no ID", nil)
	}
	return j.page(), nil
}

// DiscoverOptions tunes DiscoverPages.
type DiscoverOptions struct {
	// Business also reads Pages owned by or shared with the person's
	// businesses (needs business_management).
	Business bool
}

// discoveryScopes are the permissions whose granular target IDs name Pages
// the person picked in Facebook's dialog.
var discoveryScopes = map[string]bool{"pages_show_list": true, "pages_messaging": true, "pages_manage_metadata": true}

// DiscoverPages finds every Page the person connected, including the ones
// /me/accounts leaves out: Pages granted granularly (Facebook Login for
// Business may return an empty /me/accounts) and, with opts.Business, Pages
// of the person's businesses. Pages are de-duplicated by ID, in the order
// first found, with Source saying where each was seen.
//
// The granular step reads the user token's granular scopes with debug_token,
// which Facebook answers only for the app token: without an App Secret it is
// skipped (CanInspect). A Page named there that cannot be read is kept with
// Problem set. Failures of the mandatory steps (accounts, debug_token) are
// returned as errors; in the business step a permission error (no
// business_management) just means there are no business Pages to add.
func (c *Client) DiscoverPages(ctx context.Context, userTok token.Token, opts DiscoverOptions) ([]Page, error) {
	var out []Page
	index := map[string]int{}
	add := func(p Page) {
		if i, ok := index[p.ID]; ok {
			old := &out[i]
			old.Source |= p.Source
			if old.AccessToken.IsZero() && !p.AccessToken.IsZero() {
				old.AccessToken = p.AccessToken
				old.Problem = nil
			}
			if !old.TasksKnown && p.TasksKnown {
				old.Tasks, old.TasksKnown = p.Tasks, true
			}
			return
		}
		index[p.ID] = len(out)
		out = append(out, p)
	}

	accounts, err := c.Accounts(ctx, userTok)
	if err != nil {
		return nil, err
	}
	for _, p := range accounts {
		add(p)
	}

	var info TokenInfo
	if c.CanInspect() {
		if info, err = c.InspectToken(ctx, userTok); err != nil {
			return nil, err
		}
		if !info.Valid && info.Error != nil {
			return nil, info.Error
		}
	}
	for _, g := range info.GranularScopes {
		if !discoveryScopes[g.Scope] {
			continue
		}
		for _, id := range g.TargetIDs {
			if _, ok := index[id]; ok {
				index := index[id]
				out[index].Source |= SourceGranular
				continue
			}
			p, err := c.page(ctx, userTok, id, true)
			if err != nil {
				e, ok := AsError(err)
				if !ok || e.Class == ClassTransient || e.Class == ClassThrottled || e.Class == ClassAuth {
					return nil, err
				}
				p = Page{ID: id, Problem: e}
			}
			if p.ID == "" {
				p.ID = id
			}
			p.Source = SourceGranular
			add(p)
		}
	}

	if opts.Business {
		biz, err := c.businessPages(ctx, userTok)
		if err != nil {
			return nil, err
		}
		for _, p := range biz {
			add(p)
		}
	}
	return out, nil
}

func (c *Client) businessPages(ctx context.Context, userTok token.Token) ([]Page, error) {
	type bizJSON struct {
		ID   flexString `json:"id"`
		Name string     `json:"name"`
	}
	businesses, err := getAllOf[bizJSON](ctx, c, userTok, "me/businesses", url.Values{"fields": {"id,name"}, "limit": {c.limit()}})
	if err != nil {
		if IsPermission(err) {
			return nil, nil
		}
		return nil, err
	}
	var out []Page
	for _, b := range businesses {
		seg, err := segment(string(b.ID))
		if err != nil {
			continue
		}
		for _, edge := range []string{"owned_pages", "client_pages"} {
			// These edges return plain Pages: no tasks.
			items, err := getAllOf[pageJSON](ctx, c, userTok, seg+"/"+edge,
				url.Values{"fields": {PageFields + ",access_token"}, "limit": {c.limit()}})
			if err != nil {
				if IsPermission(err) {
					continue
				}
				return nil, err
			}
			out = append(out, pagesOf(items, SourceBusiness)...)
		}
	}
	return out, nil
}

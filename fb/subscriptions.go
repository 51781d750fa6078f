package fb

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

// SubscribedApp is an app subscribed to a Page's webhooks. Facebook returns
// only the calling app's entry (Page subscribed_apps reference); Pagekeeper
// still counts only the entry with its own App ID, so that another app's
// subscription can never pass for its own.
type SubscribedApp struct {
	ID     string
	Name   string
	Fields []string
}

// SubscribedApps lists this app's webhook subscription on the Page; empty
// when the app is not subscribed (for instance after Facebook disabled a
// failing webhook).
func (c *Client) SubscribedApps(ctx context.Context, pageID string, pageTok token.Token) ([]SubscribedApp, error) {
	seg, err := segment(pageID)
	if err != nil {
		return nil, err
	}
	type appJSON struct {
		ID     flexString `json:"id"`
		Name   string     `json:"name"`
		Fields []string   `json:"subscribed_fields"`
	}
	items, err := getAllOf[appJSON](ctx, c, pageTok, seg+"/subscribed_apps", nil)
	if err != nil {
		return nil, err
	}
	out := make([]SubscribedApp, 0, len(items))
	for _, a := range items {
		if c.ours(string(a.ID)) {
			if a.Fields == nil {
				return nil, errNoSubscribedFields(0)
			}
			out = append(out, SubscribedApp{ID: string(a.ID), Name: a.Name, Fields: a.Fields})
		}
	}
	return out, nil
}

// ours reports whether a subscribed app is this app (every entry counts
// when no App ID is configured, as in tests of the bare client).
func (c *Client) ours(appID string) bool { return c.cfg.AppID == "" || appID == c.cfg.AppID }

// Subscribe subscribes the app to the Page's webhook fields (form-encoded:
// JSON bodies were reported to fail). Subscribing is idempotent, so it is
// retried like a read.
func (c *Client) Subscribe(ctx context.Context, pageID string, pageTok token.Token, fields []string) error {
	seg, err := segment(pageID)
	if err != nil {
		return err
	}
	if len(fields) == 0 {
		return errors.New("facebook: no webhook fields to subscribe")
	}
	for _, f := range fields {
		if !isFieldName(f) {
			return errors.New("facebook: invalid webhook field name")
		}
	}
	resp, err := c.do(ctx, &request{
		method: http.MethodPost, url: c.endpoint(seg + "/subscribed_apps"),
		params: url.Values{"subscribed_fields": {strings.Join(fields, ",")}},
		tok:    pageTok, idempotent: true,
	})
	if err != nil {
		return err
	}
	return checkSuccess(resp, "the webhook subscription")
}

// Unsubscribe removes the app's webhook subscription from the Page.
func (c *Client) Unsubscribe(ctx context.Context, pageID string, pageTok token.Token) error {
	seg, err := segment(pageID)
	if err != nil {
		return err
	}
	resp, err := c.do(ctx, &request{method: http.MethodDelete, url: c.endpoint(seg + "/subscribed_apps"), tok: pageTok, idempotent: true})
	if err != nil {
		return err
	}
	return checkSuccess(resp, "removing the webhook subscription")
}

func isFieldName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

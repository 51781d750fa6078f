package fb

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

// maxPages bounds a paged walk: 1000 pages of 100 is far beyond any real
// account, and a server that keeps answering "next" must not loop us forever.
const maxPages = 1000

type pagedJSON struct {
	Data   json.RawMessage `json:"data"`
	Paging struct {
		Next string `json:"next"`
	} `json:"paging"`
}

// getAll GETs path and follows paging.next until it is absent, calling each
// for every data array. Facebook's next links are absolute and carry the
// access token; the token is stripped and the credentials re-added by once,
// and links to any other host than GraphURL are refused so a tampered answer
// cannot make us send a token elsewhere.
func (c *Client) getAll(ctx context.Context, tok token.Token, path string, params url.Values, each func(json.RawMessage) error) error {
	next := c.endpoint(path)
	seen := map[string]bool{}
	for n := 0; ; n++ {
		if n >= maxPages {
			return unexpectedAnswer(0, "too many result pages from "+path, nil)
		}
		resp, err := c.do(ctx, &request{method: http.MethodGet, url: next, params: params, tok: tok, idempotent: true})
		if err != nil {
			return err
		}
		var p pagedJSON
		if err := decodeBody(resp, &p); err != nil {
			return err
		}
		// A list answer always has its data array, "[]" when empty: without
		// it nothing is known (not "there are none").
		if len(p.Data) == 0 || p.Data[0] != '[' {
			return unexpectedAnswer(resp.status, "unexpected list from Facebook for "+path, nil)
		}
		if err := each(p.Data); err != nil {
			return err
		}
		if p.Paging.Next == "" {
			return nil
		}
		link, err := c.pagingLink(p.Paging.Next)
		if err != nil {
			return err
		}
		if seen[link] {
			return nil // a server repeating a link: stop rather than loop
		}
		seen[link] = true
		next, params = link, nil // the link carries every other parameter
	}
}

// pagingLink validates a paging.next URL and returns it without credentials.
func (c *Client) pagingLink(raw string) (string, error) {
	u, err := url.Parse(raw)
	bad := unexpectedAnswer(0, "Facebook sent a paging link Pagekeeper will not follow", nil)
	if err != nil || !u.IsAbs() {
		return "", bad
	}
	if !strings.EqualFold(u.Scheme, c.graph.Scheme) || !strings.EqualFold(u.Host, c.graph.Host) || u.User != nil {
		return "", bad
	}
	q := u.Query()
	q.Del("access_token")
	q.Del("appsecret_proof")
	u.RawQuery = q.Encode()
	u.Fragment = ""
	return u.String(), nil
}

// decodeAll GETs every page of path and decodes the data items into []T.
func getAllOf[T any](ctx context.Context, c *Client, tok token.Token, path string, params url.Values) ([]T, error) {
	var out []T
	err := c.getAll(ctx, tok, path, params, func(raw json.RawMessage) error {
		var items []T
		if err := json.Unmarshal(raw, &items); err != nil {
			return unexpectedAnswer(0, "unexpected list from Facebook for "+path, err)
		}
		out = append(out, items...)
		return nil
	})
	return out, err
}

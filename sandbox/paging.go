package sandbox

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
)

const (
	defaultLimit = 25
	maxLimit     = 100
)

func encCursor(i int) string {
	return base64.StdEncoding.EncodeToString([]byte("pk:" + strconv.Itoa(i)))
}

func decCursor(s string) (int, bool) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(b), "pk:") {
		return 0, false
	}
	i, err := strconv.Atoi(string(b[3:]))
	return i, err == nil && i >= 0
}

// paginate cuts n items into a cursor page with absolute next/previous
// links on the fake's own origin (docs/FACEBOOK.md §2).
func (f *Fake) paginate(c *call, n int, item func(i int) any) (map[string]any, *apiError) {
	limit := defaultLimit
	if l := c.params.Get("limit"); l != "" {
		v, err := strconv.Atoi(l)
		if err != nil {
			return nil, errParam("(#100) Param limit must be a number")
		}
		if v > 0 {
			limit = min(v, maxLimit)
		}
	}
	start, end := 0, 0
	switch {
	case c.params.Get("after") != "":
		i, ok := decCursor(c.params.Get("after"))
		if !ok {
			return nil, errParam("(#100) The After Cursor specified exceeds the max limit supported by this endpoint")
		}
		start = i + 1
		end = start + limit
	case c.params.Get("before") != "":
		i, ok := decCursor(c.params.Get("before"))
		if !ok {
			return nil, errParam("(#100) The Before Cursor specified is invalid")
		}
		end = min(i, n)
		start = max(0, end-limit)
	default:
		end = limit
	}
	start = min(start, n)
	end = min(max(end, start), n)
	data := make([]any, 0, end-start)
	for i := start; i < end; i++ {
		data = append(data, item(i))
	}
	out := map[string]any{"data": data}
	if len(data) > 0 {
		paging := map[string]any{"cursors": map[string]string{"before": encCursor(start), "after": encCursor(end - 1)}}
		if end < n {
			paging["next"] = f.pageLink(c, limit, "after", encCursor(end-1))
		}
		if start > 0 {
			paging["previous"] = f.pageLink(c, limit, "before", encCursor(start))
		}
		out["paging"] = paging
	}
	if strings.Contains(c.params.Get("summary"), "total_count") || c.params.Get("summary") == "true" {
		out["summary"] = map[string]int{"total_count": n}
	}
	return out, nil
}

// pageLink builds an absolute paging URL that, like Meta's, repeats the
// query (access_token included, unless it came in a header).
func (f *Fake) pageLink(c *call, limit int, key, cursor string) string {
	q := url.Values{}
	for k, v := range c.params {
		switch k {
		case "after", "before", "access_token", "method", "batch", "include_headers":
			continue
		}
		q[k] = v
	}
	q.Set("limit", strconv.Itoa(limit))
	q.Set(key, cursor)
	if !c.tokenInHeader && c.token != "" {
		q.Set("access_token", c.token)
	}
	return c.base + c.rawPath + "?" + q.Encode()
}

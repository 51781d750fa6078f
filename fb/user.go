package fb

import (
	"context"
	"net/url"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

// User is the Facebook account a user token belongs to.
type User struct {
	ID   string
	Name string
}

// Me returns the account behind tok.
func (c *Client) Me(ctx context.Context, tok token.Token) (User, error) {
	var j struct {
		ID   flexString `json:"id"`
		Name string     `json:"name"`
	}
	if err := c.getJSON(ctx, tok, "me", url.Values{"fields": {"id,name"}}, &j); err != nil {
		return User{}, err
	}
	if j.ID == "" {
		return User{}, unexpectedAnswer(0, "Facebook's answer about the account has no ID", nil)
	}
	return User{ID: string(j.ID), Name: j.Name}, nil
}

// PermissionStatus is what the person decided about one permission.
type PermissionStatus string

const (
	PermissionGranted  PermissionStatus = "granted"
	PermissionDeclined PermissionStatus = "declined"
	PermissionExpired  PermissionStatus = "expired"
)

// Permission is one entry of /me/permissions.
type Permission struct {
	Name   string
	Status PermissionStatus
}

// Permissions lists every permission the person granted, declined or let
// expire for the app.
func (c *Client) Permissions(ctx context.Context, userTok token.Token) ([]Permission, error) {
	type permJSON struct {
		Permission string `json:"permission"`
		Status     string `json:"status"`
	}
	items, err := getAllOf[permJSON](ctx, c, userTok, "me/permissions", url.Values{"limit": {c.limit()}})
	if err != nil {
		return nil, err
	}
	out := make([]Permission, 0, len(items))
	for _, p := range items {
		out = append(out, Permission{Name: p.Permission, Status: PermissionStatus(p.Status)})
	}
	return out, nil
}

// Granted reports whether name is in ps with status granted.
func Granted(ps []Permission, name string) bool {
	for _, p := range ps {
		if p.Name == name {
			return p.Status == PermissionGranted
		}
	}
	return false
}

package fb

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/pagekeeper/pagekeeper/fb/token"
)

// TestPlainOpURLMatchesOpParams: the direct relative URL of a batch
// operation is the one opParams and url.Values.Encode build.
func TestPlainOpURLMatchesOpParams(t *testing.T) {
	for _, secret := range []string{"", "s3cret"} {
		c := New(Config{AppSecret: token.New(secret)})
		ops := []BatchOp{
			{Method: http.MethodGet, RelativeURL: "debug_token", Token: token.New("1234|s3cret"), inputToken: token.New("EAAtoken+/=&x")},
			{Method: http.MethodGet, RelativeURL: "/me", Token: token.New("EAAuser")},
			{Method: http.MethodGet, RelativeURL: "me/accounts"},
			{Method: http.MethodDelete, RelativeURL: "123/subscribed_apps", Token: token.New("EAApage")},
		}
		for i := range ops {
			got, ok := c.plainOpURL(&ops[i], ops[i].Token)
			if !ok {
				t.Fatalf("op %d not plain", i)
			}
			path, q, _ := c.opParams(&ops[i], ops[i].Token)
			want := path
			if len(q) > 0 {
				want += "?" + q.Encode()
			}
			if got != want {
				t.Fatalf("secret %q op %d: %q, want %q", secret, i, got, want)
			}
		}
		for _, op := range []BatchOp{
			{Method: http.MethodGet, RelativeURL: "me?fields=id"},
			{Method: http.MethodPost, RelativeURL: "me/messages"},
			{Method: http.MethodGet, RelativeURL: "me", Body: url.Values{"a": {"b"}}},
		} {
			if _, ok := c.plainOpURL(&op, op.Token); ok {
				t.Fatalf("%+v taken as plain", op)
			}
		}
	}
}

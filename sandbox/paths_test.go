package sandbox

import (
	"net/url"
	"reflect"
	"testing"
)

func TestParseQueryMatchesNetURL(t *testing.T) {
	for _, q := range []string{"", "a=1", "a=1&b=2&a=3", "&&a=&=b&c", "input_token=EAAx&access_token=EAAy&appsecret_proof=ab12",
		"a=%41+b", "a;b=1", "x=%zz", "fields=id,name{a}"} {
		want, _ := url.ParseQuery(q)
		if got := parseQuery(q); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %v, want %v", q, got, want)
		}
	}
}

func TestStripVersion(t *testing.T) {
	for in, want := range map[string]string{"/v25.0/me": "/me", "/v25.0": "/", "/v25.0/": "/", "/v2.10//x": "/x", "/v25/me": "/v25/me",
		"/v25.0x/me": "/v25.0x/me", "/vx.0/me": "/vx.0/me", "/me": "/me", "": "/", "/": "/", "/v.1/me": "/v.1/me", "/v1./me": "/v1./me"} {
		if got := stripVersion(in); got != want {
			t.Errorf("stripVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

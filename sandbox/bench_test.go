package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func BenchmarkNewWith10000Pages(b *testing.B) {
	for b.Loop() {
		New(Options{ExtraPages: 10000})
	}
}

func BenchmarkAccountsPage(b *testing.B) {
	f := New(Options{ExtraPages: 10000})
	tok := f.IssueUserToken(DemoUserID, true, fullScopes)
	for b.Loop() {
		r := f.graph(&call{method: http.MethodGet, path: "/me/accounts", rawPath: "/me/accounts", token: tok,
			params: url.Values{"after": {encCursor(5000)}}, base: "http://x"})
		if r.status != 200 {
			b.Fatal(string(r.body))
		}
	}
}

func BenchmarkBatch50(b *testing.B) {
	s, err := Start(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	tok := s.Fake.IssueUserToken(DemoUserID, true, fullScopes)
	ops := make([]string, 50)
	for i := range ops {
		ops[i] = fmt.Sprintf(`{"method":"GET","relative_url":"%s?fields=id,name,access_token"}`, PageSunriseCafe)
	}
	form := url.Values{"access_token": {tok}, "batch": {"[" + strings.Join(ops, ",") + "]"}}.Encode()
	for b.Loop() {
		resp, err := http.Post(s.URL+"/", "application/x-www-form-urlencoded", strings.NewReader(form))
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
}

func TestExtraPagesWorld(t *testing.T) {
	f := New(Options{ExtraPages: 10000})
	pages := f.Pages()
	if len(pages) != 9+10000 {
		t.Fatalf("%d pages", len(pages))
	}
	last := pages[len(pages)-1]
	if last.ID != ExtraPageID(10000) || last.Name != "Sandbox Page 10000" || len(last.Tasks[DemoUserID]) != 6 {
		t.Fatalf("%+v", last)
	}
}

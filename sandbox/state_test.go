package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sandboxStory runs what a page owner does in the sandbox before closing it:
// logs in through the dialog (two people, one unticking a Page), exchanges
// for a long-lived token, takes Page tokens from /me/accounts, subscribes
// webhooks, gets messages, and simulates problems. It returns the tokens it
// got, user tokens first.
func sandboxStory(t *testing.T, s *Server) (users, pages []string) {
	t.Helper()
	o := s.Fake.Options()
	short := login(t, s, nil)
	r := exchange(t, s, url.Values{"grant_type": {"fb_exchange_token"}, "client_id": {o.AppID}, "client_secret": {o.AppSecret},
		"fb_exchange_token": {short}})
	long, _ := r.body["access_token"].(string)
	if long == "" {
		t.Fatalf("exchange: %s", r.raw)
	}
	ben := login(t, s, url.Values{"as": {SecondUserID}}, "page-"+PageLakesideBikes)
	chloe := s.Fake.IssueUserToken(NoPagesUserID, false, []string{"email"})
	users = []string{short, long, ben, chloe}

	for _, ut := range []string{short, long, ben} {
		acc := graphGet(t, s, "/v25.0/me/accounts", ut, url.Values{"fields": {"id,access_token"}, "limit": {"100"}})
		for _, p := range dataList(t, acc) {
			pages = append(pages, p["access_token"].(string))
		}
	}
	// Ben unticked Lakeside Bikes: its token exists but is not granted.
	pages = append(pages, s.Fake.PageToken(ben, PageLakesideBikes))
	for _, pid := range []string{PageSunriseCafe, PageHarborBooks, PageMapleStreetMarket, PageBlueDoorStudio} {
		r := graphDo(t, s, http.MethodPost, "/v25.0/"+pid+"/subscribed_apps", s.Fake.PageToken(long, pid),
			url.Values{"subscribed_fields": {"messages,messaging_postbacks"}})
		if r.status != 200 {
			t.Fatalf("subscribe %s: %s", pid, r.raw)
		}
	}
	s.Fake.AddConversation(PageSunriseCafe, "7100000000000099", s.Fake.Clock().Now().Add(-5*time.Minute))
	r = graphDo(t, s, http.MethodPost, "/v25.0/me/messages", s.Fake.PageToken(long, PageSunriseCafe), url.Values{
		"recipient": {`{"id":"` + SunriseCafePSID + `"}`}, "messaging_type": {"RESPONSE"}, "message": {`{"text":"We open at 8"}`}})
	if r.status != 200 {
		t.Fatalf("send: %s", r.raw)
	}

	for _, fr := range []FaultRequest{
		{Kind: "password_changed", User: SecondUserID},
		{Kind: "role_lost", Page: PageHarborBooks},
		{Kind: "webhook_dropped", Page: PageMapleStreetMarket},
		{Kind: "permission_removed", Permission: "pages_read_engagement"},
		{Kind: "checkpoint", User: NoPagesUserID},
		{Kind: "token_expired", User: NoPagesUserID},
		{Kind: "throttle", Scope: "/me/businesses", Code: 17},
		{Kind: "transient", Scope: PageBlueDoorStudio, Count: 3, Status: 503},
		{Kind: "error", Scope: PageOldTownTailor, Code: 368},
		{Kind: "batch_null", Scope: PageGreenLeafYoga, Count: 2},
	} {
		if err := s.Fake.ApplyFault(fr); err != nil {
			t.Fatal(err)
		}
	}
	s.Fake.BlockRecipient(PageMapleStreetMarket, MapleStreetMarketPSID)
	// Changes to the world itself, which Reset leaves.
	s.Fake.SetPublished(PageSunriseCafe, false)
	s.Fake.SetPublished(PageOldTownTailor, true)
	for pid, tasks := range map[string][]string{PageBlueDoorStudio: {"PROFILE_PLUS_MODERATE"}, ExtraPageID(1): {"ANALYZE"}} {
		if err := s.Fake.SetTasks(DemoUserID, pid, tasks); err != nil {
			t.Fatal(err)
		}
	}
	s.Fake.RemoveRole(DemoUserID, ExtraPageID(1)) // Reset must bring back the ANALYZE-only role
	// The dialog's code is issued but not yet exchanged when the app closes.
	loginCode(t, s, url.Values{"as": {SecondUserID}})
	s.Fake.Clock().Advance(2 * time.Hour) // the short-lived tokens expire
	return users, pages
}

// probe is one request a restarted sandbox must answer like the old one.
type probe struct {
	method, path, token string
	params              url.Values
}

func probes(app string, users, pages []string) []probe {
	var ps []probe
	for _, tok := range append(append([]string{}, users...), pages...) {
		ps = append(ps, probe{"GET", "/v25.0/debug_token", app, url.Values{"input_token": {tok}}})
	}
	for _, ut := range users {
		ps = append(ps,
			probe{"GET", "/v25.0/me", ut, nil},
			probe{"GET", "/v25.0/me/accounts", ut, url.Values{"fields": {"id,name,access_token,tasks"}, "limit": {"3"}}},
			probe{"GET", "/v25.0/me/permissions", ut, nil},
			probe{"GET", "/v25.0/me/assigned_pages", ut, url.Values{"fields": {"id,tasks"}, "limit": {"100"}}},
			probe{"GET", "/v25.0/" + PageSunriseCafe, ut, url.Values{"fields": {"id,is_published"}}},
			probe{"GET", "/v25.0/" + PageOldTownTailor, ut, url.Values{"fields": {"id,is_published"}}},
			probe{"GET", "/v25.0/" + PageBlueDoorStudio, ut, url.Values{"fields": {"id,is_published"}}},
			probe{"GET", "/v25.0/" + ExtraPageID(1), ut, url.Values{"fields": {"id,is_published"}}},
			probe{"GET", "/v25.0/me/businesses", ut, nil})
	}
	for _, pt := range pages {
		ps = append(ps,
			probe{"GET", "/v25.0/me/subscribed_apps", pt, nil},
			probe{"GET", "/v25.0/me/conversations", pt, url.Values{"fields": {"id,snippet,message_count,messages{message}"}}},
			probe{"POST", "/v25.0/me/messages", pt, url.Values{"recipient": {`{"id":"` + MapleStreetMarketPSID + `"}`},
				"messaging_type": {"RESPONSE"}, "message": {`{"text":"hi"}`}}})
	}
	var ops []map[string]any
	for _, pt := range pages {
		ops = append(ops, map[string]any{"method": "GET", "relative_url": "debug_token?input_token=" + url.QueryEscape(pt), "access_token": app})
	}
	b, _ := json.Marshal(ops)
	ps = append(ps, probe{"POST", "/v25.0/", users[1], url.Values{"batch": {string(b)}}})
	return ps
}

// answer is a response with the server's own address taken out.
func answer(t *testing.T, s *Server, p probe) string {
	t.Helper()
	q := url.Values{}
	for k, v := range p.params {
		q[k] = v
	}
	var r result
	if p.method == http.MethodGet {
		r = graphGet(t, s, p.path, p.token, q)
	} else {
		r = graphDo(t, s, p.method, p.path, p.token, q)
	}
	var hs []string
	for _, k := range []string{"WWW-Authenticate", "X-App-Usage", "X-Business-Use-Case-Usage", "X-Page-Usage"} {
		hs = append(hs, k+": "+r.header.Get(k))
	}
	return fmt.Sprintf("%d %s\n%s", r.status, strings.Join(hs, "\n"), strings.ReplaceAll(string(r.raw), s.URL, "{origin}"))
}

func compareAnswers(t *testing.T, stage string, old, restarted *Server, ps []probe) {
	t.Helper()
	for i, p := range ps {
		a, b := answer(t, old, p), answer(t, restarted, p)
		if a != b {
			for j := 0; j < len(a) && j < len(b); j++ {
				if a[j] != b[j] {
					t.Logf("first difference at %d: old %q restarted %q", j, a[max(0, j-200):min(len(a), j+200)], b[max(0, j-200):min(len(b), j+200)])
					break
				}
			}
			t.Fatalf("%s: probe %d (%s %s) differs after the restart:\nold:       %s\nrestarted: %s", stage, i, p.method, p.path, a, b)
		}
	}
}

func debugOf(t *testing.T, s *Server, tok string) map[string]any {
	t.Helper()
	r := graphGet(t, s, "/v25.0/debug_token", s.Fake.AppToken(), url.Values{"input_token": {tok}})
	d, _ := r.body["data"].(map[string]any)
	if d == nil {
		t.Fatalf("debug_token: %s", r.raw)
	}
	return d
}

func subcodeOf(d map[string]any) int {
	e, _ := d["error"].(map[string]any)
	n, _ := e["subcode"].(float64)
	return int(n)
}

// TestStateSurvivesRestart: a sandbox saved to its state file and started
// again answers every request exactly as the old one would, byte for byte,
// before and after Reset, and goes on issuing the same tokens.
func TestStateSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sandbox-state.json")
	opts := Options{Seed: 5, ExtraPages: 2}
	old := start(t, opts)
	users, pages := sandboxStory(t, old)
	if err := old.Fake.SaveStateFile(path); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file: %v %v", fi, err)
	}

	// The new sandbox's clock starts elsewhere: loading puts it back.
	opts.StateFile = path
	opts.Clock = NewClock(DefaultStart.Add(-72 * time.Hour))
	restarted := start(t, opts)
	if err := restarted.Fake.StateError(); err != nil {
		t.Fatal(err)
	}
	if got, want := restarted.Fake.Clock().Now(), old.Fake.Clock().Now(); !got.Equal(want) {
		t.Fatalf("clock %v, want %v", got, want)
	}

	// What a person checks: the Pages still connected are still valid, the
	// problems they simulated are still there.
	if d := debugOf(t, restarted, restarted.Fake.PageToken(users[1], PageSunriseCafe)); d["is_valid"] != true {
		t.Fatalf("Sunrise Café token after restart: %v", d)
	}
	if d := debugOf(t, restarted, pages[len(pages)-1]); d["is_valid"] != false || subcodeOf(d) != 460 {
		t.Fatalf("Ben's token after his password change: %v", d)
	}
	if d := debugOf(t, restarted, users[0]); d["is_valid"] != false || subcodeOf(d) != 463 {
		t.Fatalf("short-lived token 2 h later: %v", d)
	}
	sub := graphGet(t, restarted, "/v25.0/"+PageSunriseCafe+"/subscribed_apps", restarted.Fake.PageToken(users[1], PageSunriseCafe), nil)
	if apps := dataList(t, sub); len(apps) != 1 || fmt.Sprint(apps[0]["subscribed_fields"]) != "[messages messaging_postbacks]" {
		t.Fatalf("subscription after restart: %s", sub.raw)
	}

	// The checks above counted against the restarted app's usage window:
	// the old one answers the same before they are compared.
	debugOf(t, old, old.Fake.PageToken(users[1], PageSunriseCafe))
	debugOf(t, old, pages[len(pages)-1])
	debugOf(t, old, users[0])
	ps := probes(old.Fake.AppToken(), users, pages)
	compareAnswers(t, "with faults", old, restarted, ps)

	old.Fake.Reset()
	restarted.Fake.Reset()
	if d := debugOf(t, restarted, pages[len(pages)-1]); subcodeOf(d) == 460 {
		t.Fatalf("Reset after restart left the password change: %v", d)
	}
	debugOf(t, old, pages[len(pages)-1])
	compareAnswers(t, "after Reset", old, restarted, ps)

	// Same generator positions: the next login gives the same token on both.
	if a, b := login(t, old, nil), login(t, restarted, nil); a != b {
		t.Fatal("the restarted sandbox issues different tokens")
	}
	compareAnswers(t, "after a new login", old, restarted, ps)
}

// TestStateFileAutosave: with Options.StateFile the sandbox saves by itself
// shortly after a change, so an app killed without Close keeps its Pages.
func TestStateFileAutosave(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s := start(t, Options{StateFile: path})
	saved := make(chan error, 100)
	s.Fake.persist.mu.Lock()
	s.Fake.persist.afterSave = func(err error) { saved <- err }
	s.Fake.persist.mu.Unlock()

	long := login(t, s, nil)
	page := s.Fake.PageToken(long, PageSunriseCafe)
	harborTok := s.Fake.PageToken(long, PageHarborBooks)
	if r := graphDo(t, s, http.MethodPost, "/v25.0/me/subscribed_apps", page, url.Values{"subscribed_fields": {"messages"}}); r.status != 200 {
		t.Fatal(string(r.raw))
	}
	if err := s.Fake.ApplyFault(FaultRequest{Kind: "role_lost", Page: PageHarborBooks}); err != nil {
		t.Fatal(err)
	}
	waitSaved := func() {
		t.Helper()
		select {
		case err := <-saved:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no save within 10 s")
		}
	}
	// Drain saves until one covers the last change (the fault).
	deadline := time.After(10 * time.Second)
	for {
		waitSaved()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(`"removed_roles":["`+PageHarborBooks+`"]`)) {
			break
		}
		select {
		case <-deadline:
			t.Fatal("the fault never reached the state file")
		default:
		}
	}

	// "Killed": s is never closed before the new sandbox reads the file.
	f2 := New(Options{StateFile: path})
	if err := f2.StateError(); err != nil {
		t.Fatal(err)
	}
	f2.mu.Lock()
	it := f2.tokens[page]
	var e *apiError
	if it != nil {
		e = f2.checkToken(it)
	}
	harbor := f2.checkToken(f2.tokens[harborTok])
	sub := f2.pages[PageSunriseCafe].sub
	f2.mu.Unlock()
	if it == nil || e != nil {
		t.Fatalf("Sunrise Café token after the kill: %v %v", it != nil, e)
	}
	if harbor == nil || harbor.subcode != 492 {
		t.Fatalf("Harbor Books token after role loss: %+v", harbor)
	}
	if sub == nil || fmt.Sprint(sub.fields) != "[messages]" {
		t.Fatalf("subscription: %+v", sub)
	}

	// Close saves once more, including a clock change made through Go.
	s.Fake.Clock().Advance(time.Hour)
	want := s.Fake.Clock().Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	f3 := New(Options{StateFile: path})
	if !f3.Clock().Now().Equal(want) {
		t.Fatalf("clock after Close %v, want %v", f3.Clock().Now(), want)
	}
	_ = f3.Close()
}

func TestStateFileMissingIsFresh(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.json")
	f := New(Options{})
	if err := f.LoadStateFile(path); err != nil {
		t.Fatalf("missing file: %v", err)
	}
	s := start(t, Options{StateFile: path})
	if len(s.Fake.Pages()) != 9 || s.Fake.StateError() != nil {
		t.Fatal("fresh sandbox expected")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a sandbox that changed nothing saved: %v", err)
	}
	s = start(t, Options{StateFile: path})
	s.Fake.IssueUserToken(DemoUserID, true, fullScopes)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("Close did not save: %v", err)
	}
}

// TestStateFileUnusable: damaged, foreign and future files give a clear,
// classifiable error, change nothing, and the sandbox can start fresh.
func TestStateFileUnusable(t *testing.T) {
	dir := t.TempDir()
	good := New(Options{Seed: 1})
	tok := good.IssueUserToken(DemoUserID, true, fullScopes)
	var saved bytes.Buffer
	if err := good.SaveState(&saved); err != nil {
		t.Fatal(err)
	}
	future := strings.Replace(saved.String(), `"version":1`, `"version":99`, 1)
	truncated := saved.String()[:saved.Len()/2]
	badRef := strings.Replace(saved.String(), `"user":"`+DemoUserID+`"`, `"user":"999"`, 1)
	cases := []struct {
		name, content string
		opts          Options
		want          error
	}{
		{"not JSON", "this is not a state file", Options{}, ErrStateCorrupt},
		{"truncated", truncated, Options{Seed: 1}, ErrStateCorrupt},
		{"another program's JSON", `{"window":{"w":800}}`, Options{}, ErrStateForeign},
		{"another seed", saved.String(), Options{Seed: 2}, ErrStateForeign},
		{"another app", saved.String(), Options{Seed: 1, AppID: "42"}, ErrStateForeign},
		{"newer format", future, Options{Seed: 1}, ErrStateVersion},
		{"unknown user", badRef, Options{Seed: 1}, ErrStateCorrupt},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".json")
			if err := os.WriteFile(path, []byte(c.content), 0o600); err != nil {
				t.Fatal(err)
			}
			opts := c.opts
			opts.StateFile = path
			s, err := Start(opts)
			if err == nil {
				s.Close()
				t.Fatal("Start accepted an unusable state file")
			}
			var sfe *StateFileError
			if !errors.As(err, &sfe) || sfe.Path != path || !errors.Is(err, c.want) {
				t.Fatalf("error %v: want a *StateFileError for %s wrapping %v", err, path, c.want)
			}
			if !strings.Contains(err.Error(), "could not restore the sandbox from "+path) {
				t.Fatalf("message %q", err)
			}
			// New keeps going fresh and leaves the file as it was.
			f := New(opts)
			if !errors.Is(f.StateError(), c.want) {
				t.Fatalf("New: StateError %v", f.StateError())
			}
			f.IssueUserToken(DemoUserID, true, nil)
			_ = f.Close()
			if b, _ := os.ReadFile(path); string(b) != c.content {
				t.Fatal("the unusable file was overwritten")
			}
			// Moving it aside lets the sandbox start fresh.
			aside, err := DiscardStateFile(path)
			if err != nil || aside == "" {
				t.Fatalf("discard: %q %v", aside, err)
			}
			if b, _ := os.ReadFile(aside); string(b) != c.content {
				t.Fatal("the moved file lost its content")
			}
			s, err = Start(opts)
			if err != nil {
				t.Fatalf("fresh start after discarding: %v", err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
	// A failed LoadState changes nothing.
	if err := good.LoadState(strings.NewReader(badRef)); !errors.Is(err, ErrStateCorrupt) {
		t.Fatalf("LoadState: %v", err)
	}
	good.mu.Lock()
	ok := good.tokens[tok] != nil && good.checkToken(good.tokens[tok]) == nil
	good.mu.Unlock()
	if !ok {
		t.Fatal("a failed load damaged the sandbox")
	}
	if aside, err := DiscardStateFile(filepath.Join(dir, "none.json")); aside != "" || err != nil {
		t.Fatalf("discarding a missing file: %q %v", aside, err)
	}
}

// TestStateRunningClock: with a running clock the restored sandbox keeps
// the offset it had (simulated days stay simulated) and real time passes.
func TestStateRunningClock(t *testing.T) {
	c1 := NewRunningClock(time.Now())
	f1 := New(Options{Clock: c1})
	c1.Advance(61 * 24 * time.Hour) // "simulate 61 days" in the sandbox menu
	var buf bytes.Buffer
	if err := f1.SaveState(&buf); err != nil {
		t.Fatal(err)
	}
	c2 := NewRunningClock(DefaultStart)
	f2 := New(Options{Clock: c2})
	if err := f2.LoadState(&buf); err != nil {
		t.Fatal(err)
	}
	if d := c2.Now().Sub(c1.Now()); d < -time.Second || d > time.Second {
		t.Fatalf("restored running clock is %v off", d)
	}
	// A frozen clock restores to the saved instant.
	buf.Reset()
	_ = f1.SaveState(&buf)
	f3 := New(Options{})
	if err := f3.LoadState(&buf); err != nil {
		t.Fatal(err)
	}
	if d := f3.Clock().Now().Sub(c1.Now()); d < -time.Second || d > 0 {
		t.Fatalf("restored frozen clock is %v off", d)
	}
}

// BenchmarkSaveState10k is one autosave of a sandbox with 10,000 Pages whose
// Page tokens were all handed out.
func BenchmarkSaveState10k(b *testing.B) {
	f := New(Options{ExtraPages: 10000})
	tok := f.IssueUserToken(DemoUserID, true, fullScopes)
	for i := 1; i <= 10000; i++ {
		f.PageToken(tok, ExtraPageID(i))
	}
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := f.SaveState(&buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes")
}

// savedTokens reads the state file: its generation and its token values.
func savedTokens(t *testing.T, path string) (uint64, map[string]bool) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st stateFile
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	toks := map[string]bool{}
	for _, tk := range st.Tokens {
		toks[tk.Value] = true
	}
	return st.Generation, toks
}

// Two Pagekeeper processes on one data folder each run a sandbox on its
// state file. One that only looked (a check round) saves nothing; one that
// changed the pretend Facebook from a copy older than the file does not
// overwrite it; the file never goes back in time (issue 16 item 7: 36
// tokens became 18).
func TestTwoSandboxesOnOneStateFileNeverGoBackInTime(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sandbox-facebook.json")
	issue := func(f *Fake, n int) []string {
		var out []string
		for range n {
			out = append(out, f.IssueUserToken(DemoUserID, true, fullScopes))
		}
		return out
	}
	a := start(t, Options{StateFile: path})
	first := issue(a.Fake, 18)
	page := a.Fake.PageToken(first[0], PageSunriseCafe)
	if err := a.Fake.save(); err != nil {
		t.Fatal(err)
	}

	// b starts from those 18 and runs what a check round asks.
	b := start(t, Options{StateFile: path})
	if d := debugOf(t, b, page); d["is_valid"] != true {
		t.Fatalf("debug_token: %v", d)
	}
	if r := graphGet(t, b, "/v25.0/"+PageSunriseCafe, page, url.Values{"fields": {"id,name,is_published"}}); r.status != http.StatusOK {
		t.Fatalf("Page read: %s", r.raw)
	}
	if r := graphGet(t, b, "/v25.0/"+PageSunriseCafe+"/subscribed_apps", page, nil); r.status != http.StatusOK {
		t.Fatalf("subscribed_apps: %s", r.raw)
	}
	second := issue(a.Fake, 18)
	if err := a.Fake.save(); err != nil {
		t.Fatal(err)
	}
	genA, _ := savedTokens(t, path)
	if err := b.Close(); err != nil {
		t.Fatalf("closing the sandbox that only looked: %v", err)
	}
	gen, toks := savedTokens(t, path)
	if gen != genA {
		t.Fatalf("the sandbox that only looked saved (generation %d, was %d)", gen, genA)
	}
	for _, tk := range append(first, second...) {
		if !toks[tk] {
			t.Fatalf("a token of the newer state is gone: %d tokens in the file", len(toks))
		}
	}

	// c starts from that state and changes it, but a saves first.
	c := start(t, Options{StateFile: path})
	third := issue(a.Fake, 1)
	if err := a.Fake.save(); err != nil {
		t.Fatal(err)
	}
	c.Fake.RemoveRole(DemoUserID, PageHarborBooks)
	err := c.Close()
	var sfe *StateFileError
	if !errors.Is(err, ErrStateNewer) || !errors.As(err, &sfe) || sfe.Op != "save" || sfe.Path != path {
		t.Fatalf("saving over a newer state: %v", err)
	}
	if !strings.Contains(err.Error(), "were not saved") {
		t.Fatalf("the message does not say what was lost: %q", err)
	}
	_, toks = savedTokens(t, path)
	var st stateFile
	raw, _ := os.ReadFile(path)
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	for _, u := range st.Users {
		if len(u.RemovedRoles) > 0 {
			t.Fatalf("the older copy's change was saved: %s lost %v", u.ID, u.RemovedRoles)
		}
	}
	if !toks[third[0]] {
		t.Fatal("the older copy overwrote the newer state: a's last token is gone")
	}

	// a goes on saving over its own generation, and a new sandbox starts
	// from the newest state.
	last := issue(a.Fake, 1)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	d := New(Options{StateFile: path})
	defer d.Close()
	if err := d.StateError(); err != nil {
		t.Fatal(err)
	}
	d.mu.Lock()
	n, found := len(d.userTokens[DemoUserID]), d.tokens[last[0]] != nil
	d.mu.Unlock()
	if !found || n < 38 {
		t.Fatalf("the newest state has %d of the demo user's tokens (want 38), the last one %v", n, found)
	}
}

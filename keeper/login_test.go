package keeper

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/fb/login"
	"github.com/pagekeeper/pagekeeper/sandbox"
)

func TestAForgedLoginCallbackIsRecordedWithoutSecrets(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 31})
	e.k = openOnFake(t, e.srv, Options{Dir: t.TempDir(), Keyring: e.kr, Ports: []int{0}, OpenBrowser: func(string) error { return nil }})
	s, err := e.k.StartLogin(context.Background(), "", false)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Cancel()
	resp, err := http.Get(s.RedirectURL() + "?code=FORGED-CODE&state=forged-state")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a forged callback gets 400, got %d", resp.StatusCode)
	}
	evs, err := e.k.store.Events(context.Background(), "", 10)
	if err != nil || len(evs) == 0 || evs[0].Kind != "login_rejected" {
		t.Fatalf("events = %+v %v", evs, err)
	}
	if strings.Contains(evs[0].Detail, "FORGED-CODE") || strings.Contains(evs[0].Detail, "forged-state") {
		t.Fatalf("the event repeats what was sent: %q", evs[0].Detail)
	}
}

// loginRejected is the login_rejected rows of the export: count by detail
// and time, and how many rows.
func loginRejected(t *testing.T, k *Keeper) (counts map[string]int, rows, total int) {
	t.Helper()
	var out bytes.Buffer
	if _, err := k.ExportCSV(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	counts = map[string]int{}
	for _, r := range recs[1:] {
		if r[8] != "login_rejected" {
			continue
		}
		c, err := strconv.Atoi(r[10])
		if err != nil {
			t.Fatalf("count %q: %v", r[10], err)
		}
		rows++
		total += c
		counts[r[9]+" @ "+r[5]] += c
	}
	return counts, rows, total
}

func rejectedDetail(kind login.AttemptKind) string {
	return "A request to the login callback was refused (" + string(kind) + ") from 127.0.0.1; the login kept waiting."
}

// 20,000 forged callbacks in one minute are a handful of events with their
// counts, in the exported history, and the counting goes on after a restart.
func TestAFloodOfForgedCallbacksIsCountedNotListed(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 32})
	minute := time.Date(2026, 11, 29, 10, 15, 0, 0, time.UTC)
	kinds := []login.AttemptKind{login.AttemptStateMismatch, login.AttemptMissingState, login.AttemptWrongPath}
	want := map[string]int{}
	const n = 20000
	for i := range n {
		at := minute.Add(time.Duration(i) * 2 * time.Millisecond) // 40 s
		kind := kinds[i%len(kinds)]
		e.k.recordRejectedCallback(login.Attempt{At: at, Kind: kind, Remote: fmt.Sprintf("127.0.0.1:%d", 40000+i%20000)})
		if i < len(kinds) { // each group keeps its first time
			want[rejectedDetail(kind)+" @ "+at.Format(time.RFC3339)] = 0
		}
	}
	for k := range want {
		for _, kind := range kinds {
			if strings.HasPrefix(k, rejectedDetail(kind)) {
				want[k] = (n + len(kinds) - 1 - slices.Index(kinds, kind)) / len(kinds)
			}
		}
	}
	if err := e.k.Close(); err != nil {
		t.Fatal(err)
	}
	e.k = e.open() // a restart within the same minute
	e.k.recordRejectedCallback(login.Attempt{At: minute.Add(59 * time.Second), Kind: login.AttemptStateMismatch, Remote: "127.0.0.1:1"})
	e.k.recordRejectedCallback(login.Attempt{At: minute.Add(time.Minute), Kind: login.AttemptStateMismatch, Remote: "127.0.0.1:2"})
	want[rejectedDetail(login.AttemptStateMismatch)+" @ "+minute.Format(time.RFC3339)]++
	want[rejectedDetail(login.AttemptStateMismatch)+" @ "+minute.Add(time.Minute).Format(time.RFC3339)] = 1

	counts, rows, total := loginRejected(t, e.k)
	if rows != len(want) || total != n+2 {
		t.Fatalf("%d login_rejected rows counting %d, want %d rows counting %d: %v", rows, total, len(want), n+2, counts)
	}
	for k, c := range want {
		if counts[k] != c {
			t.Errorf("%s: count %d, want %d", k, counts[k], c)
		}
	}
}

// Forged callbacks over HTTP to a login that is waiting: counted, and the
// login goes on.
func TestForgedCallbacksOverHTTPAreCounted(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 33})
	e.k = openOnFake(t, e.srv, Options{Dir: t.TempDir(), Keyring: e.kr, Ports: []int{0}, OpenBrowser: func(string) error { return nil }})
	s, err := e.k.StartLogin(context.Background(), "", false)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Cancel()
	const n = 300
	start := time.Now()
	for i := range n {
		u := s.RedirectURL() + "?code=FORGED&state=forged-" + strconv.Itoa(i)
		if i%2 == 1 {
			u = s.RedirectURL() + "?code=FORGED"
		}
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	select {
	case <-s.Done():
		t.Fatal("forged callbacks ended the login")
	default:
	}
	// Two kinds, each one row a minute (the flood may straddle minutes, and
	// localhost may be reached over IPv4 and IPv6).
	minutes := int(time.Since(start)/time.Minute) + 2
	counts, rows, total := loginRejected(t, e.k)
	if total != n || rows < 2 || rows > 2*2*minutes {
		t.Fatalf("%d rows counting %d, want 2 kinds a minute counting %d: %v", rows, total, n, counts)
	}
}

func TestANewLoginGetsThePortOfTheOneBefore(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 32})
	port := freePort(t)
	e.k = openOnFake(t, e.srv, Options{Dir: t.TempDir(), Keyring: e.kr, Ports: []int{port}, OpenBrowser: func(string) error { return nil }})
	want := "http://localhost:" + strconv.Itoa(port) + "/facebook/callback"

	// The window closed while its login started: its context ended.
	ctx, cancel := context.WithCancel(context.Background())
	first, err := e.k.StartLogin(ctx, "", false)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	second, err := e.k.StartLogin(context.Background(), "", false)
	if err != nil || second.RedirectURL() != want {
		t.Fatalf("after a cancelled login: %v", err)
	}
	if _, err := first.Wait(); !errors.Is(err, context.Canceled) {
		t.Fatalf("the cancelled login ended with %v", err)
	}
	// A login still waiting is replaced by the next one.
	third, err := e.k.StartLogin(context.Background(), "", false)
	if err != nil || third.RedirectURL() != want {
		t.Fatalf("replacing a waiting login: %v", err)
	}
	defer third.Cancel()
	if _, err := second.Wait(); !errors.Is(err, context.Canceled) {
		t.Fatalf("the replaced login ended with %v", err)
	}
}

package keeper

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"

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

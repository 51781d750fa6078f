package keeper

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/fb/login"
	"github.com/pagekeeper/pagekeeper/sandbox"
)

func TestAForgedLoginCallbackIsRecordedWithoutSecrets(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 31})
	e.k.UseFacebook(e.client, login.Config{Ports: []int{0}, Timeout: 20 * time.Second,
		OpenBrowser: func(string) error { return nil }})
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

package keeper

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pagekeeper/pagekeeper/store"
)

func TestSettingsRoundTripAndDefaults(t *testing.T) {
	k, err := Open(context.Background(), Options{Dir: t.TempDir(), Keyring: store.NewMemoryKeyring()})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	ctx := context.Background()
	s, err := k.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if time.Duration(s.CheckInterval) != time.Hour || s.RedirectMode != RedirectLoopback || len(s.Ports) != 3 {
		t.Fatalf("defaults = %+v", s)
	}
	s.AppID = "1234567890"
	s.Owners = []Owner{{Name: "Ana", Email: "ana@example.com"}}
	s.CheckInterval = Duration(30 * time.Minute)
	if err := k.SaveSettings(ctx, s); err != nil {
		t.Fatal(err)
	}
	got, err := k.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.AppID != "1234567890" || got.Owners[0].Email != "ana@example.com" || time.Duration(got.CheckInterval) != 30*time.Minute {
		t.Fatalf("round trip = %+v", got)
	}
}

func TestSettingsValidationSpeaksPlainly(t *testing.T) {
	s := DefaultSettings()
	s.AppID = "my-app"
	s.RedirectMode = RedirectRelay
	s.RelayURL = "http://example.com/relay"
	s.Ports = []int{80}
	s.Owners = []Owner{{Name: "Ben", Email: "not-an-address"}}
	err := s.Validate()
	if err == nil {
		t.Fatal("expected errors")
	}
	for _, want := range []string{"App ID", "https://", "port 80", "Ben"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if err := DefaultSettings().Validate(); err != nil {
		t.Fatalf("defaults must be valid: %v", err)
	}
}

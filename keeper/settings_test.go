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

func TestOwnersAreReadAsEmailAddresses(t *testing.T) {
	owners, err := ParseOwners("Ana Rivera <ana@example.com>\n\n  ben@example.com  \r\n\"Rivera, Ana\" <ana2@example.com>\nJosé Núñez <jose@example.com>\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []Owner{{"Ana Rivera", "ana@example.com"}, {"", "ben@example.com"}, {"Rivera, Ana", "ana2@example.com"}, {"José Núñez", "jose@example.com"}}
	if len(owners) != len(want) {
		t.Fatalf("owners %+v", owners)
	}
	for i := range want {
		if owners[i] != want[i] {
			t.Errorf("line %d: %+v, want %+v", i, owners[i], want[i])
		}
	}

	_, err = ParseOwners("ana@example.com\nRivera, Ana <ana@example.com>\nben\nana@example.com, ben@example.com")
	if err == nil {
		t.Fatal("lines that are not one address each must be refused")
	}
	for _, want := range []string{`"Rivera, Ana <ana@example.com>"`, `"ben"`, `"ana@example.com, ben@example.com"`, "Ana Rivera <ana@example.com>"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not name %s: %v", want, err)
		}
	}
}

// What Settings shows is what it reads back, whatever the name holds.
func TestOwnerStringReadsBack(t *testing.T) {
	for _, o := range []Owner{{"", "ana@example.com"}, {"Ana Rivera", "ana@example.com"}, {"Rivera, Ana", "ana@example.com"},
		{`Ana "the boss" Rivera`, "ana@example.com"}, {`back\slash`, "a@example.com"}, {"José Núñez", "jose@example.com"},
		{"Ana (Sales)", "ana@example.com"}, {"<ana>", "ana@example.com"}} {
		got, err := ParseOwner(o.String())
		if err != nil || got != o {
			t.Errorf("%+v shows as %q and reads back as %+v (%v)", o, o.String(), got, err)
		}
	}
	if s := (Owner{"Ana Rivera", "ana@example.com"}).String(); s != "Ana Rivera <ana@example.com>" {
		t.Errorf("a plain name is shown plainly: %q", s)
	}
}

func TestSettingsAddresses(t *testing.T) {
	s := DefaultSettings()
	s.SMTP.From = "Pagekeeper <alerts@example.com>" // the Settings field's own placeholder
	s.Owners = []Owner{{"Ana", "ana@example.com"}}
	if err := s.Validate(); err != nil {
		t.Fatalf("the sender placeholder must be accepted: %v", err)
	}
	s.SMTP.From = "alerts@example.com"
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	s.SMTP.From = "alerts"
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), `"alerts"`) {
		t.Fatalf("a sender that is not an address must be refused, naming it: %v", err)
	}
	s.SMTP.From = ""
	s.Owners = []Owner{{"Ana", "Ana <ana@example.com>"}} // a preset's email field holds only the address
	if err := s.Validate(); err == nil {
		t.Fatal("an owner's email field with a name in it must be refused")
	}
}

// Whatever the name, the line Settings shows for an owner reads back as that
// owner (or, for a name net/mail cannot carry, is refused rather than misread).
func FuzzOwnerStringReadsBack(f *testing.F) {
	for _, n := range []string{"", "Ana Rivera", "Rivera, Ana", `Ana "the boss"`, `back\slash`, "José", "(x)", "<a@b.example>", " lead", "a\tb"} {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, name string) {
		o := Owner{Name: name, Email: "ana@example.com"}
		got, err := ParseOwner(o.String())
		if err != nil {
			return // refused with a message, never misread
		}
		if got.Email != o.Email || (got.Name != o.Name && strings.TrimSpace(got.Name) != strings.TrimSpace(o.Name)) {
			t.Fatalf("%+v shows as %q and reads back as %+v", o, o.String(), got)
		}
	})
}

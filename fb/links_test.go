package fb

import (
	"errors"
	"strings"
	"testing"
)

func TestMMeLink(t *testing.T) {
	good := map[[2]string]string{
		{"sunrisecafe.demo", "spring-promo"}:     "https://m.me/sunrisecafe.demo?ref=spring-promo",
		{"110000000000001", ""}:                  "https://m.me/110000000000001",
		{"SunriseCafe", "a+b/c=d-e.f:g_h"}:       "https://m.me/SunriseCafe?ref=a%2Bb%2Fc%3Dd-e.f%3Ag_h",
		{"x", strings.Repeat("r", MaxRefLength)}: "https://m.me/x?ref=" + strings.Repeat("r", MaxRefLength),
	}
	for in, want := range good {
		got, err := MMeLink(in[0], in[1])
		if err != nil || got != want {
			t.Errorf("MMeLink(%q, %q) = %q, %v; want %q", in[0], in[1], got, err, want)
		}
	}
	bad := []struct {
		page, ref string
		want      error
	}{
		{"", "x", ErrInvalidPageName},
		{"sunrise cafe", "x", ErrInvalidPageName},
		{"sunrise/../evil", "x", ErrInvalidPageName},
		{"café", "x", ErrInvalidPageName},
		{".sunrise", "x", ErrInvalidPageName},
		{strings.Repeat("a", 51), "x", ErrInvalidPageName},
		{"sunrise", "has space", ErrInvalidRef},
		{"sunrise", "a&b=c", ErrInvalidRef},
		{"sunrise", "ümlaut", ErrInvalidRef},
		{"sunrise", strings.Repeat("r", MaxRefLength+1), ErrRefTooLong},
	}
	for _, b := range bad {
		if _, err := MMeLink(b.page, b.ref); !errors.Is(err, b.want) {
			t.Errorf("MMeLink(%q, %.20q) = %v; want %v", b.page, b.ref, err, b.want)
		}
	}
}

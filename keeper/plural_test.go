package keeper

import (
	"testing"
	"time"
)

// A sentence with a count takes the plural form its number calls for, in
// each language (go-i18n's "one" and "other"), and the code's English is
// the "other".
func TestCountsTakeTheirPluralForm(t *testing.T) {
	upToDate := msg("integration.list.up_to_date", "{{.Name}} is up to date ({{.Count}} Pages).")
	for _, tc := range []struct {
		lang Lang
		got  string
		want string
	}{
		{English, English.duration(time.Minute), "1 minute"},
		{English, English.duration(2 * time.Minute), "2 minutes"},
		{Spanish, Spanish.duration(time.Hour), "1 hora"},
		{Spanish, Spanish.duration(6 * time.Hour), "6 horas"},
		{Spanish, Spanish.duration(24 * time.Hour), "1 día"},
		{English, upToDate.with("Name", "Support Bot", "Count", 1).In(English), "Support Bot is up to date (1 Page)."},
		{English, upToDate.with("Name", "Support Bot", "Count", 3).In(English), "Support Bot is up to date (3 Pages)."},
		{Spanish, upToDate.with("Name", "Support Bot", "Count", 1).In(Spanish), "Support Bot está al día (1 Página)."},
		{Spanish, upToDate.with("Name", "Support Bot", "Count", 0).In(Spanish), "Support Bot está al día (0 Páginas)."},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", tc.lang, tc.got, tc.want)
		}
	}
}

package keeper

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/jeandeaual/go-locale"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/pagekeeper/pagekeeper/assets"
)

// Lang is a language Pagekeeper speaks, by its code ("en", "es"). Every
// front end renders keeper's Texts, and its own, in one: the person's
// choice in Settings, else the system's (LangOf).
type Lang string

// The languages Pagekeeper speaks.
const (
	English Lang = "en"
	Spanish Lang = "es"
)

// Languages are the languages a person can choose: code → the language's
// name in itself.
var Languages = []struct{ Code, Name string }{{string(English), "English"}, {string(Spanish), "Español"}}

// LangOf is the language Pagekeeper speaks for code, a Settings.Language
// value or a locale ("es", "es-MX", "es_ES.UTF-8"): "" means the system's
// language; one Pagekeeper does not speak means English.
func LangOf(code string) Lang {
	if strings.TrimSpace(code) == "" {
		return SystemLang()
	}
	if l, ok := spoken(code); ok {
		return l
	}
	return English
}

// SystemLang is the first of the system's languages Pagekeeper speaks
// (LANGUAGE, LC_ALL, LC_MESSAGES, LANG on Unix; the user's languages on
// Windows and macOS), else English.
func SystemLang() Lang {
	locales, _ := locale.GetLocales()
	for _, loc := range locales {
		if l, ok := spoken(loc); ok {
			return l
		}
	}
	return English
}

// spoken matches a language code or locale to a language Pagekeeper speaks.
func spoken(code string) (Lang, bool) {
	code = strings.ToLower(strings.TrimSpace(code))
	if i := strings.IndexAny(code, "-_.@;"); i >= 0 {
		code = code[:i]
	}
	for _, l := range Languages {
		if l.Code == code {
			return Lang(code), true
		}
	}
	return "", false
}

// Lang is the language this Keeper speaks to people: the one chosen in
// Settings, else the system's. Emails, the history, the CLI and the login's
// pages use it.
func (k *Keeper) Lang() Lang { return LangOf(k.Settings().Language) }

// pluralCount is the number a sentence's plural form follows: its Count,
// else its N (nil: none, and a sentence with plural forms takes "other").
// A bundle gives such a sentence as {"one": "…", "other": "…"}; the code's
// English is its "other".
func pluralCount(data map[string]any) any {
	for _, k := range []string{"Count", "N"} {
		switch v := data[k].(type) {
		case int, int64, int32:
			return v
		}
	}
	return nil
}

// The bundles are go-i18n's JSON format (the one Fyne's lang reads): one
// file per language in assets/translations, key → template.
var (
	bundleOnce sync.Once
	bundle     *i18n.Bundle
	bundleErr  error
	localizers sync.Map // Lang → *i18n.Localizer
)

func loadBundle() (*i18n.Bundle, error) {
	bundleOnce.Do(func() {
		b := i18n.NewBundle(language.English)
		b.RegisterUnmarshalFunc("json", json.Unmarshal)
		files, err := assets.Translations.ReadDir("translations")
		if err != nil {
			bundleErr = err
			return
		}
		for _, f := range files {
			data, err := assets.Translations.ReadFile(path.Join("translations", f.Name()))
			if err == nil {
				_, err = b.ParseMessageFileBytes(data, f.Name())
			}
			if err != nil {
				bundleErr = fmt.Errorf("the translation %s: %w", f.Name(), err)
				return
			}
		}
		bundle = b
	})
	return bundle, bundleErr
}

// BundleError says why the translations could not be loaded (nil when they
// were); every text then reads in English.
func BundleError() error {
	_, err := loadBundle()
	return err
}

func (l Lang) localizer() *i18n.Localizer {
	if v, ok := localizers.Load(l); ok {
		return v.(*i18n.Localizer)
	}
	b, err := loadBundle()
	if err != nil {
		return nil
	}
	loc := i18n.NewLocalizer(b, string(l), string(English))
	localizers.Store(l, loc)
	return loc
}

// lookup renders key from the bundles in l (English where l lacks it).
func (l Lang) lookup(key string, data map[string]any) (string, bool) {
	loc := l.localizer()
	if loc == nil {
		return "", false
	}
	s, err := loc.Localize(&i18n.LocalizeConfig{MessageID: key, TemplateData: data, PluralCount: pluralCount(data)})
	if s == "" && err != nil {
		return "", false
	}
	return s, true
}

// The words dates and durations are made of, in the catalog like every
// other sentence.
var (
	msgDate    = msg("date.day", "{{.Day}} {{.Month}} {{.Year}}")
	msgMoment  = msg("date.moment", "{{.Date}}, {{.Time}}")
	monthNames = [12]message{
		msg("date.month.1", "January"), msg("date.month.2", "February"), msg("date.month.3", "March"),
		msg("date.month.4", "April"), msg("date.month.5", "May"), msg("date.month.6", "June"),
		msg("date.month.7", "July"), msg("date.month.8", "August"), msg("date.month.9", "September"),
		msg("date.month.10", "October"), msg("date.month.11", "November"), msg("date.month.12", "December"),
	}
	// (With plural forms in the bundles: "1 minute", "2 minutes".)
	msgMinutes  = msg("duration.minutes", "{{.N}} minutes")
	msgHours    = msg("duration.hours", "{{.N}} hours")
	msgDays     = msg("duration.days", "{{.N}} days")
	msgHoursMin = msg("duration.hours_minutes", "{{.H}} h {{.M}} min")
)

// day is t's calendar day (in t's own location) in l: "2 January 2006".
func (l Lang) day(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return msgDate.with("Day", t.Day(), "Month", monthNames[t.Month()-1].with(), "Year", t.Year()).In(l)
}

// moment is a day and a time of day in l: "2 January 2006, 15:04".
func (l Lang) moment(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	t = t.Local()
	return msgMoment.with("Date", l.day(t), "Time", t.Format("15:04")).In(l)
}

// duration is d in words in l: "6 hours", "3 days", "1 h 30 min".
func (l Lang) duration(d time.Duration) string {
	const day = 24 * time.Hour
	switch {
	case d >= day && d%day == 0:
		return msgDays.with("N", int(d/day)).In(l)
	case d >= time.Hour && d%time.Hour == 0:
		return msgHours.with("N", int(d/time.Hour)).In(l)
	case d >= time.Hour && d%time.Minute == 0:
		return msgHoursMin.with("H", int(d/time.Hour), "M", int(d%time.Hour/time.Minute)).In(l)
	case d >= time.Minute && d%time.Minute == 0:
		return msgMinutes.with("N", int(d/time.Minute)).In(l)
	}
	return d.String()
}

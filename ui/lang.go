package ui

import (
	"encoding/json"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"text/template"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/pagekeeper/pagekeeper/assets"
)

// The window's texts come from Pagekeeper's go-i18n bundles (assets, the
// format Fyne's lang reads) through a localizer of the language the owner
// chose. Fyne 2.8's lang follows only the system's language — it has no
// way to choose another (fyne-io/fyne#5333, #6536) — so Pagekeeper keeps
// its own localizer; Fyne's few built-in texts follow the system.
var (
	bundleOnce sync.Once
	bundle     *i18n.Bundle
	// localizer is the chosen language's; nil until SetLanguage (then the system's).
	localizer atomic.Pointer[i18n.Localizer]
)

// Languages are the window's languages: code → name in that language.
var Languages = []struct{ Code, Name string }{{"en", "English"}, {"es", "Español"}}

func loadBundle() *i18n.Bundle {
	bundleOnce.Do(func() {
		bundle = i18n.NewBundle(language.English)
		bundle.RegisterUnmarshalFunc("json", json.Unmarshal)
		files, err := assets.Translations.ReadDir("translations")
		if err != nil {
			fyne.LogError("reading the translations", err)
			return
		}
		for _, f := range files {
			p := path.Join("translations", f.Name())
			data, err := assets.Translations.ReadFile(p)
			if err == nil {
				_, err = bundle.ParseMessageFileBytes(data, f.Name())
			}
			if err != nil {
				fyne.LogError("loading the translation "+p, err)
			}
		}
	})
	return bundle
}

// SetLanguage shows the window's texts in code ("en", "es"; "" = the
// system's language) from now on. Views built before keep their texts
// until they are built again.
func SetLanguage(code string) {
	if code == "" {
		code = lang.SystemLocale().LanguageString()
	}
	localizer.Store(i18n.NewLocalizer(loadBundle(), code, "en"))
}

// tr returns the text for key in the window's language; every user-facing
// string goes through it (a test checks each key exists in every bundle).
// data fills {{.Name}}-style placeholders.
func tr(key, fallback string, data ...any) string {
	l := localizer.Load()
	if l == nil {
		SetLanguage("")
		l = localizer.Load()
	}
	var d0 any
	if len(data) > 0 {
		d0 = data[0]
	}
	s, err := l.Localize(&i18n.LocalizeConfig{DefaultMessage: &i18n.Message{ID: key, Other: fallback}, TemplateData: d0})
	if err != nil && s == "" {
		return fill(fallback, d0)
	}
	return s
}

// fill renders a fallback template when the bundle cannot.
func fill(tpl string, data any) string {
	t, err := template.New("").Parse(tpl)
	if err != nil {
		return tpl
	}
	var b strings.Builder
	if t.Execute(&b, data) != nil {
		return tpl
	}
	return b.String()
}

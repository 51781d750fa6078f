package ui

import (
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/pagekeeper/pagekeeper/assets"
)

var loadTranslations sync.Once

// LoadTranslations registers Pagekeeper's English and Spanish bundles with
// Fyne. Safe to call more than once.
func LoadTranslations() {
	loadTranslations.Do(func() {
		if err := lang.AddTranslationsFS(assets.Translations, "translations"); err != nil {
			fyne.LogError("loading translations", err)
		}
	})
}

// tr returns the user's-language text for key; every user-facing string goes
// through it (a test checks each key exists in every bundle). data fills
// {{.Name}}-style placeholders.
func tr(key, fallback string, data ...any) string {
	return lang.X(key, fallback, data...)
}

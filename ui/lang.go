package ui

import (
	"sync/atomic"

	"github.com/pagekeeper/pagekeeper/keeper"
)

// The window speaks the language the owner chose, through keeper's
// renderer (the bundles in assets/translations), as every front end does.
// Fyne 2.8's lang follows only the system's language — it has no way to
// choose another (fyne-io/fyne#5333, #6536) — so Fyne's few built-in texts
// follow the system.

// lang is the window's language; "" until SetLanguage (then the system's).
var lang atomic.Value // keeper.Lang

// Languages are the window's languages: code → name in that language.
var Languages = keeper.Languages

// SetLanguage shows the window's texts in code ("en", "es"; "" = the
// system's language) from now on. Views built before keep their texts
// until they are built again.
func SetLanguage(code string) { lang.Store(keeper.LangOf(code)) }

// windowLang is the language the window speaks now.
func windowLang() keeper.Lang {
	if l, ok := lang.Load().(keeper.Lang); ok {
		return l
	}
	return keeper.SystemLang()
}

// tr returns the window's text for key in its language; every user-facing
// string goes through it (a test checks each key exists in every bundle).
// data fills {{.Name}}-style placeholders.
func tr(key, fallback string, data ...map[string]any) string {
	t := keeper.Text{Key: key, Template: fallback}
	if len(data) > 0 {
		t.Data = data[0]
	}
	return t.In(windowLang())
}

// text renders a keeper sentence in the window's language (a sentence
// without a key, an error keeper does not know, reads as it is).
func text(t keeper.Text) string { return t.In(windowLang()) }

// errorText is an error in the owner's words: what happened and what to do.
func errorText(err error) string { return text(keeper.Describe(err)) }

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/pagekeeper/pagekeeper/assets"
	"github.com/pagekeeper/pagekeeper/keeper"
)

// trCall matches a front end's own sentence: tr("key", "English" …), the
// one way the window (ui) and the terminal (ui/cli: env.tr) write text.
var trCall = regexp.MustCompile(`\btr\(\s*("(?:[^"\\]|\\.)*")\s*,\s*("(?:[^"\\]|\\.)*"|` + "`[^`]*`" + `)`)

// placeholder is a {{.Name}} of a template.
var placeholder = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

// sameInSpanish are the keys whose Spanish is rightly the English: names
// and abbreviations Spanish keeps.
var sameInSpanish = []string{"log.token", "log.webhooks", "preset.bot", "settings.app_id", "word.no", "time.hm", "time.m",
	"duration.hours_minutes", "integration.problem.http"}

// Every sentence a person can meet — keeper's catalog (Facebook's reasons,
// emails, the history, the login's pages) and the window's and the
// terminal's own — is in both bundles, with the same placeholders, the
// English as the code writes it, and no bundle keeps a sentence nothing says.
func TestEverySentenceIsInBothLanguages(t *testing.T) {
	used := keeper.Catalog()
	if len(used) < 100 {
		t.Fatalf("keeper's catalog has only %d sentences", len(used))
	}
	fronts := 0
	for _, dir := range []string{"ui", "ui/cli"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range trCall.FindAllStringSubmatch(string(src), -1) {
				key, err := strconv.Unquote(m[1])
				if err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				english, _ := strconv.Unquote(m[2])
				if prev, ok := used[key]; ok && prev != english {
					t.Errorf("%s: %q is %q here but %q elsewhere: one key, one sentence", f, key, english, prev)
				}
				used[key] = english
				fronts++
			}
		}
	}
	if fronts < 100 {
		t.Fatalf("found only %d sentences in the front ends; the scanner is broken", fronts)
	}
	bundles := map[string]map[string]string{}
	plurals := map[string]map[string]map[string]string{} // language → key → plural form → text
	for _, lang := range keeper.Languages {
		data, err := assets.Translations.ReadFile("translations/" + lang.Code + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(data, &raw); err != nil {
			t.Fatalf("%s.json: %v", lang.Code, err)
		}
		msgs, forms := map[string]string{}, map[string]map[string]string{}
		for key, v := range raw {
			var one string
			if json.Unmarshal(v, &one) == nil {
				msgs[key] = one
				continue
			}
			// A sentence with a count: its plural forms (go-i18n's "one",
			// "other"); the code's English is the "other".
			var f map[string]string
			if err := json.Unmarshal(v, &f); err != nil || f["one"] == "" || f["other"] == "" || len(f) != 2 {
				t.Errorf("%s.json %q must be a string or {\"one\": …, \"other\": …}: %s", lang.Code, key, v)
				continue
			}
			msgs[key], forms[key] = f["other"], f
		}
		bundles[lang.Code], plurals[lang.Code] = msgs, forms
		for key := range msgs {
			if _, ok := used[key]; !ok {
				t.Errorf("%s.json has %q, which nothing says", lang.Code, key)
			}
		}
	}
	for key, english := range used {
		want := placeholders(english)
		for code, msgs := range bundles {
			got, ok := msgs[key]
			switch {
			case !ok || strings.TrimSpace(got) == "":
				t.Errorf("%s.json lacks %q (%q)", code, key, english)
			case code == "en" && got != english:
				t.Errorf("en.json %q = %q but the code says %q", key, got, english)
			case !slices.Equal(placeholders(got), want):
				t.Errorf("%s.json %q has the placeholders %v, the English %v", code, key, placeholders(got), want)
			case code != "en" && got == english && hasWords(english) && !slices.Contains(sameInSpanish, key):
				t.Errorf("%s.json %q is still the English %q", code, key, english)
			}
			// The "one" form may say "the Page" instead of "1 Page".
			if f, ok := plurals[code][key]; ok && slices.ContainsFunc(placeholders(f["one"]), func(p string) bool { return !slices.Contains(want, p) }) {
				t.Errorf("%s.json %q: its \"one\" form has the placeholders %v, the English only %v", code, key, placeholders(f["one"]), want)
			}
		}
		// Plural forms in one language, plural forms in all.
		_, en := plurals["en"][key]
		for code := range bundles {
			if _, ok := plurals[code][key]; ok != en {
				t.Errorf("%q has plural forms in en.json: %v, in %s.json: %v", key, en, code, ok)
			}
		}
	}
}

func placeholders(s string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// hasWords: the text has letters besides its placeholders.
func hasWords(s string) bool {
	return strings.ContainsFunc(placeholder.ReplaceAllString(s, ""), unicode.IsLetter)
}

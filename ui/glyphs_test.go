package ui

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"testing"

	"fyne.io/fyne/v2"
	"github.com/go-text/typesetting/font"

	"github.com/pagekeeper/pagekeeper/assets"
)

// Every character the window can show is in the font it draws with: a
// character missing from Fyne's bundled fonts shows as a box, or as
// nothing, on a machine without a font to fall back on.
func TestEveryTranslatedCharacterIsInTheWindowsFonts(t *testing.T) {
	var fonts []*font.Face
	for _, style := range []fyne.TextStyle{{}, {Bold: true}} {
		f, err := font.ParseTTF(bytes.NewReader(Theme().Font(style).Content()))
		if err != nil {
			t.Fatal(err)
		}
		fonts = append(fonts, f)
	}
	files, err := fs.Glob(assets.Translations, "translations/*.json")
	if err != nil || len(files) < 2 {
		t.Fatalf("translation files: %v %v", files, err)
	}
	for _, file := range files {
		b, err := fs.ReadFile(assets.Translations, file)
		if err != nil {
			t.Fatal(err)
		}
		var bundle map[string]any
		if err := json.Unmarshal(b, &bundle); err != nil {
			t.Fatal(err)
		}
		for key, v := range bundle {
			var texts []string
			switch v := v.(type) {
			case string:
				texts = []string{v}
			case map[string]any: // plural forms
				for _, form := range v {
					if s, ok := form.(string); ok {
						texts = append(texts, s)
					}
				}
			}
			for _, text := range texts {
				for _, r := range text {
					if r == '\n' || r == '\t' {
						continue
					}
					for _, f := range fonts {
						if _, ok := f.NominalGlyph(r); !ok {
							t.Errorf("%s %s: %q (U+%04X) is not in the window's font", file, key, r, r)
							break
						}
					}
				}
			}
		}
	}
}

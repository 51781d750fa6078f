package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/pagekeeper/pagekeeper/assets"
	"github.com/pagekeeper/pagekeeper/keeper"
)

// trCall matches a call of tr with a literal key and fallback: the one way
// user-facing text is written.
var trCall = regexp.MustCompile(`\btr\(\s*("(?:[^"\\]|\\.)*")\s*,\s*("(?:[^"\\]|\\.)*"|` + "`[^`]*`" + `)`)

func TestEveryUserFacingStringIsInEveryBundle(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	used := map[string]string{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range trCall.FindAllStringSubmatch(string(src), -1) {
			key, err := strconv.Unquote(m[1])
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			fallback, _ := strconv.Unquote(m[2])
			used[key] = fallback
		}
	}
	if len(used) < 10 {
		t.Fatalf("found only %d translation keys; the scanner is broken", len(used))
	}
	// keeper's sentences (Facebook's reasons included) reach the owner through text() and errorText().
	for k, v := range keeper.Catalog() {
		used[k] = v
	}
	for _, bundle := range []string{"en", "es"} {
		data, err := assets.Translations.ReadFile("translations/" + bundle + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var msgs map[string]string
		if err := json.Unmarshal(data, &msgs); err != nil {
			t.Fatalf("%s.json: %v", bundle, err)
		}
		for key, fallback := range used {
			got, ok := msgs[key]
			if !ok || got == "" {
				t.Errorf("%s.json lacks %q (%q)", bundle, key, fallback)
				continue
			}
			if bundle == "en" && got != fallback {
				t.Errorf("en.json %q = %q but the code's fallback is %q", key, got, fallback)
			}
		}
		for key := range msgs {
			if _, ok := used[key]; !ok {
				t.Errorf("%s.json has unused key %q", bundle, key)
			}
		}
	}
}

package store

import (
	"encoding/json"
	"slices"
	"testing"
)

// The fast list reader must read exactly what encoding/json reads, or
// leave the text to it.
func FuzzPlainStringsMatchesEncodingJSON(f *testing.F) {
	for _, s := range []string{`[]`, `["pages_messaging"]`, `["a","b","c"]`, `["a,b","c"]`, `["",""]`,
		`["a", "b"]`, `["a\",\"b"]`, `["\u003c"]`, `["é","日本"]`, "[\"\xff\"]", "[\"a\tb\"]", `["a""b"]`, `["a"],["b"]`,
		`[1,2]`, `["a",1]`, `null`, `["]`, `[""]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got, ok := plainStrings(text)
		if !ok {
			return
		}
		var want []string
		if err := json.Unmarshal([]byte(text), &want); err != nil {
			t.Fatalf("%q: fast path read %q, encoding/json refuses it: %v", text, got, err)
		}
		if !slices.Equal(got, want) || (got == nil) != (want == nil) {
			t.Fatalf("%q: fast path %q, encoding/json %q", text, got, want)
		}
	})
}

func FuzzPlainGranularMatchesEncodingJSON(f *testing.F) {
	for _, s := range []string{`[]`, `[{"scope":"pages_messaging"}]`, `[{"scope":"pages_messaging","target_ids":["1","2"]},{"scope":"x"}]`,
		`[{"scope":"a","target_ids":[]}]`, `[{"scope":"a","target_ids":["a]b"]}]`, `[{"scope":"a"},]`, `[{"Scope":"a"}]`,
		`[{"scope":"a","target_ids":["1"],"scope":"b"}]`, `[{"scope":"a\"b"}]`, `[{"scope":"a"}]]`, `[{"scope":"a"}`, `[{"scope":1}]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got, ok := plainGranular(text)
		if !ok {
			return
		}
		var want []GranularScope
		if err := json.Unmarshal([]byte(text), &want); err != nil {
			t.Fatalf("%q: fast path read %+v, encoding/json refuses it: %v", text, got, err)
		}
		same := slices.EqualFunc(got, want, func(a, b GranularScope) bool {
			return a.Scope == b.Scope && slices.Equal(a.TargetIDs, b.TargetIDs) && (a.TargetIDs == nil) == (b.TargetIDs == nil)
		})
		if !same || (got == nil) != (want == nil) {
			t.Fatalf("%q: fast path %+v, encoding/json %+v", text, got, want)
		}
	})
}

// What the store writes for a Page is read without encoding/json.
func TestStoredListsAreReadWithoutReflection(t *testing.T) {
	scopes, _ := jsonText([]string{"pages_show_list", "pages_messaging"})
	granular, _ := jsonText([]GranularScope{{Scope: "pages_messaging", TargetIDs: []string{"101", "102"}}, {Scope: "public_profile"}})
	if got, ok := plainStrings(scopes); !ok || len(got) != 2 {
		t.Errorf("scopes %s: %v %v", scopes, got, ok)
	}
	if got, ok := plainGranular(granular); !ok || len(got) != 2 || len(got[0].TargetIDs) != 2 {
		t.Errorf("granular scopes %s: %+v %v", granular, got, ok)
	}
}

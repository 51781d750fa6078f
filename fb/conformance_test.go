package fb

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The client asks only for what Meta's specs say exists, and reads only
// fields debug_token documents (sandbox/testdata/meta-graph-facts.json,
// which names its sources; the fake is checked against the same file).
func TestConformanceClientFields(t *testing.T) {
	b, err := os.ReadFile("../sandbox/testdata/meta-graph-facts.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		PageFields       []string `json:"page_fields"`
		PageEdges        []string `json:"page_edges"`
		EdgesAddingTasks []string `json:"edges_adding_tasks"`
		UserFields       []string `json:"user_fields"`
		DebugTokenFields []string `json:"debug_token_fields"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	exists := func(fl string) bool { return slices.Contains(f.PageFields, fl) || slices.Contains(f.PageEdges, fl) }
	for _, list := range []string{PageFields, checkPageFields} {
		for _, fl := range strings.Split(list, ",") {
			if !exists(fl) {
				t.Errorf("the client reads %q of a Page node, which Page does not have", fl)
			}
		}
	}
	if !slices.Contains(f.EdgesAddingTasks, "accounts") {
		t.Fatal("the facts say /me/accounts adds tasks")
	}
	for _, fl := range strings.Split(AccountsFields, ",") {
		if !exists(fl) && fl != "tasks" {
			t.Errorf("the client reads %q from /me/accounts", fl)
		}
	}
	for _, fl := range []string{"id", "name"} {
		if !slices.Contains(f.UserFields, fl) {
			t.Errorf("User has no %s", fl)
		}
	}
	// Every key the client decodes from debug_token's data is documented.
	data, _ := reflect.TypeOf(tokenInfoJSON{}).FieldByName("Data")
	for i := range data.Type.Elem().NumField() {
		key, _, _ := strings.Cut(data.Type.Elem().Field(i).Tag.Get("json"), ",")
		if !slices.Contains(f.DebugTokenFields, key) {
			t.Errorf("the client reads debug_token's %q, which Meta does not document", key)
		}
	}
}

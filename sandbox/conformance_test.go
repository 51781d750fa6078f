package sandbox

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
)

// metaFacts is testdata/meta-graph-facts.json: a curated copy of Meta's
// machine-readable Graph specs (its sources are named in the file).
type metaFacts struct {
	PageFieldsPagekeeperReads []string `json:"page_fields_pagekeeper_reads"`
	PageEdgesPagekeeperReads  []string `json:"page_edges_pagekeeper_reads"`
	EdgesAddingTasks          []string `json:"edges_adding_tasks"`
	PageFields                []string `json:"page_fields"`
	PageEdges                 []string `json:"page_edges"`
	UserFields                []string `json:"user_fields"`
	BusinessFields            []string `json:"business_fields"`
	PageTasks                 []string `json:"page_tasks"`
	SubscribedFields          []string `json:"subscribed_fields"`
	DebugTokenFields          []string `json:"debug_token_fields"`
	Sources                   struct {
		Specs struct {
			Repository, Commit string
		} `json:"specs"`
	} `json:"sources"`
}

func loadFacts(t *testing.T) metaFacts {
	t.Helper()
	b, err := os.ReadFile("testdata/meta-graph-facts.json")
	if err != nil {
		t.Fatal(err)
	}
	var f metaFacts
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(f.Sources.Specs.Commit, "ad2b0b6f") || !strings.Contains(f.Sources.Specs.Repository, "facebook-business-sdk-codegen") {
		t.Fatalf("the facts must name their source: %+v", f.Sources)
	}
	return f
}

func sortedKeys(m map[string]bool) []string { return slices.Sorted(maps.Keys(m)) }

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

// The fake's lists are Meta's: the node fields and edges it accepts, the
// tasks and subscribed_fields enums.
func TestConformanceLists(t *testing.T) {
	f := loadFacts(t)
	for _, c := range []struct {
		name       string
		fake, meta []string
	}{
		{"Page fields", sortedKeys(pageFields), sorted(f.PageFields)},
		{"Page edges", sortedKeys(pageEdges), sorted(f.PageEdges)},
		{"User fields", sortedKeys(userFields), sorted(f.UserFields)},
		{"Business fields", sortedKeys(businessFields), sorted(f.BusinessFields)},
		{"Page tasks", sorted(PageTasks), sorted(f.PageTasks)},
		{"subscribed_fields", sorted(SubscribedFieldsEnum), sorted(f.SubscribedFields)},
		{"debug_token fields", sorted(DebugTokenFields), sorted(f.DebugTokenFields)},
	} {
		if !slices.Equal(c.fake, c.meta) {
			t.Errorf("%s differ from Meta's (%d in the fake, %d in the specs)", c.name, len(c.fake), len(c.meta))
		}
	}
	if len(f.PageTasks) != 27 || !slices.Contains(f.PageTasks, "PROFILE_PLUS_FULL_CONTROL") || slices.Contains(f.PageFields, "tasks") {
		t.Fatal("the curated facts are not the ones Pagekeeper was built on")
	}
}

// The fake answers as the facts say: the Page fields Pagekeeper reads are
// served, tasks only on the edges that add it, every value of the enums is
// accepted and nothing else, and debug_token answers only listed fields.
func TestConformanceAnswers(t *testing.T) {
	f := loadFacts(t)
	s := start(t, Options{})
	user := s.Fake.IssueUserToken(DemoUserID, true, DemoConfigPermissions)
	pt := s.Fake.PageToken(user, PageSunriseCafe)

	fields := strings.Join(append(slices.Clone(f.PageFieldsPagekeeperReads), "picture"), ",")
	r := graphGet(t, s, "/"+PageSunriseCafe, pt, url.Values{"fields": {fields}})
	for _, fl := range append(slices.Clone(f.PageFieldsPagekeeperReads), "picture") {
		if _, ok := r.body[fl]; !ok {
			t.Errorf("the Page node does not answer %s: %s", fl, r.raw)
		}
	}
	wantError(t, graphGet(t, s, "/"+PageSunriseCafe, pt, url.Values{"fields": {"id,tasks"}}), 100, 0)
	for _, edge := range f.EdgesAddingTasks {
		items := dataList(t, graphGet(t, s, "/me/"+edge, user, url.Values{"fields": {"id,tasks"}, "limit": {"100"}}))
		if len(items) == 0 || items[0]["tasks"] == nil {
			t.Errorf("/me/%s does not add tasks", edge)
		}
	}
	for _, edge := range f.PageEdgesPagekeeperReads {
		if !pageEdges[edge] {
			t.Errorf("Pagekeeper reads the Page edge %s, which Meta's spec does not list", edge)
		}
	}

	// Every subscribed_fields value, and nothing else.
	for chunk := range slices.Chunk(f.SubscribedFields, 25) {
		r := graphDo(t, s, http.MethodPost, "/"+PageSunriseCafe+"/subscribed_apps", pt,
			url.Values{"subscribed_fields": {strings.Join(chunk, ",")}})
		if r.status != 200 {
			t.Fatalf("%v refused: %s", chunk, r.raw)
		}
	}
	wantError(t, graphDo(t, s, http.MethodPost, "/"+PageSunriseCafe+"/subscribed_apps", pt,
		url.Values{"subscribed_fields": {"messages,message_telepathy"}}), 100, 0)

	// Every task, of both families, and nothing else.
	for _, task := range f.PageTasks {
		if err := s.Fake.SetTasks(DemoUserID, PageNightOwlBakery, []string{task}); err != nil {
			t.Errorf("task %s refused: %v", task, err)
		}
	}
	if err := s.Fake.SetTasks(DemoUserID, PageNightOwlBakery, []string{"OWNER"}); err == nil {
		t.Error("a task outside Meta's enum accepted")
	}

	// debug_token answers only the documented fields.
	d := graphGet(t, s, "/debug_token", s.Fake.AppToken(), url.Values{"input_token": {pt}}).body["data"].(map[string]any)
	for k := range d {
		if !slices.Contains(f.DebugTokenFields, k) {
			t.Errorf("debug_token answers %s, which Meta does not document", k)
		}
	}
}

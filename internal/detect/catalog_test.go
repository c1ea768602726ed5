package detect

import (
	"fmt"
	"github.com/orgsiem/orgsiem/internal/sharedtest"
	"os"
	"reflect"
	"sort"
	"strconv"
	"testing"

	"github.com/orgsiem/orgsiem/internal/ecs"
	"github.com/orgsiem/orgsiem/internal/logs"
)

// corpusFS returns ../shared/corpus beside the repository root, or "".
func corpusFS(t testing.TB) (root string) {
	t.Helper()
	root, _ = sharedtest.Path("corpus")
	return root
}

// TestBuiltinCatalog loads the embedded catalog and runs every rule's inline
// tests (and corpus tests when ../shared/corpus is present) through
// logs.NormalizeRecord and the matcher.
func TestBuiltinCatalog(t *testing.T) {
	cat, err := Builtin()
	if err != nil {
		t.Fatalf("the embedded catalog does not load:\n%v", err)
	}
	if cat.Len() == 0 {
		t.Fatal("the embedded catalog is empty")
	}
	opts := TestOptions{Normalize: logs.NormalizeRecord}
	if root := corpusFS(t); root != "" {
		opts.Corpus = os.DirFS(root)
	}
	for _, res := range cat.RunTests(opts) {
		t.Run(res.Rule.ID+"/"+res.Test.Name, func(t *testing.T) {
			switch {
			case res.Skipped != "":
				t.Skip(res.Skipped + " (corpus tests need ../shared/corpus)")
			case !res.Passed():
				t.Error(res.String())
			}
			for _, a := range res.Alerts {
				if a.Author == "" || a.License == "" || a.RuleSource == "" {
					t.Errorf("alert without attribution: %+v", a)
				}
			}
		})
	}
}

// TestCatalogQueryParity checks, for every test event of every rule, that
// the compiled OpenSearch query agrees with the matcher on each normalized
// document, and that threshold aggregations fire when the matcher does.
func TestCatalogQueryParity(t *testing.T) {
	cat, err := Builtin()
	if err != nil {
		t.Fatalf("the embedded catalog does not load:\n%v", err)
	}
	checkParity(t, cat)
}

func checkParity(t *testing.T, cat *Catalog) {
	t.Helper()
	if err := cat.LoadTests(); err != nil {
		t.Fatal(err)
	}
	for _, r := range cat.Rules() {
		q, notes, err := r.ExportQuery()
		if err != nil {
			continue // not exported (TestExportOnFlatObject)
		}
		for _, tc := range r.Tests {
			if tc.Corpus != "" {
				continue
			}
			t.Run(r.ID+"/"+tc.Name, func(t *testing.T) {
				typ := tc.Type
				if typ == "" {
					typ = r.Service
				}
				var matchedDocs []*ecs.Document
				for i, raw := range tc.Events {
					docs, err := logs.NormalizeRecord(typ, raw)
					if err != nil && r.Service != ServicePipeline {
						t.Fatalf("event %d: %v", i, err)
					}
					for j := range docs {
						d := &docs[j]
						var ev evalDoc
						ev.reset(d)
						inProcess := r.det.cond.eval(&ev, &scratch{})
						body, err := parseDSLDoc(d.AppendJSON(nil))
						if err != nil {
							t.Fatalf("event %d: AppendJSON: %v", i, err)
						}
						inDSL, err := evalDSL(q, body)
						if err != nil {
							t.Fatalf("event %d: query: %v", i, err)
						}
						if !exportAgrees(inProcess, inDSL, notes) {
							t.Errorf("event %d: matcher says %v, query says %v (notes %v)", i, inProcess, inDSL, notes)
						}
						if inDSL {
							matchedDocs = append(matchedDocs, d)
						}
					}
				}
				if len(notes) > 0 {
					return // a stricter export: the test's verdict is the matcher's
				}
				if r.Threshold == nil {
					if got := len(matchedDocs) > 0; got != tc.Match {
						t.Errorf("query matches %v, test says %v", got, tc.Match)
					}
					return
				}
				if got := thresholdAggFires(t, r, matchedDocs); got != tc.Match {
					t.Errorf("threshold aggregation fires %v, test says %v", got, tc.Match)
				}
			})
		}
	}
}

// thresholdAggFires evaluates the rule's Aggregations (nested terms,
// cardinality, bucket_selector) over the matched documents in every
// Window-long range that starts at a matched event, as a monitor running
// at that time would.
func thresholdAggFires(t *testing.T, r *Rule, docs []*ecs.Document) bool {
	t.Helper()
	aggs := r.Aggregations()
	var paths []string
	leaf := aggs
	for i := 0; ; i++ {
		name := fmt.Sprintf("group_%d", i)
		g, ok := leaf[name].(map[string]any)
		if !ok {
			break
		}
		paths = append(paths, g["terms"].(map[string]any)["field"].(string))
		leaf = g["aggs"].(map[string]any)
	}
	if len(paths) == 0 {
		leaf = aggs["all"].(map[string]any)["aggs"].(map[string]any)
	}
	if len(paths) != len(r.Threshold.GroupBy) {
		t.Fatalf("aggregation has %d group levels, rule has %d group_by", len(paths), len(r.Threshold.GroupBy))
	}
	distinctPath := ""
	if d, ok := leaf["distinct"].(map[string]any); ok {
		distinctPath = d["cardinality"].(map[string]any)["field"].(string)
	}
	sel := leaf["threshold"].(map[string]any)["bucket_selector"].(map[string]any)
	if want := "params.n >= " + strconv.Itoa(r.Threshold.Count); sel["script"] != want {
		t.Fatalf("bucket_selector script %q, want %q", sel["script"], want)
	}
	sort.Slice(docs, func(i, j int) bool { return docs[i].Timestamp.Before(docs[j].Timestamp) })
	for _, start := range docs {
		end := start.Timestamp.Add(r.Threshold.Window)
		counts := map[string]int{}
		distinct := map[string]map[string]bool{}
		for _, d := range docs {
			if d.Timestamp.Before(start.Timestamp) || d.Timestamp.After(end) {
				continue
			}
			body, _ := parseDSLDoc(d.AppendJSON(nil))
			key := ""
			grouped := true
			for _, p := range paths {
				vals := body.leaves(p)
				if len(vals) == 0 {
					grouped = false
					break
				}
				s, _ := leafText(vals[0])
				key += s + "\x00"
			}
			if !grouped {
				continue
			}
			counts[key]++
			if distinctPath != "" {
				if distinct[key] == nil {
					distinct[key] = map[string]bool{}
				}
				for _, v := range body.leaves(distinctPath) {
					s, _ := leafText(v)
					distinct[key][s] = true
				}
			}
		}
		for key, n := range counts {
			if distinctPath != "" {
				n = len(distinct[key])
			}
			if n >= r.Threshold.Count {
				return true
			}
		}
	}
	return false
}

// TestTypedFieldsCoverSchema keeps the matcher's typed accessors in step
// with the declared ECS schema: every common field has one, and nothing
// else does.
func TestTypedFieldsCoverSchema(t *testing.T) {
	declared := map[string]bool{}
	for _, f := range ecs.Fields() {
		if f.LogType == "" {
			declared[f.Path] = true
			if typedFields[f.Path] == nil {
				t.Errorf("declared field %s has no accessor", f.Path)
			}
		}
	}
	for p := range typedFields {
		if !declared[p] {
			t.Errorf("accessor for %s, which the schema does not declare", p)
		}
	}
}

// TestBuiltinLazyTestsEqualEager: the catalog Builtin loads, with tests cut
// out of each file and parsed on demand, is the catalog a full parse of the
// same YAML gives (metadata, detection and every test, line numbers
// included).
func TestBuiltinLazyTestsEqualEager(t *testing.T) {
	lazy, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range lazy.Rules() {
		if r.Tests != nil {
			t.Fatalf("%s: tests parsed at load", r.ID)
		}
	}
	if err := lazy.LoadTests(); err != nil {
		t.Fatal(err)
	}
	eager, err := Load(builtinRules, "rules")
	if err != nil {
		t.Fatal(err)
	}
	if lazy.Len() != eager.Len() {
		t.Fatalf("%d rules lazily, %d eagerly", lazy.Len(), eager.Len())
	}
	for _, e := range eager.Rules() {
		l := lazy.Rule(e.ID)
		if l == nil {
			t.Errorf("%s missing", e.ID)
			continue
		}
		if len(e.Tests) == 0 || !reflect.DeepEqual(l.Tests, e.Tests) {
			t.Errorf("%s: tests differ:\nlazy  %+v\neager %+v", e.ID, l.Tests, e.Tests)
		}
		if l.Line != e.Line || l.Title != e.Title || l.Level != e.Level || !reflect.DeepEqual(l.Tags, e.Tags) ||
			!reflect.DeepEqual(l.Query(), e.Query()) {
			t.Errorf("%s: metadata or detection differ", e.ID)
		}
	}
}

func TestFindTestsBlock(t *testing.T) {
	src := "title: x\ntests:\n- name: a\n  match: true\n# note\n-   name: b\nlevel: high\n"
	b, ok := findTests([]byte(src))
	if !ok {
		t.Fatal("no block")
	}
	if got := string(b.head([]byte(src))); got != "title: x\n\n\n\n\n\nlevel: high\n" {
		t.Errorf("head %q", got)
	}
	if got := string(b.tests([]byte(src))); got != "\ntests:\n- name: a\n  match: true\n# note\n-   name: b\n" {
		t.Errorf("tests %q", got)
	}
	if _, ok := findTests([]byte("title: x\ntestsuite: y\n")); ok {
		t.Error("testsuite: is not tests:")
	}
}

package detect

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s (run with -update after checking):\n%s", name, path, got)
	}
}

func TestQueryGolden(t *testing.T) {
	cat := testCatalog(t)
	from := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	to := from.Add(24 * time.Hour)
	for _, r := range cat.Rules() {
		t.Run(r.ID, func(t *testing.T) {
			q, notes, err := r.ExportQuery()
			x := map[string]any{"query": q, "aggregations": r.Aggregations()}
			if len(notes) > 0 {
				x["notes"] = notes
			}
			if err != nil {
				x = map[string]any{"not_expressible": err.Error()}
			}
			golden(t, r.ID, x)
		})
	}
	t.Run("report", func(t *testing.T) {
		golden(t, "report", cat.ReportQuery(from, to))
		if got := cat.ReportIndices(); len(got) != 2 || got[0] != "log-aws-cloudtrail-*" || got[1] != "log-aws-vpcflow-*" {
			t.Errorf("report indices %v", got)
		}
	})
}

func TestReportQueryShape(t *testing.T) {
	cat := testCatalog(t)
	q := cat.ReportQuery(time.Unix(0, 0), time.Unix(86400, 0))
	filters := q["aggs"].(map[string]any)["guidelines"].(map[string]any)["filters"].(map[string]any)["filters"].(map[string]any)
	if len(filters) != len(Guidelines) {
		t.Fatalf("%d guideline filters, want %d", len(filters), len(Guidelines))
	}
	for _, g := range Guidelines {
		_, none := filters[g].(map[string]any)["match_none"]
		fed := g == "pci-05" || g == "pci-07"
		if none == fed {
			t.Errorf("%s: match_none is %v, but rules feed it: %v", g, none, fed)
		}
	}
	// The pci-05 filter is exactly the rule's query: the report counts
	// what the alert matches.
	want, _ := json.Marshal(cat.Rule("test-log-bucket-access").Query())
	got, _ := json.Marshal(filters["pci-05"])
	if !bytes.Equal(got, want) {
		t.Errorf("pci-05 filter %s, want %s", got, want)
	}
}

func TestLuceneRegexp(t *testing.T) {
	cases := []struct {
		re, want string
		err      bool
	}{
		{re: `abc`, want: `.*abc.*`},
		{re: `^abc$`, want: `abc`},
		{re: `^a.c`, want: "a[^\n]c.*"},
		{re: `(?s)a.c$`, want: `.*a.c`},
		{re: `a\.b`, want: `.*a\.b.*`},
		{re: `x@y&z~<>#"`, want: `.*x\@y\&z\~\<\>\#\".*`},
		{re: `(?i)ab`, want: `.*[Aa][Bb].*`},
		{re: `(?i)k`, want: ".*[Kk\u212a].*"},
		{re: `[0-9]{2,4}x+`, want: `.*[0-9]{2,4}x+.*`},
		{re: `(ab)+|cd?`, want: `.*((ab)+|cd?).*`},
		{re: `(?:ab)*`, want: `.*(ab)*.*`},
		{re: `[^a]`, want: ".*[\\\x00-\\`b-\U0010ffff].*"},
		{re: `\bword`, err: true},
		{re: `a^b`, err: true},
		{re: `(?m)^a`, err: true},
		{re: `a|`, err: true},
	}
	for _, tc := range cases {
		t.Run(tc.re, func(t *testing.T) {
			got, err := luceneRegexp(tc.re)
			if tc.err {
				if err == nil {
					t.Errorf("want an error, got %q", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// TestLuceneRegexpAgreesWithGo checks the translation against Go's own
// search on sample strings, through the test's Lucene evaluator.
func TestLuceneRegexpAgreesWithGo(t *testing.T) {
	res := []string{`assumed-role/aws:.+`, `^arn:aws:iam::[0-9]{12}:root$`, `(?i)mfaused`, `a.b`, `(?s)a.b`, `x(y|z)?$`, `[^0-9]+`}
	samples := []string{"", "a\nb", "axb", "arn:aws:iam::111122223333:root", "arn:aws:iam::1:root", "role/assumed-role/aws:x", "MFAUsed", "xy", "xq", "123", "12a"}
	for _, src := range res {
		goRE := regexp.MustCompile(src)
		lre, err := luceneRegexp(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		lucene, err := luceneToGo(lre)
		if err != nil {
			t.Fatalf("%s -> %s: %v", src, lre, err)
		}
		for _, s := range samples {
			if goRE.MatchString(s) != lucene.MatchString(s) {
				t.Errorf("%q on %q: Go %v, Lucene %q %v", src, s, goRE.MatchString(s), lre, lucene.MatchString(s))
			}
		}
	}
}

// exportAgrees: the export matches what the matcher matches, except in
// the direction its notes declare (an exact-case term on a flat_object
// field may miss a match the matcher, folding case, finds — or, under a
// negation, match more).
func exportAgrees(inProcess, inDSL bool, notes []string) bool {
	if inProcess == inDSL {
		return true
	}
	want := NoteMayMiss
	if inDSL {
		want = NoteMayMatchMore
	}
	for _, n := range notes {
		if strings.HasSuffix(n, want) {
			return true
		}
	}
	return false
}

// flatObjectClauses returns the leaf clauses of q on flat_object paths.
func flatObjectClauses(t *testing.T, q any, out *[]string) {
	t.Helper()
	switch x := q.(type) {
	case map[string]any:
		for kind, body := range x {
			switch kind {
			case "term", "terms", "prefix", "wildcard", "regexp", "range":
				for path, spec := range body.(map[string]any) {
					if typ, ok := ecs.FieldTypeOf(path); ok && typ == ecs.FlatObject {
						b, _ := json.Marshal(spec)
						*out = append(*out, kind+" "+path+" "+string(b))
					}
				}
			default:
				flatObjectClauses(t, body, out)
			}
		}
	case []any:
		for _, c := range x {
			flatObjectClauses(t, c, out)
		}
	}
}

// On flat_object subfields OpenSearch 2.x (FlatObjectFieldMapper) runs
// exact term/terms, prefix (case-insensitive allowed), range and exists;
// a case-insensitive term or a regexp silently matches nothing and a
// wildcard throws before 2.18. Every exported query keeps to that set,
// and the rules that cannot are reported, each with its field.
func TestExportOnFlatObject(t *testing.T) {
	cat, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	exported, refused, noted := 0, 0, 0
	for _, r := range cat.Rules() {
		q, notes, err := r.ExportQuery()
		if err != nil {
			refused++
			if !errors.Is(err, ErrNotExpressible) || !strings.Contains(err.Error(), r.ID) {
				t.Errorf("%s: refusal %v does not name the rule or wrap ErrNotExpressible", r.ID, err)
			}
			continue
		}
		exported++
		if len(notes) > 0 {
			noted++
		}
		var clauses []string
		flatObjectClauses(t, q, &clauses)
		for _, c := range clauses {
			kind, rest, _ := strings.Cut(c, " ")
			switch {
			case kind == "wildcard" || kind == "regexp":
				t.Errorf("%s: %s — not supported on flat_object", r.ID, c)
			case kind == "term" && strings.Contains(rest, `"case_insensitive":true`):
				t.Errorf("%s: %s — a case-insensitive term matches nothing on flat_object", r.ID, c)
			}
		}
	}
	t.Logf("%d rules exported (%d with case notes), %d not expressible", exported, noted, refused)
	if exported == 0 {
		t.Fatal("nothing exported")
	}
	// A wildcard and a regexp on a flat_object field are refused, naming it;
	// startswith stays a case-insensitive prefix; a plain value an exact term.
	for det, want := range map[string]string{
		"s: {requestParameters.bucketName|contains: logs}\ncondition: s":   "wildcard on flat_object field aws.cloudtrail.requestParameters.bucketName",
		"s: {requestParameters.bucketName|re: '^logs'}\ncondition: s":      "regexp on flat_object field aws.cloudtrail.requestParameters.bucketName",
		"s: {requestParameters.bucketName|startswith: Logs}\ncondition: s": `"prefix":{"aws.cloudtrail.requestParameters.bucketName":{"case_insensitive":true,"value":"Logs"}}`,
		"s: {requestParameters.bucketName: Logs}\ncondition: s":            `"term":{"aws.cloudtrail.requestParameters.bucketName":{"value":"Logs"}}`,
	} {
		r, err := tryRule("cloudtrail", det, nil)
		if err != nil {
			t.Fatalf("%s: %v", det, err)
		}
		q, notes, err := r.ExportQuery()
		got := ""
		if err != nil {
			got = err.Error()
		} else {
			b, _ := json.Marshal(q)
			got = string(b)
		}
		if !strings.Contains(got, want) {
			t.Errorf("%q exported as %s, want %s", det, got, want)
		}
		if strings.HasSuffix(det, "bucketName: Logs}\ncondition: s") && len(notes) != 1 {
			t.Errorf("an exact term on a flat_object field with letters carries a note: %v", notes)
		}
	}
}

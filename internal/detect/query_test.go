package detect

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
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
			golden(t, r.ID, r.Search(from, to))
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

package detect

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseRule: any input either loads or fails with located errors;
// nothing panics.
func FuzzParseRule(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "rules", "*", "*.yml"))
	bad, _ := filepath.Glob(filepath.Join("testdata", "bad", "*", "*.yml"))
	for _, p := range append(files, bad...) {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	sigma, _ := filepath.Glob(filepath.Join("testdata", "sigma", "*", "*.yml"))
	for _, p := range sigma {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, mode := range []loadMode{{house: true}, {}} {
			r, errs := parseRuleMode("fuzz/x.yml", data, mode)
			if (r == nil) == (len(errs) == 0) {
				t.Fatalf("rule %v with errors %v", r, errs)
			}
			for _, e := range errs {
				le, ok := e.(*LoadError)
				if !ok || le.File != "fuzz/x.yml" || le.RuleID == "" {
					t.Fatalf("unlocated error %v", e)
				}
			}
			if r != nil {
				_ = r.Query()
			}
		}
	})
}

// FuzzCondition: the condition parser never panics and only accepts
// expressions over defined selections.
func FuzzCondition(f *testing.F) {
	for _, s := range []string{"a and not 1 of b*", "(a or b) and not (c)", "all of them", "1 of", "a | count() > 3", "not not a"} {
		f.Add(s)
	}
	sels := map[string]*selection{"a": {name: "a"}, "b1": {name: "b1"}, "b2": {name: "b2"}, "c": {name: "c"}}
	f.Fuzz(func(t *testing.T, src string) {
		c, used, err := parseCondition(src, sels)
		if err != nil {
			return
		}
		if c == nil || len(used) == 0 {
			t.Fatalf("accepted %q without a tree or selections", src)
		}
		for n := range used {
			if sels[n] == nil {
				t.Fatalf("uses undefined %q", n)
			}
		}
	})
}

// FuzzLuceneRegexp: every translation the compiler accepts is valid for
// the test's Lucene evaluator.
func FuzzLuceneRegexp(f *testing.F) {
	for _, s := range []string{`abc`, `^a.c$`, `(?i)x[0-9]+`, `(a|b)*c{2,3}`, `[^\n]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		out, err := luceneRegexp(src)
		if err != nil {
			return
		}
		if _, err := luceneToGo(out); err != nil {
			t.Fatalf("%q -> %q: %v", src, out, err)
		}
	})
}

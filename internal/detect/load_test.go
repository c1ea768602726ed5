package detect

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// loadErrors unwraps the joined error of Load into its LoadErrors.
func loadErrors(t *testing.T, err error) []*LoadError {
	t.Helper()
	var out []*LoadError
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("want a joined error, got %T %v", err, err)
	}
	for _, e := range j.Unwrap() {
		var le *LoadError
		if !errors.As(e, &le) {
			t.Fatalf("not a LoadError: %v", e)
		}
		out = append(out, le)
	}
	return out
}

func TestLoadErrorsNameFileLineAndRule(t *testing.T) {
	cases := []struct {
		dir, file, id string
		line          int
		want          string
	}{
		{"malformed-yaml", "bad-malformed-yaml.yml", "bad-malformed-yaml", 10, "malformed YAML: yaml: line 10"},
		{"unknown-modifier", "bad-unknown-modifier.yml", "bad-unknown-modifier", 11, `unknown modifier "sounds_like"`},
		{"bad-regex", "bad-bad-regex.yml", "bad-bad-regex", 11, "re: error parsing regexp"},
		{"unknown-field", "bad-unknown-field.yml", "bad-unknown-field", 11, `unknown field "eventNam"`},
		{"undefined-selection", "bad-undefined-selection.yml", "bad-undefined-selection", 12, `undefined selection "filter"`},
		{"unknown-service", "bad-unknown-service.yml", "bad-unknown-service", 8, `logsource.service "cloudtrial" is unknown`},
		{"bad-report", "bad-bad-report.yml", "bad-bad-report", 14, `report "pci-11" must be one of`},
		{"unknown-key", "bad-unknown-key.yml", "bad-unknown-key", 14, `unknown key "severity_override"`},
		{"no-negative-test", "bad-no-negative-test.yml", "bad-no-negative-test", 15, "one inline negative"},
		{"undeclared-placeholder", "bad-undeclared-placeholder.yml", "bad-undeclared-placeholder", 11, "placeholder %names% names no declared parameter"},
		{"bad-window", "bad-bad-window.yml", "bad-bad-window", 14, "threshold.window must be a Go duration"},
		{"file-name", "some-other-name.yml", "bad-file-name", 2, "file name some-other-name.yml must be bad-file-name.yml"},
		{"duplicate-id", "b/bad-duplicate-id.yml", "bad-duplicate-id", 2, `rule id "bad-duplicate-id" defined twice`},
	}
	for _, tc := range cases {
		t.Run(tc.dir, func(t *testing.T) {
			dir := filepath.Join("testdata", "bad", tc.dir)
			cat, err := LoadDir(dir)
			if err == nil || cat != nil {
				t.Fatalf("loaded %v without error", cat)
			}
			wantFile := filepath.ToSlash(filepath.Join(dir, tc.file))
			var found bool
			for _, le := range loadErrors(t, err) {
				if le.File == wantFile && le.Line == tc.line && le.RuleID == tc.id && strings.Contains(le.Err.Error(), tc.want) {
					found = true
				}
			}
			if !found {
				t.Errorf("no error %s:%d: rule %s: ...%s...; got:\n%v", wantFile, tc.line, tc.id, tc.want, err)
			}
			prefix := wantFile + ":"
			if !strings.Contains(err.Error(), prefix) || !strings.Contains(err.Error(), "rule "+tc.id+": ") {
				t.Errorf("message does not name file and rule: %v", err)
			}
		})
	}
}

func TestLoadReportsEveryError(t *testing.T) {
	// Two broken files in one load: both are reported.
	fsys := fstest.MapFS{}
	for _, name := range []string{"unknown-field", "bad-regex"} {
		data, err := os.ReadFile(filepath.Join("testdata", "bad", name, "bad-"+name+".yml"))
		if err != nil {
			t.Fatal(err)
		}
		fsys["rules/"+name+"/bad-"+name+".yml"] = &fstest.MapFile{Data: data}
	}
	fsys["rules/README.md"] = &fstest.MapFile{Data: []byte("not a rule")}
	_, err := Load(fsys, "rules")
	if got := len(loadErrors(t, err)); got != 2 {
		t.Errorf("%d errors, want 2: %v", got, err)
	}
}

func TestLoadedRuleMetadata(t *testing.T) {
	cat := testCatalog(t)
	r := cat.Rule("test-log-bucket-access")
	if r == nil {
		t.Fatal("rule missing")
	}
	if r.Service != "cloudtrail" || r.Level != "medium" || r.Severity != 3 || r.Report != "pci-05" ||
		r.File != "testdata/rules/cloudtrail/test-log-bucket-access.yml" || r.Line != 2 || len(r.Tests) != 3 {
		t.Errorf("metadata %+v", r)
	}
	if got := r.Parameters["log_buckets"]; len(got) != 1 || got[0] != "org-log-archive-*" {
		t.Errorf("parameters %v", r.Parameters)
	}
	if p, err := r.DocumentPath("eventName"); err != nil || p != "event.action" {
		t.Errorf("eventName maps to %q, %v", p, err)
	}
	if p, _ := r.DocumentPath("requestParameters.bucketName"); p != "aws.cloudtrail.requestParameters.bucketName" {
		t.Errorf("requestParameters.bucketName maps to %q", p)
	}
	if r.Index() != "log-aws-cloudtrail-*" || cat.Rule("test-pipeline-errors").Index() != "log-aws-*" {
		t.Error("index patterns")
	}
}

func TestMerge(t *testing.T) {
	a, b := testCatalog(t), testCatalog(t)
	if err := a.Merge(b); err == nil {
		t.Error("merging a catalog with itself must fail on duplicate ids")
	}
	if a.Len() != b.Len() {
		t.Error("a failed merge must leave the catalog unchanged")
	}
	builtin, err := Builtin()
	if err != nil {
		t.Skipf("embedded catalog does not load (TestBuiltinCatalog reports why): %v", err)
	}
	n := builtin.Len()
	if err := builtin.Merge(a); err != nil {
		t.Fatal(err)
	}
	if builtin.Len() != n+a.Len() || builtin.Rule("test-password-spray") == nil {
		t.Error("merged rules missing")
	}
}

package searchtest

import (
	"net/http"
	"strings"
	"testing"
)

func TestSpecLoadsOnceWithItsHolesClosed(t *testing.T) {
	s, err := LoadSpec()
	if err != nil {
		if strings.Contains(err.Error(), ErrNoSpec.Error()) {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	again, _ := LoadSpec()
	if again != s {
		t.Fatal("LoadSpec loaded the specification twice")
	}
	t.Logf("loaded, patched and routed in %s; patches:\n%s", s.LoadTime, strings.Join(s.Patches, "\n"))
	for _, want := range []string{"QueryContainer", "BoolQuery", "OperationContainer", "ism._common___Action", "security._common___Role:", "RoleMapping", "RepositorySettings", "SortOptions", "mapping___Property"} {
		found := false
		for _, p := range s.Patches {
			found = found || strings.Contains(p, want)
		}
		if !found {
			t.Errorf("no patch for %s", want)
		}
	}
	cases := []struct {
		name, ptr, doc string
		ok             bool
	}{
		{"a term query passes", PtrQueryContainer, `{"term":{"event.action":"x"}}`, true},
		{"a misspelled clause fails", PtrQueryContainer, `{"trem":{"event.action":"x"}}`, false},
		{"a create action passes", PtrBulkOperation, `{"create":{"_index":"i","_id":"1"}}`, true},
		{"two actions in one line fail", PtrBulkOperation, `{"create":{"_index":"i"},"index":{"_index":"i"}}`, false},
		{"the S3 repository keys pass", PtrRepoSettings, `{"bucket":"b","region":"r","role_arn":"a","base_path":"p","server_side_encryption":true}`, true},
		{"another repository key fails", PtrRepoSettings, `{"bucket":"b","canned_acl":"x"}`, false},
		{"a field sort passes", PtrSearchBody, `{"sort":[{"@timestamp":{"order":"desc"}}]}`, true},
		{"an msearch header passes", PtrMsearchHeader, `{"index":["log-aws-*"]}`, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := s.ValidateJSON(tc.ptr, []byte(tc.doc))
			if (err == nil) != tc.ok {
				t.Fatalf("validation error %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestBulkLines(t *testing.T) {
	s, err := LoadSpec()
	if err != nil {
		t.Skip(err)
	}
	lines, err := s.BulkLines([]byte("{\"create\":{\"_index\":\"a\",\"_id\":\"1\"}}\n{\"x\":1}\n{\"delete\":{\"_index\":\"a\",\"_id\":\"2\"}}\n"))
	if err != nil || len(lines) != 2 || lines[0].Action != "create" || string(lines[0].Doc) != `{"x":1}` || lines[1].Action != "delete" || lines[1].Doc != nil {
		t.Fatalf("lines %+v, %v", lines, err)
	}
	if _, err := s.BulkLines([]byte("{\"create\":{\"_index\":\"a\",\"_id\":\"1\"}}\n")); err == nil {
		t.Error("a create without its document passed")
	}
}

// ShapesOnly keeps the former behaviour (validation only): the rules of
// the real-behaviour mode are off.
func TestShapesOnlyTurnsTheRealRulesOff(t *testing.T) {
	for _, shapes := range []bool{false, true} {
		srv := NewWith(t, Options{ShapesOnly: shapes})
		resp, err := http.Post(srv.URL+"/_plugins/_alerting/monitors/_search", "application/json", strings.NewReader(`{"query":{"match_all":{}}}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := http.StatusNotFound
		if shapes {
			want = http.StatusOK
		}
		if resp.StatusCode != want {
			t.Errorf("shapes only %v: monitor search on a fresh domain answered %d, want %d", shapes, resp.StatusCode, want)
		}
	}
}

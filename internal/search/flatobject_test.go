package search_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/orgsiem/orgsiem/internal/search"
	"github.com/orgsiem/orgsiem/internal/search/searchtest"
)

// The test server evaluates searches on flat_object subfields as
// OpenSearch 2.x does (server/src/main/java/org/opensearch/index/mapper/
// FlatObjectFieldMapper.java, FlatObjectFieldType): exact term, terms,
// prefix (case-insensitive too), range and exists work; a case-insensitive
// term and regexp silently match nothing (not overridden: they query a
// Lucene field named after the path, which does not exist); wildcard is a
// QueryShardException before 2.18 and works from 2.18. A query DSL export
// for analysts must use only what works; detection never runs as a query.
func TestFlatObjectSubfieldsBehaveAsOpenSearch(t *testing.T) {
	doc := `{"@timestamp":"2025-05-02T10:00:00Z","event":{"action":"PutBucketPolicy"},"aws":{"cloudtrail":{"requestParameters":{"bucketName":"Payroll-Data","policy":{"Statement":[{"Effect":"Allow","Principal":"*"}]},"maxKeys":100}}}}`
	field := "aws.cloudtrail.requestParameters.bucketName"
	cases := []struct {
		name  string
		query string
		want  int // hits; -1: a 400 query_shard_exception
	}{
		{"exact term", `{"term":{"` + field + `":"Payroll-Data"}}`, 1},
		{"exact term, other case", `{"term":{"` + field + `":"payroll-data"}}`, 0},
		{"case-insensitive term matches nothing", `{"term":{"` + field + `":{"value":"payroll-data","case_insensitive":true}}}`, 0},
		{"terms", `{"terms":{"` + field + `":["x","Payroll-Data"]}}`, 1},
		{"prefix", `{"prefix":{"` + field + `":"Payroll"}}`, 1},
		{"case-insensitive prefix works", `{"prefix":{"` + field + `":{"value":"payroll","case_insensitive":true}}}`, 1},
		{"regexp matches nothing", `{"regexp":{"` + field + `":"Payroll.*"}}`, 0},
		{"exists", `{"exists":{"field":"aws.cloudtrail.requestParameters.policy.Statement.Principal"}}`, 1},
		{"range (string order)", `{"range":{"aws.cloudtrail.requestParameters.maxKeys":{"gte":"100","lte":"100"}}}`, 1},
		{"a nested leaf by its path", `{"term":{"aws.cloudtrail.requestParameters.policy.Statement.Principal":"*"}}`, 1},
		{"wildcard is refused before 2.18", `{"wildcard":{"` + field + `":"Pay*"}}`, -1},
		{"wildcard on a keyword field works", `{"wildcard":{"event.action":"Put*"}}`, 1},
		{"case-insensitive term on a keyword field works", `{"term":{"event.action":{"value":"putbucketpolicy","case_insensitive":true}}}`, 1},
	}
	run := func(t *testing.T, version string) map[string]int {
		srv := searchtest.NewWith(t, searchtest.Options{Version: version})
		c := newClient(t, srv)
		ctx := context.Background()
		ts, err := search.BuildTemplates(search.DefaultTemplateConfig())
		if err != nil {
			t.Fatal(err)
		}
		if err := c.PutTemplates(ctx, ts); err != nil {
			t.Fatal(err)
		}
		body := `{"create":{"_index":"log-aws-cloudtrail-2025.05","_id":"e1"}}` + "\n" + doc + "\n"
		if status, resp, err := c.Do(ctx, search.Request{Method: http.MethodPost, Path: "/_bulk", Body: []byte(body), ContentType: "application/x-ndjson"}); err != nil || status != 200 || strings.Contains(string(resp), `"errors":true`) {
			t.Fatalf("bulk: %d %s %v", status, resp, err)
		}
		got := map[string]int{}
		for _, tc := range cases {
			var res struct {
				Hits struct {
					Total struct {
						Value int `json:"value"`
					} `json:"total"`
				} `json:"hits"`
			}
			err := c.Search(ctx, []string{"log-aws-cloudtrail-*"}, map[string]any{"query": rawJSON(tc.query)}, &res)
			switch {
			case search.IsStatus(err, http.StatusBadRequest) && strings.Contains(err.Error(), "search_phase_execution_exception"):
				got[tc.name] = -1
			case err != nil:
				t.Fatalf("%s: %v", tc.name, err)
			default:
				got[tc.name] = res.Hits.Total.Value
			}
		}
		noRejections(t, srv)
		return got
	}
	got := run(t, "2.17.0")
	for _, tc := range cases {
		if got[tc.name] != tc.want {
			t.Errorf("2.17: %s: %d, want %d", tc.name, got[tc.name], tc.want)
		}
	}
	if got := run(t, "2.18.0"); got["wildcard is refused before 2.18"] != 1 {
		t.Errorf("2.18: wildcard on a flat_object subfield: %d hits, want 1", got["wildcard is refused before 2.18"])
	}
}

func rawJSON(s string) json.RawMessage { return json.RawMessage(s) }

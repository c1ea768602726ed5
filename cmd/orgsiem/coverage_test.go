package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/orgsiem/orgsiem/internal/search/searchtest"
)

// The command prints one line per account, region and log type with its
// status; an expected source never seen is OFF. The domain's answer is one
// composite page (fewer buckets than the page size: the last), the search
// body validated against the OpenSearch spec by searchtest.
func TestCoverageCommand(t *testing.T) {
	srv := searchtest.New(t)
	var body map[string]any
	srv.SetSearch(func(index string, b []byte) (any, bool) {
		json.Unmarshal(b, &body)
		last := float64(testNow.Add(-30 * 60e9).UnixMilli())
		return map[string]any{"took": 1, "timed_out": false, "_shards": map[string]any{"total": 1, "successful": 1, "skipped": 0, "failed": 0},
			"hits": map[string]any{"total": map[string]any{"value": 0, "relation": "eq"}, "max_score": nil, "hits": []any{}},
			"aggregations": map[string]any{"coverage": map[string]any{
				"after_key": map[string]any{"account": "111122223333", "region": "eu-west-1", "dataset": "aws.cloudtrail"},
				"buckets": []any{map[string]any{"key": map[string]any{"account": "111122223333", "region": "eu-west-1", "dataset": "aws.cloudtrail"},
					"doc_count": 42, "last": map[string]any{"value": last}}},
			}}}, true
	})
	r := runCLI(t, "coverage", "--endpoint", srv.URL, "--expect", "aws.cloudtrail,aws.vpcflow")
	noRejections(t, srv)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"aws.cloudtrail  FLOWING", "aws.vpcflow     OFF", "1 flowing, 0 silent (no event for 24h0m0s), 1 off"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if body == nil || !strings.Contains(mustJSON(t, body), `"cloud.region"`) {
		t.Errorf("search body %v does not group by region", body)
	}
	if r := runCLI(t, "coverage"); r.code != exitUsage {
		t.Errorf("without --endpoint: exit %d", r.code)
	}
	if r := runCLI(t, "coverage", "--endpoint", srv.URL, "--since", "0d"); r.code != exitUsage {
		t.Errorf("--since 0d: exit %d", r.code)
	}
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

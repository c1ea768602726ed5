package search_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/detect"
	"github.com/orgsiem/orgsiem/internal/search"
	"github.com/orgsiem/orgsiem/internal/search/searchtest"
)

func noRejections(t *testing.T, srv *searchtest.Server) {
	t.Helper()
	for _, r := range srv.Rejections() {
		t.Errorf("server refused %s %s (%s): %v", r.Method, r.Path, r.Operation, r.Err)
	}
}

func TestTemplatesAndLifecyclePassTheSpec(t *testing.T) {
	srv := searchtest.New(t)
	c := newClient(t, srv)
	ctx := context.Background()
	ts, err := search.BuildTemplates(search.DefaultTemplateConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.PutTemplates(ctx, ts); err != nil {
		t.Fatal(err)
	}
	pols, err := search.BuildISMPolicies(search.DefaultLifecycle())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pols {
		if ch, err := c.PutISMPolicy(ctx, p); err != nil || ch != search.Created {
			t.Fatalf("first put of %s: %v %v", p.Name, ch, err)
		}
		if ch, err := c.PutISMPolicy(ctx, p); err != nil || ch != search.Unchanged {
			t.Fatalf("second put of %s: %v %v, want unchanged", p.Name, ch, err)
		}
	}
	// A changed lifecycle updates the stored policies with seq_no/primary_term.
	lc := search.DefaultLifecycle()
	lc.Default.DeleteAfterDays = 800
	pols2, _ := search.BuildISMPolicies(lc)
	if ch, err := c.PutISMPolicy(ctx, pols2[0]); err != nil || ch != search.Updated {
		t.Fatalf("changed policy: %v %v, want updated", ch, err)
	}
	noRejections(t, srv)

	// The stored cloudtrail template composes the three components and maps
	// flat_object, ip and geo_point fields.
	idx, ok := srv.Object("index_template", search.IndexTemplateName("cloudtrail"))
	if !ok || !strings.Contains(string(idx), `"log-aws-cloudtrail-*"`) {
		t.Fatalf("cloudtrail index template: %s", idx)
	}
	aws, _ := srv.Object("component_template", search.ComponentAWS("cloudtrail"))
	ecsT, _ := srv.Object("component_template", search.ComponentECS)
	for _, want := range []string{`"flat_object"`} {
		if !strings.Contains(string(aws), want) {
			t.Errorf("aws.cloudtrail component lacks %s", want)
		}
	}
	for _, want := range []string{`{"ignore_malformed":true,"type":"ip"}`, `"geo_point"`, `"date_detection":false`, `"numeric_detection":false`, `"match_mapping_type":"string"`} {
		if !strings.Contains(string(ecsT), want) {
			t.Errorf("ECS component lacks %s", want)
		}
	}
	set, _ := srv.Object("component_template", search.ComponentSettings("cloudtrail"))
	if !strings.Contains(string(set), `"number_of_shards":3`) {
		t.Errorf("cloudtrail settings: %s", set)
	}
	set, _ = srv.Object("component_template", search.ComponentSettings("guardduty"))
	if !strings.Contains(string(set), `"number_of_shards":1`) {
		t.Errorf("guardduty settings: %s", set)
	}
	pol, _ := srv.Object("ism_policy", search.ISMPolicyID("vpcflow"))
	for _, want := range []string{`"warm_migration"`, `"min_index_age":"90d"`, `"min_index_age":"431d"`, `"delete":{}`, `"log-aws-vpcflow-*"`} {
		if !strings.Contains(string(pol), want) {
			t.Errorf("vpcflow ISM policy lacks %s: %s", want, pol)
		}
	}
}

func TestLifecycleOptions(t *testing.T) {
	cases := []struct {
		name    string
		lc      search.Lifecycle
		roll    map[string]search.Rollover
		want    []string
		notWant []string
		wantErr bool
	}{
		{name: "without warm the hot state goes straight to the backstop delete (retention + 31 days of index age)", lc: search.Lifecycle{DeleteAfterDays: 30},
			want: []string{`"conditions":{"min_index_age":"61d"},"state_name":"delete"`}, notWant: []string{"warm_migration"}},
		{name: "warm before the month's writes are over is refused", lc: search.Lifecycle{WarmAfterDays: 20, DeleteAfterDays: 400}, wantErr: true},
		{name: "rollover appears where configured", lc: search.Lifecycle{DeleteAfterDays: 30},
			roll: map[string]search.Rollover{"cloudtrail": {Alias: "ct", MinPrimaryShardSize: "30gb"}}, want: []string{`"rollover":{"min_primary_shard_size":"30gb"}`}},
		{name: "warm at or after the backstop delete is refused", lc: search.Lifecycle{WarmAfterDays: 61, DeleteAfterDays: 30}, wantErr: true},
		{name: "no delete age is refused", lc: search.Lifecycle{}, wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ps, err := search.BuildISMPolicies(search.LifecycleConfig{LogTypes: []string{"cloudtrail"}, Default: tc.lc, Rollover: tc.roll})
			if tc.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(ps[0].Body)
			for _, w := range tc.want {
				if !strings.Contains(string(b), w) {
					t.Errorf("policy lacks %s: %s", w, b)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(string(b), w) {
					t.Errorf("policy has %s", w)
				}
			}
		})
	}
	srv := searchtest.New(t)
	c := newClient(t, srv)
	ps, _ := search.BuildISMPolicies(search.LifecycleConfig{LogTypes: []string{"cloudtrail"}, Default: search.Lifecycle{DeleteAfterDays: 30},
		Rollover: map[string]search.Rollover{"cloudtrail": {Alias: "ct", MinPrimaryShardSize: "30gb", MinIndexAge: "1d"}}})
	if _, err := c.PutISMPolicy(context.Background(), ps[0]); err != nil {
		t.Fatal(err)
	}
	noRejections(t, srv)
}

func TestReportSearchIsOneAcceptedRequest(t *testing.T) {
	cat, err := detect.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	srv := searchtest.New(t)
	c := newClient(t, srv)
	to := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	q := cat.ReportQuery(to.Add(-24*time.Hour), to)
	before := len(srv.Requests())
	if err := c.Search(context.Background(), cat.ReportIndices(), q, &json.RawMessage{}); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()[before:]
	if len(reqs) != 1 || reqs[0].Group != "search" {
		t.Fatalf("report took %d requests: %+v", len(reqs), reqs)
	}
	var body struct {
		Aggs map[string]struct {
			Filters struct {
				Filters map[string]any `json:"filters"`
			} `json:"filters"`
		} `json:"aggs"`
	}
	_ = json.Unmarshal(reqs[0].Body, &body)
	if n := len(body.Aggs["guidelines"].Filters.Filters); n != len(detect.Guidelines) {
		t.Errorf("report aggregation has %d guideline filters, want %d", n, len(detect.Guidelines))
	}
	// Every rule's exported query (analysts' ad hoc search) through _msearch.
	var reqsM []search.SearchRequest
	for _, r := range cat.Rules() {
		if q, _, err := r.ExportQuery(); err == nil {
			reqsM = append(reqsM, search.SearchRequest{Indices: []string{r.Index()}, Body: map[string]any{"size": 100, "query": q}})
		}
	}
	res, err := c.MultiSearch(context.Background(), reqsM)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(reqsM) {
		t.Fatalf("%d responses", len(res))
	}
	noRejections(t, srv)
}

func TestSecuritySnapshotsAndRestorePassTheSpec(t *testing.T) {
	srv := searchtest.New(t)
	c := newClient(t, srv)
	ctx := context.Background()
	sec := search.BuildSecurity(search.RoleARNs{
		Loader:   "arn:aws:iam::111122223333:role/orgsiem-loader",
		Report:   "arn:aws:iam::111122223333:role/orgsiem-report",
		Maintain: "arn:aws:iam::111122223333:role/orgsiem-maintain",
	})
	if err := c.PutSecurity(ctx, sec); err != nil {
		t.Fatal(err)
	}
	loader, _ := srv.Object("role", search.RoleLoader)
	if !strings.Contains(string(loader), `"index_patterns":["log-aws-*"]`) || strings.Contains(string(loader), "read") {
		t.Errorf("loader role is not write-only on log-aws-*: %s", loader)
	}
	mp, _ := srv.Object("role_mapping", search.RoleMaintain)
	if !strings.Contains(string(mp), "orgsiem-maintain") {
		t.Errorf("maintain mapping: %s", mp)
	}
	repo := search.Repository{Name: "orgsiem", Bucket: "orgsiem-snapshots", Region: "eu-west-1", RoleARN: "arn:aws:iam::111122223333:role/orgsiem-snapshot", BasePath: "domain"}
	if err := c.RegisterRepository(ctx, repo); err != nil {
		t.Fatal(err)
	}
	sm := search.SMPolicy{Name: "orgsiem-daily", Repository: repo.Name, MaxAgeDays: 400, MinCount: 7, MaxCount: 500}
	for _, want := range []search.Change{search.Created, search.Unchanged} {
		if ch, err := c.PutSMPolicy(ctx, sm); err != nil || ch != want {
			t.Fatalf("SM policy: %v %v, want %v", ch, err, want)
		}
	}
	sm.MaxAgeDays = 800
	if ch, err := c.PutSMPolicy(ctx, sm); err != nil || ch != search.Updated {
		t.Fatalf("changed SM policy: %v %v", ch, err)
	}
	// Live data, a snapshot, ISM deletes the old month, restore it.
	srv.CreateIndex("log-aws-cloudtrail-2025.01")
	srv.CreateIndex("log-aws-cloudtrail-2025.02")
	srv.CreateIndex(".kibana_1")
	if err := c.CreateSnapshot(ctx, repo.Name, "manual-2025-03-01"); err != nil {
		t.Fatal(err)
	}
	snaps, err := c.Snapshots(ctx, repo.Name)
	if err != nil || len(snaps) != 1 {
		t.Fatalf("snapshots %+v %v", snaps, err)
	}
	if strings.Join(snaps[0].Indices, ",") != "log-aws-cloudtrail-2025.01,log-aws-cloudtrail-2025.02" {
		t.Errorf("snapshot holds %v; want the log indices and no system index", snaps[0].Indices)
	}
	live, err := c.Indices(ctx, "log-aws-*,restored-*")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := search.PlanRestore(snaps, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 2, 28, 0, 0, 0, 0, time.UTC), []string{"cloudtrail"}, live)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Items) != 0 || len(plan.Live) != 2 {
		t.Fatalf("with both months live the plan restores nothing: %+v", plan)
	}
	// ISM deletes January.
	srv.DeleteIndex("log-aws-cloudtrail-2025.01")
	live, _ = c.Indices(ctx, "log-aws-*,restored-*")
	plan, _ = search.PlanRestore(snaps, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 2, 28, 0, 0, 0, 0, time.UTC), []string{"cloudtrail"}, live)
	if len(plan.Items) != 1 || strings.Join(plan.Live, ",") != "log-aws-cloudtrail-2025.02" {
		t.Fatalf("plan after January was deleted: %+v", plan)
	}
	if err := c.Restore(ctx, repo.Name, plan); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(srv.Indices(), ",")
	if !strings.Contains(got, "restored-log-aws-cloudtrail-2025.01") || strings.Contains(got, "restored-log-aws-cloudtrail-2025.02") {
		t.Errorf("indices after restore: %s", got)
	}
	// Restoring again collides with the restored copy: the server refuses,
	// and a fresh plan sees it as already restored.
	if err := c.Restore(ctx, repo.Name, plan); err == nil || !search.IsStatus(err, http.StatusInternalServerError) {
		t.Errorf("second restore: %v, want the open-index refusal", err)
	}
	live, _ = c.Indices(ctx, "log-aws-*,restored-*")
	plan, _ = search.PlanRestore(snaps, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 1, 31, 0, 0, 0, 0, time.UTC), []string{"cloudtrail"}, live)
	if len(plan.Items) != 0 || len(plan.AlreadyRestored) != 1 {
		t.Errorf("plan after restore: %+v", plan)
	}
	noRejections(t, srv)
}

// TestBrokenBodiesAreRejected proves the validating server's checks bite.
func TestBrokenBodiesAreRejected(t *testing.T) {
	srv := searchtest.New(t)
	c := newClient(t, srv)
	ctx := context.Background()
	cases := []struct {
		name, method, path, body, ct string
	}{
		{name: "a misspelled query clause", method: "POST", path: "/log-aws-*/_search", body: `{"query":{"trem":{"event.action":"x"}}}`},
		{name: "a misspelled bool occurrence", method: "POST", path: "/log-aws-*/_search", body: `{"query":{"bool":{"fliter":[{"term":{"event.action":"x"}}]}}}`},
		{name: "a string size", method: "POST", path: "/log-aws-*/_search", body: `{"size":"ten","query":{"match_all":{}}}`},
		{name: "an unknown ISM action", method: "PUT", path: "/_plugins/_ism/policies/p", body: `{"policy":{"description":"d","default_state":"hot","states":[{"name":"hot","actions":[{"shrinkk":{}}],"transitions":[]}]}}`},
		{name: "an unknown role key", method: "PUT", path: "/_plugins/_security/api/roles/r", body: `{"cluster_permission":["x"]}`},
		{name: "an unknown role mapping key", method: "PUT", path: "/_plugins/_security/api/rolesmapping/r", body: `{"backend_role":["arn"]}`},
		{name: "an unknown S3 repository setting", method: "PUT", path: "/_snapshot/r", body: `{"type":"s3","settings":{"bucket":"b","acl":"public-read"}}`},
		{name: "a misspelled bulk action", method: "POST", path: "/_bulk", body: "{\"creat\":{\"_index\":\"i\",\"_id\":\"1\"}}\n{}\n", ct: "application/x-ndjson"},
		{name: "a misspelled bulk metadata key", method: "POST", path: "/_bulk", body: "{\"create\":{\"_indx\":\"i\",\"_id\":\"1\"}}\n{}\n", ct: "application/x-ndjson"},
		{name: "a bulk document that is not an object", method: "POST", path: "/_bulk", body: "{\"create\":{\"_index\":\"i\",\"_id\":\"1\"}}\n[1]\n", ct: "application/x-ndjson"},
		{name: "an msearch body without its header", method: "POST", path: "/_msearch", body: "{\"query\":{\"match_all\":{}}}\n", ct: "application/x-ndjson"},
		{name: "a monitor query with a misspelled clause", method: "POST", path: "/_plugins/_alerting/monitors",
			body: `{"type":"monitor","monitor_type":"query_level_monitor","name":"m","enabled":true,"schedule":{"period":{"interval":5,"unit":"MINUTES"}},"inputs":[{"search":{"indices":["log-aws-*"],"query":{"query":{"trem":{"a":"b"}}}}}],"triggers":[]}`},
		{name: "a monitor without a schedule", method: "POST", path: "/_plugins/_alerting/monitors",
			body: `{"type":"monitor","monitor_type":"query_level_monitor","name":"m","enabled":true,"inputs":[],"triggers":[]}`},
		{name: "an unknown endpoint", method: "POST", path: "/_plugins/_nothing_here/x", body: `{}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(srv.Rejections())
			ct := tc.ct
			if ct == "" {
				ct = "application/json"
			}
			status, resp, err := c.Do(ctx, search.Request{Method: tc.method, Path: tc.path, Body: []byte(tc.body), ContentType: ct})
			if err != nil {
				t.Fatal(err)
			}
			if status != 400 || len(srv.Rejections()) != before+1 {
				t.Fatalf("status %d, response %s: want a spec rejection", status, resp)
			}
			t.Logf("rejected: %v", firstLine(srv.Rejections()[before].Err.Error()))
		})
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i > 0 {
		return s[:i]
	}
	return s
}

package maintain

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/detect"
	"github.com/orgsiem/orgsiem/internal/lambdaenv"
	"github.com/orgsiem/orgsiem/internal/search"
	"github.com/orgsiem/orgsiem/internal/search/searchtest"
)

func testConfig() Config {
	return Config{
		Endpoint: "https://vpc-orgsiem.eu-west-1.es.amazonaws.com", SnapshotBucket: "orgsiem-snapshots-222233334444-eu-west-1",
		TopicARN:        "arn:aws:sns:eu-west-1:222233334444:orgsiem-alerts",
		SnapshotRoleARN: "arn:aws:iam::222233334444:role/orgsiem-snapshot",
		AlertRoleARN:    "arn:aws:iam::222233334444:role/orgsiem-alerts-publisher",
		Region:          "eu-west-1", RetentionDays: 400, HotIndexDays: 90,
		Roles: search.RoleARNs{
			Loader: "arn:aws:iam::222233334444:role/orgsiem-loader", Report: "arn:aws:iam::222233334444:role/orgsiem-report",
			Maintain: "arn:aws:iam::222233334444:role/orgsiem-maintain",
		},
	}
}

func newMaintainer(t *testing.T, cfg Config) (*Maintainer, *searchtest.Server) {
	t.Helper()
	srv := searchtest.New(t)
	sc, err := search.New(search.Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := detect.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(cfg, sc, cat, func() time.Time { return time.Date(2025, 6, 1, 4, 5, 6, 0, time.UTC) }, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Dashboards is served by its own fake (the same endpoint's
	// /_dashboards in a real domain).
	dash := searchtest.NewDashboards(t)
	if m.dash, err = search.New(search.Config{URL: dash.URL}); err != nil {
		t.Fatal(err)
	}
	return m, srv
}

// checkNoRejections fails the test when the server refused a request we
// sent (the opensearch-go transport's own /_nodes polling is not ours).
func checkNoRejections(t *testing.T, srv *searchtest.Server) {
	t.Helper()
	for _, rej := range srv.Rejections() {
		if !strings.HasPrefix(rej.Path, "/_nodes/") {
			t.Fatalf("the spec-validating server refused %s %s: %v", rej.Method, rej.Path, rej.Err)
		}
	}
}

// mutating counts the requests after the first skip that can change the
// domain: every method but GET and HEAD, except searches.
func mutating(srv *searchtest.Server, skip int) []string {
	var out []string
	for _, r := range srv.Requests()[skip:] {
		if r.Method == "GET" || r.Method == "HEAD" || strings.Contains(r.Path, "/_search") {
			continue
		}
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

func TestConfigureIsIdempotent(t *testing.T) {
	m, srv := newMaintainer(t, testConfig())
	ctx := context.Background()
	first, err := m.Handle(ctx, Request{Action: "configure"})
	if err != nil {
		t.Fatal(err)
	}
	checkNoRejections(t, srv)
	cat, _ := detect.Builtin()
	thresholds := 0
	for _, r := range cat.Rules() {
		if r.IsThreshold() {
			thresholds++
		}
	}

	t.Run("the first run creates every object", func(t *testing.T) {
		r := first.Configure
		// The audit configuration always exists (audit logging off): the
		// first run updates it, every other object is created.
		if strings.Join(r.Updated, ",") != "audit/config" || len(r.Unchanged) != 0 || len(r.Skipped) != 0 {
			t.Errorf("first run: updated %v, unchanged %v, skipped %v", r.Updated, r.Unchanged, r.Skipped)
		}
		for kind, want := range map[string]int{
			"repository": 1, "sm_policy": 1, "notification_config": 1, "monitor": 1 + thresholds, // the alert topic's notification monitor, one per threshold rule
			"role": 6, "role_mapping": 3, // three Lambda roles and three people's roles (admin, analyst, auditor), mapped only when groups are configured
		} {
			if got := len(srv.Objects(kind)); got != want {
				t.Errorf("%d %s objects stored, want %d", got, kind, want)
			}
		}
		if len(srv.Objects("index_template")) == 0 || len(srv.Objects("component_template")) == 0 || len(srv.Objects("ism_policy")) == 0 {
			t.Error("templates or ISM policies missing")
		}
		if r.SavedObjects == 0 {
			t.Error("no Dashboards saved objects imported")
		}
		var repo struct {
			Settings map[string]any `json:"settings"`
		}
		b, _ := srv.Object("repository", Repository)
		if err := json.Unmarshal(b, &repo); err != nil || repo.Settings["bucket"] != testConfig().SnapshotBucket || repo.Settings["base_path"] != RepositoryBasePath {
			t.Errorf("repository %s", b)
		}
	})

	t.Run("a second run sends no mutating request", func(t *testing.T) {
		before := len(srv.Requests())
		second, err := m.Handle(ctx, Request{Op: "configure"})
		if err != nil {
			t.Fatal(err)
		}
		checkNoRejections(t, srv)
		if muts := mutating(srv, before); len(muts) != 0 {
			t.Errorf("%d mutating requests: %v", len(muts), muts)
		}
		r := second.Configure
		if len(r.Created) != 0 || len(r.Updated) != 0 || len(r.Unchanged) != len(first.Configure.Created)+len(first.Configure.Updated) {
			t.Errorf("second run: created %v, updated %v, %d unchanged of %d", r.Created, r.Updated, len(r.Unchanged), len(first.Configure.Created)+len(first.Configure.Updated))
		}
	})

	t.Run("a changed setting updates only what it changes", func(t *testing.T) {
		cfg := testConfig()
		cfg.HotIndexDays = 30
		m2, err := New(cfg, m.c, m.catalog, m.now, nil)
		if err != nil {
			t.Fatal(err)
		}
		m2.dash = m.dash
		res, err := m2.Configure(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Created) != 0 || len(res.Updated) == 0 {
			t.Fatalf("created %v, updated %v", res.Created, res.Updated)
		}
		for _, u := range res.Updated {
			if !strings.HasPrefix(u, "ism_policy/") {
				t.Errorf("%s updated by a change of the ISM delete age", u)
			}
		}
	})
}

func TestConfigureWithoutAlertRoleSkipsMonitors(t *testing.T) {
	cfg := testConfig()
	cfg.AlertRoleARN = ""
	m, srv := newMaintainer(t, cfg)
	res, err := m.Configure(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0], lambdaenv.AlertRoleARN) {
		t.Errorf("skipped %v", res.Skipped)
	}
	if n := len(srv.Objects("monitor")); n != 0 {
		t.Errorf("%d monitors without a channel", n)
	}
}

func TestRestore(t *testing.T) {
	m, srv := newMaintainer(t, testConfig())
	ctx := context.Background()
	if _, err := m.Configure(ctx); err != nil {
		t.Fatal(err)
	}
	day := func(s string) time.Time { v, _ := time.Parse(time.DateOnly, s); return v }
	for _, sn := range []searchtest.Snapshot{
		{Name: "orgsiem-daily-2025-01-31", Indices: []string{"log-aws-cloudtrail-2025.01", "log-aws-vpcflow-2025.01"}, End: day("2025-01-31")},
		{Name: "orgsiem-daily-2025-02-28", Indices: []string{"log-aws-cloudtrail-2025.01", "log-aws-cloudtrail-2025.02", "log-aws-vpcflow-2025.02"}, End: day("2025-02-28")},
		{Name: "orgsiem-daily-2025-03-31", Indices: []string{"log-aws-cloudtrail-2025.03"}, End: day("2025-03-31"), State: "PARTIAL"},
		{Name: "orgsiem-daily-2025-04-01", Indices: []string{"log-aws-cloudtrail-2025.03", ".kibana_1"}, End: day("2025-04-01")},
	} {
		sn.Repository, sn.Start = Repository, sn.End.Add(-time.Hour)
		srv.AddSnapshot(sn)
	}
	srv.CreateIndex("log-aws-cloudtrail-2025.04") // live
	req := Request{From: "2025-01-15", To: "2025-04-10", Types: []string{"cloudtrail"}}

	t.Run("the plan picks the latest successful snapshot of each needed index", func(t *testing.T) {
		req := req
		req.Action = "restore-plan"
		resp, err := m.Handle(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		p := resp.Plan
		got := []string{}
		for _, it := range p.Items {
			got = append(got, it.Snapshot+":"+strings.Join(it.Targets, "+"))
		}
		want := []string{
			"orgsiem-daily-2025-02-28:restored-log-aws-cloudtrail-2025.01+restored-log-aws-cloudtrail-2025.02",
			"orgsiem-daily-2025-04-01:restored-log-aws-cloudtrail-2025.03",
		}
		if strings.Join(got, " ") != strings.Join(want, " ") || strings.Join(p.Live, ",") != "log-aws-cloudtrail-2025.04" {
			t.Errorf("items %v live %v\nwant %v live [log-aws-cloudtrail-2025.04]", got, p.Live, want)
		}
		if len(srv.Indices()) != 1 {
			t.Errorf("a plan changed the indices: %v", srv.Indices())
		}
	})

	t.Run("restore creates the restored- indices and leaves the live one alone", func(t *testing.T) {
		req := req
		req.Action = "restore"
		if _, err := m.Handle(ctx, req); err != nil {
			t.Fatal(err)
		}
		checkNoRejections(t, srv)
		want := "log-aws-cloudtrail-2025.04 restored-log-aws-cloudtrail-2025.01 restored-log-aws-cloudtrail-2025.02 restored-log-aws-cloudtrail-2025.03"
		if got := strings.Join(srv.Indices(), " "); got != want {
			t.Errorf("indices %s\nwant    %s", got, want)
		}
		for _, r := range srv.Requests() {
			if strings.HasSuffix(r.Path, "/_restore") && (strings.Contains(string(r.Body), ".kibana") || !strings.Contains(string(r.Body), `"include_global_state":false`)) {
				t.Errorf("restore body %s", r.Body)
			}
		}
	})

	t.Run("status reports the restored indices of the range", func(t *testing.T) {
		req := req
		req.Action = "status"
		resp, err := m.Handle(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range resp.Status {
			if !s.Searchable() {
				t.Errorf("%+v not searchable", s)
			}
			got = append(got, s.Index)
		}
		if strings.Join(got, ",") != "restored-log-aws-cloudtrail-2025.01,restored-log-aws-cloudtrail-2025.02,restored-log-aws-cloudtrail-2025.03" {
			t.Errorf("status of %v", got)
		}
	})

	t.Run("restoring again restores nothing twice", func(t *testing.T) {
		req := req
		req.Action = "restore"
		resp, err := m.Handle(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Plan.Items) != 0 || len(resp.Plan.AlreadyRestored) != 3 {
			t.Errorf("second plan: items %+v, already restored %v", resp.Plan.Items, resp.Plan.AlreadyRestored)
		}
	})
}

func TestHandleRejectsBadRequests(t *testing.T) {
	m, _ := newMaintainer(t, testConfig())
	tests := []struct {
		name string
		req  Request
		want string
	}{
		{"an unknown action names the known ones", Request{Action: "reindex"}, "unknown action"},
		{"a restore without a range says what it needs", Request{Action: "restore"}, "from and to are required"},
		{"a malformed day is named", Request{Action: "restore-plan", From: "2025-13-01", To: "2025-03-01"}, `from "2025-13-01"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := m.Handle(context.Background(), tt.req)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestSnapshotOnDemand(t *testing.T) {
	m, srv := newMaintainer(t, testConfig())
	ctx := context.Background()
	if _, err := m.Configure(ctx); err != nil {
		t.Fatal(err)
	}
	srv.CreateIndex("log-aws-cloudtrail-2025.05")
	resp, err := m.Handle(ctx, Request{Action: "snapshot"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Snapshot != "orgsiem-ondemand-2025.06.01-04.05.06" {
		t.Errorf("snapshot name %q", resp.Snapshot)
	}
	list, err := m.Handle(ctx, Request{Action: "snapshots"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Snapshots) != 1 || list.Snapshots[0].Name != resp.Snapshot || strings.Join(list.Snapshots[0].Indices, ",") != "log-aws-cloudtrail-2025.05" {
		t.Errorf("snapshots %+v", list.Snapshots)
	}
	checkNoRejections(t, srv)
}

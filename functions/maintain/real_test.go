package maintain

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/detect"
	"github.com/orgsiem/orgsiem/internal/search"
	"github.com/orgsiem/orgsiem/internal/search/searchtest"
)

// realMaintainer is a Maintainer on a fresh domain of the test server in
// real-behaviour mode, with the given data nodes, clock and config.
func realMaintainer(t *testing.T, opts searchtest.Options, cfg Config, now func() time.Time) (*Maintainer, *searchtest.Server, *searchtest.Dashboards) {
	t.Helper()
	srv := searchtest.NewWith(t, opts)
	sc, err := search.New(search.Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := detect.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(cfg, sc, cat, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	dash := searchtest.NewDashboards(t)
	if m.dash, err = search.New(search.Config{URL: dash.URL}); err != nil {
		t.Fatal(err)
	}
	return m, srv, dash
}

func fixed(s string) func() time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return func() time.Time { return t }
}

func bulkDoc(t *testing.T, m *Maintainer, index, ts string) {
	t.Helper()
	body := `{"create":{"_index":"` + index + `","_id":"` + ts + `"}}` + "\n" + `{"@timestamp":"` + ts + `"}` + "\n"
	status, resp, err := m.c.Do(context.Background(), search.Request{Method: "POST", Path: "/_bulk", Body: []byte(body), ContentType: "application/x-ndjson"})
	if err != nil || status != 200 || strings.Contains(string(resp), `"errors":true`) {
		t.Fatalf("bulk into %s: %d %s %v", index, status, resp, err)
	}
}

// Issue 12's "done when": configure against a fresh domain in real
// behaviour creates everything — monitors although the alerting config
// index does not exist yet, saved objects with the 2.x attribute names in
// the Global tenant, a repository that keeps the bucket's SSE-KMS, the
// audit log — and the dev profile's single data node ends green. A second
// run changes nothing.
func TestConfigureAFreshRealDomain(t *testing.T) {
	cfg := testConfig()
	cfg.DataNodes = 1
	m, srv, dash := realMaintainer(t, searchtest.Options{DataNodes: 1}, cfg, fixed("2025-06-01T04:05:06Z"))
	ctx := context.Background()
	first, err := m.Configure(ctx)
	if err != nil {
		t.Fatalf("configure on a fresh domain: %v", err)
	}
	checkNoRejections(t, srv)
	if n := len(srv.Objects("monitor")); n == 0 {
		t.Error("no monitor created on a fresh domain (the alerting config index does not exist yet)")
	}
	if got := len(dash.TenantObjects(searchtest.TenantGlobal)); got != first.SavedObjects || got == 0 {
		t.Errorf("%d saved objects in the Global tenant, %d imported", got, first.SavedObjects)
	}
	if n := len(dash.TenantObjects(searchtest.TenantPrivate)); n != 0 {
		t.Errorf("%d saved objects in the maintain role's private tenant", n)
	}
	audit, _ := srv.Object("audit", "config")
	for _, want := range []string{`"enabled":true`, `"disabled_rest_categories":["AUTHENTICATED","GRANTED_PRIVILEGES"]`, `"internal_config":true`, `"enable_transport":true`} {
		if !strings.Contains(string(audit), want) {
			t.Errorf("audit config lacks %s: %s", want, audit)
		}
	}
	// Data arrives: every index the templates create is green on one node.
	bulkDoc(t, m, "log-aws-cloudtrail-2025.05", "2025-05-31T23:59:59Z")
	bulkDoc(t, m, "reports-2025.06", "2025-06-01T00:00:00Z")
	if h := srv.ClusterHealth(); h != "green" {
		t.Errorf("cluster %s on one data node (replicas of cloudtrail: %d)", h, srv.Replicas("log-aws-cloudtrail-2025.05"))
	}
	if id, _ := srv.ManagedBy("log-aws-cloudtrail-2025.05"); id != search.ISMPolicyID("cloudtrail") {
		t.Errorf("new index managed by %q", id)
	}
	before := len(srv.Requests())
	second, err := m.Configure(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if muts := mutating(srv, before); len(muts) != 0 || len(second.Created)+len(second.Updated) != 0 {
		t.Errorf("second run: %d mutating requests %v; created %v updated %v", len(muts), muts, second.Created, second.Updated)
	}
}

// Replicas follow the data nodes: on one node an index with a replica is
// yellow forever (the yellow alarm never clears); configure fixes the
// templates and the indices that already exist.
func TestReplicasFollowTheDataNodes(t *testing.T) {
	for _, tc := range []struct {
		nodes, want int
	}{{1, 0}, {2, 1}, {3, 1}} {
		cfg := testConfig()
		cfg.DataNodes = tc.nodes
		m, srv, _ := realMaintainer(t, searchtest.Options{DataNodes: tc.nodes}, cfg, fixed("2025-06-01T04:05:06Z"))
		// An index from before (the template of the time had 1 replica).
		srv.CreateIndex("log-aws-vpcflow-2025.04")
		if _, err := m.Configure(context.Background()); err != nil {
			t.Fatal(err)
		}
		bulkDoc(t, m, "log-aws-waf-2025.05", "2025-05-02T00:00:00Z")
		for _, idx := range []string{"log-aws-vpcflow-2025.04", "log-aws-waf-2025.05"} {
			if got := srv.Replicas(idx); got != tc.want || srv.Health(idx) != "green" {
				t.Errorf("%d nodes: %s has %d replicas (%s), want %d", tc.nodes, idx, got, srv.Health(idx), tc.want)
			}
		}
	}
	// Without a configured count, configure asks the domain.
	cfg := testConfig()
	m, srv, _ := realMaintainer(t, searchtest.Options{DataNodes: 1}, cfg, fixed("2025-06-01T04:05:06Z"))
	if _, err := m.Configure(context.Background()); err != nil {
		t.Fatal(err)
	}
	bulkDoc(t, m, "log-aws-waf-2025.05", "2025-05-02T00:00:00Z")
	if srv.ClusterHealth() != "green" {
		t.Error("data nodes from the domain: cluster not green")
	}
}

// A changed lifecycle reaches the indices ISM already manages
// (change_policy) and indices created before any policy (add); UltraWarm
// on adds the warm_migration state.
func TestLifecycleChangeReachesExistingIndices(t *testing.T) {
	cfg := testConfig()
	cfg.DataNodes = 3
	m, srv, _ := realMaintainer(t, searchtest.Options{DataNodes: 3}, cfg, fixed("2025-06-01T04:05:06Z"))
	ctx := context.Background()
	srv.CreateIndex("log-aws-guardduty-2025.01") // before any policy: unmanaged
	if _, err := m.Configure(ctx); err != nil {
		t.Fatal(err)
	}
	bulkDoc(t, m, "log-aws-cloudtrail-2025.05", "2025-05-02T00:00:00Z")
	if id, _ := srv.ManagedBy("log-aws-guardduty-2025.01"); id != search.ISMPolicyID("guardduty") {
		t.Errorf("pre-existing index managed by %q, want the guardduty policy (add)", id)
	}
	cfg.WarmAfterDays, cfg.HotIndexDays = 45, 200
	m2, err := New(cfg, m.c, m.catalog, m.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	m2.dash = m.dash
	res, err := m2.Configure(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, running := srv.ManagedBy("log-aws-cloudtrail-2025.05")
	for _, want := range []string{`"warm_migration"`, `"min_index_age":"45d"`, `"min_index_age":"231d"`} {
		if !strings.Contains(string(running), want) {
			t.Errorf("managed index still runs the old policy (lacks %s): %s", want, running)
		}
	}
	if !strings.Contains(strings.Join(res.Updated, " "), "ism_managed_index/log-aws-cloudtrail-2025.05") {
		t.Errorf("updated %v", res.Updated)
	}
	// Nothing left to change: the next run is a no-op.
	before := len(srv.Requests())
	if _, err := m2.Configure(ctx); err != nil {
		t.Fatal(err)
	}
	if muts := mutating(srv, before); len(muts) != 0 {
		t.Errorf("mutating requests after the change: %v", muts)
	}
}

// Retention counts from the event month: log-aws-x-2025.02 (events of
// February) is kept until March 1 + HotIndexDays, whatever its creation
// date; restored indices expire RestoredDays after their restore;
// on-demand snapshots after RetentionDays, SM's own snapshots are left to
// SM.
func TestDailyRetention(t *testing.T) {
	cfg := testConfig()
	cfg.HotIndexDays, cfg.RetentionDays, cfg.RestoredDays, cfg.DataNodes = 90, 30, 7, 1
	// 2025-03-01 + 90 days = 2025-05-30: February expires that day.
	m, srv, _ := realMaintainer(t, searchtest.Options{DataNodes: 1}, cfg, fixed("2025-05-29T23:59:59Z"))
	ctx := context.Background()
	if _, err := m.Configure(ctx); err != nil {
		t.Fatal(err)
	}
	for _, idx := range []string{"log-aws-cloudtrail-2025.01", "log-aws-cloudtrail-2025.02", "log-aws-cloudtrail-2025.03", "reports-2025.01", "restored-log-aws-cloudtrail-2024.01"} {
		srv.CreateIndex(idx)
	}
	srv.AddSnapshot(searchtest.Snapshot{Repository: Repository, Name: "orgsiem-ondemand-2025.04.01-10.00.00", Indices: []string{"log-aws-cloudtrail-2025.01"},
		Start: time.Date(2025, 4, 1, 10, 0, 0, 0, time.UTC), End: time.Date(2025, 4, 1, 10, 5, 0, 0, time.UTC)})
	srv.AddSnapshot(searchtest.Snapshot{Repository: Repository, Name: "orgsiem-ondemand-2025.05.20-10.00.00", Indices: []string{"log-aws-cloudtrail-2025.01"},
		Start: time.Date(2025, 5, 20, 10, 0, 0, 0, time.UTC), End: time.Date(2025, 5, 20, 10, 5, 0, 0, time.UTC)})
	srv.AddSnapshot(searchtest.Snapshot{Repository: Repository, Name: "orgsiem-daily-2025-01-01-02-00-abcd", Indices: []string{"log-aws-cloudtrail-2025.01"},
		Start: time.Date(2025, 1, 1, 2, 0, 0, 0, time.UTC), End: time.Date(2025, 1, 1, 2, 5, 0, 0, time.UTC)})

	day1, err := m.Daily(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkNoRejections(t, srv)
	if strings.Join(day1.ExpiredMonths, ",") != "log-aws-cloudtrail-2025.01" {
		t.Errorf("expired on May 29: %v (February is kept until May 30)", day1.ExpiredMonths)
	}
	if strings.Join(day1.ExpiredSnapshots, ",") != "orgsiem-ondemand-2025.04.01-10.00.00" {
		t.Errorf("expired snapshots %v", day1.ExpiredSnapshots)
	}
	if strings.Join(day1.TaggedRestored, ",") != "restored-log-aws-cloudtrail-2024.01" || len(day1.ExpiredRestored) != 0 {
		t.Errorf("restored: tagged %v expired %v", day1.TaggedRestored, day1.ExpiredRestored)
	}
	if got := srv.Aliases("restored-log-aws-cloudtrail-2024.01"); strings.Join(got, ",") != "restored-expires-2025.06.05" {
		t.Errorf("expiry alias %v", got)
	}
	again, err := m.Daily(ctx)
	if err != nil || len(again.ExpiredMonths)+len(again.ExpiredSnapshots)+len(again.TaggedRestored)+len(again.ExpiredRestored) != 0 {
		t.Errorf("second run the same day: %+v %v", again, err)
	}

	m.now = fixed("2025-06-05T00:00:00Z")
	later, err := m.Daily(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(later.ExpiredMonths, ",") != "log-aws-cloudtrail-2025.02" || strings.Join(later.ExpiredRestored, ",") != "restored-log-aws-cloudtrail-2024.01" {
		t.Errorf("June 5: months %v restored %v", later.ExpiredMonths, later.ExpiredRestored)
	}
	want := "log-aws-cloudtrail-2025.03 reports-2025.01"
	if got := strings.Join(srv.Indices(), " "); got != want {
		t.Errorf("indices left %s, want %s", got, want)
	}
	list, _ := m.c.Snapshots(ctx, Repository)
	var names []string
	for _, s := range list {
		names = append(names, s.Name)
	}
	if strings.Join(names, ",") != "orgsiem-daily-2025-01-01-02-00-abcd,orgsiem-ondemand-2025.05.20-10.00.00" {
		t.Errorf("snapshots left %v", names)
	}
}

// A restore tags its indices with an expiry and restores with the
// domain's replica count (a snapshot of a 3-node domain restored on one
// node would otherwise be yellow).
func TestRestoreSetsExpiryAndReplicas(t *testing.T) {
	cfg := testConfig()
	cfg.DataNodes, cfg.RestoredDays = 1, 10
	m, srv, _ := realMaintainer(t, searchtest.Options{DataNodes: 1}, cfg, fixed("2025-06-01T04:05:06Z"))
	ctx := context.Background()
	if _, err := m.Configure(ctx); err != nil {
		t.Fatal(err)
	}
	srv.AddSnapshot(searchtest.Snapshot{Repository: Repository, Name: "orgsiem-daily-2025-02-28", Indices: []string{"log-aws-cloudtrail-2025.02"},
		Start: time.Date(2025, 2, 28, 2, 0, 0, 0, time.UTC), End: time.Date(2025, 2, 28, 2, 5, 0, 0, time.UTC)})
	resp, err := m.Handle(ctx, Request{Action: "restore", From: "2025-02-01", To: "2025-02-28", Types: []string{"cloudtrail"}})
	if err != nil {
		t.Fatal(err)
	}
	checkNoRejections(t, srv)
	if len(resp.Plan.Items) != 1 {
		t.Fatalf("plan %+v", resp.Plan)
	}
	idx := "restored-log-aws-cloudtrail-2025.02"
	if got := srv.Aliases(idx); strings.Join(got, ",") != "restored-expires-2025.06.11" {
		t.Errorf("aliases of %s: %v", idx, got)
	}
	if srv.Health(idx) != "green" {
		t.Errorf("%s is %s with %d replicas", idx, srv.Health(idx), srv.Replicas(idx))
	}
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/_restore") {
			var b map[string]any
			_ = json.Unmarshal(r.Body, &b)
			if b["index_settings"] == nil {
				t.Errorf("restore body without index_settings: %s", r.Body)
			}
		}
	}
}

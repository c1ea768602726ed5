package search_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/search"
	"github.com/orgsiem/orgsiem/internal/search/searchtest"
)

func day(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// ISM's min_index_age counts from index creation; retention must count
// from the event month. An index created on the 20th (its first event was
// late) and one created on the 1st expire on the same day: the month's
// end + Days.
func TestRetentionCountsFromTheEventMonth(t *testing.T) {
	r := search.Retention{Days: 90}
	feb := day("2025-02-14T10:00:00Z")
	if got := r.ExpiresAt(feb); !got.Equal(day("2025-05-30T00:00:00Z")) {
		t.Errorf("February expires %s, want 2025-05-30 (March 1 + 90 days)", got)
	}
	for _, tc := range []struct {
		now  string
		want bool
	}{
		{"2025-05-29T23:59:59Z", false},
		{"2025-05-30T00:00:00Z", true},
	} {
		if got := r.MonthExpired(feb, day(tc.now)); got != tc.want {
			t.Errorf("MonthExpired(Feb, %s) = %v", tc.now, got)
		}
		if got := search.MonthExpired(day("2025-02-28T23:59:59Z"), 90, day(tc.now)); got != tc.want {
			t.Errorf("the last second of February at %s: %v", tc.now, got)
		}
	}
	if (search.Retention{}).MonthExpired(feb, day("2030-01-01T00:00:00Z")) {
		t.Error("zero retention expired a month")
	}
	got := r.ExpiredIndices([]string{"log-aws-vpcflow-2025.02", "log-aws-vpcflow-2025.03", "reports-2024.01", "restored-log-aws-vpcflow-2024.01", "log-aws-vpcflow-2025.13", ".kibana_1"}, day("2025-06-15T00:00:00Z"))
	if strings.Join(got, ",") != "log-aws-vpcflow-2025.02" {
		t.Errorf("expired %v", got)
	}
	// The ISM backstop never deletes before the month's expiry: an index
	// created at the very start of its month reaches BackstopDeleteDays of
	// age no earlier than the expiry.
	created := day("2025-01-01T00:00:00Z")
	if created.AddDate(0, 0, r.BackstopDeleteDays()).Before(r.ExpiresAt(created)) {
		t.Error("the backstop delete comes before the month expires")
	}
}

// A late event recreated an expired month (a few documents); the restore
// planner must not take that index as the live month, nor a snapshot
// taken after the expiry as its copy.
func TestPlanRestoreIgnoresResurrectedMonths(t *testing.T) {
	r := search.Retention{Days: 90}
	snaps := []search.SnapshotInfo{
		{Name: "orgsiem-daily-2025-05-29", State: "SUCCESS", Indices: []string{"log-aws-cloudtrail-2025.02"}, End: day("2025-05-29T02:10:00Z")},
		// After February expired (May 30) and a late event recreated it.
		{Name: "orgsiem-daily-2025-06-10", State: "SUCCESS", Indices: []string{"log-aws-cloudtrail-2025.02"}, End: day("2025-06-10T02:10:00Z")},
	}
	live := []string{"log-aws-cloudtrail-2025.02"}
	p, err := search.PlanRestoreWithin(snaps, day("2025-02-01T00:00:00Z"), day("2025-02-28T00:00:00Z"), []string{"cloudtrail"}, live, r, day("2025-06-11T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Live) != 0 || len(p.Items) != 1 || p.Items[0].Snapshot != "orgsiem-daily-2025-05-29" {
		t.Errorf("plan: live %v items %+v; want February from the last snapshot before its expiry", p.Live, p.Items)
	}
	// Without retention knowledge (PlanRestore) the same input is taken at
	// face value: this is what the planner did before.
	old, _ := search.PlanRestore(snaps, day("2025-02-01T00:00:00Z"), day("2025-02-28T00:00:00Z"), []string{"cloudtrail"}, live)
	if len(old.Live) != 1 {
		t.Errorf("PlanRestore changed: %+v", old)
	}
}

// The audit configuration is applied once, read-only settings keep their
// stored value, and the second run changes nothing.
func TestAuditConfigIsIdempotent(t *testing.T) {
	srv := searchtest.New(t)
	c := newClient(t, srv)
	ctx := context.Background()
	if ch, err := c.PutAuditConfig(ctx, search.AuditConfig()); err != nil || ch != search.Updated {
		t.Fatalf("first: %v %v (audit logging is off on a new domain: an update)", ch, err)
	}
	if ch, err := c.PutAuditConfig(ctx, search.AuditConfig()); err != nil || ch != search.Unchanged {
		t.Fatalf("second: %v %v", ch, err)
	}
	noRejections(t, srv)
	b, _ := srv.Object("audit", "config")
	var cfg struct {
		Enabled bool `json:"enabled"`
		Audit   struct {
			DisabledRest      []string `json:"disabled_rest_categories"`
			DisabledTransport []string `json:"disabled_transport_categories"`
			EnableTransport   bool     `json:"enable_transport"`
		} `json:"audit"`
		Compliance struct {
			Internal bool `json:"internal_config"`
		} `json:"compliance"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil || !cfg.Enabled || !cfg.Audit.EnableTransport || !cfg.Compliance.Internal {
		t.Fatalf("stored %s", b)
	}
	// FAILED_LOGIN, MISSING_PRIVILEGES and INDEX_EVENT (index deletion)
	// stay on: only the categories of granted requests are off.
	for _, off := range append(cfg.Audit.DisabledRest, cfg.Audit.DisabledTransport...) {
		if off != "AUTHENTICATED" && off != "GRANTED_PRIVILEGES" {
			t.Errorf("category %s disabled", off)
		}
	}
	// A domain reporting a setting read-only (it refuses a PUT changing
	// one) gets its stored value back; everything else is ours.
	srv.SetAudit([]byte(`{"enabled":false,"audit":{"exclude_sensitive_headers":false,"enable_rest":false},"compliance":{}}`), []string{"/audit/exclude_sensitive_headers"})
	if ch, err := c.PutAuditConfig(ctx, search.AuditConfig()); err != nil || ch != search.Updated {
		t.Fatalf("with a read-only setting: %v %v", ch, err)
	}
	b, _ = srv.Object("audit", "config")
	if !strings.Contains(string(b), `"exclude_sensitive_headers":false`) || !strings.Contains(string(b), `"enable_rest":true`) {
		t.Errorf("stored %s", b)
	}
	status, _, err := c.Do(ctx, search.Request{Method: http.MethodPut, Path: search.AuditPath + "/config", Body: []byte(`{"enabled":true,"audit":{"exclude_sensitive_headers":true}}`)})
	if err != nil || status != http.StatusBadRequest {
		t.Errorf("changing a read-only setting: %d %v", status, err)
	}
}

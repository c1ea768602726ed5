package search_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/orgsiem/orgsiem/internal/alerts"
	"github.com/orgsiem/orgsiem/internal/detect"
	"github.com/orgsiem/orgsiem/internal/search"
	"github.com/orgsiem/orgsiem/internal/search/searchtest"
)

var testRoutes = []search.Route{{ChannelID: "orgsiem-alerts", MinSeverity: 2}, {ChannelID: "orgsiem-soc", MinSeverity: 1}}

func builtin(t *testing.T) *detect.Catalog {
	t.Helper()
	cat, err := detect.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// queryFields collects every field a search body names (term, range,
// exists, aggregation "field").
func queryFields(v any, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			switch k {
			case "term", "range":
				for f := range c.(map[string]any) {
					out[f] = true
				}
			case "field":
				if s, ok := c.(string); ok {
					out[s] = true
				}
			}
			queryFields(c, out)
		}
	case []any:
		for _, c := range x {
			queryFields(c, out)
		}
	}
}

func TestMonitorsReadOnlyTheAlertIndicesAndPassTheSpec(t *testing.T) {
	cat := builtin(t)
	srv := searchtest.New(t)
	c := newClient(t, srv)
	ctx := context.Background()
	ms, err := search.BuildMonitors(cat, search.MonitorConfig{Routes: testRoutes})
	if err != nil {
		t.Fatal(err)
	}
	thresholds := 0
	for _, r := range cat.Rules() {
		if r.IsThreshold() {
			thresholds++
		}
	}
	if len(ms) != len(testRoutes)+thresholds {
		t.Fatalf("%d monitors; want one per route (%d) and one per threshold rule (%d), never one per event rule", len(ms), len(testRoutes), thresholds)
	}
	for _, m := range ms {
		b, _ := json.Marshal(m.Body)
		s := string(b)
		if !strings.Contains(s, `"indices":["`+alerts.IndexPattern+`"]`) || m.Body["monitor_type"] != "bucket_level_monitor" {
			t.Errorf("%s: not a bucket-level monitor over %s only", m.Name, alerts.IndexPattern)
		}
		fields := map[string]bool{}
		queryFields(m.Body["inputs"], fields)
		for f := range fields {
			if _, ok := alerts.Mapping[f]; !ok {
				t.Errorf("%s: queries %s, which is not an alert document field (a raw-log query?)", m.Name, f)
			}
		}
		if !fields[alerts.FieldIngested] {
			t.Errorf("%s: does not select new documents by %s", m.Name, alerts.FieldIngested)
		}
		if !strings.HasPrefix(m.Name, search.MonitorNamePrefix) {
			t.Errorf("%s: not named with the owned prefix", m.Name)
		}
	}
	sync, err := c.UpsertMonitors(ctx, ms)
	if err != nil {
		t.Fatal(err)
	}
	noRejections(t, srv)
	if len(sync.Created) != len(ms) {
		t.Fatalf("created %d of %d", len(sync.Created), len(ms))
	}
	sync, err = c.UpsertMonitors(ctx, ms)
	if err != nil || len(sync.Unchanged) != len(ms) {
		t.Fatalf("second upsert: %+v %v", sync, err)
	}
	ms2, _ := search.BuildMonitors(cat, search.MonitorConfig{Routes: testRoutes, Interval: 10 * time.Minute})
	if sync, err = c.UpsertMonitors(ctx, ms2); err != nil || len(sync.Updated) != len(ms) {
		t.Fatalf("changed interval: %+v %v", sync, err)
	}
	noRejections(t, srv)
}

// The SNS Publish API: "Subjects must be UTF-8 text with no line breaks or
// control characters, and must be less than 100 characters long"
// (Amazon SNS API Reference, Publish); the Notifications plugin's SNS
// channel hands the subject to Publish, so a longer one loses the
// notification.
func TestEverySubjectIsStaticAndUnderTheSNSLimit(t *testing.T) {
	cat := builtin(t)
	long := *cat.Rule("console-brute-force-per-user")
	long.ID = strings.Repeat("custom-rule-", 12)
	long.Title = strings.Repeat("A very long custom rule title {{ctx}} ", 10)
	mon, err := search.ThresholdMonitor(&long, search.MonitorConfig{Routes: testRoutes})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := search.BuildMonitors(cat, search.MonitorConfig{Routes: testRoutes})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range append(ms, mon) {
		trig := m.Body["triggers"].([]any)[0].(map[string]any)["bucket_level_trigger"].(map[string]any)
		for _, a := range trig["actions"].([]any) {
			subj := a.(map[string]any)["subject_template"].(map[string]any)["source"].(string)
			if n := utf8.RuneCountInString(subj); n >= 100 || strings.Contains(subj, "{{") || strings.ContainsAny(subj, "\n\r") {
				t.Errorf("%s: subject %q (%d characters) could reach SNS's limit or break a line", m.Name, subj, n)
			}
		}
	}
}

// A threshold rule's monitor sends to every route that takes its
// severity, and to no other.
func TestRoutesFollowSeverity(t *testing.T) {
	cat := builtin(t)
	for id, want := range map[string][]string{
		"console-mfa-failure-after-password": {"orgsiem-alerts"}, // high: the high+ route only
		"console-brute-force-per-user":       nil,                // medium: neither route
	} {
		m, err := search.ThresholdMonitor(cat.Rule(id), search.MonitorConfig{Routes: testRoutes})
		if err != nil {
			t.Fatal(err)
		}
		trig := m.Body["triggers"].([]any)[0].(map[string]any)["bucket_level_trigger"].(map[string]any)
		var got []string
		for _, a := range trig["actions"].([]any) {
			got = append(got, a.(map[string]any)["destination_id"].(string))
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s goes to %v, want %v", id, got, want)
		}
	}
}

func alertAt(rule string, sev int, principal, source string, event, ingested time.Time) alerts.Document {
	return alerts.Document{Timestamp: event, Ingested: ingested, Kind: alerts.KindAlert, RuleID: rule, RuleName: rule + " title",
		Ruleset: alerts.RulesetBuiltin, Level: search.SeverityLevels[sev], Severity: sev, Account: "111122223333",
		Principal: principal, Source: source, DocIndex: "log-aws-cloudtrail-2025.06", DocID: rule + principal + event.String(), Count: 1}
}

func TestNotifyMonitorSeesOnlyNewNotifiableAlertsOfItsSeverity(t *testing.T) {
	run := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	m, err := search.NotifyMonitor(search.Route{ChannelID: "orgsiem-alerts", MinSeverity: 2}, search.MonitorConfig{RepeatWindow: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	quiet := alertAt("r-quiet", 1, "carol", "198.51.100.7", run.Add(-time.Minute), run.Add(-time.Minute))
	quiet.Notify = alerts.NotifyOff
	signal := alertAt("r-thr", 1, "dan", "198.51.100.8", run.Add(-time.Minute), run.Add(-time.Minute))
	signal.Kind = alerts.KindSignal
	docs := docsOf(t,
		// Two alerts of one (rule, principal, source) within the window: one bucket, count 2.
		alertAt("r-high", 2, "alice", "203.0.113.9", run.Add(-3*time.Minute), run.Add(-2*time.Minute)),
		alertAt("r-high", 2, "alice", "203.0.113.9", run.Add(-40*time.Minute), run.Add(-30*time.Minute)),
		// A backfill: an event months old, ingested now, is new.
		alertAt("r-crit", 1, "bob", "", run.AddDate(0, -3, 0), run.Add(-time.Minute)),
		// A recent event ingested before the window is not new (it was notified then).
		alertAt("r-high", 2, "erin", "203.0.113.10", run.Add(-time.Minute), run.Add(-2*time.Hour)),
		// Below the route's severity.
		alertAt("r-low", 4, "alice", "203.0.113.9", run.Add(-time.Minute), run.Add(-time.Minute)),
		quiet, signal,
	)
	got := runBucketMonitor(t, m.Body, docs, run)
	summary := map[string]int{}
	for _, b := range got {
		kb, _ := json.Marshal(b.Key)
		summary[string(kb)] = int(b.Value["_count"])
	}
	want := map[string]int{
		`{"principal":"alice","rule":"r-high","source":"203.0.113.9"}`: 2,
		`{"principal":"bob","rule":"r-crit","source":null}`:            1,
	}
	if len(summary) != len(want) {
		t.Fatalf("buckets %v, want %v", summary, want)
	}
	for k, n := range want {
		if summary[k] != n {
			t.Errorf("bucket %s: %d alerts, want %d (all buckets %v)", k, summary[k], n, summary)
		}
	}
	// The message reads the bucket's count and key.
	b, _ := json.Marshal(m.Body)
	for _, want := range []string{"agg_alert_content.bucket.doc_count", "agg_alert_content.bucket.key.rule", `"NEW","DEDUPED"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("notification monitor lacks %s", want)
		}
	}
}

func signalAt(rule, group, distinct string, event, ingested time.Time) alerts.Document {
	d := alertAt(rule, 2, "mallory", "192.0.2.1", event, ingested)
	d.Kind, d.GroupKey, d.Distinct = alerts.KindSignal, group, distinct
	d.DocID = rule + group + distinct + event.String()
	return d
}

// Threshold rules are counted over signals by event time, whatever order
// the signals are ingested in (S3-delivered logs, redelivery, backfills).
func TestThresholdMonitorCountsSignalsOutOfOrder(t *testing.T) {
	cat := builtin(t)
	r := cat.Rule("ec2-instance-connect-many-instances") // 3 distinct instances within 10m, by account and principal
	if r == nil || r.Threshold.Count != 3 || r.Threshold.Window != 10*time.Minute {
		t.Fatalf("test rule changed: %+v", r)
	}
	cfg := search.MonitorConfig{Interval: 5 * time.Minute, Lateness: time.Hour, IngestMargin: 5 * time.Minute}
	m, err := search.ThresholdMonitor(r, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	run1, run2 := t0.Add(5*time.Minute), t0.Add(10*time.Minute)
	g1 := "recipientAccountId=111122223333" + alerts.GroupKeySep + "userIdentity.arn=arn:aws:iam::111122223333:user/a"
	g2 := "recipientAccountId=111122223333" + alerts.GroupKeySep + "userIdentity.arn=arn:aws:iam::111122223333:user/b"
	var signals []alerts.Document
	// g1: the newest event arrives first, the oldest last (after run 1).
	signals = append(signals,
		signalAt(r.ID, g1, "i-1", t0.Add(-1*time.Minute), t0.Add(1*time.Minute)),
		signalAt(r.ID, g1, "i-2", t0.Add(-5*time.Minute), t0.Add(2*time.Minute)),
		signalAt(r.ID, g1, "i-3", t0.Add(-9*time.Minute), t0.Add(7*time.Minute)),
	)
	// g2: three signals, but spread over more than window + lateness.
	signals = append(signals,
		signalAt(r.ID, g2, "i-1", t0.Add(-3*time.Hour), t0.Add(6*time.Minute)),
		signalAt(r.ID, g2, "i-2", t0.Add(-2*time.Minute), t0.Add(6*time.Minute)),
		signalAt(r.ID, g2, "i-3", t0.Add(-1*time.Minute), t0.Add(6*time.Minute)),
	)
	// Another rule's signals never count.
	signals = append(signals, signalAt("other-rule", g1, "i-4", t0.Add(-time.Minute), t0.Add(6*time.Minute)))

	ingestedBy := func(at time.Time) []alertDoc {
		var out []alerts.Document
		for _, s := range signals {
			if !s.Ingested.After(at) {
				out = append(out, s)
			}
		}
		var vs []any
		for _, s := range out {
			vs = append(vs, s)
		}
		return docsOf(t, vs...)
	}
	if got := runBucketMonitor(t, m.Body, ingestedBy(run1), run1); len(got) != 0 {
		t.Fatalf("run 1 (2 of g1's signals ingested): fired %v", got[0].Key)
	}
	got := runBucketMonitor(t, m.Body, ingestedBy(run2), run2)
	if len(got) != 1 || got[0].Key["group"] != g1 || got[0].Value["_count"] != 3 {
		t.Fatalf("run 2: want g1 with 3 signals (the late one counted by its event time), got %+v", got)
	}
	// Run 3: nothing new was ingested; g1 is not evaluated again.
	if got := runBucketMonitor(t, m.Body, ingestedBy(run2), run2.Add(15*time.Minute)); len(got) != 0 {
		t.Errorf("run 3 without new signals fired %v", got[0].Key)
	}
}

func TestThresholdMonitorCountsDistinctValues(t *testing.T) {
	cat := builtin(t)
	r := cat.Rule("ses-enumeration") // 3 distinct eventName within 10m
	if r == nil || r.Threshold.Distinct == "" || r.Threshold.Count != 3 {
		t.Fatalf("test rule changed: %+v", r)
	}
	m, err := search.ThresholdMonitor(r, search.MonitorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	g := "recipientAccountId=111122223333" + alerts.GroupKeySep + "userIdentity.arn=x"
	var vs []any
	for i, name := range []string{"ListIdentities", "ListIdentities", "GetSendQuota", "ListIdentities"} {
		vs = append(vs, signalAt(r.ID, g, name, t0.Add(-time.Duration(i)*time.Minute), t0.Add(-time.Minute)))
	}
	if got := runBucketMonitor(t, m.Body, docsOf(t, vs...), t0); len(got) != 0 {
		t.Fatalf("4 signals of 2 distinct values fired: %+v", got)
	}
	vs = append(vs, signalAt(r.ID, g, "ListCustomVerificationEmailTemplates", t0.Add(-2*time.Minute), t0.Add(-time.Minute)))
	if got := runBucketMonitor(t, m.Body, docsOf(t, vs...), t0); len(got) != 1 || got[0].Value["distinct"] != 3 {
		t.Fatalf("3 distinct values: %+v", got)
	}
}

// Configure deletes every monitor it owns and no longer wants: the
// per-rule DSL monitors of earlier versions and the threshold monitors of
// rules removed from the catalog; foreign monitors stay.
func TestUnwantedMonitorsAreDeleted(t *testing.T) {
	cat := builtin(t)
	srv := searchtest.New(t)
	c := newClient(t, srv)
	ctx := context.Background()
	old := func(name string) map[string]any {
		return map[string]any{"type": "monitor", "monitor_type": "query_level_monitor", "name": name, "enabled": true,
			"schedule": map[string]any{"period": map[string]any{"interval": 5, "unit": "MINUTES"}},
			"inputs": []any{map[string]any{"search": map[string]any{"indices": []any{"log-aws-cloudtrail-*"},
				"query": map[string]any{"size": 0, "query": map[string]any{"match_all": map[string]any{}}}}}},
			"triggers": []any{}}
	}
	for _, n := range []string{"orgsiem: cis-4-02 Console login without MFA", "orgsiem: threshold removed-rule", "team: their own monitor"} {
		if err := c.JSON(ctx, http.MethodPost, "/_plugins/_alerting/monitors", old(n), nil); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := search.BuildMonitors(cat, search.MonitorConfig{Routes: testRoutes})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpsertMonitors(ctx, ms); err != nil {
		t.Fatal(err)
	}
	gone, err := c.DeleteUnwantedMonitors(ctx, ms)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(gone, "|") != "orgsiem: cis-4-02 Console login without MFA|orgsiem: threshold removed-rule" {
		t.Errorf("deleted %v", gone)
	}
	left, err := c.ExistingMonitors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != len(ms) {
		t.Errorf("%d orgsiem monitors left, want %d", len(left), len(ms))
	}
	if n := len(srv.Objects("monitor")); n != len(ms)+1 {
		t.Errorf("server holds %d monitors, want ours and the foreign one (%d)", n, len(ms)+1)
	}
	if again, err := c.DeleteUnwantedMonitors(ctx, ms); err != nil || len(again) != 0 {
		t.Errorf("second run deleted %v (%v)", again, err)
	}
	noRejections(t, srv)
}

func TestAlertsTemplateIsStrictAndMapsTheContract(t *testing.T) {
	srv := searchtest.New(t)
	c := newClient(t, srv)
	tmpl, err := search.BuildAlertsTemplate(search.AlertsIndexSettings{Replicas: 1})
	if err != nil {
		t.Fatal(err)
	}
	pol, err := search.BuildAlertsISMPolicy(90)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.PutTemplates(context.Background(), search.Templates{Indices: []search.Template{tmpl}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutISMPolicy(context.Background(), pol); err != nil {
		t.Fatal(err)
	}
	noRejections(t, srv)
	mappings := tmpl.Body["template"].(map[string]any)["mappings"].(map[string]any)
	if mappings["dynamic"] != "strict" {
		t.Errorf("dynamic %v: an undeclared field must be refused, not mapped", mappings["dynamic"])
	}
	// Walk the nested properties back to dotted names: exactly the contract.
	got := map[string]string{}
	var walk func(prefix string, props map[string]any)
	walk = func(prefix string, props map[string]any) {
		for k, v := range props {
			m := v.(map[string]any)
			if sub, ok := m["properties"].(map[string]any); ok {
				walk(prefix+k+".", sub)
				continue
			}
			got[prefix+k] = m["type"].(string)
		}
	}
	walk("", mappings["properties"].(map[string]any))
	for f, typ := range alerts.Mapping {
		if got[f] != typ {
			t.Errorf("%s mapped as %q, the contract says %q", f, got[f], typ)
		}
	}
	for f, typ := range got {
		switch typ {
		case "keyword", "date", "ip", "long", "short":
		default:
			t.Errorf("%s is %s: alert fields are keyword, date, ip or numeric only", f, typ)
		}
	}
	if len(got) != len(alerts.Mapping) {
		t.Errorf("%d fields mapped, the contract has %d", len(got), len(alerts.Mapping))
	}
	b, _ := json.Marshal(pol.Body)
	for _, want := range []string{`"min_index_age":"90d"`, `"` + alerts.IndexPattern + `"`, `"delete":{}`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("alerts ISM policy lacks %s: %s", want, b)
		}
	}
}

// The loader writes the alert indices and the report reads them; neither
// gets more (the loader reads nothing).
func TestRolesReachTheAlertIndices(t *testing.T) {
	sec := search.BuildSecurity(search.RoleARNs{})
	perms := map[string]string{}
	for _, r := range sec.Roles {
		b, _ := json.Marshal(r.Body["index_permissions"])
		perms[r.Name] = string(b)
	}
	alertsPerm := `"index_patterns":["` + alerts.IndexPattern + `"]`
	if !strings.Contains(perms[search.RoleLoader], `"allowed_actions":["indices:admin/create","indices:admin/mapping/put","indices:data/write/index","indices:data/write/bulk*"],`+alertsPerm) ||
		strings.Contains(perms[search.RoleLoader], `"read"`) {
		t.Errorf("loader: %s", perms[search.RoleLoader])
	}
	if !strings.Contains(perms[search.RoleReport], `{"allowed_actions":["read"],`+alertsPerm+`}`) {
		t.Errorf("report: %s", perms[search.RoleReport])
	}
}

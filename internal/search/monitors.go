package search

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/orgsiem/orgsiem/internal/alerts"
	"github.com/orgsiem/orgsiem/internal/detect"
)

// Monitors run over the alert indices only (DESIGN.md: detection runs once,
// at ingest). The loader writes an alert document for every event-rule
// match and a signal for every event satisfying a threshold rule's
// condition; the monitors here only aggregate and notify:
//
//   - one notification monitor per channel route: new alerts (by
//     event.ingested) at or above the route's minimum severity, not marked
//     orgsiem.notify=off, grouped by (rule, principal, source), so repeats
//     notify once per group with a count;
//   - one threshold monitor per threshold rule: groups with signals
//     ingested since the previous run whose signals within the rule's
//     window (by event time, plus an allowed lateness) reach the count.
//
// No monitor ever re-implements a rule in query DSL.

// MonitorNamePrefix starts the name of every monitor orgsiem owns; monitors
// are created, updated and deleted by name. Any monitor with this prefix
// that configure does not want (a per-rule DSL monitor of earlier
// versions, the threshold monitor of a rule removed from the catalog, the
// notification monitor of a removed channel) is deleted.
const MonitorNamePrefix = "orgsiem: "

// Route sends alerts to one notification channel.
type Route struct {
	// ChannelID is the Notifications channel (config_id).
	ChannelID string
	// MinSeverity is the least severe alert the channel gets: 1 critical,
	// 2 high, 3 medium, 4 low, 5 informational (event.severity; lower is
	// more severe).
	MinSeverity int
}

// admits reports whether an alert of severity sev goes to the route.
func (r Route) admits(sev int) bool { return sev >= 1 && sev <= r.MinSeverity }

// SeverityLevels names the numeric severities (the rule levels).
var SeverityLevels = map[int]string{1: "critical", 2: "high", 3: "medium", 4: "low", 5: "informational"}

// ParseSeverity reads a minimum severity: a level name or 1..5.
func ParseSeverity(s string) (int, error) {
	for n, l := range SeverityLevels {
		if strings.EqualFold(s, l) {
			return n, nil
		}
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 1 && n <= 5 {
		return n, nil
	}
	return 0, fmt.Errorf("severity %q is not critical, high, medium, low, informational or 1..5", s)
}

// MonitorConfig configures the monitors.
type MonitorConfig struct {
	Routes []Route
	// Interval is the schedule period (default 5 minutes), a whole number
	// of minutes.
	Interval time.Duration
	// RepeatWindow: alerts of one (rule, principal, source) ingested within
	// it notify once, with their count; a group still active after it
	// notifies again with the new count (default 60 minutes).
	RepeatWindow time.Duration
	// Lateness is how far behind a threshold rule's window (in event time)
	// a signal may arrive and still be counted (default 60 minutes): S3
	// delivered logs arrive minutes to hours after their events.
	Lateness time.Duration
	// IngestMargin widens "ingested since the previous run" beyond
	// Interval, so a run that starts late or a refresh that lands late
	// loses nothing (default 5 minutes; a group seen twice is de-duplicated
	// by the plugin, see ThresholdMonitor).
	IngestMargin time.Duration
	// Buckets is the composite aggregation page size (default 500; the
	// plugin pages through the rest).
	Buckets int
}

func (c MonitorConfig) withDefaults() MonitorConfig {
	if c.Interval <= 0 {
		c.Interval = 5 * time.Minute
	}
	if c.RepeatWindow <= 0 {
		c.RepeatWindow = time.Hour
	}
	if c.Lateness <= 0 {
		c.Lateness = time.Hour
	}
	if c.IngestMargin <= 0 {
		c.IngestMargin = 5 * time.Minute
	}
	if c.Buckets <= 0 {
		c.Buckets = 500
	}
	return c
}

// Monitor is one alerting monitor: POST _plugins/_alerting/monitors with
// Body, or PUT _plugins/_alerting/monitors/<id> to update it.
type Monitor struct {
	Name string
	// RuleID is the threshold rule of a threshold monitor, "" otherwise.
	RuleID string
	Body   map[string]any
}

// Monitor names.
func notifyMonitorName(channelID string) string { return MonitorNamePrefix + "notify " + channelID }

// ThresholdMonitorName is the monitor name of a threshold rule.
func ThresholdMonitorName(ruleID string) string { return MonitorNamePrefix + "threshold " + ruleID }

// SNSSubjectMax bounds every subject template: the SNS Publish API takes
// "Subject ... must be less than 100 characters long" (API_Publish,
// Amazon SNS API Reference), and the Notifications plugin's SNS channel
// passes the subject through, so a longer one fails the whole delivery.
// Subjects are static text (no mustache variable whose value could grow).
const SNSSubjectMax = 99

// BuildMonitors returns the notification monitors (one per route) and the
// threshold monitors (one per threshold rule of the catalog), sorted by
// name.
func BuildMonitors(cat *detect.Catalog, cfg MonitorConfig) ([]Monitor, error) {
	cfg = cfg.withDefaults()
	if cfg.Interval%time.Minute != 0 || cfg.RepeatWindow%time.Minute != 0 {
		return nil, fmt.Errorf("monitors: interval %s and repeat window %s must be whole minutes", cfg.Interval, cfg.RepeatWindow)
	}
	seen := map[string]bool{}
	var out []Monitor
	for _, r := range cfg.Routes {
		if r.ChannelID == "" || r.MinSeverity < 1 || r.MinSeverity > 5 {
			return nil, fmt.Errorf("monitors: route %+v needs a channel and a minimum severity 1..5", r)
		}
		if seen[r.ChannelID] {
			return nil, fmt.Errorf("monitors: channel %s routed twice", r.ChannelID)
		}
		seen[r.ChannelID] = true
		m, err := NotifyMonitor(r, cfg)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	for _, rule := range cat.Rules() {
		if !rule.IsThreshold() {
			continue
		}
		m, err := ThresholdMonitor(rule, cfg)
		if err != nil {
			return nil, fmt.Errorf("monitor for rule %s: %w", rule.ID, err)
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// lastPeriod is a range on an alert date field over the duration d ending
// at the run's period_end. The Alerting plugin renders the search as a
// mustache template with period_end (epoch millis) before running it.
func lastPeriod(field string, d time.Duration) map[string]any {
	return map[string]any{"range": map[string]any{field: map[string]any{
		"gte":    "{{period_end}}||-" + esDuration(d),
		"lte":    "{{period_end}}",
		"format": "epoch_millis",
	}}}
}

func term(field string, v any) map[string]any {
	return map[string]any{"term": map[string]any{field: map[string]any{"value": v}}}
}

func termsSource(name, field string, missing bool) map[string]any {
	t := map[string]any{"field": field}
	if missing {
		t["missing_bucket"] = true
	}
	return map[string]any{name: map[string]any{"terms": t}}
}

// NotifyMonitor is the notification monitor of one route: a bucket-level
// monitor over the alert indices selecting alerts (kind alert, severity at
// or above the route's, not orgsiem.notify=off) ingested within the
// repeat window, one composite bucket per (rule.id, user.name,
// source.address). Every bucket triggers. The plugin keeps one alert per
// bucket key: a key first seen is NEW (notified at once); a key seen
// again at the next run is DEDUPED, and the action's throttle (per alert,
// from its last notification) holds it back until the repeat window has
// passed, when it notifies again with the count of that window; a key no
// longer present (nothing ingested within the window) is COMPLETED, so
// the next alert is NEW again (BucketLevelMonitorRunner and
// MonitorRunnerService.isActionActionable in opensearch-project/alerting).
func NotifyMonitor(r Route, cfg MonitorConfig) (Monitor, error) {
	cfg = cfg.withDefaults()
	level := SeverityLevels[r.MinSeverity]
	query := map[string]any{"bool": map[string]any{
		"filter": []any{
			term(alerts.FieldKind, alerts.KindAlert),
			map[string]any{"range": map[string]any{alerts.FieldSeverity: map[string]any{"lte": r.MinSeverity}}},
			lastPeriod(alerts.FieldIngested, cfg.RepeatWindow),
		},
		"must_not": []any{term(alerts.FieldNotify, alerts.NotifyOff)},
	}}
	comp := map[string]any{
		"composite": map[string]any{"size": cfg.Buckets, "sources": []any{
			termsSource("rule", alerts.FieldRuleID, false),
			termsSource("principal", alerts.FieldPrincipal, true),
			termsSource("source", alerts.FieldSource, true),
		}},
		"aggs": map[string]any{
			"title":      map[string]any{"terms": map[string]any{"field": alerts.FieldRuleName, "size": 1}},
			"level":      map[string]any{"terms": map[string]any{"field": alerts.FieldLevel, "size": 1}},
			"accounts":   map[string]any{"terms": map[string]any{"field": alerts.FieldAccount, "size": 5}},
			"first_seen": map[string]any{"min": map[string]any{"field": alerts.FieldTimestamp}},
			"last_seen":  map[string]any{"max": map[string]any{"field": alerts.FieldTimestamp}},
		},
	}
	name := notifyMonitorName(r.ChannelID)
	subject := fmt.Sprintf("orgsiem: %s+ alert", level)
	msg := notifyMessage("ctx.newAlerts", cfg) + notifyMessage("ctx.dedupedAlerts", cfg)
	body := monitorBody(name, cfg, []any{alerts.IndexPattern}, query, comp, map[string]any{
		"name":               "notify " + level + "+",
		"severity":           strconv.Itoa(r.MinSeverity),
		"buckets_path":       map[string]any{"count": "_count"},
		"script":             "params.count > 0",
		"actions":            []any{action(r.ChannelID, subject, msg, cfg.RepeatWindow)},
		"parent_bucket_path": "composite_agg",
	})
	return finish(Monitor{Name: name, Body: body}, map[string]any{"channel": r.ChannelID})
}

// ThresholdMonitor is the monitor of one threshold rule: a bucket-level
// monitor over the rule's signals with event time in the last window +
// lateness, one composite bucket per group (orgsiem.group_key; one bucket
// for a rule without group_by), counting signals (or the cardinality of
// orgsiem.distinct). A bucket triggers when the count reaches the rule's
// and at least one of its signals was ingested since the previous run
// (Interval + IngestMargin by event.ingested): signals are counted by
// event time whatever order they arrive in, and a group is evaluated
// again only when something new arrives for it. Repeats are the plugin's
// per-bucket de-duplication (a group over the threshold at consecutive
// runs is DEDUPED, notified again only after the rule's window).
func ThresholdMonitor(r *detect.Rule, cfg MonitorConfig) (Monitor, error) {
	cfg = cfg.withDefaults()
	th := r.Threshold
	if th == nil || th.Window <= 0 || th.Count < 1 {
		return Monitor{}, fmt.Errorf("not a threshold rule with a window and a count")
	}
	if r.Severity < 1 || r.Severity > 5 {
		return Monitor{}, fmt.Errorf("severity %d outside 1..5", r.Severity)
	}
	query := map[string]any{"bool": map[string]any{"filter": []any{
		term(alerts.FieldKind, alerts.KindSignal),
		term(alerts.FieldRuleID, r.ID),
		lastPeriod(alerts.FieldTimestamp, th.Window+cfg.Lateness),
	}}}
	source := termsSource("rule", alerts.FieldRuleID, false)
	if len(th.GroupBy) > 0 {
		source = termsSource("group", alerts.FieldGroupKey, true)
	}
	sub := map[string]any{
		"new":        map[string]any{"filter": lastPeriod(alerts.FieldIngested, cfg.Interval+cfg.IngestMargin)},
		"first_seen": map[string]any{"min": map[string]any{"field": alerts.FieldTimestamp}},
		"last_seen":  map[string]any{"max": map[string]any{"field": alerts.FieldTimestamp}},
		"accounts":   map[string]any{"terms": map[string]any{"field": alerts.FieldAccount, "size": 5}},
	}
	paths := map[string]any{"count": "_count", "fresh": "new>_count"}
	metric := "count"
	if th.Distinct != "" {
		sub["distinct"] = map[string]any{"cardinality": map[string]any{"field": alerts.FieldDistinct}}
		paths["distinct"] = "distinct"
		metric = "distinct"
	}
	comp := map[string]any{
		"composite": map[string]any{"size": cfg.Buckets, "sources": []any{source}},
		"aggs":      sub,
	}
	var actions []any
	subject := subjectText("orgsiem threshold: " + r.ID + " " + r.Title)
	msg := thresholdMessage(r, cfg, "ctx.newAlerts") + thresholdMessage(r, cfg, "ctx.dedupedAlerts")
	for _, rt := range cfg.Routes {
		if rt.admits(r.Severity) {
			actions = append(actions, action(rt.ChannelID, subject, msg, th.Window))
		}
	}
	if actions == nil {
		// No channel takes this severity: the monitor still records its
		// alerts (Alerting > Alerts in Dashboards).
		actions = []any{}
	}
	name := ThresholdMonitorName(r.ID)
	body := monitorBody(name, cfg, []any{alerts.IndexPattern}, query, comp, map[string]any{
		"name":               r.ID,
		"severity":           strconv.Itoa(r.Severity),
		"buckets_path":       paths,
		"script":             fmt.Sprintf("params.%s >= %d && params.fresh > 0", metric, th.Count),
		"actions":            actions,
		"parent_bucket_path": "composite_agg",
	})
	return finish(Monitor{Name: name, RuleID: r.ID, Body: body}, map[string]any{"rule": r.ID})
}

// monitorBody assembles a bucket-level monitor with one trigger.
func monitorBody(name string, cfg MonitorConfig, indices []any, query, comp map[string]any, trig map[string]any) map[string]any {
	return map[string]any{
		"type":         "monitor",
		"monitor_type": "bucket_level_monitor",
		"name":         name,
		"enabled":      true,
		"schedule":     map[string]any{"period": map[string]any{"interval": int(cfg.Interval / time.Minute), "unit": "MINUTES"}},
		"inputs": []any{map[string]any{"search": map[string]any{"indices": indices, "query": map[string]any{
			"size": 0, "query": query, "aggregations": map[string]any{"composite_agg": comp},
		}}}},
		"triggers": []any{map[string]any{"bucket_level_trigger": map[string]any{
			"name":     trig["name"],
			"severity": trig["severity"],
			"condition": map[string]any{
				"buckets_path":       trig["buckets_path"],
				"parent_bucket_path": trig["parent_bucket_path"],
				"script":             map[string]any{"source": trig["script"], "lang": "painless"},
			},
			"actions": trig["actions"],
		}}},
	}
}

// finish stamps the body's hash: the Alerting plugin re-serializes the
// search it stores, so a stored monitor is compared with the wanted one by
// this hash, kept in the free-form ui_metadata.
func finish(m Monitor, extra map[string]any) (Monitor, error) {
	sum, err := bodyHash(m.Body)
	if err != nil {
		return Monitor{}, fmt.Errorf("monitor %q: %w", m.Name, err)
	}
	meta := map[string]any{"hash": sum}
	for k, v := range extra {
		meta[k] = v
	}
	m.Body["ui_metadata"] = map[string]any{"orgsiem": meta}
	return m, nil
}

func bodyHash(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:16]), nil
}

// action notifies one channel once per alert (bucket key) when it is new,
// and again while it stays active only after throttle.
func action(channelID, subject, msg string, throttle time.Duration) map[string]any {
	mins := int((throttle + time.Minute - 1) / time.Minute)
	return map[string]any{
		"name":             "notify " + channelID,
		"destination_id":   channelID,
		"subject_template": map[string]any{"source": subject, "lang": "mustache"},
		"message_template": map[string]any{"source": msg, "lang": "mustache"},
		"throttle_enabled": true,
		"throttle":         map[string]any{"value": mins, "unit": "MINUTES"},
		"action_execution_policy": map[string]any{"action_execution_scope": map[string]any{
			"per_alert": map[string]any{"actionable_alerts": []any{"NEW", "DEDUPED"}}}},
	}
}

// subjectText is a static subject: no mustache tags, one line, under
// SNSSubjectMax characters (cut on a rune boundary).
func subjectText(s string) string {
	s = strings.Join(strings.Fields(mustacheText(s)), " ")
	if utf8.RuneCountInString(s) <= SNSSubjectMax {
		return s
	}
	r := []rune(s)
	return string(r[:SNSSubjectMax-1]) + "…"
}

// mustacheText keeps rule text from being read as mustache tags.
func mustacheText(s string) string {
	return strings.NewReplacer("{{", "{ {", "}}", "} }").Replace(s)
}

// bucket is the mustache path of the per-alert bucket (the plugin's
// AggregationResultBucket: agg_alert_content.bucket_keys and .bucket, the
// composite bucket with its key, doc_count and sub-aggregations).
const bucket = "agg_alert_content.bucket"

func notifyMessage(list string, cfg MonitorConfig) string {
	return "{{#" + list + "}}" +
		"{{#" + bucket + ".level.buckets}}[{{key}}] {{/" + bucket + ".level.buckets}}" +
		"{{" + bucket + ".key.rule}} {{#" + bucket + ".title.buckets}}{{key}}{{/" + bucket + ".title.buckets}}\n" +
		"{{" + bucket + ".doc_count}} alert(s) ingested in the last " + esDuration(cfg.RepeatWindow) + "\n" +
		"principal: {{" + bucket + ".key.principal}}\n" +
		"source: {{" + bucket + ".key.source}}\n" +
		"accounts: {{#" + bucket + ".accounts.buckets}}{{key}} {{/" + bucket + ".accounts.buckets}}\n" +
		"events: {{" + bucket + ".first_seen.value_as_string}} – {{" + bucket + ".last_seen.value_as_string}}\n" +
		"Details: Dashboards › orgsiem: alerts, or search " + alerts.IndexPattern + " for rule.id {{" + bucket + ".key.rule}}.\n" +
		"{{/" + list + "}}"
}

func thresholdMessage(r *detect.Rule, cfg MonitorConfig, list string) string {
	th := r.Threshold
	what := "events"
	metric := "{{" + bucket + ".doc_count}} events"
	if th.Distinct != "" {
		what = "distinct " + mustacheText(th.Distinct) + " values"
		metric = "{{" + bucket + ".distinct.value}} distinct " + mustacheText(th.Distinct) + " values ({{" + bucket + ".doc_count}} events)"
	}
	var b strings.Builder
	b.WriteString("{{#" + list + "}}")
	fmt.Fprintf(&b, "[%s] %s %s (severity %d)\n", strings.ToUpper(r.Level), r.ID, mustacheText(r.Title), r.Severity)
	if d := strings.TrimSpace(r.Description); d != "" {
		b.WriteString(mustacheText(d) + "\n")
	}
	fmt.Fprintf(&b, "At least %d %s within %s: %s with event time in the last %s.\n", th.Count, what, th.Window, metric, esDuration(th.Window+cfg.Lateness))
	if len(th.GroupBy) > 0 {
		b.WriteString("group: {{" + bucket + ".key.group}}\n")
	}
	b.WriteString("accounts: {{#" + bucket + ".accounts.buckets}}{{key}} {{/" + bucket + ".accounts.buckets}}\n")
	b.WriteString("events: {{" + bucket + ".first_seen.value_as_string}} – {{" + bucket + ".last_seen.value_as_string}}\n")
	var parts []string
	if r.Author != "" {
		parts = append(parts, "author: "+r.Author)
	}
	if r.License != "" {
		parts = append(parts, "license: "+r.License)
	}
	if r.Source != "" {
		parts = append(parts, "source: "+r.Source)
	}
	if len(parts) > 0 {
		b.WriteString("Rule " + mustacheText(strings.Join(parts, "; ")) + "\n")
	}
	b.WriteString("{{/" + list + "}}")
	return b.String()
}

// esDuration writes d in OpenSearch date-math units (m, h, d).
func esDuration(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", (d+time.Second-1)/time.Second)
}

// DeleteUnwantedMonitors deletes every monitor named with
// MonitorNamePrefix that is not in want (by name): the per-rule DSL
// monitors of earlier versions, the threshold monitors of rules removed
// from the catalog, the notification monitors of removed channels. It
// returns the deleted names, sorted.
func (c *Client) DeleteUnwantedMonitors(ctx context.Context, want []Monitor) ([]string, error) {
	existing, err := c.ExistingMonitors(ctx)
	if err != nil {
		return nil, err
	}
	keep := map[string]bool{}
	for _, m := range want {
		keep[m.Name] = true
	}
	var gone []string
	for name, id := range existing {
		if keep[name] {
			continue
		}
		if err := c.JSON(ctx, http.MethodDelete, "/_plugins/_alerting/monitors/"+pathEscape(id), nil, nil); err != nil && !IsStatus(err, http.StatusNotFound) {
			return gone, fmt.Errorf("deleting monitor %q: %w", name, err)
		}
		gone = append(gone, name)
	}
	sort.Strings(gone)
	return gone, nil
}

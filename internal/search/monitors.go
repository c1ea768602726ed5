package search

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/orgsiem/orgsiem/internal/detect"
)

// MonitorNamePrefix starts the name of every monitor orgsiem owns; monitors
// are created or updated by name.
const MonitorNamePrefix = "orgsiem: "

// MonitorConfig configures the alerting monitors compiled from the rule
// catalog.
type MonitorConfig struct {
	// ChannelID is the Notifications channel (config_id) actions send to.
	ChannelID string
	// Interval is the schedule period (default 5 minutes).
	Interval time.Duration
	// Lookback widens an event rule's window on @timestamp beyond Interval
	// so events delivered late (CloudTrail takes minutes) are still seen
	// (default 15 minutes). Repeats are held back by Throttle.
	Lookback time.Duration
	// Throttle is the minimum time between two notifications of one
	// monitor's trigger (default 60 minutes).
	Throttle time.Duration
	// Hits is the number of events an event rule's alert shows (default 10).
	Hits int
}

func (c MonitorConfig) withDefaults() MonitorConfig {
	if c.Interval <= 0 {
		c.Interval = 5 * time.Minute
	}
	if c.Lookback < 0 {
		c.Lookback = 0
	} else if c.Lookback == 0 {
		c.Lookback = 15 * time.Minute
	}
	if c.Throttle <= 0 {
		c.Throttle = time.Hour
	}
	if c.Hits <= 0 {
		c.Hits = 10
	}
	return c
}

// Monitor is one alerting monitor: POST _plugins/_alerting/monitors with
// Body, or PUT _plugins/_alerting/monitors/<id> to update it.
type Monitor struct {
	RuleID string
	Name   string
	Body   map[string]any
}

// MonitorName is the monitor name of a rule.
func MonitorName(r *detect.Rule) string { return MonitorNamePrefix + r.ID + " " + r.Title }

// BuildMonitors compiles every rule of the catalog (research/detections.md
// §7.1): an event rule becomes a query-level monitor over the rule's
// indices with the rule's query and a range on @timestamp of the last
// Interval+Lookback; a threshold rule with group_by becomes a bucket-level
// monitor (a composite aggregation on the group_by paths, with a
// cardinality sub-aggregation for distinct counts, and a bucket selector
// trigger), one without group_by a query-level monitor on the total (or
// distinct) count over the rule's window. Severity is the rule's (1-5);
// the action message carries the description and the source attribution
// (author, license, source), which Sigma-derived rules require.
func BuildMonitors(cat *detect.Catalog, cfg MonitorConfig) ([]Monitor, error) {
	if cfg.ChannelID == "" {
		return nil, fmt.Errorf("monitors: MonitorConfig.ChannelID is required")
	}
	cfg = cfg.withDefaults()
	var out []Monitor
	for _, r := range cat.Rules() {
		m, err := buildMonitor(r, cfg)
		if err != nil {
			return nil, fmt.Errorf("monitor for rule %s: %w", r.ID, err)
		}
		out = append(out, m)
	}
	return out, nil
}

func buildMonitor(r *detect.Rule, cfg MonitorConfig) (Monitor, error) {
	if r.Severity < 1 || r.Severity > 5 {
		return Monitor{}, fmt.Errorf("severity %d outside 1..5", r.Severity)
	}
	window := cfg.Interval + cfg.Lookback
	if r.IsThreshold() {
		window = r.Threshold.Window
		if window <= 0 {
			return Monitor{}, fmt.Errorf("threshold rule without a window")
		}
	}
	rng := map[string]any{"range": map[string]any{"@timestamp": map[string]any{
		"gte":    "{{period_end}}||-" + esDuration(window),
		"lte":    "{{period_end}}",
		"format": "epoch_millis",
	}}}
	query := map[string]any{"bool": map[string]any{"filter": []any{r.Query(), rng}}}
	sev := strconv.Itoa(r.Severity)
	name := MonitorName(r)
	body := map[string]any{
		"type":     "monitor",
		"name":     name,
		"enabled":  true,
		"schedule": map[string]any{"period": map[string]any{"interval": int(cfg.Interval / time.Minute), "unit": "MINUTES"}},
	}
	if cfg.Interval%time.Minute != 0 || cfg.Interval < time.Minute {
		return Monitor{}, fmt.Errorf("interval %s is not a whole number of minutes", cfg.Interval)
	}
	indices := []any{r.Index()}
	switch {
	case !r.IsThreshold():
		body["monitor_type"] = "query_level_monitor"
		body["inputs"] = []any{map[string]any{"search": map[string]any{"indices": indices, "query": map[string]any{
			"size":             cfg.Hits,
			"track_total_hits": true,
			"sort":             []any{map[string]any{"@timestamp": map[string]any{"order": "desc"}}},
			"query":            query,
		}}}}
		body["triggers"] = []any{map[string]any{
			"name":      r.ID,
			"severity":  sev,
			"condition": painless("ctx.results[0].hits.total.value > 0"),
			"actions":   []any{action(r, cfg, eventMessage(r), false)},
		}}
	case len(r.GroupByPaths()) > 0:
		var sources []any
		for i, p := range r.GroupByPaths() {
			sources = append(sources, map[string]any{fmt.Sprintf("group_%d", i): map[string]any{"terms": map[string]any{"field": p}}})
		}
		comp := map[string]any{"composite": map[string]any{"size": 1000, "sources": sources}}
		metric := "_count"
		if d := r.DistinctPath(); d != "" {
			comp["aggs"] = map[string]any{"distinct": map[string]any{"cardinality": map[string]any{"field": d}}}
			metric = "distinct"
		}
		body["monitor_type"] = "bucket_level_monitor"
		body["inputs"] = []any{map[string]any{"search": map[string]any{"indices": indices, "query": map[string]any{
			"size": 0, "query": query, "aggregations": map[string]any{"composite_agg": comp},
		}}}}
		body["triggers"] = []any{map[string]any{"bucket_level_trigger": map[string]any{
			"name":     r.ID,
			"severity": sev,
			"condition": map[string]any{
				"buckets_path":       map[string]any{"n": metric},
				"parent_bucket_path": "composite_agg",
				"script":             map[string]any{"source": fmt.Sprintf("params.n >= %d", r.Threshold.Count), "lang": "painless"},
			},
			"actions": []any{action(r, cfg, bucketMessage(r), true)},
		}}}
	default:
		q := map[string]any{"size": 0, "track_total_hits": true, "query": query}
		cond := fmt.Sprintf("ctx.results[0].hits.total.value >= %d", r.Threshold.Count)
		if d := r.DistinctPath(); d != "" {
			q["aggregations"] = map[string]any{"distinct": map[string]any{"cardinality": map[string]any{"field": d}}}
			cond = fmt.Sprintf("ctx.results[0].aggregations.distinct.value >= %d", r.Threshold.Count)
		}
		body["monitor_type"] = "query_level_monitor"
		body["inputs"] = []any{map[string]any{"search": map[string]any{"indices": indices, "query": q}}}
		body["triggers"] = []any{map[string]any{
			"name":      r.ID,
			"severity":  sev,
			"condition": painless(cond),
			"actions":   []any{action(r, cfg, countMessage(r), false)},
		}}
	}
	sum, err := bodyHash(body)
	if err != nil {
		return Monitor{}, err
	}
	// The Alerting plugin re-serializes the search it stores, so a stored
	// monitor is compared with the wanted one by this hash, kept in the
	// free-form ui_metadata.
	body["ui_metadata"] = map[string]any{"orgsiem": map[string]any{"hash": sum, "rule": r.ID}}
	return Monitor{RuleID: r.ID, Name: name, Body: body}, nil
}

func bodyHash(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:16]), nil
}

func painless(src string) map[string]any {
	return map[string]any{"script": map[string]any{"source": src, "lang": "painless"}}
}

func action(r *detect.Rule, cfg MonitorConfig, msg string, perAlert bool) map[string]any {
	a := map[string]any{
		"name":             "notify",
		"destination_id":   cfg.ChannelID,
		"subject_template": map[string]any{"source": fmt.Sprintf("[%s] %s", strings.ToUpper(r.Level), mustacheText(r.ID+" "+r.Title)), "lang": "mustache"},
		"message_template": map[string]any{"source": msg, "lang": "mustache"},
		"throttle_enabled": true,
		"throttle":         map[string]any{"value": int(cfg.Throttle / time.Minute), "unit": "MINUTES"},
	}
	if perAlert {
		a["action_execution_policy"] = map[string]any{"action_execution_scope": map[string]any{"per_alert": map[string]any{"actionable_alerts": []any{"NEW"}}}}
	}
	return a
}

// mustacheText keeps rule text from being read as mustache tags.
func mustacheText(s string) string {
	return strings.NewReplacer("{{", "{ {", "}}", "} }").Replace(s)
}

func header(r *detect.Rule) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s (severity %d, %s)\n", r.ID, mustacheText(r.Title), r.Severity, r.Level)
	if r.Description != "" {
		fmt.Fprintf(&b, "%s\n", mustacheText(strings.TrimSpace(r.Description)))
	}
	return b.String()
}

func attribution(r *detect.Rule) string {
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
	if len(parts) == 0 {
		return ""
	}
	return "\nRule " + mustacheText(strings.Join(parts, "; ")) + "\n"
}

func eventMessage(r *detect.Rule) string {
	return header(r) +
		"{{ctx.results.0.hits.total.value}} matching event(s) in {{ctx.periodStart}} – {{ctx.periodEnd}}; newest:\n" +
		"{{#ctx.results.0.hits.hits}}- {{_source.@timestamp}} account {{_source.cloud.account.id}} {{_source.cloud.region}} {{_source.event.action}} by {{_source.user.name}} from {{_source.source.ip}} (_id {{_id}} in {{_index}})\n{{/ctx.results.0.hits.hits}}" +
		attribution(r)
}

func bucketMessage(r *detect.Rule) string {
	return header(r) +
		fmt.Sprintf("At least %d events within %s for:\n", r.Threshold.Count, r.Threshold.Window) +
		"{{#ctx.newAlerts}}- {{agg_alert_content.bucket_keys}}\n{{/ctx.newAlerts}}" +
		attribution(r)
}

func countMessage(r *detect.Rule) string {
	return header(r) +
		fmt.Sprintf("At least %d events within %s ({{ctx.results.0.hits.total.value}} counted) up to {{ctx.periodEnd}}.\n", r.Threshold.Count, r.Threshold.Window) +
		attribution(r)
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

// Channel is the SNS notification channel monitors send to (Notifications
// plugin, config_type sns; research/detections.md §7.2).
type Channel struct {
	ID          string // config_id
	Name        string
	Description string
	TopicARN    string
	// RoleARN is the role Amazon OpenSearch Service assumes to publish
	// (trusted by opensearchservice.amazonaws.com, sns:Publish on the topic).
	RoleARN string
}

// Config is the channel's "config" object.
func (ch Channel) Config() map[string]any {
	return map[string]any{
		"name":        ch.Name,
		"description": ch.Description,
		"config_type": "sns",
		"is_enabled":  true,
		"sns":         map[string]any{"topic_arn": ch.TopicARN, "role_arn": ch.RoleARN},
	}
}

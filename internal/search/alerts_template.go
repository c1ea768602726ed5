package search

import (
	"fmt"
	"sort"

	"github.com/orgsiem/orgsiem/internal/alerts"
)

// AlertsTemplateName names the index template and the ISM policy of the
// alert indices (orgsiem-alerts-YYYY.MM).
const AlertsTemplateName = TemplatePrefix + "alerts"

// AlertsIndexSettings are the alert indices' settings. Alerts are few
// (one per rule match) next to the logs, so one shard.
type AlertsIndexSettings struct {
	Replicas int
}

// BuildAlertsTemplate is the index template of the alert indices, built
// from alerts.Mapping: "dynamic": "strict", so a document with a field the
// contract does not declare is refused (and dead-lettered by the loader)
// instead of growing the mapping, and only keyword, date, ip and numeric
// fields, whose term, range, exists, composite and cardinality semantics
// the monitors and the report rely on. Keyword values are bounded like the
// log indices' (ignore_above) so no value can exceed Lucene's term limit.
func BuildAlertsTemplate(s AlertsIndexSettings) (Template, error) {
	props, err := alertProperties()
	if err != nil {
		return Template{}, err
	}
	if s.Replicas < 0 {
		s.Replicas = 0
	}
	return Template{Name: AlertsTemplateName, Body: map[string]any{
		"index_patterns": []any{alerts.IndexPattern},
		"priority":       200,
		"template": map[string]any{
			"settings": map[string]any{"index": map[string]any{
				"number_of_shards":   1,
				"number_of_replicas": s.Replicas,
				"refresh_interval":   "10s",
			}},
			"mappings": map[string]any{
				"dynamic":    "strict",
				"properties": props,
			},
		},
		"_meta": meta("alert documents of the ingest-time detections (internal/alerts)"),
	}}, nil
}

// alertFieldMapping is the mapping of one alert field type; only the
// types the alert contract may use.
func alertFieldMapping(typ string) (map[string]any, error) {
	switch typ {
	case "keyword":
		return map[string]any{"type": "keyword", "ignore_above": keywordIgnoreAbove}, nil
	case "date":
		return map[string]any{"type": "date", "format": "strict_date_optional_time||epoch_millis"}, nil
	case "ip", "long", "integer", "short", "byte":
		return map[string]any{"type": typ}, nil
	}
	return nil, fmt.Errorf("alert field type %q is not keyword, date, ip or an integer type", typ)
}

// alertProperties nests alerts.Mapping's dotted names into "properties".
func alertProperties() (map[string]any, error) {
	names := make([]string, 0, len(alerts.Mapping))
	for n := range alerts.Mapping {
		names = append(names, n)
	}
	sort.Strings(names)
	root := map[string]any{}
	for _, n := range names {
		m, err := alertFieldMapping(alerts.Mapping[n])
		if err != nil {
			return nil, fmt.Errorf("alerts index field %s: %w", n, err)
		}
		if err := nest(root, n, m); err != nil {
			return nil, fmt.Errorf("alerts index: %w", err)
		}
	}
	return root, nil
}

// nest puts a leaf mapping at a dotted path of a "properties" object.
func nest(root map[string]any, path string, leaf map[string]any) error {
	props := root
	start := 0
	for i := 0; i <= len(path); i++ {
		if i < len(path) && path[i] != '.' {
			continue
		}
		name := path[start:i]
		start = i + 1
		if i == len(path) {
			if _, dup := props[name]; dup {
				return fmt.Errorf("field %s: declared twice or as an object and a leaf", path)
			}
			props[name] = leaf
			return nil
		}
		node, ok := props[name].(map[string]any)
		if !ok {
			if props[name] != nil {
				return fmt.Errorf("field %s: %s is a leaf field", path, name)
			}
			node = map[string]any{"properties": map[string]any{}}
			props[name] = node
		}
		sub, ok := node["properties"].(map[string]any)
		if !ok {
			return fmt.Errorf("field %s: %s is a leaf field", path, name)
		}
		props = sub
	}
	return nil
}

// BuildAlertsISMPolicy deletes alert indices after deleteAfterDays, like
// the log indices they point into (an alert outliving its event would
// reference a deleted document); snapshots keep both restorable.
func BuildAlertsISMPolicy(deleteAfterDays int) (Template, error) {
	if deleteAfterDays <= 0 {
		return Template{}, fmt.Errorf("alerts ISM policy: delete age %d days is not positive", deleteAfterDays)
	}
	del := fmt.Sprintf("%dd", deleteAfterDays)
	return Template{Name: AlertsTemplateName, Body: map[string]any{"policy": map[string]any{
		"description":   "orgsiem: alert indices, delete after " + del,
		"default_state": "hot",
		"states": []any{
			map[string]any{"name": "hot", "actions": []any{},
				"transitions": []any{map[string]any{"state_name": "delete", "conditions": map[string]any{"min_index_age": del}}}},
			map[string]any{"name": "delete", "actions": []any{map[string]any{"delete": map[string]any{}}}, "transitions": []any{}},
		},
		"ism_template": []any{map[string]any{"index_patterns": []any{alerts.IndexPattern}, "priority": 100}},
	}}}, nil
}

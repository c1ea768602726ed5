package search

import (
	"fmt"
	"sort"
	"strings"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// Index naming. Log indices are log-aws-<type>-YYYY.MM (ecs.Document.Index);
// restored copies are restored-<index>; report documents go to
// reports-YYYY.MM.
const (
	IndexPrefix    = "log-aws-"
	AllLogsPattern = "log-aws-*"
	ReportsPrefix  = "reports-"
	RestorePrefix  = "restored-"
	// TemplatePrefix names every component and index template orgsiem owns.
	TemplatePrefix = "orgsiem-"
)

// IndexPattern is the index pattern of one log type: log-aws-<type>-*.
func IndexPattern(logType string) string { return IndexPrefix + logType + "-*" }

// keywordIgnoreAbove keeps a keyword value longer than this (in characters)
// in _source but out of the index, so no value can exceed Lucene's 32766
// byte term limit and get its document refused.
const keywordIgnoreAbove = 8191

// IndexSettings are the per-log-type index settings.
type IndexSettings struct {
	Shards          int
	Replicas        int
	RefreshInterval string // e.g. "30s"
}

// TemplateConfig configures the index templates.
type TemplateConfig struct {
	// LogTypes to build templates for; default ecs.LogTypes().
	LogTypes []string
	// Default settings; per-type overrides in PerType.
	Default IndexSettings
	PerType map[string]IndexSettings
	// Rollover, per log type, for indices written through an alias only;
	// the loader writes monthly indices by name, so the default has none.
	Rollover map[string]Rollover
}

// Rollover makes ISM roll an alias-written index over.
type Rollover struct {
	Alias               string // the write alias (plugins.index_state_management.rollover_alias)
	MinPrimaryShardSize string // e.g. "30gb"
	MinIndexAge         string // e.g. "30d"
}

// WithReplicas sets the replica count of every log type (ReplicasFor the
// domain's data nodes).
func (c TemplateConfig) WithReplicas(n int) TemplateConfig {
	c.Default.Replicas = n
	per := make(map[string]IndexSettings, len(c.PerType))
	for k, v := range c.PerType {
		v.Replicas = n
		per[k] = v
	}
	c.PerType = per
	return c
}

// DefaultTemplateConfig has 1 replica everywhere; the high-volume types
// (CloudTrail, VPC flow, CloudWatch Logs, WAF, ELB) get 3 primary shards and
// a 30s refresh, findings and the rest 1 shard and 10s.
func DefaultTemplateConfig() TemplateConfig {
	big := IndexSettings{Shards: 3, Replicas: 1, RefreshInterval: "30s"}
	return TemplateConfig{
		Default: IndexSettings{Shards: 1, Replicas: 1, RefreshInterval: "10s"},
		PerType: map[string]IndexSettings{
			"cloudtrail": big, "vpcflow": big, "cloudwatchlogs": big, "waf": big, "elb": big,
		},
	}
}

func (c TemplateConfig) logTypes() []string {
	if len(c.LogTypes) > 0 {
		return c.LogTypes
	}
	return ecs.LogTypes()
}

func (c TemplateConfig) settings(logType string) IndexSettings {
	s := c.Default
	if o, ok := c.PerType[logType]; ok {
		s = o
	}
	if s.Shards <= 0 {
		s.Shards = 1
	}
	if s.Replicas < 0 {
		s.Replicas = 0
	}
	if s.RefreshInterval == "" {
		s.RefreshInterval = "10s"
	}
	return s
}

// Template is a named request body: a component template, index template,
// ISM policy, role ... PUT at the path of its kind.
type Template struct {
	Name string
	Body map[string]any
}

// Templates are the composable templates of the log indices and the report
// index.
type Templates struct {
	Components []Template // PUT _component_template/<name>
	Indices    []Template // PUT _index_template/<name>
}

// Component template names.
const (
	ComponentECS = TemplatePrefix + "ecs"
)

// ComponentSettings and ComponentAWS name a log type's settings and
// aws.<type> mapping component templates.
func ComponentSettings(logType string) string { return TemplatePrefix + "settings-" + logType }

// ComponentAWS names the aws.<type> mapping component of a log type.
func ComponentAWS(logType string) string { return TemplatePrefix + "aws-" + logType }

// IndexTemplateName names a log type's index template.
func IndexTemplateName(logType string) string { return TemplatePrefix + "log-aws-" + logType }

// BuildTemplates generates every template from the ECS schema: one ECS
// mapping component shared by all log types (the common fields, keyword
// defaults through dynamic templates, no date or numeric detection), one
// aws.<type> mapping component and one settings component per log type, one
// index template per log type composed of the three, and the reports-*
// template.
func BuildTemplates(cfg TemplateConfig) (Templates, error) {
	var common []ecs.Field
	perType := map[string][]ecs.Field{}
	for _, f := range ecs.Fields() {
		if f.LogType == "" {
			common = append(common, f)
		} else {
			perType[f.LogType] = append(perType[f.LogType], f)
		}
	}
	commonProps, err := properties(common)
	if err != nil {
		return Templates{}, err
	}
	var out Templates
	out.Components = append(out.Components, Template{Name: ComponentECS, Body: map[string]any{
		"template": map[string]any{"mappings": map[string]any{
			"dynamic":           true,
			"date_detection":    false,
			"numeric_detection": false,
			"dynamic_templates": []any{
				map[string]any{"strings_as_keyword": map[string]any{
					"match_mapping_type": "string",
					"mapping":            map[string]any{"type": "keyword", "ignore_above": keywordIgnoreAbove},
				}},
			},
			"properties": commonProps,
		}},
		"_meta": meta("ECS fields shared by every log type"),
	}})
	for _, typ := range cfg.logTypes() {
		fields := perType[typ]
		props, err := properties(fields)
		if err != nil {
			return Templates{}, fmt.Errorf("log type %s: %w", typ, err)
		}
		s := cfg.settings(typ)
		idx := map[string]any{
			"number_of_shards":   s.Shards,
			"number_of_replicas": s.Replicas,
			"refresh_interval":   s.RefreshInterval,
			"codec":              "best_compression",
			"mapping": map[string]any{
				"ignore_malformed": true,
				// declared fields + headroom for undeclared aws.<type>.*
				// fields that dynamic mapping adds.
				"total_fields": map[string]any{"limit": totalFieldsLimit(len(common) + len(fields))},
			},
		}
		if r, ok := cfg.Rollover[typ]; ok && r.Alias != "" {
			idx["plugins.index_state_management.rollover_alias"] = r.Alias
		}
		out.Components = append(out.Components,
			Template{Name: ComponentSettings(typ), Body: map[string]any{
				"template": map[string]any{"settings": map[string]any{"index": idx}},
				"_meta":    meta("index settings of " + typ),
			}},
			Template{Name: ComponentAWS(typ), Body: map[string]any{
				"template": map[string]any{"mappings": map[string]any{"properties": props}},
				"_meta":    meta("aws." + typ + " fields"),
			}},
		)
		out.Indices = append(out.Indices, Template{Name: IndexTemplateName(typ), Body: map[string]any{
			"index_patterns": []any{IndexPattern(typ)},
			"composed_of":    []any{ComponentSettings(typ), ComponentECS, ComponentAWS(typ)},
			"priority":       200,
			"_meta":          meta(typ + " log indices"),
		}})
	}
	out.Indices = append(out.Indices, Template{Name: TemplatePrefix + "reports", Body: map[string]any{
		"index_patterns": []any{ReportsPrefix + "*"},
		"priority":       200,
		"template": map[string]any{
			"settings": map[string]any{"index": map[string]any{"number_of_shards": 1, "number_of_replicas": cfg.settings("").Replicas}},
			"mappings": map[string]any{
				"dynamic":           true,
				"date_detection":    false,
				"numeric_detection": false,
				"dynamic_templates": []any{map[string]any{"strings_as_keyword": map[string]any{
					"match_mapping_type": "string",
					"mapping":            map[string]any{"type": "keyword", "ignore_above": keywordIgnoreAbove},
				}}},
				"properties": map[string]any{
					"@timestamp": map[string]any{"type": "date"},
					"window": map[string]any{"properties": map[string]any{
						"from": map[string]any{"type": "date"},
						"to":   map[string]any{"type": "date"},
					}},
					"text": map[string]any{"type": "text"},
				},
			},
		},
		"_meta": meta("daily compliance reports"),
	}})
	return out, nil
}

func meta(desc string) map[string]any {
	return map[string]any{"managed_by": "orgsiem", "description": desc}
}

// totalFieldsLimit sizes index.mapping.total_fields.limit: the declared
// fields (plus their parent objects) and room for 1000 undeclared ones,
// rounded up to a multiple of 500, at least the OpenSearch default 1000.
func totalFieldsLimit(declared int) int {
	n := 2*declared + 1000
	return (n + 499) / 500 * 500
}

// mapping is the field mapping of one declared type.
func mapping(t ecs.FieldType) (map[string]any, error) {
	switch t {
	case ecs.Keyword:
		return map[string]any{"type": "keyword", "ignore_above": keywordIgnoreAbove}, nil
	case ecs.Text:
		return map[string]any{"type": "text"}, nil
	case ecs.IP, ecs.Long, ecs.Double, ecs.GeoPoint:
		return map[string]any{"type": string(t), "ignore_malformed": true}, nil
	case ecs.Date:
		return map[string]any{"type": "date", "format": "strict_date_optional_time||epoch_millis", "ignore_malformed": true}, nil
	case ecs.Boolean, ecs.FlatObject:
		return map[string]any{"type": string(t)}, nil
	}
	return nil, fmt.Errorf("field type %q has no mapping", t)
}

// properties nests dotted paths into a mappings "properties" object.
func properties(fields []ecs.Field) (map[string]any, error) {
	root := map[string]any{}
	sort.Slice(fields, func(i, j int) bool { return fields[i].Path < fields[j].Path })
	for _, f := range fields {
		parts := strings.Split(f.Path, ".")
		props := root
		for i, p := range parts[:len(parts)-1] {
			node, ok := props[p].(map[string]any)
			if !ok {
				node = map[string]any{"properties": map[string]any{}}
				props[p] = node
			}
			sub, ok := node["properties"].(map[string]any)
			if !ok {
				return nil, fmt.Errorf("field %s: %s is declared as a leaf field", f.Path, strings.Join(parts[:i+1], "."))
			}
			props = sub
		}
		leaf := parts[len(parts)-1]
		if _, dup := props[leaf]; dup {
			return nil, fmt.Errorf("field %s: declared twice or as an object and a leaf", f.Path)
		}
		m, err := mapping(f.Type)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", f.Path, err)
		}
		props[leaf] = m
	}
	return root, nil
}

// Lifecycle is the ISM lifecycle of one log type's indices.
type Lifecycle struct {
	// WarmAfterDays moves an index to UltraWarm (warm_migration) at this
	// index age; 0 keeps it hot until deletion. At least
	// MinWarmAfterDays: warm indices are read-only.
	WarmAfterDays int
	// DeleteAfterDays is the retention, counted from the end of the
	// index's event month (Retention.Days). The daily maintain run deletes
	// expired months; the policy only carries a backstop delete at
	// Retention.BackstopDeleteDays of index age, which can never come
	// before the month's expiry. Snapshots keep a month restorable
	// afterwards.
	DeleteAfterDays int
}

// LifecycleConfig configures the ISM policies.
type LifecycleConfig struct {
	LogTypes []string // default ecs.LogTypes()
	Default  Lifecycle
	PerType  map[string]Lifecycle
	Rollover map[string]Rollover // as in TemplateConfig
}

// DefaultLifecycle keeps 90 days hot, then warm, and keeps each month 400
// days after it ends (PCI DSS 10.5.1: a year of history, three months
// immediately available).
func DefaultLifecycle() LifecycleConfig {
	return LifecycleConfig{Default: Lifecycle{WarmAfterDays: 90, DeleteAfterDays: 400}}
}

// ISMPolicyID names a log type's ISM policy.
func ISMPolicyID(logType string) string { return TemplatePrefix + "log-aws-" + logType }

// BuildISMPolicies returns one policy per log type: hot (with a rollover
// action where configured) → optional warm (warm_migration) → the
// backstop delete, bound to the type's index pattern by ism_template.
// The bodies are PUT at _plugins/_ism/policies/<Name>. A policy's
// ism_template only attaches it to indices created afterwards; indices
// already managed keep running the version they started with until
// change_policy (Client.ChangePolicies).
func BuildISMPolicies(cfg LifecycleConfig) ([]Template, error) {
	types := cfg.LogTypes
	if len(types) == 0 {
		types = ecs.LogTypes()
	}
	var out []Template
	for _, typ := range types {
		lc := cfg.Default
		if o, ok := cfg.PerType[typ]; ok {
			lc = o
		}
		ret := Retention{Days: lc.DeleteAfterDays}
		if lc.DeleteAfterDays <= 0 || lc.WarmAfterDays < 0 {
			return nil, fmt.Errorf("lifecycle of %s: need delete days > 0 and warm days >= 0, got warm %d delete %d", typ, lc.WarmAfterDays, lc.DeleteAfterDays)
		}
		if err := ret.CheckWarm(lc.WarmAfterDays); err != nil {
			return nil, fmt.Errorf("lifecycle of %s: %w", typ, err)
		}
		del := fmt.Sprintf("%dd", ret.BackstopDeleteDays())
		hotActions := []any{}
		if r, ok := cfg.Rollover[typ]; ok && r.Alias != "" {
			ro := map[string]any{}
			if r.MinPrimaryShardSize != "" {
				ro["min_primary_shard_size"] = r.MinPrimaryShardSize
			}
			if r.MinIndexAge != "" {
				ro["min_index_age"] = r.MinIndexAge
			}
			hotActions = append(hotActions, map[string]any{"rollover": ro})
		}
		next := "delete"
		after := del
		if lc.WarmAfterDays > 0 {
			next, after = "warm", fmt.Sprintf("%dd", lc.WarmAfterDays)
		}
		states := []any{map[string]any{
			"name":        "hot",
			"actions":     hotActions,
			"transitions": []any{map[string]any{"state_name": next, "conditions": map[string]any{"min_index_age": after}}},
		}}
		if lc.WarmAfterDays > 0 {
			states = append(states, map[string]any{
				"name": "warm",
				"actions": []any{map[string]any{
					"retry":          map[string]any{"count": 5, "backoff": "exponential", "delay": "1h"},
					"warm_migration": map[string]any{},
				}},
				"transitions": []any{map[string]any{"state_name": "delete", "conditions": map[string]any{"min_index_age": del}}},
			})
		}
		states = append(states, map[string]any{
			"name":        "delete",
			"actions":     []any{map[string]any{"delete": map[string]any{}}},
			"transitions": []any{},
		})
		out = append(out, Template{Name: ISMPolicyID(typ), Body: map[string]any{"policy": map[string]any{
			"description":   fmt.Sprintf("orgsiem: %s log indices; months expire %d days after they end (maintain daily), backstop delete at %s of index age", typ, lc.DeleteAfterDays, del),
			"default_state": "hot",
			"states":        states,
			"ism_template":  []any{map[string]any{"index_patterns": []any{IndexPattern(typ)}, "priority": 100}},
		}}})
	}
	return out, nil
}

package detect

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// The OpenSearch query DSL compiler. A rule compiles to a bool query over
// document paths (after field mapping), using only term, terms, prefix,
// wildcard, regexp, exists, range, script and match_none, so that an
// in-test evaluator of that subset can check it against the matcher.
//
//   - Sigma's case-insensitive strings become term/prefix/wildcard queries
//     with "case_insensitive": true (ASCII folding, as the matcher does);
//     |cased values drop the flag.
//   - flat_object fields (CloudTrail requestParameters, responseElements,
//     additionalEventData, serviceEventDetails ...) are queried by dotted
//     path (aws.cloudtrail.requestParameters.bucketName). Their values are
//     indexed as strings, so numbers and booleans are queried as their
//     text ("22", "true"); range queries on them would compare text, so
//     gt/gte/lt/lte are load errors there.
//   - |cidr is a term query with the CIDR on an ip field (only ip fields).
//   - |fieldref is a script query comparing doc values; it is a load error
//     on flat_object and text fields, which have none.
//   - null (field absent) is must_not exists; an |expand parameter with no
//     values is match_none.
//   - Every rule query pins event.dataset to aws.<service> (pipeline rules
//     span all types), so rule queries can share one search (the report).

// Query returns the rule's query: a bool query matching exactly the
// documents the matcher would match (threshold rules: the events they
// count). It has no time range; see Search.
func (r *Rule) Query() map[string]any {
	q, err := r.buildQuery()
	if err != nil {
		// Validated at load and on every SetParameter.
		return map[string]any{"match_none": map[string]any{}}
	}
	return q
}

func (r *Rule) buildQuery() (map[string]any, error) {
	c, err := condQuery(r.det.cond)
	if err != nil {
		return nil, err
	}
	if r.Service == ServicePipeline {
		return c, nil
	}
	return boolQuery("filter", []any{term("event.dataset", "aws."+r.Service, false), c}), nil
}

func boolQuery(occur string, clauses []any) map[string]any {
	b := map[string]any{occur: clauses}
	if occur == "should" {
		b["minimum_should_match"] = 1
	}
	return map[string]any{"bool": b}
}

// combine returns the single clause, or a bool of several.
func combine(occur string, clauses []any) any {
	if len(clauses) == 1 {
		return clauses[0]
	}
	return boolQuery(occur, clauses)
}

func term(path string, v any, fold bool) map[string]any {
	body := map[string]any{"value": v}
	if fold {
		body["case_insensitive"] = true
	}
	return map[string]any{"term": map[string]any{path: body}}
}

func exists(path string) map[string]any {
	return map[string]any{"exists": map[string]any{"field": path}}
}

func matchNone() map[string]any { return map[string]any{"match_none": map[string]any{}} }

func condQuery(c *cond) (map[string]any, error) {
	switch c.op {
	case opSel:
		var branches []any
		for _, br := range c.sel.branches {
			var clauses []any
			for _, fm := range br {
				q, err := fm.query()
				if err != nil {
					return nil, &lineError{line: fm.line, err: fmt.Errorf("%s: %w", fm.key, err)}
				}
				clauses = append(clauses, q)
			}
			branches = append(branches, combine("filter", clauses))
		}
		return asMap(combine("should", branches)), nil
	case opNot:
		k, err := condQuery(c.kids[0])
		if err != nil {
			return nil, err
		}
		return boolQuery("must_not", []any{k}), nil
	}
	var kids []any
	for _, k := range c.kids {
		q, err := condQuery(k)
		if err != nil {
			return nil, err
		}
		kids = append(kids, q)
	}
	if c.op == opAnd {
		return boolQuery("filter", kids), nil
	}
	return boolQuery("should", kids), nil
}

func asMap(v any) map[string]any { return v.(map[string]any) }

// query compiles one field entry.
func (fm *fieldMatch) query() (map[string]any, error) {
	path := fm.f.path
	switch {
	case fm.disabled:
		return matchNone(), nil
	case fm.m.exists:
		if fm.exists {
			return exists(path), nil
		}
		return boolQuery("must_not", []any{exists(path)}), nil
	case fm.m.fieldref:
		var scripts []any
		for _, rf := range fm.refs {
			scripts = append(scripts, map[string]any{"script": map[string]any{"script": map[string]any{
				"lang":   "painless",
				"source": "for (def v : doc[params.a]) { if (doc[params.b].contains(v)) { return true; } } return false;",
				"params": map[string]any{"a": path, "b": rf.path},
			}}})
		}
		return asMap(combine("should", scripts)), nil
	}
	var clauses []any
	for _, v := range fm.texts {
		if v.kind == litNull {
			clauses = append(clauses, boolQuery("must_not", []any{exists(path)}))
			continue
		}
		q, err := fm.valueQuery(v)
		if err != nil {
			return nil, err
		}
		clauses = append(clauses, q)
	}
	if fm.m.all {
		return asMap(combine("filter", clauses)), nil
	}
	return asMap(combine("should", clauses)), nil
}

func (fm *fieldMatch) valueQuery(v lit) (map[string]any, error) {
	path, typ, m := fm.f.path, fm.f.typ, fm.m
	switch {
	case m.cmp != "":
		return map[string]any{"range": map[string]any{path: map[string]any{m.cmp: json.Number(v.s)}}}, nil
	case m.cidr:
		return term(path, v.s, false), nil
	case m.re:
		src := v.s
		if m.reFlags != "" {
			src = "(?" + m.reFlags + ")" + src
		}
		lre, err := luceneRegexp(src)
		if err != nil {
			return nil, err
		}
		return map[string]any{"regexp": map[string]any{path: map[string]any{"value": lre}}}, nil
	}
	switch typ {
	case ecs.Long, ecs.Double:
		return term(path, json.Number(v.s), false), nil
	case ecs.Boolean:
		return term(path, v.s == "true", false), nil
	case ecs.IP:
		return term(path, v.s, false), nil
	case ecs.Keyword, ecs.FlatObject:
	default:
		return nil, fmt.Errorf("no query for %s field %s", typ, path)
	}
	fold := !m.cased
	toks := fm.pattern(v)
	wild := false
	for _, t := range toks {
		if t.kind != 'l' {
			wild = true
		}
	}
	switch {
	case !wild:
		s := ""
		if len(toks) == 1 {
			s = toks[0].lit
		}
		return term(path, s, fold), nil
	case len(toks) == 2 && toks[0].kind == 'l' && toks[1].kind == '*':
		body := map[string]any{"value": toks[0].lit}
		if fold {
			body["case_insensitive"] = true
		}
		return map[string]any{"prefix": map[string]any{path: body}}, nil
	}
	body := map[string]any{"value": wildcardString(toks)}
	if fold {
		body["case_insensitive"] = true
	}
	return map[string]any{"wildcard": map[string]any{path: body}}, nil
}

// wildcardString renders tokens in OpenSearch wildcard syntax.
func wildcardString(toks []globTok) string {
	var b strings.Builder
	for _, t := range toks {
		switch t.kind {
		case '*', '?':
			b.WriteByte(t.kind)
		default:
			for i := 0; i < len(t.lit); i++ {
				if c := t.lit[i]; c == '*' || c == '?' || c == '\\' {
					b.WriteByte('\\')
				}
				b.WriteByte(t.lit[i])
			}
		}
	}
	return b.String()
}

// GroupByPaths returns the document paths of a threshold rule's group_by
// fields (for monitors that build their own composite aggregation).
func (r *Rule) GroupByPaths() []string {
	if r.Threshold == nil {
		return nil
	}
	out := make([]string, len(r.Threshold.groupBy))
	for i, f := range r.Threshold.groupBy {
		out[i] = f.path
	}
	return out
}

// DistinctPath returns the document path of a threshold rule's distinct
// field, or "".
func (r *Rule) DistinctPath() string {
	if r.Threshold == nil || r.Threshold.distinct == nil {
		return ""
	}
	return r.Threshold.distinct.path
}

// Aggregations returns, for a threshold rule, the aggregation that finds
// the groups over the threshold in the searched documents: nested terms
// aggregations "group_0", "group_1" ... on the group_by paths (or one
// "filters" bucket "all" without group_by), a "distinct" cardinality
// sub-aggregation for distinct counts, and a "threshold" bucket_selector
// keeping buckets whose doc count (or distinct count) is >= Count.
// It returns nil for event rules.
func (r *Rule) Aggregations() map[string]any {
	th := r.Threshold
	if th == nil {
		return nil
	}
	leaf := map[string]any{}
	metric := "_count"
	if th.distinct != nil {
		leaf["distinct"] = map[string]any{"cardinality": map[string]any{"field": th.distinct.path}}
		metric = "distinct"
	}
	leaf["threshold"] = map[string]any{"bucket_selector": map[string]any{
		"buckets_path": map[string]any{"n": metric},
		"script":       fmt.Sprintf("params.n >= %d", th.Count),
	}}
	if len(th.groupBy) == 0 {
		return map[string]any{"all": map[string]any{
			"filters": map[string]any{"filters": map[string]any{"all": map[string]any{"match_all": map[string]any{}}}},
			"aggs":    leaf,
		}}
	}
	aggs := leaf
	for i := len(th.groupBy) - 1; i >= 0; i-- {
		terms := map[string]any{"field": th.groupBy[i].path, "size": 1000}
		if i == len(th.groupBy)-1 && th.distinct == nil {
			terms["min_doc_count"] = th.Count
		}
		aggs = map[string]any{fmt.Sprintf("group_%d", i): map[string]any{"terms": terms, "aggs": aggs}}
	}
	return aggs
}

// timeRange is a range on @timestamp, [from, to).
func timeRange(from, to time.Time) map[string]any {
	return map[string]any{"range": map[string]any{"@timestamp": map[string]any{
		"gte":    from.UTC().Format(time.RFC3339Nano),
		"lt":     to.UTC().Format(time.RFC3339Nano),
		"format": "strict_date_optional_time",
	}}}
}

// Search returns a complete search body over [from, to) of event time:
// the newest 100 matching documents for an event rule; for a threshold
// rule no hits and Aggregations (counting over the whole range, so pass a
// range of one window for the rule's semantics).
func (r *Rule) Search(from, to time.Time) map[string]any {
	q := boolQuery("filter", []any{r.Query(), timeRange(from, to)})
	if r.Threshold != nil {
		return map[string]any{"size": 0, "query": q, "aggs": r.Aggregations()}
	}
	return map[string]any{
		"size":  100,
		"sort":  []any{map[string]any{"@timestamp": map[string]any{"order": "desc"}}},
		"query": q,
	}
}

// ReportQuery builds the daily report's single search over [from, to) of
// event time (research/detections.md §2.0): a "guidelines" filters
// aggregation with one bucket per guideline pci-01 .. pci-10, each the OR
// of the queries of the rules whose report: names it (match_none when
// none does), with sub-aggregations "accounts" (top cloud.account.id, each
// with "last_event", the max @timestamp), "principals" (top user.name) and
// "failed" (event.outcome failure); plus a top-level "coverage" terms
// aggregation on cloud.account.id with "last_event", so an account with no
// events at all can be told from a quiet one. Search it on ReportIndices.
func (c *Catalog) ReportQuery(from, to time.Time) map[string]any {
	filters := map[string]any{}
	for _, g := range Guidelines {
		var qs []any
		for _, r := range c.rules {
			if r.Report == g {
				qs = append(qs, r.Query())
			}
		}
		if len(qs) == 0 {
			filters[g] = matchNone()
			continue
		}
		filters[g] = combine("should", qs)
	}
	lastEvent := map[string]any{"last_event": map[string]any{"max": map[string]any{"field": "@timestamp"}}}
	return map[string]any{
		"size":  0,
		"query": timeRange(from, to),
		"aggs": map[string]any{
			"coverage": map[string]any{
				"terms": map[string]any{"field": "cloud.account.id", "size": 1000},
				"aggs":  lastEvent,
			},
			"guidelines": map[string]any{
				"filters": map[string]any{"filters": filters},
				"aggs": map[string]any{
					"accounts": map[string]any{
						"terms": map[string]any{"field": "cloud.account.id", "size": 100},
						"aggs":  lastEvent,
					},
					"principals": map[string]any{"terms": map[string]any{"field": "user.name", "size": 20}},
					"failed":     map[string]any{"filter": term("event.outcome", "failure", false)},
				},
			},
		},
	}
}

// ReportIndices returns the index patterns the report rules search, sorted.
func (c *Catalog) ReportIndices() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range c.rules {
		if r.Report != "" && !seen[r.Index()] {
			seen[r.Index()] = true
			out = append(out, r.Index())
		}
	}
	sort.Strings(out)
	return out
}

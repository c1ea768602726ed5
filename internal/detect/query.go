package detect

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// The OpenSearch query DSL export. Detection never runs as a query (the
// loader and scan run the matcher; monitors aggregate alert documents), so
// this compiler serves analysts' ad hoc search only (`orgsiem rules export
// --format opensearch`). A rule compiles to a bool query over document
// paths (after field mapping), using only term, terms, prefix, wildcard,
// regexp, exists, range, script and match_none, so that an in-test
// evaluator of that subset can check it against the matcher.
//
//   - Sigma's case-insensitive strings become term/prefix/wildcard queries
//     with "case_insensitive": true (ASCII folding, as the matcher does);
//     |cased values drop the flag.
//   - flat_object fields (CloudTrail requestParameters, responseElements,
//     additionalEventData, serviceEventDetails ...) are queried by dotted
//     path (aws.cloudtrail.requestParameters.bucketName) with only what
//     OpenSearch 2.x's FlatObjectFieldMapper supports on a subfield: exact
//     term/terms, prefix (case-insensitive allowed), range and exists. A
//     case-insensitive term or a regexp there silently matches nothing and a
//     wildcard throws QueryShardException before 2.18, so: a plain value
//     becomes an exact, case-sensitive term (with a note when case folding
//     mattered), startswith a case-insensitive prefix, and any other
//     wildcard or regexp makes the rule not expressible (ErrNotExpressible,
//     reported per rule by the export). Values are indexed as strings, so
//     numbers and booleans are queried as their text ("22", "true"); range
//     queries on them would compare text, so gt/gte/lt/lte are load errors
//     there.
//   - |cidr is a term query with the CIDR on an ip field (only ip fields).
//   - |fieldref is a script query comparing doc values; it is a load error
//     on flat_object and text fields, which have none.
//   - null (field absent) is must_not exists; an |expand parameter with no
//     values is match_none.
//   - Every rule query pins event.dataset to aws.<service> (pipeline rules
//     span all types).

// ErrNotExpressible marks a rule the export cannot write as an OpenSearch
// 2.x query with the matcher's meaning.
var ErrNotExpressible = errors.New("not expressible as an OpenSearch 2.x query")

// dslNotes collects, while compiling, where the query is stricter than
// the matcher.
type dslNotes struct {
	notes []string
	neg   bool // compiling under an odd number of negations
}

// Note endings: which way an inexact clause moves the query.
const (
	NoteMayMiss      = "the query may miss matches"
	NoteMayMatchMore = "the query may match more (under a negation)"
)

func (n *dslNotes) add(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	for _, x := range n.notes {
		if x == s {
			return
		}
	}
	n.notes = append(n.notes, s)
}

// ExportQuery returns the rule's query for ad hoc search: a bool query
// matching the documents the matcher would match (threshold rules: the
// events they count), without a time range. notes say where the query
// differs from the matcher (an exact, case-sensitive term on a
// flat_object field), each ending in NoteMayMiss or NoteMayMatchMore; err wraps ErrNotExpressible, naming the field and
// construct, when OpenSearch 2.x cannot run the rule on its fields.
func (r *Rule) ExportQuery() (q map[string]any, notes []string, err error) {
	if why := r.NoDSL(); why != "" {
		return nil, nil, fmt.Errorf("rule %s: %w: %s", r.ID, ErrNotExpressible, why)
	}
	var n dslNotes
	q, err = r.buildQuery(&n)
	if err != nil && !errors.Is(err, ErrNotExpressible) {
		err = fmt.Errorf("%w: %w", ErrNotExpressible, err)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("rule %s: %w", r.ID, err)
	}
	return q, n.notes, nil
}

// Query is ExportQuery's query, or match_none for a rule that cannot be
// expressed (callers that must tell the two apart use ExportQuery).
func (r *Rule) Query() map[string]any {
	q, _, err := r.ExportQuery()
	if err != nil {
		return matchNone()
	}
	return q
}

func (r *Rule) buildQuery(n *dslNotes) (map[string]any, error) {
	c, err := condQuery(r.det.cond, n)
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

func condQuery(c *cond, n *dslNotes) (map[string]any, error) {
	switch c.op {
	case opSel:
		var branches []any
		for _, br := range c.sel.branches {
			var clauses []any
			for _, fm := range br {
				q, err := fm.query(n)
				if err != nil {
					return nil, &lineError{line: fm.line, err: fmt.Errorf("%s: %w", fm.key, err)}
				}
				clauses = append(clauses, q)
			}
			branches = append(branches, combine("filter", clauses))
		}
		return asMap(combine("should", branches)), nil
	case opNot:
		n.neg = !n.neg
		k, err := condQuery(c.kids[0], n)
		n.neg = !n.neg
		if err != nil {
			return nil, err
		}
		return boolQuery("must_not", []any{k}), nil
	}
	var kids []any
	for _, k := range c.kids {
		q, err := condQuery(k, n)
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
func (fm *fieldMatch) query(n *dslNotes) (map[string]any, error) {
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
		q, err := fm.valueQuery(v, n)
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

func (fm *fieldMatch) valueQuery(v lit, n *dslNotes) (map[string]any, error) {
	path, typ, m := fm.f.path, fm.f.typ, fm.m
	switch {
	case m.cmp != "":
		return map[string]any{"range": map[string]any{path: map[string]any{m.cmp: json.Number(v.s)}}}, nil
	case m.cidr:
		return term(path, v.s, false), nil
	case m.re && typ == ecs.FlatObject:
		return nil, fmt.Errorf("%w: regexp on flat_object field %s (OpenSearch 2.x matches nothing)", ErrNotExpressible, path)
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
		if typ == ecs.FlatObject && fold {
			// No case-insensitive term on flat_object: exact case.
			if string(appendLowerASCII(nil, s)) != strings.ToUpper(s) {
				way := NoteMayMiss
				if n.neg {
					way = NoteMayMatchMore
				}
				n.add("%s is matched case-sensitively (flat_object has no case-insensitive term): %s", path, way)
			}
			fold = false
		}
		return term(path, s, fold), nil
	case len(toks) == 2 && toks[0].kind == 'l' && toks[1].kind == '*':
		body := map[string]any{"value": toks[0].lit}
		if fold {
			body["case_insensitive"] = true
		}
		return map[string]any{"prefix": map[string]any{path: body}}, nil
	}
	if typ == ecs.FlatObject {
		return nil, fmt.Errorf("%w: wildcard on flat_object field %s (QueryShardException before OpenSearch 2.18)", ErrNotExpressible, path)
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

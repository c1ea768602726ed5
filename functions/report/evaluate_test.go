package report

import (
	"cmp"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/orgsiem/orgsiem/internal/search/searchtest"
)

// evaluator answers the report's searches over the documents indexed in a
// searchtest.Server, with OpenSearch's semantics for the constructs the
// report sends, and records any construct it does not model (the test
// fails on those rather than answering something made up).
//
// Modelled from the OpenSearch (and upstream Elasticsearch) documentation:
//   - bool filter / must_not with term, terms and range on keyword and date
//     fields (Query DSL, "Term-level queries"; a range on a date field
//     compares instants, gte inclusive, lt exclusive);
//   - sort on fields with search_after: hits after the given sort values,
//     date fields' sort values are epoch milliseconds ("Paginate results",
//     https://opensearch.org/docs/latest/search-plugins/searching-data/paginate/);
//   - size;
//   - composite aggregation with terms sources, missing_bucket (a null key
//     for documents without the field, sorted first in ascending order),
//     after, size, buckets in key order, and after_key, the key of the
//     last bucket (always returned since Elasticsearch 6.3, PR
//     elastic/elasticsearch#28358; OpenSearch forked 7.10);
//   - min and max on a date field: value in epoch milliseconds, null
//     without values ("Metric aggregations");
//   - filters aggregation with named filters: one bucket per name;
//   - terms aggregation: buckets by doc_count descending, then key, at most
//     size.
//
// The server calls the evaluator while holding its lock, so the evaluator
// reads each document back from the server when it is indexed (indexed),
// not during a search.
type evaluator struct {
	srv    *searchtest.Server
	mu     sync.Mutex
	stored []evalDoc
	errs   []string
}

func newEvaluator(srv *searchtest.Server) *evaluator {
	e := &evaluator{srv: srv}
	srv.SetSearch(e.answer)
	return e
}

// indexed reads back the document the server stored as index/id.
func (e *evaluator) indexed(index, id string) {
	raw, found := e.srv.Document(index, id)
	if !found {
		e.fail("%s/%s was acknowledged but is not stored", index, id)
		return
	}
	var src map[string]any
	if err := json.Unmarshal(raw, &src); err != nil {
		e.fail("%s/%s: %v", index, id, err)
		return
	}
	flat := map[string]any{}
	flatten("", src, flat)
	e.mu.Lock()
	e.stored = append(e.stored, evalDoc{index, id, src, flat})
	e.mu.Unlock()
}

func (e *evaluator) fail(format string, args ...any) {
	e.mu.Lock()
	e.errs = append(e.errs, fmt.Sprintf(format, args...))
	e.mu.Unlock()
}

type evalDoc struct {
	index, id string
	src       map[string]any // as stored
	flat      map[string]any // dotted paths
}

func flatten(prefix string, v any, out map[string]any) {
	m, ok := v.(map[string]any)
	if !ok {
		out[prefix] = v
		return
	}
	for k, x := range m {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		flatten(p, x, out)
	}
}

func (e *evaluator) docs(expr string) []evalDoc {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []evalDoc
	for _, d := range e.stored {
		for p := range strings.SplitSeq(expr, ",") {
			if m, _ := path.Match(p, d.index); m {
				out = append(out, d)
				break
			}
		}
	}
	return out
}

// millis is the value of a date field as a date field's doc value.
func millis(v any) (float64, bool) {
	s, ok := v.(string)
	if !ok {
		return 0, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, false
	}
	return float64(t.UnixMilli()), true
}

func (e *evaluator) isDate(field string) bool {
	return field == "@timestamp" || field == "event.ingested"
}

func (e *evaluator) match(q map[string]any, d evalDoc) bool {
	if len(q) != 1 {
		e.fail("query with %d keys: %v", len(q), q)
		return false
	}
	for kind, body := range q {
		m, _ := body.(map[string]any)
		switch kind {
		case "bool":
			for occur, cs := range m {
				list, _ := cs.([]any)
				for _, c := range list {
					cm, _ := c.(map[string]any)
					hit := e.match(cm, d)
					switch occur {
					case "filter", "must":
						if !hit {
							return false
						}
					case "must_not":
						if hit {
							return false
						}
					default:
						e.fail("bool %s not modelled", occur)
						return false
					}
				}
			}
			return true
		case "term":
			for f, v := range m {
				return d.flat[f] == v
			}
		case "terms":
			for f, vs := range m {
				list, _ := vs.([]any)
				return slices.Contains(list, d.flat[f])
			}
		case "range":
			for f, rv := range m {
				r, _ := rv.(map[string]any)
				if !e.isDate(f) {
					e.fail("range on %s not modelled", f)
					return false
				}
				v, ok := millis(d.flat[f])
				if !ok {
					return false
				}
				for op, bound := range r {
					if op == "format" {
						continue
					}
					b, ok := millis(bound)
					if !ok {
						e.fail("range bound %v", bound)
						return false
					}
					switch op {
					case "gte":
						if v < b {
							return false
						}
					case "lt":
						if v >= b {
							return false
						}
					default:
						e.fail("range %s not modelled", op)
						return false
					}
				}
				return true
			}
		default:
			e.fail("query %s not modelled", kind)
		}
	}
	return false
}

// sortValue is a field's sort value: epoch milliseconds for dates, the
// string for keywords.
func (e *evaluator) sortValue(d evalDoc, field string) any {
	if e.isDate(field) {
		v, _ := millis(d.flat[field])
		return v
	}
	return d.flat[field]
}

func compareValues(a, b any) int {
	switch x := a.(type) {
	case float64:
		y, _ := b.(float64)
		return cmp.Compare(x, y)
	case string:
		y, _ := b.(string)
		return cmp.Compare(x, y)
	case nil:
		if b == nil {
			return 0
		}
		return -1
	}
	return 0
}

func (e *evaluator) answer(index string, body []byte) (any, bool) {
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil {
		e.fail("body: %v", err)
		return nil, false
	}
	var matched []evalDoc
	for _, d := range e.docs(index) {
		q, _ := req["query"].(map[string]any)
		if q == nil || e.match(q, d) {
			matched = append(matched, d)
		}
	}
	resp := map[string]any{"took": 1, "timed_out": false, "_shards": map[string]any{"total": 1, "successful": 1, "skipped": 0, "failed": 0}}
	hits := []any{}
	if size, _ := req["size"].(float64); size > 0 {
		var fields []string
		sorts, _ := req["sort"].([]any)
		for _, s := range sorts {
			for f, order := range s.(map[string]any) {
				if order != "asc" {
					e.fail("sort order %v not modelled", order)
				}
				fields = append(fields, f)
			}
		}
		key := func(d evalDoc) []any {
			k := make([]any, len(fields))
			for i, f := range fields {
				k[i] = e.sortValue(d, f)
			}
			return k
		}
		cmpKeys := func(a, b []any) int {
			for i := range a {
				if c := compareValues(a[i], b[i]); c != 0 {
					return c
				}
			}
			return 0
		}
		slices.SortFunc(matched, func(a, b evalDoc) int { return cmpKeys(key(a), key(b)) })
		after, _ := req["search_after"].([]any)
		for _, d := range matched {
			k := key(d)
			if after != nil && cmpKeys(k, after) <= 0 {
				continue
			}
			if len(hits) == int(size) {
				break
			}
			hits = append(hits, map[string]any{"_index": d.index, "_id": d.id, "_score": nil, "_source": d.src, "sort": k})
		}
	}
	resp["hits"] = map[string]any{"total": map[string]any{"value": len(matched), "relation": "eq"}, "max_score": nil, "hits": hits}
	if aggs, ok := req["aggs"].(map[string]any); ok {
		resp["aggregations"] = e.aggs(aggs, matched)
	}
	return resp, true
}

func (e *evaluator) aggs(aggs map[string]any, docs []evalDoc) map[string]any {
	out := map[string]any{}
	for name, a := range aggs {
		am := a.(map[string]any)
		sub, _ := am["aggs"].(map[string]any)
		for kind, body := range am {
			m, _ := body.(map[string]any)
			switch kind {
			case "aggs":
			case "composite":
				out[name] = e.composite(m, sub, docs)
			case "filters":
				filters, _ := m["filters"].(map[string]any)
				buckets := map[string]any{}
				for fname, f := range filters {
					var in []evalDoc
					for _, d := range docs {
						if e.match(f.(map[string]any), d) {
							in = append(in, d)
						}
					}
					b := map[string]any{"doc_count": len(in)}
					for k, v := range e.aggs(sub, in) {
						b[k] = v
					}
					buckets[fname] = b
				}
				out[name] = map[string]any{"buckets": buckets}
			case "terms":
				field, _ := m["field"].(string)
				size, _ := m["size"].(float64)
				counts := map[string]int{}
				for _, d := range docs {
					if s, ok := d.flat[field].(string); ok {
						counts[s]++
					}
				}
				keys := make([]string, 0, len(counts))
				for k := range counts {
					keys = append(keys, k)
				}
				slices.SortFunc(keys, func(a, b string) int { return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b)) })
				if size > 0 && len(keys) > int(size) {
					keys = keys[:int(size)]
				}
				bs := []any{}
				for _, k := range keys {
					bs = append(bs, map[string]any{"key": k, "doc_count": counts[k]})
				}
				out[name] = map[string]any{"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0, "buckets": bs}
			case "min", "max":
				field, _ := m["field"].(string)
				var v any
				for _, d := range docs {
					x, ok := millis(d.flat[field])
					if !ok {
						continue
					}
					if f, ok := v.(float64); !ok || (kind == "min" && x < f) || (kind == "max" && x > f) {
						v = x
					}
				}
				r := map[string]any{"value": v}
				if f, ok := v.(float64); ok {
					r["value_as_string"] = time.UnixMilli(int64(f)).UTC().Format("2006-01-02T15:04:05.000Z")
				}
				out[name] = r
			default:
				e.fail("aggregation %s not modelled", kind)
			}
		}
	}
	return out
}

func (e *evaluator) composite(m, sub map[string]any, docs []evalDoc) map[string]any {
	type source struct {
		name, field string
		missing     bool
	}
	var sources []source
	for _, s := range m["sources"].([]any) {
		for name, def := range s.(map[string]any) {
			terms, ok := def.(map[string]any)["terms"].(map[string]any)
			if !ok {
				e.fail("composite source %s is not terms", name)
				continue
			}
			mb, _ := terms["missing_bucket"].(bool)
			sources = append(sources, source{name, terms["field"].(string), mb})
		}
	}
	groups := map[string][]evalDoc{}
	keys := map[string][]any{}
	for _, d := range docs {
		k := make([]any, len(sources))
		skip := false
		for i, s := range sources {
			v, ok := d.flat[s.field].(string)
			switch {
			case ok:
				k[i] = v
			case s.missing:
				k[i] = nil
			default:
				skip = true
			}
		}
		if skip {
			continue
		}
		id := fmt.Sprint(k)
		groups[id] = append(groups[id], d)
		keys[id] = k
	}
	ids := make([]string, 0, len(keys))
	for id := range keys {
		ids = append(ids, id)
	}
	cmpKeys := func(a, b []any) int {
		for i := range a {
			if c := compareValues(a[i], b[i]); c != 0 {
				return c
			}
		}
		return 0
	}
	slices.SortFunc(ids, func(a, b string) int { return cmpKeys(keys[a], keys[b]) })
	var after []any
	if am, ok := m["after"].(map[string]any); ok {
		for _, s := range sources {
			after = append(after, am[s.name])
		}
	}
	size, _ := m["size"].(float64)
	buckets := []any{}
	var last map[string]any
	for _, id := range ids {
		if after != nil && cmpKeys(keys[id], after) <= 0 {
			continue
		}
		if len(buckets) == int(size) {
			break
		}
		key := map[string]any{}
		for i, s := range sources {
			key[s.name] = keys[id][i]
		}
		b := map[string]any{"key": key, "doc_count": len(groups[id])}
		for k, v := range e.aggs(sub, groups[id]) {
			b[k] = v
		}
		buckets = append(buckets, b)
		last = key
	}
	out := map[string]any{"buckets": buckets}
	if last != nil {
		out["after_key"] = last
	}
	return out
}

package search_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// An evaluator of what a bucket-level monitor over the alert indices runs,
// written from OpenSearch's and the Alerting plugin's documented behaviour
// (not from monitors.go), over alert documents as the loader indexes them
// (flat dotted keys, internal/alerts):
//
//   - The plugin renders the monitor's search as a mustache template with
//     period_start and period_end in epoch milliseconds before running it
//     (opensearch-project/alerting InputService.collectInputResults;
//     BucketLevelMonitorRunner builds the same searchParams).
//   - range on a date field: gte/lte/gt/lt, "anchor||-60m" date math, the
//     anchor parsed with the query's "format" (epoch_millis); stored
//     dates are strict_date_optional_time (OpenSearch range query and
//     date math docs).
//   - term on keyword is exact (no analysis, case-sensitive); on an
//     array field a document matches when any value does.
//   - composite "terms" sources: one bucket per distinct combination of
//     values, keys ascending; a document without the field is skipped
//     unless missing_bucket is true, when its key is null (OpenSearch
//     composite aggregation docs).
//   - Sub-aggregations: terms (doc_count descending), min/max on a date
//     (value in ms and value_as_string), filter (doc_count), cardinality
//     (exact at these sizes; HyperLogLog++ is exact below its precision
//     threshold, 3000 by default).
//   - The trigger: the plugin adds a bucket selector (BucketSelectorExt)
//     under parent_bucket_path whose buckets_path names resolve in each
//     bucket ("_count" the doc count, "a>_count" a single-bucket
//     sub-aggregation's doc count, "a" a metric's value), and keeps the
//     buckets whose painless condition is true. Conditions here are
//     "params.x OP n" joined by "&&".

type alertDoc map[string]any

func docsOf(t *testing.T, vs ...any) []alertDoc {
	t.Helper()
	var out []alertDoc
	for _, v := range vs {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var d alertDoc
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.UseNumber()
		if err := dec.Decode(&d); err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

func (d alertDoc) values(field string) []any {
	v, ok := d[field]
	if !ok || v == nil {
		return nil
	}
	if a, ok := v.([]any); ok {
		return a
	}
	return []any{v}
}

// renderPeriod substitutes the mustache parameters as the plugin does.
func renderPeriod(t *testing.T, body any, periodEnd time.Time, period time.Duration) map[string]any {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(b), "{{period_end}}", strconv.FormatInt(periodEnd.UnixMilli(), 10))
	s = strings.ReplaceAll(s, "{{period_start}}", strconv.FormatInt(periodEnd.Add(-period).UnixMilli(), 10))
	var out map[string]any
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func evalQuery(t *testing.T, q any, d alertDoc) bool {
	t.Helper()
	m, ok := q.(map[string]any)
	if !ok || len(m) != 1 {
		t.Fatalf("query clause %v: want one key", q)
	}
	for kind, body := range m {
		b := body.(map[string]any)
		switch kind {
		case "match_all":
			return true
		case "bool":
			for occur, cl := range b {
				list, _ := cl.([]any)
				for _, c := range list {
					hit := evalQuery(t, c, d)
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
						t.Fatalf("bool occurrence %q not modelled", occur)
					}
				}
			}
			return true
		case "term":
			for field, spec := range b {
				want := spec
				if sm, ok := spec.(map[string]any); ok {
					want = sm["value"]
					if sm["case_insensitive"] != nil {
						t.Fatalf("case_insensitive term on %s: the alert fields are exact keywords", field)
					}
				}
				for _, v := range d.values(field) {
					if fmt.Sprint(v) == fmt.Sprint(want) {
						return true
					}
				}
				return false
			}
		case "range":
			for field, spec := range b {
				return evalRange(t, field, spec.(map[string]any), d)
			}
		case "exists":
			return len(d.values(b["field"].(string))) > 0
		}
		t.Fatalf("query %q not modelled", kind)
	}
	return false
}

var reDateMath = regexp.MustCompile(`^(\d+)\|\|-(\d+)([smhd])$`)

// bound is a range bound as epoch ms (dates) or a number.
func bound(t *testing.T, v any) float64 {
	t.Helper()
	s := fmt.Sprint(v)
	if m := reDateMath.FindStringSubmatch(s); m != nil {
		anchor, _ := strconv.ParseInt(m[1], 10, 64)
		n, _ := strconv.ParseInt(m[2], 10, 64)
		unit := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour}[m[3]]
		return float64(anchor - n*unit.Milliseconds())
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("range bound %q not modelled", s)
	}
	return f
}

func fieldNumber(v any) (float64, bool) {
	s := fmt.Sprint(v)
	if ts, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return float64(ts.UnixMilli()), true
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

func evalRange(t *testing.T, field string, spec map[string]any, d alertDoc) bool {
	for _, v := range d.values(field) {
		x, ok := fieldNumber(v)
		if !ok {
			continue
		}
		hit := true
		for op, bv := range spec {
			if op == "format" {
				continue
			}
			b := bound(t, bv)
			switch op {
			case "gte":
				hit = hit && x >= b
			case "gt":
				hit = hit && x > b
			case "lte":
				hit = hit && x <= b
			case "lt":
				hit = hit && x < b
			default:
				t.Fatalf("range op %q not modelled", op)
			}
		}
		if hit {
			return true
		}
	}
	return false
}

type evalBucket struct {
	Key   map[string]any
	Docs  []alertDoc
	Value map[string]float64 // sub-aggregation values: "x" metric, "x>_count" filter
	Terms map[string][]string
}

// runBucketMonitor runs the monitor body's search at periodEnd over docs
// and returns the buckets the trigger keeps, by key.
func runBucketMonitor(t *testing.T, body map[string]any, docs []alertDoc, periodEnd time.Time) []evalBucket {
	t.Helper()
	m := renderPeriod(t, body, periodEnd, 5*time.Minute)
	search := m["inputs"].([]any)[0].(map[string]any)["search"].(map[string]any)["query"].(map[string]any)
	var hits []alertDoc
	for _, d := range docs {
		if evalQuery(t, search["query"], d) {
			hits = append(hits, d)
		}
	}
	comp := search["aggregations"].(map[string]any)["composite_agg"].(map[string]any)
	cspec := comp["composite"].(map[string]any)
	byKey := map[string]*evalBucket{}
	var order []string
	for _, d := range hits {
		key := map[string]any{}
		skip := false
		for _, src := range cspec["sources"].([]any) {
			for name, s := range src.(map[string]any) {
				tm := s.(map[string]any)["terms"].(map[string]any)
				vs := d.values(tm["field"].(string))
				switch {
				case len(vs) == 1:
					key[name] = fmt.Sprint(vs[0])
				case len(vs) == 0 && tm["missing_bucket"] == true:
					key[name] = nil
				case len(vs) == 0:
					skip = true
				default:
					t.Fatalf("multi-valued composite source %s: the document would land in several buckets", name)
				}
			}
		}
		if skip {
			continue
		}
		kb, _ := json.Marshal(key)
		b := byKey[string(kb)]
		if b == nil {
			b = &evalBucket{Key: key, Value: map[string]float64{}, Terms: map[string][]string{}}
			byKey[string(kb)] = b
			order = append(order, string(kb))
		}
		b.Docs = append(b.Docs, d)
	}
	sort.Strings(order)
	subs, _ := comp["aggs"].(map[string]any)
	trig := m["triggers"].([]any)[0].(map[string]any)["bucket_level_trigger"].(map[string]any)
	cond := trig["condition"].(map[string]any)
	if cond["parent_bucket_path"] != "composite_agg" {
		t.Fatalf("trigger parent_bucket_path %v", cond["parent_bucket_path"])
	}
	var kept []evalBucket
	for _, k := range order {
		b := byKey[k]
		b.Value["_count"] = float64(len(b.Docs))
		for name, a := range subs {
			for kind, spec := range a.(map[string]any) {
				sp := spec.(map[string]any)
				switch kind {
				case "filter":
					n := 0
					for _, d := range b.Docs {
						if evalQuery(t, sp, d) {
							n++
						}
					}
					b.Value[name+">_count"] = float64(n)
				case "cardinality":
					seen := map[string]bool{}
					for _, d := range b.Docs {
						for _, v := range d.values(sp["field"].(string)) {
							seen[fmt.Sprint(v)] = true
						}
					}
					b.Value[name] = float64(len(seen))
				case "min", "max":
					var best float64
					for i, d := range b.Docs {
						for _, v := range d.values(sp["field"].(string)) {
							x, _ := fieldNumber(v)
							if i == 0 || (kind == "min" && x < best) || (kind == "max" && x > best) {
								best = x
							}
						}
					}
					b.Value[name] = best
				case "terms":
					count := map[string]int{}
					for _, d := range b.Docs {
						for _, v := range d.values(sp["field"].(string)) {
							count[fmt.Sprint(v)]++
						}
					}
					var ks []string
					for k := range count {
						ks = append(ks, k)
					}
					sort.Slice(ks, func(i, j int) bool {
						if count[ks[i]] != count[ks[j]] {
							return count[ks[i]] > count[ks[j]]
						}
						return ks[i] < ks[j]
					})
					b.Terms[name] = ks
				default:
					t.Fatalf("sub-aggregation %q not modelled", kind)
				}
			}
		}
		params := map[string]float64{}
		for p, path := range cond["buckets_path"].(map[string]any) {
			v, ok := b.Value[path.(string)]
			if !ok {
				t.Fatalf("buckets_path %s=%s resolves to nothing in the bucket", p, path)
			}
			params[p] = v
		}
		if condition(t, cond["script"].(map[string]any)["source"].(string), params) {
			kept = append(kept, *b)
		}
	}
	return kept
}

var reCond = regexp.MustCompile(`^params\.(\w+)\s*(>=|>|<=|<|==)\s*(\d+)$`)

func condition(t *testing.T, src string, params map[string]float64) bool {
	t.Helper()
	ok := true
	for _, part := range strings.Split(src, "&&") {
		m := reCond.FindStringSubmatch(strings.TrimSpace(part))
		if m == nil {
			t.Fatalf("condition %q not modelled", src)
		}
		v, found := params[m[1]]
		if !found {
			t.Fatalf("condition %q uses params.%s, which buckets_path does not define", src, m[1])
		}
		n, _ := strconv.ParseFloat(m[3], 64)
		switch m[2] {
		case ">=":
			ok = ok && v >= n
		case ">":
			ok = ok && v > n
		case "<=":
			ok = ok && v <= n
		case "<":
			ok = ok && v < n
		case "==":
			ok = ok && v == n
		}
	}
	return ok
}

package searchtest

// Search evaluation in real-behaviour mode: the hits of a search are
// computed from the stored documents for the query clauses below, with
// OpenSearch's semantics for flat_object fields. Aggregations are not
// computed (tests that need them answer through SetSearch), and a query
// using a clause this evaluator does not know gets the empty answer the
// shapes-only mode gives.
//
// flat_object (OpenSearch 2.x server/src/main/java/org/opensearch/index/
// mapper/FlatObjectFieldMapper.java, FlatObjectFieldType): every leaf of
// the object is indexed as a string, under the object's _value and
// _valueAndPath subfields. FlatObjectFieldType overrides termQuery,
// termsQuery, prefixQuery (case-insensitive too), rangeQuery (string
// order) and existsQuery to use those subfields, so on a subfield path
// ("aws.cloudtrail.request_parameters.bucketName") exact term, terms,
// prefix, range and exists work. It does not override the
// case-insensitive term query or regexpQuery: the inherited versions query
// a Lucene field named after the path, which does not exist, so they match
// nothing, silently. wildcardQuery throws QueryShardException ("Can only
// use wildcard queries on keyword and text fields - not on [f] which is of
// type [flat_object]") before 2.18, which added wildcard support.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
)

// flatRoots lists the flat_object field paths of the stored component and
// index templates' mappings.
func (s *Server) flatRoots() []string {
	seen := map[string]bool{}
	var walk func(prefix string, props map[string]any)
	walk = func(prefix string, props map[string]any) {
		for name, v := range props {
			m, _ := v.(map[string]any)
			if m == nil {
				continue
			}
			if m["type"] == "flat_object" {
				seen[prefix+name] = true
			}
			if sub, ok := m["properties"].(map[string]any); ok {
				walk(prefix+name+".", sub)
			}
		}
	}
	for _, kind := range []string{"component_template", "index_template"} {
		for _, o := range s.objects[kind] {
			var t struct {
				Template struct {
					Mappings struct {
						Properties map[string]any `json:"properties"`
					} `json:"mappings"`
				} `json:"template"`
			}
			if json.Unmarshal(o.body, &t) == nil {
				walk("", t.Template.Mappings.Properties)
			}
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// errUnknownClause: the evaluator does not know a clause.
type errUnknownClause string

func (e errUnknownClause) Error() string { return "searchtest cannot evaluate " + string(e) }

// shardError is a query OpenSearch refuses while building it on a shard.
type shardError struct{ typ, reason string }

func (e *shardError) Error() string { return e.typ + ": " + e.reason }

type evaluator struct {
	flat []string
	// wildcardOnFlat is false before 2.18 (QueryShardException).
	wildcardOnFlat bool
}

// flatField splits a field into its flat_object root and the path inside
// it ("" for the root itself); ok false when no flat_object holds it.
func (ev *evaluator) flatField(field string) (root, sub string, ok bool) {
	for _, r := range ev.flat {
		if field == r {
			return r, "", true
		}
		if strings.HasPrefix(field, r+".") {
			return r, field[len(r)+1:], true
		}
	}
	return "", "", false
}

// values returns the field's values in a document as strings (numbers and
// booleans in their JSON text), arrays flattened. For a flat_object root
// without a sub-path, every leaf value.
func (ev *evaluator) values(doc map[string]any, field string) []string {
	if root, sub, ok := ev.flatField(field); ok {
		v := lookup(doc, root)
		if sub != "" {
			v = lookup(v, sub)
		}
		var out []string
		leaves(v, &out)
		return out
	}
	var out []string
	leaves(lookup(doc, field), &out)
	return out
}

func lookup(v any, path string) any {
	if path == "" {
		return v
	}
	m, ok := v.(map[string]any)
	if !ok {
		if arr, isArr := v.([]any); isArr {
			var out []any
			for _, e := range arr {
				if x := lookup(e, path); x != nil {
					out = append(out, x)
				}
			}
			if out == nil {
				return nil
			}
			return out
		}
		return nil
	}
	if x, ok := m[path]; ok { // a dotted key stored as is
		return x
	}
	head, rest, found := strings.Cut(path, ".")
	for found {
		if x, ok := m[head]; ok {
			return lookup(x, rest)
		}
		var more string
		more, rest, found = strings.Cut(rest, ".")
		head = head + "." + more
	}
	return nil
}

func leaves(v any, out *[]string) {
	switch x := v.(type) {
	case nil:
	case map[string]any:
		for _, c := range x {
			leaves(c, out)
		}
	case []any:
		for _, c := range x {
			leaves(c, out)
		}
	case string:
		*out = append(*out, x)
	case float64:
		b, _ := json.Marshal(x)
		*out = append(*out, string(b))
	default:
		*out = append(*out, fmt.Sprint(x))
	}
}

// single reads a one-key clause body {"field": value-or-object}.
func single(body any) (string, any, error) {
	m, ok := body.(map[string]any)
	if !ok || len(m) != 1 {
		return "", nil, fmt.Errorf("clause body %v is not one field", body)
	}
	for k, v := range m {
		return k, v, nil
	}
	return "", nil, nil
}

// param reads the value of a short ({"f": v}) or long ({"f": {"value": v,
// ...}}) clause, and its options.
func param(v any, key string) (any, map[string]any) {
	if m, ok := v.(map[string]any); ok {
		return m[key], m
	}
	return v, map[string]any{}
}

func (ev *evaluator) match(q map[string]any, doc map[string]any) (bool, error) {
	if len(q) != 1 {
		return false, errUnknownClause(fmt.Sprintf("a query container with %d clauses", len(q)))
	}
	for kind, body := range q {
		switch kind {
		case "match_all":
			return true, nil
		case "match_none":
			return false, nil
		case "bool":
			return ev.boolMatch(body, doc)
		case "term":
			field, v, err := single(body)
			if err != nil {
				return false, err
			}
			val, opts := param(v, "value")
			ci := opts["case_insensitive"] == true
			if _, _, flat := ev.flatField(field); flat && ci {
				return false, nil // termQueryCaseInsensitive is not overridden: no such Lucene field
			}
			want := scalar(val)
			for _, have := range ev.values(doc, field) {
				if have == want || (ci && strings.EqualFold(have, want)) {
					return true, nil
				}
			}
			return false, nil
		case "terms":
			m, ok := body.(map[string]any)
			if !ok {
				return false, errUnknownClause("terms")
			}
			for field, list := range m {
				if field == "boost" {
					continue
				}
				arr, ok := list.([]any)
				if !ok {
					return false, errUnknownClause("terms lookup")
				}
				for _, have := range ev.values(doc, field) {
					for _, w := range arr {
						if have == scalar(w) {
							return true, nil
						}
					}
				}
			}
			return false, nil
		case "prefix":
			field, v, err := single(body)
			if err != nil {
				return false, err
			}
			val, opts := param(v, "value")
			ci := opts["case_insensitive"] == true
			want := scalar(val)
			for _, have := range ev.values(doc, field) {
				if strings.HasPrefix(have, want) || (ci && strings.HasPrefix(strings.ToLower(have), strings.ToLower(want))) {
					return true, nil
				}
			}
			return false, nil
		case "exists":
			m, _ := body.(map[string]any)
			field, _ := m["field"].(string)
			return len(ev.values(doc, field)) > 0, nil
		case "range":
			field, v, err := single(body)
			if err != nil {
				return false, err
			}
			opts, _ := v.(map[string]any)
			for _, have := range ev.values(doc, field) {
				if inRange(have, opts) {
					return true, nil
				}
			}
			return false, nil
		case "wildcard", "regexp":
			field, v, err := single(body)
			if err != nil {
				return false, err
			}
			val, opts := param(v, "value")
			if _, _, flat := ev.flatField(field); flat {
				if kind == "regexp" {
					return false, nil // regexpQuery is not overridden: no such Lucene field
				}
				if !ev.wildcardOnFlat {
					return false, &shardError{"query_shard_exception", "Can only use wildcard queries on keyword and text fields - not on [" + field + "] which is of type [flat_object]"}
				}
			}
			re, err := patternRE(kind, scalar(val), opts["case_insensitive"] == true)
			if err != nil {
				return false, &shardError{"query_shard_exception", err.Error()}
			}
			for _, have := range ev.values(doc, field) {
				if re.MatchString(have) {
					return true, nil
				}
			}
			return false, nil
		case "ids":
			m, _ := body.(map[string]any)
			ids, _ := m["values"].([]any)
			id, _ := doc["\x00id"].(string)
			for _, x := range ids {
				if scalar(x) == id {
					return true, nil
				}
			}
			return false, nil
		default:
			return false, errUnknownClause(kind)
		}
	}
	return false, nil
}

func (ev *evaluator) boolMatch(body any, doc map[string]any) (bool, error) {
	b, ok := body.(map[string]any)
	if !ok {
		return false, errUnknownClause("bool")
	}
	list := func(k string) []map[string]any {
		switch x := b[k].(type) {
		case map[string]any:
			return []map[string]any{x}
		case []any:
			var out []map[string]any
			for _, e := range x {
				if m, ok := e.(map[string]any); ok {
					out = append(out, m)
				}
			}
			return out
		}
		return nil
	}
	for _, k := range []string{"must", "filter"} {
		for _, q := range list(k) {
			ok, err := ev.match(q, doc)
			if err != nil || !ok {
				return false, err
			}
		}
	}
	for _, q := range list("must_not") {
		ok, err := ev.match(q, doc)
		if err != nil || ok {
			return false, err
		}
	}
	should := list("should")
	if len(should) == 0 {
		return true, nil
	}
	min := 1
	if len(list("must"))+len(list("filter")) > 0 {
		min = 0
	}
	if v, ok := b["minimum_should_match"]; ok {
		fmt.Sscan(fmt.Sprint(v), &min)
	}
	n := 0
	for _, q := range should {
		ok, err := ev.match(q, doc)
		if err != nil {
			return false, err
		}
		if ok {
			n++
		}
	}
	return n >= min, nil
}

func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		b, _ := json.Marshal(x)
		return string(b)
	case json.Number:
		return x.String()
	}
	return fmt.Sprint(v)
}

// inRange compares as numbers when both sides are numbers, else as
// strings (keyword and flat_object ranges are TermRangeQuery: byte order).
func inRange(have string, opts map[string]any) bool {
	cmp := func(a, b string) int {
		var x, y float64
		if _, err := fmt.Sscan(a, &x); err == nil {
			if _, err := fmt.Sscan(b, &y); err == nil && !strings.ContainsAny(a+b, "-:T") {
				switch {
				case x < y:
					return -1
				case x > y:
					return 1
				}
				return 0
			}
		}
		return strings.Compare(a, b)
	}
	for op, v := range opts {
		w := scalar(v)
		c := cmp(have, w)
		switch op {
		case "gte":
			if c < 0 {
				return false
			}
		case "gt":
			if c <= 0 {
				return false
			}
		case "lte":
			if c > 0 {
				return false
			}
		case "lt":
			if c >= 0 {
				return false
			}
		}
	}
	return true
}

// patternRE turns a wildcard (* ?) or Lucene regexp into a Go regexp
// anchored on the whole value.
func patternRE(kind, p string, ci bool) (*regexp.Regexp, error) {
	expr := p
	if kind == "wildcard" {
		var b strings.Builder
		for _, r := range p {
			switch r {
			case '*':
				b.WriteString(".*")
			case '?':
				b.WriteString(".")
			default:
				b.WriteString(regexp.QuoteMeta(string(r)))
			}
		}
		expr = b.String()
	}
	if ci {
		expr = "(?i)" + expr
	}
	return regexp.Compile("^(?:" + expr + ")$")
}

// evaluate answers a search over the stored documents; ok false means the
// query holds a clause the evaluator does not know.
func (s *Server) evaluate(w http.ResponseWriter, index string, body []byte) bool {
	var req struct {
		Query map[string]any `json:"query"`
		Size  *int           `json:"size"`
		From  int            `json:"from"`
	}
	if len(body) > 0 && json.Unmarshal(body, &req) != nil {
		return false
	}
	if req.Query == nil {
		req.Query = map[string]any{"match_all": map[string]any{}}
	}
	ev := &evaluator{flat: s.flatRoots(), wildcardOnFlat: !s.versionBefore(2, 18)}
	expr := index
	if expr == "" {
		expr = "*"
	}
	var hits []any
	for _, idx := range s.indicesOf(expr) {
		for _, id := range sortedKeys(s.docs[idx]) {
			var doc map[string]any
			if json.Unmarshal(s.docs[idx][id], &doc) != nil {
				continue
			}
			doc["\x00id"] = id
			ok, err := ev.match(req.Query, doc)
			var se *shardError
			switch {
			case err != nil && asShardError(err, &se):
				cause := map[string]any{"type": se.typ, "reason": se.reason, "index": idx}
				writeJSON(w, 400, map[string]any{"error": map[string]any{"root_cause": []any{cause}, "type": "search_phase_execution_exception",
					"reason": "all shards failed", "phase": "query", "grouped": true,
					"failed_shards": []any{map[string]any{"shard": 0, "index": idx, "reason": cause}}}, "status": 400})
				return true
			case err != nil:
				return false
			}
			if ok {
				delete(doc, "\x00id")
				hits = append(hits, map[string]any{"_index": idx, "_id": id, "_score": 1.0, "_source": doc})
			}
		}
	}
	total := len(hits)
	size := 10
	if req.Size != nil {
		size = *req.Size
	}
	from := min(req.From, len(hits))
	hits = hits[from:]
	if len(hits) > size {
		hits = hits[:size]
	}
	writeJSON(w, 200, map[string]any{"took": 1, "timed_out": false,
		"_shards": map[string]any{"total": 1, "successful": 1, "skipped": 0, "failed": 0},
		"hits":    map[string]any{"total": map[string]any{"value": total, "relation": "eq"}, "max_score": nil, "hits": orEmpty(hits)}})
	return true
}

func asShardError(err error, out **shardError) bool {
	se, ok := err.(*shardError)
	if ok {
		*out = se
	}
	return ok
}

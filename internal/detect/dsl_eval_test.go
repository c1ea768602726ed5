package detect

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// A small evaluator of the query DSL subset the compiler emits, over a
// document's JSON as AppendJSON writes it, with OpenSearch's field-type
// semantics (keyword and flat_object values are text; ASCII-only
// case_insensitive; wildcard and Lucene regexp match whole terms). It is
// written independently of the matcher so that the two can be compared.

type dslDoc map[string]any

func parseDSLDoc(body []byte) (dslDoc, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

// leaves returns the values at a dotted path; arrays fan out at any step.
func (d dslDoc) leaves(path string) []any {
	var out []any
	var walk func(v any, keys []string)
	walk = func(v any, keys []string) {
		if arr, ok := v.([]any); ok {
			for _, e := range arr {
				walk(e, keys)
			}
			return
		}
		if len(keys) == 0 {
			if v != nil {
				out = append(out, v)
			}
			return
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return
		}
		// Try the longest dotted key first (flat keys with dots), then nesting.
		for i := len(keys); i >= 1; i-- {
			if next, ok := obj[strings.Join(keys[:i], ".")]; ok {
				walk(next, keys[i:])
			}
		}
	}
	walk(map[string]any(d), strings.Split(path, "."))
	return out
}

func leafText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false // objects are not values
}

func fieldType(path string) (ecs.FieldType, error) {
	t, ok := ecs.FieldTypeOf(path)
	if !ok {
		return "", fmt.Errorf("query uses undeclared field %q", path)
	}
	return t, nil
}

func foldASCII(s string) string { return string(appendLowerASCII(nil, s)) }

// evalDSL reports whether the query matches the document.
func evalDSL(q any, d dslDoc) (bool, error) {
	m, ok := q.(map[string]any)
	if !ok || len(m) != 1 {
		return false, fmt.Errorf("query must be an object with one key: %v", q)
	}
	for kind, body := range m {
		switch kind {
		case "match_none":
			return false, nil
		case "match_all":
			return true, nil
		case "bool":
			return evalBool(body.(map[string]any), d)
		case "exists":
			p := body.(map[string]any)["field"].(string)
			if _, err := fieldType(p); err != nil {
				return false, err
			}
			return len(d.leaves(p)) > 0, nil
		case "script":
			s := body.(map[string]any)["script"].(map[string]any)
			params := s["params"].(map[string]any)
			for _, a := range d.leaves(params["a"].(string)) {
				for _, b := range d.leaves(params["b"].(string)) {
					at, _ := leafText(a)
					bt, _ := leafText(b)
					if at == bt {
						return true, nil
					}
				}
			}
			return false, nil
		case "term", "prefix", "wildcard", "regexp", "range", "terms":
			return evalLeafQuery(kind, body.(map[string]any), d)
		default:
			return false, fmt.Errorf("query kind %q is outside the emitted subset", kind)
		}
	}
	return false, nil
}

func evalBool(b map[string]any, d dslDoc) (bool, error) {
	for occur, v := range b {
		switch occur {
		case "filter", "must":
			for _, c := range v.([]any) {
				ok, err := evalDSL(c, d)
				if err != nil || !ok {
					return false, err
				}
			}
		case "must_not":
			for _, c := range v.([]any) {
				ok, err := evalDSL(c, d)
				if err != nil || ok {
					return false, err
				}
			}
		case "should":
			if b["minimum_should_match"] != 1 {
				return false, fmt.Errorf("should without minimum_should_match 1")
			}
			hit := false
			for _, c := range v.([]any) {
				ok, err := evalDSL(c, d)
				if err != nil {
					return false, err
				}
				hit = hit || ok
			}
			if !hit {
				return false, nil
			}
		case "minimum_should_match":
		default:
			return false, fmt.Errorf("bool clause %q", occur)
		}
	}
	return true, nil
}

func evalLeafQuery(kind string, body map[string]any, d dslDoc) (bool, error) {
	if len(body) != 1 {
		return false, fmt.Errorf("%s on more than one field", kind)
	}
	for path, spec := range body {
		typ, err := fieldType(path)
		if err != nil {
			return false, err
		}
		leaves := d.leaves(path)
		for _, l := range leaves {
			ok, err := leafMatches(kind, typ, spec, l)
			if err != nil || ok {
				return ok, err
			}
		}
	}
	return false, nil
}

func leafMatches(kind string, typ ecs.FieldType, spec any, leaf any) (bool, error) {
	text, isValue := leafText(leaf)
	if !isValue {
		return false, nil
	}
	switch kind {
	case "range":
		for op, bound := range spec.(map[string]any) {
			var v, b float64
			if typ == ecs.Date {
				t1, err1 := time.Parse(time.RFC3339Nano, text)
				t2, err2 := time.Parse(time.RFC3339Nano, fmt.Sprint(bound))
				if err1 != nil || err2 != nil {
					return false, fmt.Errorf("range on date: %v %v", err1, err2)
				}
				v, b = float64(t1.UnixNano()), float64(t2.UnixNano())
			} else if typ == ecs.Long || typ == ecs.Double {
				var err error
				if v, err = strconv.ParseFloat(text, 64); err != nil {
					return false, nil
				}
				b, _ = strconv.ParseFloat(fmt.Sprint(bound), 64)
			} else {
				return false, fmt.Errorf("range on %s field", typ)
			}
			ok := map[string]bool{"gt": v > b, "gte": v >= b, "lt": v < b, "lte": v <= b}[op]
			if op == "format" {
				continue
			}
			if !ok {
				return false, nil
			}
		}
		return true, nil
	case "terms":
		for _, v := range spec.([]any) {
			if ok, err := leafMatches("term", typ, map[string]any{"value": v}, leaf); err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	}
	s := spec.(map[string]any)
	ci, _ := s["case_insensitive"].(bool)
	want := s["value"]
	if kind != "term" && typ != ecs.Keyword && typ != ecs.FlatObject {
		return false, fmt.Errorf("%s on %s field", kind, typ)
	}
	// flat_object subfields (OpenSearch 2.x FlatObjectFieldMapper /
	// FlatObjectFieldType): exact term and prefix (case-insensitive
	// allowed) work; a case-insensitive term and a regexp fall back to a
	// Lucene field that does not exist and silently match nothing;
	// wildcard throws QueryShardException before 2.18 (the search fails).
	if typ == ecs.FlatObject {
		switch {
		case kind == "term" && ci, kind == "regexp":
			return false, nil
		case kind == "wildcard":
			return false, fmt.Errorf("QueryShardException: wildcard on flat_object field (OpenSearch before 2.18)")
		}
	}
	switch kind {
	case "term":
		switch typ {
		case ecs.Keyword, ecs.FlatObject:
			w, ok := want.(string)
			if !ok {
				return false, fmt.Errorf("term on %s needs a string, got %T", typ, want)
			}
			if ci {
				return foldASCII(text) == foldASCII(w), nil
			}
			return text == w, nil
		case ecs.Long, ecs.Double:
			if ci {
				return false, fmt.Errorf("case_insensitive on %s", typ)
			}
			a, err1 := strconv.ParseFloat(text, 64)
			b, err2 := strconv.ParseFloat(fmt.Sprint(want), 64)
			return err1 == nil && err2 == nil && a == b, nil
		case ecs.Boolean:
			b, ok := want.(bool)
			if !ok || ci {
				return false, fmt.Errorf("term on boolean needs a bool")
			}
			return text == strconv.FormatBool(b), nil
		case ecs.IP:
			a, err := netip.ParseAddr(text)
			if err != nil || ci {
				return false, nil
			}
			w := want.(string)
			if strings.Contains(w, "/") {
				p, err := netip.ParsePrefix(w)
				return err == nil && p.Contains(a.Unmap()), nil
			}
			b, err := netip.ParseAddr(w)
			return err == nil && a.Unmap() == b.Unmap(), nil
		}
		return false, fmt.Errorf("term on %s field", typ)
	case "prefix":
		w := want.(string)
		if ci {
			return strings.HasPrefix(foldASCII(text), foldASCII(w)), nil
		}
		return strings.HasPrefix(text, w), nil
	case "wildcard":
		re, err := wildcardRegexp(want.(string), ci)
		if err != nil {
			return false, err
		}
		if ci {
			text = foldASCII(text)
		}
		return re.MatchString(text), nil
	case "regexp":
		if ci {
			return false, fmt.Errorf("regexp with case_insensitive is not emitted")
		}
		re, err := luceneToGo(want.(string))
		if err != nil {
			return false, err
		}
		return re.MatchString(text), nil
	}
	return false, fmt.Errorf("query kind %s", kind)
}

// wildcardRegexp converts an OpenSearch wildcard pattern to an anchored Go
// regexp; case-insensitive patterns are ASCII-lower-cased (the caller
// lower-cases the value too).
func wildcardRegexp(p string, ci bool) (*regexp.Regexp, error) {
	if ci {
		p = foldASCII(p)
	}
	var b strings.Builder
	b.WriteString(`^(?s)`)
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '\\':
			if i+1 < len(p) {
				i++
				b.WriteString(regexp.QuoteMeta(p[i : i+1]))
			}
		case '*':
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		default:
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
		}
	}
	b.WriteString(`$`)
	return regexp.Compile(b.String())
}

// luceneToGo converts the Lucene regexp subset the compiler emits (escaped
// literals, '.', classes, groups, alternation, repetition) to an anchored
// Go regexp.
func luceneToGo(p string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString(`^(?:`)
	rs := []rune(p)
	inClass := false
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\\' && i+1 < len(rs):
			i++
			fmt.Fprintf(&b, `\x{%x}`, rs[i])
		case inClass:
			if r == ']' {
				inClass = false
				b.WriteRune(r)
			} else if r == '^' || r == '-' {
				b.WriteRune(r)
			} else {
				fmt.Fprintf(&b, `\x{%x}`, r)
			}
		case r == '[':
			inClass = true
			b.WriteRune(r)
		case r == '.':
			b.WriteString(`(?s:.)`)
		case strings.ContainsRune("()|*+?{},0123456789", r) || r >= 0x80 || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z'):
			b.WriteRune(r)
		default:
			return nil, fmt.Errorf("unescaped reserved character %q in Lucene regexp %q", r, p)
		}
	}
	b.WriteString(`)$`)
	return regexp.Compile(b.String())
}

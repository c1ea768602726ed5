package detect

import (
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
	"gopkg.in/yaml.v3"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// detection is a rule's parsed detection block: named selections and the
// condition over them.
type detection struct {
	sels  map[string]*selection
	order []string // selection names in file order
	cond  *cond
	line  int
}

// selection is an OR of branches, each an AND of field matches. A map in
// YAML is one branch; a list of maps is one branch per map.
type selection struct {
	name     string
	line     int
	branches [][]*fieldMatch
}

// mods are the modifiers of one field entry.
type mods struct {
	pos      string // "", contains, startswith, endswith
	all      bool
	re       bool
	reFlags  string // subset of "ims"
	cidr     bool
	exists   bool
	fieldref bool
	expand   bool
	cased    bool
	cmp      string // gt, gte, lt, lte
}

// litKind is the YAML kind of a rule value.
type litKind uint8

const (
	litString litKind = iota
	litInt
	litFloat
	litBool
	litNull
)

// lit is one value as written in the rule.
type lit struct {
	kind litKind
	s    string // text as written (canonical for bools)
	line int
}

// fieldMatch is one "field|modifiers: values" entry.
type fieldMatch struct {
	line int
	key  string // as written, with modifiers
	f    *field
	m    mods
	vals []lit

	// Compiled against the current parameters (compile).
	preds    []pred
	nullOK   bool     // a null value: absence matches
	texts    []lit    // values after |expand, for the query compiler
	exists   bool     // |exists value
	refs     []*field // |fieldref targets, one per value
	disabled bool     // an |expand list resolved to no values: matches nothing
}

var knownModifiers = map[string]bool{
	"contains": true, "startswith": true, "endswith": true, "all": true, "re": true,
	"i": true, "m": true, "s": true, "cidr": true, "exists": true, "fieldref": true,
	"expand": true, "cased": true, "gt": true, "gte": true, "lt": true, "lte": true,
}

// parseDetection reads the detection mapping. errs collects every problem
// with its line; the returned detection is nil when any was found.
func parseDetection(n *yaml.Node, service string, errs *errList) *detection {
	if n.Kind != yaml.MappingNode {
		errs.add(n.Line, "detection must be a mapping of selections and a condition")
		return nil
	}
	det := &detection{sels: map[string]*selection{}, line: n.Line}
	var condNode *yaml.Node
	before := errs.len()
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := k.Value
		switch {
		case name == "condition":
			condNode = v
		case name == "timeframe":
			errs.add(k.Line, "detection.timeframe is not supported: use threshold.window")
		case !selectionName.MatchString(name):
			errs.add(k.Line, "selection name %q must match %s", name, selectionName)
		case det.sels[name] != nil:
			errs.add(k.Line, "selection %q defined twice", name)
		default:
			if s := parseSelection(name, v, service, errs); s != nil {
				det.sels[name] = s
				det.order = append(det.order, name)
			}
		}
	}
	if condNode == nil {
		errs.add(n.Line, "detection has no condition")
		return nil
	}
	if condNode.Kind != yaml.ScalarNode || condNode.Tag != "!!str" {
		errs.add(condNode.Line, "detection.condition must be one string expression")
		return nil
	}
	if len(det.sels) == 0 && errs.len() == before {
		errs.add(n.Line, "detection has no selections")
	}
	if errs.len() > before {
		return nil
	}
	c, used, err := parseCondition(condNode.Value, det.sels)
	if err != nil {
		errs.add(condNode.Line, "condition %q: %v", condNode.Value, err)
		return nil
	}
	for _, name := range det.order {
		if !used[name] {
			errs.add(det.sels[name].line, "selection %q is not used by the condition", name)
		}
	}
	if errs.len() > before {
		return nil
	}
	det.cond = c
	return det
}

var selectionName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func parseSelection(name string, n *yaml.Node, service string, errs *errList) *selection {
	s := &selection{name: name, line: n.Line}
	switch n.Kind {
	case yaml.MappingNode:
		if b := parseBranch(n, service, errs); b != nil {
			s.branches = append(s.branches, b)
		}
	case yaml.SequenceNode:
		if len(n.Content) == 0 {
			errs.add(n.Line, "selection %q is an empty list", name)
			return nil
		}
		for _, item := range n.Content {
			if item.Kind != yaml.MappingNode {
				errs.add(item.Line, "selection %q: keyword (full-text) selections are not supported; use field: value maps", name)
				return nil
			}
			if b := parseBranch(item, service, errs); b != nil {
				s.branches = append(s.branches, b)
			}
		}
	default:
		errs.add(n.Line, "selection %q must be a map of fields or a list of maps", name)
		return nil
	}
	return s
}

func parseBranch(n *yaml.Node, service string, errs *errList) []*fieldMatch {
	if len(n.Content) == 0 {
		errs.add(n.Line, "empty field map")
		return nil
	}
	var out []*fieldMatch
	for i := 0; i+1 < len(n.Content); i += 2 {
		if fm := parseFieldMatch(n.Content[i], n.Content[i+1], service, errs); fm != nil {
			out = append(out, fm)
		}
	}
	// An AND is order-free: test typed ECS fields before fields of the
	// original record, which cost a scan of the record.
	sort.SliceStable(out, func(i, j int) bool { return out[i].f.logTy == "" && out[j].f.logTy != "" })
	return out
}

func parseFieldMatch(k, v *yaml.Node, service string, errs *errList) *fieldMatch {
	fm := &fieldMatch{line: k.Line, key: k.Value}
	parts := strings.Split(k.Value, "|")
	before := errs.len()
	for _, m := range parts[1:] {
		if !knownModifiers[m] {
			errs.add(k.Line, "%s: unknown modifier %q", k.Value, m)
			continue
		}
		switch m {
		case "contains", "startswith", "endswith":
			if fm.m.pos != "" {
				errs.add(k.Line, "%s: modifiers %s and %s exclude each other", k.Value, fm.m.pos, m)
			}
			fm.m.pos = m
		case "all":
			fm.m.all = true
		case "re":
			fm.m.re = true
		case "i", "m", "s":
			if !fm.m.re {
				errs.add(k.Line, "%s: modifier %s only follows re", k.Value, m)
			}
			fm.m.reFlags += m
		case "cidr":
			fm.m.cidr = true
		case "exists":
			fm.m.exists = true
		case "fieldref":
			fm.m.fieldref = true
		case "expand":
			fm.m.expand = true
		case "cased":
			fm.m.cased = true
		default:
			if fm.m.cmp != "" {
				errs.add(k.Line, "%s: more than one comparison modifier", k.Value)
			}
			fm.m.cmp = m
		}
	}
	kinds := 0
	for _, b := range []bool{fm.m.pos != "", fm.m.re, fm.m.cidr, fm.m.exists, fm.m.fieldref, fm.m.cmp != ""} {
		if b {
			kinds++
		}
	}
	if kinds > 1 {
		errs.add(k.Line, "%s: modifiers combine more than one kind of comparison", k.Value)
	}
	if fm.m.cased && (fm.m.re || fm.m.cidr || fm.m.exists || fm.m.fieldref || fm.m.cmp != "") {
		errs.add(k.Line, "%s: cased applies to string comparisons only", k.Value)
	}
	if fm.m.expand && (fm.m.re || fm.m.cidr || fm.m.exists || fm.m.fieldref || fm.m.cmp != "") {
		errs.add(k.Line, "%s: expand applies to string values only", k.Value)
	}
	f, err := resolveField(service, parts[0])
	if err != nil {
		errs.add(k.Line, "%v", err)
	}
	fm.f = f
	switch v.Kind {
	case yaml.ScalarNode:
		fm.vals = []lit{scalarLit(v)}
	case yaml.SequenceNode:
		if len(v.Content) == 0 {
			errs.add(v.Line, "%s: empty value list", k.Value)
		}
		for _, item := range v.Content {
			if item.Kind != yaml.ScalarNode {
				errs.add(item.Line, "%s: values must be scalars", k.Value)
				continue
			}
			fm.vals = append(fm.vals, scalarLit(item))
		}
	default:
		errs.add(v.Line, "%s: value must be a scalar or a list of scalars", k.Value)
	}
	if errs.len() > before {
		return nil
	}
	if err := fm.checkValues(service); err != nil {
		errs.add(k.Line, "%s: %v", k.Value, err)
		return nil
	}
	return fm
}

func scalarLit(n *yaml.Node) lit {
	l := lit{s: n.Value, line: n.Line}
	switch n.Tag {
	case "!!null":
		l.kind = litNull
	case "!!int":
		l.kind = litInt
		if i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64); err == nil {
			l.s = strconv.FormatInt(i, 10)
		}
	case "!!float":
		l.kind = litFloat
	case "!!bool":
		l.kind = litBool
		l.s = strings.ToLower(n.Value)
	default:
		l.kind = litString
	}
	return l
}

// checkValues validates the values against the modifiers and the field type
// (what OpenSearch can query on a field of that type).
func (fm *fieldMatch) checkValues(service string) error {
	m, typ := fm.m, fm.f.typ
	nulls := 0
	for _, v := range fm.vals {
		if v.kind == litNull {
			nulls++
		}
	}
	if nulls > 0 && (m != mods{}) {
		return fmt.Errorf("null (field absent) cannot be combined with modifiers")
	}
	if m.all && len(fm.vals) < 2 {
		return fmt.Errorf("all needs a list of values")
	}
	switch {
	case m.exists:
		if len(fm.vals) != 1 || fm.vals[0].kind != litBool {
			return fmt.Errorf("exists takes one value, true or false")
		}
		return nil
	case m.fieldref:
		if typ == ecs.FlatObject || typ == ecs.Text {
			return fmt.Errorf("fieldref needs a field with doc values; %s is %s", fm.f.path, typ)
		}
		for _, v := range fm.vals {
			if v.kind != litString {
				return fmt.Errorf("fieldref values are field names")
			}
			rf, err := resolveField(service, v.s)
			if err != nil {
				return fmt.Errorf("fieldref: %w", err)
			}
			if rf.typ != typ {
				return fmt.Errorf("fieldref compares %s (%s) with %s (%s): types differ", fm.f.path, typ, rf.path, rf.typ)
			}
			fm.refs = append(fm.refs, rf)
		}
		return nil
	}
	if typ == ecs.Text || typ == ecs.Date || typ == ecs.GeoPoint {
		return fmt.Errorf("field %s is %s: only exists can test it", fm.f.path, typ)
	}
	switch {
	case m.cmp != "":
		if typ != ecs.Long && typ != ecs.Double {
			return fmt.Errorf("%s needs a long or double field; %s is %s (flat_object and keyword values compare as text)", m.cmp, fm.f.path, typ)
		}
		for _, v := range fm.vals {
			if v.kind != litInt && v.kind != litFloat {
				return fmt.Errorf("%s takes numbers, got %q", m.cmp, v.s)
			}
		}
	case m.cidr:
		if typ != ecs.IP {
			return fmt.Errorf("cidr needs an ip field; %s is %s", fm.f.path, typ)
		}
		for _, v := range fm.vals {
			if _, err := netip.ParsePrefix(v.s); err != nil {
				return fmt.Errorf("cidr: %w", err)
			}
		}
	case m.re:
		if typ != ecs.Keyword && typ != ecs.FlatObject {
			return fmt.Errorf("re needs a keyword or flat_object field; %s is %s", fm.f.path, typ)
		}
		for _, v := range fm.vals {
			if _, err := compileRe(v.s, m.reFlags); err != nil {
				return err
			}
		}
	default:
		return fm.checkPlain()
	}
	return nil
}

// checkPlain validates plain and contains/startswith/endswith values.
func (fm *fieldMatch) checkPlain() error {
	m, typ := fm.m, fm.f.typ
	if typ == ecs.Keyword || typ == ecs.FlatObject {
		return nil
	}
	if m.pos != "" || m.expand || m.cased {
		return fmt.Errorf("%s field %s takes plain values only", typ, fm.f.path)
	}
	for _, v := range fm.vals {
		if v.kind == litNull {
			continue
		}
		switch typ {
		case ecs.Long, ecs.Double:
			if v.kind != litInt && v.kind != litFloat {
				return fmt.Errorf("%s field %s takes numbers, got %q", typ, fm.f.path, v.s)
			}
		case ecs.Boolean:
			if v.kind != litBool {
				return fmt.Errorf("boolean field %s takes true or false, got %q", fm.f.path, v.s)
			}
		case ecs.IP:
			if _, err := netip.ParseAddr(v.s); err != nil {
				return fmt.Errorf("ip field %s takes addresses (use |cidr for ranges): %w", fm.f.path, err)
			}
		default:
			return fmt.Errorf("field %s has type %s, which rules cannot match", fm.f.path, typ)
		}
	}
	return nil
}

func compileRe(src, flags string) (*regexp.Regexp, error) {
	if flags != "" {
		src = "(?" + flags + ")" + src
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, fmt.Errorf("re: %w", err)
	}
	if _, err := luceneRegexp(src); err != nil {
		return nil, fmt.Errorf("re %q cannot be expressed as an OpenSearch regexp: %w", src, err)
	}
	return re, nil
}

// compile builds the value predicates with the given parameter values.
func (fm *fieldMatch) compile(params map[string][]string) error {
	fm.preds, fm.texts, fm.nullOK, fm.disabled = nil, nil, false, false
	m := fm.m
	switch {
	case m.exists:
		fm.exists = fm.vals[0].s == "true"
		return nil
	case m.fieldref:
		return nil
	}
	vals := fm.vals
	if m.expand {
		var err error
		if vals, err = expandValues(vals, params); err != nil {
			return err
		}
		if len(vals) == 0 {
			fm.disabled = true
			return nil
		}
	}
	fm.texts = vals
	for _, v := range vals {
		if v.kind == litNull {
			fm.nullOK = true
			continue
		}
		p, err := fm.compileValue(v)
		if err != nil {
			return err
		}
		fm.preds = append(fm.preds, p)
	}
	return nil
}

func (fm *fieldMatch) compileValue(v lit) (pred, error) {
	m, typ := fm.m, fm.f.typ
	switch {
	case m.cmp != "":
		n, _ := strconv.ParseFloat(v.s, 64)
		return cmpPred{op: m.cmp, n: n}, nil
	case m.cidr:
		p, _ := netip.ParsePrefix(v.s)
		return cidrPred{p: p.Masked()}, nil
	case m.re:
		re, err := compileRe(v.s, m.reFlags)
		if err != nil {
			return nil, err
		}
		return newRePred(re), nil
	}
	switch typ {
	case ecs.Long, ecs.Double:
		n, _ := strconv.ParseFloat(v.s, 64)
		return numEqPred{n: n}, nil
	case ecs.Boolean:
		return boolPred{b: v.s == "true"}, nil
	case ecs.IP:
		a, _ := netip.ParseAddr(v.s)
		return ipEqPred{a: a.Unmap()}, nil
	}
	return newStrPred(fm.pattern(v), !m.cased), nil
}

// pattern is the wildcard pattern of a string value after the position
// modifier.
func (fm *fieldMatch) pattern(v lit) []globTok {
	toks := parseSigmaString(v.s)
	star := globTok{kind: '*'}
	if fm.m.pos == "contains" || fm.m.pos == "endswith" {
		if len(toks) == 0 || toks[0].kind != '*' {
			toks = append([]globTok{star}, toks...)
		}
	}
	if fm.m.pos == "contains" || fm.m.pos == "startswith" {
		if len(toks) == 0 || toks[len(toks)-1].kind != '*' {
			toks = append(toks, star)
		}
	}
	return toks
}

var placeholder = regexp.MustCompile(`%([A-Za-z0-9_]+)%`)

// expandValues replaces %name% placeholders by every value of the parameter
// (the cartesian product when a value holds several).
func expandValues(vals []lit, params map[string][]string) ([]lit, error) {
	var out []lit
	for _, v := range vals {
		if v.kind != litString {
			out = append(out, v)
			continue
		}
		cur := []string{v.s}
		for _, m := range placeholder.FindAllStringSubmatch(v.s, -1) {
			pv, ok := params[m[1]]
			if !ok {
				return nil, fmt.Errorf("expand: parameter %q is not declared under parameters", m[1])
			}
			var next []string
			for _, c := range cur {
				for _, p := range pv {
					next = append(next, strings.Replace(c, m[0], p, 1))
				}
			}
			cur = next
		}
		for _, c := range cur {
			out = append(out, lit{kind: litString, s: c, line: v.line})
		}
	}
	return out, nil
}

// placeholders lists the parameter names a field entry's values reference.
func (fm *fieldMatch) placeholders() []string {
	if !fm.m.expand {
		return nil
	}
	var out []string
	for _, v := range fm.vals {
		for _, m := range placeholder.FindAllStringSubmatch(v.s, -1) {
			out = append(out, m[1])
		}
	}
	return out
}

// eval reports whether the document satisfies the entry. buf is scratch.
func (fm *fieldMatch) eval(e *evalDoc, s *scratch) bool {
	if fm.disabled {
		return false
	}
	vals := fm.f.get(e, s.a[:0])
	s.a = vals
	switch {
	case fm.m.exists:
		return (len(vals) > 0) == fm.exists
	case fm.m.fieldref:
		for _, rf := range fm.refs {
			refs := rf.get(e, s.b[:0])
			s.b = refs
			for _, v := range vals {
				for _, r := range refs {
					if valueText(v) == valueText(r) {
						return true
					}
				}
			}
		}
		return false
	}
	if len(vals) == 0 {
		return fm.nullOK
	}
	if fm.m.all {
		for _, p := range fm.preds {
			if !s.anyValue(p, vals) {
				return false
			}
		}
		return true
	}
	for _, p := range fm.preds {
		if s.anyValue(p, vals) {
			return true
		}
	}
	return false
}

func (s *scratch) anyValue(p pred, vals []gjson.Result) bool {
	rp, _ := p.(*rePred)
	for _, v := range vals {
		if rp != nil {
			if s.reMatch(rp, valueText(v)) {
				return true
			}
		} else if p.match(v) {
			return true
		}
	}
	return false
}

// scratch holds reusable value buffers for one matcher, and the results
// of its regular expressions on the values they saw last (field values
// such as ARNs repeat from event to event; a search costs far more than a
// map lookup).
type scratch struct {
	a, b []gjson.Result
	re   map[*rePred]map[string]bool
}

// reCacheSize bounds the results kept per regular expression.
const reCacheSize = 4096

func (s *scratch) reMatch(p *rePred, text string) bool {
	if p.lits != nil {
		return p.matchString(text) // a string search: nothing to save
	}
	c := s.re[p]
	if c == nil {
		if s.re == nil {
			s.re = map[*rePred]map[string]bool{}
		}
		c = map[string]bool{}
		s.re[p] = c
	}
	if ok, seen := c[text]; seen {
		return ok
	}
	ok := p.matchString(text)
	if len(c) >= reCacheSize {
		clear(c)
	}
	c[strings.Clone(text)] = ok
	return ok
}

func (s *selection) eval(e *evalDoc, sc *scratch) bool {
	for _, br := range s.branches {
		ok := true
		for _, fm := range br {
			if !fm.eval(e, sc) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// fieldMatches returns every field entry of the detection, in a stable order.
func (d *detection) fieldMatches() []*fieldMatch {
	var out []*fieldMatch
	names := append([]string(nil), d.order...)
	sort.Strings(names)
	for _, n := range names {
		for _, br := range d.sels[n].branches {
			out = append(out, br...)
		}
	}
	return out
}

package detect

import (
	"errors"
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
	cmp      string   // gt, gte, lt, lte
	neq      bool     // the field differs from every value
	enc      []string // windash, utf16*, base64, base64offset, in order
	timePart string   // minute, hour, day, week, month, year of a date
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
	ends     []int    // preds[ends[i-1]:ends[i]] come from value i (after encodings)
	nullOK   bool     // a null value: absence matches
	texts    []lit    // values after |expand, for the query compiler
	exists   bool     // |exists value
	refs     []*field // |fieldref targets, one per value
	disabled bool     // an |expand list resolved to no values: matches nothing
}

// knownModifiers is the modifier set of the Sigma specification
// (sigma-appendix-modifiers.md v2.1.0): generic, string, encoding,
// numeric, time, ip and specific modifiers.
var knownModifiers = map[string]bool{
	"contains": true, "startswith": true, "endswith": true, "all": true, "exists": true, "cased": true, "neq": true,
	"re": true, "i": true, "m": true, "s": true, "windash": true,
	"base64": true, "base64offset": true, "utf16le": true, "utf16be": true, "utf16": true,
	"gt": true, "gte": true, "lt": true, "lte": true,
	"minute": true, "hour": true, "day": true, "week": true, "month": true, "year": true,
	"cidr": true, "expand": true, "fieldref": true,
}

// modifierAliases: "wide: an alias for the utf16le modifier" (Encoding).
var modifierAliases = map[string]string{"wide": "utf16le"}

// parseDetection reads the detection mapping. errs collects every problem
// with its line; the returned detection is nil when any was found.
func parseDetection(n *yaml.Node, service string, errs *errList, mode loadMode) *detection {
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
			errs.addKind(Unsupported, k.Line, "detection.timeframe %q (Sigma 1 aggregation window) is not supported: use threshold.window", v.Value)
		case !selectionName.MatchString(name):
			errs.add(k.Line, "selection name %q must match %s", name, selectionName)
		case det.sels[name] != nil:
			errs.add(k.Line, "selection %q defined twice", name)
		default:
			if s := parseSelection(name, v, service, errs, mode); s != nil {
				det.sels[name] = s
				det.order = append(det.order, name)
			}
		}
	}
	if condNode == nil {
		errs.add(n.Line, "detection has no condition")
		return nil
	}
	// The condition may be a list of expressions, linked with OR
	// ("Condition").
	var srcs []*yaml.Node
	switch {
	case condNode.Kind == yaml.ScalarNode && condNode.Tag == "!!str":
		srcs = []*yaml.Node{condNode}
	case condNode.Kind == yaml.SequenceNode && len(condNode.Content) > 0:
		for _, item := range condNode.Content {
			if item.Kind != yaml.ScalarNode || item.Tag != "!!str" {
				errs.add(item.Line, "detection.condition list items must be string expressions")
				return nil
			}
		}
		srcs = condNode.Content
	default:
		errs.add(condNode.Line, "detection.condition must be a string expression or a list of them")
		return nil
	}
	if len(det.sels) == 0 && errs.len() == before {
		errs.add(n.Line, "detection has no selections")
	}
	if errs.len() > before {
		return nil
	}
	var conds []*cond
	used := map[string]bool{}
	for _, src := range srcs {
		c, u, err := parseCondition(src.Value, det.sels)
		if err != nil {
			kind := Invalid
			if errors.Is(err, errAggregation) {
				kind = Unsupported
			}
			errs.addKind(kind, src.Line, "condition %q: %v", src.Value, err)
			return nil
		}
		conds = append(conds, c)
		for k := range u {
			used[k] = true
		}
	}
	c := conds[0]
	if len(conds) > 1 {
		c = &cond{op: opOr, kids: conds}
	}
	// Sigma lets a selection go unused; in the built-in catalog it is a
	// mistake.
	for _, name := range det.order {
		if mode.house && !used[name] {
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

func parseSelection(name string, n *yaml.Node, service string, errs *errList, mode loadMode) *selection {
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
		// A list of strings is a keyword search over the whole event; a
		// list of maps is one branch per map ("Lists", "Keywords search").
		var words []*yaml.Node
		for _, item := range n.Content {
			switch item.Kind {
			case yaml.MappingNode:
				if b := parseBranch(item, service, errs); b != nil {
					s.branches = append(s.branches, b)
				}
			case yaml.ScalarNode:
				words = append(words, item)
			default:
				errs.add(item.Line, "selection %q: list items must be maps or strings", name)
				return nil
			}
		}
		if len(words) > 0 {
			if mode.house {
				errs.add(words[0].Line, "selection %q: keyword (full-text) selections are not used by the built-in catalog; use field: value maps", name)
				return nil
			}
			list := &yaml.Node{Kind: yaml.SequenceNode, Line: words[0].Line, Content: words}
			key := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Line: words[0].Line}
			if fm := parseFieldMatch(key, list, service, errs); fm != nil {
				s.branches = append(s.branches, []*fieldMatch{fm})
			}
		}
	default:
		errs.add(n.Line, "selection %q must be a map of fields or a list of maps or strings", name)
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
	// original record, which cost a scan of the record, and keyword
	// searches, which read all of it, last.
	sort.SliceStable(out, func(i, j int) bool { return out[i].f.cost() < out[j].f.cost() })
	return out
}

// cost ranks fields by what reading them costs.
func (f *field) cost() int {
	switch {
	case f.path == "":
		return 2 // keyword search: every string of the record
	case f.logTy != "":
		return 1
	}
	return 0
}

// parseModifiers reads the modifiers of a field entry ("Value Modifiers",
// sigma-appendix-modifiers.md). Encodings apply in the order written.
func parseModifiers(fm *fieldMatch, k *yaml.Node, names []string, errs *errList) {
	for _, m := range names {
		if alias, ok := modifierAliases[m]; ok {
			m = alias
		}
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
		case "neq":
			fm.m.neq = true
		case "base64", "base64offset", "utf16le", "utf16be", "utf16", "windash":
			fm.m.enc = append(fm.m.enc, m)
		case "minute", "hour", "day", "week", "month", "year":
			if fm.m.timePart != "" {
				errs.add(k.Line, "%s: more than one time modifier", k.Value)
			}
			fm.m.timePart = m
		default:
			if fm.m.cmp != "" {
				errs.add(k.Line, "%s: more than one comparison modifier", k.Value)
			}
			fm.m.cmp = m
		}
	}
	m := fm.m
	kinds := 0
	for _, b := range []bool{m.pos != "", m.re, m.cidr, m.exists, m.fieldref, m.cmp != ""} {
		if b {
			kinds++
		}
	}
	if kinds > 1 {
		errs.add(k.Line, "%s: modifiers combine more than one kind of comparison", k.Value)
	}
	other := m.re || m.cidr || m.exists || m.fieldref || m.cmp != "" || m.timePart != ""
	if m.cased && other {
		errs.add(k.Line, "%s: cased applies to string comparisons only", k.Value)
	}
	if m.expand && other {
		errs.add(k.Line, "%s: expand applies to string values only", k.Value)
	}
	if len(m.enc) > 0 && other {
		errs.add(k.Line, "%s: %s applies to string values only", k.Value, strings.Join(m.enc, "|"))
	}
	if m.neq && (m.exists || m.re || m.cidr || m.cmp != "") {
		errs.add(k.Line, "%s: neq applies to plain string or number values and to fieldref", k.Value)
	}
	if m.timePart != "" && (m.pos != "" || m.re || m.cidr || m.exists || m.fieldref) {
		errs.add(k.Line, "%s: %s takes a number, compared as is or with lt/lte/gt/gte", k.Value, m.timePart)
	}
}

func parseFieldMatch(k, v *yaml.Node, service string, errs *errList) *fieldMatch {
	fm := &fieldMatch{line: k.Line, key: k.Value}
	parts := strings.Split(k.Value, "|")
	before := errs.len()
	parseModifiers(fm, k, parts[1:], errs)
	var f *field
	if parts[0] == "" {
		// A keyword search ("Keywords search"), written as a list or as
		// '|all': [...]: each value is looked for anywhere in the event.
		f = keywordField()
		if fm.m.pos == "" && !fm.m.re {
			fm.m.pos = "contains"
		}
		if fm.m.exists || fm.m.fieldref || fm.m.cidr || fm.m.cmp != "" || fm.m.timePart != "" || fm.m.neq {
			errs.add(k.Line, "%s: keyword searches take string values", k.Value)
		}
	} else {
		var err error
		f, err = resolveField(service, parts[0])
		if err != nil {
			kind := Invalid
			if errors.Is(err, errUnknownField) {
				kind = UnknownField
			}
			errs.addKind(kind, k.Line, "%v", err)
		}
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
		kind := Invalid
		if errors.Is(err, errUnknownField) {
			kind = UnknownField
		}
		errs.addKind(kind, k.Line, "%s: %v", k.Value, err)
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

// none reports whether no modifier is given.
func (m *mods) none() bool {
	return m.pos == "" && !m.all && !m.re && !m.cidr && !m.exists && !m.fieldref && !m.expand && !m.cased &&
		m.cmp == "" && !m.neq && len(m.enc) == 0 && m.timePart == ""
}

// textual reports whether values of a field of type t are text.
func textual(t ecs.FieldType) bool { return t == ecs.Keyword || t == ecs.FlatObject }

// checkValues validates the values against the modifiers and the field
// type. Matching runs in process on the original values, so a modifier
// applies wherever the specification allows it: numeric comparisons on
// keyword and flat_object values that hold numbers, cidr on a keyword
// holding an address (CloudTrail sourceIPAddress), fieldref between a
// keyword and a flat_object value.
func (fm *fieldMatch) checkValues(service string) error {
	m, typ := fm.m, fm.f.typ
	nulls := 0
	for _, v := range fm.vals {
		if v.kind == litNull {
			nulls++
		}
	}
	if nulls > 0 && !m.none() {
		return fmt.Errorf("null (field absent) cannot be combined with modifiers")
	}
	if m.all && len(fm.vals) < 2 {
		// "Single item values are not allowed to have an all modifier".
		return fmt.Errorf("all needs a list of values")
	}
	switch {
	case m.exists:
		if len(fm.vals) != 1 || fm.vals[0].kind != litBool {
			return fmt.Errorf("exists takes one value, true or false")
		}
		return nil
	case m.fieldref:
		if typ == ecs.Text {
			return fmt.Errorf("fieldref needs a field with comparable values; %s is %s", fm.f.path, typ)
		}
		for _, v := range fm.vals {
			if v.kind != litString {
				return fmt.Errorf("fieldref values are field names")
			}
			rf, err := resolveField(service, v.s)
			if err != nil {
				return fmt.Errorf("fieldref: %w", err)
			}
			if rf.typ != typ && !(textual(rf.typ) && textual(typ)) {
				return fmt.Errorf("fieldref compares %s (%s) with %s (%s): types differ", fm.f.path, typ, rf.path, rf.typ)
			}
			fm.refs = append(fm.refs, rf)
		}
		return nil
	case m.timePart != "":
		if typ != ecs.Date && !textual(typ) {
			return fmt.Errorf("%s needs a date field; %s is %s", m.timePart, fm.f.path, typ)
		}
		for _, v := range fm.vals {
			if v.kind != litInt {
				return fmt.Errorf("%s takes whole numbers, got %q", m.timePart, v.s)
			}
		}
		return nil
	}
	if typ == ecs.Text || typ == ecs.Date || typ == ecs.GeoPoint {
		return fmt.Errorf("field %s is %s: only exists (or a time modifier) can test it", fm.f.path, typ)
	}
	switch {
	case m.cmp != "":
		if typ != ecs.Long && typ != ecs.Double && !textual(typ) {
			return fmt.Errorf("%s needs a numeric field; %s is %s", m.cmp, fm.f.path, typ)
		}
		for _, v := range fm.vals {
			if v.kind != litInt && v.kind != litFloat {
				return fmt.Errorf("%s takes numbers, got %q", m.cmp, v.s)
			}
		}
	case m.cidr:
		if typ != ecs.IP && !textual(typ) {
			return fmt.Errorf("cidr needs an ip field; %s is %s", fm.f.path, typ)
		}
		for _, v := range fm.vals {
			if _, err := netip.ParsePrefix(v.s); err != nil {
				return fmt.Errorf("cidr: %w", err)
			}
		}
	case m.re:
		if !textual(typ) {
			return fmt.Errorf("re needs a keyword or flat_object field; %s is %s", fm.f.path, typ)
		}
		// Compiled once, by compile, which reports a bad expression.
	default:
		if err := fm.checkPlain(); err != nil {
			return err
		}
		for _, v := range fm.vals {
			if _, err := encode(v, m.enc); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkPlain validates plain and contains/startswith/endswith values.
func (fm *fieldMatch) checkPlain() error {
	m, typ := fm.m, fm.f.typ
	if textual(typ) {
		return nil
	}
	if m.pos != "" || m.expand || m.cased || len(m.enc) > 0 {
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
	return re, nil
}

// compile builds the value predicates with the given parameter values.
func (fm *fieldMatch) compile(params map[string][]string) error {
	fm.preds, fm.ends, fm.texts, fm.nullOK, fm.disabled = nil, nil, nil, false, false
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
	for _, v := range vals {
		if v.kind == litNull {
			fm.nullOK = true
			fm.texts = append(fm.texts, v)
			continue
		}
		// A value may expand into several (windash, base64offset): they
		// are one group, linked with OR even under |all.
		variants, err := encode(v, m.enc)
		if err != nil {
			return err
		}
		for _, e := range variants {
			p, err := fm.compileValue(e)
			if err != nil {
				return err
			}
			fm.preds = append(fm.preds, p)
			fm.texts = append(fm.texts, e)
		}
		fm.ends = append(fm.ends, len(fm.preds))
	}
	return nil
}

func (fm *fieldMatch) compileValue(v lit) (pred, error) {
	m, typ := fm.m, fm.f.typ
	switch {
	case m.cmp != "":
		n, _ := strconv.ParseFloat(v.s, 64)
		return cmpPred{op: m.cmp, n: n}, nil
	case m.timePart != "":
		n, _ := strconv.ParseFloat(v.s, 64)
		return numEqPred{n: n}, nil
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

// phPart is a piece of an |expand value: literal text, or a placeholder
// name.
type phPart struct {
	text string
	name bool
}

// splitPlaceholders cuts an |expand value into literal text and %name%
// placeholders. "A plain percent character can be used by escaping it
// with a backslash" (sigma-rules-specification.md, "Placeholders"): \%
// is a literal %.
func splitPlaceholders(s string) []phPart {
	var out []phPart
	var lit strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == '%':
			lit.WriteByte('%')
			i++
		case s[i] == '%':
			j := i + 1
			for j < len(s) && (s[j] == '_' || ('a' <= s[j] && s[j] <= 'z') || ('A' <= s[j] && s[j] <= 'Z') || ('0' <= s[j] && s[j] <= '9')) {
				j++
			}
			if j < len(s) && s[j] == '%' && j > i+1 {
				if lit.Len() > 0 {
					out = append(out, phPart{text: lit.String()})
					lit.Reset()
				}
				out = append(out, phPart{text: s[i+1 : j], name: true})
				i = j
				continue
			}
			lit.WriteByte('%')
		default:
			lit.WriteByte(s[i])
		}
	}
	if lit.Len() > 0 {
		out = append(out, phPart{text: lit.String()})
	}
	return out
}

// expandValues replaces %name% placeholders by every value of the parameter
// (the cartesian product when a value holds several).
func expandValues(vals []lit, params map[string][]string) ([]lit, error) {
	var out []lit
	for _, v := range vals {
		if v.kind != litString {
			out = append(out, v)
			continue
		}
		cur := []string{""}
		for _, p := range splitPlaceholders(v.s) {
			alts := []string{p.text}
			if p.name {
				pv, ok := params[p.text]
				if !ok {
					return nil, fmt.Errorf("expand: parameter %q is not declared under parameters", p.text)
				}
				alts = pv
			}
			next := make([]string, 0, len(cur)*len(alts))
			for _, c := range cur {
				for _, a := range alts {
					next = append(next, c+a)
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
		for _, p := range splitPlaceholders(v.s) {
			if p.name {
				out = append(out, p.text)
			}
		}
	}
	return out
}

// eval reports whether the document satisfies the entry. buf is scratch.
func (fm *fieldMatch) eval(e *evalDoc, s *scratch) bool {
	if fm.disabled {
		return false
	}
	if fm.m.exists && fm.f.has != nil {
		return fm.f.has(e) == fm.exists
	}
	vals := fm.f.get(e, s.a[:0])
	s.a = vals
	switch {
	case fm.m.exists:
		return (len(vals) > 0) == fm.exists
	case fm.m.fieldref:
		return fm.equalsRef(e, s, vals) != fm.m.neq
	}
	if fm.m.timePart != "" {
		vals = timeParts(vals, fm.m.timePart)
		s.a = vals
	}
	if fm.m.neq {
		// "The field is different from the specified values": absent
		// fields differ from every value.
		return !fm.any(s, vals)
	}
	if len(vals) == 0 {
		return fm.nullOK
	}
	if fm.m.all {
		lo := 0
		for _, hi := range fm.ends {
			ok := false
			for _, p := range fm.preds[lo:hi] {
				if s.anyValue(p, vals) {
					ok = true
					break
				}
			}
			if !ok {
				return false
			}
			lo = hi
		}
		return true
	}
	return fm.any(s, vals)
}

func (fm *fieldMatch) any(s *scratch, vals []gjson.Result) bool {
	for _, p := range fm.preds {
		if s.anyValue(p, vals) {
			return true
		}
	}
	return false
}

// equalsRef reports whether a value of the field equals a value of a
// referenced field ("fieldref": compare fields of the event at matching
// time). Values compare as text, exactly: a keyword and a flat_object
// value holding the same user name are equal.
func (fm *fieldMatch) equalsRef(e *evalDoc, s *scratch, vals []gjson.Result) bool {
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
		if v.Type == gjson.JSON && strings.IndexByte(v.Raw, '\\') >= 0 {
			// A string test on a whole object (requestParameters|contains)
			// reads its text as written, and also with the escapes of
			// embedded JSON documents undone: CloudTrail records policy
			// documents as JSON strings inside requestParameters, where a
			// rule's '"Effect":"Allow"' appears as \"Effect\":\"Allow\".
			text := unescapeJSONText(v.Raw)
			if rp != nil {
				if rp.matchString(text) {
					return true
				}
			} else if sp, ok := p.(*strPred); ok && sp.matchString(text) {
				return true
			}
		}
	}
	return false
}

// unescapeJSONText undoes one level of JSON string escaping over a whole
// JSON text: \" becomes ", \\ becomes \, \/ becomes /.
func unescapeJSONText(raw string) string {
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); i++ {
		if raw[i] == '\\' && i+1 < len(raw) && strings.IndexByte(`"\\/`, raw[i+1]) >= 0 {
			i++
		}
		b.WriteByte(raw[i])
	}
	return b.String()
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
	p.plan()
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

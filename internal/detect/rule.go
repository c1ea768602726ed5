// Package detect is orgsiem's detection engine: the rule model (Sigma
// rules, one YAML file per rule, plus the house extensions threshold,
// parameters, report, severity and inline tests), the embedded catalog, an
// in-process matcher over ecs.Document, and a compiler to the OpenSearch
// query DSL for ad hoc search.
//
// Rules are loaded with Load, LoadDir or Builtin (load.go); field mapping
// and access are described in fields.go, value semantics in value.go,
// matching and threshold windows in matcher.go, and the DSL in query.go.
package detect

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// Rule is one loaded and validated detection rule. Exported fields are the
// rule's metadata as written; they must not be modified (use
// Catalog.SetParameter for parameters).
type Rule struct {
	ID          string
	Title       string
	Name        string // Sigma "name": a unique human-readable alternative id
	Status      string // stable, test, experimental, deprecated, unsupported
	Description string
	References  []string
	Related     []Related // Sigma "related": rules this one derives from, obsoletes ...
	Fields      []string  // Sigma "fields": fields worth showing an analyst
	// Attribution. Sigma-derived rules (DRL 1.1) require the author to be
	// shown wherever a match is shown: every Alert carries these three.
	Author  string
	License string
	Source  string

	Tags           []string
	Product        string
	Service        string // log type name, or "pipeline" for every type
	Level          string // informational, low, medium, high, critical
	Severity       int    // 1 (highest) .. 5
	FalsePositives []string
	Report         string // pci-01 .. pci-10, or ""
	Date, Modified string

	// Parameters holds the current values of the declared parameters
	// (defaults from the file, replaced by Catalog.SetParameter).
	Parameters map[string][]string
	Threshold  *Threshold
	// Tests are the inline tests. The built-in catalog leaves them
	// unparsed until Catalog.LoadTests (RunTests calls it).
	Tests []Test

	File string // path of the rule file inside the loaded file system
	Line int    // line of the id key

	testsFS     fs.FS // holds testsPath, whose tests block is not parsed yet
	testsPath   string
	testsLoaded bool

	det *detection
	// req is the equality constraint every match satisfies, for the
	// matcher's candidate index.
	req requirement
}

// Threshold makes a rule fire on a number of matching events per group
// within a time window instead of on each event.
type Threshold struct {
	Count    int           // fire when >= Count events (or distinct values)
	Distinct string        // optional: count distinct values of this field
	GroupBy  []string      // fields whose values form a group (rule field names)
	Window   time.Duration // length of the sliding window, by event time

	distinct *field
	groupBy  []*field
}

// Test is one inline test of a rule.
type Test struct {
	Name   string
	Match  bool
	Events []json.RawMessage // one for event:, several for events:
	Corpus string            // path under the corpus directory, '#N' = record N
	Type   string            // log type to normalize the events as; default: the rule's service
	Line   int
}

// Levels and their default severities.
var levelSeverity = map[string]int{
	"critical": 1, "high": 2, "medium": 3, "low": 4, "informational": 5,
}

// Guidelines are the PCI-DSS report lines a rule can feed, in report order.
var Guidelines = []string{
	"pci-01", "pci-02", "pci-03", "pci-04", "pci-05",
	"pci-06", "pci-07", "pci-08", "pci-09", "pci-10",
}

// ServicePipeline is the logsource service of rules over documents of every
// log type (pipeline health: error documents and the like).
const ServicePipeline = "pipeline"

const serviceCloudTrail = "cloudtrail"

// knownService reports whether s is a log type with a schema, or pipeline.
func knownService(s string) bool {
	if s == ServicePipeline {
		return true
	}
	for _, t := range ecs.LogTypes() {
		if t == s {
			return true
		}
	}
	return false
}

// IsThreshold reports whether the rule fires on counts rather than events.
func (r *Rule) IsThreshold() bool { return r.Threshold != nil }

// Index is the index pattern holding the rule's documents.
func (r *Rule) Index() string {
	if r.Service == ServicePipeline {
		return "log-aws-*"
	}
	return "log-aws-" + r.Service + "-*"
}

// DocumentPath maps a field name as written in this rule to the document
// path it is matched and queried on.
func (r *Rule) DocumentPath(name string) (string, error) {
	f, err := resolveField(r.Service, name)
	if err != nil {
		return "", err
	}
	return f.path, nil
}

// compile (re)builds the value predicates from the current parameters.
func (r *Rule) compile() error {
	for _, fm := range r.det.fieldMatches() {
		if err := fm.compile(r.Parameters); err != nil {
			return &lineError{line: fm.line, err: fmt.Errorf("%s: %w", fm.key, err)}
		}
	}
	r.req = r.det.cond.requirement()
	// Detection runs in process only; the query DSL (query.go) is for ad
	// hoc search and is not required to express every rule.
	return nil
}

// NoDSL names the first construct of the rule that the query DSL compiler
// (query.go) does not express faithfully, or returns "" when its query
// matches what the matcher matches. Detection never depends on the DSL;
// this only tells ad hoc search users which queries to distrust.
func (r *Rule) NoDSL() string {
	for _, fm := range r.det.fieldMatches() {
		m, typ := fm.m, fm.f.typ
		switch {
		case fm.f.path == "":
			return fm.key + " (a keyword search)"
		case m.neq:
			return fm.key + " (neq)"
		case m.timePart != "":
			return fm.key + " (" + m.timePart + ")"
		case m.all && len(m.enc) > 0:
			return fm.key + " (all over encoded variants)"
		case m.fieldref && (typ == ecs.FlatObject || fm.refsFlat()):
			return fm.key + " (fieldref on a flat_object value, which has no doc values)"
		case m.cidr && typ != ecs.IP:
			return fm.key + " (cidr on a " + string(typ) + " field)"
		case m.cmp != "" && typ != ecs.Long && typ != ecs.Double:
			return fm.key + " (" + m.cmp + " on a " + string(typ) + " field)"
		}
		// |exists on a record field differs only on a JSON null value,
		// which the matcher counts as present and OpenSearch does not.
	}
	return ""
}

func (fm *fieldMatch) refsFlat() bool {
	for _, rf := range fm.refs {
		if rf.typ == ecs.FlatObject {
			return true
		}
	}
	return false
}

// LoadTests parses the inline tests of every rule whose tests were left
// unparsed (the built-in catalog). It returns every problem, located.
func (c *Catalog) LoadTests() error {
	var errs []error
	for _, r := range c.rules {
		if err := r.loadTests(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (r *Rule) loadTests() error {
	if r.testsLoaded || r.testsFS == nil { // nil: the tests were never deferred
		return nil
	}
	el := &errList{file: r.File, id: r.ID}
	data, err := fs.ReadFile(r.testsFS, r.testsPath)
	if err != nil {
		el.add(0, "tests: %v", err)
		return errors.Join(el.errs...)
	}
	b, ok := findTests(data)
	if !ok {
		el.add(0, "tests: no tests block")
		return errors.Join(el.errs...)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b.tests(data), &doc); err != nil {
		el.add(0, "tests: malformed YAML: %v", err)
		return errors.Join(el.errs...)
	}
	resolveAliases(&doc, map[*yaml.Node]bool{})
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode || len(root.Content) != 2 || root.Content[0].Value != "tests" {
		el.add(root.Line, "tests: not a tests block")
		return errors.Join(el.errs...)
	}
	tests := parseTests(root.Content[1], r.Service, r.Threshold != nil, el, loadMode{house: true})
	if el.len() > 0 {
		return errors.Join(el.errs...)
	}
	r.Tests, r.testsFS, r.testsLoaded = tests, nil, true
	return nil
}

// Catalog is a validated set of rules with unique ids.
type Catalog struct {
	rules []*Rule
	byID  map[string]*Rule
}

func newCatalog() *Catalog { return &Catalog{byID: map[string]*Rule{}} }

// Rules returns the rules sorted by id.
func (c *Catalog) Rules() []*Rule { return append([]*Rule(nil), c.rules...) }

// Rule returns the rule with the given id, or nil.
func (c *Catalog) Rule(id string) *Rule { return c.byID[id] }

// Len is the number of rules.
func (c *Catalog) Len() int { return len(c.rules) }

func (c *Catalog) add(r *Rule) error {
	if prev := c.byID[r.ID]; prev != nil {
		return fmt.Errorf("rule id %q defined twice: %s and %s", r.ID, prev.File, r.File)
	}
	c.byID[r.ID] = r
	c.rules = append(c.rules, r)
	c.sort()
	return nil
}

func (c *Catalog) sort() {
	sort.Slice(c.rules, func(i, j int) bool { return c.rules[i].ID < c.rules[j].ID })
}

// Merge adds every rule of o (for example site rules loaded with Load from
// a --rules directory) to c. A rule id present in both is an error; c is
// unchanged then.
func (c *Catalog) Merge(o *Catalog) error {
	for _, r := range o.rules {
		if prev := c.byID[r.ID]; prev != nil {
			return fmt.Errorf("rule id %q defined twice: %s and %s", r.ID, prev.File, r.File)
		}
	}
	for _, r := range o.rules {
		if err := c.add(r); err != nil {
			return err
		}
	}
	return nil
}

// MergeNew adds the rules of o whose id c does not hold yet and returns a
// LoadError for each of the others: a site rule directory is added to the
// built-in catalog rule by rule, and one clash never drops the rest.
func (c *Catalog) MergeNew(o *Catalog) (refused []*LoadError) {
	for _, r := range o.rules {
		if prev := c.byID[r.ID]; prev != nil {
			refused = append(refused, &LoadError{File: r.File, Line: r.Line, RuleID: r.ID, Kind: Invalid,
				Err: fmt.Errorf("rule id %q is already defined by %s", r.ID, prev.File)})
			continue
		}
		c.byID[r.ID] = r
		c.rules = append(c.rules, r)
	}
	c.sort()
	return refused
}

// SetParameter replaces the values of parameter name in every rule that
// declares it (for example the archive bucket names, or the allowed
// instance types of a site) and recompiles those rules. It fails when no
// rule declares the parameter. Call it before NewMatcher: matchers built
// earlier keep the old values.
func (c *Catalog) SetParameter(name string, values []string) error {
	var hit []*Rule
	for _, r := range c.rules {
		if _, ok := r.Parameters[name]; ok {
			hit = append(hit, r)
		}
	}
	if len(hit) == 0 {
		return fmt.Errorf("no rule declares parameter %q", name)
	}
	values = append([]string(nil), values...)
	for _, r := range hit {
		old := r.Parameters[name]
		r.Parameters[name] = values
		if err := r.compile(); err != nil {
			r.Parameters[name] = old
			if rerr := r.compile(); rerr != nil {
				return fmt.Errorf("rule %s: parameter %s: %w (and restoring failed: %v)", r.ID, name, err, rerr)
			}
			return fmt.Errorf("rule %s: parameter %s: %w", r.ID, name, err)
		}
	}
	return nil
}

// ParameterNames lists every parameter any rule declares, sorted.
func (c *Catalog) ParameterNames() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range c.rules {
		for n := range r.Parameters {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	sort.Strings(out)
	return out
}

// LoadError is one problem found while loading rules, located by file,
// line and rule id, and classified by Kind.
type LoadError struct {
	File   string
	Line   int // 0 when unknown
	RuleID string
	Kind   ErrorKind
	Err    error
}

// ErrorKind says why a rule was refused.
type ErrorKind uint8

const (
	// Invalid: the file is not a valid rule (malformed YAML, a bad
	// condition, a value its modifiers do not allow, a house rule broken).
	Invalid ErrorKind = iota
	// Unsupported: a valid Sigma rule using a construct orgsiem cannot
	// evaluate (correlation, Sigma 1 aggregations, unresolved placeholders).
	Unsupported
	// UnknownField: the rule names a field its log source does not have,
	// an error in the rule itself (for a SigmaHQ rule, an upstream bug).
	UnknownField
	// OtherLogSource: the rule is for logs orgsiem does not collect.
	OtherLogSource
)

func (k ErrorKind) String() string {
	switch k {
	case Unsupported:
		return "unsupported"
	case UnknownField:
		return "unknown field"
	case OtherLogSource:
		return "other log source"
	}
	return "invalid"
}

func (e *LoadError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.RuleID != "" {
		fmt.Fprintf(&b, ": rule %s", e.RuleID)
	}
	b.WriteString(": ")
	if e.Kind == Unsupported || e.Kind == OtherLogSource {
		b.WriteString(e.Kind.String())
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *LoadError) Unwrap() error { return e.Err }

// errList collects located errors while one file is parsed.
type errList struct {
	file, id string
	errs     []error
}

func (l *errList) add(line int, format string, args ...any) {
	l.addKind(Invalid, line, format, args...)
}

func (l *errList) addKind(kind ErrorKind, line int, format string, args ...any) {
	l.errs = append(l.errs, &LoadError{File: l.file, Line: line, RuleID: l.id, Kind: kind, Err: fmt.Errorf(format, args...)})
}

func (l *errList) len() int { return len(l.errs) }

// Package detect is orgsiem's detection engine: the rule model (a superset
// of Sigma, one YAML file per rule), the embedded catalog, an in-process
// matcher over ecs.Document, and a compiler to the OpenSearch query DSL for
// alerting monitors and the daily PCI-DSS report. Both compilers start from
// the same parsed rule, and a test runs every rule's inline events through
// both so they cannot drift.
//
// Rules are loaded with Load, LoadDir or Builtin (load.go); field mapping
// and access are described in fields.go, value semantics in value.go,
// matching and threshold windows in matcher.go, and the DSL in query.go.
package detect

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// Rule is one loaded and validated detection rule. Exported fields are the
// rule's metadata as written; they must not be modified (use
// Catalog.SetParameter for parameters).
type Rule struct {
	ID          string
	Title       string
	Status      string // stable, test, experimental
	Description string
	References  []string
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
	Tests      []Test

	File string // path of the rule file inside the loaded file system
	Line int    // line of the id key

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
			return fmt.Errorf("line %d: %s: %w", fm.line, fm.key, err)
		}
	}
	r.req = r.det.cond.requirement()
	// Detection runs in process only; the query DSL (query.go) is for ad
	// hoc search and is not required to express every rule.
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
	sort.Slice(c.rules, func(i, j int) bool { return c.rules[i].ID < c.rules[j].ID })
	return nil
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
// line and rule id.
type LoadError struct {
	File   string
	Line   int // 0 when unknown
	RuleID string
	Err    error
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
	l.errs = append(l.errs, &LoadError{File: l.file, Line: line, RuleID: l.id, Err: fmt.Errorf(format, args...)})
}

func (l *errList) len() int { return len(l.errs) }

package detect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// Load reads every *.yml file below dir of fsys as one rule and validates
// it. It returns all problems at once (errors.Join of *LoadError, each
// naming file, line and rule id) and a nil catalog when there is any.
// Other files are ignored.
func Load(fsys fs.FS, dir string) (*Catalog, error) { return load(fsys, dir, "") }

// LoadDir loads the rules below a directory of the local file system (the
// CLI's --rules DIR); errors name files by their path under dir.
func LoadDir(dir string) (*Catalog, error) { return load(os.DirFS(dir), ".", dir) }

func load(fsys fs.FS, dir, prefix string) (*Catalog, error) {
	cat := newCatalog()
	var errs []error
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".yml") {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		r, ferrs := parseRule(path.Join(prefix, p), data)
		errs = append(errs, ferrs...)
		if r != nil {
			if err := cat.add(r); err != nil {
				errs = append(errs, &LoadError{File: r.File, Line: r.Line, RuleID: r.ID, Err: err})
			}
		}
		return nil
	})
	if err != nil {
		errs = append(errs, fmt.Errorf("reading rules in %s: %w", dir, err))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return cat, nil
}

var (
	idPattern        = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	paramPattern     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	yamlLine         = regexp.MustCompile(`line (\d+)`)
	topLevelKeys     = []string{"title", "id", "status", "description", "references", "author", "license", "source", "tags", "logsource", "detection", "level", "falsepositives", "report", "severity", "parameters", "threshold", "tests", "date", "modified"}
	requiredTopLevel = []string{"title", "id", "status", "description", "author", "license", "source", "logsource", "detection", "level", "tests"}
)

// parseRule parses and validates one rule file.
func parseRule(file string, data []byte) (*Rule, []error) {
	el := &errList{file: file, id: strings.TrimSuffix(path.Base(file), ".yml")}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		line := 0
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		if errors.Is(err, io.EOF) {
			err = errors.New("empty file")
		}
		el.add(line, "malformed YAML: %v", err)
		return nil, el.errs
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		el.add(extra.Line, "a rule file holds one YAML document")
		return nil, el.errs
	}
	resolveAliases(&doc, map[*yaml.Node]bool{})
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		el.add(root.Line, "a rule is a YAML mapping")
		return nil, el.errs
	}
	keys := map[string]*yaml.Node{}
	keyLine := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := root.Content[i]
		if !contains(topLevelKeys, k.Value) {
			el.add(k.Line, "unknown key %q (known: %s)", k.Value, strings.Join(topLevelKeys, ", "))
			continue
		}
		if keys[k.Value] != nil {
			el.add(k.Line, "key %q given twice", k.Value)
			continue
		}
		keys[k.Value] = root.Content[i+1]
		keyLine[k.Value] = k.Line
	}
	for _, k := range requiredTopLevel {
		if keys[k] == nil {
			el.add(root.Line, "missing required key %q", k)
		}
	}
	r := &Rule{File: file, Parameters: map[string][]string{}}
	str := func(k string, dst *string) {
		if n := keys[k]; n != nil {
			if n.Kind != yaml.ScalarNode || n.Tag != "!!str" || strings.TrimSpace(n.Value) == "" {
				el.add(n.Line, "%s must be a non-empty string", k)
				return
			}
			*dst = n.Value
		}
	}
	strs := func(k string, dst *[]string) {
		if n := keys[k]; n != nil {
			*dst = stringList(n, k, el)
		}
	}
	str("id", &r.ID)
	r.Line = keyLine["id"]
	if r.ID != "" {
		el.id = r.ID
		if !idPattern.MatchString(r.ID) {
			el.add(r.Line, "id %q must be a lowercase slug (%s)", r.ID, idPattern)
		}
		if base := path.Base(file); base != r.ID+".yml" {
			el.add(r.Line, "file name %s must be %s.yml", base, r.ID)
		}
	}
	str("title", &r.Title)
	str("status", &r.Status)
	str("description", &r.Description)
	str("author", &r.Author)
	str("license", &r.License)
	str("source", &r.Source)
	str("level", &r.Level)
	str("report", &r.Report)
	str("date", &r.Date)
	str("modified", &r.Modified)
	strs("references", &r.References)
	strs("tags", &r.Tags)
	strs("falsepositives", &r.FalsePositives)

	if r.Status != "" && !contains([]string{"stable", "test", "experimental"}, r.Status) {
		el.add(keyLine["status"], "status %q must be stable, test or experimental", r.Status)
	}
	if r.Level != "" {
		if sev, ok := levelSeverity[r.Level]; ok {
			r.Severity = sev
		} else {
			el.add(keyLine["level"], "level %q must be informational, low, medium, high or critical", r.Level)
		}
	}
	if n := keys["severity"]; n != nil {
		v, err := strconv.Atoi(n.Value)
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || err != nil || v < 1 || v > 5 {
			el.add(n.Line, "severity must be an integer 1 (highest) .. 5")
		} else {
			r.Severity = v
		}
	}
	if r.Report != "" && !contains(Guidelines, r.Report) {
		el.add(keyLine["report"], "report %q must be one of %s", r.Report, strings.Join(Guidelines, ", "))
	}
	if n := keys["logsource"]; n != nil {
		parseLogsource(n, r, el)
	}
	if n := keys["parameters"]; n != nil {
		parseParameters(n, r, el)
	}
	if n := keys["detection"]; n != nil && r.Service != "" {
		r.det = parseDetection(n, r.Service, el)
	}
	if n := keys["threshold"]; n != nil && r.Service != "" {
		r.Threshold = parseThreshold(n, r.Service, el)
	}
	if n := keys["tests"]; n != nil {
		r.Tests = parseTests(n, r.Service, keys["threshold"] != nil, el)
	}
	if r.det != nil {
		used := map[string]bool{}
		for _, fm := range r.det.fieldMatches() {
			for _, p := range fm.placeholders() {
				used[p] = true
				if _, ok := r.Parameters[p]; !ok {
					el.add(fm.line, "%s: placeholder %%%s%% names no declared parameter", fm.key, p)
				}
			}
		}
		for p := range r.Parameters {
			if !used[p] {
				el.add(keyLine["parameters"], "parameter %q is not used by any |expand value", p)
			}
		}
	}
	if el.len() > 0 {
		return nil, el.errs
	}
	if err := r.compile(); err != nil {
		var le *lineError
		line := keyLine["detection"]
		if errors.As(err, &le) {
			line, err = le.line, le.err
		}
		el.add(line, "%v", err)
		return nil, el.errs
	}
	return r, nil
}

// resolveAliases replaces every alias node by the node it names, so the
// rest of the loader never sees aliases. Shared nodes are walked once.
func resolveAliases(n *yaml.Node, seen map[*yaml.Node]bool) {
	if seen[n] {
		return
	}
	seen[n] = true
	for i, c := range n.Content {
		for hops := 0; c.Kind == yaml.AliasNode && c.Alias != nil && hops < 100; hops++ {
			c = c.Alias
		}
		n.Content[i] = c
		resolveAliases(c, seen)
	}
}

// lineError locates an error found after parsing (compilation).
type lineError struct {
	line int
	err  error
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %v", e.line, e.err) }
func (e *lineError) Unwrap() error { return e.err }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func stringList(n *yaml.Node, what string, el *errList) []string {
	if n.Kind != yaml.SequenceNode {
		el.add(n.Line, "%s must be a list of strings", what)
		return nil
	}
	var out []string
	for _, item := range n.Content {
		if item.Kind != yaml.ScalarNode || item.Tag == "!!null" || item.Value == "" {
			el.add(item.Line, "%s must be a list of non-empty strings", what)
			continue
		}
		out = append(out, item.Value)
	}
	return out
}

func mapping(n *yaml.Node, what string, el *errList) bool {
	if n.Kind != yaml.MappingNode {
		el.add(n.Line, "%s must be a mapping", what)
		return false
	}
	return true
}

func parseLogsource(n *yaml.Node, r *Rule, el *errList) {
	if !mapping(n, "logsource", el) {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "product":
			r.Product = v.Value
			if v.Value != "aws" && v.Value != "linux" {
				el.add(v.Line, "logsource.product %q must be aws or linux", v.Value)
			}
		case "service":
			if !knownService(v.Value) {
				el.add(v.Line, "logsource.service %q is unknown (known: %s, %s)", v.Value, strings.Join(ecs.LogTypes(), ", "), ServicePipeline)
				continue
			}
			r.Service = v.Value
		default:
			el.add(k.Line, "unknown logsource key %q (known: product, service)", k.Value)
		}
	}
	if r.Service == "" && r.Product != "" || len(n.Content) == 0 {
		el.add(n.Line, "logsource needs a service")
	}
}

func parseParameters(n *yaml.Node, r *Rule, el *errList) {
	if !mapping(n, "parameters", el) {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !paramPattern.MatchString(k.Value) {
			el.add(k.Line, "parameter name %q must match %s", k.Value, paramPattern)
			continue
		}
		if v.Kind == yaml.SequenceNode && len(v.Content) == 0 {
			r.Parameters[k.Value] = []string{}
			continue
		}
		r.Parameters[k.Value] = stringList(v, "parameter "+k.Value, el)
	}
}

func parseThreshold(n *yaml.Node, service string, el *errList) *Threshold {
	if !mapping(n, "threshold", el) {
		return nil
	}
	t := &Threshold{}
	before := el.len()
	seen := map[string]bool{}
	aggField := func(v *yaml.Node, what string) *field {
		f, err := resolveField(service, v.Value)
		if err != nil {
			el.add(v.Line, "threshold.%s: %v", what, err)
			return nil
		}
		// Thresholds are counted over signal documents, which carry the
		// group and distinct values as keywords (internal/alerts), so any
		// field the matcher can read may group or be counted, flat_object
		// leaves included (requestParameters.instanceIds ...); free text
		// cannot: it has no values, only tokens.
		switch f.typ {
		case ecs.Keyword, ecs.IP, ecs.Long, ecs.Double, ecs.Boolean, ecs.FlatObject:
			return f
		}
		el.add(v.Line, "threshold.%s: %s is %s, which has no exact values to group or count", what, f.path, f.typ)
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		seen[k.Value] = true
		switch k.Value {
		case "count":
			c, err := strconv.Atoi(v.Value)
			if v.Tag != "!!int" || err != nil || c < 1 {
				el.add(v.Line, "threshold.count must be a positive integer")
			}
			t.Count = c
		case "distinct":
			if v.Kind != yaml.ScalarNode || v.Tag != "!!str" {
				el.add(v.Line, "threshold.distinct must be a field name")
				continue
			}
			t.Distinct = v.Value
			t.distinct = aggField(v, "distinct")
		case "group_by":
			if v.Kind != yaml.SequenceNode {
				el.add(v.Line, "threshold.group_by must be a list of field names")
				continue
			}
			for _, item := range v.Content {
				t.GroupBy = append(t.GroupBy, item.Value)
				t.groupBy = append(t.groupBy, aggField(item, "group_by"))
			}
		case "window":
			d, err := time.ParseDuration(v.Value)
			if err != nil || d <= 0 || d > 24*time.Hour {
				el.add(v.Line, "threshold.window must be a Go duration between 1s and 24h, got %q", v.Value)
			}
			t.Window = d
		default:
			el.add(k.Line, "unknown threshold key %q (known: count, distinct, group_by, window)", k.Value)
		}
	}
	for _, k := range []string{"count", "window"} {
		if !seen[k] {
			el.add(n.Line, "threshold needs %s", k)
		}
	}
	if t.Count > math.MaxInt32 {
		el.add(n.Line, "threshold.count is too large")
	}
	if el.len() > before {
		return nil
	}
	return t
}

func parseTests(n *yaml.Node, service string, threshold bool, el *errList) []Test {
	if n.Kind != yaml.SequenceNode {
		el.add(n.Line, "tests must be a list")
		return nil
	}
	var out []Test
	pos, neg := 0, 0
	for _, item := range n.Content {
		if !mapping(item, "a test", el) {
			continue
		}
		t := Test{Line: item.Line}
		var hasMatch bool
		sources := 0
		for i := 0; i+1 < len(item.Content); i += 2 {
			k, v := item.Content[i], item.Content[i+1]
			switch k.Value {
			case "name":
				t.Name = v.Value
			case "match":
				b, err := parseBool(v.Value)
				if v.Tag != "!!bool" || err != nil {
					el.add(v.Line, "test match must be true or false")
				}
				t.Match, hasMatch = b, true
			case "event":
				sources++
				if threshold {
					el.add(k.Line, "threshold rule tests give a sequence under events:, not event:")
					continue
				}
				if raw, err := nodeJSON(v); err != nil {
					el.add(v.Line, "test event: %v", err)
				} else {
					t.Events = append(t.Events, raw)
				}
			case "events":
				sources++
				if !threshold {
					el.add(k.Line, "events: is for threshold rules; give one event:")
					continue
				}
				if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
					el.add(v.Line, "test events must be a non-empty list of events")
					continue
				}
				for _, e := range v.Content {
					if raw, err := nodeJSON(e); err != nil {
						el.add(e.Line, "test event: %v", err)
					} else {
						t.Events = append(t.Events, raw)
					}
				}
			case "corpus":
				sources++
				if v.Tag != "!!str" || !strings.Contains(v.Value, "#") {
					el.add(v.Line, "test corpus must be \"<path under the corpus>#<record>\"")
				}
				t.Corpus = v.Value
			case "type":
				if !knownService(v.Value) || v.Value == ServicePipeline {
					el.add(v.Line, "test type %q is not a log type", v.Value)
				}
				t.Type = v.Value
			default:
				el.add(k.Line, "unknown test key %q (known: name, match, event, events, corpus, type)", k.Value)
			}
		}
		if t.Name == "" {
			el.add(item.Line, "test needs a name")
		}
		if !hasMatch {
			el.add(item.Line, "test %q needs match: true or false", t.Name)
		}
		if service == ServicePipeline && t.Type == "" {
			el.add(item.Line, "test %q of a pipeline rule needs type: <log type of its events>", t.Name)
		}
		if sources != 1 {
			el.add(item.Line, "test %q needs exactly one of event, events, corpus", t.Name)
		}
		if t.Corpus == "" && hasMatch {
			if t.Match {
				pos++
			} else {
				neg++
			}
		}
		out = append(out, t)
	}
	if pos == 0 || neg == 0 {
		el.add(n.Line, "tests need at least one inline positive (match: true) and one inline negative (match: false) event")
	}
	return out
}

// nodeJSON converts a test event to its raw record: a YAML string is the
// record itself (a text log line); anything else is converted to JSON,
// keeping key order, with timestamps and other YAML-only scalar types as
// strings.
func nodeJSON(n *yaml.Node) ([]byte, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		return []byte(n.Value), nil
	}
	var b bytes.Buffer
	if err := writeJSON(&b, n, 0); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeJSON(b *bytes.Buffer, n *yaml.Node, depth int) error {
	if depth > 100 {
		return errors.New("nesting too deep")
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return errors.New("empty document")
		}
		return writeJSON(b, n.Content[0], depth+1)
	case yaml.AliasNode:
		return writeJSON(b, n.Alias, depth+1)
	case yaml.MappingNode:
		b.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: keys must be scalars", k.Line)
			}
			writeJSONString(b, k.Value)
			b.WriteByte(':')
			if err := writeJSON(b, n.Content[i+1], depth+1); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, item := range n.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeJSON(b, item, depth+1); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			b.WriteString("null")
		case "!!bool":
			v, err := strconv.ParseBool(strings.ToLower(n.Value))
			if err != nil {
				return fmt.Errorf("line %d: bad boolean %q", n.Line, n.Value)
			}
			b.WriteString(strconv.FormatBool(v))
		case "!!int":
			v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
			if err != nil {
				return fmt.Errorf("line %d: bad integer %q", n.Line, n.Value)
			}
			b.WriteString(strconv.FormatInt(v, 10))
		case "!!float":
			v, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
			if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
				return fmt.Errorf("line %d: %q is not a JSON number", n.Line, n.Value)
			}
			b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
		default:
			writeJSONString(b, n.Value)
		}
	default:
		return fmt.Errorf("line %d: unsupported YAML node", n.Line)
	}
	return nil
}

func writeJSONString(b *bytes.Buffer, s string) {
	q, _ := json.Marshal(s) // a string always marshals
	b.Write(q)
}

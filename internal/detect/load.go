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

// Two kinds of rule files are loaded.
//
// The built-in catalog (Builtin) and Load/LoadDir follow the house rules on
// top of the Sigma specification: every rule has a slug id equal to its
// file name, license, source, author and inline tests with a positive and a
// negative event, and only known keys; any problem fails the whole load.
//
// Site rules (LoadSigma, LoadSigmaDir: the CLI's --rules DIR, the loader's
// custom rules) are Sigma rules as the specification defines them
// (sigma-rules-specification.md, "File Structure" and "Components"): only
// title, logsource and detection are required, any other attribute
// (related, modified, fields, name, taxonomy, scope, custom fields ...) is
// accepted, dates may be YAML dates, and the id may be any string (a UUID)
// or absent (the file name stands in). The house extensions (parameters,
// threshold, report, severity, tests) are accepted there too. A rule that
// cannot be used is refused on its own, with a LoadError saying why (Kind)
// and naming the exact construct; the other rules load.

// Load reads every *.yml file below dir of fsys as one rule under the house
// rules. It returns all problems at once (errors.Join of *LoadError, each
// naming file, line and rule id) and a nil catalog when there is any.
// Other files are ignored.
func Load(fsys fs.FS, dir string) (*Catalog, error) {
	return loadStrict(fsys, dir, "", loadMode{house: true})
}

// LoadDir is Load over a directory of the local file system; errors name
// files by their path under dir.
func LoadDir(dir string) (*Catalog, error) {
	return loadStrict(os.DirFS(dir), ".", dir, loadMode{house: true})
}

// LoadSigma reads every *.yml file below dir of fsys as one Sigma rule. It
// returns the rules that load and, in file order, one LoadError per
// problem of each refused rule. err is set only when the files cannot be
// read.
//
// params gives values to placeholders ("Placeholders": %Name% in |expand
// values) that a rule uses without declaring them under parameters:, such
// as the specification's standard %Workstations%; a rule with a
// placeholder that has no values is refused, as the specification asks of
// a tool that cannot resolve it.
func LoadSigma(fsys fs.FS, dir string, params map[string][]string) (cat *Catalog, refused []*LoadError, err error) {
	return load(fsys, dir, "", loadMode{params: params})
}

// LoadSigmaDir is LoadSigma over a directory of the local file system (the
// CLI's --rules DIR, params from --param); errors name files by their path
// under dir.
func LoadSigmaDir(dir string, params map[string][]string) (cat *Catalog, refused []*LoadError, err error) {
	return load(os.DirFS(dir), ".", dir, loadMode{params: params})
}

// loadMode selects the rules a load applies.
type loadMode struct {
	house bool // the built-in catalog's conventions (see above)
	// lazyTests leaves each rule's tests block unparsed until
	// Catalog.LoadTests: test events are most of the catalog's bytes and
	// of its load time, and only `rules test` reads them.
	lazyTests bool
	fsys      fs.FS  // the file system rule files are read from (lazyTests)
	path      string // of the file in fsys
	// params are values for placeholders a Sigma rule does not declare.
	params map[string][]string
}

func loadStrict(fsys fs.FS, dir, prefix string, mode loadMode) (*Catalog, error) {
	cat, refused, err := load(fsys, dir, prefix, mode)
	var errs []error
	for _, e := range refused {
		errs = append(errs, e)
	}
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return cat, nil
}

func load(fsys fs.FS, dir, prefix string, mode loadMode) (*Catalog, []*LoadError, error) {
	cat := newCatalog()
	var refused []*LoadError
	var rules []*Rule
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
		mode.fsys, mode.path = fsys, p
		r, errs := parseRuleMode(path.Join(prefix, p), data, mode)
		for _, e := range errs {
			refused = append(refused, e.(*LoadError))
		}
		if r != nil {
			rules = append(rules, r)
		}
		return nil
	})
	if err != nil {
		err = fmt.Errorf("reading rules in %s: %w", path.Join(prefix, dir), err)
	}
	for _, r := range rules {
		if prev := cat.byID[r.ID]; prev != nil {
			refused = append(refused, &LoadError{File: r.File, Line: r.Line, RuleID: r.ID, Kind: Invalid,
				Err: fmt.Errorf("rule id %q defined twice: %s and %s", r.ID, prev.File, r.File)})
			continue
		}
		cat.byID[r.ID] = r
		cat.rules = append(cat.rules, r)
	}
	cat.sort()
	return cat, refused, err
}

var (
	idPattern    = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	paramPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	yamlLine     = regexp.MustCompile(`line (\d+)`)
	// sigmaKeys are the attributes of the Sigma rules specification
	// ("File Structure"); houseKeys are orgsiem's extensions.
	sigmaKeys = []string{"title", "id", "name", "related", "taxonomy", "status", "description", "license", "references",
		"author", "date", "modified", "logsource", "detection", "fields", "falsepositives", "level", "tags", "scope"}
	houseKeys     = []string{"source", "report", "severity", "parameters", "threshold", "tests"}
	sigmaRequired = []string{"title", "logsource", "detection"}
	houseRequired = []string{"title", "id", "status", "description", "author", "license", "source", "logsource", "detection", "level", "tests"}
	// Sigma statuses ("Status") and relation types ("Identification").
	statuses     = []string{"stable", "test", "experimental", "deprecated", "unsupported"}
	relatedTypes = []string{"derived", "obsolete", "merged", "renamed", "similar"}
)

// parseRule parses and validates one rule file under the house rules.
func parseRule(file string, data []byte) (*Rule, []error) {
	return parseRuleMode(file, data, loadMode{house: true})
}

// parseRuleMode parses and validates one rule file.
func parseRuleMode(file string, data []byte, mode loadMode) (*Rule, []error) {
	el := &errList{file: file, id: strings.TrimSuffix(path.Base(file), ".yml")}
	hasTests := false
	if mode.lazyTests {
		if b, ok := findTests(data); ok {
			data, hasTests = b.head(data), true
		}
	}
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
		// Sigma correlation rules and rule collections are multi-document
		// files (sigma-correlation-rules-specification.md).
		line := extra.Line
		if len(extra.Content) > 0 {
			line = extra.Content[0].Line
		}
		el.addKind(Unsupported, line, "a second YAML document (rule collections and correlation rules are not supported: one rule per file)")
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
		// Correlation rules and filters are other Sigma documents
		// (sigma-correlation-rules-specification.md,
		// sigma-filters-specification.md), told apart by these keys.
		if k := root.Content[i]; (k.Value == "correlation" || k.Value == "filter") && !mode.house {
			el.addKind(Unsupported, k.Line, "a Sigma %s document (%s:) is not supported: only detection rules are", map[string]string{"correlation": "correlation rule", "filter": "filter"}[k.Value], k.Value)
			return nil, el.errs
		}
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := root.Content[i]
		known := contains(sigmaKeys, k.Value) || contains(houseKeys, k.Value)
		if !known {
			// The specification allows arbitrary custom attributes; the
			// built-in catalog does not (a typo would go unnoticed).
			if mode.house {
				el.add(k.Line, "unknown key %q (known: %s)", k.Value, strings.Join(append(append([]string(nil), sigmaKeys...), houseKeys...), ", "))
			}
			continue
		}
		if keys[k.Value] != nil {
			el.add(k.Line, "key %q given twice", k.Value)
			continue
		}
		keys[k.Value] = root.Content[i+1]
		keyLine[k.Value] = k.Line
	}
	required := sigmaRequired
	if mode.house {
		required = houseRequired
	}
	for _, k := range required {
		if keys[k] == nil && !(k == "tests" && hasTests) {
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
			if !mode.house && n.Kind == yaml.ScalarNode && n.Tag == "!!str" && n.Value != "" {
				*dst = []string{n.Value} // a single string where a list is specified
				return
			}
			*dst = stringList(n, k, el)
		}
	}
	// date and modified are ISO 8601 dates ("Date", "Modified"); YAML
	// decodes an unquoted 2023-05-12 as a timestamp, and SigmaHQ rules
	// before 2023 wrote 2021/08/19. Both are kept as written.
	date := func(k string, dst *string) {
		if n := keys[k]; n != nil {
			if n.Kind != yaml.ScalarNode || (n.Tag != "!!str" && n.Tag != "!!timestamp") || !datePattern.MatchString(n.Value) {
				el.add(n.Line, "%s must be a date YYYY-MM-DD (or YYYY/MM/DD), got %q", k, n.Value)
				return
			}
			*dst = n.Value
		}
	}
	r.Line = keyLine["id"]
	if n := keys["id"]; n != nil {
		if n.Kind != yaml.ScalarNode || n.Tag == "!!null" || strings.TrimSpace(n.Value) == "" || strings.ContainsAny(n.Value, " \t\r\n") {
			el.add(n.Line, "id must be one word (a UUID or a slug)")
		} else {
			r.ID = n.Value
			el.id = r.ID
		}
	} else if !mode.house {
		// The id is optional in Sigma ("Identification"): the file name
		// identifies the rule then.
		r.ID = el.id
		r.Line = root.Line
	}
	if mode.house && r.ID != "" {
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
	str("name", &r.Name)
	date("date", &r.Date)
	date("modified", &r.Modified)
	strs("references", &r.References)
	strs("tags", &r.Tags)
	strs("falsepositives", &r.FalsePositives)
	strs("fields", &r.Fields)
	if n := keys["related"]; n != nil {
		r.Related = parseRelated(n, el)
	}

	if r.Status != "" && !contains(statuses, r.Status) {
		el.add(keyLine["status"], "status %q must be one of %s", r.Status, strings.Join(statuses, ", "))
	}
	if r.Level == "" && !mode.house {
		// level is optional in Sigma ("Level"); alerts need one.
		r.Level = defaultLevel
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
		parseLogsource(n, r, el, mode)
	}
	if n := keys["parameters"]; n != nil {
		parseParameters(n, r, el)
	}
	if n := keys["detection"]; n != nil && r.Service != "" {
		r.det = parseDetection(n, r.Service, el, mode)
	}
	if n := keys["threshold"]; n != nil && r.Service != "" {
		r.Threshold = parseThreshold(n, r.Service, el)
	}
	if n := keys["tests"]; n != nil {
		r.Tests = parseTests(n, r.Service, keys["threshold"] != nil, el, mode)
		r.testsLoaded = true
	} else if hasTests {
		r.testsFS, r.testsPath = mode.fsys, mode.path // read again by loadTests
	} else {
		r.testsLoaded = true
	}
	if r.det != nil {
		used := map[string]bool{}
		for _, fm := range r.det.fieldMatches() {
			for _, p := range fm.placeholders() {
				used[p] = true
				if _, ok := r.Parameters[p]; ok {
					continue
				}
				if v, ok := mode.params[p]; ok && !mode.house {
					r.Parameters[p] = append([]string(nil), v...)
					continue
				}
				// Placeholders a tool cannot resolve must make it reject
				// the rule ("Placeholders").
				if mode.house {
					el.addKind(Unsupported, fm.line, "%s: placeholder %%%s%% names no declared parameter", fm.key, p)
				} else {
					el.addKind(Unsupported, fm.line, "%s: placeholder %%%s%% has no values (give them with --param %s=v1,v2, or declare it under parameters:)", fm.key, p, p)
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

// defaultLevel is the level of a Sigma rule that gives none.
const defaultLevel = "medium"

var datePattern = regexp.MustCompile(`^\d{4}[-/]\d{2}[-/]\d{2}$`)

// Related is one entry of a rule's related list ("Identification").
type Related struct {
	ID   string
	Type string // derived, obsolete, merged, renamed, similar
}

func parseRelated(n *yaml.Node, el *errList) []Related {
	if n.Kind != yaml.SequenceNode {
		el.add(n.Line, "related must be a list of {id, type}")
		return nil
	}
	var out []Related
	for _, item := range n.Content {
		if !mapping(item, "a related entry", el) {
			continue
		}
		var rel Related
		for i := 0; i+1 < len(item.Content); i += 2 {
			k, v := item.Content[i], item.Content[i+1]
			switch k.Value {
			case "id":
				rel.ID = v.Value
			case "type":
				rel.Type = v.Value
			}
		}
		if rel.ID == "" || !contains(relatedTypes, rel.Type) {
			el.add(item.Line, "related entry needs an id and a type (%s)", strings.Join(relatedTypes, ", "))
			continue
		}
		out = append(out, rel)
	}
	return out
}

// testsBlock locates the top-level tests block of a rule file: bytes
// [start, end), which begin on line line+1. A top-level key starts at
// column 0; the block runs to the next line that starts another one (not
// a space, '-', '#' or line end).
type testsBlock struct{ start, end, line int }

func findTests(data []byte) (testsBlock, bool) {
	b := testsBlock{start: -1}
	for i := 0; i < len(data); {
		end := len(data)
		if j := bytes.IndexByte(data[i:], '\n'); j >= 0 {
			end = i + j + 1
		}
		l := data[i:end]
		if b.start < 0 {
			if bytes.HasPrefix(l, []byte("tests:")) && (len(l) == 6 || l[6] == ' ' || l[6] == '\n' || l[6] == '\r') {
				b.start = i
			} else {
				b.line++
			}
		} else if len(l) > 0 && bytes.IndexByte([]byte(" \t-#\r\n"), l[0]) < 0 {
			b.end = i
			return b, true
		}
		i = end
	}
	b.end = len(data)
	return b, b.start >= 0
}

// head is the file without the tests block, with as many empty lines in
// its place, so it parses with the file's line numbers.
func (b testsBlock) head(data []byte) []byte {
	if len(bytes.TrimSpace(data[b.end:])) == 0 {
		return data[:b.start]
	}
	blank := bytes.Count(data[b.start:b.end], []byte("\n"))
	out := make([]byte, 0, b.start+blank+len(data)-b.end)
	out = append(out, data[:b.start]...)
	out = append(out, bytes.Repeat([]byte("\n"), blank)...)
	return append(out, data[b.end:]...)
}

// tests is the block preceded by the lines before it, emptied.
func (b testsBlock) tests(data []byte) []byte {
	out := make([]byte, 0, b.line+b.end-b.start)
	out = append(out, bytes.Repeat([]byte("\n"), b.line)...)
	return append(out, data[b.start:b.end]...)
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

// parseLogsource maps the rule's logsource to the log type whose documents
// it matches. A rule names its log source by product and service
// ("LogSource"): product aws with service cloudtrail (SigmaHQ's AWS
// rules) or any of orgsiem's log types; product linux with a syslog
// service. Any other log source is one orgsiem does not collect: the rule
// is refused as such.
func parseLogsource(n *yaml.Node, r *Rule, el *errList, mode loadMode) {
	if !mapping(n, "logsource", el) {
		return
	}
	var product, service, category string
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "product":
			product = v.Value
		case "service":
			service = v.Value
		case "category":
			category = v.Value
		case "definition":
		default:
			if mode.house {
				el.add(k.Line, "unknown logsource key %q (known: product, service)", k.Value)
			}
		}
	}
	desc := logsourceString(product, service, category)
	switch {
	case len(n.Content) == 0 || (product == "" && service == "" && category == ""):
		el.add(n.Line, "logsource needs a product and a service")
	case mode.house && category != "":
		el.add(n.Line, "logsource.category is not used by the built-in catalog")
	case product != "" && product != "aws" && product != "linux":
		el.addKind(OtherLogSource, n.Line, "logsource %s: orgsiem collects product aws (and linux syslog) only", desc)
	case product == "linux" && service != "" && linuxServices[service]:
		r.Product, r.Service = product, "linux"
	case service == "":
		el.addKind(OtherLogSource, n.Line, "logsource %s: no log type orgsiem collects answers to it (give product and service, e.g. aws/cloudtrail)", desc)
	case !knownService(service):
		if mode.house {
			el.add(n.Line, "logsource.service %q is unknown (known: %s, %s)", service, strings.Join(ecs.LogTypes(), ", "), ServicePipeline)
		} else {
			el.addKind(OtherLogSource, n.Line, "logsource %s: service %q is not a log type orgsiem collects (%s)", desc, service, strings.Join(ecs.LogTypes(), ", "))
		}
	case category != "":
		el.addKind(OtherLogSource, n.Line, "logsource %s: category %q is not mapped to a log type", desc, category)
	default:
		r.Product, r.Service = product, service
	}
}

// linuxServices are the Sigma linux services whose events are syslog
// lines orgsiem collects as log type linux (/var/log/secure, messages).
var linuxServices = map[string]bool{"auth": true, "sshd": true, "syslog": true, "sudo": true, "linux": true}

func logsourceString(product, service, category string) string {
	var parts []string
	for _, kv := range [][2]string{{"product", product}, {"service", service}, {"category", category}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+": "+kv[1])
		}
	}
	return "{" + strings.Join(parts, ", ") + "}"
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

func parseTests(n *yaml.Node, service string, threshold bool, el *errList, mode loadMode) []Test {
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
	if mode.house && (pos == 0 || neg == 0) {
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

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/orgsiem/orgsiem/internal/detect"
	"github.com/orgsiem/orgsiem/internal/logs"
)

func rulesCommand() *command {
	return &command{
		name:    "rules",
		summary: "list, show, test and export the detection rules",
		usage:   "orgsiem rules list|show ID|test|export|coverage [flags]",
		help: `Rules works on the built-in detection catalog plus any --rules DIR, with --param overrides applied.

Rule format. A rule is one YAML file in the Sigma rules format (SigmaHQ sigma-specification: title,
id, related, status, description, author, license, references, date, modified, logsource,
detection with its condition, fields, falsepositives, level, tags), evaluated in process with the
specification's value modifiers (contains, startswith, endswith, all, exists, cased, neq, re with
i/m/s, windash, base64, base64offset, utf16le/utf16be/utf16/wide, lt/lte/gt/gte, minute..year,
cidr, expand, fieldref). Logsource product aws with service cloudtrail (CloudTrail field names:
eventSource, eventName, userIdentity.type, requestParameters.*) or any orgsiem log type (vpcflow,
waf, guardduty, ...); ECS field names work for every log type.
House extensions, which a Sigma tool ignores: threshold (count events or distinct values per
group in a window), parameters (values for |expand placeholders, set with --param), report (the
PCI-DSS report line a rule feeds), severity, and inline tests (events with match: true/false).
Sigma placeholders (%Name% in |expand values) take their values from --param Name=v1,v2.
Not supported: correlation rules, filters, Sigma 1 aggregations ("| count() ..."), timeframe.
A rule without level is medium; without id, its file name is its id.

Rules from --rules DIR only need to be valid Sigma. A rule that cannot be used here (invalid, an
unsupported construct, a field its log source does not have, a log source orgsiem does not
collect) is reported with file, line and the exact construct and skipped; --strict makes that
fatal. The built-in catalog also requires license, source, tests and file name = id.

  list               one line per rule: id, level, log type, report guideline, title
  show ID            a rule's metadata, attribution, parameters and compiled OpenSearch query
  test               run every rule's inline test events; report failures by rule (exit 1 on failure)
  export             print every rule compiled for OpenSearch (--format opensearch): its index pattern,
                     query and, for threshold rules, the aggregation, as one JSON array; a rule whose
                     constructs the query cannot express has none (not_expressible and dsl_unsupported say why)
  coverage           the ATT&CK techniques the rules cover: a technique counts only when a rule tagged with
                     it (attack.tNNNN) has a positive inline test; --layer FILE also writes an ATT&CK
                     Navigator layer (format 4.5) to open in the Navigator`,
		examples: []string{
			"orgsiem rules list --rules ./site-rules",
			"orgsiem rules list --rules ./sigma/rules/cloud/aws --strict",
			"orgsiem rules show cloudtrail-stopped-or-deleted",
			"orgsiem rules test --corpus ../shared/corpus",
			"orgsiem rules export --format opensearch > queries.json",
			"orgsiem rules coverage --layer orgsiem-layer.json",
		},
		run: runRules,
	}
}

func runRules(ctx context.Context, e *env, args []string) int {
	c := rulesCommand()
	var cf catalogFlags
	var format, corpus string
	var verbose bool
	var layer string
	fs := newFlagSet(c.name)
	cf.register(fs)
	fs.StringVar(&format, "format", "", "output `FORMAT`: list: text or json; export: opensearch (default for export)")
	fs.StringVar(&corpus, "corpus", "", "test: run the tests that use real records from the corpus `DIR` (../shared/corpus); skipped when unset")
	fs.BoolVar(&verbose, "v", false, "test: print every test, not only failures")
	fs.StringVar(&layer, "layer", "", "coverage: also write an ATT&CK Navigator layer to `FILE`")
	pos, code, ok := e.parse(c, fs, args)
	if !ok {
		return code
	}
	if len(pos) == 0 {
		return e.usageError(c, "missing subcommand: list, show, test, export or coverage")
	}
	sub, rest := pos[0], pos[1:]
	want := 0
	if sub == "show" {
		want = 1
	}
	if len(rest) != want {
		return e.usageError(c, "%s takes %d argument(s), got %d", sub, want, len(rest))
	}
	switch sub {
	case "list", "show", "test", "export", "coverage":
	default:
		return e.usageError(c, "unknown subcommand %q: want list, show, test, export or coverage", sub)
	}
	cat, code, ok := cf.load(e, c)
	if !ok {
		return code
	}
	switch sub {
	case "list":
		return rulesList(e, c, cat, format)
	case "show":
		return rulesShow(e, cat, rest[0])
	case "test":
		return rulesTest(e, cat, corpus, verbose)
	case "coverage":
		return rulesCoverage(e, cat, layer)
	default:
		if format != "" && format != "opensearch" {
			return e.usageError(c, "export --format %q: want opensearch", format)
		}
		return writeJSON(e, exportRules(cat))
	}
}

func rulesList(e *env, c *command, cat *detect.Catalog, format string) int {
	switch format {
	case "", "text":
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tLEVEL\tTYPE\tREPORT\tTITLE")
		for _, r := range cat.Rules() {
			kind := r.Service
			if r.IsThreshold() {
				kind += " (threshold)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Level, kind, orDash(r.Report), r.Title)
		}
		tw.Flush()
		fmt.Fprintf(e.stdout, "%d rules\n", cat.Len())
		return exitOK
	case "json":
		type ruleJSON struct {
			ID          string   `json:"id"`
			Title       string   `json:"title"`
			Level       string   `json:"level"`
			Severity    int      `json:"severity"`
			Status      string   `json:"status"`
			Service     string   `json:"service"`
			Report      string   `json:"report,omitempty"`
			Threshold   bool     `json:"threshold"`
			Tags        []string `json:"tags"`
			Author      string   `json:"author"`
			License     string   `json:"license"`
			Source      string   `json:"source"`
			File        string   `json:"file"`
			Description string   `json:"description"`
		}
		out := []ruleJSON{}
		for _, r := range cat.Rules() {
			out = append(out, ruleJSON{r.ID, r.Title, r.Level, r.Severity, r.Status, r.Service, r.Report, r.IsThreshold(),
				r.Tags, r.Author, r.License, r.Source, r.File, r.Description})
		}
		return writeJSON(e, out)
	}
	return e.usageError(c, "list --format %q: want text or json", format)
}

func rulesShow(e *env, cat *detect.Catalog, id string) int {
	r := cat.Rule(id)
	if r == nil {
		var near []string
		for _, x := range cat.Rules() {
			if strings.Contains(x.ID, id) {
				near = append(near, x.ID)
			}
		}
		fmt.Fprintf(e.stderr, "orgsiem rules: no rule %q", id)
		if len(near) > 0 {
			fmt.Fprintf(e.stderr, "; did you mean %s?", strings.Join(near, ", "))
		}
		fmt.Fprintln(e.stderr)
		return exitUsage
	}
	w := e.stdout
	fmt.Fprintf(w, "%s\n%s\n\n", r.ID, r.Title)
	fmt.Fprintf(w, "%s\n\n", r.Description)
	field := func(name, value string) {
		if value != "" {
			fmt.Fprintf(w, "%-15s %s\n", name+":", value)
		}
	}
	field("level", fmt.Sprintf("%s (severity %d)", r.Level, r.Severity))
	field("status", r.Status)
	field("log type", r.Service)
	field("index", r.Index())
	field("report", r.Report)
	field("author", r.Author)
	field("license", r.License)
	field("source", r.Source)
	field("tags", strings.Join(r.Tags, ", "))
	field("false positives", strings.Join(r.FalsePositives, "; "))
	field("references", strings.Join(r.References, " "))
	field("file", fmt.Sprintf("%s:%d", r.File, r.Line))
	if t := r.Threshold; t != nil {
		s := fmt.Sprintf(">= %d events", t.Count)
		if t.Distinct != "" {
			s = fmt.Sprintf(">= %d distinct %s", t.Count, t.Distinct)
		}
		if len(t.GroupBy) > 0 {
			s += " per " + strings.Join(t.GroupBy, ", ")
		}
		field("threshold", s+" within "+t.Window.String())
	}
	for _, name := range slices.Sorted(maps.Keys(r.Parameters)) {
		field("parameter", name+" = "+strings.Join(r.Parameters[name], ", "))
	}
	if len(r.Related) > 0 {
		var rel []string
		for _, x := range r.Related {
			rel = append(rel, x.Type+" "+x.ID)
		}
		field("related", strings.Join(rel, ", "))
	}
	field("date", r.Date)
	field("modified", r.Modified)
	field("fields", strings.Join(r.Fields, ", "))
	if err := cat.LoadTests(); err != nil {
		fmt.Fprintf(e.stderr, "orgsiem rules: %v\n", err)
	}
	field("tests", fmt.Sprint(len(r.Tests)))
	fmt.Fprintln(w, "\nOpenSearch query:")
	return writeJSON(e, exportRule(r))
}

func rulesTest(e *env, cat *detect.Catalog, corpus string, verbose bool) int {
	opts := detect.TestOptions{Normalize: logs.NormalizeRecord}
	if corpus != "" {
		if st, err := os.Stat(corpus); err != nil || !st.IsDir() {
			fmt.Fprintf(e.stderr, "orgsiem rules: --corpus %s is not a directory\n", corpus)
			return exitUsage
		}
		opts.Corpus = os.DirFS(corpus)
	}
	results := cat.RunTests(opts)
	var passed, failed, skipped int
	failedRules := map[string]bool{}
	var lastRule string
	for _, res := range results {
		switch {
		case res.Skipped != "":
			skipped++
		case res.Passed():
			passed++
		default:
			failed++
			failedRules[res.Rule.ID] = true
		}
		if verbose || (res.Skipped == "" && !res.Passed()) {
			if res.Rule.ID != lastRule {
				fmt.Fprintf(e.stdout, "%s (%s)\n", res.Rule.ID, res.Rule.File)
				lastRule = res.Rule.ID
			}
			fmt.Fprintf(e.stdout, "  %s\n", res.String())
		}
	}
	fmt.Fprintf(e.stdout, "%d rules, %d tests: %d passed, %d failed (%d rules), %d skipped\n",
		cat.Len(), len(results), passed, failed, len(failedRules), skipped)
	if failed > 0 {
		return exitAlerts
	}
	return exitOK
}

// refusals prints the rules of dir that were refused, one located line
// each with its kind, and says whether loading goes on: without --strict
// a refused rule is skipped and the others are used.
func (e *env) refusals(c *command, dir string, refused []*detect.LoadError, strict bool) (int, bool) {
	if len(refused) == 0 {
		return exitOK, true
	}
	rules := map[string]bool{}
	for _, r := range refused {
		rules[r.File] = true
	}
	what := "skipped (--strict makes this fatal)"
	if strict {
		what = "--strict: stopping"
	}
	fmt.Fprintf(e.stderr, "orgsiem %s: %d %s in %s refused, %s:\n", c.name, len(rules), plural(len(rules), "rule", "rules"), dir, what)
	for _, r := range refused {
		fmt.Fprintf(e.stderr, "  %v\n", r)
	}
	if strict {
		return exitError, false
	}
	return exitOK, true
}

// exportedRule is a rule compiled for OpenSearch.
type exportedRule struct {
	ID       string         `json:"id"`
	Title    string         `json:"title"`
	Level    string         `json:"level"`
	Severity int            `json:"severity"`
	Index    string         `json:"index"`
	Report   string         `json:"report,omitempty"`
	Query    map[string]any `json:"query"`
	// NotExpressible says why the rule has no query: OpenSearch 2.x cannot
	// run it on its fields (a wildcard or regexp on a flat_object field),
	// or the compiler does not express a construct (NoDSL).
	NotExpressible string `json:"not_expressible,omitempty"`
	// Notes say where the query differs from the detection (exact case on
	// a flat_object field).
	Notes []string `json:"notes,omitempty"`
	// NoDSL names the construct the query cannot express (the rule then
	// runs in process only and query is null).
	NoDSL        string         `json:"dsl_unsupported,omitempty"`
	Aggregations map[string]any `json:"aggregations,omitempty"`
	Threshold    *exportedThr   `json:"threshold,omitempty"`
	Author       string         `json:"author"`
	License      string         `json:"license"`
	Source       string         `json:"source"`
}

type exportedThr struct {
	Count    int      `json:"count"`
	Distinct string   `json:"distinct,omitempty"`
	GroupBy  []string `json:"group_by,omitempty"`
	Window   string   `json:"window"`
}

func exportRule(r *detect.Rule) exportedRule {
	x := exportedRule{ID: r.ID, Title: r.Title, Level: r.Level, Severity: r.Severity, Index: r.Index(), Report: r.Report,
		Aggregations: r.Aggregations(), Author: r.Author, License: r.License, Source: r.Source}
	q, notes, err := r.ExportQuery()
	if err != nil {
		x.NotExpressible = err.Error()
	}
	x.Query, x.Notes = q, notes
	if x.NoDSL = r.NoDSL(); x.NoDSL != "" {
		x.Query, x.Aggregations, x.Notes = nil, nil, nil
	}
	if t := r.Threshold; t != nil {
		x.Threshold = &exportedThr{Count: t.Count, Distinct: r.DistinctPath(), GroupBy: r.GroupByPaths(), Window: t.Window.String()}
	}
	return x
}

func exportRules(cat *detect.Catalog) []exportedRule {
	out := []exportedRule{}
	for _, r := range cat.Rules() {
		out = append(out, exportRule(r))
	}
	return out
}

// writeJSON writes v as indented JSON on stdout.
func writeJSON(e *env, v any) int {
	if err := encodeJSON(e.stdout, v); err != nil {
		fmt.Fprintf(e.stderr, "orgsiem: %v\n", err)
		return exitError
	}
	return exitOK
}

func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// rulesCoverage prints the ATT&CK techniques the catalog's tested rules
// cover and, with a layer file, writes them as a Navigator layer.
func rulesCoverage(e *env, cat *detect.Catalog, layer string) int {
	cov := cat.Coverage()
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TECHNIQUE\tTACTICS\tRULES")
	for _, tc := range cov {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", tc.ID, orDash(strings.Join(tc.Tactics, ",")), strings.Join(tc.Rules, " "))
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "%d techniques covered by rules with a positive test\n", len(cov))
	if layer == "" {
		return exitOK
	}
	b, err := detect.NavigatorLayer("orgsiem detection coverage", cov)
	if err == nil {
		err = os.WriteFile(layer, append(b, '\n'), 0o644)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "orgsiem rules coverage: --layer %s: %v\n", layer, err)
		return exitError
	}
	return exitOK
}

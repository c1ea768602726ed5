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
		usage:   "orgsiem rules list|show ID|test|export [flags]",
		help: `Rules works on the built-in detection catalog plus any --rules DIR (YAML, one rule per file,
a superset of Sigma; see internal/detect) with --param overrides applied.

  list               one line per rule: id, level, log type, report guideline, title
  show ID            a rule's metadata, attribution, parameters and compiled OpenSearch query
  test               run every rule's inline test events; report failures by rule (exit 1 on failure)
  export             print every rule compiled for OpenSearch (--format opensearch): its index pattern,
                     query and, for threshold rules, the aggregation, as one JSON array`,
		examples: []string{
			"orgsiem rules list --rules ./site-rules",
			"orgsiem rules show cloudtrail-stopped-or-deleted",
			"orgsiem rules test --corpus ../shared/corpus",
			"orgsiem rules export --format opensearch > queries.json",
		},
		run: runRules,
	}
}

func runRules(ctx context.Context, e *env, args []string) int {
	c := rulesCommand()
	var cf catalogFlags
	var format, corpus string
	var verbose bool
	fs := newFlagSet(c.name)
	cf.register(fs)
	fs.StringVar(&format, "format", "", "output `FORMAT`: list: text or json; export: opensearch (default for export)")
	fs.StringVar(&corpus, "corpus", "", "test: run the tests that use real records from the corpus `DIR` (../shared/corpus); skipped when unset")
	fs.BoolVar(&verbose, "v", false, "test: print every test, not only failures")
	pos, code, ok := e.parse(c, fs, args)
	if !ok {
		return code
	}
	if len(pos) == 0 {
		return e.usageError(c, "missing subcommand: list, show, test or export")
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
	case "list", "show", "test", "export":
	default:
		return e.usageError(c, "unknown subcommand %q: want list, show, test or export", sub)
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
	// run it on its fields (a wildcard or regexp on a flat_object field).
	NotExpressible string `json:"not_expressible,omitempty"`
	// Notes say where the query differs from the detection (exact case on
	// a flat_object field).
	Notes        []string       `json:"notes,omitempty"`
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

package report

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
)

// Text writes the report as plain text, the body of the daily e-mail: the
// header with both ends of the window, the summary, the coverage table,
// then each guideline with its status.
//
//	Logging Compliance Report — 2026-11-01
//	Window: 2026-11-01T00:00:00Z to 2026-11-02T00:00:00Z (now-1d)
//	...
//	PCI-05 All access to the S3 bucket storing the AWS logs (PCI DSS 10.2.1.3)
//	- NO DATA: no CloudTrail S3 data events on the log archive bucket in the window ...
func Text(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%s — %s\n", r.Title, r.Date)
	fmt.Fprintf(bw, "Window: %s\n", windowText(r.Window))
	fmt.Fprintf(bw, "Generated: %s\n", timeText(r.Generated))
	fmt.Fprintf(bw, "Events in the window: %s\n", r.EventsLine())
	fmt.Fprintf(bw, "Guidelines: %s\n", r.Summary.Text())
	fmt.Fprintf(bw, "\nCoverage (events per account and log type)\n")
	if len(r.Coverage) == 0 {
		fmt.Fprintf(bw, "  NO EVENTS FROM ANY ACCOUNT\n")
	} else {
		fmt.Fprintf(bw, "  %-12s  %-22s  %-20s  %-20s  %s\n", "ACCOUNT", "LOG TYPE", "FIRST EVENT", "LAST EVENT", "EVENTS")
	}
	for _, c := range r.Coverage {
		if c.Events == 0 {
			fmt.Fprintf(bw, "  %-12s  %s\n", orNone(c.Account), c.Status())
			continue
		}
		fmt.Fprintf(bw, "  %-12s  %-22s  %-20s  %-20s  %d\n", orNone(c.Account), c.LogType, timeText(c.First), timeText(c.Last), c.Events)
	}
	for _, g := range r.Guidelines {
		fmt.Fprintf(bw, "\n%s %s (PCI DSS %s)\n", strings.ToUpper(g.ID), g.Title, g.Requirement)
		fmt.Fprintf(bw, "- %s\n", g.Summary())
		if g.Status != StatusFindings {
			continue
		}
		fmt.Fprintf(bw, "  Rules: %s\n", rulesText(g.Rules))
		fmt.Fprintf(bw, "  Top accounts: %s\n", countsText(g.TopAccounts, true))
		fmt.Fprintf(bw, "  Top principals: %s\n", countsText(g.TopPrincipals, false))
		fmt.Fprintf(bw, "  Per day: %s\n", trendText(g.Trend))
		fmt.Fprintf(bw, "  Latest events:\n")
		for _, e := range g.Events {
			fmt.Fprintf(bw, "    %s\n", e.Text())
		}
	}
	return bw.Flush()
}

// EventsLine is "N events from A accounts in T log types".
func (r *Report) EventsLine() string {
	accts, types := map[string]bool{}, map[string]bool{}
	for _, c := range r.Coverage {
		if c.Events > 0 {
			accts[c.Account], types[c.LogType] = true, true
		}
	}
	return fmt.Sprintf("%d %s from %d %s in %d %s", r.Events, plural(r.Events, "event", "events"),
		len(accts), plural(int64(len(accts)), "account", "accounts"), len(types), plural(int64(len(types)), "log type", "log types"))
}

// Text is the summary line: how many guidelines have findings, none, or
// no data.
func (s Summary) Text() string {
	return fmt.Sprintf("%d with findings, %d without findings, %d NO DATA", s.Findings, s.NoFindings, s.NoData)
}

// Summary is the guideline's line after "- ": its status and what backs
// it.
func (g Guideline) Summary() string {
	switch g.Status {
	case StatusFindings:
		s := fmt.Sprintf("FINDINGS: %d %s indicating %s", g.Count, plural(g.Count, "event", "events"), g.Description)
		if g.Failed > 0 {
			s += fmt.Sprintf(" (%d failed)", g.Failed)
		}
		if g.Level != "" {
			s += "; highest severity " + g.Level
		}
		return s
	case StatusNoData:
		var parts []string
		for _, n := range g.Needs {
			if n.Events == 0 {
				parts = append(parts, fmt.Sprintf("no %s in the window (needs: %s)", n.Name, n.Enable))
			}
		}
		return "NO DATA: " + strings.Join(parts, "; ") + "; the absence of findings proves nothing"
	}
	var parts []string
	for _, n := range g.Needs {
		parts = append(parts, fmt.Sprintf("%d %s (%s) from %d %s", n.Events, n.Name, n.Dataset, n.Accounts, plural(int64(n.Accounts), "account", "accounts")))
	}
	return "No findings in " + strings.Join(parts, " and ")
}

// Status is the row of an account without events in the window.
func (c Coverage) Status() string {
	if c.Events > 0 {
		return fmt.Sprintf("%s  %d %s", timeText(c.Last), c.Events, plural(c.Events, "event", "events"))
	}
	if c.LastSeen.IsZero() {
		return "NO EVENTS IN THE WINDOW (never seen)"
	}
	return fmt.Sprintf("NO EVENTS IN THE WINDOW (last seen %s)", timeText(c.LastSeen))
}

// Text is one evidence line: time, account, principal, action, source,
// event id and rule.
func (e Event) Text() string {
	s := fmt.Sprintf("%s  %s  %s  %s", timeText(e.Time), orNone(e.Account), orNone(e.Principal), orNone(e.Action))
	if e.Source != "" {
		s += "  from " + e.Source
	}
	if e.Outcome == "failure" {
		s += "  FAILED"
	}
	return s + fmt.Sprintf("  id %s (%s)", e.EventID, e.Rule)
}

func rulesText(rs []RuleCount) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("%s (%s, %d)", r.ID, r.Level, r.Count)
	}
	return strings.Join(parts, ", ")
}

func trendText(ds []DayCount) string {
	var parts []string
	for _, d := range ds {
		if d.Count > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", d.Day, d.Count))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

func countsText(cs []Count, withLast bool) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		if withLast && !c.Last.IsZero() {
			parts[i] = fmt.Sprintf("%s (%d, last %s)", orNone(c.Key), c.Count, timeText(c.Last))
		} else {
			parts[i] = fmt.Sprintf("%s (%d)", orNone(c.Key), c.Count)
		}
	}
	return strings.Join(parts, ", ")
}

func windowText(w Window) string {
	s := fmt.Sprintf("%s to %s", timeText(w.From), timeText(w.To))
	if w.Spec != "" {
		s += " (" + w.Spec + ")"
	}
	return s
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// JSON writes the report as one indented JSON object (the Report fields
// with their json tags): the same data as the HTML page.
func JSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

//go:embed report.html.tmpl
var htmlSource string

// htmlTemplate is parsed once; html/template escapes every value.
var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"time":   timeText,
	"window": windowText,
	"none":   orNone,
	"upper":  strings.ToUpper,
	"trend":  trendSVG,
	"label": func(s Status) string {
		return map[Status]string{StatusFindings: "Findings", StatusNoFindings: "No findings", StatusNoData: "NO DATA"}[s]
	},
}).Parse(htmlSource))

// HTML writes the report as a self-contained HTML page (inline CSS and
// SVG, no scripts or external resources, print styles for PDF), every
// value escaped by html/template.
func HTML(w io.Writer, r *Report) error {
	return htmlTemplate.Execute(w, r)
}

// trendSVG draws a guideline's per-day counts as an inline bar chart with
// the days at both ends and the highest count; each bar has a <title>
// (shown on hover, read by screen readers).
func trendSVG(ds []DayCount) template.HTML {
	if len(ds) == 0 {
		return ""
	}
	const width, height, top, bottom = 560.0, 64.0, 12.0, 14.0
	var peak int64
	for _, d := range ds {
		peak = max(peak, d.Count)
	}
	bw := width / float64(len(ds))
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="trend" role="img" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f">`, width, height, width, height)
	fmt.Fprintf(&b, `<title>events per day, highest %d</title>`, peak)
	fmt.Fprintf(&b, `<line x1="0" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#8c959f" stroke-width="1"/>`, height-bottom, width, height-bottom)
	for i, d := range ds {
		h := 0.0
		if peak > 0 {
			h = float64(d.Count) / float64(peak) * (height - top - bottom)
		}
		if d.Count > 0 && h < 1 {
			h = 1
		}
		fmt.Fprintf(&b, `<rect x="%.2f" y="%.2f" width="%.2f" height="%.2f" fill="#cf222e"><title>%s: %d</title></rect>`,
			float64(i)*bw+bw*0.1, height-bottom-h, bw*0.8, h, template.HTMLEscapeString(d.Day), d.Count)
	}
	fmt.Fprintf(&b, `<text x="0" y="%.0f" font-size="10" fill="#57606a">%s</text>`, height-2, template.HTMLEscapeString(ds[0].Day))
	if len(ds) > 1 {
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="10" fill="#57606a" text-anchor="end">%s</text>`, width, height-2, template.HTMLEscapeString(ds[len(ds)-1].Day))
	}
	fmt.Fprintf(&b, `<text x="0" y="9" font-size="10" fill="#57606a">max %d/day</text>`, peak)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

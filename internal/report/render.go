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

// Text writes the report as plain text, the body of the daily e-mail:
//
//	Logging Compliance Report — 2026-11-02
//	Window: 2026-11-01T00:00:00Z to 2026-11-02T00:00:00Z (now-1d)
//	...
//	PCI-01 All commands/API actions by the AWS root user (PCI DSS 10.2.1.2)
//	- 3 API calls indicating use of the AWS root user
//	  Top accounts: 111111111111 (3, last 2026-11-01T10:00:00Z)
//	  Top principals: arn:aws:iam::111111111111:root (3)
//
//	PCI-02 All failed logins at the AWS platform level (PCI DSS 10.2.1.4)
//	- No Alerts Found
//	...
//	Last event seen per account (all log types)
//	  111111111111  2026-11-01T23:59:58Z  12034 events
//	  222222222222  NO EVENTS IN THE WINDOW (last seen 2026-10-30T12:00:00Z)
func Text(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%s — %s\n", r.Title, orDash(r.Date))
	fmt.Fprintf(bw, "Window: %s\n", windowText(r.Window))
	fmt.Fprintf(bw, "Generated: %s\n", timeText(r.Generated))
	fmt.Fprintf(bw, "Events in the window: %d from %d %s\n", r.Events, activeAccounts(r), plural(activeAccounts(r), "account", "accounts"))
	for _, g := range r.Guidelines {
		fmt.Fprintf(bw, "\n%s %s (PCI DSS %s)\n", strings.ToUpper(g.ID), g.Title, g.Requirement)
		fmt.Fprintf(bw, "- %s\n", g.Summary())
		if g.Count == 0 {
			continue
		}
		fmt.Fprintf(bw, "  Top accounts: %s\n", countsText(g.TopAccounts, true))
		fmt.Fprintf(bw, "  Top principals: %s\n", countsText(g.TopPrincipals, false))
	}
	fmt.Fprintf(bw, "\nLast event seen per account (all log types)\n")
	if len(r.LastEventPerAccount) == 0 {
		fmt.Fprintf(bw, "  NO EVENTS FROM ANY ACCOUNT\n")
	}
	for _, a := range r.LastEventPerAccount {
		fmt.Fprintf(bw, "  %-12s  %s\n", accountText(a.Account), a.Status())
	}
	return bw.Flush()
}

// Summary is the guideline's line after "- ": "No Alerts Found" or
// "N API calls indicating <description>", with the failures when any.
func (g Guideline) Summary() string {
	if g.Count == 0 {
		return "No Alerts Found"
	}
	s := fmt.Sprintf("%d %s indicating %s", g.Count, plural(g.Count, "API call", "API calls"), g.Description)
	if g.Failed > 0 {
		s += fmt.Sprintf(" (%d failed)", g.Failed)
	}
	return s
}

// Status is the account's coverage line: its last event and event count,
// or a warning that it delivered nothing in the window.
func (a AccountActivity) Status() string {
	if a.Silent() {
		if a.LastSeen.IsZero() {
			return "NO EVENTS IN THE WINDOW (never seen)"
		}
		return fmt.Sprintf("NO EVENTS IN THE WINDOW (last seen %s)", timeText(a.LastSeen))
	}
	return fmt.Sprintf("%s  %d %s", timeText(a.LastEvent), a.Events, plural(a.Events, "event", "events"))
}

func activeAccounts(r *Report) int64 {
	var n int64
	for _, a := range r.LastEventPerAccount {
		if !a.Silent() {
			n++
		}
	}
	return n
}

func countsText(cs []Count, withLast bool) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		if withLast && !c.Last.IsZero() {
			parts[i] = fmt.Sprintf("%s (%d, last %s)", accountText(c.Key), c.Count, timeText(c.Last))
		} else {
			parts[i] = fmt.Sprintf("%s (%d)", accountText(c.Key), c.Count)
		}
	}
	return strings.Join(parts, ", ")
}

func windowText(w Window) string {
	s := fmt.Sprintf("%s to %s", orDash(timeText(w.From)), orDash(timeText(w.To)))
	if w.Spec != "" {
		s += " (" + w.Spec + ")"
	}
	return s
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func accountText(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
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
// with their json tags).
func JSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

//go:embed report.html.tmpl
var htmlSource string

// htmlTemplate is parsed once; html/template escapes every value.
var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"time":    timeText,
	"window":  windowText,
	"account": accountText,
	"upper":   strings.ToUpper,
	"active":  activeAccounts,
}).Parse(htmlSource))

// HTML writes the report as a self-contained HTML page (inline CSS, no
// external resources or scripts), every value escaped by html/template.
func HTML(w io.Writer, r *Report) error {
	return htmlTemplate.Execute(w, r)
}

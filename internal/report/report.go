// Package report is the daily Logging Compliance Report: its model, the ten
// PCI-DSS guidelines it reports on with the log sources each one needs, a
// Builder that counts them, and renderings as text (the e-mail), JSON and a
// self-contained HTML page.
//
// The numbers come from per-event matches only: alert documents
// (internal/alerts, orgsiem.kind alert: an event rule matched a document)
// and signals (orgsiem.kind signal: a document satisfied a threshold rule's
// condition) whose rule feeds a guideline (orgsiem.report). Builder.Match is
// the one counting rule: `orgsiem scan` feeds it the matches it makes in
// process, and FromSearch (the report Lambda, `orgsiem report`) feeds it
// the alert documents read back from orgsiem-alerts-*, so both give the same
// numbers for the same events.
//
// Coverage (events per account and log type, first and last event, and the
// events of each source a guideline needs) comes from the documents
// themselves: in process from each document, on the domain from
// aggregations over keyword and date fields of the log indices.
//
// A guideline is one of three things, never a green default:
//   - findings: N events matched, with the highest severity, the rules, the
//     top accounts and principals, the latest events and a per-day trend;
//   - no findings: nothing matched, and the report says what was examined
//     (log types, accounts, events of the sources the guideline needs);
//   - no data: a source the guideline needs delivered nothing in the window
//     (named, with how to enable it), so the absence of findings proves
//     nothing.
package report

import (
	"time"
)

// Report is one Logging Compliance Report.
type Report struct {
	// Title is the report's heading ("Logging Compliance Report").
	Title string `json:"title"`
	// Date is the day reported on, YYYY-MM-DD: the UTC day of the last
	// instant of the window.
	Date string `json:"date"`
	// Window is the range of event time the report covers; both ends are
	// always set.
	Window Window `json:"window"`
	// Generated is when the report was made.
	Generated time.Time `json:"generated"`
	// Events is the number of events of all accounts and log types in the
	// window (error documents excluded).
	Events int64 `json:"events"`
	// Summary counts the guidelines by status.
	Summary Summary `json:"summary"`
	// Coverage lists, per account and log type, the events of the window
	// and the first and last of them, sorted by account then log type.
	// Expected accounts (BuilderOptions.Accounts) that delivered nothing
	// have one row with an empty LogType and no events.
	Coverage []Coverage `json:"coverage"`
	// Guidelines are pci-01 .. pci-10, in order, each present.
	Guidelines []Guideline `json:"guidelines"`
}

// Window is a range [From, To) of event time.
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Spec is how the window was asked for, e.g. "now-1d"; empty when it
	// was given as absolute times.
	Spec string `json:"spec,omitempty"`
}

// Contains reports whether t falls in [From, To).
func (w Window) Contains(t time.Time) bool { return !t.Before(w.From) && t.Before(w.To) }

// Summary counts the guidelines by status.
type Summary struct {
	Findings   int `json:"findings"`
	NoFindings int `json:"no_findings"`
	NoData     int `json:"no_data"`
}

// Coverage is what one account delivered of one log type in the window.
type Coverage struct {
	Account string `json:"account"`
	// LogType is the event.dataset (aws.<type>); empty on the row of an
	// expected account that delivered nothing.
	LogType string    `json:"log_type"`
	First   time.Time `json:"first_event,omitzero"`
	Last    time.Time `json:"last_event,omitzero"`
	Events  int64     `json:"events"`
	// LastSeen is, for an account without events in the window, its last
	// event seen outside it (in process only; zero otherwise).
	LastSeen time.Time `json:"last_seen,omitzero"`
}

// Status of a guideline.
type Status string

// Statuses.
const (
	// StatusFindings: events matched the guideline's rules.
	StatusFindings Status = "findings"
	// StatusNoFindings: the sources it needs delivered events, none matched.
	StatusNoFindings Status = "no_findings"
	// StatusNoData: a source it needs delivered nothing in the window.
	StatusNoData Status = "no_data"
)

// Guideline is one report line.
type Guideline struct {
	ID          string `json:"id"` // pci-01 .. pci-10
	Title       string `json:"title"`
	Description string `json:"description"` // completes "N events indicating ..."
	Requirement string `json:"requirement"` // the PCI DSS v4.0 requirement it evidences
	Status      Status `json:"status"`
	// Needs are the log sources the guideline is evaluated on, with what
	// each delivered in the window.
	Needs []NeedCoverage `json:"needs"`
	// Count is the number of matching events, each counted once however
	// many of the guideline's rules (alerts and signals) it matched.
	Count int64 `json:"count"`
	// Failed is how many of them failed (event.outcome failure).
	Failed int64 `json:"failed"`
	// Level and Severity are the highest of the matching rules (empty, 0
	// without findings).
	Level    string `json:"level,omitempty"`
	Severity int    `json:"severity,omitempty"`
	// Rules are the rules that matched, with their alert counts, highest
	// severity first.
	Rules []RuleCount `json:"rules"`
	// TopAccounts are the accounts with the most matching events, each with
	// its last matching event; TopPrincipals the principals (user.name).
	TopAccounts   []Count `json:"top_accounts"`
	TopPrincipals []Count `json:"top_principals"`
	// Events are the latest matching events (at most BuilderOptions.Events),
	// newest first: the evidence to follow.
	Events []Event `json:"events"`
	// Trend is the number of matching events per UTC day of the window.
	Trend []DayCount `json:"trend"`
}

// NeedCoverage is one needed source and what it delivered.
type NeedCoverage struct {
	Source
	Events   int64 `json:"events"`
	Accounts int   `json:"accounts"`
}

// RuleCount is one rule of a guideline and how many alert documents it
// produced in the window.
type RuleCount struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Level    string `json:"level"`
	Severity int    `json:"severity"`
	Kind     string `json:"kind"` // alert or signal
	Count    int64  `json:"count"`
}

// Event is one matching event, as the alert document describes it.
type Event struct {
	Time      time.Time `json:"time"`
	Account   string    `json:"account,omitempty"`
	Principal string    `json:"principal,omitempty"`
	Action    string    `json:"action,omitempty"`
	Source    string    `json:"source,omitempty"`
	Outcome   string    `json:"outcome,omitempty"`
	Rule      string    `json:"rule"`
	// EventID and Index locate the document (its _id and index).
	EventID string `json:"event_id"`
	Index   string `json:"index,omitempty"`
}

// DayCount is a count on one UTC day (YYYY-MM-DD).
type DayCount struct {
	Day   string `json:"day"`
	Count int64  `json:"count"`
}

// Count is a value and how many events had it.
type Count struct {
	Key   string    `json:"key"`
	Count int64     `json:"count"`
	Last  time.Time `json:"last,omitzero"` // last event with this value
}

// Source is a log source a guideline needs: the documents of one
// event.dataset, optionally narrowed to one event.provider and one
// CloudTrail eventCategory. All fields are keyword fields of the log
// indices, so coverage is an exact aggregation on the domain.
type Source struct {
	Name     string `json:"name"`               // what an auditor reads: "CloudTrail S3 data events"
	Dataset  string `json:"dataset"`            // event.dataset
	Provider string `json:"provider,omitempty"` // event.provider (CloudTrail eventSource)
	Category string `json:"category,omitempty"` // aws.cloudtrail.eventCategory: Management, Data, Insight
	// Enable says how to get the source when it is missing.
	Enable string `json:"enable"`
}

// key identifies a source in searches and maps.
func (s Source) key() string { return s.Dataset + "|" + s.Provider + "|" + s.Category }

// Definition describes one guideline of the report.
type Definition struct {
	ID          string
	Title       string // the seed's wording
	Description string // completes "N events indicating ..."
	Requirement string // PCI DSS v4.0 requirement
	// Needs are the sources the guideline's rules read: each must deliver
	// events in the window for "no findings" to mean anything.
	Needs []Source
}

// The sources the guidelines need (CloudTrail UG, "CloudTrail record
// contents": eventCategory is Management, Data or Insight; S3 object-level
// calls are data events, recorded only when a trail's event selectors ask
// for them).
var (
	cloudTrailManagement = Source{Name: "CloudTrail management events", Dataset: "aws.cloudtrail",
		Enable: "the organization trail delivering to the archive (deployed by orgsiem); check the trail is logging and the loader is indexing"}
	s3DataEvents = Source{Name: "CloudTrail S3 data events on the log archive bucket", Dataset: "aws.cloudtrail", Provider: "s3.amazonaws.com", Category: "Data",
		Enable: "the organization trail's data-event selector for the archive bucket (deployed by orgsiem): check it is in place and that nobody removed it"}
)

// definitions are the ten seed guidelines, titles and predicates from
// research/detections.md §2 (requirements: PCI DSS v4.0 10.2.1.x).
var definitions = [...]Definition{
	{"pci-01", "All commands/API actions by the AWS root user", "use of the AWS root user", "10.2.1.2", []Source{cloudTrailManagement}},
	{"pci-02", "All failed logins at the AWS platform level", "failed logins at the AWS platform level", "10.2.1.4", []Source{cloudTrailManagement}},
	{"pci-03", "RDS configuration changes", "RDS configuration changes", "10.2.1.7", []Source{cloudTrailManagement}},
	{"pci-04", "Enabling/disabling/changing CloudTrail and CloudWatch Logs", "enabling, disabling or changing CloudTrail or CloudWatch Logs", "10.2.1.6", []Source{cloudTrailManagement}},
	{"pci-05", "All access to the S3 bucket storing the AWS logs", "access to the S3 bucket storing the AWS logs", "10.2.1.3", []Source{s3DataEvents}},
	{"pci-06", "VPC create/delete/change", "VPC creation, deletion or changes", "10.2.1.7", []Source{cloudTrailManagement}},
	{"pci-07", "Security group and NACL changes", "security group or network ACL changes", "10.2.1.7", []Source{cloudTrailManagement}},
	{"pci-08", "IAM user/role/group changes", "IAM user, role, group, policy or credential changes", "10.2.1.5", []Source{cloudTrailManagement}},
	{"pci-09", "Route table changes", "route table changes", "10.2.1.7", []Source{cloudTrailManagement}},
	{"pci-10", "Subnet changes", "subnet changes", "10.2.1.7", []Source{cloudTrailManagement}},
}

// Definitions returns the ten guidelines in report order. The slice and
// the Needs are new on each call.
func Definitions() []Definition {
	out := make([]Definition, len(definitions))
	for i, d := range definitions {
		d.Needs = append([]Source(nil), d.Needs...)
		out[i] = d
	}
	return out
}

// Guidelines returns the guideline ids in report order.
func Guidelines() []string {
	out := make([]string, len(definitions))
	for i, d := range definitions {
		out[i] = d.ID
	}
	return out
}

// needs returns every distinct source any guideline needs, in a stable
// order.
func needs() []Source {
	var out []Source
	seen := map[string]bool{}
	for _, d := range definitions {
		for _, s := range d.Needs {
			if !seen[s.key()] {
				seen[s.key()] = true
				out = append(out, s)
			}
		}
	}
	return out
}

// guidelineIndex returns the position of guideline id, or -1.
func guidelineIndex(id string) int {
	for i := range definitions {
		if definitions[i].ID == id {
			return i
		}
	}
	return -1
}

// Title is the heading of every report.
const Title = "Logging Compliance Report"

// DefaultTop is how many accounts and principals a guideline lists.
const DefaultTop = 5

// DefaultEvents is how many of its latest events a guideline lists.
const DefaultEvents = 10

// maxTrendDays bounds the per-day trend: a longer window has no trend
// (TrendDays says why).
const maxTrendDays = 400

// reportDate is the UTC day of the last instant of the window.
func reportDate(w Window) string {
	return w.To.Add(-time.Nanosecond).UTC().Format(time.DateOnly)
}

// days returns the UTC days of the window, or nil when there are more
// than maxTrendDays.
func days(w Window) []string {
	first := w.From.UTC().Truncate(24 * time.Hour)
	last := w.To.Add(-time.Nanosecond).UTC()
	if last.Before(first) {
		return nil
	}
	n := int(last.Sub(first)/(24*time.Hour)) + 1
	if n > maxTrendDays {
		return nil
	}
	out := make([]string, 0, n)
	for d := first; !d.After(last); d = d.Add(24 * time.Hour) {
		out = append(out, d.Format(time.DateOnly))
	}
	return out
}

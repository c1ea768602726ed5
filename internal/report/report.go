// Package report is the daily Logging Compliance Report: its model, the ten
// PCI-DSS guidelines it reports on, a Builder that fills it from a stream of
// documents and alerts (the local scan), a reader that fills it from the
// OpenSearch aggregation of detect.Catalog.ReportQuery (the report Lambda),
// and its renderings as text (the e-mail), JSON and a self-contained HTML page.
//
// The report follows the seed's shape: a header with the date and the window
// (now-1d by default), then for each guideline either "- No Alerts Found" or
// "- N API calls indicating <description>". Each guideline also lists its top
// accounts (with the last matching event of each) and top principals, and the
// report ends with the last event seen per account over all events of the
// window, so that an empty guideline can be told apart from a broken pipeline
// (PCI DSS v4.0 10.7).
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
	// Window is the range of event time the report covers.
	Window Window `json:"window"`
	// Generated is when the report was made.
	Generated time.Time `json:"generated"`
	// Guidelines are pci-01 .. pci-10, in order, each present even when
	// nothing matched.
	Guidelines []Guideline `json:"guidelines"`
	// LastEventPerAccount is the coverage of the window: for every account
	// seen (or expected), its last event of any kind and how many events it
	// had, sorted by account. An account whose Events is 0 delivered nothing
	// in the window.
	LastEventPerAccount []AccountActivity `json:"last_event_per_account"`
	// Events is the number of events of all accounts in the window.
	Events int64 `json:"events"`
}

// Window is a range [From, To) of event time.
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Spec is how the window was asked for, e.g. "now-1d" or "all"; empty
	// when it was given as absolute times.
	Spec string `json:"spec,omitempty"`
}

// Guideline is one report line: the events matching the rules that feed
// guideline ID.
type Guideline struct {
	ID          string `json:"id"` // pci-01 .. pci-10
	Title       string `json:"title"`
	Description string `json:"description"` // completes "N API calls indicating ..."
	Requirement string `json:"requirement"` // the PCI DSS v4.0 requirement it evidences
	// Count is the number of matching events (each counted once, however
	// many of the guideline's rules it matched).
	Count int64 `json:"count"`
	// Failed is how many of them failed (event.outcome failure).
	Failed int64 `json:"failed"`
	// TopAccounts are the accounts with the most matching events, each with
	// the time of its last matching event (Last).
	TopAccounts []Count `json:"top_accounts"`
	// TopPrincipals are the principals (user.name) with the most matching
	// events.
	TopPrincipals []Count `json:"top_principals"`
}

// Count is a value and how many events had it.
type Count struct {
	Key   string    `json:"key"`
	Count int64     `json:"count"`
	Last  time.Time `json:"last,omitzero"` // last event with this value, when known
}

// AccountActivity is what one account delivered in the window.
type AccountActivity struct {
	Account string `json:"account"`
	// LastEvent is the account's last event in the window (zero: none).
	LastEvent time.Time `json:"last_event,omitzero"`
	// Events is how many events the account had in the window.
	Events int64 `json:"events"`
	// LastSeen is the account's last event outside the window, when it had
	// none inside and one was seen (zero otherwise).
	LastSeen time.Time `json:"last_seen,omitzero"`
}

// Silent reports whether the account delivered no event in the window.
func (a AccountActivity) Silent() bool { return a.Events == 0 }

// Definition describes one guideline of the report.
type Definition struct {
	ID          string
	Title       string // the seed's wording
	Description string // completes "N API calls indicating ..."
	Requirement string // PCI DSS v4.0 requirement
}

// definitions are the ten seed guidelines, titles and predicates from
// research/detections.md §2 (requirements: PCI DSS v4.0 10.2.1.x).
var definitions = [...]Definition{
	{"pci-01", "All commands/API actions by the AWS root user", "use of the AWS root user", "10.2.1.2"},
	{"pci-02", "All failed logins at the AWS platform level", "failed logins at the AWS platform level", "10.2.1.4"},
	{"pci-03", "RDS configuration changes", "RDS configuration changes", "10.2.1.7"},
	{"pci-04", "Enabling/disabling/changing CloudTrail and CloudWatch Logs", "enabling, disabling or changing CloudTrail or CloudWatch Logs", "10.2.1.6"},
	{"pci-05", "All access to the S3 bucket storing the AWS logs", "access to the S3 bucket storing the AWS logs", "10.2.1.3"},
	{"pci-06", "VPC create/delete/change", "VPC creation, deletion or changes", "10.2.1.7"},
	{"pci-07", "Security group and NACL changes", "security group or network ACL changes", "10.2.1.7"},
	{"pci-08", "IAM user/role/group changes", "IAM user, role, group, policy or credential changes", "10.2.1.5"},
	{"pci-09", "Route table changes", "route table changes", "10.2.1.7"},
	{"pci-10", "Subnet changes", "subnet changes", "10.2.1.7"},
}

// Definitions returns the ten guidelines in report order. The slice is new
// on each call.
func Definitions() []Definition {
	out := make([]Definition, len(definitions))
	copy(out, definitions[:])
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

// newReport returns a report with every guideline present and empty.
func newReport(w Window, generated time.Time) *Report {
	r := &Report{Title: Title, Window: w, Generated: generated.UTC(), Date: reportDate(w)}
	r.Guidelines = make([]Guideline, len(definitions))
	for i, d := range definitions {
		r.Guidelines[i] = Guideline{ID: d.ID, Title: d.Title, Description: d.Description, Requirement: d.Requirement,
			TopAccounts: []Count{}, TopPrincipals: []Count{}}
	}
	r.LastEventPerAccount = []AccountActivity{}
	return r
}

// reportDate is the UTC day of the last instant of the window.
func reportDate(w Window) string {
	if w.To.IsZero() {
		return ""
	}
	return w.To.Add(-time.Nanosecond).UTC().Format(time.DateOnly)
}

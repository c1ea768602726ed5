package report

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/orgsiem/orgsiem/internal/alerts"
	"github.com/orgsiem/orgsiem/internal/ecs"
)

// BuilderOptions configure a Builder.
type BuilderOptions struct {
	// From and To bound the window [From, To) of event time. A zero bound
	// is open while counting and closed by Report: From by the first event
	// seen, To by the last (or by the generation time when nothing was
	// seen), so the report's window always has two ends.
	From, To time.Time
	// Spec is how the window was asked for ("now-1d" ...), shown in the
	// header.
	Spec string
	// Accounts are accounts expected to deliver events (the organization's
	// members): each has a coverage row even when it delivered nothing.
	Accounts []string
	// Top is how many accounts and principals each guideline lists
	// (0: DefaultTop); Events how many of its latest events (0:
	// DefaultEvents).
	Top, Events int
}

// Builder counts a report. Match is the counting rule of every path: the
// local scan calls it with the matches it makes, FromSearch with the alert
// documents it reads back. Document (or, on the domain, the coverage
// aggregation) records what each account and source delivered.
//
// Memory does not grow with the number of events: one counter per account,
// principal, rule and day of each guideline, the latest Events events, and
// one row per account and log type. It is not safe for concurrent use.
type Builder struct {
	opts       BuilderOptions
	needs      []Source
	guidelines [len(definitions)]guidelineState
	coverage   map[covKey]*Coverage
	lastSeen   map[string]time.Time // per account, any time
	needEvents []int64
	needAccts  []map[string]bool
	first      time.Time // first and last event time in the window
	last       time.Time
	events     int64
}

type covKey struct{ account, dataset string }

type guidelineState struct {
	count, failed int64
	lastDoc       string // index and _id of the last event counted: the matches of one event arrive together
	rules         map[string]*RuleCount
	accounts      map[string]*Count
	principals    map[string]*Count
	days          map[string]int64
	latest        []Event // newest first, at most opts.Events
}

// NewBuilder returns an empty builder.
func NewBuilder(opts BuilderOptions) *Builder {
	if opts.Top <= 0 {
		opts.Top = DefaultTop
	}
	if opts.Events <= 0 {
		opts.Events = DefaultEvents
	}
	b := &Builder{opts: opts, needs: needs(), coverage: map[covKey]*Coverage{}, lastSeen: map[string]time.Time{}}
	b.needEvents = make([]int64, len(b.needs))
	b.needAccts = make([]map[string]bool, len(b.needs))
	for i := range b.needAccts {
		b.needAccts[i] = map[string]bool{}
	}
	for i := range b.guidelines {
		b.guidelines[i] = guidelineState{rules: map[string]*RuleCount{}, accounts: map[string]*Count{},
			principals: map[string]*Count{}, days: map[string]int64{}}
	}
	return b
}

// InWindow reports whether t falls in the builder's window (open ends
// admit everything).
func (b *Builder) InWindow(t time.Time) bool {
	return (b.opts.From.IsZero() || !t.Before(b.opts.From)) && (b.opts.To.IsZero() || t.Before(b.opts.To))
}

// pipelineError is the event.kind of error documents (logs.KindPipelineError):
// their @timestamp is a delivery time, not an event's, so they are not events
// of the window.
const pipelineError = "pipeline_error"

// Document records one normalized document for the coverage of its
// account, log type and the sources guidelines need. Error documents are
// ignored.
func (b *Builder) Document(d *ecs.Document) {
	if d.Event.Kind == pipelineError {
		return
	}
	acct := d.Cloud.AccountID
	t := d.Timestamp
	if t.After(b.lastSeen[acct]) {
		b.lastSeen[acct] = t
	}
	if !b.InWindow(t) {
		return
	}
	ds := d.Event.Dataset
	if ds == "" {
		ds = "aws." + d.Type
	}
	b.addCoverage(acct, ds, t, t, 1)
	for i, s := range b.needs {
		if s.Dataset != ds || (s.Provider != "" && !strings.EqualFold(s.Provider, d.Event.Provider)) {
			continue
		}
		if s.Category != "" && gjson.GetBytes(d.AWS, "eventCategory").String() != s.Category {
			continue
		}
		b.addNeed(i, acct, 1)
	}
}

// addCoverage adds n events of dataset from account, first..last.
func (b *Builder) addCoverage(account, dataset string, first, last time.Time, n int64) {
	if n <= 0 {
		return
	}
	k := covKey{account, dataset}
	c := b.coverage[k]
	if c == nil {
		c = &Coverage{Account: account, LogType: dataset, First: first, Last: last}
		b.coverage[k] = c
	}
	c.Events += n
	if first.Before(c.First) {
		c.First = first
	}
	if last.After(c.Last) {
		c.Last = last
	}
	b.events += n
	if b.first.IsZero() || first.Before(b.first) {
		b.first = first
	}
	if last.After(b.last) {
		b.last = last
	}
}

// addNeed adds n events of need i from account.
func (b *Builder) addNeed(i int, account string, n int64) {
	b.needEvents[i] += n
	b.needAccts[i][account] = true
}

// Match records one per-event match: an alert document of kind alert (an
// event rule matched the document) or signal (the document satisfied a
// threshold rule's condition). Matches without a known guideline, of
// another kind, or outside the window are ignored. Each event counts once
// per guideline however many of its rules it matched: the matches of one
// document must arrive together (detect.Matcher emits them per document;
// FromSearch reads them sorted by time and document).
func (b *Builder) Match(a alerts.Document) {
	if a.Guideline == "" || (a.Kind != alerts.KindAlert && a.Kind != alerts.KindSignal) || !b.InWindow(a.Timestamp) {
		return
	}
	i := guidelineIndex(a.Guideline)
	if i < 0 {
		return
	}
	g := &b.guidelines[i]
	r := g.rules[a.RuleID]
	if r == nil {
		r = &RuleCount{ID: a.RuleID, Title: a.RuleName, Level: a.Level, Severity: a.Severity, Kind: a.Kind}
		g.rules[a.RuleID] = r
	}
	r.Count++
	doc := a.DocIndex + "\x00" + a.DocID
	if doc == g.lastDoc {
		return
	}
	g.lastDoc = doc
	g.count++
	if a.Outcome == "failure" {
		g.failed++
	}
	t := a.Timestamp.UTC()
	add(g.accounts, a.Account, t)
	add(g.principals, a.Principal, t)
	g.days[t.Format(time.DateOnly)]++
	src := a.Source
	if src == "" {
		src = a.SourceIP
	}
	g.latest = keepLatest(g.latest, Event{Time: t, Account: a.Account, Principal: a.Principal, Action: a.Action,
		Source: src, Outcome: a.Outcome, Rule: a.RuleID, EventID: a.DocID, Index: a.DocIndex}, b.opts.Events)
}

// newer orders events newest first, then by index and id, so the latest N
// are the same whatever order the matches came in.
func newer(x, y Event) int {
	if c := y.Time.Compare(x.Time); c != 0 {
		return c
	}
	if c := cmp.Compare(x.Index, y.Index); c != 0 {
		return c
	}
	return cmp.Compare(x.EventID, y.EventID)
}

func keepLatest(es []Event, e Event, n int) []Event {
	i, _ := slices.BinarySearchFunc(es, e, newer)
	if i >= n {
		return es
	}
	es = slices.Insert(es, i, e)
	if len(es) > n {
		es = es[:n]
	}
	return es
}

func add(m map[string]*Count, key string, t time.Time) {
	c := m[key]
	if c == nil {
		c = &Count{Key: key}
		m[key] = c
	}
	c.Count++
	if t.After(c.Last) {
		c.Last = t
	}
}

// window closes the open ends (see BuilderOptions.From).
func (b *Builder) window(generated time.Time) Window {
	w := Window{From: b.opts.From, To: b.opts.To, Spec: b.opts.Spec}
	if w.To.IsZero() {
		w.To = generated.UTC()
		if !b.last.IsZero() {
			w.To = b.last.Add(time.Second).Truncate(time.Second)
		}
	}
	if w.From.IsZero() {
		w.From = w.To
		if !b.first.IsZero() {
			w.From = b.first.Truncate(time.Second)
		}
	}
	if w.To.Before(w.From) {
		w.To = w.From
	}
	w.From, w.To = w.From.UTC(), w.To.UTC()
	return w
}

// Report returns the report of everything recorded so far.
func (b *Builder) Report(generated time.Time) *Report {
	w := b.window(generated)
	r := &Report{Title: Title, Window: w, Generated: generated.UTC(), Date: reportDate(w), Events: b.events}
	for _, c := range b.coverage {
		r.Coverage = append(r.Coverage, *c)
	}
	for _, a := range b.opts.Accounts {
		if !b.hasAccount(a) {
			r.Coverage = append(r.Coverage, Coverage{Account: a, LastSeen: b.lastSeen[a]})
		}
	}
	for a, t := range b.lastSeen {
		if !b.hasAccount(a) && !slices.Contains(b.opts.Accounts, a) {
			r.Coverage = append(r.Coverage, Coverage{Account: a, LastSeen: t})
		}
	}
	slices.SortFunc(r.Coverage, func(x, y Coverage) int {
		return cmp.Or(cmp.Compare(x.Account, y.Account), cmp.Compare(x.LogType, y.LogType))
	})
	if r.Coverage == nil {
		r.Coverage = []Coverage{}
	}
	needCov := map[string]NeedCoverage{}
	for i, s := range b.needs {
		needCov[s.key()] = NeedCoverage{Source: s, Events: b.needEvents[i], Accounts: len(b.needAccts[i])}
	}
	days := days(w)
	for i, def := range definitions {
		g, st := Guideline{ID: def.ID, Title: def.Title, Description: def.Description, Requirement: def.Requirement}, &b.guidelines[i]
		for _, s := range def.Needs {
			g.Needs = append(g.Needs, needCov[s.key()])
		}
		g.Count, g.Failed = st.count, st.failed
		for _, rc := range st.rules {
			g.Rules = append(g.Rules, *rc)
			if g.Severity == 0 || (rc.Severity > 0 && rc.Severity < g.Severity) {
				g.Level, g.Severity = rc.Level, rc.Severity
			}
		}
		slices.SortFunc(g.Rules, func(x, y RuleCount) int {
			return cmp.Or(cmp.Compare(x.Severity, y.Severity), cmp.Compare(y.Count, x.Count), cmp.Compare(x.ID, y.ID))
		})
		if g.Rules == nil {
			g.Rules = []RuleCount{}
		}
		g.TopAccounts = top(st.accounts, b.opts.Top)
		g.TopPrincipals = top(st.principals, b.opts.Top)
		g.Events = append([]Event{}, st.latest...)
		g.Trend = []DayCount{}
		for _, d := range days {
			g.Trend = append(g.Trend, DayCount{Day: d, Count: st.days[d]})
		}
		g.Status = status(g)
		switch g.Status {
		case StatusFindings:
			r.Summary.Findings++
		case StatusNoData:
			r.Summary.NoData++
		default:
			r.Summary.NoFindings++
		}
		r.Guidelines = append(r.Guidelines, g)
	}
	return r
}

// status is findings when events matched; otherwise no data when a needed
// source delivered nothing, else no findings.
func status(g Guideline) Status {
	if g.Count > 0 {
		return StatusFindings
	}
	for _, n := range g.Needs {
		if n.Events == 0 {
			return StatusNoData
		}
	}
	return StatusNoFindings
}

func (b *Builder) hasAccount(a string) bool {
	for k := range b.coverage {
		if k.account == a {
			return true
		}
	}
	return false
}

// top returns the n largest counts, by count then key.
func top(m map[string]*Count, n int) []Count {
	out := make([]Count, 0, len(m))
	for _, c := range m {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(x, y Count) int {
		return cmp.Or(cmp.Compare(y.Count, x.Count), cmp.Compare(x.Key, y.Key))
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

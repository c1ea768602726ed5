package report

import (
	"cmp"
	"slices"
	"time"

	"github.com/orgsiem/orgsiem/internal/detect"
	"github.com/orgsiem/orgsiem/internal/ecs"
)

// BuilderOptions configure a Builder.
type BuilderOptions struct {
	// From and To bound the window [From, To) of event time. A zero bound
	// is open; the report then shows the first (last) event time seen.
	From, To time.Time
	// Spec is how the window was asked for ("now-1d", "all" ...), shown in
	// the header.
	Spec string
	// Accounts are accounts expected to deliver events (the organization's
	// members): each is listed in LastEventPerAccount even when it delivered
	// nothing at all.
	Accounts []string
	// Top is how many accounts and principals each guideline lists;
	// 0 means DefaultTop.
	Top int
}

// Builder fills a report from a stream: every normalized document (for the
// coverage of each account) and every alert (the alerts of rules with a
// report: guideline feed that guideline). It keeps one counter per account
// and per principal of each guideline, so its memory does not grow with the
// number of events. It is not safe for concurrent use.
type Builder struct {
	opts       BuilderOptions
	guidelines [len(definitions)]guidelineState
	accounts   map[string]*accountState
	first      time.Time // first and last event time in the window
	last       time.Time
	events     int64
}

type guidelineState struct {
	count, failed int64
	lastDoc       string // _id of the last event counted (dedup across rules)
	accounts      map[string]*Count
	principals    map[string]*Count
}

type accountState struct {
	events    int64
	lastEvent time.Time // in the window
	lastSeen  time.Time // anywhere
}

// NewBuilder returns an empty builder.
func NewBuilder(opts BuilderOptions) *Builder {
	if opts.Top <= 0 {
		opts.Top = DefaultTop
	}
	b := &Builder{opts: opts, accounts: map[string]*accountState{}}
	for _, a := range opts.Accounts {
		b.accounts[a] = &accountState{}
	}
	for i := range b.guidelines {
		b.guidelines[i].accounts = map[string]*Count{}
		b.guidelines[i].principals = map[string]*Count{}
	}
	return b
}

// InWindow reports whether t falls in the builder's window.
func (b *Builder) InWindow(t time.Time) bool {
	return (b.opts.From.IsZero() || !t.Before(b.opts.From)) && (b.opts.To.IsZero() || t.Before(b.opts.To))
}

// pipelineError is the event.kind of error documents (logs.KindPipelineError):
// their @timestamp is a delivery time, not an event's, so they are not events
// of the window.
const pipelineError = "pipeline_error"

// Document records one normalized document of any log type for the
// coverage of its account (cloud.account.id; "" for documents without one).
// Error documents (event.kind pipeline_error) are ignored: they carry no
// event time.
func (b *Builder) Document(d *ecs.Document) {
	if d.Event.Kind == pipelineError {
		return
	}
	acct := b.account(d.Cloud.AccountID)
	t := d.Timestamp
	if t.After(acct.lastSeen) {
		acct.lastSeen = t
	}
	if !b.InWindow(t) {
		return
	}
	acct.events++
	b.events++
	if t.After(acct.lastEvent) {
		acct.lastEvent = t
	}
	if b.first.IsZero() || t.Before(b.first) {
		b.first = t
	}
	if t.After(b.last) {
		b.last = t
	}
}

func (b *Builder) account(id string) *accountState {
	a := b.accounts[id]
	if a == nil {
		a = &accountState{}
		b.accounts[id] = a
	}
	return a
}

// Alert records one alert. Alerts of rules without a report guideline and
// alerts outside the window are ignored. d is the document the alert
// matched, used for its outcome; pass nil for threshold alerts, which then
// count their Count events. An event matched by several rules of one
// guideline is counted once, as long as its alerts arrive one after the
// other (as detect.Matcher.Match emits them).
func (b *Builder) Alert(a detect.Alert, d *ecs.Document) {
	if a.Rule == nil || a.Rule.Report == "" || !b.InWindow(a.Time) {
		return
	}
	i := guidelineIndex(a.Rule.Report)
	if i < 0 {
		return
	}
	g := &b.guidelines[i]
	n := int64(1)
	if a.Rule.IsThreshold() {
		n = int64(a.Count)
	} else {
		if a.DocID != "" && a.DocID == g.lastDoc {
			return
		}
		g.lastDoc = a.DocID
	}
	g.count += n
	if d != nil && d.Event.Outcome == "failure" {
		g.failed += n
	}
	add(g.accounts, a.Account, n, a.Time)
	add(g.principals, a.Principal, n, a.Time)
}

func add(m map[string]*Count, key string, n int64, t time.Time) {
	c := m[key]
	if c == nil {
		c = &Count{Key: key}
		m[key] = c
	}
	c.Count += n
	if t.After(c.Last) {
		c.Last = t
	}
}

// Report returns the report of everything recorded so far.
func (b *Builder) Report(generated time.Time) *Report {
	w := Window{From: b.opts.From, To: b.opts.To, Spec: b.opts.Spec}
	if w.From.IsZero() {
		w.From = b.first
	}
	if w.To.IsZero() && !b.last.IsZero() {
		w.To = b.last.Add(time.Nanosecond)
	}
	r := newReport(w, generated)
	r.Events = b.events
	for i := range b.guidelines {
		g, out := &b.guidelines[i], &r.Guidelines[i]
		out.Count, out.Failed = g.count, g.failed
		out.TopAccounts = top(g.accounts, b.opts.Top)
		out.TopPrincipals = top(g.principals, b.opts.Top)
	}
	for id, a := range b.accounts {
		act := AccountActivity{Account: id, LastEvent: a.lastEvent, Events: a.events}
		if a.events == 0 {
			act.LastSeen = a.lastSeen
		}
		r.LastEventPerAccount = append(r.LastEventPerAccount, act)
	}
	sortActivity(r.LastEventPerAccount)
	return r
}

func sortActivity(as []AccountActivity) {
	slices.SortFunc(as, func(x, y AccountActivity) int { return cmp.Compare(x.Account, y.Account) })
}

// top returns the n largest counts, by count then key.
func top(m map[string]*Count, n int) []Count {
	out := make([]Count, 0, len(m))
	for _, c := range m {
		out = append(out, *c)
	}
	sortCounts(out)
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func sortCounts(cs []Count) {
	slices.SortFunc(cs, func(x, y Count) int {
		if c := cmp.Compare(y.Count, x.Count); c != 0 {
			return c
		}
		return cmp.Compare(x.Key, y.Key)
	})
}

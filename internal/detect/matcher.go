package detect

import (
	"math"
	"sort"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// Alert is one rule match: a single event, or a threshold window. It
// carries the rule's attribution (Author, License, RuleSource), which
// Sigma-derived rules (DRL 1.1) require in every view of a match.
type Alert struct {
	Rule     *Rule
	RuleID   string
	Title    string
	Level    string
	Severity int

	// Time is the event time: of the event, or of the last event of a
	// threshold window. WindowStart and WindowEnd bound a threshold window.
	Time        time.Time
	WindowStart time.Time
	WindowEnd   time.Time

	// Context of the (last) event.
	Account   string // cloud.account.id
	Region    string // cloud.region
	Principal string // user.name (CloudTrail: userIdentity.arn when unset)
	Source    string // source.ip, else source.address
	DocID     string // _id of the (last) event
	Index     string // index of the (last) event

	// Count is 1 for event rules; for threshold rules the number of events
	// (or distinct values) in the window.
	Count int
	// Group holds the threshold group_by values by rule field name.
	Group map[string]string

	Author     string
	License    string
	RuleSource string
}

// MatcherStats count what a matcher did. Every document is counted; events
// a threshold rule could not use are counted by reason, never dropped
// silently.
type MatcherStats struct {
	Documents   int64 // documents matched
	Evaluations int64 // rule conditions evaluated (candidates from the index)
	Alerts      int64 // alerts emitted
	// Threshold events not counted: LateEvents arrived more than
	// lateness+window behind the newest event of their log type;
	// Ungrouped lack a group_by (or the distinct) field, as OpenSearch
	// aggregations skip them too; Evicted were dropped because a group
	// exceeded its entry cap.
	LateEvents int64
	Ungrouped  int64
	Evicted    int64
}

// candidates is the rule index of one log type: rules that require an
// event.action value, rules that require an event.provider value, and the
// rest, which are evaluated on every document of the type.
type candidates struct {
	byAction   map[string][]*Rule
	byProvider map[string][]*Rule
	fallback   []*Rule
}

// Matcher evaluates a catalog's rules in process. It is not safe for
// concurrent use; create one per goroutine (NewMatcher is cheap).
//
// Candidate rules for a document come from an index on its log type and
// the constants of event.action and event.provider a rule requires; rules
// without such a constant are tried on every document of their type.
//
// Threshold rules use a sliding window of Window length over event time:
// an alert is due as soon as Count events (or distinct values) of a group
// fall within some Window-long interval. The window is then held open until
// its end so that its full count is reported, and it is emitted when the
// newest event time of the log type passes its end by the allowed
// lateness (one window: events may arrive out of order within a file), or
// at Flush. The newest event time of a log type ignores error documents
// (event.kind pipeline_error), whose @timestamp is their delivery time.
// Events of an emitted window are consumed: a group fires once
// per window. State is bounded: groups idle for more than lateness plus
// two windows are evicted, and each group keeps at most maxEntries events.
type Matcher struct {
	byType map[string]*candidates
	any    *candidates // pipeline rules: every document
	ev     evalDoc
	sc     scratch
	key    []byte

	thr       map[*Rule]*thrState
	watermark map[string]int64 // newest event time per log type, unix ns
	open      []*group         // groups with an open window
	inserts   int
	distinct  map[string]struct{}
	dvals     []string
	strs      map[string]string // interned alert context
	idx       indexCache
	stats     MatcherStats
}

// kindPipelineError is the event.kind of error documents
// (logs.KindPipelineError).
const kindPipelineError = "pipeline_error"

// maxEntries caps the events one threshold group keeps outside an open
// window.
const maxEntries = 4096

// NewMatcher builds a matcher over the catalog's current rules and
// parameter values.
func (c *Catalog) NewMatcher() *Matcher { return newMatcher(c.rules) }

func newMatcher(rules []*Rule) *Matcher {
	m := &Matcher{
		byType:    map[string]*candidates{},
		any:       newCandidates(),
		thr:       map[*Rule]*thrState{},
		watermark: map[string]int64{},
		distinct:  map[string]struct{}{},
		strs:      map[string]string{},
	}
	for _, r := range rules {
		cs := m.any
		if r.Service != ServicePipeline {
			cs = m.byType[r.Service]
			if cs == nil {
				cs = newCandidates()
				m.byType[r.Service] = cs
			}
		}
		switch {
		case r.req.action != nil:
			for _, v := range r.req.action {
				cs.byAction[v] = append(cs.byAction[v], r)
			}
		case r.req.provider != nil:
			for _, v := range r.req.provider {
				cs.byProvider[v] = append(cs.byProvider[v], r)
			}
		default:
			cs.fallback = append(cs.fallback, r)
		}
		if r.Threshold != nil {
			m.thr[r] = &thrState{rule: r, groups: map[string]*group{}}
		}
	}
	return m
}

func newCandidates() *candidates {
	return &candidates{byAction: map[string][]*Rule{}, byProvider: map[string][]*Rule{}}
}

// Stats returns the counters so far.
func (m *Matcher) Stats() MatcherStats { return m.stats }

// Match evaluates the candidate rules on d and calls fn for each alert
// (event rules at once; threshold windows when they close). d is only read
// during the call.
func (m *Matcher) Match(d *ecs.Document, fn func(Alert)) {
	m.stats.Documents++
	m.ev.reset(d)
	// An error document's @timestamp is when the record was delivered, not
	// when its event happened: it must not make later events look late.
	if t := d.Timestamp.UnixNano(); d.Event.Kind != kindPipelineError {
		if wm, ok := m.watermark[d.Type]; !ok || t > wm {
			m.watermark[d.Type] = t
		}
	}
	if cs := m.byType[d.Type]; cs != nil {
		m.matchCandidates(cs, d, fn)
	}
	if len(m.any.fallback)+len(m.any.byAction)+len(m.any.byProvider) > 0 {
		m.matchCandidates(m.any, d, fn)
	}
	if len(m.open) > 0 {
		m.emitDue(fn)
	}
	m.ev.release()
}

func (m *Matcher) matchCandidates(cs *candidates, d *ecs.Document, fn func(Alert)) {
	m.evalRules(cs.fallback, d, fn)
	if a := d.Event.Action; a != "" && len(cs.byAction) > 0 {
		m.key = appendLowerASCII(m.key[:0], a)
		m.evalRules(cs.byAction[string(m.key)], d, fn)
	}
	if p := d.Event.Provider; p != "" && len(cs.byProvider) > 0 {
		m.key = appendLowerASCII(m.key[:0], p)
		m.evalRules(cs.byProvider[string(m.key)], d, fn)
	}
}

func (m *Matcher) evalRules(rules []*Rule, d *ecs.Document, fn func(Alert)) {
	for _, r := range rules {
		m.stats.Evaluations++
		if !r.det.cond.eval(&m.ev, &m.sc) {
			continue
		}
		if r.Threshold != nil {
			m.addThreshold(m.thr[r], d)
			continue
		}
		a := newAlert(r)
		ctx := m.context(d)
		ctx.fill(&a)
		a.Time = d.Timestamp
		a.Count = 1
		m.stats.Alerts++
		fn(a)
	}
}

func newAlert(r *Rule) Alert {
	return Alert{
		Rule: r, RuleID: r.ID, Title: r.Title, Level: r.Level, Severity: r.Severity,
		Author: r.Author, License: r.License, RuleSource: r.Source,
	}
}

// docContext is the part of a document an alert keeps (owned copies).
type docContext struct {
	t                                             int64
	account, region, principal, source, id, index string
}

// context copies what an alert keeps of d. Threshold rules keep it for
// every counted event, so the few distinct accounts, regions, principals,
// sources and index names are shared rather than copied each time.
func (m *Matcher) context(d *ecs.Document) docContext {
	c := docContext{
		t:       d.Timestamp.UnixNano(),
		account: d.Cloud.AccountID, region: d.Cloud.Region, principal: d.User.Name,
		source: d.Source.IP, id: strings.Clone(d.ID), index: m.index(d),
	}
	if c.source == "" {
		c.source = d.Source.Address
	}
	if c.principal == "" && d.Type == serviceCloudTrail && m.ev.raw != "" {
		c.principal = gjson.Get(m.ev.raw, "userIdentity.arn").String()
	}
	c.account = m.intern(c.account)
	c.region = m.intern(c.region)
	c.principal = m.intern(c.principal)
	c.source = m.intern(c.source)
	return c
}

// maxInterned bounds the strings a matcher shares; past it the table
// starts over (strings already handed out stay valid).
const maxInterned = 1 << 16

// intern returns an owned copy of s, the same one for equal strings.
func (m *Matcher) intern(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := m.strs[s]; ok {
		return v
	}
	if len(m.strs) >= maxInterned {
		clear(m.strs)
	}
	v := strings.Clone(s)
	m.strs[v] = v
	return v
}

// index is d.Index(), computed once per log type and month.
func (m *Matcher) index(d *ecs.Document) string {
	y, mo, _ := d.Timestamp.UTC().Date()
	if c := &m.idx; c.name == "" || c.typ != d.Type || c.year != y || c.month != mo {
		*c = indexCache{typ: m.intern(d.Type), year: y, month: mo, name: d.Index()}
	}
	return m.idx.name
}

// indexCache holds the index name of the last log type and month.
type indexCache struct {
	typ   string
	year  int
	month time.Month
	name  string
}

func (c *docContext) fill(a *Alert) {
	a.Account, a.Region, a.Principal, a.Source, a.DocID, a.Index = c.account, c.region, c.principal, c.source, c.id, c.index
}

// Flush emits every open threshold window and clears all threshold state.
// Call it at the end of the input.
func (m *Matcher) Flush(fn func(Alert)) {
	for len(m.open) > 0 {
		open := m.open
		m.open = nil
		sort.Slice(open, func(i, j int) bool {
			if open[i].st.rule.ID != open[j].st.rule.ID {
				return open[i].st.rule.ID < open[j].st.rule.ID
			}
			return open[i].key < open[j].key
		})
		for _, g := range open {
			m.emit(g, fn)
			m.scan(g, math.MinInt64, math.MaxInt64)
		}
	}
	for r := range m.thr {
		m.thr[r] = &thrState{rule: r, groups: map[string]*group{}}
	}
	clear(m.watermark)
}

// Threshold state.

type thrState struct {
	rule   *Rule
	groups map[string]*group
}

type group struct {
	st      *thrState
	key     string
	vals    []string // group_by values
	typ     string   // log type of the newest event
	entries []entry  // events outside an open window, sorted by time
	win     *window
}

type entry struct {
	v   string // distinct value, or ""
	ctx docContext
}

// window is an open threshold window [start, end].
type window struct {
	start, end int64
	count      int
	distinct   map[string]struct{}
	last       docContext
}

func (m *Matcher) addThreshold(st *thrState, d *ecs.Document) {
	th := st.rule.Threshold
	w := int64(th.Window)
	t := d.Timestamp.UnixNano()
	if t < m.watermark[d.Type]-2*w {
		m.stats.LateEvents++
		return
	}
	m.key = m.key[:0]
	for _, f := range th.groupBy {
		vals := f.get(&m.ev, m.sc.a[:0])
		m.sc.a = vals
		if len(vals) == 0 {
			m.stats.Ungrouped++
			return
		}
		m.key = append(m.key, valueText(vals[0])...)
		m.key = append(m.key, 0)
	}
	dvals := m.dvals[:0]
	if th.distinct != nil {
		vals := th.distinct.get(&m.ev, m.sc.b[:0])
		m.sc.b = vals
		if len(vals) == 0 {
			m.stats.Ungrouped++
			return
		}
		for _, v := range vals {
			dvals = append(dvals, m.intern(valueText(v)))
		}
	} else {
		dvals = append(dvals, "")
	}
	m.dvals = dvals
	g := st.groups[string(m.key)]
	if g == nil {
		g = &group{st: st, key: string(m.key)}
		for _, f := range th.groupBy {
			vals := f.get(&m.ev, m.sc.a[:0])
			m.sc.a = vals
			g.vals = append(g.vals, strings.Clone(valueText(vals[0])))
		}
		st.groups[g.key] = g
	}
	g.typ = d.Type
	ctx := m.context(d)
	ctx.t = t
	if g.win != nil && t >= g.win.start && t <= g.win.end {
		g.win.add(dvals, ctx)
		return
	}
	for _, v := range dvals {
		e := entry{v: v, ctx: ctx}
		i := sort.Search(len(g.entries), func(i int) bool { return g.entries[i].ctx.t > t })
		g.entries = append(g.entries, entry{})
		copy(g.entries[i+1:], g.entries[i:])
		g.entries[i] = e
	}
	if len(g.entries) > maxEntries {
		n := len(g.entries) - maxEntries
		g.entries = append(g.entries[:0], g.entries[n:]...)
		m.stats.Evicted += int64(n)
	}
	if g.win == nil {
		m.scan(g, t-w, t)
	}
	m.inserts++
	if m.inserts%1024 == 0 {
		m.evict()
	}
}

// scan opens a window at the first entry with time in [from, to] whose
// Window-long interval holds enough events, moving those events into it.
func (m *Matcher) scan(g *group, from, to int64) {
	th := g.st.rule.Threshold
	w := int64(th.Window)
	lo := sort.Search(len(g.entries), func(i int) bool { return g.entries[i].ctx.t >= from })
	for i := lo; i < len(g.entries) && g.entries[i].ctx.t <= to; i++ {
		start := g.entries[i].ctx.t
		j := sort.Search(len(g.entries), func(k int) bool { return g.entries[k].ctx.t > start+w })
		if !m.enough(g.entries[i:j], th) {
			continue
		}
		win := &window{start: start, end: start + w}
		if th.distinct != nil {
			win.distinct = map[string]struct{}{}
		}
		for _, e := range g.entries[i:j] {
			one := [1]string{e.v}
			win.add(one[:], e.ctx)
		}
		g.entries = append(g.entries[:i], g.entries[j:]...)
		g.win = win
		m.open = append(m.open, g)
		return
	}
}

func (m *Matcher) enough(es []entry, th *Threshold) bool {
	if th.distinct == nil {
		return len(es) >= th.Count
	}
	if len(es) < th.Count {
		return false
	}
	clear(m.distinct)
	for _, e := range es {
		m.distinct[e.v] = struct{}{}
	}
	return len(m.distinct) >= th.Count
}

func (w *window) add(dvals []string, ctx docContext) {
	if w.distinct != nil {
		for _, v := range dvals {
			w.distinct[v] = struct{}{}
		}
	}
	w.count++
	if ctx.t >= w.last.t {
		w.last = ctx
	}
}

// emitDue emits the open windows whose end the watermark of their log type
// has passed by the allowed lateness (one window).
func (m *Matcher) emitDue(fn func(Alert)) {
	keep := m.open[:0]
	var due []*group
	for _, g := range m.open {
		if m.watermark[g.typ]-int64(g.st.rule.Threshold.Window) > g.win.end {
			due = append(due, g)
		} else {
			keep = append(keep, g)
		}
	}
	m.open = keep
	for _, g := range due {
		m.emit(g, fn)
		// Events after the window may already form the next one.
		m.scan(g, math.MinInt64, math.MaxInt64)
	}
}

func (m *Matcher) emit(g *group, fn func(Alert)) {
	w := g.win
	g.win = nil
	th := g.st.rule.Threshold
	a := newAlert(g.st.rule)
	w.last.fill(&a)
	a.Time = time.Unix(0, w.last.t).UTC()
	a.WindowStart = time.Unix(0, w.start).UTC()
	a.WindowEnd = time.Unix(0, w.end).UTC()
	a.Count = w.count
	if w.distinct != nil {
		a.Count = len(w.distinct)
	}
	if len(th.GroupBy) > 0 {
		a.Group = make(map[string]string, len(th.GroupBy))
		for i, name := range th.GroupBy {
			a.Group[name] = g.vals[i]
		}
	}
	m.stats.Alerts++
	fn(a)
}

// evict drops events too old to join any window with a non-late event,
// and groups left empty.
func (m *Matcher) evict() {
	for _, st := range m.thr {
		w := int64(st.rule.Threshold.Window)
		for k, g := range st.groups {
			horizon := m.watermark[g.typ] - 3*w
			i := sort.Search(len(g.entries), func(i int) bool { return g.entries[i].ctx.t >= horizon })
			if i > 0 {
				g.entries = append(g.entries[:0], g.entries[i:]...)
			}
			if len(g.entries) == 0 && g.win == nil {
				delete(st.groups, k)
			}
		}
	}
}

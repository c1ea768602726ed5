package detect

import (
	"math"
	"slices"
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
	// Distinct is, on a signal of a distinct-count threshold rule, the
	// event's value of the distinct field (the first, if it has several).
	Distinct string

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
	Alerts      int64 // alerts emitted (event rules and threshold windows)
	Signals     int64 // events that satisfied a threshold rule's condition
	// Threshold events not counted in a window: LateEvents arrived after
	// the matcher's memory budget had forced it to decide the windows
	// their time falls in; Ungrouped lack a group_by (or the distinct)
	// field, as OpenSearch aggregations skip them too. Evicted counts the
	// events whose windows were decided before the end of the input
	// because the budget was reached (only those can make later events
	// late).
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
// Threshold rules: every event satisfying a threshold rule's condition is
// a signal (MatcherOptions.Signal), the per-event match the loader indexes
// and the domain's monitors count across objects. With windows on (the
// default, orgsiem scan) the matcher also counts them in process, in
// sliding windows of Window length over event time: a window is anchored
// at an event, holds every event of its group within [t, t+Window], and
// fires when it holds Count events (or distinct values); its events are
// then consumed, so a group fires once per window. Windows are evaluated
// over the events sorted by time, so the alerts do not depend on the
// order the events arrived in (files scanned in any order, records out of
// order within a file). Events are kept until Flush, up to a memory budget
// (maxThresholdEntries); past it the matcher decides the windows of the
// older half of the events it holds and frees them, and an event arriving
// later for an already decided time is counted as late. Error documents
// play no part in any of this: only event time and the budget decide.
type Matcher struct {
	byType map[string]*candidates
	any    *candidates // pipeline rules: every document
	ev     evalDoc
	sc     scratch
	key    []byte

	signal  func(Alert)
	windows bool

	thr      map[*Rule]*thrState
	entries  int // threshold entries held, all rules and groups
	budget   int // entries held before the oldest are decided
	distinct map[string]struct{}
	dvals    []string
	gvals    []string
	strs     map[string]string // interned alert context
	idx      indexCache
	stats    MatcherStats
}

// kindPipelineError is the event.kind of error documents
// (logs.KindPipelineError).
const kindPipelineError = "pipeline_error"

// maxThresholdEntries is the default memory budget of threshold windows:
// events (distinct values) held across all groups, about 150 bytes each.
const maxThresholdEntries = 1 << 17

// MatcherOptions tune a matcher. The zero value is orgsiem scan's matcher:
// every rule, threshold windows counted in process, no signal callback.
type MatcherOptions struct {
	// Signal, when set, is called for every event that satisfies a
	// threshold rule's condition, with Count 1, the event's context and
	// the rule's group_by values in Group (absent fields are left out).
	Signal func(Alert)
	// NoWindows keeps no threshold window state: threshold rules only
	// produce signals. The loader runs this way: thresholds span objects
	// and invocations, so they are counted over signal documents on the
	// domain.
	NoWindows bool
	// Rules, when set, keeps only the rules it accepts (a retro-hunt's
	// named rules).
	Rules func(*Rule) bool
}

// NewMatcher builds a matcher over the catalog's current rules and
// parameter values.
func (c *Catalog) NewMatcher() *Matcher { return newMatcher(c.rules) }

// NewMatcherWith builds a matcher with options.
func (c *Catalog) NewMatcherWith(o MatcherOptions) *Matcher {
	rules := c.rules
	if o.Rules != nil {
		rules = nil
		for _, r := range c.rules {
			if o.Rules(r) {
				rules = append(rules, r)
			}
		}
	}
	m := newMatcher(rules)
	m.signal, m.windows = o.Signal, !o.NoWindows
	return m
}

func newMatcher(rules []*Rule) *Matcher {
	m := &Matcher{
		byType:   map[string]*candidates{},
		any:      newCandidates(),
		windows:  true,
		thr:      map[*Rule]*thrState{},
		budget:   maxThresholdEntries,
		distinct: map[string]struct{}{},
		strs:     map[string]string{},
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
			m.thr[r] = newThrState(r)
		}
	}
	return m
}

func newCandidates() *candidates {
	return &candidates{byAction: map[string][]*Rule{}, byProvider: map[string][]*Rule{}}
}

// Stats returns the counters so far.
func (m *Matcher) Stats() MatcherStats { return m.stats }

// Match evaluates the candidate rules on d and calls fn for each alert of
// an event rule (threshold windows are emitted at Flush, or earlier when
// the memory budget forces a decision). d is only read during the call.
func (m *Matcher) Match(d *ecs.Document, fn func(Alert)) {
	m.stats.Documents++
	m.ev.reset(d)
	if cs := m.byType[d.Type]; cs != nil {
		m.matchCandidates(cs, d, fn)
	}
	if len(m.any.fallback)+len(m.any.byAction)+len(m.any.byProvider) > 0 {
		m.matchCandidates(m.any, d, fn)
	}
	if m.entries > m.budget {
		m.decideOldest(fn)
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
			m.threshold(m.thr[r], d)
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

// Flush decides every threshold window still open, emits their alerts
// (by rule id, group, then time) and clears all threshold state. Call it
// at the end of the input.
func (m *Matcher) Flush(fn func(Alert)) {
	for _, st := range m.sortedStates() {
		for _, g := range st.sortedGroups() {
			m.decide(g, math.MaxInt64, fn)
		}
	}
	for r := range m.thr {
		m.thr[r] = newThrState(r)
	}
	m.entries = 0
}

// Threshold state.

type thrState struct {
	rule   *Rule
	groups map[string]*group
	// cut: the windows of events at or before this time (unix ns) are
	// decided; a later event for that time is late.
	cut int64
}

func newThrState(r *Rule) *thrState {
	return &thrState{rule: r, groups: map[string]*group{}, cut: math.MinInt64}
}

type group struct {
	st      *thrState
	key     string
	vals    []string // group_by values
	entries []entry  // events not yet decided; sorted when sorted is set
	sorted  bool
}

// entry is one event (one per distinct value for distinct counts).
type entry struct {
	v   string // distinct value, or ""
	ctx docContext
}

func (a *entry) less(b *entry) bool {
	if a.ctx.t != b.ctx.t {
		return a.ctx.t < b.ctx.t
	}
	if a.ctx.id != b.ctx.id {
		return a.ctx.id < b.ctx.id
	}
	return a.v < b.v
}

// threshold handles an event satisfying a threshold rule's condition: its
// signal, and its place in its group's windows.
func (m *Matcher) threshold(st *thrState, d *ecs.Document) {
	m.stats.Signals++
	th := st.rule.Threshold
	ctx := m.context(d)
	m.key = m.key[:0]
	gvals := m.gvals[:0]
	grouped := true
	for _, f := range th.groupBy {
		vals := f.get(&m.ev, m.sc.a[:0])
		m.sc.a = vals
		if len(vals) == 0 {
			grouped = false
			gvals = append(gvals, "")
			continue
		}
		v := valueText(vals[0])
		gvals = append(gvals, v)
		m.key = append(m.key, v...)
		m.key = append(m.key, 0)
	}
	m.gvals = gvals
	if m.signal != nil {
		a := newAlert(st.rule)
		ctx.fill(&a)
		a.Time = d.Timestamp
		a.Count = 1
		if len(th.GroupBy) > 0 {
			a.Group = make(map[string]string, len(th.GroupBy))
			for i, name := range th.GroupBy {
				if gvals[i] != "" {
					a.Group[name] = strings.Clone(gvals[i])
				}
			}
		}
		if th.distinct != nil {
			if vals := th.distinct.get(&m.ev, m.sc.b[:0]); len(vals) > 0 {
				a.Distinct = strings.Clone(valueText(vals[0]))
				m.sc.b = vals
			}
		}
		m.signal(a)
	}
	if !m.windows {
		return
	}
	if !grouped {
		m.stats.Ungrouped++
		return
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
	if ctx.t <= st.cut {
		m.stats.LateEvents++
		return
	}
	g := st.groups[string(m.key)]
	if g == nil {
		g = &group{st: st, key: string(m.key), sorted: true}
		for _, v := range gvals {
			g.vals = append(g.vals, strings.Clone(v))
		}
		st.groups[g.key] = g
	}
	for _, v := range dvals {
		e := entry{v: v, ctx: ctx}
		if n := len(g.entries); n > 0 && e.less(&g.entries[n-1]) {
			g.sorted = false
		}
		g.entries = append(g.entries, e)
		m.entries++
	}
}

// decide evaluates the windows of g anchored at events whose window ends
// at or before horizon, emits those that fire, and frees their events and
// the events no later window can start at.
func (m *Matcher) decide(g *group, horizon int64, fn func(Alert)) {
	th := g.st.rule.Threshold
	w := int64(th.Window)
	if !g.sorted {
		sort.Slice(g.entries, func(i, j int) bool { return g.entries[i].less(&g.entries[j]) })
		g.sorted = true
	}
	es := g.entries
	i := 0
	for i < len(es) && es[i].ctx.t <= horizon-w {
		start := es[i].ctx.t
		j := i + sort.Search(len(es)-i, func(k int) bool { return es[i+k].ctx.t > start+w })
		if n, ok := m.enough(es[i:j], th); ok {
			m.emit(g, start, start+w, n, &es[j-1].ctx, fn)
			i = j
			continue
		}
		i++
	}
	m.entries -= i
	g.entries = append(g.entries[:0], es[i:]...)
	if len(g.entries) == 0 {
		g.entries = nil
	}
}

// decideOldest is called when the budget is exceeded: it decides, in every
// group, the windows of the older half of the events held, and frees them.
func (m *Matcher) decideOldest(fn func(Alert)) {
	times := make([]int64, 0, m.entries)
	for _, st := range m.thr {
		for _, g := range st.groups {
			for i := range g.entries {
				times = append(times, g.entries[i].ctx.t)
			}
		}
	}
	slices.Sort(times)
	q := times[len(times)/2]
	held := m.entries
	for _, st := range m.sortedStates() {
		horizon := q + int64(st.rule.Threshold.Window)
		for _, g := range st.sortedGroups() {
			m.decide(g, horizon, fn)
			if len(g.entries) == 0 {
				delete(st.groups, g.key)
			}
		}
		st.cut = max(st.cut, horizon)
	}
	m.stats.Evicted += int64(held - m.entries)
}

// sortedStates lists the threshold states by rule id (deterministic
// emission order).
func (m *Matcher) sortedStates() []*thrState {
	out := make([]*thrState, 0, len(m.thr))
	for _, st := range m.thr {
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].rule.ID < out[j].rule.ID })
	return out
}

// sortedGroups lists the groups by key.
func (st *thrState) sortedGroups() []*group {
	out := make([]*group, 0, len(st.groups))
	for _, g := range st.groups {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

// enough reports whether es (one window's entries) reach the threshold,
// and the count: events, or distinct values.
func (m *Matcher) enough(es []entry, th *Threshold) (int, bool) {
	if th.distinct == nil {
		return len(es), len(es) >= th.Count
	}
	if len(es) < th.Count {
		return 0, false
	}
	clear(m.distinct)
	for _, e := range es {
		m.distinct[e.v] = struct{}{}
	}
	return len(m.distinct), len(m.distinct) >= th.Count
}

// emit emits the alert of a window [start, end] of g holding count events
// (or distinct values), whose newest event is last.
func (m *Matcher) emit(g *group, start, end int64, count int, last *docContext, fn func(Alert)) {
	th := g.st.rule.Threshold
	a := newAlert(g.st.rule)
	last.fill(&a)
	a.Time = time.Unix(0, last.t).UTC()
	a.WindowStart = time.Unix(0, start).UTC()
	a.WindowEnd = time.Unix(0, end).UTC()
	a.Count = count
	if len(th.GroupBy) > 0 {
		a.Group = make(map[string]string, len(th.GroupBy))
		for i, name := range th.GroupBy {
			a.Group[name] = g.vals[i]
		}
	}
	m.stats.Alerts++
	fn(a)
}

package loader

import (
	"slices"
	"time"

	"github.com/orgsiem/orgsiem/internal/alerts"
	"github.com/orgsiem/orgsiem/internal/detect"
	"github.com/orgsiem/orgsiem/internal/ecs"
	"github.com/orgsiem/orgsiem/internal/search"
)

// detector runs the rules on the loader's documents and turns each match
// into an alert document (internal/alerts): KindAlert for an event rule,
// KindSignal for each event satisfying a threshold rule's condition.
// Thresholds span objects and invocations, so no window is counted here;
// the domain's monitors count signals.
type detector struct {
	rules   *Rules
	matcher *detect.Matcher
	custom  map[string]bool

	// Set for the document being matched.
	cur      *ecs.Document
	now      time.Time
	noNotify bool
	add      func(doc alerts.Document) // hands the alert to the indexer
	onSignal func(detect.Alert)
	onAlert  func(detect.Alert)
}

func newDetector(rules *Rules, only []string) *detector {
	d := &detector{rules: rules, custom: rules.Custom}
	d.onAlert = func(a detect.Alert) { d.emit(a, alerts.KindAlert) }
	d.onSignal = func(a detect.Alert) { d.emit(a, alerts.KindSignal) }
	opts := detect.MatcherOptions{Signal: d.onSignal, NoWindows: true}
	if only != nil {
		opts.Rules = func(r *detect.Rule) bool { return slices.Contains(only, r.ID) }
	}
	d.matcher = rules.Catalog.NewMatcherWith(opts)
	return d
}

// match runs the rules on doc, calling add for each alert document.
func (d *detector) match(doc *ecs.Document, now time.Time, noNotify bool, add func(alerts.Document)) {
	d.cur, d.now, d.add, d.noNotify = doc, now, add, noNotify
	d.matcher.Match(doc, d.onAlert)
	d.cur, d.add = nil, nil
}

func (d *detector) emit(a detect.Alert, kind string) {
	src := alerts.Source{LogType: d.cur.Type, Outcome: d.cur.Event.Outcome, Action: d.cur.Event.Action,
		AccountName: d.cur.Cloud.AccountName, Distinct: a.Distinct, NoNotify: d.noNotify}
	if d.custom[a.RuleID] {
		src.Ruleset = alerts.RulesetCustom
	}
	d.add(alerts.FromAlert(a, kind, src, d.now))
}

// alertRef locates an alert document for the indexer's results and
// dead-letter records.
type alertRef struct {
	Object string `json:"object"` // s3://bucket/key of the matched document
	Record int64  `json:"record"` // the matched record's position
	Kind   string `json:"kind"`   // alerts.KindAlert or KindSignal
	Rule   string `json:"rule"`
}

// alertItem is the bulk item of an alert document; its body is written
// into buf (the indexer copies it).
func alertItem(buf []byte, doc *alerts.Document, ref alertRef) search.Item {
	return search.Item{Index: doc.Index, ID: doc.ID, Body: appendAlertJSON(buf[:0], doc), Ref: ref}
}

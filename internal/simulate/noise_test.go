package simulate

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/orgsiem/orgsiem/internal/detect"
	"github.com/orgsiem/orgsiem/internal/ecs"
	"github.com/orgsiem/orgsiem/internal/logs"
)

// demoAlertBudget is what an analyst may be shown for the `make demo`
// organization (5 accounts, 2 days, seed 42, six injected attacks): wave 1's
// catalog raised 372 alerts there, one per matching event; the issue asks
// for at least 5x fewer while every attack still raises its high or
// critical alert.
const demoAlertBudget = 372 / 5

// TestDemoAlertsAnAnalystCanLiveWith runs the demo organization through the
// real normalizer and the built-in catalog and counts what a person sees:
// alerts of level low and above, folded per rule, account, principal and
// source over detect.DefaultAggregationWindow. Informational rules (the PCI
// change-tracking evidence) feed the report, not the queue.
func TestDemoAlertsAnAnalystCanLiveWith(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and scans the demo organization")
	}
	sink := &memSink{}
	key, err := Generate(Options{Accounts: 5, Days: 2, Seed: 42, Sink: sink})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := detect.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	m := cat.NewMatcher()
	var matches []detect.Alert
	collect := func(a detect.Alert) { matches = append(matches, a) }
	keys := slices.Clone(sink.keys)
	slices.Sort(keys) // the order scan reads a folder in
	for _, k := range keys {
		_, err := logs.Normalize(context.Background(), logs.Object{Key: k, Body: bytes.NewReader(sink.objects[k])},
			func(d *ecs.Document) error { m.Match(d, collect); return nil })
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
	}
	m.Flush(collect)

	var shown []detect.Alert
	for _, a := range matches {
		if a.Level != "informational" {
			shown = append(shown, a)
		}
	}
	agg := detect.Aggregate(shown, detect.DefaultAggregationWindow)
	t.Logf("demo: %d rule matches, %d of level low or above, %d alerts after folding repeats (budget %d)", len(matches), len(shown), len(agg), demoAlertBudget)
	if len(agg) > demoAlertBudget {
		t.Errorf("the demo shows %d alerts, more than the budget of %d", len(agg), demoAlertBudget)
	}
	fired := map[string]bool{}
	for _, a := range agg {
		fired[a.RuleID] = true
	}
	for _, s := range key.Scenarios {
		serious := false
		for _, id := range s.Rules {
			r := cat.Rule(id)
			if r == nil {
				t.Errorf("%s: answer key names rule %s, which the catalog does not have", s.ID, id)
				continue
			}
			if (r.Level == "high" || r.Level == "critical") && fired[id] {
				serious = true
			}
		}
		if !serious {
			t.Errorf("attack %s raises no high or critical alert among %v", s.ID, s.Rules)
		}
	}
}

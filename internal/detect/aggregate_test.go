package detect

import (
	"testing"
	"time"
)

func TestAggregateFoldsRepeatsWithinTheWindow(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	at := func(rule, principal, source string, h float64) Alert {
		return Alert{RuleID: rule, Account: "111111111111", Principal: principal, Source: source, Time: t0.Add(time.Duration(h * float64(time.Hour))), Count: 1}
	}
	in := []Alert{
		at("r1", "alice", "198.51.100.1", 5), // out of order on purpose
		at("r1", "alice", "198.51.100.1", 0),
		at("r1", "alice", "198.51.100.1", 23),
		at("r1", "alice", "198.51.100.1", 25), // more than 24h after the first: a new alert
		at("r1", "bob", "198.51.100.1", 1),    // another principal
		at("r1", "alice", "198.51.100.2", 1),  // another source
		at("r2", "alice", "198.51.100.1", 1),  // another rule
	}
	got := Aggregate(in, 24*time.Hour)
	if len(got) != 5 {
		t.Fatalf("got %d aggregated alerts, want 5: %+v", len(got), got)
	}
	first := got[0]
	if first.RuleID != "r1" || first.Principal != "alice" || first.Matches != 3 || !first.First.Equal(t0) || !first.Last.Equal(t0.Add(23*time.Hour)) {
		t.Errorf("first group: %+v", first)
	}
	for i := 1; i < len(got); i++ {
		if got[i].First.Before(got[i-1].First) {
			t.Errorf("not in time order at %d", i)
		}
	}
	total := 0
	for _, g := range got {
		total += g.Matches
	}
	if total != len(in) {
		t.Errorf("matches add up to %d, want %d: nothing may be lost", total, len(in))
	}
	if n := len(Aggregate(in, 0)); n != len(in) {
		t.Errorf("window 0 keeps every alert: got %d", n)
	}
}

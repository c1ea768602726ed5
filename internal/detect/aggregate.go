package detect

import (
	"slices"
	"time"
)

// DefaultAggregationWindow is how long repeats of one alert are folded into
// the first: one alert per rule, account, principal and source a day, which
// is how an analyst reviews the queue (and how CIS metric-filter alarms
// behave: one alarm per period, whatever the number of matching events).
const DefaultAggregationWindow = 24 * time.Hour

// Aggregated is what an analyst sees: the first alert of a (rule, account,
// principal, source) within the window, with the number of matches folded
// into it and the time of the first and last.
type Aggregated struct {
	Alert
	// Matches is the number of alerts folded into this one (>= 1); a
	// threshold alert is one match, its events are in Alert.Count.
	Matches int
	// First and Last bound the folded alerts' event times.
	First, Last time.Time
}

// aggregationKey is what makes two alerts repeats of one another.
type aggregationKey struct {
	rule, account, principal, source string
}

// Aggregate folds alerts into one per (rule, account, principal, source)
// within window of event time, starting a new one when an alert comes more
// than window after the first of its group. The input may be in any order;
// the result is in time order of First (then rule id). A window <= 0 keeps
// every alert on its own. Evidence is not lost: the alert documents of the
// deployed SIEM and `scan --format json --no-aggregate` keep every match;
// this is the view for people.
func Aggregate(alerts []Alert, window time.Duration) []Aggregated {
	sorted := slices.Clone(alerts)
	slices.SortStableFunc(sorted, func(a, b Alert) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		if a.RuleID != b.RuleID {
			if a.RuleID < b.RuleID {
				return -1
			}
			return 1
		}
		return 0
	})
	out := make([]Aggregated, 0, len(sorted))
	open := map[aggregationKey]int{} // index in out of the group's current alert
	for _, a := range sorted {
		k := aggregationKey{a.RuleID, a.Account, a.Principal, a.Source}
		if i, ok := open[k]; ok && window > 0 && a.Time.Sub(out[i].First) <= window {
			g := &out[i]
			g.Matches++
			g.Last = a.Time
			continue
		}
		open[k] = len(out)
		out = append(out, Aggregated{Alert: a, Matches: 1, First: a.Time, Last: a.Time})
	}
	return out
}

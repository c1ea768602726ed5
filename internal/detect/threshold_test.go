package detect

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/ecs"
	"github.com/orgsiem/orgsiem/internal/logs"
)

func testCatalog(t *testing.T) *Catalog {
	t.Helper()
	cat, err := LoadDir("testdata/rules")
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// failure is a failed console sign-in of user at base+offset.
func failure(t *testing.T, user, ip string, offset time.Duration) *ecs.Document {
	t.Helper()
	base := time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	raw := fmt.Sprintf(`{"eventTime":%q,"eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","eventID":"%s-%s-%d","recipientAccountId":"111122223333","sourceIPAddress":%q,"userIdentity":{"type":"IAMUser","userName":%q},"responseElements":{"ConsoleLogin":"Failure"}}`,
		base.Add(offset).Format(time.RFC3339), user, ip, offset, ip, user)
	return ctDoc(t, raw)
}

type step struct {
	user, ip string
	at       time.Duration
}

// run feeds the steps to a matcher holding only rule id, collecting alerts
// emitted while matching and at Flush separately.
func run(t *testing.T, id string, steps []step) (streamed, flushed []Alert, st MatcherStats) {
	t.Helper()
	r := testCatalog(t).Rule(id)
	m := newMatcher([]*Rule{r})
	for _, s := range steps {
		m.Match(failure(t, s.user, s.ip, s.at), func(a Alert) { streamed = append(streamed, a) })
	}
	m.Flush(func(a Alert) { flushed = append(flushed, a) })
	return streamed, flushed, m.Stats()
}

func TestThresholdWindows(t *testing.T) {
	const ip = "203.0.113.5"
	m := time.Minute
	cases := []struct {
		name   string
		rule   string
		steps  []step
		counts []int // Count of each alert, in order (streamed then flushed)
	}{
		{"count reached within the window fires once with the full count", "test-console-login-failures",
			[]step{{"alice", ip, 0}, {"alice", ip, 3 * m}, {"alice", ip, 5 * m}, {"alice", ip, 9 * m}}, []int{4}},
		{"events further apart than the window do not fire", "test-console-login-failures",
			[]step{{"alice", ip, 0}, {"alice", ip, 11 * m}, {"alice", ip, 22 * m}}, nil},
		{"the window slides: a burst across a ten-minute boundary fires", "test-console-login-failures",
			[]step{{"alice", ip, 8 * m}, {"alice", ip, 11 * m}, {"alice", ip, 12 * m}}, []int{3}},
		{"out-of-order events within a file count", "test-console-login-failures",
			[]step{{"alice", ip, 6 * m}, {"alice", ip, 1 * m}, {"alice", ip, 3 * m}}, []int{3}},
		{"groups are counted separately", "test-console-login-failures",
			[]step{{"alice", ip, 0}, {"bob", ip, m}, {"alice", ip, 2 * m}, {"bob", ip, 3 * m}}, nil},
		{"a group fires once per window and again in a later one", "test-console-login-failures",
			[]step{{"alice", ip, 0}, {"alice", ip, m}, {"alice", ip, 2 * m}, {"alice", ip, 3 * m},
				{"alice", ip, 30 * m}, {"alice", ip, 31 * m}, {"alice", ip, 32 * m}}, []int{4, 3}},
		{"distinct counts values, not events", "test-password-spray",
			[]step{{"alice", ip, 0}, {"alice", ip, m}, {"alice", ip, 2 * m}, {"bob", ip, 3 * m}}, nil},
		{"distinct fires on enough values", "test-password-spray",
			[]step{{"alice", ip, 0}, {"bob", ip, m}, {"alice", ip, 2 * m}, {"carol", ip, 3 * m}, {"dave", ip, 4 * m}}, []int{4}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			streamed, flushed, _ := run(t, tc.rule, tc.steps)
			all := append(streamed, flushed...)
			if len(all) != len(tc.counts) {
				t.Fatalf("%d alerts %+v, want counts %v", len(all), all, tc.counts)
			}
			for i, a := range all {
				if a.Count != tc.counts[i] {
					t.Errorf("alert %d count %d, want %d", i, a.Count, tc.counts[i])
				}
				if a.WindowEnd.Sub(a.WindowStart) != 10*time.Minute || a.Time.Before(a.WindowStart) || a.Time.After(a.WindowEnd) {
					t.Errorf("alert %d window %v..%v time %v", i, a.WindowStart, a.WindowEnd, a.Time)
				}
			}
		})
	}
}

func TestThresholdAlertContent(t *testing.T) {
	m := time.Minute
	_, flushed, _ := run(t, "test-console-login-failures", []step{{"alice", "203.0.113.5", 0}, {"alice", "203.0.113.6", 2 * m}, {"alice", "203.0.113.7", m}})
	if len(flushed) != 1 {
		t.Fatalf("alerts %+v", flushed)
	}
	a := flushed[0]
	want := map[string]string{"recipientAccountId": "111122223333", "userIdentity.userName": "alice"}
	if fmt.Sprint(a.Group) != fmt.Sprint(want) {
		t.Errorf("group %v, want %v", a.Group, want)
	}
	// The context is the newest event's, whatever the arrival order.
	if a.Source != "203.0.113.6" || a.Time != time.Date(2024, 3, 1, 10, 2, 0, 0, time.UTC) || a.Principal != "alice" {
		t.Errorf("alert context %+v", a)
	}
	if a.RuleID != "test-console-login-failures" || a.Author != "orgsiem" || a.License != "Apache-2.0" {
		t.Errorf("alert metadata %+v", a)
	}
}

func TestThresholdWindowsWaitForFlush(t *testing.T) {
	m := time.Minute
	// A window is decided at Flush (or under memory pressure), never while
	// matching: an event of an earlier time may still come from another
	// file.
	streamed, flushed, _ := run(t, "test-console-login-failures",
		[]step{{"alice", "ip", 0}, {"alice", "ip", m}, {"alice", "ip", 2 * m}, {"bob", "ip", 25 * m}})
	if len(streamed) != 0 || len(flushed) != 1 || flushed[0].Count != 3 {
		t.Errorf("streamed %+v, flushed %+v; want one window of 3 at Flush", streamed, flushed)
	}
}

func TestThresholdCountsWhatItCannotUse(t *testing.T) {
	m := time.Minute
	r := testCatalog(t).Rule("test-console-login-failures")
	mt := newMatcher([]*Rule{r})
	mt.budget = 2
	var alerts []Alert
	collect := func(a Alert) { alerts = append(alerts, a) }
	// Three events within ten minutes fire; the budget (2) forces the
	// matcher to decide the older half before the end of the input.
	for _, s := range []step{{"alice", "ip", 60 * m}, {"alice", "ip", 61 * m}, {"alice", "ip", 62 * m}, {"alice", "ip", 90 * m}} {
		mt.Match(failure(t, s.user, s.ip, s.at), collect)
	}
	if len(alerts) != 1 || alerts[0].Count != 3 {
		t.Fatalf("alerts %+v; want the window of 3 decided under memory pressure", alerts)
	}
	// An event of a time already decided is late: counted, not used.
	mt.Match(failure(t, "alice", "ip", 59*m), collect)
	mt.Flush(collect)
	st := mt.Stats()
	if st.LateEvents != 1 || st.Evicted == 0 || len(alerts) != 1 {
		t.Errorf("late %d, decided early %d, alerts %d; want 1 late, some decided early, 1 alert", st.LateEvents, st.Evicted, len(alerts))
	}
	if st.Signals != 5 {
		t.Errorf("signals %d, want 5 (every matching event, late or not)", st.Signals)
	}
	mt = newMatcher([]*Rule{r})
	d := ctDoc(t, `{"eventTime":"2024-03-01T10:00:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","eventID":"x","recipientAccountId":"111122223333","userIdentity":{"type":"Root"},"responseElements":{"ConsoleLogin":"Failure"}}`)
	mt.Match(d, func(Alert) {})
	if got := mt.Stats().Ungrouped; got != 1 {
		t.Errorf("ungrouped %d, want 1 (no userIdentity.userName)", got)
	}
}

func TestThresholdStateIsBounded(t *testing.T) {
	r := testCatalog(t).Rule("test-password-spray")
	m := newMatcher([]*Rule{r})
	m.budget = 1000
	// Two users per address, over many addresses and hours: nothing fires,
	// and the events held stay within the budget, not n.
	base := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	const n = 5000
	for i := 0; i < n; i++ {
		ip := fmt.Sprintf("198.51.%d.%d", i/250, i%250)
		d := &ecs.Document{
			ID: fmt.Sprint(i), Type: "cloudtrail", Timestamp: base.Add(time.Duration(i) * 10 * time.Second),
			Event: ecs.Event{Action: "ConsoleLogin", Dataset: "aws.cloudtrail"},
			AWS:   []byte(fmt.Sprintf(`{"eventName":"ConsoleLogin","sourceIPAddress":%q,"userIdentity":{"userName":"alice"},"responseElements":{"ConsoleLogin":"Failure"}}`, ip)),
		}
		m.Match(d, func(a Alert) { t.Fatalf("unexpected alert %+v", a) })
		if m.entries > m.budget+1 {
			t.Fatalf("after %d events %d entries held; budget %d", i+1, m.entries, m.budget)
		}
	}
	if groups := len(m.thr[r].groups); groups > m.budget {
		t.Errorf("%d of %d groups kept; decided groups should have been freed", groups, n)
	}
	if m.Stats().Evaluations != n || m.Stats().LateEvents != 0 {
		t.Errorf("evaluated %d (want %d), late %d (want 0: events came in time order)", m.Stats().Evaluations, n, m.Stats().LateEvents)
	}
}

// TestThresholdShuffled feeds a threshold rule's events in time order,
// then shuffled and split across "files" scanned in any order (a later
// file first, as scanning several archive copies does): the alerts are
// the same. Before windows were evaluated over sorted events, a file more
// than two windows older than the newest event seen dropped its events as
// late and lost these detections.
func TestThresholdShuffled(t *testing.T) {
	m := time.Minute
	var steps []step
	// alice: a burst of 4 at 0..9m and of 3 at 300m..; bob: a burst of 5
	// spread over 8 minutes at 100m; carol: events 11 minutes apart (never
	// fires); a spray of distinct users from one address at 200m.
	for _, at := range []time.Duration{0, 3 * m, 5 * m, 9 * m, 300 * m, 301 * m, 309 * m} {
		steps = append(steps, step{"alice", "203.0.113.5", at})
	}
	for i := 0; i < 5; i++ {
		steps = append(steps, step{"bob", "203.0.113.6", 100*m + time.Duration(i)*2*m})
	}
	for i := 0; i < 6; i++ {
		steps = append(steps, step{"carol", "203.0.113.7", time.Duration(i) * 11 * m})
	}
	for i, u := range []string{"dave", "erin", "frank", "grace", "heidi"} {
		steps = append(steps, step{u, "198.51.100.9", 200*m + time.Duration(i)*m})
	}
	rules := []string{"test-console-login-failures", "test-password-spray"}
	key := func(alerts []Alert) []string {
		var out []string
		for _, a := range alerts {
			out = append(out, fmt.Sprintf("%s %s %d %s..%s %s", a.RuleID, a.DocID, a.Count, a.WindowStart.Format("15:04"), a.WindowEnd.Format("15:04"), a.Group))
		}
		sort.Strings(out)
		return out
	}
	feed := func(files [][]step) ([]string, MatcherStats) {
		cat := testCatalog(t)
		var rs []*Rule
		for _, id := range rules {
			rs = append(rs, cat.Rule(id))
		}
		mt := newMatcher(rs)
		var alerts []Alert
		for _, f := range files {
			for _, s := range f {
				mt.Match(failure(t, s.user, s.ip, s.at), func(a Alert) { alerts = append(alerts, a) })
			}
		}
		mt.Flush(func(a Alert) { alerts = append(alerts, a) })
		return key(alerts), mt.Stats()
	}
	inOrder, st := feed([][]step{steps})
	// alice 2 windows, bob 1, the spray 1 (carol never).
	if len(inOrder) != 4 || st.LateEvents != 0 {
		t.Fatalf("in order: %d alerts %v, late %d; want 4, 0", len(inOrder), inOrder, st.LateEvents)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 20; trial++ {
		sh := append([]step(nil), steps...)
		rng.Shuffle(len(sh), func(i, j int) { sh[i], sh[j] = sh[j], sh[i] })
		// Split into three files, the newest events' file first.
		files := [][]step{sh[2*len(sh)/3:], sh[:len(sh)/3], sh[len(sh)/3 : 2*len(sh)/3]}
		got, st := feed(files)
		if fmt.Sprint(got) != fmt.Sprint(inOrder) || st.LateEvents != 0 {
			t.Fatalf("trial %d: alerts\n%v\nlate %d; in order:\n%v", trial, got, st.LateEvents, inOrder)
		}
	}
	// A whole file two hours older than the first one scanned.
	var late, early []step
	for _, s := range steps {
		if s.at >= 150*m {
			early = append(early, s)
		} else {
			late = append(late, s)
		}
	}
	if got, _ := feed([][]step{early, late}); fmt.Sprint(got) != fmt.Sprint(inOrder) {
		t.Errorf("older file scanned second: %v, want %v", got, inOrder)
	}
}

func TestThresholdSignals(t *testing.T) {
	cat := testCatalog(t)
	r := cat.Rule("test-console-login-failures")
	var signals []Alert
	mt := cat.NewMatcherWith(MatcherOptions{Signal: func(a Alert) { signals = append(signals, a) }, NoWindows: true,
		Rules: func(x *Rule) bool { return x == r }})
	var alerts []Alert
	for i := 0; i < 4; i++ {
		mt.Match(failure(t, "alice", "203.0.113.5", time.Duration(i)*time.Minute), func(a Alert) { alerts = append(alerts, a) })
	}
	mt.Flush(func(a Alert) { alerts = append(alerts, a) })
	if len(alerts) != 0 || mt.entries != 0 {
		t.Errorf("alerts %v, entries %d; want none without windows", alerts, mt.entries)
	}
	if len(signals) != 4 {
		t.Fatalf("signals %d, want 4", len(signals))
	}
	s := signals[0]
	if s.RuleID != r.ID || s.Count != 1 || s.DocID == "" || s.Group["userIdentity.userName"] != "alice" || s.Source != "203.0.113.5" {
		t.Errorf("signal %+v", s)
	}
	if len(mt.byType) != 1 || mt.Stats().Signals != 4 {
		t.Errorf("rules filter: %d log types indexed, %d signals", len(mt.byType), mt.Stats().Signals)
	}
}

func TestThresholdClockIgnoresErrorDocuments(t *testing.T) {
	cat := testCatalog(t)
	m := newMatcher([]*Rule{cat.Rule("test-console-login-failures"), cat.Rule("test-pipeline-errors")})
	var alerts []Alert
	collect := func(a Alert) { alerts = append(alerts, a) }
	min := time.Minute
	m.Match(failure(t, "alice", "ip", 0), collect)
	// A record of the same file that failed to parse: an error document
	// stamped two hours later, when the file was delivered.
	errDoc := &ecs.Document{
		ID: "err-1", Type: "cloudtrail", Timestamp: time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC),
		Event: ecs.Event{Kind: kindPipelineError, Dataset: "aws.cloudtrail"},
		Error: ecs.Error{Message: "eventTime is missing", Type: "parse"},
	}
	m.Match(errDoc, collect)
	m.Match(failure(t, "alice", "ip", min), collect)
	m.Match(failure(t, "alice", "ip", 2*min), collect)
	m.Flush(collect)
	if st := m.Stats(); st.LateEvents != 0 {
		t.Errorf("%d events counted late after an error document; want 0", st.LateEvents)
	}
	got := map[string]int{}
	for _, a := range alerts {
		got[a.RuleID] = a.Count
	}
	if got["test-console-login-failures"] != 3 || got["test-pipeline-errors"] != 1 || len(alerts) != 2 {
		t.Errorf("alerts %v; want the threshold to fire with 3 events and the pipeline rule to match the error document", got)
	}
}

func TestErrorKindIsTheNormalizers(t *testing.T) {
	if kindPipelineError != logs.KindPipelineError {
		t.Errorf("kindPipelineError %q, logs.KindPipelineError %q", kindPipelineError, logs.KindPipelineError)
	}
}

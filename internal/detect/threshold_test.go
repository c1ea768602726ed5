package detect

import (
	"fmt"
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

func TestThresholdStreamsClosedWindows(t *testing.T) {
	m := time.Minute
	// The fourth event is 25 minutes later: the first window [0, 10m] is
	// closed once the newest event passes its end by the lateness (10m).
	streamed, flushed, _ := run(t, "test-console-login-failures",
		[]step{{"alice", "ip", 0}, {"alice", "ip", m}, {"alice", "ip", 2 * m}, {"bob", "ip", 25 * m}})
	if len(streamed) != 1 || len(flushed) != 0 || streamed[0].Count != 3 {
		t.Errorf("streamed %+v, flushed %+v; want the window emitted while matching", streamed, flushed)
	}
}

func TestThresholdCountsWhatItCannotUse(t *testing.T) {
	m := time.Minute
	_, _, st := run(t, "test-console-login-failures",
		[]step{{"alice", "ip", 60 * m}, {"alice", "ip", 0}}) // 60 minutes late
	if st.LateEvents != 1 {
		t.Errorf("late events %d, want 1", st.LateEvents)
	}
	r := testCatalog(t).Rule("test-console-login-failures")
	mt := newMatcher([]*Rule{r})
	d := ctDoc(t, `{"eventTime":"2024-03-01T10:00:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","eventID":"x","recipientAccountId":"111122223333","userIdentity":{"type":"Root"},"responseElements":{"ConsoleLogin":"Failure"}}`)
	mt.Match(d, func(Alert) {})
	if got := mt.Stats().Ungrouped; got != 1 {
		t.Errorf("ungrouped %d, want 1 (no userIdentity.userName)", got)
	}
}

func TestThresholdStateIsBounded(t *testing.T) {
	r := testCatalog(t).Rule("test-password-spray")
	m := newMatcher([]*Rule{r})
	// Two users per address, over many addresses and hours: nothing fires,
	// and idle groups are evicted.
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
	}
	// Eviction runs every 1024 inserts and keeps three windows (30
	// minutes, 180 events here): what is left is bounded by that, not by n.
	if groups := len(m.thr[r].groups); groups > 1024+180 {
		t.Errorf("%d of %d groups kept; idle groups should have been evicted", groups, n)
	}
	if m.Stats().Evaluations != n {
		t.Errorf("evaluated %d, want %d", m.Stats().Evaluations, n)
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

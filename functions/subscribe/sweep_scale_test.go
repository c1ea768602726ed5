package subscribe

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"
)

// populate adds n STANDARD groups named /app/g-00000 ... and returns their
// names in order.
func populate(c *cwlServer, n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("/app/g-%05d", i)
		c.addGroup(names[i], "STANDARD")
	}
	return names
}

// chainTotals adds up the coverages of a chain.
func chainTotals(covs []Coverage) (seen, subscribed, throttled int64) {
	for _, c := range covs {
		seen += c.Seen
		subscribed += c.Subscribed
		throttled += c.Throttled
	}
	return
}

// invocationBound is the invocations a chain needs to examine groups log
// groups that each cost calls paced calls of distinct operations (which
// proceed side by side, each at rate per second), in invocations of
// functionTimeout less the response reserve and the cut-off margin, plus one
// for rounding.
func invocationBound(groups int, rate float64) int {
	perInvocation := (functionTimeout - 20*time.Second - groupMargin).Seconds() * rate
	return int(math.Ceil(float64(groups)/perInvocation)) + 1
}

// The issue this answers: a sweep restarting at page 1 every run never
// reaches the groups past its cut-off. Over 20,000 groups, with the real page
// size (50) and the fake enforcing the quotas at DefaultRates, the chain of
// invocations subscribes every group once, never lists page 1 twice, never
// examines a group twice, is never throttled (the sweep paces itself), and
// ends within the bound the rates allow.
func TestSweepOf20000GroupsCompletesWithinBoundedInvocations(t *testing.T) {
	if testing.Short() {
		t.Skip("20,000 groups over HTTP")
	}
	hs := newHarness(t, testConfig())
	hs.cwl.setQuotas(DefaultRates)
	names := populate(hs.cwl, 20000)
	// A few groups whose two slots are taken by foreign filters.
	for i := 0; i < len(names); i += 2500 {
		hs.cwl.addGroup(names[i], "STANDARD", foreignFilter("datadog"), foreignFilter("splunk"))
	}
	var mu sync.Mutex
	firstPages := 0
	hs.cwl.inject = func(op string, req map[string]any) string {
		if op == "DescribeLogGroups" && str(req, "nextToken") == "" {
			mu.Lock()
			firstPages++
			mu.Unlock()
		}
		return ""
	}

	bound := invocationBound(len(names), DefaultRates[opPutSubscriptionFilter])
	n, covs, errs := hs.runChain(t, readFile(t, "scheduled_event.json"), bound+5)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("invocation %d failed: %v", i, err)
		}
	}
	last := covs[len(covs)-1]
	if !last.Complete || n > bound {
		t.Fatalf("%d invocations (bound %d), last coverage %+v", n, bound, last)
	}
	for i, c := range covs[:len(covs)-1] {
		if c.Complete || !c.Continued || c.Hop != i || c.Seen == 0 {
			t.Fatalf("invocation %d: %+v, want an incomplete sweep that made progress and continued", i, c)
		}
	}
	seen, subscribed, throttled := chainTotals(covs)
	if seen != int64(len(names)) || subscribed != int64(len(names)-8) || firstPages != 1 || throttled != 0 ||
		hs.cwl.throttleCount(opPutSubscriptionFilter)+hs.cwl.throttleCount(opDescribeSubscriptionFilters)+hs.cwl.throttleCount(opDescribeLogGroups) != 0 {
		t.Fatalf("seen %d, subscribed %d, page 1 listed %d times, %d throttled", seen, subscribed, firstPages, throttled)
	}
	for i, name := range names {
		// One put each; on the full groups it is refused with
		// LimitExceededException and not retried.
		if got := hs.cwl.putCount(name); got != 1 {
			t.Fatalf("%s: %d PutSubscriptionFilter calls, want 1", name, got)
		}
		if i%2500 != 0 && countOurs(hs.cwl.filtersOf(name)) != 1 {
			t.Fatalf("%s not subscribed: %+v", name, hs.cwl.filtersOf(name))
		}
	}
	var limited int64
	for _, c := range covs {
		limited += c.Skipped[SkipFilterLimit]
	}
	if limited != 8 {
		t.Fatalf("%d groups skipped for the filter limit, want 8", limited)
	}
	t.Logf("20,000 groups: %d invocations (bound %d), %s virtual time", n, bound, hs.cwl.clock.slept)
}

// Other callers share the account's quotas: when the service allows fewer
// calls than the sweep's pace, throttled calls back off and are retried,
// no group fails, and the chain still ends.
func TestSweepBacksOffWhenTheQuotaIsShared(t *testing.T) {
	hs := newHarness(t, testConfig())
	shared := map[string]float64{}
	for op, r := range DefaultRates {
		shared[op] = r * 0.6
	}
	hs.cwl.setQuotas(shared)
	names := populate(hs.cwl, 1500)
	n, covs, errs := hs.runChain(t, []byte(`{"action":"sweep"}`), 20)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("invocation %d failed: %v", i, err)
		}
	}
	seen, subscribed, throttled := chainTotals(covs)
	var failed int64
	for _, c := range covs {
		failed += c.Failed
	}
	if !covs[len(covs)-1].Complete || seen != int64(len(names)) || subscribed != int64(len(names)) || failed != 0 {
		t.Fatalf("%d invocations: seen %d, subscribed %d, failed %d, last %+v", n, seen, subscribed, failed, covs[len(covs)-1])
	}
	if throttled == 0 || hs.waitCount() == 0 {
		t.Fatalf("a quota below the pace throttled nothing (%d throttles, %d waits)", throttled, hs.waitCount())
	}
}

// Lambda retries a failed asynchronous invocation with the same event: a
// continuation that fails resumes, on retry, where the chain stopped, not at
// page 1, and no group is examined twice.
func TestARetriedContinuationResumesWhereTheChainStopped(t *testing.T) {
	hs := newHarness(t, testConfig())
	hs.cwl.setQuotas(DefaultRates)
	names := populate(hs.cwl, 3000)
	var mu sync.Mutex
	firstPages, failedOnce := 0, false
	hs.cwl.inject = func(op string, req map[string]any) string {
		mu.Lock()
		defer mu.Unlock()
		if op != "DescribeLogGroups" {
			return ""
		}
		if str(req, "nextToken") == "" {
			firstPages++
		}
		// The first listing of the first continuation fails.
		if !failedOnce && hs.lambda.received() == 1 {
			failedOnce = true
			return "AccessDeniedException"
		}
		return ""
	}
	n, covs, errs := hs.runChain(t, []byte(`{"action":"sweep"}`), 10)
	failures := 0
	for _, err := range errs {
		if err != nil {
			failures++
			if !strings.Contains(err.Error(), "AccessDeniedException") {
				t.Fatalf("unexpected error %v", err)
			}
		}
	}
	seen, subscribed, _ := chainTotals(covs)
	if failures != 1 || !covs[len(covs)-1].Complete || firstPages != 1 || seen != int64(len(names)) || subscribed != int64(len(names)) {
		t.Fatalf("%d invocations, %d failures, page 1 listed %d times, seen %d, subscribed %d", n, failures, firstPages, seen, subscribed)
	}
	for _, name := range names {
		if hs.cwl.putCount(name) != 1 {
			t.Fatalf("%s: %d puts", name, hs.cwl.putCount(name))
		}
	}
}

// "The token expires after 24 hours": a continuation run after its token
// expired lists from page 1 again but skips, without examining them, the
// groups up to the last one done.
func TestAnExpiredTokenFallsBackToTheLastName(t *testing.T) {
	hs := newHarness(t, testConfig())
	names := populate(hs.cwl, 400)
	ctx, cancel := hs.invocation(40 * time.Second) // Sweep directly: 35 s of budget, about 175 groups
	first, err := hs.s.Sweep(ctx, Position{})
	cancel()
	if err != nil || first.Complete || first.Next == nil || first.Next.Token == "" || first.Seen == 0 {
		t.Fatalf("err %v, first %+v", err, first)
	}
	hs.cwl.clock.advance(25 * time.Hour)
	ctx, cancel = hs.invocation(functionTimeout)
	rest, err := hs.s.Sweep(ctx, *first.Next)
	cancel()
	if err != nil || !rest.Complete || first.Seen+rest.Seen != int64(len(names)) {
		t.Fatalf("err %v, seen %d + %d of %d", err, first.Seen, rest.Seen, len(names))
	}
	for _, name := range names {
		if hs.cwl.putCount(name) != 1 {
			t.Fatalf("%s: %d puts", name, hs.cwl.putCount(name))
		}
	}
	if !strings.Contains(hs.logs.String(), "token refused") {
		t.Fatal("the refused token was not logged")
	}
}

// A planned cut-off is progress: the invocation succeeds and queues its
// continuation with the position to resume from.
func TestACutOffSweepSucceedsAndContinues(t *testing.T) {
	hs := newHarness(t, testConfig())
	populate(hs.cwl, 300)
	ctx, cancel := hs.invocation(60 * time.Second)
	defer cancel()
	cov, err := hs.s.Handle(ctx, []byte(`{"action":"sweep"}`))
	if err != nil || cov.Complete || !cov.Continued || cov.Seen == 0 || cov.Seen >= 300 {
		t.Fatalf("err %v, coverage %+v", err, cov)
	}
	queued := hs.lambda.drain()
	var ev continuation
	if len(queued) != 1 || json.Unmarshal(queued[0], &ev) != nil || ev.Action != ActionSweep || ev.Resume == nil ||
		ev.Resume.Hop != 1 || ev.Resume.After != fmt.Sprintf("/app/g-%05d", cov.Seen-1) {
		t.Fatalf("queued %s", queued)
	}
	if m := hs.lastMetrics(t); m["Continued"] != 1.0 || m["Complete"] != 0.0 {
		t.Fatalf("metrics %v", m)
	}
}

func TestAContinuationThatCannotProgressEndsTheChain(t *testing.T) {
	hs := newHarness(t, testConfig())
	populate(hs.cwl, 100)
	hs.cwl.inject = func(op string, _ map[string]any) string {
		if op == "DescribeLogGroups" {
			return "AccessDeniedException"
		}
		return ""
	}
	ev, _ := json.Marshal(continuation{Action: ActionSweep, Resume: &Position{After: "/app/g-00010", Hop: 3}})
	ctx, cancel := hs.invocation(functionTimeout)
	defer cancel()
	_, err := hs.s.Handle(ctx, ev)
	if err == nil || !strings.Contains(err.Error(), "no progress") || len(hs.lambda.drain()) != 0 {
		t.Fatalf("err %v", err)
	}
}

func TestAChainEndsAtMaxHops(t *testing.T) {
	hs := newHarness(t, testConfig())
	populate(hs.cwl, 300)
	ev, _ := json.Marshal(continuation{Action: ActionSweep, Resume: &Position{Hop: MaxHops - 1}})
	ctx, cancel := hs.invocation(40 * time.Second)
	defer cancel()
	cov, err := hs.s.Handle(ctx, ev)
	if err != nil || cov.Complete || cov.Continued || len(hs.lambda.drain()) != 0 || !strings.Contains(hs.logs.String(), "invocation limit") {
		t.Fatalf("err %v, coverage %+v", err, cov)
	}
}

// A continuation that Lambda refuses to queue fails the invocation, so that
// Lambda retries it (with the same event) rather than the chain silently
// ending.
func TestAContinuationThatCannotBeQueuedFailsTheInvocation(t *testing.T) {
	hs := newHarness(t, testConfig())
	populate(hs.cwl, 300)
	hs.lambda.refuse = "TooManyRequestsException"
	ctx, cancel := hs.invocation(60 * time.Second)
	defer cancel()
	_, err := hs.s.Handle(ctx, []byte(`{"action":"sweep"}`))
	if err == nil || !strings.Contains(err.Error(), "TooManyRequestsException") {
		t.Fatalf("err %v", err)
	}
}

// The pacer alone keeps a sweep under DefaultRates: calls of one operation
// are at least 1/rate apart on the clock.
func TestPacerSpacesCallsAtTheRate(t *testing.T) {
	clock := newVirtualClock()
	p := newPacer(clock, map[string]float64{"A": 5, "B": 2})
	start := clock.Now()
	for i := 0; i < 10; i++ {
		if err := p.wait(context.Background(), "A"); err != nil {
			t.Fatal(err)
		}
	}
	if got := clock.Now().Sub(start); got != 9*200*time.Millisecond {
		t.Fatalf("10 calls at 5/s took %s, want 1.8s", got)
	}
	// B has its own schedule; an unpaced operation never waits.
	before := clock.Now()
	_ = p.wait(context.Background(), "B")
	_ = p.wait(context.Background(), "C")
	_ = p.wait(context.Background(), "C")
	if clock.Now() != before {
		t.Fatalf("B's first call or unpaced calls waited %s", clock.Now().Sub(before))
	}
}

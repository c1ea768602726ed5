package subscribe

import (
	"context"
	"sync"
	"time"
)

// Clock is the time source of the sweep: rate pacing, the time budget of an
// invocation and the waits between retries. Tests inject a virtual clock
// that advances only when slept on, so rate limits and cut-offs are
// deterministic; production uses the wall clock.
type Clock interface {
	Now() time.Time
	// Sleep waits d or until ctx is done.
	Sleep(ctx context.Context, d time.Duration) error
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func (wallClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// CloudWatch Logs operations the Subscriber calls, by their API names (the
// keys of Rates).
const (
	opDescribeLogGroups           = "DescribeLogGroups"
	opDescribeSubscriptionFilters = "DescribeSubscriptionFilters"
	opPutSubscriptionFilter       = "PutSubscriptionFilter"
	opDescribeAccountPolicies     = "DescribeAccountPolicies"
	opPutAccountPolicy            = "PutAccountPolicy"
	opDeleteAccountPolicy         = "DeleteAccountPolicy"
)

// DefaultRates are the requests per second the Subscriber allows itself per
// operation: the CloudWatch Logs quotas, which are per account and Region
// and shared with every other caller in the account. DescribeLogGroups is 5
// transactions per second in the CloudWatch Logs quotas page
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/cloudwatch_limits_cwl.html,
// awsdocs/amazon-cloudwatch-logs-user-guide doc_source/cloudwatch_limits_cwl.md);
// the quotas of the other operations could not be found in the documentation
// available here and are paced at the same 5 per second (docs/cloud-behaviour.md,
// "Not confirmed"). Calls beyond a quota are answered ThrottlingException,
// which the Subscriber retries with backoff.
var DefaultRates = map[string]float64{
	opDescribeLogGroups:           5,
	opDescribeSubscriptionFilters: 5,
	opPutSubscriptionFilter:       5,
	opDescribeAccountPolicies:     5,
	opPutAccountPolicy:            5,
	opDeleteAccountPolicy:         5,
}

// pacer spaces the calls of each operation evenly at its rate, so that a
// sweep stays under the quota instead of bursting into throttling.
type pacer struct {
	clock Clock

	mu       sync.Mutex
	interval map[string]time.Duration
	next     map[string]time.Time
}

func newPacer(clock Clock, rates map[string]float64) *pacer {
	p := &pacer{clock: clock, interval: map[string]time.Duration{}, next: map[string]time.Time{}}
	for op, r := range rates {
		if r > 0 {
			p.interval[op] = time.Duration(float64(time.Second) / r)
		}
	}
	return p
}

// wait blocks until op may be called again.
func (p *pacer) wait(ctx context.Context, op string) error {
	p.mu.Lock()
	now := p.clock.Now()
	at := p.next[op]
	if at.Before(now) {
		at = now
	}
	p.next[op] = at.Add(p.interval[op])
	p.mu.Unlock()
	if d := at.Sub(now); d > 0 {
		return p.clock.Sleep(ctx, d)
	}
	return ctx.Err()
}

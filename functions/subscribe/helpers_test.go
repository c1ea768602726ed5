package subscribe

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/functions/internal/backoff"
)

const (
	transferARN    = "arn:aws:lambda:eu-west-1:111122223333:function:orgsiem-transfer"
	oldTransferARN = "arn:aws:lambda:eu-west-1:111122223333:function:orgsiem-transfer-v0"
	foreignARN     = "arn:aws:lambda:eu-west-1:111122223333:function:vendor-forwarder"
)

func testConfig() Config {
	return Config{
		DestinationARN:    transferARN,
		Exclude:           []string{"/aws/lambda/sandbox-*"},
		PipelineLogGroups: []string{"/custom/orgsiem-transfer"},
		FunctionName:      "orgsiem-subscribe",
		FunctionLogGroup:  "/aws/lambda/orgsiem-subscribe",
	}
}

// harness is a Subscriber wired to the fake CloudWatch Logs and Lambda
// endpoints, on the fake's virtual clock, with a backoff that records its
// waits.
type harness struct {
	s       *Subscriber
	cwl     *cwlServer
	lambda  *lambdaServer
	metrics *bytes.Buffer
	logs    *syncBuffer

	mu    sync.Mutex
	waits []time.Duration
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newHarness(t testing.TB, cfg Config, opts ...Option) *harness {
	t.Helper()
	hs := &harness{cwl: newCWLServer(t), lambda: newLambdaServer(t, cfg.FunctionName), metrics: &bytes.Buffer{}, logs: &syncBuffer{}}
	clock := hs.cwl.clock
	all := append([]Option{
		WithBackoff(backoff.Policy{
			Sleep: func(ctx context.Context, d time.Duration) error {
				hs.mu.Lock()
				hs.waits = append(hs.waits, d)
				hs.mu.Unlock()
				return clock.Sleep(ctx, d)
			},
			Now:    clock.Now,
			Jitter: func() float64 { return 0.5 },
		}),
		WithMetricsWriter(hs.metrics),
		WithLogger(slog.New(slog.NewJSONHandler(hs.logs, nil))),
		WithClock(clock),
		WithContinuation(hs.lambda.client),
	}, opts...)
	s, err := New(cfg, hs.cwl.client, all...)
	if err != nil {
		t.Fatal(err)
	}
	hs.s = s
	return hs
}

func (hs *harness) waitCount() int {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	return len(hs.waits)
}

// invocation is the context of one Lambda invocation of the given timeout
// on the virtual clock (its deadline is never reached in real time).
func (hs *harness) invocation(timeout time.Duration) (context.Context, context.CancelFunc) {
	return context.WithDeadline(context.Background(), hs.cwl.clock.Now().Add(timeout))
}

// functionTimeout is the subscribe function's timeout in the member
// baseline (member.addSubscriber).
const functionTimeout = 300 * time.Second

// runChain runs event as Lambda runs asynchronous invocations: each in its
// own invocation of functionTimeout, a failed one retried up to two more
// times with the same event, and every event the function queued (its
// continuations) run in turn. It stops after maxInvocations and returns the
// invocations made and every result.
func (hs *harness) runChain(t testing.TB, event []byte, maxInvocations int) (int, []Coverage, []error) {
	t.Helper()
	queue := []json.RawMessage{event}
	var (
		n    int
		covs []Coverage
		errs []error
	)
	for len(queue) > 0 && n < maxInvocations {
		ev := queue[0]
		queue = queue[1:]
		for attempt := 0; attempt < 3 && n < maxInvocations; attempt++ {
			n++
			ctx, cancel := hs.invocation(functionTimeout)
			cov, err := hs.s.Handle(ctx, ev)
			cancel()
			covs, errs = append(covs, cov), append(errs, err)
			if err == nil {
				break
			}
		}
		queue = append(queue, hs.lambda.drain()...)
	}
	return n, covs, errs
}

// want builds an expected Coverage.
func want(seen, subscribed, updated, already, failed int64, complete bool, skipped map[SkipReason]int64) Coverage {
	c := newCoverage()
	c.Seen, c.Subscribed, c.Updated, c.AlreadyOurs, c.Failed, c.Complete = seen, subscribed, updated, already, failed, complete
	for r, n := range skipped {
		c.Skipped[r] = n
	}
	return c
}

// sameCounts compares the counters of two Coverages (not the group lists
// and retries).
func sameCounts(t testing.TB, got, want Coverage) {
	t.Helper()
	g, w := got, want
	g.Retries, w.Retries = 0, 0
	g.Throttled, g.Hop, g.Next, g.Continued, g.Mode, g.AccountPolicy, g.Fallback = 0, 0, nil, false, "", "", ""
	g.FilterLimitGroups, g.FailedGroups, w.FilterLimitGroups, w.FailedGroups = nil, nil, nil, nil
	for r, n := range g.Skipped {
		if n == 0 {
			delete(g.Skipped, r)
		}
	}
	if !reflect.DeepEqual(g, w) {
		gj, _ := json.Marshal(g)
		wj, _ := json.Marshal(w)
		t.Fatalf("coverage\n got %s\nwant %s", gj, wj)
	}
	var skipped int64
	for _, n := range got.Skipped {
		skipped += n
	}
	if got.Seen != got.Subscribed+got.Updated+got.AlreadyOurs+skipped+got.Failed {
		t.Fatalf("coverage does not add up: %+v", got)
	}
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// lastMetrics decodes the last EMF line written.
func (hs *harness) lastMetrics(t testing.TB) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(hs.metrics.String()), "\n")
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil {
		t.Fatalf("metrics line %q: %v", lines[len(lines)-1], err)
	}
	return m
}

package backoff

import (
	"context"
	"errors"
	"testing"
	"time"

	smithy "github.com/aws/smithy-go"
)

// recorder is an injected sleeper that never sleeps.
type recorder struct{ waits []time.Duration }

func (r *recorder) sleep(_ context.Context, d time.Duration) error {
	r.waits = append(r.waits, d)
	return nil
}

var (
	errThrottled = &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
	errLimit     = &smithy.GenericAPIError{Code: "LimitExceededException", Message: "Resource limit exceeded"}
	errNotFound  = &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "gone"}
)

func TestDo(t *testing.T) {
	tests := []struct {
		name        string
		failures    []error // errors returned by the first calls, then success
		attempts    int
		wantCalls   int
		wantRetries int
		wantErr     error
		exhausted   bool
	}{
		{name: "a first success makes one call", wantCalls: 1},
		{name: "throttling is retried until success", failures: []error{errThrottled, errLimit}, attempts: 5, wantCalls: 3, wantRetries: 2},
		{name: "a non-retryable error is returned at once", failures: []error{errNotFound}, attempts: 5, wantCalls: 1, wantErr: errNotFound},
		{name: "attempts run out", failures: []error{errThrottled, errThrottled, errThrottled}, attempts: 3, wantCalls: 3, wantRetries: 2, wantErr: errThrottled, exhausted: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			p := Policy{Attempts: tt.attempts, Sleep: rec.sleep}
			calls := 0
			retries, err := p.Do(context.Background(), Retryable, func(context.Context) error {
				calls++
				if calls <= len(tt.failures) {
					return tt.failures[calls-1]
				}
				return nil
			})
			if calls != tt.wantCalls || retries != tt.wantRetries {
				t.Fatalf("calls=%d retries=%d, want %d and %d", calls, retries, tt.wantCalls, tt.wantRetries)
			}
			if len(rec.waits) != tt.wantRetries {
				t.Fatalf("slept %d times, want %d", len(rec.waits), tt.wantRetries)
			}
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			var ex *ExhaustedError
			if errors.As(err, &ex) != tt.exhausted {
				t.Fatalf("exhausted = %v, want %v (err %v)", !tt.exhausted, tt.exhausted, err)
			}
		})
	}
}

func TestDoStopsBeforeTheDeadline(t *testing.T) {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	ctx, cancel := context.WithDeadline(context.Background(), now.Add(3*time.Second))
	defer cancel()
	rec := &recorder{}
	p := Policy{
		Attempts: 10, Base: 1500 * time.Millisecond, Max: 1500 * time.Millisecond, Reserve: time.Second,
		Sleep:  func(ctx context.Context, d time.Duration) error { now = now.Add(d); return rec.sleep(ctx, d) },
		Now:    func() time.Time { return now },
		Jitter: func() float64 { return 0.999 },
	}
	calls := 0
	_, err := p.Do(ctx, Retryable, func(context.Context) error { calls++; return errThrottled })
	var ex *ExhaustedError
	if !errors.As(err, &ex) || !errors.Is(err, errThrottled) {
		t.Fatalf("err = %v, want ExhaustedError wrapping the throttle", err)
	}
	// Waits of ~1.5s each must end before deadline-reserve (2s after start): only the first fits.
	if calls != 2 || len(rec.waits) != 1 {
		t.Fatalf("calls=%d waits=%v, want 2 calls and 1 wait", calls, rec.waits)
	}
}

func TestWaitGrowsAndIsCapped(t *testing.T) {
	for _, j := range []float64{0, 0.5, 0.999} {
		p := Policy{Base: 100 * time.Millisecond, Max: time.Second, Jitter: func() float64 { return j }}
		for attempt, ceiling := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 30: time.Second} {
			w := p.Wait(attempt)
			if w < ceiling/2 || w > ceiling {
				t.Errorf("jitter %v attempt %d: wait %v outside [%v, %v]", j, attempt, w, ceiling/2, ceiling)
			}
		}
	}
}

func TestRetryable(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"throttling is retryable", errThrottled, true},
		{"limit exceeded is retryable", errLimit, true},
		{"not found is not retryable", errNotFound, false},
		{"a cancelled context is not retryable", context.Canceled, false},
		{"nil is not retryable", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Retryable(tt.err); got != tt.want {
				t.Fatalf("Retryable(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

// Package backoff retries calls to AWS with capped exponential backoff and
// jitter, inside the caller's deadline. The Lambda functions disable the SDK's
// own retryer and use this one instead, so one policy (tested without sleeping:
// Sleep and Now are injectable) decides how long an invocation keeps trying.
package backoff

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// Defaults of Policy's zero fields.
const (
	DefaultAttempts = 6
	DefaultBase     = 200 * time.Millisecond
	DefaultMax      = 5 * time.Second
	DefaultReserve  = 2 * time.Second
)

// Policy says how often and how long to retry. The zero value is usable.
type Policy struct {
	// Attempts is the maximum number of calls, the first one included.
	Attempts int
	// Base is the ceiling of the first wait; the ceiling doubles per retry.
	Base time.Duration
	// Max caps the ceiling.
	Max time.Duration
	// Reserve is kept free before the context deadline: a wait that would end
	// later than deadline-Reserve is not started and the last error is
	// returned instead, so the caller still has time to report it.
	Reserve time.Duration
	// Sleep waits d or until ctx is done (nil: a timer).
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock compared with the deadline (nil: time.Now).
	Now func() time.Time
	// Jitter returns a value in [0, 1) (nil: math/rand/v2).
	Jitter func() float64
}

// ExhaustedError is returned when every attempt failed with a retryable
// error, or the deadline left no time for another one.
type ExhaustedError struct {
	Attempts int
	Err      error // the last attempt's error
}

func (e *ExhaustedError) Error() string {
	return fmt.Sprintf("gave up after %d attempts: %v", e.Attempts, e.Err)
}

func (e *ExhaustedError) Unwrap() error { return e.Err }

// Retryable is the AWS SDK's own classification: throttling error codes
// (ThrottlingException, LimitExceededException, SlowDown ...), HTTP 500, 502,
// 503, 504, request timeouts and connection errors. Context cancellation is
// never retryable.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	return retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) == aws.TrueTernary
}

// Do calls op until it succeeds, fails with an error retryable rejects, runs
// out of attempts or would overrun the deadline. It returns the number of
// retries made and nil, op's non-retryable error unchanged, or an
// *ExhaustedError wrapping the last retryable error.
func (p Policy) Do(ctx context.Context, retryable func(error) bool, op func(context.Context) error) (retries int, err error) {
	attempts := p.Attempts
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	for attempt := 1; ; attempt++ {
		err = op(ctx)
		if err == nil || !retryable(err) {
			return attempt - 1, err
		}
		if attempt >= attempts {
			return attempt - 1, &ExhaustedError{Attempts: attempt, Err: err}
		}
		wait := p.Wait(attempt)
		if !p.fits(ctx, wait) {
			return attempt - 1, &ExhaustedError{Attempts: attempt, Err: err}
		}
		if serr := p.sleep(ctx, wait); serr != nil {
			return attempt - 1, &ExhaustedError{Attempts: attempt, Err: errors.Join(err, serr)}
		}
	}
}

// Wait is the pause after the given failed attempt (1-based): half the
// ceiling plus jitter over the other half ("equal jitter"), where the
// ceiling is Base*2^(attempt-1) capped at Max.
func (p Policy) Wait(attempt int) time.Duration {
	base, limit := p.Base, p.Max
	if base <= 0 {
		base = DefaultBase
	}
	if limit <= 0 {
		limit = DefaultMax
	}
	ceiling := base
	for i := 1; i < attempt && ceiling < limit; i++ {
		ceiling *= 2
	}
	if ceiling > limit {
		ceiling = limit
	}
	jitter := rand.Float64
	if p.Jitter != nil {
		jitter = p.Jitter
	}
	half := ceiling / 2
	return half + time.Duration(jitter()*float64(ceiling-half))
}

func (p Policy) fits(ctx context.Context, wait time.Duration) bool {
	deadline, ok := ctx.Deadline()
	if !ok {
		return ctx.Err() == nil
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	reserve := p.Reserve
	if reserve <= 0 {
		reserve = DefaultReserve
	}
	return now().Add(wait).Before(deadline.Add(-reserve))
}

func (p Policy) sleep(ctx context.Context, d time.Duration) error {
	if p.Sleep != nil {
		return p.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

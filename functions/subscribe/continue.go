package subscribe

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// A sweep of a large account does not fit in one invocation: CloudWatch
// Logs allows a few calls per second and each log group costs one or two, so
// 20,000 groups take over an hour. A sweep therefore works until its time
// budget runs out and hands the rest to the next invocation of this same
// function, invoked asynchronously with the Position to resume from
// (self-continuation). It was chosen over a position persisted in SSM
// Parameter Store or DynamoDB because it needs no new resource: only the
// permission to invoke the function itself. The Position travels in the
// event, so Lambda's own retries of a failed continuation (asynchronous
// invocations are retried twice on a function error) resume at the same
// place, never at page 1.
//
// Guard rails, since a function invoking itself is a loop: a continuation
// is sent only when the invocation made progress (its Position moved), and
// a chain ends after MaxHops invocations, the next scheduled sweep starting
// over.

// MaxHops bounds the invocations of one sweep chain. At the default rates a
// 300 s invocation examines about 1,400 log groups, so 60 hops cover more
// than 80,000 groups.
const MaxHops = 60

// Position is where a sweep resumes: the DescribeLogGroups nextToken of the
// page holding the next group to examine ("" for the first page), and the
// name of the last group examined, to skip on that page. DescribeLogGroups
// returns groups sorted by name, so every group after After is still to be
// done. The token "expires after 24 hours" (DescribeLogGroups API
// reference); a refused token falls back to listing from the start and
// skipping names up to After.
type Position struct {
	Token string `json:"token,omitempty"`
	After string `json:"after,omitempty"`
	// Hop numbers the invocations of this sweep chain (0 for the first).
	Hop int `json:"hop"`
}

// LambdaAPI is the part of the Lambda client a continuation uses.
type LambdaAPI interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// continuation is the event of the next invocation of a sweep chain.
type continuation struct {
	Action string    `json:"action"`
	Resume *Position `json:"resume"`
}

// handOff invokes this function asynchronously to resume the sweep at next.
func (s *Subscriber) handOff(ctx context.Context, next Position) error {
	if s.lambda == nil || s.cfg.FunctionName == "" {
		return fmt.Errorf("no Lambda client or function name to continue the sweep with")
	}
	payload, err := json.Marshal(continuation{Action: ActionSweep, Resume: &next})
	if err != nil {
		return err
	}
	_, err = s.retry.Do(ctx, retryable, func(ctx context.Context) error {
		out, err := s.lambda.Invoke(ctx, &lambda.InvokeInput{
			FunctionName:   aws.String(s.cfg.FunctionName),
			InvocationType: lambdatypes.InvocationTypeEvent,
			Payload:        payload,
		})
		if err == nil && out.StatusCode != 202 {
			// An asynchronous invocation that was queued answers 202.
			err = fmt.Errorf("invoke %s: status %d, want 202", s.cfg.FunctionName, out.StatusCode)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("invoke %s to continue the sweep after %q: %w", s.cfg.FunctionName, next.After, err)
	}
	return nil
}

package subscribe

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/aws/aws-lambda-go/cfn"
)

// PhysicalResourceID is the physical id of the custom resource. It never
// changes, so an Update never makes CloudFormation delete the old resource.
const PhysicalResourceID = "orgsiem-log-group-subscriptions"

// maxResponseBytes is CloudFormation's limit on a custom resource response body.
const maxResponseBytes = 4096

// maxReasonBytes keeps Reason well inside maxResponseBytes.
const maxReasonBytes = 1024

// HandleCustomResource answers a CloudFormation custom resource request and
// always PUTs a response to its (https) ResponseURL, so a stack never hangs:
//
//   - Create and Update run a sweep that stops early enough to answer before
//     the invocation's deadline (WithResponseReserve) and continues in new
//     invocations. The answer is SUCCESS with the Coverage as Data,
//     including when some groups failed or the sweep continues (Data.Complete
//     "false", Data.Continued "true"): a deploy should not roll back over one
//     throttled group. It is FAILED when log groups cannot be listed at all
//     (missing permission, for instance), with the error as Reason.
//     In account mode they put our account-level policy; when the account
//     already has another one they sweep log groups instead and answer
//     SUCCESS with that reason, so the stack instance does not fail.
//   - Delete answers SUCCESS. Our per-group filters stay: deleting them here
//     would also run when CloudFormation replaces the resource, and would
//     unsubscribe groups the new resource had just subscribed; foreign
//     filters are never ours to touch. Filters named FilterName can be
//     removed by hand after the baseline is gone. In account mode Delete
//     removes our account policy (never a foreign one): the physical id
//     never changes, so Delete only comes with the stack's deletion.
//   - Any other request type answers FAILED.
//
// The returned error reports a response that could not be delivered.
func (s *Subscriber) HandleCustomResource(ctx context.Context, ev cfn.Event) (Coverage, error) {
	resp := cfn.Response{
		RequestID:          ev.RequestID,
		LogicalResourceID:  ev.LogicalResourceID,
		StackID:            ev.StackID,
		PhysicalResourceID: ev.PhysicalResourceID,
	}
	if resp.PhysicalResourceID == "" {
		resp.PhysicalResourceID = PhysicalResourceID
	}
	cov, runErr := s.runCustomResource(ctx, ev)
	if runErr != nil {
		resp.Status = cfn.StatusFailed
		resp.Reason = truncate(runErr.Error(), maxReasonBytes)
	} else {
		resp.Status = cfn.StatusSuccess
		resp.Reason = fmt.Sprintf("%s: %d log groups seen, %d subscribed, %d updated, %d already ours, %d failed, complete=%t, continued=%t",
			ev.RequestType, cov.Seen, cov.Subscribed, cov.Updated, cov.AlreadyOurs, cov.Failed, cov.Complete, cov.Continued)
		if cov.AccountPolicy != "" {
			resp.Reason += "; account policy " + cov.AccountPolicy
		}
		if cov.Fallback != "" {
			resp.Reason = truncate(resp.Reason+"; "+cov.Fallback, maxReasonBytes)
		}
		if ev.RequestType != cfn.RequestDelete {
			resp.Data = cov.data()
		}
	}
	if err := s.respond(ctx, ev.ResponseURL, &resp); err != nil {
		s.log.ErrorContext(ctx, "custom resource response not delivered", "requestId", ev.RequestID, "status", resp.Status, "error", err.Error())
		return cov, fmt.Errorf("subscribe: answer CloudFormation request %s: %w", ev.RequestID, err)
	}
	s.log.InfoContext(ctx, "custom resource answered", "requestId", ev.RequestID, "requestType", ev.RequestType, "status", resp.Status, "reason", resp.Reason)
	return cov, nil
}

func (s *Subscriber) runCustomResource(ctx context.Context, ev cfn.Event) (cov Coverage, err error) {
	cov = newCoverage()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error: %v", p)
		}
	}()
	switch ev.RequestType {
	case cfn.RequestCreate, cfn.RequestUpdate:
		return s.runSweep(ctx, nil)
	case cfn.RequestDelete:
		if s.cfg.Mode == ModeAccount {
			if err := s.deleteAccountPolicy(ctx, &cov); err != nil {
				return cov, err
			}
		}
		cov.Complete = true
		return cov, nil
	default:
		return cov, fmt.Errorf("unknown RequestType %q", ev.RequestType)
	}
}

// sweepContext ends the sweep s.reserve before the invocation's deadline.
func (s *Subscriber) sweepContext(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, deadline.Add(-s.reserve))
}

// respond PUTs the response (no Content-Type: the URL is a presigned S3
// URL), retrying transport errors and 5xx answers.
func (s *Subscriber) respond(ctx context.Context, responseURL string, resp *cfn.Response) error {
	u, err := url.Parse(responseURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("response URL is not an https URL")
	}
	body, err := json.Marshal(resp)
	if err != nil {
		return err
	}
	if len(body) > maxResponseBytes {
		resp.Data = nil
		if body, err = json.Marshal(resp); err != nil {
			return err
		}
	}
	_, err = s.retry.Do(ctx, retryableHTTP, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, responseURL, bytes.NewReader(body))
		if err != nil {
			return err
		}
		res, err := s.http.Do(req)
		if err != nil {
			return &transientError{err}
		}
		defer res.Body.Close()
		msg, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		switch {
		case res.StatusCode >= 500:
			return &transientError{fmt.Errorf("HTTP %d: %s", res.StatusCode, msg)}
		case res.StatusCode != http.StatusOK:
			return fmt.Errorf("HTTP %d: %s", res.StatusCode, msg)
		}
		return nil
	})
	return err
}

// transientError marks a response failure worth another attempt.
type transientError struct{ err error }

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

func retryableHTTP(err error) bool {
	var t *transientError
	return errors.As(err, &t) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - 3
	for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return s[:cut] + "..."
}

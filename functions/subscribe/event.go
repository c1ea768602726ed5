package subscribe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-lambda-go/cfn"
)

// Event shapes Handle recognizes, by their own fields.
const (
	// DetailTypeCloudTrail is the EventBridge detail-type of CloudTrail
	// management events.
	DetailTypeCloudTrail = "AWS API Call via CloudTrail"
	// DetailTypeScheduled is the detail-type of an EventBridge rule schedule.
	DetailTypeScheduled = "Scheduled Event"
	// ActionSweep is the "action" of a manual or EventBridge Scheduler
	// invocation: {"action":"sweep"}.
	ActionSweep = "sweep"
)

type envelope struct {
	// CloudFormation custom resource request (ResourceProperties are not
	// used, so no shape of theirs can keep the request from being answered).
	RequestType        cfn.RequestType `json:"RequestType"`
	ResponseURL        string          `json:"ResponseURL"`
	RequestID          string          `json:"RequestId"`
	StackID            string          `json:"StackId"`
	LogicalResourceID  string          `json:"LogicalResourceId"`
	PhysicalResourceID string          `json:"PhysicalResourceId"`
	// EventBridge event.
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Detail     json.RawMessage `json:"detail"`
	// Manual / EventBridge Scheduler input, and a sweep's continuation
	// ({"action":"sweep","resume":{...}}).
	Action string    `json:"action"`
	Resume *Position `json:"resume"`
}

// cloudTrailDetail is the part of a CloudTrail record (the detail of an
// "AWS API Call via CloudTrail" event) the CreateLogGroup path needs.
type cloudTrailDetail struct {
	EventSource       string `json:"eventSource"`
	EventName         string `json:"eventName"`
	ErrorCode         string `json:"errorCode"`
	RequestParameters struct {
		LogGroupName string `json:"logGroupName"`
	} `json:"requestParameters"`
}

// Handle is the Lambda entry point: it recognizes a CloudFormation custom
// resource request, a CloudTrail CreateLogGroup event, a scheduled event or
// {"action":"sweep"}, and emits the run's Coverage as EMF metrics. Any other
// event is an error.
func (s *Subscriber) Handle(ctx context.Context, raw json.RawMessage) (Coverage, error) {
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return newCoverage(), fmt.Errorf("subscribe: event is not a JSON object: %w", err)
	}
	var (
		cov     Coverage
		err     error
		trigger string
	)
	switch {
	case env.RequestType != "" || env.ResponseURL != "":
		trigger = "custom-resource-" + string(env.RequestType)
		cov, err = s.HandleCustomResource(ctx, cfn.Event{
			RequestType: env.RequestType, ResponseURL: env.ResponseURL, RequestID: env.RequestID,
			StackID: env.StackID, LogicalResourceID: env.LogicalResourceID, PhysicalResourceID: env.PhysicalResourceID,
		})
	case env.DetailType == DetailTypeCloudTrail:
		trigger = "create-log-group"
		cov, err = s.handleCloudTrail(ctx, env.Detail)
	case env.DetailType == DetailTypeScheduled, env.Action == ActionSweep:
		trigger = "sweep"
		cov, err = s.runSweep(ctx, env.Resume)
	default:
		return newCoverage(), fmt.Errorf("subscribe: unrecognized event (detail-type %q, source %q): want a CloudFormation request, a CloudTrail CreateLogGroup event, a scheduled event or {\"action\":\"sweep\"}", env.DetailType, env.Source)
	}
	s.emit(&cov, trigger)
	return cov, err
}

func (s *Subscriber) handleCloudTrail(ctx context.Context, detail json.RawMessage) (Coverage, error) {
	var d cloudTrailDetail
	if err := json.Unmarshal(detail, &d); err != nil {
		return newCoverage(), fmt.Errorf("subscribe: CloudTrail event detail: %w", err)
	}
	if d.EventSource != "logs.amazonaws.com" || d.EventName != "CreateLogGroup" {
		return newCoverage(), fmt.Errorf("subscribe: CloudTrail event %s %s is not logs.amazonaws.com CreateLogGroup (check the EventBridge rule)", d.EventSource, d.EventName)
	}
	name := d.RequestParameters.LogGroupName
	if name == "" {
		return newCoverage(), errors.New("subscribe: CreateLogGroup event without requestParameters.logGroupName")
	}
	if d.ErrorCode != "" {
		cov := newCoverage()
		cov.Seen++
		cov.skip(SkipFailedCreate, name)
		cov.Complete = true
		s.log.InfoContext(ctx, "CreateLogGroup failed; nothing to subscribe", "logGroup", name, "errorCode", d.ErrorCode)
		return cov, nil
	}
	if s.cfg.Mode == ModeAccount {
		cov := newCoverage()
		ours, _, err := s.accountPolicies(ctx, &cov)
		if err != nil {
			cov.Seen++
			cov.fail(name)
			return cov, fmt.Errorf("subscribe: log group %s: %w", name, err)
		}
		if ours != nil {
			cov.Seen++
			cov.skip(SkipAccountPolicy, name)
			cov.Mode, cov.Complete = ModeAccount, true
			return cov, nil
		}
	}
	cov, err := s.SubscribeLogGroup(ctx, name)
	cov.Mode = ModeLogGroup
	return cov, err
}

// runSweep runs a sweep from resume (nil: a new chain) within the
// invocation's time budget, and hands what is left to a new invocation.
// A new chain in account mode first keeps the account policy; only when
// another policy holds the account's slot does it sweep log groups.
func (s *Subscriber) runSweep(ctx context.Context, resume *Position) (Coverage, error) {
	var from Position
	acct := newCoverage()
	if resume != nil {
		from = *resume
	} else if s.cfg.Mode == ModeAccount {
		outcome, fallback, err := s.ensureAccountPolicy(ctx, &acct)
		acct.AccountPolicy, acct.Fallback = outcome, fallback
		if err != nil {
			return acct, fmt.Errorf("subscribe: %w", err)
		}
		if fallback == "" {
			acct.Mode, acct.Complete = ModeAccount, true
			s.log.InfoContext(ctx, "account-level subscription filter policy in place", "policy", FilterName, "outcome", outcome)
			return acct, nil
		}
		s.log.WarnContext(ctx, "account mode falls back to log-group subscriptions", "reason", fallback)
	}

	// Stop early enough to report the coverage before the deadline.
	sweepCtx, cancel := s.sweepContext(ctx)
	cov, err := s.Sweep(sweepCtx, from)
	cutShort := sweepCtx.Err() != nil && ctx.Err() == nil
	cancel()
	cov.Mode, cov.AccountPolicy, cov.Fallback = ModeLogGroup, acct.AccountPolicy, acct.Fallback
	cov.Retries += acct.Retries
	cov.Throttled += acct.Throttled
	if err != nil && cutShort {
		// Cut short by the reserve kept for reporting: not a failure.
		s.log.WarnContext(ctx, "sweep stopped at the deadline", "error", err.Error())
		err = nil
	}
	if cov.Complete || cov.Next == nil {
		return cov, err
	}
	next := *cov.Next
	progressed := next.After != from.After || next.Token != from.Token
	switch {
	case !progressed && from.Hop > 0:
		// A continuation that cannot move would loop: end the chain with an
		// error (Lambda retries this same event twice, then drops it).
		return cov, errors.Join(err, fmt.Errorf("subscribe: sweep continuation %d made no progress after %q; the chain ends and the next scheduled sweep starts over", from.Hop, from.After))
	case err != nil && !progressed:
		return cov, err
	case next.Hop >= MaxHops:
		s.log.ErrorContext(ctx, "sweep chain reached its invocation limit; the next scheduled sweep starts over", "hops", next.Hop, "after", next.After)
		return cov, err
	case s.lambda == nil:
		s.log.WarnContext(ctx, "sweep incomplete and no continuation configured; the next scheduled sweep starts over", "after", next.After)
		return cov, err
	}
	if herr := s.handOff(ctx, next); herr != nil {
		return cov, errors.Join(err, fmt.Errorf("subscribe: %w", herr))
	}
	cov.Continued = true
	if err != nil {
		// The next invocation resumes here; this one made progress.
		s.log.ErrorContext(ctx, "sweep stopped by an error after progress; continued in a new invocation", "after", next.After, "error", err.Error())
	}
	s.log.InfoContext(ctx, "sweep continues in a new invocation", "hop", next.Hop, "after", next.After)
	return cov, nil
}

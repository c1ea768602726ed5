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
	// Manual / EventBridge Scheduler input.
	Action string `json:"action"`
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
		// Stop early enough to report the coverage before the deadline.
		trigger = "sweep"
		sweepCtx, cancel := s.sweepContext(ctx)
		cov, err = s.Sweep(sweepCtx)
		cancel()
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
	return s.SubscribeLogGroup(ctx, name)
}

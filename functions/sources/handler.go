package sources

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/cfn"
)

// Event is an EventBridge event: a CloudTrail-recorded CreateVpc (detail-type
// "AWS API Call via CloudTrail", detail.responseElements.vpc.vpcId, CloudTrail
// User Guide, "CloudTrail record contents") or the scheduled sweep
// ("Scheduled Event").
type Event struct {
	DetailType string          `json:"detail-type"`
	Detail     json.RawMessage `json:"detail"`
}

// Report sums one invocation.
type Report struct {
	Outcomes []Outcome      `json:"outcomes"`
	Counts   map[string]int `json:"counts"`
}

// Handler runs FlowLogs for EventBridge events and logs every outcome.
type Handler struct {
	FlowLogs *FlowLogs
	Log      *slog.Logger // default JSON to stdout
}

func (h *Handler) log() *slog.Logger {
	if h.Log == nil {
		return slog.New(slog.NewJSONHandler(os.Stdout, nil))
	}
	return h.Log
}

// Handle sweeps on a scheduled event and enables one VPC on a CreateVpc
// event. Any Failed outcome makes it return an error, so Lambda retries an
// event invocation and the Errors metric shows a sweep that did not finish.
func (h *Handler) Handle(ctx context.Context, ev Event) (Report, error) {
	var rep Report
	switch ev.DetailType {
	case "Scheduled Event":
		out, err := h.FlowLogs.Sweep(ctx)
		rep.Outcomes = out
		if err != nil {
			h.finish(ctx, &rep)
			return rep, err
		}
	case "AWS API Call via CloudTrail":
		var d struct {
			EventName        string `json:"eventName"`
			ErrorCode        string `json:"errorCode"`
			ResponseElements *struct {
				Vpc struct {
					VpcID string `json:"vpcId"`
				} `json:"vpc"`
			} `json:"responseElements"`
		}
		if err := json.Unmarshal(ev.Detail, &d); err != nil {
			return rep, fmt.Errorf("sources: CloudTrail event detail: %w", err)
		}
		if d.EventName != "CreateVpc" || d.ErrorCode != "" {
			h.log().InfoContext(ctx, "event ignored", "eventName", d.EventName, "errorCode", d.ErrorCode)
			return rep, nil
		}
		if d.ResponseElements == nil || d.ResponseElements.Vpc.VpcID == "" {
			return rep, ErrNoVPC
		}
		o, err := h.FlowLogs.EnableVPC(ctx, d.ResponseElements.Vpc.VpcID)
		rep.Outcomes = []Outcome{o}
		if err != nil {
			h.finish(ctx, &rep)
			return rep, err
		}
	default:
		return rep, fmt.Errorf("sources: event detail-type %q is neither a schedule nor a CloudTrail API call", ev.DetailType)
	}
	return rep, h.finish(ctx, &rep)
}

// finish counts and logs the outcomes; an error names the failed VPCs.
func (h *Handler) finish(ctx context.Context, rep *Report) error {
	rep.Counts = map[string]int{}
	var failed []string
	for _, o := range rep.Outcomes {
		rep.Counts[o.Action]++
		lvl := slog.LevelInfo
		if o.Action == Failed {
			lvl = slog.LevelError
			failed = append(failed, o.VPC)
		}
		h.log().Log(ctx, lvl, "vpc flow log", "vpc", o.VPC, "action", o.Action, "flowLogId", o.FlowLogID, "reason", o.Reason)
	}
	h.log().InfoContext(ctx, "vpc flow logs", "created", rep.Counts[Created], "present", rep.Counts[Present],
		"skipped", rep.Counts[Skipped], "failed", rep.Counts[Failed])
	if len(failed) > 0 {
		return fmt.Errorf("sources: flow logs failed for %v (see the log)", failed)
	}
	return nil
}

// Discard is a logger for tests and callers that report elsewhere.
var Discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// PhysicalResourceID is the physical id of the baseline's first-sweep
// custom resource; it never changes, so an Update never deletes it.
const PhysicalResourceID = "orgsiem-vpc-flow-logs"

// HandleRaw is the Lambda entry point: a CloudFormation custom resource
// request (it has RequestType) runs the first sweep at deploy, anything else
// is an EventBridge Event.
func (h *Handler) HandleRaw(ctx context.Context, raw json.RawMessage) (Report, error) {
	var probe struct {
		RequestType string `json:"RequestType"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return Report{}, fmt.Errorf("sources: event is not JSON: %w", err)
	}
	if probe.RequestType != "" {
		var ev cfn.Event
		if err := json.Unmarshal(raw, &ev); err != nil {
			return Report{}, fmt.Errorf("sources: custom resource request: %w", err)
		}
		return h.HandleCustomResource(ctx, ev)
	}
	var ev Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return Report{}, fmt.Errorf("sources: EventBridge event: %w", err)
	}
	return h.Handle(ctx, ev)
}

// HandleCustomResource answers CloudFormation, always, so a stack never
// hangs (CloudFormation User Guide, "Custom resources": the function must
// PUT a response to the pre-signed ResponseURL):
//   - Create and Update sweep and answer SUCCESS with the counts as Data,
//     also when some VPCs failed (they are logged and retried by the
//     schedule; one VPC must not roll back the baseline), and FAILED only
//     when the VPCs cannot be listed.
//   - Delete answers SUCCESS and leaves the flow logs: the archive keeps
//     receiving them until someone deletes them by hand (tag orgsiem=true).
func (h *Handler) HandleCustomResource(ctx context.Context, ev cfn.Event) (Report, error) {
	resp := cfn.NewResponse(&ev)
	resp.PhysicalResourceID = PhysicalResourceID
	var rep Report
	switch ev.RequestType {
	case cfn.RequestCreate, cfn.RequestUpdate:
		out, err := h.FlowLogs.Sweep(ctx)
		rep.Outcomes = out
		h.finish(ctx, &rep)
		if err != nil {
			resp.Status, resp.Reason = cfn.StatusFailed, err.Error()
			break
		}
		resp.Status = cfn.StatusSuccess
		resp.Data = map[string]any{Created: rep.Counts[Created], Present: rep.Counts[Present], Skipped: rep.Counts[Skipped], Failed: rep.Counts[Failed]}
	case cfn.RequestDelete:
		resp.Status = cfn.StatusSuccess
	default:
		resp.Status, resp.Reason = cfn.StatusFailed, fmt.Sprintf("unknown request type %q", ev.RequestType)
	}
	if err := resp.Send(); err != nil {
		return rep, fmt.Errorf("sources: answer CloudFormation for %s: %w", ev.LogicalResourceID, err)
	}
	return rep, nil
}

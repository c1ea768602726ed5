// Package sources turns on AWS log sources in a member account and region
// (issue #13.5): a VPC flow log to the archive for every VPC, including VPCs
// created later (the EventBridge CreateVpc rule of the member baseline) and
// VPCs missed (the scheduled sweep). It never replaces or changes a flow log
// the account already has: a VPC with one is skipped, and the skip is
// reported with its reason.
package sources

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

// V5Fields are the VPC flow log fields of versions 2 to 5, in the order of
// the VPC User Guide's "Available fields" table: the custom format of the
// flow logs this package creates (every field up to version 5; the loader's
// vpcflow parser reads the header line S3 files start with).
var V5Fields = []string{
	"version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport", "protocol",
	"packets", "bytes", "start", "end", "action", "log-status",
	"vpc-id", "subnet-id", "instance-id", "tcp-flags", "type", "pkt-srcaddr", "pkt-dstaddr",
	"region", "az-id", "sublocation-type", "sublocation-id",
	"pkt-src-aws-service", "pkt-dst-aws-service", "flow-direction", "traffic-path",
}

// LogFormat is the flow log format string of V5Fields.
func LogFormat() string {
	var b strings.Builder
	for i, f := range V5Fields {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("${" + f + "}")
	}
	return b.String()
}

// Tag marks the flow logs this package creates.
const Tag = "orgsiem"

// EC2API is the part of the EC2 client the enabler calls.
type EC2API interface {
	DescribeVpcs(context.Context, *ec2.DescribeVpcsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error)
	DescribeFlowLogs(context.Context, *ec2.DescribeFlowLogsInput, ...func(*ec2.Options)) (*ec2.DescribeFlowLogsOutput, error)
	CreateFlowLogs(context.Context, *ec2.CreateFlowLogsInput, ...func(*ec2.Options)) (*ec2.CreateFlowLogsOutput, error)
}

// FlowLogs enables VPC flow logs to the archive.
type FlowLogs struct {
	EC2 EC2API
	// Account is the account the function runs in: VPCs shared with it by
	// another account are that account's to log.
	Account string
	// BucketARN is the archive bucket (arn:aws:s3:::name). Flow logs go to
	// its root, so AWS writes AWSLogs/<account>/vpcflowlogs/<region>/...,
	// the prefix the bucket policy grants the log delivery service.
	BucketARN string
}

// Actions of an Outcome.
const (
	Created = "created" // a flow log to the archive was created
	Present = "present" // the VPC already has a flow log to the archive
	Skipped = "skipped" // left alone; Reason says why
	Failed  = "failed"  // EC2 refused; Reason has its answer
)

// Outcome is what happened to one VPC.
type Outcome struct {
	VPC       string `json:"vpc"`
	Action    string `json:"action"`
	FlowLogID string `json:"flowLogId,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// Sweep enables flow logs for every VPC of the region and returns one
// outcome per VPC. An error is returned only when the VPCs cannot be
// listed; a VPC EC2 refuses is a Failed outcome and the sweep goes on.
func (f *FlowLogs) Sweep(ctx context.Context) ([]Outcome, error) {
	var out []Outcome
	p := ec2.NewDescribeVpcsPaginator(f.EC2, &ec2.DescribeVpcsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return out, fmt.Errorf("sources: describe VPCs: %w", err)
		}
		for _, v := range page.Vpcs {
			out = append(out, f.enable(ctx, v))
		}
	}
	return out, nil
}

// EnableVPC enables the flow log of one VPC (a CreateVpc event).
func (f *FlowLogs) EnableVPC(ctx context.Context, vpcID string) (Outcome, error) {
	res, err := f.EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpcID}})
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorCode() == "InvalidVpcID.NotFound" || err == nil && len(res.Vpcs) != 1 {
		// Deleted before the event reached us: nothing to log.
		return Outcome{VPC: vpcID, Action: Skipped, Reason: "VPC no longer exists"}, nil
	}
	if err != nil {
		return Outcome{VPC: vpcID, Action: Failed, Reason: err.Error()}, fmt.Errorf("sources: describe VPC %s: %w", vpcID, err)
	}
	return f.enable(ctx, res.Vpcs[0]), nil
}

func (f *FlowLogs) enable(ctx context.Context, v types.Vpc) Outcome {
	id := aws.ToString(v.VpcId)
	if owner := aws.ToString(v.OwnerId); owner != "" && owner != f.Account {
		return Outcome{VPC: id, Action: Skipped, Reason: "shared by account " + owner + ", whose baseline logs it"}
	}
	existing, err := f.flowLogs(ctx, id)
	if err != nil {
		return Outcome{VPC: id, Action: Failed, Reason: err.Error()}
	}
	var others []string
	for _, fl := range existing {
		if f.ours(fl) {
			return Outcome{VPC: id, Action: Present, FlowLogID: aws.ToString(fl.FlowLogId)}
		}
		others = append(others, aws.ToString(fl.FlowLogId)+" to "+destination(fl))
	}
	if len(others) > 0 {
		// Never touch the account's own flow logs. One to CloudWatch Logs
		// already reaches the archive through the log group subscription.
		return Outcome{VPC: id, Action: Skipped, Reason: "has its own flow log (" + strings.Join(others, ", ") + "); not replaced"}
	}
	res, err := f.EC2.CreateFlowLogs(ctx, &ec2.CreateFlowLogsInput{
		ResourceIds: []string{id}, ResourceType: types.FlowLogsResourceTypeVpc, TrafficType: types.TrafficTypeAll,
		LogDestinationType: types.LogDestinationTypeS3, LogDestination: aws.String(f.BucketARN),
		LogFormat: aws.String(LogFormat()), MaxAggregationInterval: aws.Int32(60),
		DestinationOptions: &types.DestinationOptionsRequest{
			FileFormat: types.DestinationFileFormatPlainText, HiveCompatiblePartitions: aws.Bool(false), PerHourPartition: aws.Bool(false),
		},
		TagSpecifications: []types.TagSpecification{{
			ResourceType: types.ResourceTypeVpcFlowLog, Tags: []types.Tag{{Key: aws.String(Tag), Value: aws.String("true")}},
		}},
	})
	if err != nil {
		return Outcome{VPC: id, Action: Failed, Reason: err.Error()}
	}
	for _, u := range res.Unsuccessful {
		if u.Error != nil {
			return Outcome{VPC: id, Action: Failed, Reason: aws.ToString(u.Error.Code) + ": " + aws.ToString(u.Error.Message)}
		}
	}
	if len(res.FlowLogIds) != 1 {
		return Outcome{VPC: id, Action: Failed, Reason: fmt.Sprintf("CreateFlowLogs answered %d flow log ids", len(res.FlowLogIds))}
	}
	return Outcome{VPC: id, Action: Created, FlowLogID: res.FlowLogIds[0]}
}

// flowLogs lists the flow logs of a VPC (every page).
func (f *FlowLogs) flowLogs(ctx context.Context, vpc string) ([]types.FlowLog, error) {
	var out []types.FlowLog
	p := ec2.NewDescribeFlowLogsPaginator(f.EC2, &ec2.DescribeFlowLogsInput{
		Filter: []types.Filter{{Name: aws.String("resource-id"), Values: []string{vpc}}},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe flow logs of %s: %w", vpc, err)
		}
		out = append(out, page.FlowLogs...)
	}
	return out, nil
}

// ours reports whether a flow log delivers to the archive bucket (whatever
// prefix, format or creator: one is enough).
func (f *FlowLogs) ours(fl types.FlowLog) bool {
	if fl.LogDestinationType != types.LogDestinationTypeS3 {
		return false
	}
	d := aws.ToString(fl.LogDestination)
	return d == f.BucketARN || strings.HasPrefix(d, f.BucketARN+"/")
}

func destination(fl types.FlowLog) string {
	if d := aws.ToString(fl.LogDestination); d != "" {
		return d
	}
	if g := aws.ToString(fl.LogGroupName); g != "" {
		return "log group " + g
	}
	return string(fl.LogDestinationType)
}

// ErrNoVPC is returned for an event that names no VPC.
var ErrNoVPC = errors.New("sources: the event names no VPC (detail.responseElements.vpc.vpcId)")

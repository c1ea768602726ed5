package member

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/orgsiem/orgsiem/policies"
)

// Logical ids of the source-enabling resources (Config.FlowLogs).
const (
	SourcesRoleID          = "SourcesRole"
	SourcesLogGroupID      = "SourcesLogGroup"
	SourcesFunctionID      = "SourcesFunction"
	CreateVpcRuleID        = "CreateVpcRule"
	CreateVpcInvokeID      = "CreateVpcInvokePermission"
	FlowLogSweepRuleID     = "FlowLogSweepRule"
	FlowLogSweepInvokeID   = "FlowLogSweepInvokePermission"
	InitialFlowLogSweepID  = "InitialFlowLogSweep"
	SourcesErrorsAlarmID   = "SourcesErrorsAlarm"
	EnvAccountID           = "ORGSIEM_ACCOUNT_ID"
	EnvArchiveBucketARN    = "ORGSIEM_ARCHIVE_BUCKET_ARN"
	flowLogSweepInputEvent = `{"detail-type":"Scheduled Event","detail":{}}`
)

// addFlowLogs adds the sources function, which gives every VPC of the
// account and region a flow log to the archive: on CloudTrail's CreateVpc
// (through EventBridge, as CreateLogGroup for the subscribe function), on
// the sweep schedule, and once at deploy (a custom resource).
func addFlowLogs(r map[string]Resource, c Config, codeBucket Props) {
	o := c.Org
	r[SourcesRoleID] = role(policies.SourcesRolePrefix, policies.ServiceTrust("lambda.amazonaws.com"),
		"sources", policies.SourcesRolePolicy())
	r[SourcesLogGroupID] = logGroup(policies.SourcesFunction, c.LogRetentionDays)
	r[SourcesFunctionID] = function(policies.SourcesFunction, SourcesRoleID, SourcesLogGroupID, codeBucket, c.SourcesCodeKey,
		"Gives every VPC a flow log to the orgsiem archive (never replaces the account's own)", 300, Props{
			EnvAccountID:        Ref("AWS::AccountId"),
			EnvArchiveBucketARN: o.ArchiveBucketARN(),
		})
	r[CreateVpcRuleID] = Resource{Type: "AWS::Events::Rule", Properties: Props{
		"Description": "New VPCs get an orgsiem flow log",
		"EventPattern": Props{
			"source":      []string{"aws.ec2"},
			"detail-type": []string{"AWS API Call via CloudTrail"},
			"detail":      Props{"eventSource": []string{"ec2.amazonaws.com"}, "eventName": []string{"CreateVpc"}},
		},
		"State":   "ENABLED",
		"Targets": []Props{{"Id": "sources", "Arn": GetAtt(SourcesFunctionID, "Arn")}},
	}}
	r[FlowLogSweepRuleID] = Resource{Type: "AWS::Events::Rule", Properties: Props{
		"Description":        "Periodic sweep giving every VPC an orgsiem flow log",
		"ScheduleExpression": c.SweepSchedule,
		"State":              "ENABLED",
		"Targets":            []Props{{"Id": "sweep", "Arn": GetAtt(SourcesFunctionID, "Arn"), "Input": flowLogSweepInputEvent}},
	}}
	for id, rule := range map[string]string{CreateVpcInvokeID: CreateVpcRuleID, FlowLogSweepInvokeID: FlowLogSweepRuleID} {
		r[id] = Resource{Type: "AWS::Lambda::Permission", Properties: Props{
			"Action":       "lambda:InvokeFunction",
			"FunctionName": GetAtt(SourcesFunctionID, "Arn"),
			"Principal":    "events.amazonaws.com",
			"SourceArn":    GetAtt(rule, "Arn"),
		}}
	}
	gen := sha256.Sum256([]byte(c.SourcesCodeKey + o.ArchiveBucketARN()))
	r[InitialFlowLogSweepID] = Resource{Type: "AWS::CloudFormation::CustomResource", Properties: Props{
		"ServiceToken": GetAtt(SourcesFunctionID, "Arn"),
		"Generation":   hex.EncodeToString(gen[:8]),
	}}
}

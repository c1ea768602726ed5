package member

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/orgsiem/orgsiem/internal/lambdaenv"
	"strings"

	"github.com/orgsiem/orgsiem/policies"
)

// Subscription modes.
const (
	// ModeLogGroup subscribes each log group: the subscribe Lambda on
	// CreateLogGroup events, a scheduled sweep and a first sweep at deploy.
	ModeLogGroup = "loggroup"
	// ModeAccount uses one account-level subscription filter policy per
	// account and region, which the subscribe Lambda puts; where the account
	// already has another one, it subscribes log groups as in ModeLogGroup.
	ModeAccount = "account"
)

// Config is everything the baseline template depends on. The same Config
// value produces the StackSet template and the management account's stacks.
type Config struct {
	Org           policies.Org
	ArchiveKeyARN string
	// Mode is ModeLogGroup or ModeAccount.
	Mode string
	// Include and Exclude are log group name patterns (ModeLogGroup); in
	// ModeAccount Exclude holds exact names.
	Include, Exclude []string
	// OwnLogGroups are the pipeline's log groups, never subscribed.
	OwnLogGroups []string
	// LogRetentionDays is the retention of the baseline's own log groups.
	LogRetentionDays int
	// SweepSchedule is the EventBridge schedule of the sweep (ModeLogGroup).
	SweepSchedule string
	// TransferCodeKey and SubscribeCodeKey are the code objects' keys in
	// every region's artifact bucket.
	TransferCodeKey, SubscribeCodeKey string
}

// Logical ids of the template's resources.
const (
	TransferRoleID         = "TransferRole"
	TransferLogGroupID     = "TransferLogGroup"
	TransferFunctionID     = "TransferFunction"
	TransferLogsInvokeID   = "TransferLogsInvokePermission"
	SubscribeRoleID        = "SubscribeRole"
	SubscribeLogGroupID    = "SubscribeLogGroup"
	SubscribeFunctionID    = "SubscribeFunction"
	CreateLogGroupRuleID   = "CreateLogGroupRule"
	CreateLogGroupInvokeID = "CreateLogGroupInvokePermission"
	SweepRuleID            = "SweepRule"
	SweepInvokeID          = "SweepInvokePermission"
	InitialSweepID         = "InitialSweep"
	AlarmForwardRoleID     = "AlarmForwardRole"
	AlarmForwardRuleID     = "AlarmForwardRule"
	TransferErrorsAlarmID  = "TransferErrorsAlarm"
	SubscribeErrorsAlarmID = "SubscribeErrorsAlarm"
	DeadLetterQueueID      = "DeadLetterQueue"
	DeadLetterAlarmID      = "DeadLetterAlarm"
)

// Runtime and architecture of every orgsiem Lambda (Go, provided.al2023).
const (
	Runtime      = "provided.al2023"
	Architecture = "arm64"
	Handler      = "bootstrap"
)

// Baseline builds the member baseline template.
func Baseline(c Config) (Template, error) {
	if c.Mode != ModeLogGroup && c.Mode != ModeAccount {
		return Template{}, fmt.Errorf("member: unknown subscription mode %q", c.Mode)
	}
	o := c.Org
	codeBucket := Sub(o.ArtifactBucket("${AWS::Region}"))
	r := map[string]Resource{}

	// Failed asynchronous invocations (CloudWatch Logs and EventBridge
	// invoke both functions asynchronously; Lambda retries twice, then
	// discards the event) go to a dead-letter queue in the same account and
	// region, kept 14 days for replay, and raise an alarm.
	r[DeadLetterQueueID] = Resource{Type: "AWS::SQS::Queue", Properties: Props{
		"QueueName":              policies.MemberDeadLetterQueue,
		"SqsManagedSseEnabled":   true,
		"MessageRetentionPeriod": 1209600,
	}}
	r[DeadLetterAlarmID] = Resource{Type: "AWS::CloudWatch::Alarm", Properties: Props{
		"AlarmName":          policies.MemberAlarmPrefix + "dead-letters",
		"AlarmDescription":   "orgsiem member functions dropped events after Lambda's retries; they wait in " + policies.MemberDeadLetterQueue,
		"Namespace":          "AWS/SQS",
		"MetricName":         "ApproximateNumberOfMessagesVisible",
		"Dimensions":         []Props{{"Name": "QueueName", "Value": GetAtt(DeadLetterQueueID, "QueueName")}},
		"Statistic":          "Maximum",
		"Period":             300,
		"EvaluationPeriods":  1,
		"Threshold":          0,
		"ComparisonOperator": "GreaterThanThreshold",
		"TreatMissingData":   "notBreaching",
	}}

	r[TransferRoleID] = role("orgsiem-transfer-", policies.ServiceTrust("lambda.amazonaws.com"),
		"transfer", policies.TransferRolePolicy(o, c.ArchiveKeyARN))
	r[TransferLogGroupID] = logGroup(policies.TransferFunction, c.LogRetentionDays)
	r[TransferFunctionID] = function(policies.TransferFunction, TransferRoleID, TransferLogGroupID, codeBucket, c.TransferCodeKey,
		"Writes CloudWatch Logs subscription data to the orgsiem archive", 60, Props{
			EnvArchiveBucket: o.ArchiveBucket(),
			// The archive is in the home region; the SDK does not follow
			// S3's region redirects, so every other region needs this.
			EnvArchiveRegion:    o.HomeRegion,
			EnvArchiveKeyARN:    c.ArchiveKeyARN,
			EnvArchiveAccountID: o.LogArchive,
		})
	r[TransferLogsInvokeID] = Resource{Type: "AWS::Lambda::Permission", Properties: Props{
		"Action":        "lambda:InvokeFunction",
		"FunctionName":  GetAtt(TransferFunctionID, "Arn"),
		"Principal":     "logs.amazonaws.com",
		"SourceAccount": Ref("AWS::AccountId"),
		"SourceArn":     Sub("arn:aws:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"),
	}}

	type watched struct{ alarmID, functionID, function string }
	alarms := []watched{{TransferErrorsAlarmID, TransferFunctionID, policies.TransferFunction}}
	// Both modes deploy the subscribe Lambda: in account mode it puts the
	// account-level subscription filter policy, or falls back to
	// subscribing log groups when the account already has one (one per
	// account and Region) instead of failing the stack instance.
	if c.Mode == ModeAccount {
		if _, err := selectionCriteria(append(append([]string{}, c.OwnLogGroups...), c.Exclude...)); err != nil {
			return Template{}, err
		}
	}
	if err := addSubscriber(r, c, codeBucket); err != nil {
		return Template{}, err
	}
	alarms = append(alarms, watched{SubscribeErrorsAlarmID, SubscribeFunctionID, policies.SubscribeFunction})

	r[AlarmForwardRoleID] = role("orgsiem-alarm-forward-", policies.ServiceTrust("events.amazonaws.com"),
		"forward-alarms", policies.AlarmForwardRolePolicy(o))
	for _, a := range alarms {
		fn, fid := a.function, a.functionID
		r[a.alarmID] = Resource{Type: "AWS::CloudWatch::Alarm", Properties: Props{
			"AlarmName":          policies.MemberAlarmPrefix + strings.TrimPrefix(fn, "orgsiem-") + "-errors",
			"AlarmDescription":   fn + " failed; data may be missing from the archive",
			"Namespace":          "AWS/Lambda",
			"MetricName":         "Errors",
			"Dimensions":         []Props{{"Name": "FunctionName", "Value": Ref(fid)}},
			"Statistic":          "Sum",
			"Period":             300,
			"EvaluationPeriods":  1,
			"Threshold":          0,
			"ComparisonOperator": "GreaterThanThreshold",
			"TreatMissingData":   "notBreaching",
		}}
	}
	r[AlarmForwardRuleID] = Resource{Type: "AWS::Events::Rule", Properties: Props{
		"Description": "Forwards orgsiem baseline alarms to the security account",
		"EventPattern": Props{
			"source":      []string{"aws.cloudwatch"},
			"detail-type": []string{"CloudWatch Alarm State Change"},
			"detail": Props{
				"alarmName": []Props{{"prefix": policies.MemberAlarmPrefix}},
				"state":     Props{"value": []string{"ALARM"}},
			},
		},
		"State": "ENABLED",
		"Targets": []Props{{
			"Id": "security-account-bus", "Arn": o.CentralBusARN(), "RoleArn": GetAtt(AlarmForwardRoleID, "Arn"),
		}},
	}}

	return Template{
		AWSTemplateFormatVersion: "2010-09-09",
		Description:              "orgsiem member baseline (generated by github.com/orgsiem/orgsiem/member; do not edit)",
		Resources:                r,
		Outputs: map[string]Output{
			"TransferFunctionArn": {Description: "destination of every orgsiem subscription", Value: GetAtt(TransferFunctionID, "Arn")},
		},
	}, nil
}

// addSubscriber adds the loggroup-mode resources.
func addSubscriber(r map[string]Resource, c Config, codeBucket Props) error {
	// Lists are comma-separated: log group names and patterns cannot
	// contain commas (lambdaenv documents the format).
	inc := strings.Join(c.Include, ",")
	exc := strings.Join(c.Exclude, ",")
	own := strings.Join(c.OwnLogGroups, ",")
	r[SubscribeRoleID] = role("orgsiem-subscribe-", policies.ServiceTrust("lambda.amazonaws.com"),
		"subscribe", policies.SubscribeRolePolicy(c.Mode == ModeAccount))
	r[SubscribeLogGroupID] = logGroup(policies.SubscribeFunction, c.LogRetentionDays)
	r[SubscribeFunctionID] = function(policies.SubscribeFunction, SubscribeRoleID, SubscribeLogGroupID, codeBucket, c.SubscribeCodeKey,
		"Subscribes log groups to the orgsiem transfer function", 300, Props{
			EnvDestinationARN:    GetAtt(TransferFunctionID, "Arn"),
			EnvIncludePatterns:   inc,
			EnvExcludePatterns:   exc,
			EnvPipelineLogGroups: own,
			EnvSubscriptionMode:  c.Mode,
		})
	// A sweep of a large account continues by invoking itself (a chain of
	// up to functions/subscribe.MaxHops invocations, which guards against
	// loops itself); Lambda's recursive loop detection would stop the
	// chain after about 16.
	r[SubscribeFunctionID].Properties["RecursiveLoop"] = "Allow"
	r[CreateLogGroupRuleID] = Resource{Type: "AWS::Events::Rule", Properties: Props{
		"Description": "New log groups are subscribed to orgsiem",
		"EventPattern": Props{
			"source":      []string{"aws.logs"},
			"detail-type": []string{"AWS API Call via CloudTrail"},
			"detail": Props{
				"eventSource": []string{"logs.amazonaws.com"},
				"eventName":   []string{"CreateLogGroup"},
			},
		},
		"State":   "ENABLED",
		"Targets": []Props{{"Id": "subscribe", "Arn": GetAtt(SubscribeFunctionID, "Arn")}},
	}}
	r[SweepRuleID] = Resource{Type: "AWS::Events::Rule", Properties: Props{
		"Description":        "Periodic sweep subscribing every eligible log group",
		"ScheduleExpression": c.SweepSchedule,
		"State":              "ENABLED",
		"Targets":            []Props{{"Id": "sweep", "Arn": GetAtt(SubscribeFunctionID, "Arn"), "Input": lambdaenv.SweepPayload}},
	}}
	for id, rule := range map[string]string{CreateLogGroupInvokeID: CreateLogGroupRuleID, SweepInvokeID: SweepRuleID} {
		r[id] = Resource{Type: "AWS::Lambda::Permission", Properties: Props{
			"Action":       "lambda:InvokeFunction",
			"FunctionName": GetAtt(SubscribeFunctionID, "Arn"),
			"Principal":    "events.amazonaws.com",
			"SourceArn":    GetAtt(rule, "Arn"),
		}}
	}
	// The first sweep runs when the stack is created and whenever the
	// subscription settings change (the Generation property changes).
	gen := sha256.Sum256([]byte(c.Mode + inc + exc + own + c.SubscribeCodeKey + c.TransferCodeKey))
	r[InitialSweepID] = Resource{
		Type:      "AWS::CloudFormation::CustomResource",
		DependsOn: []string{TransferLogsInvokeID},
		Properties: Props{
			"ServiceToken": GetAtt(SubscribeFunctionID, "Arn"),
			"Generation":   hex.EncodeToString(gen[:8]),
		},
	}
	return nil
}

// selectionCriteria renders `LogGroupName NOT IN [...]`, the only form an
// account-level subscription policy accepts (exact names, at most 25 KB).
func selectionCriteria(names []string) (string, error) {
	for _, n := range names {
		if strings.ContainsAny(n, `*"`) {
			return "", fmt.Errorf("member: account mode excludes exact log group names, not patterns: %q", n)
		}
	}
	b, err := json.Marshal(names)
	if err != nil {
		return "", err
	}
	s := "LogGroupName NOT IN " + string(b)
	if len(s) > 25*1024 {
		return "", fmt.Errorf("member: selection criteria is %d bytes, over the 25 KB limit", len(s))
	}
	return s, nil
}

func role(namePrefix string, trust policies.Document, policyName string, policy policies.Document) Resource {
	return Resource{Type: "AWS::IAM::Role", Properties: Props{
		"RoleName":                 Sub(namePrefix + "${AWS::Region}"),
		"AssumeRolePolicyDocument": trust,
		"Policies":                 []Props{{"PolicyName": policyName, "PolicyDocument": policy}},
	}}
}

func logGroup(function string, retention int) Resource {
	return Resource{Type: "AWS::Logs::LogGroup", Properties: Props{
		"LogGroupName":    policies.LambdaLogGroup(function),
		"RetentionInDays": retention,
	}}
}

func function(name, roleID, logGroupID string, codeBucket Props, codeKey, description string, timeout int, env Props) Resource {
	return Resource{
		Type:      "AWS::Lambda::Function",
		DependsOn: []string{logGroupID},
		Properties: Props{
			"FunctionName":  name,
			"Description":   description,
			"Runtime":       Runtime,
			"Architectures": []string{Architecture},
			"Handler":       Handler,
			"Role":          GetAtt(roleID, "Arn"),
			"Code":          Props{"S3Bucket": codeBucket, "S3Key": codeKey},
			"MemorySize":    256,
			"Timeout":       timeout,
			"Environment":   Props{"Variables": env},
			// Lambda sends events that failed every retry here (the role
			// may sqs:SendMessage to it).
			"DeadLetterConfig": Props{"TargetArn": GetAtt(DeadLetterQueueID, "Arn")},
			"LoggingConfig":    Props{"LogGroup": Ref(logGroupID), "LogFormat": "JSON"},
		},
	}
}

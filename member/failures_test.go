package member

import (
	"testing"

	"github.com/orgsiem/orgsiem/policies"
)

// CloudWatch Logs and EventBridge invoke the member functions
// asynchronously; after Lambda's retries an event is discarded unless the
// function has a dead-letter queue or on-failure destination, and the
// execution role must be allowed to send to it (AWS Lambda Developer
// Guide, "Asynchronous invocation": error handling, dead-letter queues).
func TestMemberFunctionsKeepFailedEventsAndRaiseAnAlarm(t *testing.T) {
	_, tmpl := render(t, sampleConfig(ModeLogGroup))
	q, ok := tmpl.Resources[DeadLetterQueueID]
	if !ok || q.Type != "AWS::SQS::Queue" || q.Properties["QueueName"] != policies.MemberDeadLetterQueue {
		t.Fatalf("no dead-letter queue: %+v", q)
	}
	for fn, roleID := range map[string]string{TransferFunctionID: TransferRoleID, SubscribeFunctionID: SubscribeRoleID} {
		dlc, _ := tmpl.Resources[fn].Properties["DeadLetterConfig"].(Props)
		if target, _ := dlc["TargetArn"].(Props); target["Fn::GetAtt"] == nil || target["Fn::GetAtt"].([]string)[0] != DeadLetterQueueID {
			t.Errorf("%s has no dead-letter queue: %v", fn, dlc)
		}
		pol := tmpl.Resources[roleID].Properties["Policies"].([]Props)[0]["PolicyDocument"].(policies.Document)
		for _, region := range []string{"eu-west-1", "eu-central-1"} {
			const acct = "444444444444"
			role := policies.RoleARN(acct, "orgsiem-x-"+region)
			queue := "arn:aws:sqs:" + region + ":" + acct + ":" + policies.MemberDeadLetterQueue
			if !policies.Authorize(policies.RoleRequest(role, sampleOrg.ID, "sqs:SendMessage", queue), acct, []policies.Document{pol}, nil) {
				t.Errorf("%s's role cannot send to its dead-letter queue in %s", fn, region)
			}
			other := "arn:aws:sqs:" + region + ":555555555555:" + policies.MemberDeadLetterQueue
			if policies.Authorize(policies.RoleRequest(role, sampleOrg.ID, "sqs:SendMessage", other), acct, []policies.Document{pol}, nil) {
				t.Errorf("%s's role can send to another account's queue", fn)
			}
		}
	}
	a := tmpl.Resources[DeadLetterAlarmID]
	name, _ := a.Properties["AlarmName"].(string)
	if a.Type != "AWS::CloudWatch::Alarm" || len(name) <= len(policies.MemberAlarmPrefix) || name[:len(policies.MemberAlarmPrefix)] != policies.MemberAlarmPrefix {
		t.Errorf("the dead-letter alarm %q is not forwarded to the security account (prefix %s)", name, policies.MemberAlarmPrefix)
	}
}

// The archive is in the home region; the transfer function runs in every
// region and must be told where the bucket is.
func TestTheTransferFunctionIsToldTheArchiveRegion(t *testing.T) {
	_, tmpl := render(t, sampleConfig(ModeLogGroup))
	vars := tmpl.Resources[TransferFunctionID].Properties["Environment"].(Props)["Variables"].(Props)
	if vars[EnvArchiveRegion] != sampleOrg.HomeRegion {
		t.Errorf("%s = %v, want the home region %s", EnvArchiveRegion, vars[EnvArchiveRegion], sampleOrg.HomeRegion)
	}
}

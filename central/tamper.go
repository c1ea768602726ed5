package central

import (
	"encoding/json"
	"fmt"

	"github.com/orgsiem/orgsiem/policies"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Archive tamper attempts: the CloudTrail event names (not the IAM actions)
// of the calls that would weaken the archive. Failed attempts are recorded
// too (with errorCode), so a denied attempt still raises the alarm.
var (
	ArchiveTamperS3Events = []string{
		"PutBucketPolicy", "DeleteBucketPolicy", "PutObjectLockConfiguration", "PutBucketLifecycle",
		"DeleteBucketLifecycle", "PutBucketVersioning", "DeleteBucket", "DeleteObject", "DeleteObjects", "PutObjectRetention",
	}
	ArchiveTamperKMSEvents = []string{"ScheduleKeyDeletion", "DisableKey", "PutKeyPolicy", "DisableKeyRotation"}
)

// ArchiveTamperPatterns are the log-archive account's rules: S3 calls on
// the archive bucket, and KMS calls on any key of the account (KMS events
// name the key in an array of resources; the account holds little else).
func ArchiveTamperPatterns(o policies.Org) map[string]string {
	mk := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	return map[string]string{
		"s3": mk(map[string]any{
			"source": []string{"aws.s3"}, "detail-type": []string{"AWS API Call via CloudTrail"},
			"detail": map[string]any{
				"eventSource": []string{"s3.amazonaws.com"}, "eventName": ArchiveTamperS3Events,
				"requestParameters": map[string]any{"bucketName": []string{o.ArchiveBucket()}},
			},
		}),
		"kms": mk(map[string]any{
			"source": []string{"aws.kms"}, "detail-type": []string{"AWS API Call via CloudTrail"},
			"detail": map[string]any{"eventSource": []string{"kms.amazonaws.com"}, "eventName": ArchiveTamperKMSEvents},
		}),
	}
}

// ArchiveTamperAlertPattern is the security account's rule: the forwarded
// events of the log-archive account.
func ArchiveTamperAlertPattern(o policies.Org) string {
	b, _ := json.Marshal(map[string]any{
		"source": []string{"aws.s3", "aws.kms"}, "account": []string{o.LogArchive},
		"detail-type": []string{"AWS API Call via CloudTrail"},
		"detail":      map[string]any{"eventName": append(append([]string{}, ArchiveTamperS3Events...), ArchiveTamperKMSEvents...)},
	})
	return string(b)
}

// archiveTamperForwarding creates the log-archive account's rules sending
// tamper attempts to the security account's default bus. Cross-account
// targets in an organization-wide bus permission need a role (EventBridge
// PutPermission: "accounts in that organization must specify a RoleArn").
func archiveTamperForwarding(ctx *pulumi.Context, name string, o policies.Org, opts ...pulumi.ResourceOption) error {
	role, err := iam.NewRole(ctx, name+"-tamper-forward-role", &iam.RoleArgs{
		Name:             pulumi.String(policies.ArchiveTamperForwardRole),
		AssumeRolePolicy: pulumi.String(policies.ServiceTrustFromAccount("events.amazonaws.com", o.LogArchive).JSON()),
		InlinePolicies: iam.RoleInlinePolicyArray{&iam.RoleInlinePolicyArgs{
			Name: pulumi.String("forward"), Policy: pulumi.String(policies.AlarmForwardRolePolicy(o).JSON()),
		}},
	}, opts...)
	if err != nil {
		return fmt.Errorf("archive tamper forward role: %w", err)
	}
	for _, id := range []string{"kms", "s3"} {
		rule, err := cloudwatch.NewEventRule(ctx, name+"-tamper-"+id, &cloudwatch.EventRuleArgs{
			Name:         pulumi.String("orgsiem-archive-tamper-" + id),
			Description:  pulumi.String("Attempts to weaken the orgsiem archive, to the security account"),
			EventPattern: pulumi.String(ArchiveTamperPatterns(o)[id]),
		}, opts...)
		if err != nil {
			return fmt.Errorf("archive tamper rule %s: %w", id, err)
		}
		if _, err := cloudwatch.NewEventTarget(ctx, name+"-tamper-"+id+"-target", &cloudwatch.EventTargetArgs{
			Rule: rule.Name, Arn: pulumi.String(o.CentralBusARN()), RoleArn: role.Arn,
		}, opts...); err != nil {
			return fmt.Errorf("archive tamper target %s: %w", id, err)
		}
	}
	return nil
}

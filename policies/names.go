package policies

import (
	"fmt"
	"strings"
)

// Fixed names of the resources orgsiem creates. Policies refer to them by
// ARN before they exist (so a bucket policy can name the loader role, and a
// member account's role can name the central bus), therefore the names are
// fixed and written once, here.
const (
	// Lambda function names (the same in every account and region).
	TransferFunction  = "orgsiem-transfer"
	SubscribeFunction = "orgsiem-subscribe"
	LoaderFunction    = "orgsiem-loader"
	ReportFunction    = "orgsiem-report"
	MaintainFunction  = "orgsiem-maintain"
	// DirectoryFunction writes the account directory (management account).
	DirectoryFunction = "orgsiem-directory"

	// Member baseline role name prefixes; the region is appended because
	// IAM is global and the baseline is deployed once per region.
	TransferRolePrefix     = "orgsiem-transfer-"
	SubscribeRolePrefix    = "orgsiem-subscribe-"
	AlarmForwardRolePrefix = "orgsiem-alarm-forward-"

	// DirectoryRole runs the directory function; DirectoryEventsRole lets
	// EventBridge in us-east-1 forward Organizations events to the home
	// region's default bus (both in the management account).
	DirectoryRole       = "orgsiem-directory"
	DirectoryEventsRole = "orgsiem-directory-events"

	// Central roles in the security account.
	LoaderRole   = "orgsiem-loader"
	ReportRole   = "orgsiem-report"
	MaintainRole = "orgsiem-maintain"
	SnapshotRole = "orgsiem-snapshot"
	// AlertRole is assumed by OpenSearch to publish monitor notifications
	// to the alert topic (Notifications plugin SNS channel).
	AlertRole = "orgsiem-alerts-publisher"

	TrailName        = "orgsiem-organization-trail"
	DomainName       = "orgsiem"
	IngestQueue      = "orgsiem-ingest"
	IngestDeadLetter = "orgsiem-ingest-dlq"
	AlertTopic       = "orgsiem-alerts"
	MemberAlarmRule  = "orgsiem-member-alarms"
	// ArchiveTamperRule (security account) sends forwarded attempts to
	// weaken the archive to the alert topic; ArchiveTamperForwardRole lets
	// the log-archive account's rules put them on the security bus.
	ArchiveTamperRule        = "orgsiem-archive-tamper"
	ArchiveTamperForwardRole = "orgsiem-archive-tamper-forward"
	ArchiveKeyAlias          = "alias/orgsiem-archive"
	SIEMKeyAlias             = "alias/orgsiem-siem"
	OpenSearchLogGroup       = "/aws/opensearch/orgsiem"
	// MemberAlarmPrefix starts the name of every alarm of the member
	// baseline; the central rule forwards alarms with this prefix.
	MemberAlarmPrefix = "orgsiem-member-"
	// MemberDeadLetterQueue is the member baseline's queue (one per account
	// and region) for events its functions failed after Lambda's retries.
	MemberDeadLetterQueue = "orgsiem-member-dead-letters"
)

// LambdaLogGroup is the log group of a Lambda function.
func LambdaLogGroup(function string) string { return "/aws/lambda/" + function }

// Org identifies the organization and the accounts orgsiem spans, and
// derives every name and ARN the policies need. Partition is "aws".
type Org struct {
	ID         string // o-xxxxxxxxxx
	Management string // account id of the Organizations management account
	LogArchive string // account id holding the archive bucket
	Security   string // account id holding OpenSearch and the pipeline
	HomeRegion string
	// ArchiveAdmins are the role names of the log-archive account that may
	// change the archive's protection (bucket policy, Object Lock,
	// lifecycle, versioning; the key's policy, state and deletion) and
	// delete object versions: the break-glass role and the role the
	// program deploys with. Everybody else is denied.
	ArchiveAdmins []string
}

// ArchiveAdminARNs are the ARNs of ArchiveAdmins.
func (o Org) ArchiveAdminARNs() []string {
	var out []string
	for _, r := range o.ArchiveAdmins {
		out = append(out, RoleARN(o.LogArchive, r))
	}
	return out
}

// ArchiveBucket is the archive bucket name.
func (o Org) ArchiveBucket() string {
	return fmt.Sprintf("orgsiem-archive-%s-%s", o.LogArchive, o.HomeRegion)
}

// ArchiveBucketARN is the archive bucket ARN.
func (o Org) ArchiveBucketARN() string { return "arn:aws:s3:::" + o.ArchiveBucket() }

// SnapshotBucket is the OpenSearch manual snapshot bucket name.
func (o Org) SnapshotBucket() string {
	return fmt.Sprintf("orgsiem-snapshots-%s-%s", o.Security, o.HomeRegion)
}

// SnapshotBucketARN is the snapshot bucket ARN.
func (o Org) SnapshotBucketARN() string { return "arn:aws:s3:::" + o.SnapshotBucket() }

// ArtifactBucket is the per-region Lambda code bucket in the management
// account (Lambda reads code only from a bucket in its own region).
func (o Org) ArtifactBucket(region string) string {
	return fmt.Sprintf("orgsiem-artifacts-%s-%s", o.Management, region)
}

// TrailARN is the organization trail's ARN (always the management account).
func (o Org) TrailARN() string {
	return fmt.Sprintf("arn:aws:cloudtrail:%s:%s:trail/%s", o.HomeRegion, o.Management, TrailName)
}

// RoleARN is the ARN of a role in an account.
func RoleARN(account, name string) string {
	return fmt.Sprintf("arn:aws:iam::%s:role/%s", account, name)
}

// SecurityRoleARN is the ARN of a central role in the security account.
func (o Org) SecurityRoleARN(name string) string { return RoleARN(o.Security, name) }

// TransferRolePattern matches the transfer role of every member account and
// region (used with ArnLike aws:PrincipalArn).
func (o Org) TransferRolePattern() string { return "arn:aws:iam::*:role/" + TransferRolePrefix + "*" }

// IngestQueueARN is the ARN of the ingest queue.
func (o Org) IngestQueueARN() string {
	return fmt.Sprintf("arn:aws:sqs:%s:%s:%s", o.HomeRegion, o.Security, IngestQueue)
}

// AlertTopicARN is the ARN of the alert topic.
func (o Org) AlertTopicARN() string {
	return fmt.Sprintf("arn:aws:sns:%s:%s:%s", o.HomeRegion, o.Security, AlertTopic)
}

// DomainARN is the ARN of the OpenSearch domain.
func (o Org) DomainARN() string {
	return fmt.Sprintf("arn:aws:es:%s:%s:domain/%s", o.HomeRegion, o.Security, DomainName)
}

// CentralBusARN is the security account's default event bus, which receives
// the member baseline's alarm state changes.
func (o Org) CentralBusARN() string {
	return fmt.Sprintf("arn:aws:events:%s:%s:event-bus/default", o.HomeRegion, o.Security)
}

// MemberAlarmRuleARN is the ARN of the rule forwarding member alarms to SNS.
func (o Org) MemberAlarmRuleARN() string {
	return fmt.Sprintf("arn:aws:events:%s:%s:rule/%s", o.HomeRegion, o.Security, MemberAlarmRule)
}

// ArchiveTamperRuleARN is the ARN of the security account's tamper rule.
func (o Org) ArchiveTamperRuleARN() string {
	return fmt.Sprintf("arn:aws:events:%s:%s:rule/%s", o.HomeRegion, o.Security, ArchiveTamperRule)
}

// OrganizationAccountsARN matches every account of the organization as an
// Organizations resource (arn:aws:organizations::<management>:account/<org>/<id>).
func (o Org) OrganizationAccountsARN() string {
	return fmt.Sprintf("arn:aws:organizations::%s:account/%s/*", o.Management, o.ID)
}

// DirectoryRoleARN is the directory function's role (management account).
func (o Org) DirectoryRoleARN() string { return RoleARN(o.Management, DirectoryRole) }

// ManagementBusARN is the management account's default bus in region.
func (o Org) ManagementBusARN(region string) string {
	return fmt.Sprintf("arn:aws:events:%s:%s:event-bus/default", region, o.Management)
}

// FunctionLogGroupARN is the ARN pattern of a central function's log streams.
func (o Org) FunctionLogGroupARN(function string) string {
	return fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s:*", o.HomeRegion, o.Security, LambdaLogGroup(function))
}

// S3ObjectARN is the ARN of the object at an s3://bucket/key URI. The key
// must name one object: empty keys and the IAM wildcards * and ? are
// refused, so a grant built from the ARN covers exactly that object.
func S3ObjectARN(uri string) (string, error) {
	rest, ok := strings.CutPrefix(uri, "s3://")
	if !ok {
		return "", fmt.Errorf("%q is not an s3://bucket/key URI", uri)
	}
	bucket, key, _ := strings.Cut(rest, "/")
	switch {
	case bucket == "" || key == "":
		return "", fmt.Errorf("%q does not name a bucket and an object key", uri)
	case strings.ContainsAny(uri, "*?$"):
		return "", fmt.Errorf("%q contains an IAM wildcard or policy variable character (*, ?, $)", uri)
	}
	return "arn:aws:s3:::" + bucket + "/" + key, nil
}

package policies

import "github.com/orgsiem/orgsiem/internal/archive"

// Findings delivery (issue #13.3): the security account, delegated
// administrator of GuardDuty and Security Hub, matches the findings on its
// EventBridge and sends them to one Amazon Data Firehose stream per finding
// type, which writes them to the archive under the typed prefixes
// guardduty/ and securityhub/ (archive.Parse, typed-prefix layout).
const (
	// FindingsDeliveryRole is assumed by Firehose to write into the archive.
	FindingsDeliveryRole = "orgsiem-findings-delivery"
	// FindingsEventsRole is assumed by EventBridge to put records on the
	// streams and, in the other regions, to forward findings to the home
	// region's default bus.
	FindingsEventsRole = "orgsiem-findings-events"
	// FindingsStreamPrefix starts each stream's name: orgsiem-findings-<type>.
	FindingsStreamPrefix = "orgsiem-findings-"
)

// FindingTypes are the log types delivered by the findings streams; each is
// also the stream's S3 prefix (<type>/).
var FindingTypes = []string{archive.TypeGuardDuty, archive.TypeSecurityHub}

// FindingsStreamARN is the home region's stream of a finding type.
func (o Org) FindingsStreamARN(logType string) string {
	return "arn:aws:firehose:" + o.HomeRegion + ":" + o.Security + ":deliverystream/" + FindingsStreamPrefix + logType
}

// SecurityBusARN is the security account's default bus in region.
func (o Org) SecurityBusARN(region string) string {
	return "arn:aws:events:" + region + ":" + o.Security + ":event-bus/default"
}

// findingsObjectARNs are the archive objects the findings streams may write.
func (o Org) findingsObjectARNs() []string {
	out := make([]string, 0, len(FindingTypes))
	for _, t := range FindingTypes {
		out = append(out, o.ArchiveBucketARN()+"/"+t+"/*")
	}
	return out
}

// findingsDeliveryWrite is the archive bucket's statement for the findings
// streams. The principal is any, pinned by aws:PrincipalArn, so the bucket
// policy stays valid while the role does not exist (findings off): a
// bucket policy naming a missing role as principal is refused. The actions
// are the S3 destination permissions of the Firehose Developer Guide
// ("Grant Firehose access to an Amazon S3 destination"), objects limited to
// the two finding prefixes.
func (o Org) findingsDeliveryWrite() []Statement {
	who := When("StringEquals", "aws:PrincipalOrgID", o.ID).
		And("ArnEquals", "aws:PrincipalArn", o.SecurityRoleARN(FindingsDeliveryRole))
	return []Statement{
		{
			Sid: "FindingsDeliveryWriteFindingPrefixes", Effect: Allow, Principal: AnyPrincipal(),
			Action:   []string{"s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"},
			Resource: o.findingsObjectARNs(), Condition: who,
		},
		{
			Sid: "FindingsDeliveryBucket", Effect: Allow, Principal: AnyPrincipal(),
			Action:   []string{"s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"},
			Resource: []string{o.ArchiveBucketARN()}, Condition: who,
		},
	}
}

// findingsDeliveryEncrypt is the archive key's statement for the findings
// streams: data keys only through S3 in the home region, for this bucket
// (with an S3 Bucket Key the encryption context is the bucket's ARN).
func (o Org) findingsDeliveryEncrypt() Statement {
	return Statement{
		Sid: "FindingsDeliveryEncryptThroughS3", Effect: Allow, Principal: AnyPrincipal(),
		Action: []string{"kms:GenerateDataKey", "kms:Decrypt"}, Resource: []string{"*"},
		Condition: When("StringEquals", "aws:PrincipalOrgID", o.ID).
			And("ArnEquals", "aws:PrincipalArn", o.SecurityRoleARN(FindingsDeliveryRole)).
			And("StringEquals", "kms:ViaService", o.s3ViaService()).
			And("StringLike", "kms:EncryptionContext:aws:s3:arn", o.ArchiveBucketARN(), o.ArchiveBucketARN()+"/*"),
	}
}

// FindingsDeliveryRolePolicy is the Firehose role's own policy (the
// cross-account bucket and key policies grant the same).
func FindingsDeliveryRolePolicy(o Org, archiveKeyARN string) Document {
	return Document{Version: Version, Statement: []Statement{
		{
			Sid: "WriteFindingPrefixes", Effect: Allow,
			Action:   []string{"s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"},
			Resource: o.findingsObjectARNs(),
		},
		{
			Sid: "ArchiveBucket", Effect: Allow,
			Action:   []string{"s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"},
			Resource: []string{o.ArchiveBucketARN()},
		},
		{
			Sid: "EncryptThroughS3", Effect: Allow, Action: []string{"kms:GenerateDataKey", "kms:Decrypt"},
			Resource:  []string{archiveKeyARN},
			Condition: When("StringEquals", "kms:ViaService", o.s3ViaService()),
		},
	}}
}

// FindingsEventsRolePolicy lets EventBridge put findings on the home
// region's streams and forward findings of other regions to the home
// region's default bus of the security account.
func FindingsEventsRolePolicy(o Org) Document {
	streams := make([]string, 0, len(FindingTypes))
	for _, t := range FindingTypes {
		streams = append(streams, o.FindingsStreamARN(t))
	}
	return Document{Version: Version, Statement: []Statement{
		{Sid: "PutOnStreams", Effect: Allow, Action: []string{"firehose:PutRecord", "firehose:PutRecordBatch"}, Resource: streams},
		{Sid: "ForwardToHomeBus", Effect: Allow, Action: []string{"events:PutEvents"}, Resource: []string{o.SecurityBusARN(o.HomeRegion)}},
	}}
}

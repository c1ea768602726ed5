package policies

import (
	"strings"

	"github.com/orgsiem/orgsiem/internal/archive"
)

// LogDeliveryService is the service principal of AWS log delivery to S3.
const LogDeliveryService = "delivery.logs.amazonaws.com"

// ArchiveProtectedS3Actions are denied on the archive bucket to all but
// the archive admins. s3:PutBucketObjectLockConfiguration is the IAM action
// of the PutObjectLockConfiguration API, s3:PutLifecycleConfiguration of
// PutBucketLifecycleConfiguration (Service Authorization Reference, Amazon
// S3).
var ArchiveProtectedS3Actions = []string{
	"s3:BypassGovernanceRetention", "s3:DeleteObject", "s3:DeleteObjectVersion",
	"s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketObjectLockConfiguration",
	"s3:PutLifecycleConfiguration", "s3:PutBucketVersioning", "s3:DeleteBucket",
}

// ArchiveProtectedKMSActions are denied on the archive key to all but the
// archive admins.
var ArchiveProtectedKMSActions = []string{
	"kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy", "kms:DisableKeyRotation",
}

// adminsOrNone is ArchiveAdminARNs, or a value no principal has (so the
// deny covers everybody) when none is configured.
func (o Org) adminsOrNone() []string {
	if a := o.ArchiveAdminARNs(); len(a) > 0 {
		return a
	}
	return []string{"arn:aws:iam::" + o.LogArchive + ":role/orgsiem-no-archive-admin"}
}

// s3ViaService is the kms:ViaService value of S3 in the home region.
func (o Org) s3ViaService() string { return "s3." + o.HomeRegion + ".amazonaws.com" }

// MemberWriteResources are the object ARNs a member account's transfer role
// may write: the CloudWatch Logs prefix of its own account in the archive
// layout, with the account pinned by the ${aws:PrincipalAccount} policy
// variable so one statement serves every current and future account. The
// other prefixes of archive.AccountWritePrefixes (AWSLogs/...) belong to AWS
// services; granting them to a Lambda would let an account forge CloudTrail
// files, so they are left out on purpose.
func (o Org) MemberWriteResources() []string {
	var out []string
	for _, p := range archive.AccountWritePrefixes(o.ID, "${aws:PrincipalAccount}") {
		if strings.HasPrefix(p, archive.CWLogsPrefix) {
			out = append(out, o.ArchiveBucketARN()+"/"+p)
		}
	}
	return out
}

// denyInsecureTransport refuses any request to the resources without TLS.
// The action is the whole service on purpose: a Deny must cover everything.
func denyInsecureTransport(action string, resources ...string) Statement {
	return Statement{
		Sid: "DenyInsecureTransport", Effect: Deny, Principal: AnyPrincipal(),
		Action: []string{action}, Resource: resources,
		Condition: When("Bool", "aws:SecureTransport", "false"),
	}
}

// ArchiveBucketPolicy is the archive bucket's policy: TLS only; nobody
// outside the organization except AWS services; the organization trail
// writes (pinned with aws:SourceArn); each member account's transfer role
// writes only under its own prefixes; the loader reads every object and
// writes only dead letters.
func ArchiveBucketPolicy(o Org) Document {
	bucket := o.ArchiveBucketARN()
	objects := bucket + "/*"
	trail := When("StringEquals", "aws:SourceArn", o.TrailARN())
	trailWrite := When("StringEquals", "aws:SourceArn", o.TrailARN()).
		And("StringEquals", "s3:x-amz-acl", "bucket-owner-full-control")
	return Document{Version: Version, Statement: []Statement{
		denyInsecureTransport("s3:*", bucket, objects),
		{
			// Everything outside the organization is refused, except AWS
			// services acting for us (CloudTrail has no PrincipalOrgID).
			Sid: "DenyOutsideOrganization", Effect: Deny, Principal: AnyPrincipal(),
			Action: []string{"s3:*"}, Resource: []string{bucket, objects},
			Condition: When("StringNotEqualsIfExists", "aws:PrincipalOrgID", o.ID).
				And("BoolIfExists", "aws:PrincipalIsAWSService", "false"),
		},
		{
			// The archive stays immutable against its own account's
			// administrators: only the archive admins (break-glass and
			// deploy roles) may lift retention, delete or hide object
			// versions, or change what protects them. A versioned delete
			// marker counts: once Object Lock ends, lifecycle removes the
			// hidden version a day later.
			Sid: "DenyTamperingExceptArchiveAdmins", Effect: Deny, Principal: AnyPrincipal(),
			Action: ArchiveProtectedS3Actions, Resource: []string{bucket, objects},
			Condition: When("ArnNotEquals", "aws:PrincipalArn", o.adminsOrNone()...),
		},
		{
			Sid: "AWSCloudTrailAclCheck", Effect: Allow, Principal: ServicePrincipal("cloudtrail.amazonaws.com"),
			Action: []string{"s3:GetBucketAcl"}, Resource: []string{bucket}, Condition: trail,
		},
		{
			// The management account's own prefix: used if the trail ever
			// stops being an organization trail.
			Sid: "AWSCloudTrailWrite", Effect: Allow, Principal: ServicePrincipal("cloudtrail.amazonaws.com"),
			Action:    []string{"s3:PutObject"},
			Resource:  []string{bucket + "/" + archive.TrailPrefix(o.Management)},
			Condition: trailWrite,
		},
		{
			Sid: "AWSCloudTrailOrganizationWrite", Effect: Allow, Principal: ServicePrincipal("cloudtrail.amazonaws.com"),
			Action: []string{"s3:PutObject"}, Resource: []string{bucket + "/" + archive.TrailPrefix(o.ID)},
			Condition: trailWrite,
		},
		{
			// AWS log delivery (VPC Flow Logs, Route 53 Resolver query logs,
			// Network Firewall, CloudFront standard logging v2 ...) writes
			// as delivery.logs.amazonaws.com for the source account, which
			// is pinned to its own AWSLogs/<account>/ prefix and to the
			// organization (CloudWatch Logs User Guide, "Logs sent to Amazon
			// S3"; aws:SourceOrgID as in AWS Prescriptive Guidance,
			// centralized VPC flow logs).
			Sid: "AWSLogDeliveryWrite", Effect: Allow, Principal: ServicePrincipal(LogDeliveryService),
			Action:   []string{"s3:PutObject"},
			Resource: []string{bucket + "/" + archive.AWSLogsPrefix + "${aws:SourceAccount}/*"},
			Condition: When("StringEquals", "aws:SourceOrgID", o.ID).
				And("StringEquals", "s3:x-amz-acl", "bucket-owner-full-control"),
		},
		{
			Sid: "AWSLogDeliveryAclCheck", Effect: Allow, Principal: ServicePrincipal(LogDeliveryService),
			Action: []string{"s3:GetBucketAcl", "s3:ListBucket"}, Resource: []string{bucket},
			Condition: When("StringEquals", "aws:SourceOrgID", o.ID),
		},
		{
			Sid: "MemberTransferWriteOwnPrefix", Effect: Allow, Principal: AnyPrincipal(),
			Action: []string{"s3:PutObject"}, Resource: o.MemberWriteResources(),
			Condition: When("StringEquals", "aws:PrincipalOrgID", o.ID).
				And("ArnLike", "aws:PrincipalArn", o.TransferRolePattern()),
		},
		{
			// Notifications of a versioned bucket carry the versionId and
			// the loader reads that version, which S3 authorizes as
			// s3:GetObjectVersion (GetObject API reference).
			Sid: "LoaderRead", Effect: Allow, Principal: AWSPrincipal(o.SecurityRoleARN(LoaderRole)),
			Action: []string{"s3:GetObject", "s3:GetObjectVersion"}, Resource: []string{objects},
		},
		{
			// The account directory: written (only when it changes) and
			// read back by the directory function of the management account.
			Sid: "DirectoryReadWrite", Effect: Allow, Principal: AWSPrincipal(o.DirectoryRoleARN()),
			Action: []string{"s3:GetObject", "s3:PutObject"}, Resource: []string{o.directoryObjectARN()},
		},
		{
			Sid: "LoaderWriteDeadLetters", Effect: Allow, Principal: AWSPrincipal(o.SecurityRoleARN(LoaderRole)),
			Action: []string{"s3:PutObject"}, Resource: []string{bucket + "/" + archive.DeadLetterPrefix + "*"},
		},
	}}
}

// ArchiveKeyPolicy is the policy of the archive's KMS key: CloudTrail may
// generate data keys only under the trail's own encryption context; member
// transfer roles may generate data keys only through S3 for this bucket;
// the loader may decrypt (and encrypt dead letters) only through S3.
func ArchiveKeyPolicy(o Org) Document {
	// In a key policy "Resource": "*" means "this key"; it is the only form
	// KMS accepts.
	key := []string{"*"}
	viaS3 := When("StringEquals", "kms:ViaService", o.s3ViaService())
	return Document{Version: Version, Statement: []Statement{
		{
			// The AWS default statement: lets the account's IAM policies
			// govern the key, so the key can never become unmanageable.
			Sid: "EnableIAMPolicies", Effect: Allow, Principal: AWSPrincipal("arn:aws:iam::" + o.LogArchive + ":root"),
			Action: []string{"kms:*"}, Resource: key,
		},
		{
			// Scheduling deletion or disabling the key would crypto-shred
			// every locked object; a new key policy could undo this one.
			Sid: "DenyKeyDestructionExceptArchiveAdmins", Effect: Deny, Principal: AnyPrincipal(),
			Action: ArchiveProtectedKMSActions, Resource: key,
			Condition: When("ArnNotEquals", "aws:PrincipalArn", o.adminsOrNone()...),
		},
		{
			Sid: "CloudTrailEncryptWithTrailContext", Effect: Allow, Principal: ServicePrincipal("cloudtrail.amazonaws.com"),
			Action: []string{"kms:GenerateDataKey*"}, Resource: key,
			Condition: When("StringEquals", "kms:EncryptionContext:aws:cloudtrail:arn", o.TrailARN()).
				And("StringEquals", "aws:SourceArn", o.TrailARN()),
		},
		{
			// The archive bucket encrypts with an S3 Bucket Key: "If you
			// are using an existing S3 bucket with an S3 Bucket Key,
			// kms:Decrypt permissions are required to create or update a
			// trail with SSE-KMS encryption enabled" (CloudTrail User Guide,
			// Configure AWS KMS key policies for CloudTrail). Only our trail.
			Sid: "CloudTrailDecryptForBucketKey", Effect: Allow, Principal: ServicePrincipal("cloudtrail.amazonaws.com"),
			Action: []string{"kms:Decrypt"}, Resource: key,
			Condition: When("StringEquals", "aws:SourceArn", o.TrailARN()),
		},
		{
			Sid: "CloudTrailDescribeKey", Effect: Allow, Principal: ServicePrincipal("cloudtrail.amazonaws.com"),
			Action: []string{"kms:DescribeKey"}, Resource: key,
			Condition: When("StringEquals", "aws:SourceArn", o.TrailARN()),
		},
		{
			Sid: "MemberTransferEncryptThroughS3", Effect: Allow, Principal: AnyPrincipal(),
			Action: []string{"kms:GenerateDataKey"}, Resource: key,
			Condition: When("StringEquals", "aws:PrincipalOrgID", o.ID).
				And("ArnLike", "aws:PrincipalArn", o.TransferRolePattern()).
				And("StringEquals", "kms:ViaService", o.s3ViaService()).
				And("StringLike", "kms:EncryptionContext:aws:s3:arn", o.ArchiveBucketARN(), o.ArchiveBucketARN()+"/*"),
		},
		{
			// SSE-KMS buckets: the delivery service encrypts with the
			// bucket's key ("If the bucket has server-side encryption using
			// a customer managed AWS KMS key, you must also add the key
			// policy", Logs sent to Amazon S3).
			Sid: "AWSLogDeliveryEncrypt", Effect: Allow, Principal: ServicePrincipal(LogDeliveryService),
			Action: []string{"kms:GenerateDataKey*", "kms:Decrypt"}, Resource: key,
			Condition: When("StringEquals", "aws:SourceOrgID", o.ID),
		},
		{
			Sid: "DirectoryThroughS3", Effect: Allow, Principal: AWSPrincipal(o.DirectoryRoleARN()),
			Action: []string{"kms:GenerateDataKey", "kms:Decrypt"}, Resource: key,
			Condition: When("StringEquals", "kms:ViaService", o.s3ViaService()).
				And("StringEquals", "kms:EncryptionContext:aws:s3:arn", o.ArchiveBucketARN()),
		},
		{
			Sid: "LoaderDecryptThroughS3", Effect: Allow, Principal: AWSPrincipal(o.SecurityRoleARN(LoaderRole)),
			Action: []string{"kms:Decrypt", "kms:GenerateDataKey"}, Resource: key, Condition: viaS3,
		},
	}}
}

// IngestQueuePolicy lets only the archive bucket's event notifications send
// to the ingest queue, over TLS.
func IngestQueuePolicy(o Org) Document {
	q := o.IngestQueueARN()
	return Document{Version: Version, Statement: []Statement{
		denyInsecureTransport("sqs:*", q),
		{
			Sid: "ArchiveBucketNotifications", Effect: Allow, Principal: ServicePrincipal("s3.amazonaws.com"),
			Action: []string{"sqs:SendMessage"}, Resource: []string{q},
			Condition: When("ArnEquals", "aws:SourceArn", o.ArchiveBucketARN()).
				And("StringEquals", "aws:SourceAccount", o.LogArchive),
		},
	}}
}

// ArtifactBucketPolicy lets principals of the organization read the Lambda
// code objects of a region's artifact bucket (CloudFormation in member
// accounts fetches it), over TLS.
func ArtifactBucketPolicy(o Org, region string) Document {
	bucket := "arn:aws:s3:::" + o.ArtifactBucket(region)
	return Document{Version: Version, Statement: []Statement{
		denyInsecureTransport("s3:*", bucket, bucket+"/*"),
		{
			Sid: "OrganizationReadsLambdaCode", Effect: Allow, Principal: AnyPrincipal(),
			Action: []string{"s3:GetObject"}, Resource: []string{bucket + "/lambda/*"},
			Condition: When("StringEquals", "aws:PrincipalOrgID", o.ID),
		},
	}}
}

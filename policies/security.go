package policies

import (
	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/lambdaenv"
)

// The security account's documents: the SIEM key, the Lambda roles, the
// snapshot role and bucket, the alert topic and the OpenSearch policies.

// vpcNetworkInterfaces lets a Lambda in a VPC manage its network
// interfaces. EC2 offers no resource-level permission for the Describe call
// and Lambda creates the interfaces in subnets chosen at run time, so the
// resource must be "*" (the same as AWS's managed
// AWSLambdaVPCAccessExecutionRole).
func vpcNetworkInterfaces() Statement {
	return Statement{
		Sid: "VPCNetworkInterfaces", Effect: Allow,
		Action: []string{
			"ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface",
			"ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
		},
		Resource: []string{"*"},
	}
}

func (o Org) domainPaths() []string { return []string{o.DomainARN() + "/*"} }

// LoaderOptions are the loader's optional permissions.
type LoaderOptions struct {
	// GeoIPObjects are the ARNs of the MaxMind database objects the loader
	// reads (S3ObjectARN); none: no GeoIP grant.
	GeoIPObjects []string
}

// LoaderRolePolicy is the loader's identity policy: consume the ingest
// queue and re-enqueue continuations of large objects on it, read archive
// objects and decrypt them through S3, write refused documents under the
// dead-letter prefix only, index into OpenSearch and, as opt says, read the
// GeoIP databases. Account names come from the directory object it already
// reads as an archive object.
func LoaderRolePolicy(o Org, archiveKeyARN string, opt LoaderOptions) Document {
	st := []Statement{
		writeOwnLogs(o.FunctionLogGroupARN(LoaderFunction)),
		vpcNetworkInterfaces(),
		{
			Sid: "ConsumeIngestQueue", Effect: Allow,
			Action: []string{
				"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes",
			},
			Resource: []string{o.IngestQueueARN()},
		},
		{Sid: "ContinueLargeObjects", Effect: Allow, Action: []string{"sqs:SendMessage"}, Resource: []string{o.IngestQueueARN()}},
		{
			// GetObject with a versionId (every notification of the
			// versioned archive has one) is authorized as
			// s3:GetObjectVersion.
			Sid: "ReadArchive", Effect: Allow, Action: []string{"s3:GetObject", "s3:GetObjectVersion"},
			Resource: []string{o.ArchiveBucketARN() + "/*"},
		},
		{Sid: "WriteDeadLetters", Effect: Allow, Action: []string{"s3:PutObject"}, Resource: []string{o.ArchiveBucketARN() + "/" + archive.DeadLetterPrefix + "*"}},
		{
			Sid: "ArchiveKeyThroughS3", Effect: Allow, Action: []string{"kms:Decrypt", "kms:GenerateDataKey"},
			Resource: []string{archiveKeyARN}, Condition: When("StringEquals", "kms:ViaService", o.s3ViaService()),
		},
		{
			Sid: "IndexDocuments", Effect: Allow,
			Action:   []string{"es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut"},
			Resource: o.domainPaths(),
		},
	}
	if len(opt.GeoIPObjects) > 0 {
		st = append(st, Statement{
			Sid: "ReadGeoIPDatabases", Effect: Allow, Action: []string{"s3:GetObject"},
			Resource: append([]string(nil), opt.GeoIPObjects...),
		})
	}
	return Document{Version: Version, Statement: st}
}

// publishAlerts lets a function publish to the KMS-encrypted alert topic.
func publishAlerts(o Org, siemKeyARN string) []Statement {
	return []Statement{
		{Sid: "PublishAlerts", Effect: Allow, Action: []string{"sns:Publish"}, Resource: []string{o.AlertTopicARN()}},
		{
			Sid: "EncryptAlerts", Effect: Allow, Action: []string{"kms:GenerateDataKey", "kms:Decrypt"},
			Resource:  []string{siemKeyARN},
			Condition: When("StringEquals", "kms:ViaService", "sns."+o.HomeRegion+".amazonaws.com"),
		},
	}
}

// ReportRolePolicy is the report Lambda's identity policy: query OpenSearch,
// store the report under the snapshot bucket's report prefix (SSE-KMS with
// the SIEM key, through S3 only) and publish it to the alert topic.
func ReportRolePolicy(o Org, siemKeyARN string) Document {
	st := []Statement{
		writeOwnLogs(o.FunctionLogGroupARN(ReportFunction)),
		vpcNetworkInterfaces(),
		{
			Sid: "QueryOpenSearch", Effect: Allow,
			Action: []string{"es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost"}, Resource: o.domainPaths(),
		},
		{
			Sid: "StoreReports", Effect: Allow, Action: []string{"s3:PutObject"},
			Resource: []string{o.SnapshotBucketARN() + "/" + lambdaenv.ReportPrefix + "*"},
		},
		{
			Sid: "ReportKeyThroughS3", Effect: Allow, Action: []string{"kms:GenerateDataKey"},
			Resource: []string{siemKeyARN}, Condition: When("StringEquals", "kms:ViaService", o.s3ViaService()),
		},
	}
	return Document{Version: Version, Statement: append(st, publishAlerts(o, siemKeyARN)...)}
}

// MaintainRolePolicy is the maintain Lambda's identity policy: administer
// OpenSearch (templates, ISM, role mappings, snapshots, restore, alerting),
// pass the snapshot and alert roles to OpenSearch only, and publish alerts.
func MaintainRolePolicy(o Org, siemKeyARN string) Document {
	st := []Statement{
		writeOwnLogs(o.FunctionLogGroupARN(MaintainFunction)),
		vpcNetworkInterfaces(),
		{
			Sid: "AdministerOpenSearch", Effect: Allow,
			Action: []string{
				"es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut", "es:ESHttpPatch", "es:ESHttpDelete",
			},
			Resource: o.domainPaths(),
		},
		{
			Sid: "PassSnapshotRoleToOpenSearch", Effect: Allow, Action: []string{"iam:PassRole"},
			Resource:  []string{o.SecurityRoleARN(SnapshotRole)},
			Condition: When("StringEquals", "iam:PassedToService", "es.amazonaws.com"),
		},
		{
			// The SNS channel's role_arn is checked against the caller's
			// PassRole permission; which of OpenSearch's two service names
			// the check uses is not documented, so both are allowed (both
			// are Amazon OpenSearch Service).
			Sid: "PassAlertRoleToOpenSearch", Effect: Allow, Action: []string{"iam:PassRole"},
			Resource:  []string{o.SecurityRoleARN(AlertRole)},
			Condition: When("StringEquals", "iam:PassedToService", "es.amazonaws.com", "opensearchservice.amazonaws.com"),
		},
	}
	return Document{Version: Version, Statement: append(st, publishAlerts(o, siemKeyARN)...)}
}

// AlertRoleTrust lets Amazon OpenSearch Service of the security account
// assume the alert role.
func AlertRoleTrust(o Org) Document {
	return ServiceTrustFromAccount("opensearchservice.amazonaws.com", o.Security)
}

// AlertRolePolicy is the policy of the role OpenSearch assumes to publish
// monitor notifications: publish to the alert topic only, with the SIEM
// key the topic is encrypted with (through SNS only).
func AlertRolePolicy(o Org, siemKeyARN string) Document {
	return Document{Version: Version, Statement: publishAlerts(o, siemKeyARN)}
}

// SnapshotRolePolicy is the policy of the role OpenSearch assumes to write
// and read manual snapshots in the snapshot bucket.
func SnapshotRolePolicy(o Org, siemKeyARN string) Document {
	b := o.SnapshotBucketARN()
	return Document{Version: Version, Statement: []Statement{
		{Sid: "ListSnapshotBucket", Effect: Allow, Action: []string{"s3:ListBucket"}, Resource: []string{b}},
		{
			Sid: "ReadWriteSnapshots", Effect: Allow,
			Action: []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}, Resource: []string{b + "/*"},
		},
		{
			Sid: "SnapshotKeyThroughS3", Effect: Allow, Action: []string{"kms:GenerateDataKey", "kms:Decrypt"},
			Resource: []string{siemKeyARN}, Condition: When("StringEquals", "kms:ViaService", o.s3ViaService()),
		},
	}}
}

// SnapshotBucketPolicy refuses non-TLS requests and principals outside the
// security account.
func SnapshotBucketPolicy(o Org) Document {
	b := o.SnapshotBucketARN()
	return Document{Version: Version, Statement: []Statement{
		denyInsecureTransport("s3:*", b, b+"/*"),
		{
			Sid: "DenyOtherAccounts", Effect: Deny, Principal: AnyPrincipal(),
			Action: []string{"s3:*"}, Resource: []string{b, b + "/*"},
			Condition: When("StringNotEquals", "aws:PrincipalAccount", o.Security),
		},
	}}
}

// SIEMKeyPolicy is the policy of the security account's KMS key (OpenSearch
// at rest, the alert topic, log groups, snapshots): IAM policies of the
// account govern it; CloudWatch alarms and EventBridge may use it to publish
// to the alert topic; CloudWatch Logs may use it for this account's groups.
func SIEMKeyPolicy(o Org) Document {
	key := []string{"*"} // "this key": the only form a key policy accepts
	return Document{Version: Version, Statement: []Statement{
		{
			// The AWS default statement; keeps the key manageable.
			Sid: "EnableIAMPolicies", Effect: Allow, Principal: AWSPrincipal("arn:aws:iam::" + o.Security + ":root"),
			Action: []string{"kms:*"}, Resource: key,
		},
		{
			// Pinned to the alert topic by the encryption context SNS
			// puts on every data key (kms:EncryptionContext:aws:sns:topicArn,
			// as AWS documents for services publishing to encrypted
			// topics), not by aws:SourceAccount: whether EventBridge's and
			// CloudWatch's KMS requests through SNS carry source keys is not
			// documented, and a condition that is absent would drop every
			// alarm and tamper alert silently.
			Sid: "AlarmsAndEventsPublishToTopic", Effect: Allow,
			Principal: ServicePrincipal("cloudwatch.amazonaws.com", "events.amazonaws.com"),
			Action:    []string{"kms:GenerateDataKey*", "kms:Decrypt"}, Resource: key,
			Condition: When("StringEquals", "kms:EncryptionContext:aws:sns:topicArn", o.AlertTopicARN()),
		},
		{
			Sid: "LogsEncryptOwnGroups", Effect: Allow, Principal: ServicePrincipal("logs." + o.HomeRegion + ".amazonaws.com"),
			Action:   []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"},
			Resource: key,
			Condition: When("ArnLike", "kms:EncryptionContext:aws:logs:arn",
				"arn:aws:logs:"+o.HomeRegion+":"+o.Security+":log-group:*"),
		},
	}}
}

// AlertTopicPolicy lets CloudWatch alarms of the security account and the
// member-alarm and archive-tamper rules publish to the alert topic, over TLS.
func AlertTopicPolicy(o Org) Document {
	t := o.AlertTopicARN()
	return Document{Version: Version, Statement: []Statement{
		denyInsecureTransport("sns:Publish", t),
		{
			Sid: "CloudWatchAlarmsPublish", Effect: Allow, Principal: ServicePrincipal("cloudwatch.amazonaws.com"),
			Action: []string{"sns:Publish"}, Resource: []string{t},
			Condition: When("StringEquals", "aws:SourceAccount", o.Security),
		},
		{
			Sid: "MemberAlarmRulePublishes", Effect: Allow, Principal: ServicePrincipal("events.amazonaws.com"),
			Action: []string{"sns:Publish"}, Resource: []string{t},
			Condition: When("ArnEquals", "aws:SourceArn", o.MemberAlarmRuleARN(), o.ArchiveTamperRuleARN()),
		},
	}}
}

// OpenSearchAccessPolicy is the domain's resource policy: only the three
// Lambda roles, each with the HTTP methods it needs; fine-grained access
// control then maps them to OpenSearch roles.
func OpenSearchAccessPolicy(o Org) Document {
	return Document{Version: Version, Statement: []Statement{
		{
			Sid: "LoaderIndexes", Effect: Allow, Principal: AWSPrincipal(o.SecurityRoleARN(LoaderRole)),
			Action: []string{"es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut"}, Resource: o.domainPaths(),
		},
		{
			Sid: "ReportQueries", Effect: Allow, Principal: AWSPrincipal(o.SecurityRoleARN(ReportRole)),
			Action: []string{"es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost"}, Resource: o.domainPaths(),
		},
		{
			Sid: "MaintainAdministers", Effect: Allow, Principal: AWSPrincipal(o.SecurityRoleARN(MaintainRole)),
			Action: []string{
				"es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut", "es:ESHttpPatch", "es:ESHttpDelete",
			},
			Resource: o.domainPaths(),
		},
	}}
}

// OpenSearchLogsPolicy is the CloudWatch Logs resource policy letting the
// domain publish its application and audit logs to its own log groups.
func OpenSearchLogsPolicy(o Org) Document {
	return Document{Version: Version, Statement: []Statement{{
		Sid: "OpenSearchPublishesLogs", Effect: Allow, Principal: ServicePrincipal("es.amazonaws.com"),
		Action: []string{"logs:CreateLogStream", "logs:PutLogEvents"},
		Resource: []string{
			"arn:aws:logs:" + o.HomeRegion + ":" + o.Security + ":log-group:" + OpenSearchLogGroup + "/*",
		},
		Condition: When("StringEquals", "aws:SourceAccount", o.Security).
			And("ArnLike", "aws:SourceArn", o.DomainARN()),
	}}}
}

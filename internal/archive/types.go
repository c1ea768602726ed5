// Package archive is the S3 key layout contract of the log archive: which
// writer puts what under which prefix, and how any key of the archive maps
// back to (source, log type, account, region, time). Writers (the transfer
// Lambda), the reader (the loader) and the bucket policy all use it.
//
// The archive holds three families of keys:
//
//   - AWS-native layouts, written by AWS services themselves under
//     [prefix/]AWSLogs/... (CloudTrail, VPC Flow Logs, ELB, WAF, Route 53
//     Resolver, Network Firewall, GuardDuty) or identified by their file
//     names (S3 server access logs, CloudFront standard logs, WAF through
//     Firehose). Each layout is documented next to its parser in aws.go with
//     the AWS documentation URL, the key format and an example key.
//   - orgsiem's own prefixes: CWLogs/ (CloudWatch Logs events archived by
//     the transfer Lambda) and DeadLetter/ (documents OpenSearch refused).
//   - The typed-prefix convention <type>/<anything>, where <type> is one of
//     the Type* names below: the place to point deliveries whose AWS key does
//     not say what they are (S3 server access logs, CloudFront, Security Hub
//     or GuardDuty findings through EventBridge and Firehose, ...).
//
// Keys are the decoded object keys: S3 event notifications URL-encode them
// (a space arrives as '+', '%' as "%25"), so the loader decodes a key before
// calling Parse.
package archive

// Log type names. They are the registry keys of internal/logs and the
// <type> in index names log-aws-<type>-YYYY.MM. They are also the first
// segment of the typed-prefix convention (<type>/<anything>).
const (
	TypeCloudTrail      = "cloudtrail"
	TypeVPCFlow         = "vpcflow"
	TypeWAF             = "waf"
	TypeELB             = "elb"
	TypeS3Access        = "s3access"
	TypeCloudFront      = "cloudfront"
	TypeRoute53Resolver = "route53resolver"
	TypeGuardDuty       = "guardduty"
	TypeSecurityHub     = "securityhub"
	TypeNetworkFirewall = "networkfirewall"
	// TypeCloudWatchLogs is an object written by the transfer Lambda (or a
	// raw subscription payload); each message is routed on by log group.
	TypeCloudWatchLogs = "cloudwatchlogs"
	// TypeLinux is /var/log/secure and /var/log/messages (syslog) lines
	// delivered through CloudWatch Logs.
	TypeLinux = "linux"
	// TypeEKSAudit is Amazon EKS control-plane audit logs: Kubernetes
	// audit.k8s.io/v1 Events, delivered to CloudWatch Logs (log group
	// /aws/eks/<cluster>/cluster, streams kube-apiserver-audit-*) and
	// routed there, or exported as JSON lines to the typed prefix eksaudit/.
	TypeEKSAudit = "eksaudit"
	// TypeWindows is Windows event logs (the Security channel above all)
	// shipped by the CloudWatch agent, XML or text rendering, routed from
	// the log groups an operator names (the agent's group name is free).
	TypeWindows = "windows"
	// TypeConfig is AWS Config configuration item and rule compliance
	// changes as EventBridge events, delivered through Firehose to the
	// typed prefix config/ or to an EventBridge log group (RouteFinding).
	TypeConfig = "config"
	// TypeRDS is Amazon RDS and Aurora database logs (MySQL audit, error,
	// PostgreSQL with pgaudit) published to CloudWatch Logs.
	TypeRDS = "rds"
)

// Types returns every log type name, in the order of the constants above.
// The slice is new on each call.
func Types() []string {
	return []string{
		TypeCloudTrail, TypeVPCFlow, TypeWAF, TypeELB, TypeS3Access, TypeCloudFront,
		TypeRoute53Resolver, TypeGuardDuty, TypeSecurityHub, TypeNetworkFirewall,
		TypeCloudWatchLogs, TypeLinux, TypeEKSAudit, TypeWindows, TypeConfig, TypeRDS,
	}
}

// IsType reports whether name is one of the Type* names.
func IsType(name string) bool {
	switch name {
	case TypeCloudTrail, TypeVPCFlow, TypeWAF, TypeELB, TypeS3Access, TypeCloudFront,
		TypeRoute53Resolver, TypeGuardDuty, TypeSecurityHub, TypeNetworkFirewall,
		TypeCloudWatchLogs, TypeLinux, TypeEKSAudit, TypeWindows, TypeConfig, TypeRDS:
		return true
	}
	return false
}

// Prefixes written by orgsiem itself.
const (
	// CWLogsPrefix holds CloudWatch Logs data written by the transfer Lambda:
	// CWLogs/<account>/<region>/<escaped log group>/YYYY/MM/DD/HH/<name>.json.gz
	// (see CWLogsKey).
	CWLogsPrefix = "CWLogs/"
	// DeadLetterPrefix holds documents OpenSearch refused, with the reason:
	// DeadLetter/<type>/<account>/YYYY/MM/DD/HH/<name> (see DeadLetterKey).
	DeadLetterPrefix = "DeadLetter/"
	// AWSLogsPrefix is the segment AWS services write their layouts under,
	// after the optional prefix the delivery was configured with.
	AWSLogsPrefix = "AWSLogs/"
	// DirectoryKey is the account directory: every account of the
	// organization with its name, e-mail domain, OU path and tags, written
	// by the directory function (management account) and read by the
	// loader. Not announced to the ingest queue.
	DirectoryKey = "Directory/accounts.json"
)

// Location.Source values: who wrote the object.
const (
	// SourceAWS is an object an AWS service delivered (directly, or through
	// Firehose to a typed prefix).
	SourceAWS = "aws"
	// SourceOrgSIEM is an object orgsiem wrote (CWLogs/, DeadLetter/).
	SourceOrgSIEM = "orgsiem"
)

// Location.Skip values: why objects at a key are not indexed.
const (
	// SkipCloudTrailDigest is a CloudTrail log file integrity digest
	// (CloudTrail-Digest/): it lists hashes of log files, it holds no events.
	SkipCloudTrailDigest = "cloudtrail-digest"
	// SkipDeadLetter is a document OpenSearch refused; re-ingesting it would
	// loop.
	SkipDeadLetter = "dead-letter"
	// SkipTestFile is the ELBAccessLogTestFile Elastic Load Balancing writes
	// when access logging is enabled.
	SkipTestFile = "test-file"
	// SkipFolder is a zero-byte "folder" marker (a key ending in '/').
	SkipFolder = "folder"
)

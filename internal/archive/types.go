// Package archive is the S3 key layout contract of the log archive: which
// writer puts what under which prefix, and how any key of the archive maps
// back to (source, log type, account, region, time). Writers (the transfer
// Lambda), the reader (the loader) and the bucket policy all use it.
package archive

// Log type names. They are the registry keys of internal/logs and the
// <type> in index names log-aws-<type>-YYYY.MM.
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
)

// Prefixes written by orgsiem itself.
const (
	// CWLogsPrefix holds CloudWatch Logs data written by the transfer Lambda:
	// CWLogs/<account>/<region>/<escaped log group>/YYYY/MM/DD/HH/<name>.json.gz
	CWLogsPrefix = "CWLogs/"
	// DeadLetterPrefix holds documents OpenSearch refused, with the reason.
	DeadLetterPrefix = "DeadLetter/"
)

package logs

import (
	"sort"

	"github.com/orgsiem/orgsiem/internal/archive"
)

// Type is one registered log type.
type Type struct {
	Name        string // registry key, archive.Type* constant
	Description string
	DocURL      string // the AWS documentation of the format
	// Parse reads every record of one object from in and reports each one
	// exactly once through out (Emit, Skip or Fail). It returns an error
	// only for what stops reading (an I/O error, a truncated gzip, an Emit
	// error); records already reported stay reported.
	Parse func(in *Input, out *Output) error
}

// registry is the one table of log types.
var registry = []Type{
	{Name: archive.TypeCloudTrail, Description: "AWS CloudTrail management, data and Insights events ({\"Records\":[...]} files or one record per line)",
		DocURL: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html", Parse: parseCloudTrail},
	{Name: archive.TypeVPCFlow, Description: "Amazon VPC Flow Logs, default v2 and custom v3-v5 formats driven by the header line",
		DocURL: "https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html", Parse: parseVPCFlow},
	{Name: archive.TypeWAF, Description: "AWS WAF web ACL traffic logs (JSON lines)",
		DocURL: "https://docs.aws.amazon.com/waf/latest/developerguide/logging-fields.html", Parse: parseWAF},
	{Name: archive.TypeELB, Description: "Elastic Load Balancing access logs: ALB, NLB (TLS) and Classic",
		DocURL: "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html", Parse: parseELB},
	{Name: archive.TypeS3Access, Description: "Amazon S3 server access logs",
		DocURL: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/LogFormat.html", Parse: parseS3Access},
	{Name: archive.TypeCloudFront, Description: "Amazon CloudFront standard logs driven by the #Fields header",
		DocURL: "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logs-reference.html", Parse: parseCloudFront},
	{Name: archive.TypeRoute53Resolver, Description: "Amazon Route 53 Resolver query logs (JSON lines)",
		DocURL: "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-query-logs-format.html", Parse: parseRoute53Resolver},
	{Name: archive.TypeGuardDuty, Description: "Amazon GuardDuty findings, raw or in the EventBridge envelope",
		DocURL: "https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-format.html", Parse: parseGuardDuty},
	{Name: archive.TypeSecurityHub, Description: "AWS Security Hub findings (ASFF), raw or in the EventBridge envelope",
		DocURL: "https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings-format.html", Parse: parseSecurityHub},
	{Name: archive.TypeNetworkFirewall, Description: "AWS Network Firewall flow, alert, TLS and HTTP logs",
		DocURL: "https://docs.aws.amazon.com/network-firewall/latest/developerguide/firewall-logging.html", Parse: parseNetworkFirewall},
	{Name: archive.TypeCloudWatchLogs, Description: "CloudWatch Logs events archived by the transfer Lambda, or raw subscription payloads; each message routed by log group",
		DocURL: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html", Parse: parseCloudWatchLogs},
	{Name: archive.TypeLinux, Description: "Linux /var/log/secure and /var/log/messages (syslog) lines",
		DocURL: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Install-CloudWatch-Agent.html", Parse: parseLinux},
	{Name: archive.TypeEKSAudit, Description: "Amazon EKS control-plane audit logs: Kubernetes audit.k8s.io/v1 Events (JSON lines; from CloudWatch Logs group /aws/eks/<cluster>/cluster, streams kube-apiserver-audit-*)",
		DocURL: "https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html", Parse: parseEKSAudit},
	{Name: archive.TypeWindows, Description: "Windows event logs (Security channel: logons, accounts, groups) from the CloudWatch agent, XML or text rendering, one event per line; routed from operator-named log groups",
		DocURL: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Agent-Configuration-File-Details.html", Parse: parseWindows},
	{Name: archive.TypeConfig, Description: "AWS Config configuration item and rule compliance changes as EventBridge events (JSON lines; or through an EventBridge log group routed as findings)",
		DocURL: "https://docs.aws.amazon.com/config/latest/developerguide/monitor-config-with-cloudwatchevents.html", Parse: parseConfig},
	{Name: archive.TypeRDS, Description: "Amazon RDS and Aurora database logs: MySQL/MariaDB audit plugin and Aurora advanced auditing CSV, MySQL error log, PostgreSQL with pgaudit (log groups /aws/rds/instance|cluster/<name>/audit|error|postgresql)",
		DocURL: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_LogAccess.Procedural.UploadtoCloudWatch.html", Parse: parseRDS},
}

// Lookup returns the registered type with the given name.
func Lookup(name string) (*Type, error) {
	for i := range registry {
		if registry[i].Name == name {
			return &registry[i], nil
		}
	}
	return nil, &UnknownTypeError{Name: name}
}

// Types returns every registered type, in table order.
func Types() []Type { return append([]Type(nil), registry...) }

// Names returns the registered type names, sorted.
func Names() []string {
	n := make([]string, len(registry))
	for i, t := range registry {
		n[i] = t.Name
	}
	sort.Strings(n)
	return n
}

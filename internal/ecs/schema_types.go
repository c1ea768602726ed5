package ecs

// Per-type aws.<type>.* tables of the log types parsed by other files of
// internal/logs. Each is owned by the author of that type's parser: one line
// per field ({Path: "<path below aws.<type>>", Type: ...}); free-form
// payloads (WAF rule details, finding resources and details ...) are
// declared FlatObject and the parser guarantees they hold objects.

// vpcFlowFields are the aws.vpcflow.* fields.
var vpcFlowFields = []Field{}

// wafFields are the aws.waf.* fields.
var wafFields = []Field{
	{Path: "timestamp", Type: Long}, // epoch milliseconds
	{Path: "formatVersion", Type: Long},
	{Path: "webaclId", Type: Keyword},
	{Path: "terminatingRuleId", Type: Keyword},
	{Path: "terminatingRuleType", Type: Keyword},
	{Path: "action", Type: Keyword},
	{Path: "httpSourceName", Type: Keyword},
	{Path: "httpSourceId", Type: Keyword},
	{Path: "responseCodeSent", Type: Long},
	{Path: "requestBodySize", Type: Long},
	{Path: "requestBodySizeInspectedByWAF", Type: Long},
	{Path: "ja3Fingerprint", Type: Keyword},
	{Path: "ja4Fingerprint", Type: Keyword},
	{Path: "oversizeFields", Type: Keyword},
	{Path: "labels.name", Type: Keyword},
	{Path: "httpRequest.clientIp", Type: Keyword}, // keyword: masked exports hold "X.X.X.X"
	{Path: "httpRequest.country", Type: Keyword},
	{Path: "httpRequest.uri", Type: Keyword},
	{Path: "httpRequest.args", Type: Keyword},
	{Path: "httpRequest.httpVersion", Type: Keyword},
	{Path: "httpRequest.httpMethod", Type: Keyword},
	{Path: "httpRequest.requestId", Type: Keyword},
	{Path: "httpRequest.fragment", Type: Keyword},
	{Path: "httpRequest.scheme", Type: Keyword},
	{Path: "httpRequest.host", Type: Keyword},
	{Path: "httpRequest.headers", Type: FlatObject},
	{Path: "terminatingRuleMatchDetails", Type: FlatObject},
	{Path: "ruleGroupList", Type: FlatObject},
	{Path: "rateBasedRuleList", Type: FlatObject},
	{Path: "nonTerminatingMatchingRules", Type: FlatObject},
	{Path: "requestHeadersInserted", Type: FlatObject},
	{Path: "captchaResponse", Type: FlatObject},
	{Path: "challengeResponse", Type: FlatObject},
}

// elbFields are the aws.elb.* fields.
var elbFields = []Field{}

// s3AccessFields are the aws.s3access.* fields.
var s3AccessFields = []Field{}

// cloudFrontFields are the aws.cloudfront.* fields.
var cloudFrontFields = []Field{}

// route53ResolverFields are the aws.route53resolver.* fields.
var route53ResolverFields = []Field{
	{Path: "version", Type: Keyword},
	{Path: "account_id", Type: Keyword},
	{Path: "region", Type: Keyword},
	{Path: "vpc_id", Type: Keyword},
	{Path: "query_timestamp", Type: Keyword}, // as written; @timestamp holds the parsed time
	{Path: "query_name", Type: Keyword},
	{Path: "query_type", Type: Keyword},
	{Path: "query_class", Type: Keyword},
	{Path: "rcode", Type: Keyword},
	{Path: "answers.Rdata", Type: Keyword},
	{Path: "answers.Type", Type: Keyword},
	{Path: "answers.Class", Type: Keyword},
	{Path: "srcaddr", Type: Keyword},
	{Path: "srcport", Type: Keyword}, // a string in the log
	{Path: "transport", Type: Keyword},
	{Path: "srcids.instance", Type: Keyword},
	{Path: "srcids.resolver_endpoint", Type: Keyword},
	{Path: "srcids.resolver_network_interface", Type: Keyword},
	{Path: "firewall_rule_group_id", Type: Keyword},
	{Path: "firewall_rule_action", Type: Keyword},
	{Path: "firewall_domain_list_id", Type: Keyword},
	// Public DNS query logs (space-separated lines; see logs/route53resolver.go).
	{Path: "hosted_zone_id", Type: Keyword},
	{Path: "edge_location", Type: Keyword},
	{Path: "resolver_ip", Type: Keyword},
	{Path: "edns_client_subnet", Type: Keyword},
}

// guardDutyFields are the aws.guardduty.* fields.
var guardDutyFields = []Field{
	{Path: "schemaVersion", Type: Keyword},
	{Path: "accountId", Type: Keyword},
	{Path: "region", Type: Keyword},
	{Path: "partition", Type: Keyword},
	{Path: "id", Type: Keyword},
	{Path: "arn", Type: Keyword},
	{Path: "type", Type: Keyword},
	{Path: "title", Type: Text},
	{Path: "description", Type: Text},
	{Path: "severity", Type: Double},
	{Path: "confidence", Type: Double},
	{Path: "createdAt", Type: Keyword}, // as written; event.created holds the parsed time
	{Path: "updatedAt", Type: Keyword}, // as written; @timestamp holds the parsed time
	{Path: "resource", Type: FlatObject},
	{Path: "service", Type: FlatObject},
	// Added by the parser.
	{Path: "sample", Type: Boolean},   // service.additionalInfo.sample == true
	{Path: "archived", Type: Boolean}, // service.archived
	{Path: "eventbridge.id", Type: Keyword},
	{Path: "eventbridge.detail-type", Type: Keyword},
	{Path: "eventbridge.source", Type: Keyword},
	{Path: "eventbridge.account", Type: Keyword},
	{Path: "eventbridge.time", Type: Keyword},
	{Path: "eventbridge.region", Type: Keyword},
	{Path: "eventbridge.version", Type: Keyword},
}

// securityHubFields are the aws.securityhub.* fields.
var securityHubFields = []Field{
	{Path: "SchemaVersion", Type: Keyword},
	{Path: "Id", Type: Keyword},
	{Path: "ProductArn", Type: Keyword},
	{Path: "ProductName", Type: Keyword},
	{Path: "CompanyName", Type: Keyword},
	{Path: "Region", Type: Keyword},
	{Path: "GeneratorId", Type: Keyword},
	{Path: "AwsAccountId", Type: Keyword},
	{Path: "AwsAccountName", Type: Keyword},
	{Path: "Types", Type: Keyword},
	{Path: "FirstObservedAt", Type: Keyword},
	{Path: "LastObservedAt", Type: Keyword},
	{Path: "CreatedAt", Type: Keyword},
	{Path: "UpdatedAt", Type: Keyword},
	{Path: "ProcessedAt", Type: Keyword},
	{Path: "Title", Type: Text},
	{Path: "Description", Type: Text},
	{Path: "SourceUrl", Type: Keyword},
	{Path: "RecordState", Type: Keyword},
	{Path: "WorkflowState", Type: Keyword},
	{Path: "VerificationState", Type: Keyword},
	{Path: "Confidence", Type: Long},
	{Path: "Criticality", Type: Long},
	{Path: "Sample", Type: Boolean},
	{Path: "Severity.Label", Type: Keyword},
	{Path: "Severity.Normalized", Type: Long},
	{Path: "Severity.Original", Type: Keyword},
	{Path: "Severity.Product", Type: Double},
	{Path: "Workflow.Status", Type: Keyword},
	{Path: "Compliance.Status", Type: Keyword},
	{Path: "Compliance.SecurityControlId", Type: Keyword},
	{Path: "Compliance.RelatedRequirements", Type: Keyword},
	{Path: "Compliance.AssociatedStandards.StandardsId", Type: Keyword},
	{Path: "Compliance.StatusReasons.ReasonCode", Type: Keyword},
	{Path: "Compliance.StatusReasons.Description", Type: Text},
	{Path: "Compliance.SecurityControlParameters", Type: FlatObject},
	{Path: "ProductFields", Type: FlatObject},
	{Path: "Resources", Type: FlatObject},
	{Path: "Network", Type: FlatObject},
	{Path: "NetworkPath", Type: FlatObject},
	{Path: "Action", Type: FlatObject},
	{Path: "Remediation", Type: FlatObject},
	{Path: "FindingProviderFields", Type: FlatObject},
	{Path: "Note", Type: FlatObject},
	{Path: "Process", Type: FlatObject},
	{Path: "Threats", Type: FlatObject},
	{Path: "ThreatIntelIndicators", Type: FlatObject},
	{Path: "Malware", Type: FlatObject},
	{Path: "Vulnerabilities", Type: FlatObject},
	{Path: "PatchSummary", Type: FlatObject},
	{Path: "RelatedFindings", Type: FlatObject},
	{Path: "UserDefinedFields", Type: FlatObject},
	{Path: "Detection", Type: FlatObject},
	{Path: "GeneratorDetails", Type: FlatObject},
	// Added by the parser for findings that came in an EventBridge event.
	{Path: "eventbridge.id", Type: Keyword},
	{Path: "eventbridge.detail-type", Type: Keyword},
	{Path: "eventbridge.source", Type: Keyword},
	{Path: "eventbridge.account", Type: Keyword},
	{Path: "eventbridge.time", Type: Keyword},
	{Path: "eventbridge.region", Type: Keyword},
	{Path: "eventbridge.version", Type: Keyword},
}

// networkFirewallFields are the aws.networkfirewall.* fields.
var networkFirewallFields = []Field{
	{Path: "firewall_name", Type: Keyword},
	{Path: "availability_zone", Type: Keyword},
	{Path: "event_timestamp", Type: Keyword}, // epoch seconds as a string
	{Path: "event.timestamp", Type: Keyword},
	{Path: "event.flow_id", Type: Long},
	{Path: "event.tx_id", Type: Long},
	{Path: "event.event_type", Type: Keyword},
	{Path: "event.src_ip", Type: Keyword},
	{Path: "event.src_port", Type: Long},
	{Path: "event.dest_ip", Type: Keyword},
	{Path: "event.dest_port", Type: Long},
	{Path: "event.proto", Type: Keyword},
	{Path: "event.app_proto", Type: Keyword},
	{Path: "event.sni", Type: Keyword},
	{Path: "event.alert.action", Type: Keyword},
	{Path: "event.alert.signature_id", Type: Long},
	{Path: "event.alert.rev", Type: Long},
	{Path: "event.alert.gid", Type: Long},
	{Path: "event.alert.signature", Type: Keyword},
	{Path: "event.alert.category", Type: Keyword},
	{Path: "event.alert.severity", Type: Long},
	{Path: "event.alert.metadata", Type: FlatObject},
	{Path: "event.netflow.pkts", Type: Long},
	{Path: "event.netflow.bytes", Type: Long},
	{Path: "event.netflow.start", Type: Keyword},
	{Path: "event.netflow.end", Type: Keyword},
	{Path: "event.netflow.age", Type: Long},
	{Path: "event.netflow.min_ttl", Type: Long},
	{Path: "event.netflow.max_ttl", Type: Long},
	{Path: "event.netflow.tx_cnt", Type: Long},
	{Path: "event.tls", Type: FlatObject},
	{Path: "event.http", Type: FlatObject},
	{Path: "event.tcp", Type: FlatObject},
	{Path: "event.flow", Type: FlatObject},
	{Path: "event.revocation_check", Type: FlatObject},
	{Path: "event.tls_error", Type: FlatObject},
}

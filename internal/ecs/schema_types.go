package ecs

// Per-type aws.<type>.* tables of the log types parsed by other files of
// internal/logs. Each is owned by the author of that type's parser: one line
// per field ({Path: "<path below aws.<type>>", Type: ...}); free-form
// payloads (WAF rule details, finding resources and details ...) are
// declared FlatObject and the parser guarantees they hold objects.

// vpcFlowFields are the aws.vpcflow.* fields.
var vpcFlowFields = []Field{}

// wafFields are the aws.waf.* fields.
var wafFields = []Field{}

// elbFields are the aws.elb.* fields.
var elbFields = []Field{}

// s3AccessFields are the aws.s3access.* fields.
var s3AccessFields = []Field{}

// cloudFrontFields are the aws.cloudfront.* fields.
var cloudFrontFields = []Field{}

// route53ResolverFields are the aws.route53resolver.* fields.
var route53ResolverFields = []Field{}

// guardDutyFields are the aws.guardduty.* fields.
var guardDutyFields = []Field{}

// securityHubFields are the aws.securityhub.* fields.
var securityHubFields = []Field{}

// networkFirewallFields are the aws.networkfirewall.* fields.
var networkFirewallFields = []Field{}

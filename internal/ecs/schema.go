package ecs

import (
	"sort"
	"strings"
)

// FieldType is the OpenSearch field type a path is mapped to.
type FieldType string

// The field types the index templates use.
const (
	Keyword    FieldType = "keyword"
	Text       FieldType = "text"
	IP         FieldType = "ip"
	Date       FieldType = "date"
	Long       FieldType = "long"
	Double     FieldType = "double"
	Boolean    FieldType = "boolean"
	FlatObject FieldType = "flat_object"
	GeoPoint   FieldType = "geo_point"
)

// Field is one declared field of the schema.
type Field struct {
	Path string    // dotted path in the document, e.g. "source.ip"
	Type FieldType // OpenSearch type
	// LogType is the log type whose documents carry the field (the path
	// starts with aws.<LogType>.), or "" for the ECS fields every type shares.
	LogType string
}

// commonFields are the ECS fields AppendJSON can write, for every log type.
// Keep in step with json.go: the logs package tests fail on a written path
// that is not declared here.
var commonFields = []Field{
	{Path: "@timestamp", Type: Date},
	{Path: "message", Type: Text},
	{Path: "ecs.version", Type: Keyword},
	{Path: "tags", Type: Keyword},

	{Path: "event.kind", Type: Keyword},
	{Path: "event.category", Type: Keyword},
	{Path: "event.type", Type: Keyword},
	{Path: "event.action", Type: Keyword},
	{Path: "event.outcome", Type: Keyword},
	{Path: "event.dataset", Type: Keyword},
	{Path: "event.module", Type: Keyword},
	{Path: "event.provider", Type: Keyword},
	{Path: "event.code", Type: Keyword},
	{Path: "event.id", Type: Keyword},
	{Path: "event.created", Type: Date},
	{Path: "event.ingested", Type: Date}, // loader time: what monitors select new documents by
	{Path: "event.start", Type: Date},
	{Path: "event.end", Type: Date},
	{Path: "event.duration", Type: Long},
	{Path: "event.severity", Type: Long},
	{Path: "event.original", Type: Keyword}, // stored for error documents; not searched as text

	{Path: "cloud.provider", Type: Keyword},
	{Path: "cloud.account.id", Type: Keyword},
	{Path: "cloud.account.name", Type: Keyword},
	{Path: "orgsiem.account.ou", Type: Keyword}, // not ECS: the account directory's OU path
	{Path: "cloud.region", Type: Keyword},
	{Path: "cloud.service.name", Type: Keyword},
	{Path: "cloud.instance.id", Type: Keyword},

	{Path: "user.name", Type: Keyword},
	{Path: "user.id", Type: Keyword},
	{Path: "user.domain", Type: Keyword},
	{Path: "user.roles", Type: Keyword},
	{Path: "user.target.name", Type: Keyword},
	{Path: "user.target.id", Type: Keyword},
	{Path: "group.name", Type: Keyword},
	{Path: "group.id", Type: Keyword},
	{Path: "user_agent.original", Type: Keyword},
	{Path: "related.ip", Type: IP},
	{Path: "related.user", Type: Keyword},
	{Path: "related.hosts", Type: Keyword},

	{Path: "network.transport", Type: Keyword},
	{Path: "network.protocol", Type: Keyword},
	{Path: "network.type", Type: Keyword},
	{Path: "network.direction", Type: Keyword},
	{Path: "network.iana_number", Type: Keyword},
	{Path: "network.forwarded_ip", Type: IP},
	{Path: "network.bytes", Type: Long},
	{Path: "network.packets", Type: Long},

	{Path: "http.request.method", Type: Keyword},
	{Path: "http.request.bytes", Type: Long},
	{Path: "http.request.referrer", Type: Keyword},
	{Path: "http.response.status_code", Type: Long},
	{Path: "http.response.bytes", Type: Long},
	{Path: "http.version", Type: Keyword},

	{Path: "url.original", Type: Keyword},
	{Path: "url.domain", Type: Keyword},
	{Path: "url.path", Type: Keyword},
	{Path: "url.query", Type: Keyword},
	{Path: "url.scheme", Type: Keyword},
	{Path: "url.port", Type: Long},

	{Path: "dns.question.name", Type: Keyword},
	{Path: "dns.question.type", Type: Keyword},
	{Path: "dns.question.class", Type: Keyword},
	{Path: "dns.response_code", Type: Keyword},
	{Path: "dns.answers.data", Type: Keyword},
	{Path: "dns.answers.type", Type: Keyword},
	{Path: "dns.answers.class", Type: Keyword},

	{Path: "rule.id", Type: Keyword},
	{Path: "rule.name", Type: Keyword},
	{Path: "rule.ruleset", Type: Keyword},
	{Path: "rule.category", Type: Keyword},
	{Path: "rule.description", Type: Text},

	{Path: "observer.vendor", Type: Keyword},
	{Path: "observer.product", Type: Keyword},
	{Path: "observer.type", Type: Keyword},
	{Path: "observer.name", Type: Keyword},
	{Path: "observer.id", Type: Keyword},

	{Path: "host.name", Type: Keyword},
	{Path: "host.hostname", Type: Keyword},
	{Path: "process.name", Type: Keyword},
	{Path: "process.pid", Type: Long},

	{Path: "tls.version", Type: Keyword},
	{Path: "tls.version_protocol", Type: Keyword},
	{Path: "tls.cipher", Type: Keyword},
	{Path: "tls.client.server_name", Type: Keyword},

	{Path: "log.file.path", Type: Keyword},
	{Path: "log.offset", Type: Long},
	{Path: "log.level", Type: Keyword},

	{Path: "error.message", Type: Text},
	{Path: "error.type", Type: Keyword},
	{Path: "error.code", Type: Keyword},

	// orgsiem.*: what the pipeline found about a record (internal/logs
	// trust.go): the account a record's content claimed when its source may
	// not speak for it.
	{Path: "orgsiem.claimed_account", Type: Keyword},

	{Path: "aws.cloudwatchlogs.id", Type: Keyword},
	{Path: "aws.cloudwatchlogs.log_group", Type: Keyword},
	{Path: "aws.cloudwatchlogs.log_stream", Type: Keyword},
	{Path: "aws.cloudwatchlogs.owner", Type: Keyword},
	{Path: "aws.cloudwatchlogs.subscription_filters", Type: Keyword},
}

// endpointFields are declared for both source.* and destination.*.
var endpointFields = []Field{
	{Path: "ip", Type: IP},
	{Path: "port", Type: Long},
	{Path: "address", Type: Keyword},
	{Path: "domain", Type: Keyword},
	{Path: "bytes", Type: Long},
	{Path: "packets", Type: Long},
	{Path: "geo.country_iso_code", Type: Keyword},
	{Path: "geo.country_name", Type: Keyword},
	{Path: "geo.city_name", Type: Keyword},
	{Path: "geo.location", Type: GeoPoint},
	{Path: "as.number", Type: Long},
	{Path: "as.organization.name", Type: Keyword},
}

// awsFields holds, per log type, the declared aws.<type>.* fields, with
// paths relative to aws.<type>. Each table lives in schema_<type>.go; adding
// a field is one line there. Fields of the original record that are not
// declared are stored in _source but get no explicit mapping.
var awsFields = map[string][]Field{
	"cloudtrail":      cloudTrailFields,
	"cloudwatchlogs":  nil, // aws.cloudwatchlogs.* is common (see commonFields)
	"linux":           linuxFields,
	"eksaudit":        eksAuditFields,
	"windows":         windowsFields,
	"config":          configFields,
	"rds":             rdsFields,
	"vpcflow":         vpcFlowFields,
	"waf":             wafFields,
	"elb":             elbFields,
	"s3access":        s3AccessFields,
	"cloudfront":      cloudFrontFields,
	"route53resolver": route53ResolverFields,
	"guardduty":       guardDutyFields,
	"securityhub":     securityHubFields,
	"networkfirewall": networkFirewallFields,
}

// schema is every declared field by full path, built once.
var schema = func() map[string]Field {
	m := map[string]Field{}
	for _, f := range commonFields {
		m[f.Path] = f
	}
	for _, side := range []string{"source", "destination"} {
		for _, f := range endpointFields {
			m[side+"."+f.Path] = Field{Path: side + "." + f.Path, Type: f.Type}
		}
	}
	for typ, fs := range awsFields {
		for _, f := range fs {
			p := "aws." + typ + "." + f.Path
			m[p] = Field{Path: p, Type: f.Type, LogType: typ}
		}
	}
	return m
}()

// FieldTypeOf returns the declared type of a dotted path. A path below a
// flat_object field reports FlatObject. ok is false for undeclared paths.
func FieldTypeOf(path string) (FieldType, bool) {
	if f, ok := schema[path]; ok {
		return f.Type, true
	}
	for i := strings.LastIndexByte(path, '.'); i > 0; i = strings.LastIndexByte(path[:i], '.') {
		if f, ok := schema[path[:i]]; ok && f.Type == FlatObject {
			return FlatObject, true
		}
	}
	return "", false
}

// Fields returns every declared field, sorted by path.
func Fields() []Field {
	out := make([]Field, 0, len(schema))
	for _, f := range schema {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// FieldsFor returns the fields of one log type's documents: the common ECS
// fields plus its aws.<type>.* fields, sorted by path.
func FieldsFor(logType string) []Field {
	var out []Field
	for _, f := range Fields() {
		if f.LogType == "" || f.LogType == logType {
			out = append(out, f)
		}
	}
	return out
}

// LogTypes returns the log types that have a schema table, sorted.
func LogTypes() []string {
	out := make([]string, 0, len(awsFields))
	for t := range awsFields {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

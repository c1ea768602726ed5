// Package ecs defines the normalized document every log type is turned into:
// Elastic Common Schema fields, the original AWS fields under aws.<type>, a
// deterministic _id and the index name. It owns the JSON encoding of a
// document and the declared schema the index templates are built from.
package ecs

import (
	"encoding/json"
	"time"
)

// Version is the ECS version our documents follow (ecs.version).
const Version = "8.11.0"

// Document is one normalized event. Parsers fill it; the JSON writer
// (AppendJSON) serialises only non-zero fields. A Document handed to a
// callback is only valid during that call: parsers may reuse it.
type Document struct {
	// ID is the deterministic _id: the event's own id where it has one,
	// else a hash of archive key and record position. Not part of the body.
	ID string
	// Type is the log type name (registry key, e.g. "cloudtrail"); it picks
	// the index (log-aws-<type>-YYYY.MM) and the aws.<type> object.
	Type string
	// Position is the 0-based ordinal of the record inside its object,
	// written as log.offset; with Log.FilePath it locates the record.
	Position int64

	Timestamp   time.Time // @timestamp: the event's own time, UTC
	Message     string    // message
	Tags        []string  // tags, e.g. "orgsiem-tampering"
	Event       Event
	Cloud       Cloud
	Source      Endpoint
	Destination Endpoint
	User        User
	Group       Group
	UserAgent   string // user_agent.original
	Related     Related
	Network     Network
	HTTP        HTTP
	URL         URL
	DNS         DNS
	Rule        Rule
	Observer    Observer
	Host        Host
	Process     Process
	TLS         TLS
	Log         Log
	Error       Error
	// Orgsiem holds the pipeline's own findings about the record
	// (orgsiem.*), e.g. the account its content claimed.
	Orgsiem Orgsiem
	// CloudWatch locates a record that arrived through CloudWatch Logs
	// (written as aws.cloudwatchlogs.*, beside aws.<Type>).
	CloudWatch CloudWatch

	// AWS is the aws.<Type> object: the original fields of the record, as
	// a JSON object (never an array or scalar). Paths declared flat_object
	// in the schema must hold objects (or be absent) in every document.
	AWS json.RawMessage
}

// Event is the ECS event.* field set.
type Event struct {
	Kind     string   // event, alert, state, pipeline_error
	Category []string // authentication, network, iam, configuration, web, ...
	Type     []string // access, change, creation, deletion, info, start, ...
	Action   string   // e.g. CloudTrail eventName
	Outcome  string   // success, failure, unknown
	Dataset  string   // aws.<type>
	Module   string   // "aws"
	Provider string   // e.g. CloudTrail eventSource
	Code     string   // event.code: e.g. a Windows event id
	ID       string   // the event's own id
	Created  time.Time
	// Ingested is when the loader indexed the document (event.ingested,
	// UTC). Normalization leaves it zero; the loader sets it, and anything
	// on the domain asking "what is new" asks by it.
	Ingested time.Time
	Start    time.Time // event.start
	End      time.Time // event.end
	Duration int64     // event.duration in nanoseconds; 0 means unset
	Severity int64     // 0 means unset
	Original string    // event.original: kept for error documents and truncated records
}

// Cloud is the ECS cloud.* field set.
type Cloud struct {
	Provider    string // "aws"
	AccountID   string // cloud.account.id
	AccountName string // cloud.account.name (enrichment)
	Region      string
	ServiceName string // cloud.service.name
	InstanceID  string // cloud.instance.id
}

// Endpoint is source.* or destination.*.
type Endpoint struct {
	IP      string // parseable IP only; otherwise left empty and Address kept
	Port    int64
	Address string
	Domain  string
	Bytes   int64
	Packets int64
	Geo     *Geo
	AS      *AS
}

// Geo is source.geo / destination.geo (GeoIP enrichment).
type Geo struct {
	CountryISOCode string
	CountryName    string
	CityName       string
	Lat, Lon       float64
}

// AS is source.as (GeoIP enrichment).
type AS struct {
	Number       int64
	Organization string
}

// User is the ECS user.* field set.
type User struct {
	Name   string
	ID     string
	Domain string
	Roles  []string // user.roles
	// Target is user.target.*: the user an IAM operation acts on.
	TargetName string
	TargetID   string
}

// Group is the ECS group.* field set.
type Group struct {
	Name string
	ID   string
}

// Related holds related.ip, related.user and related.hosts (deduplicated
// by the writer).
type Related struct {
	IP    []string
	User  []string
	Hosts []string
}

// Orgsiem is orgsiem.*: what the pipeline found about a record.
type Orgsiem struct {
	// ClaimedAccount is the account the record's content claimed when its
	// source may not speak for it (the document's cloud.account.id is the
	// archive key's account); see internal/logs trust.go.
	ClaimedAccount string
	// AccountOU is orgsiem.account.ou: the path of the organizational unit
	// holding cloud.account.id ("/Workloads/Prod"; "/" for the root),
	// from the account directory. ECS has no field for it.
	AccountOU string
}

// Network is the ECS network.* field set.
type Network struct {
	Transport  string // tcp, udp, icmp ...
	Protocol   string // http, dns, tls ...
	Type       string // ipv4, ipv6
	Direction  string // ingress, egress, ...
	IANANumber string
	// ForwardedIP is network.forwarded_ip: the client the request was
	// forwarded for (X-Forwarded-For).
	ForwardedIP string
	Bytes       int64
	Packets     int64
}

// HTTP is the ECS http.* field set.
type HTTP struct {
	Method     string // http.request.method
	StatusCode int64  // http.response.status_code
	// StatusCodeSet writes http.response.status_code even when it is 0
	// (CloudFront's sc-status 000: no response was sent).
	StatusCodeSet bool
	RequestBytes  int64  // http.request.bytes
	ResponseBytes int64  // http.response.bytes
	Referrer      string // http.request.referrer
	Version       string // http.version
}

// URL is the ECS url.* field set.
type URL struct {
	Original string
	Domain   string
	Path     string
	Query    string
	Scheme   string
	Port     int64
}

// DNS is the ECS dns.* field set.
type DNS struct {
	QuestionName  string
	QuestionType  string
	QuestionClass string
	ResponseCode  string
	Answers       []DNSAnswer // dns.answers
}

// DNSAnswer is one element of dns.answers.
type DNSAnswer struct {
	Data  string
	Type  string
	Class string
}

// Rule is the ECS rule.* field set (WAF rules, firewall signatures, findings).
type Rule struct {
	ID          string
	Name        string
	Ruleset     string
	Category    string
	Description string
}

// Observer is the ECS observer.* field set (the device that saw the event).
type Observer struct {
	Vendor  string
	Product string
	Type    string
	Name    string
	ID      string
}

// Host is the ECS host.* field set (Linux logs).
type Host struct {
	Name     string
	Hostname string
}

// Process is the ECS process.* field set (syslog program and pid).
type Process struct {
	Name string
	PID  int64
}

// TLS is the ECS tls.* field set.
type TLS struct {
	Version         string // tls.version, e.g. "1.2"
	VersionProtocol string // tls.version_protocol, e.g. "tls"
	Cipher          string
	ServerName      string // tls.client.server_name
}

// Log is the ECS log.* field set.
type Log struct {
	FilePath string // log.file.path: the archive key or local path
	Level    string
}

// CloudWatchLogsType is the log type name of CloudWatch Logs documents
// (archive.TypeCloudWatchLogs; ecs imports nothing, so it is repeated here).
// Its fields live under aws.cloudwatchlogs.
const CloudWatchLogsType = "cloudwatchlogs"

// CloudWatch is aws.cloudwatchlogs.*: where a record delivered through
// CloudWatch Logs came from. For documents of type cloudwatchlogs it is the
// whole aws.cloudwatchlogs object (their AWS field stays empty); for records
// routed to another type (CloudTrail, VPC flow, Linux ...) it sits beside
// aws.<type>.
type CloudWatch struct {
	ID                  string // the log event id
	LogGroup            string
	LogStream           string
	Owner               string // the account that owns the log group
	SubscriptionFilters []string
}

// Clone returns a deep copy of d that shares no memory with it, for callers
// that keep a document beyond the callback it was handed to.
func (d *Document) Clone() Document {
	c := *d
	c.Event.Category = cloneStrings(d.Event.Category)
	c.Event.Type = cloneStrings(d.Event.Type)
	c.Related.IP = cloneStrings(d.Related.IP)
	c.Related.User = cloneStrings(d.Related.User)
	c.Related.Hosts = cloneStrings(d.Related.Hosts)
	c.Tags = cloneStrings(d.Tags)
	c.User.Roles = cloneStrings(d.User.Roles)
	if d.DNS.Answers != nil {
		c.DNS.Answers = append([]DNSAnswer(nil), d.DNS.Answers...)
	}
	c.CloudWatch.SubscriptionFilters = cloneStrings(d.CloudWatch.SubscriptionFilters)
	for _, e := range []*Endpoint{&c.Source, &c.Destination} {
		if e.Geo != nil {
			g := *e.Geo
			e.Geo = &g
		}
		if e.AS != nil {
			a := *e.AS
			e.AS = &a
		}
	}
	if d.AWS != nil {
		c.AWS = append(json.RawMessage(nil), d.AWS...)
	}
	return c
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string(nil), s...)
}

// Error is the ECS error.* field set, set on pipeline_error documents.
type Error struct {
	Message string
	Type    string
	Code    string // error.code
}

package logs

// Amazon Route 53 DNS query logs, two documented formats under one type:
//
//   - Resolver query logs (VPC DNS): one JSON object per line, delivered to
//     S3, CloudWatch Logs or Firehose.
//     https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-query-logs-format.html
//     https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-query-logs-example-json.html
//   - Public DNS query logs (public hosted zones): one space-separated line
//     per query, delivered only to CloudWatch Logs, to a us-east-1 log group
//     named /aws/route53/<hosted zone> with one stream per edge location:
//     "1.0 2017-12-13T08:16:02.130Z Z123412341234 example.com A NOERROR UDP IAD12 192.168.1.1 -"
//     https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/query-logs.html
//
// How they are told apart: the CloudWatch Logs router sends messages of log
// groups under /aws/route53/ to publicDNSMessage; every other message of a
// Resolver query log group is JSON. Inside an archived object a line is
// read as JSON when it starts with '{' and as a public DNS line otherwise —
// a JSON object can never start a public DNS line (its first field is the
// format version), so the first byte is the format marker, not a guess.
//
// ECS mapping: dns.question.name (trailing root dot removed; the original
// stays in aws.route53resolver.query_name), dns.question.type/class,
// dns.response_code, dns.answers.data, source.ip/port (the querying
// instance; for public DNS, the resolver that asked Route 53),
// network.transport, cloud.account.id/region, cloud.instance.id
// (srcids.instance). A DNS Firewall match sets event.action to the rule
// action (ALERT, BLOCK, ALLOW), rule.ruleset to the rule group and rule.id
// to the domain list. Every aws.route53resolver field is a keyword;
// answers may be one object or a list of them (both map alike).

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// resolverAnswer is one entry of answers.
type resolverAnswer struct {
	Rdata string `json:"Rdata"`
	Type  string `json:"Type"`
	Class string `json:"Class"`
}

// resolverAnswers accepts the documented list and a single object.
type resolverAnswers []resolverAnswer

// UnmarshalJSON implements json.Unmarshaler.
func (a *resolverAnswers) UnmarshalJSON(b []byte) error {
	b = trimJSONSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var one resolverAnswer
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*a = append((*a)[:0], one)
		return nil
	}
	return json.Unmarshal(b, (*[]resolverAnswer)(a))
}

// resolverRecord is one Resolver query log record. Every declared
// aws.route53resolver field is decoded, so a wrong JSON type is an error
// document rather than a mapping conflict.
type resolverRecord struct {
	Version        string          `json:"version"`
	AccountID      string          `json:"account_id"`
	Region         string          `json:"region"`
	VPCID          string          `json:"vpc_id"`
	QueryTimestamp string          `json:"query_timestamp"`
	QueryName      string          `json:"query_name"`
	QueryType      string          `json:"query_type"`
	QueryClass     string          `json:"query_class"`
	Rcode          string          `json:"rcode"`
	Answers        resolverAnswers `json:"answers"`
	SrcAddr        string          `json:"srcaddr"`
	SrcPort        string          `json:"srcport"`
	Transport      string          `json:"transport"`
	SrcIDs         struct {
		Instance                 string `json:"instance"`
		ResolverEndpoint         string `json:"resolver_endpoint"`
		ResolverNetworkInterface string `json:"resolver_network_interface"`
	} `json:"srcids"`
	FirewallRuleGroupID  string `json:"firewall_rule_group_id"`
	FirewallRuleAction   string `json:"firewall_rule_action"`
	FirewallDomainListID string `json:"firewall_domain_list_id"`
}

var typeProtocol = []string{"protocol"}

// resolverParser keeps the buffers reused across the records of an object.
type resolverParser struct {
	aws    *awsObject
	text   textObject
	fields []string
}

func parseRoute53Resolver(in *Input, out *Output) error {
	p := &resolverParser{aws: newAWSObject("route53resolver")}
	return readJSONRecords(in, out, false, p.record, p.publicLine)
}

func (p *resolverParser) record(out *Output, raw []byte, line int64) error {
	var r resolverRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return out.Fail(raw, lineError(line, err))
	}
	d := out.Doc()
	if err := mapResolver(d, &r); err != nil {
		return out.Fail(raw, lineError(line, err))
	}
	p.aws.reset()
	d.AWS = p.aws.build(raw)
	return out.Emit(d)
}

func mapResolver(d *ecs.Document, r *resolverRecord) error {
	if r.QueryTimestamp == "" {
		return fmt.Errorf("record has no query_timestamp")
	}
	ts, err := parseJSONTime(r.QueryTimestamp)
	if err != nil {
		return fmt.Errorf("query_timestamp: %w", err)
	}
	d.Timestamp = ts
	d.Event.Category = categoryNetwork
	d.Event.Type = typeProtocol
	d.Network.Protocol = "dns"
	d.Network.Transport = strings.ToLower(r.Transport)
	d.DNS.QuestionName = strings.TrimSuffix(r.QueryName, ".")
	d.DNS.QuestionType = r.QueryType
	d.DNS.QuestionClass = r.QueryClass
	d.DNS.ResponseCode = r.Rcode
	for _, a := range r.Answers {
		if a.Rdata != "" {
			d.DNS.Answers = append(d.DNS.Answers, a.Rdata)
		}
	}
	addRelatedIP(d, setEndpoint(&d.Source, r.SrcAddr))
	d.Network.Type = ipNetworkType(d.Source.IP)
	if r.SrcPort != "" {
		port, ok := parseDecimal(r.SrcPort)
		if !ok || port > 65535 {
			return fmt.Errorf("srcport %q is not a port number", r.SrcPort)
		}
		d.Source.Port = port
	}
	if r.AccountID != "" {
		d.Cloud.AccountID = r.AccountID
	}
	if r.Region != "" {
		d.Cloud.Region = r.Region
	}
	d.Cloud.InstanceID = r.SrcIDs.Instance
	d.Observer = ecs.Observer{Vendor: "AWS", Product: "Route 53 Resolver", Type: "dns", ID: r.VPCID}
	if r.FirewallRuleAction != "" {
		d.Event.Action = r.FirewallRuleAction
		d.Rule.Ruleset = r.FirewallRuleGroupID
		d.Rule.ID = r.FirewallDomainListID
	}
	return nil
}

// publicLine maps one public DNS query log line inside an archived object.
func (p *resolverParser) publicLine(out *Output, raw []byte, line int64) error {
	d := out.Doc()
	awsObj, err := p.mapPublicDNS(d, raw)
	if err != nil {
		return out.Fail(raw, lineError(line, err))
	}
	d.AWS = awsObj
	return out.Emit(d)
}

// publicDNSMessage maps one public DNS query log line delivered through
// CloudWatch Logs (log groups /aws/route53/<zone>) into d, which the
// CloudWatch Logs router has pre-filled. It sets d.Type.
func publicDNSMessage(msg []byte, d *ecs.Document) error {
	var p resolverParser
	d.Type = "route53resolver"
	d.Event.Dataset = "aws.route53resolver"
	awsObj, err := p.mapPublicDNS(d, msg)
	if err != nil {
		return err
	}
	d.AWS = awsObj
	return nil
}

// publicDNSFields are the fields of a public DNS query log line, in order,
// as written to aws.route53resolver (names shared with the Resolver format
// where the meaning is the same).
var publicDNSFields = [...]string{"version", "query_timestamp", "hosted_zone_id", "query_name", "query_type", "rcode", "transport", "edge_location", "resolver_ip", "edns_client_subnet"}

func (p *resolverParser) mapPublicDNS(d *ecs.Document, raw []byte) ([]byte, error) {
	var err error
	p.fields, err = splitSpaced(strings.TrimSpace(string(raw)), p.fields[:0])
	if err != nil {
		return nil, err
	}
	f := p.fields
	if len(f) != len(publicDNSFields) {
		return nil, fmt.Errorf("public DNS query log line has %d fields, want %d", len(f), len(publicDNSFields))
	}
	if !strings.HasPrefix(f[0], "1.") {
		return nil, fmt.Errorf("public DNS query log version %q is not 1.x", f[0])
	}
	ts, err := parseJSONTime(f[1])
	if err != nil {
		return nil, fmt.Errorf("query timestamp: %w", err)
	}
	d.Timestamp = ts
	d.Event.Category = categoryNetwork
	d.Event.Type = typeProtocol
	d.Network.Protocol = "dns"
	d.Network.Transport = strings.ToLower(f[6])
	d.DNS.QuestionName = strings.TrimSuffix(f[3], ".")
	d.DNS.QuestionType = f[4]
	d.DNS.ResponseCode = f[5]
	addRelatedIP(d, setEndpoint(&d.Source, f[8]))
	d.Network.Type = ipNetworkType(d.Source.IP)
	d.Observer = ecs.Observer{Vendor: "AWS", Product: "Route 53", Type: "dns", Name: f[7], ID: f[2]}
	p.text.reset()
	for i, name := range publicDNSFields {
		p.text.str(name, f[i])
	}
	return p.text.bytes(), nil
}

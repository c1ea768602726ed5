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
// dns.response_code, event.outcome (NOERROR success, any other rcode such
// as NXDOMAIN or SERVFAIL failure), dns.answers.{data,type,class} (Rdata
// without the trailing root dot, Type, Class), related.ip (answer
// addresses and the source), related.hosts (the question and answer
// names), source.ip/port (the querying
// instance; for public DNS, the resolver that asked Route 53),
// network.transport, cloud.account.id/region, cloud.instance.id
// (srcids.instance). A DNS Firewall match sets event.action to the rule
// action (ALERT, BLOCK, ALLOW), rule.ruleset to the rule group and rule.id
// to the domain list; a BLOCK adds event.type denied. Every aws.route53resolver field is a keyword;
// answers may be one object or a list of them (both map alike).

import (
	"errors"
	"fmt"
	"strings"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// The values of a Resolver query log record the mapping reads (slots of
// resolverShape).
const (
	r53AccountID = iota
	r53Region
	r53VPCID
	r53QueryTimestamp
	r53QueryName
	r53QueryType
	r53QueryClass
	r53Rcode
	r53Answers
	r53SrcAddr
	r53SrcPort
	r53Transport
	r53Instance
	r53FirewallRuleGroupID
	r53FirewallRuleAction
	r53FirewallDomainListID
)

// resolverShape checks every declared aws.route53resolver field (see
// jsonshape.go); answers may be one object or a list of them.
var resolverShape = newRecordShape("route53resolver", shapeSpec{
	lists: map[string]arity{"answers": oneOrList},
	slots: []string{
		r53AccountID:            "account_id",
		r53Region:               "region",
		r53VPCID:                "vpc_id",
		r53QueryTimestamp:       "query_timestamp",
		r53QueryName:            "query_name",
		r53QueryType:            "query_type",
		r53QueryClass:           "query_class",
		r53Rcode:                "rcode",
		r53Answers:              "answers",
		r53SrcAddr:              "srcaddr",
		r53SrcPort:              "srcport",
		r53Transport:            "transport",
		r53Instance:             "srcids.instance",
		r53FirewallRuleGroupID:  "firewall_rule_group_id",
		r53FirewallRuleAction:   "firewall_rule_action",
		r53FirewallDomainListID: "firewall_domain_list_id",
	},
})

var (
	typeProtocol       = []string{"protocol"}
	typeProtocolDenied = []string{"protocol", "denied"}
)

// dnsOutcome maps a DNS response code (RFC 1035 and RFC 6895 names, as
// Route 53 writes them) to event.outcome: NOERROR succeeded, any other code
// (NXDOMAIN, SERVFAIL, REFUSED, ...) failed, none is unknown.
func dnsOutcome(rcode string) string {
	switch rcode {
	case "":
		return ""
	case "NOERROR":
		return "success"
	}
	return "failure"
}

// addRelatedHost appends a host name to related.hosts.
func addRelatedHost(d *ecs.Document, host string) {
	if host != "" {
		d.Related.Hosts = append(d.Related.Hosts, host)
	}
}

// resolverParser keeps the buffers reused across the records of an object.
type resolverParser struct {
	aws     *awsObject
	rec     shapeValues
	relIP   []string        // related.ip of the current document
	hosts   []string        // related.hosts of the current document
	answers []ecs.DNSAnswer // dns.answers of the current document
	text    textObject
	fields  []string
}

func parseRoute53Resolver(in *Input, out *Output) error {
	p := &resolverParser{aws: newAWSObject("route53resolver")}
	return readJSONRecords(in, out, false, p.record, p.publicLine)
}

func (p *resolverParser) record(out *Output, raw []byte, line int64) error {
	if err := resolverShape.read(raw, &p.rec); err != nil {
		return out.Fail(raw, lineError(line, err))
	}
	d := out.Doc()
	// The document is reused once emitted: so are its lists.
	d.Related.IP, d.Related.Hosts, d.DNS.Answers = p.relIP[:0], p.hosts[:0], p.answers[:0]
	if err := mapResolver(d, &p.rec); err != nil {
		return out.Fail(raw, lineError(line, err))
	}
	p.relIP, p.hosts, p.answers = d.Related.IP, d.Related.Hosts, d.DNS.Answers
	p.aws.reset()
	d.AWS = p.aws.build(raw)
	return out.Emit(d)
}

func mapResolver(d *ecs.Document, r *shapeValues) error {
	str := func(slot int) string { return r.str(r.val(slot)) }
	qts := str(r53QueryTimestamp)
	if qts == "" {
		return errors.New("record has no query_timestamp")
	}
	ts, err := parseJSONTime(qts)
	if err != nil {
		return fmt.Errorf("query_timestamp: %w", err)
	}
	d.Timestamp = ts
	d.Event.Category = categoryNetwork
	d.Event.Type = typeProtocol
	d.Network.Protocol = "dns"
	d.Network.Transport = lowerTransport(str(r53Transport))
	d.DNS.QuestionName = strings.TrimSuffix(str(r53QueryName), ".")
	d.DNS.QuestionType = str(r53QueryType)
	d.DNS.QuestionClass = str(r53QueryClass)
	d.DNS.ResponseCode = str(r53Rcode)
	d.Event.Outcome = dnsOutcome(d.DNS.ResponseCode)
	addRelatedHost(d, d.DNS.QuestionName)
	answer := func(a jsonSpan) bool {
		var ans ecs.DNSAnswer
		r.members(a, func(name []byte, v jsonSpan) bool {
			switch string(name) {
			case "Rdata":
				ans.Data = strings.TrimSuffix(r.str(v), ".")
			case "Type":
				ans.Type = r.str(v)
			case "Class":
				ans.Class = r.str(v)
			}
			return true
		})
		if ans != (ecs.DNSAnswer{}) {
			d.DNS.Answers = append(d.DNS.Answers, ans)
			// An address answer is a related IP; a name (CNAME, ...) a
			// related host.
			if ip := validIP(ans.Data); ip != "" {
				addRelatedIP(d, ip)
			} else {
				addRelatedHost(d, ans.Data)
			}
		}
		return true
	}
	if answers := r.val(r53Answers); r.has(answers) && r.raw[answers.lo] == '{' {
		answer(answers)
	} else {
		r.elements(answers, answer)
	}
	addRelatedIP(d, setEndpoint(&d.Source, str(r53SrcAddr)))
	d.Network.Type = ipNetworkType(d.Source.IP)
	if sp := str(r53SrcPort); sp != "" {
		port, ok := parseDecimal(sp)
		if !ok || port > 65535 {
			return fmt.Errorf("srcport %q is not a port number", sp)
		}
		d.Source.Port = port
	}
	if a := str(r53AccountID); a != "" {
		d.Cloud.AccountID = a
	}
	if rg := str(r53Region); rg != "" {
		d.Cloud.Region = rg
	}
	d.Cloud.InstanceID = str(r53Instance)
	d.Observer = ecs.Observer{Vendor: "AWS", Product: "Route 53 Resolver", Type: "dns", ID: str(r53VPCID)}
	if action := str(r53FirewallRuleAction); action != "" {
		d.Event.Action = action
		if action == "BLOCK" {
			// The query was refused by DNS Firewall: denied, and it did
			// not get its answer whatever the response code says.
			d.Event.Type = typeProtocolDenied
			d.Event.Outcome = "failure"
		}
		d.Rule.Ruleset = str(r53FirewallRuleGroupID)
		d.Rule.ID = str(r53FirewallDomainListID)
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
	d.Event.Outcome = dnsOutcome(f[5])
	addRelatedHost(d, d.DNS.QuestionName)
	addRelatedIP(d, setEndpoint(&d.Source, f[8]))
	d.Network.Type = ipNetworkType(d.Source.IP)
	d.Observer = ecs.Observer{Vendor: "AWS", Product: "Route 53", Type: "dns", Name: f[7], ID: f[2]}
	p.text.reset()
	for i, name := range publicDNSFields {
		p.text.str(name, f[i])
	}
	return p.text.bytes(), nil
}

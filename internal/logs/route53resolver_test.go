package logs

import (
	"os"
	"testing"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

func init() {
	corpusKnownBad["route53_resolver/panther-analysis/_extracted/AWS.VPCDns.test-events.ndjson"] = "Panther rule test events that are not Route 53 records: " +
		"lines 9-10 are OCSF DNS Activity, 14-15/18-19 CrowdStrike DNS requests, 16-17 Cisco Umbrella (no query_timestamp)"
}

func TestRoute53ResolverFields(t *testing.T) {
	checkFieldCases(t, "route53resolver", []fieldCase{
		{"a Resolver query maps question, answers, source and cloud",
			`{"version":"1.100000","account_id":"626345947581","region":"us-east-1","vpc_id":"vpc-01e31a7c","query_timestamp":"2021-12-11T22:46:23Z","query_name":"159.86.31.172.in-addr.arpa.","query_type":"PTR","query_class":"IN","rcode":"NOERROR","answers":[{"Rdata":"ip-172-31-86-159.ec2.internal.","Type":"PTR","Class":"IN"}],"srcaddr":"172.31.86.159","srcport":"47924","transport":"UDP","srcids":{"instance":"i-0d15cd0d3example"}}`,
			map[string]any{"@timestamp": "2021-12-11T22:46:23Z", "dns.question.name": "159.86.31.172.in-addr.arpa", "dns.question.type": "PTR", "dns.question.class": "IN",
				"dns.response_code": "NOERROR", "dns.answers": "[map[class:IN data:ip-172-31-86-159.ec2.internal type:PTR]]", "source.ip": "172.31.86.159",
				"related.hosts": "[159.86.31.172.in-addr.arpa ip-172-31-86-159.ec2.internal]", "related.ip": "[172.31.86.159]", "event.outcome": "success", "source.port": "47924",
				"network.transport": "udp", "network.protocol": "dns", "cloud.account.id": "626345947581", "cloud.region": "us-east-1", "cloud.instance.id": "i-0d15cd0d3example",
				"event.action": nil, "aws.route53resolver.query_name": "159.86.31.172.in-addr.arpa."}},
		{"a DNS Firewall block names the action, rule group and domain list",
			`{"srcaddr":"4.5.64.102","vpc_id":"vpc-7example","answers":[],"firewall_rule_group_id":"rslvr-frg-01","firewall_rule_action":"BLOCK","query_name":"bad.example.","firewall_domain_list_id":"rslvr-fdl-01","query_class":"IN","srcids":{"instance":"i-0d15cd0d3example"},"rcode":"NOERROR","query_type":"A","transport":"UDP","version":"1.100000","account_id":"111122223333","srcport":"56067","query_timestamp":"2021-02-04T17:51:55Z","region":"us-east-1"}`,
			map[string]any{"event.action": "BLOCK", "rule.ruleset": "rslvr-frg-01", "rule.id": "rslvr-fdl-01", "dns.answers": nil,
				"event.type": "[protocol denied]"}},
		{"an ALERT leaves event.type protocol",
			`{"firewall_rule_action":"ALERT","query_name":"bad.example.","rcode":"NOERROR","query_timestamp":"2021-02-04T17:51:55Z"}`,
			map[string]any{"event.type": "[protocol]", "event.action": "ALERT"}},
		{"NXDOMAIN is a failure",
			`{"query_name":"nope.example.","rcode":"NXDOMAIN","query_timestamp":"2021-02-04T17:51:55Z","answers":[]}`,
			map[string]any{"event.outcome": "failure", "dns.response_code": "NXDOMAIN", "related.hosts": "[nope.example]"}},
		{"SERVFAIL is a failure",
			`{"query_name":"broken.example.","rcode":"SERVFAIL","query_timestamp":"2021-02-04T17:51:55Z"}`,
			map[string]any{"event.outcome": "failure"}},
		{"a CNAME chain: names to related.hosts, addresses to related.ip, no trailing dots",
			`{"query_name":"www.example.com.","query_type":"A","rcode":"NOERROR","query_timestamp":"2021-02-04T17:51:55Z","answers":[{"Rdata":"web.example.net.","Type":"CNAME","Class":"IN"},{"Rdata":"2001:db8::5","Type":"AAAA","Class":"IN"}],"srcaddr":"10.0.0.9"}`,
			map[string]any{"dns.answers": "[map[class:IN data:web.example.net type:CNAME] map[class:IN data:2001:db8::5 type:AAAA]]",
				"related.hosts": "[www.example.com web.example.net]", "related.ip": "[2001:db8::5 10.0.0.9]"}},
		{"a single answer object maps like a list of one",
			`{"account_id":"0123456789","answers":{"Class":"IN","Rdata":"1.2.3.4","Type":"A"},"query_name":"moneropool.ru","query_timestamp":"2022-06-25 00:27:53","query_type":"A","srcaddr":"5.6.7.8","srcport":"8888","transport":"UDP"}`,
			map[string]any{"@timestamp": "2022-06-25T00:27:53Z", "dns.answers": "[map[class:IN data:1.2.3.4 type:A]]", "aws.route53resolver.answers.Rdata": "1.2.3.4"}},
		{"a public DNS query log line maps resolver, edge location and hosted zone",
			"1.0 2017-12-13T08:15:50.235Z Z123412341234 example.com AAAA NOERROR TCP IAD12 2001:db8::1234 2001:db8:abcd::/48\n",
			map[string]any{"@timestamp": "2017-12-13T08:15:50.235Z", "dns.question.name": "example.com", "dns.question.type": "AAAA", "dns.response_code": "NOERROR",
				"network.transport": "tcp", "network.type": "ipv6", "source.ip": "2001:db8::1234", "observer.name": "IAD12", "observer.id": "Z123412341234",
				"aws.route53resolver.edns_client_subnet": "2001:db8:abcd::/48", "aws.route53resolver.hosted_zone_id": "Z123412341234",
				"event.outcome": "success", "related.hosts": "[example.com]"}},
		{"an absent EDNS client subnet is left out",
			"1.0 2017-12-13T08:16:02.130Z Z123412341234 example.com A NOERROR UDP Region 192.168.1.1 -\n",
			map[string]any{"aws.route53resolver.edns_client_subnet": nil, "source.ip": "192.168.1.1"}},
	})
}

func TestPublicDNSMessage(t *testing.T) {
	d := ecs.Document{Type: "cloudwatchlogs"}
	if err := publicDNSMessage([]byte("1.0 2017-12-13T08:16:05.744Z Z123412341234 txt.example.com TXT NOERROR UDP Region 192.168.1.2 -"), &d); err != nil {
		t.Fatal(err)
	}
	if d.Type != "route53resolver" || d.DNS.QuestionName != "txt.example.com" || d.Timestamp.IsZero() || len(d.AWS) == 0 {
		t.Errorf("mapped %+v", d)
	}
	if err := publicDNSMessage([]byte(`{"query_name":"x"}`), &ecs.Document{}); err == nil {
		t.Error("a JSON message was accepted as a public DNS line")
	}
}

func FuzzRoute53Resolver(f *testing.F) {
	for _, seed := range fuzzSeeds(f, "route53resolver") {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzJSONType(t, "route53resolver", data)
		_ = publicDNSMessage(data, &ecs.Document{})
	})
}

func BenchmarkRoute53Resolver(b *testing.B) {
	data, err := os.ReadFile("testdata/route53resolver/resolver.log")
	if err != nil {
		b.Fatal(err)
	}
	benchNormalize(b, "route53resolver", repeatToSize("", string(data), 4<<20))
}

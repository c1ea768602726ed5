package logs

import (
	"strings"
	"testing"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

func init() {
	corpusNonEventSkips["blank-line"] = true
	corpusKnownBad["vpcflow/awsdocs-amazon-vpc-user-guide/_extracted/flow-logs-records-examples.flow-log-example-tgw.log"] =
		`the documentation example elides records with a "..." line`
	corpusKnownBad["vpcflow/awsdocs-amazon-vpc-user-guide/_extracted/flow-logs-records-examples.flow-log-example-nat.log"] =
		"the documentation's custom format has neither start nor end: its records have no time to index them by"
	corpusKnownBad["vpcflow/otel-collector-contrib/vpc-flow-log/testdata/valid_vpc_flow_cw_custom.json"] =
		"a CloudWatch Logs subscription payload (routed by the cloudwatchlogs type), not a flow log object; " +
			"its 4-field custom format has no header, so even the router cannot name its columns"
	if elasticDifferences["vpcflow"] == nil {
		elasticDifferences["vpcflow"] = map[string]string{}
	}
	elasticDifferences["vpcflow"]["@timestamp"] = "we take @timestamp from start (first packet of the aggregation interval), " +
		"Elastic from end; both stay in aws.vpcflow.start/end"
	elasticDifferences["vpcflow"]["event.action"] = "we set event.action allowed/denied from action; Elastic sets none"
}

func TestVPCFlowFields(t *testing.T) {
	checkFieldCases(t, "vpcflow", []fieldCase{
		{"a default-format ACCEPT record maps to ECS", "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n",
			map[string]any{
				"@timestamp": "2014-12-14T04:06:50Z", "source.ip": "172.31.16.139", "source.port": 20641,
				"destination.ip": "172.31.16.21", "destination.port": 22, "network.transport": "tcp",
				"network.iana_number": "6", "network.bytes": 4249, "network.packets": 20, "network.type": "ipv4",
				"event.action": "allowed", "event.outcome": "success", "cloud.account.id": "123456789010",
				"aws.vpcflow.interface_id": "eni-1235b8ca123456789", "aws.vpcflow.log_status": "OK",
				"aws.vpcflow.version": "2", "aws.vpcflow.start": "1418530010", "aws.vpcflow.end": "1418530070",
			}},
		{"a REJECT is denied and a failure", "2 123456789010 eni-1 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK\n",
			map[string]any{"event.action": "denied", "event.outcome": "failure", "event.type": "[connection denied]"}},
		{"IPv6 addresses are IPs and the network type is ipv6",
			"2 123456789010 eni-1 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 ACCEPT OK\n",
			map[string]any{"source.ip": "2001:db8:1234:a100:8d6e:3477:df66:f105", "network.type": "ipv6"}},
		{"a NODATA record has no addresses, action or outcome", "2 123456789010 eni-1 - - - - - - - 1431280876 1431280934 - NODATA\n",
			map[string]any{"source.ip": nil, "event.action": nil, "event.outcome": nil, "aws.vpcflow.log_status": "NODATA",
				"aws.vpcflow.srcaddr": nil, "@timestamp": "2015-05-10T18:01:16Z"}},
		{"the header drives a custom v5 format",
			"region account-id start end srcaddr dstaddr action flow-direction instance-id pkt-src-aws-service\n" +
				"eu-west-1 111122223333 1616729292 1616729349 10.0.0.1 52.95.128.179 ACCEPT egress i-0c50d5961bcb2d47b -\n",
			map[string]any{"cloud.region": "eu-west-1", "cloud.account.id": "111122223333", "network.direction": "egress",
				"cloud.instance.id": "i-0c50d5961bcb2d47b", "aws.vpcflow.flow_direction": "egress",
				"aws.vpcflow.pkt_src_aws_service": nil, "source.port": nil}},
		{"record values win over the key's account and region",
			"version account-id region start\n5 444455556666 ap-south-1 1616729292\n",
			map[string]any{"cloud.account.id": "444455556666", "cloud.region": "ap-south-1"}},
		{"a record without start takes its time from end", "end srcaddr\n1616729349 10.0.0.1\n",
			map[string]any{"@timestamp": "2021-03-26T03:29:09Z"}},
		{"pkt addresses are related IPs", "start srcaddr dstaddr pkt-srcaddr pkt-dstaddr\n1616729292 10.0.0.1 10.0.0.2 10.0.0.1 203.0.113.5\n",
			map[string]any{"related.ip": "[10.0.0.1 10.0.0.2 203.0.113.5]"}},
		{"unknown protocol numbers keep the IANA number only", "start protocol\n1616729292 253\n",
			map[string]any{"network.iana_number": "253", "network.transport": nil}},
		{"the Transit Gateway default format is recognised without a header",
			"6 TransitGateway 748335378900 tgw-0a1 tgw-attach-07 1 2 vpc-1 vpc-2 s-1 s-2 eni-1 eni-2 use1-az1 use1-az2 tgw-attach-0 10.1.2.3 10.4.5.6 39464 22 6 49 8947 1755592533 1755592558 OK IPv4 0 0 0 0 18 us-east-1 ingress - -\n",
			map[string]any{"aws.vpcflow.tgw_id": "tgw-0a1", "aws.vpcflow.resource_type": "TransitGateway", "cloud.account.id": "748335378900",
				"cloud.region": "us-east-1", "network.direction": "ingress", "source.port": 39464}},
	})
}

func TestVPCFlowErrors(t *testing.T) {
	tests := []struct{ name, input, want string }{
		{"a record shorter than the header", "version start end\n2 1418530010\n", "2 fields, the header names 3"},
		{"a record longer than the header", "version start\n2 1418530010 x\t y\n", "4 fields, the header names 2"},
		{"a bad value in a record of the wrong length reports the length", "start srcport\nyesterday http extra\n", "3 fields, the header names 2"},
		{"a bad value of the last field in a record of the right length", "srcport start\n22 yesterday\n", `field start: "yesterday" is not a Unix time`},
		{"a non-numeric port", "start srcport\n1418530010 http\n", `field srcport: "http" is not a non-negative integer`},
		{"a non-numeric time", "start\nyesterday\n", `field start: "yesterday" is not a Unix time`},
		{"a time past year 9999", "end\n253402300800\n", `field end: "253402300800" is not a Unix time`},
		{"an unknown header-less layout", "2 123456789010 eni-1\n", "no header line and 3 fields match no default"},
		{"a format without times", "srcaddr dstaddr\n10.0.0.1 10.0.0.2\n", "neither start nor end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := normalizeBytes(t, "vpcflow", "key", []byte(tt.input))
			msgs := r.errorMessages()
			if len(msgs) != 1 || !strings.Contains(msgs[0], tt.want) {
				t.Fatalf("errors %q, want one containing %q", msgs, tt.want)
			}
		})
	}
}

func TestVPCFlowHeaderIsSkippedNotIndexed(t *testing.T) {
	r := normalizeBytes(t, "vpcflow", "key", []byte("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"+
		"2 123456789012 eni-0 10.26.1.153 3.239.232.29 60220 443 6 48 21869 1669842701 1669842702 ACCEPT OK\n"))
	if r.stats.Records != 2 || r.stats.Skipped["header"] != 1 || r.stats.Documents != 1 {
		t.Fatalf("stats %+v", r.stats)
	}
	if r.docs[0].Position != 1 {
		t.Errorf("the record is at position %d, want 1 (the header is record 0)", r.docs[0].Position)
	}
}

func TestVPCFlowDataLineIsNotAHeader(t *testing.T) {
	// Every value is lower-case letters and hyphens, but none is a field name.
	r := normalizeBytes(t, "vpcflow", "key", []byte("flow-direction start\negress 1616729292\n"))
	if r.stats.Documents != 1 || r.stats.Skipped["header"] != 1 {
		t.Fatalf("stats %+v", r.stats)
	}
	if !isVPCHeader(strings.Fields("version account-id custom-future-field")) {
		t.Error("a header with an unknown future field is not recognised")
	}
	if isVPCHeader(strings.Fields("ingress us-east-1")) {
		t.Error("a data line of lower-case values is taken for a header")
	}
}

func TestVPCFlowMessage(t *testing.T) {
	tests := []struct {
		name    string
		msg     string
		wantErr string
		check   func(t *testing.T, d *ecs.Document)
	}{
		{"a default-format line delivered through CloudWatch Logs", "2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK", "",
			func(t *testing.T, d *ecs.Document) {
				// The interface owner (account-id) does not override the
				// account of the source the line came through.
				if d.Source.IP != "172.31.9.69" || d.Destination.Port != 3389 || d.Event.Outcome != "failure" || d.Cloud.AccountID != "from-router" {
					t.Errorf("document %+v", d)
				}
				if d.Timestamp.Unix() != 1418530010 || d.Event.Start.Unix() != 1418530010 || d.Event.End.Unix() != 1418530070 {
					t.Errorf("@timestamp %v, event.start %v, event.end %v", d.Timestamp, d.Event.Start, d.Event.End)
				}
				if !strings.Contains(string(d.AWS), `"interface_id":"eni-1235b8ca123456789"`) {
					t.Errorf("aws object %s", d.AWS)
				}
			}},
		{"a trailing newline is ignored", "2 1 eni-1 - - - - - - - 1431280876 1431280934 - NODATA\n", "",
			func(t *testing.T, d *ecs.Document) {
				if !strings.Contains(string(d.AWS), `"log_status":"NODATA"`) {
					t.Errorf("aws object %s", d.AWS)
				}
			}},
		{"a custom format without header cannot be mapped", "2 eni-1235b8ca123456789 172.31.16.139 172.31.16.21", "4 fields match no default", nil},
		{"a bad number is an error", "2 123456789010 eni-1 10.0.0.1 10.0.0.2 x 22 6 20 4249 1418530010 1418530070 ACCEPT OK", "field srcport", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &ecs.Document{Cloud: ecs.Cloud{AccountID: "from-router"}}
			err := vpcFlowMessage([]byte(tt.msg), d)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, d)
		})
	}
}

func FuzzVPCFlow(f *testing.F) {
	f.Add([]byte("2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n"))
	f.Add([]byte("version srcaddr start\n5 2001:db8::1 1616729292\n\n5 - -\n"))
	f.Add([]byte("2 1 eni-1 - - - - - - - 1431280876 1431280934 - NODATA"))
	f.Add([]byte("start end\n-1 99999999999999999999\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzTextType(t, "vpcflow", data)
		_ = vpcFlowMessage(data, &ecs.Document{})
	})
}

func BenchmarkVPCFlow(b *testing.B) {
	data := repeatToSize("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n",
		"2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n"+
			"2 123456789010 eni-1235b8ca123456789 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 REJECT OK\n",
		4<<20)
	benchText(b, "vpcflow", data)
}

func BenchmarkVPCFlowV5(b *testing.B) {
	data := repeatToSize("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path\n",
		"5 123456789012 eni-069b1bd8e2ea8b490 89.160.20.156 10.200.0.0 50041 33004 17 52 1 1640000066 1640000297 REJECT OK vpc-09676f97aaaab8a7 subnet-02d645aaaadbc0 i-0a1b2c3d4e5f1ad77 1 IPv4 89.160.20.156 10.200.0.80 us-east-1 use1-az5 - - AMAZON CLOUDFRONT ingress 1\n",
		4<<20)
	benchText(b, "vpcflow", data)
}

func TestVPCFlowRepeatedHeaderFieldsStayIndexable(t *testing.T) {
	r := normalizeBytes(t, "vpcflow", "key", []byte("start srcaddr srcaddr\n1616729292 10.0.0.1 10.0.0.2\n"))
	if r.stats.Documents != 1 {
		t.Fatalf("stats %+v", r.stats)
	}
	m := docJSON(t, &r.docs[0])
	for path, want := range map[string]string{"aws.vpcflow.srcaddr": "10.0.0.1", "aws.vpcflow.srcaddr_2": "10.0.0.2", "source.ip": "10.0.0.1"} {
		if got, _ := lookup(m, path); got != want {
			t.Errorf("%s = %v, want %s", path, got, want)
		}
	}
}

// BenchmarkVPCFlowRecord measures the parser alone (split and map one
// line onto a document, no Output, no JSON): the part vpcflow.go owns.
func BenchmarkVPCFlowRecord(b *testing.B) {
	header := "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
	lines := [][]byte{
		[]byte("2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK"),
		[]byte("2 123456789010 eni-1235b8ca123456789 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 REJECT OK"),
	}
	p := &vpcParser{layout: newVPCLayout(strings.Fields(header))}
	var d ecs.Document
	b.SetBytes(int64(len(lines[0])+len(lines[1])) / 2)
	b.ReportAllocs()
	for i := range b.N {
		line := lines[i&1]
		s := string(line)
		d = ecs.Document{}
		if err := p.record(&d, s, p.layout); err != nil {
			b.Fatal(err)
		}
	}
}

package logs

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func init() {
	elasticDifferences["networkfirewall"] = map[string]string{
		"@timestamp":   "we keep event.timestamp's microseconds; Elastic truncates to milliseconds (TestNetworkFirewallMatchesElasticToTheMillisecond checks the rest)",
		"event.action": "we set event.action from alert.action (allowed, blocked); Elastic leaves it unset",
		"count": "elastic-integrations/test-firewall.log has three valid records but its -expected.json only the first two " +
			"(the third, a TLS alert, has no expected entry); the records Elastic has are compared field by field",
	}
}

func TestNetworkFirewallFields(t *testing.T) {
	checkFieldCases(t, "networkfirewall", []fieldCase{
		{"a blocked HTTP alert maps rule, action, endpoints and the request",
			`{"firewall_name":"AWSNetworkFirewall","availability_zone":"us-east-2a","event_timestamp":"1636381332","event":{"timestamp":"2021-11-08T14:22:12.637611+0000","flow_id":706471429191862,"event_type":"alert","src_ip":"81.2.69.143","src_port":51254,"dest_ip":"216.160.83.57","dest_port":80,"proto":"TCP","alert":{"action":"blocked","signature_id":1000003,"rev":1,"signature":"Deny all other TCP traffic","category":"","severity":3},"http":{"hostname":"216.160.83.57","url":"/a?b=c","http_user_agent":"Mozilla/5.0","http_method":"GET","protocol":"HTTP/1.1","length":0},"app_proto":"http"}}`,
			map[string]any{"@timestamp": "2021-11-08T14:22:12.637611Z", "event.kind": "alert", "event.action": "blocked", "event.type": "[connection denied]", "event.severity": "3",
				"rule.id": "1000003", "rule.name": "Deny all other TCP traffic", "source.ip": "81.2.69.143", "source.port": "51254", "destination.ip": "216.160.83.57",
				"destination.port": "80", "network.transport": "tcp", "network.protocol": "http", "http.request.method": "GET", "http.version": "1.1",
				"url.original": "/a?b=c", "url.path": "/a", "url.query": "b=c", "url.domain": "216.160.83.57", "user_agent.original": "Mozilla/5.0",
				"observer.name": "AWSNetworkFirewall", "cloud.region": "us-east-2", "aws.networkfirewall.event.http.length": "0"}},
		{"a flow record maps bytes and packets and stays an event",
			`{"firewall_name":"fw","availability_zone":"us-gov-west-1b","event_timestamp":"1636395643","event":{"timestamp":"2021-11-08T18:20:43.324542+0000","flow_id":625409144331688,"event_type":"netflow","src_ip":"216.160.83.61","src_port":61953,"dest_ip":"89.160.20.156","dest_port":5060,"proto":"TCP","netflow":{"pkts":1,"bytes":40,"start":"2021-11-08T18:18:11.990632+0000","end":"2021-11-08T18:18:11.990632+0000","age":0,"min_ttl":221,"max_ttl":221},"tcp":{"tcp_flags":"02","syn":true}}}`,
			map[string]any{"event.kind": "event", "event.action": nil, "network.bytes": "40", "network.packets": "1", "cloud.region": "us-gov-west-1",
				"aws.networkfirewall.event.tcp.syn": "true"}},
		{"a TLS alert with repeated keys keeps one of each and maps SNI and version",
			`{"firewall_name":"outbound","availability_zone":"eu-central-1a","event_timestamp":"1674225318","event":{"app_proto":"tls","src_ip":"216.160.83.61","src_port":5302,"event_type":"alert","alert":{"severity":3,"signature_id":4,"rev":0,"signature":"aws:alert_established action","action":"allowed","category":""},"flow_id":1829676028160453,"dest_ip":"89.160.20.156","proto":"TCP","tls":{"subject":"CN=a","issuerdn":"C=US","subject":"CN=b","sni":"sqs.eu-central-1.amazonaws.com","version":"TLS 1.2","ja3":{},"ja3s":{}},"dest_port":443,"timestamp":"2023-01-20T14:35:18.307095+0000"}}`,
			map[string]any{"tls.client.server_name": "sqs.eu-central-1.amazonaws.com", "tls.version": "1.2", "event.type": "[connection allowed]", "network.protocol": "tls",
				"aws.networkfirewall.event.tls.subject": "CN=b"}},
		{"only event_timestamp as ISO 8601 is accepted",
			`{"firewall_name":"test-firewall","availability_zone":"us-east-1a","event_timestamp":"2025-10-20T10:30:45.123Z","event":{"event_type":"tls","src_ip":"192.168.1.100","dest_ip":"10.0.1.52","proto":"TCP","sni":"example.com","tls":{"subject":"CN=example.com"}}}`,
			map[string]any{"@timestamp": "2025-10-20T10:30:45.123Z", "tls.client.server_name": "example.com"}},
	})
}

func TestSuricataTLSVersion(t *testing.T) {
	for in, want := range map[string]string{"TLS 1.2": "1.2", "TLS 1.3": "1.3", "TLSv1.1": "1.1", "SSLv3": "", "UNDETERMINED": "", "": ""} {
		if got := suricataTLSVersion(in); got != want {
			t.Errorf("suricataTLSVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRegionOfZone(t *testing.T) {
	for az, want := range map[string]string{"us-east-2a": "us-east-2", "us-gov-west-1b": "us-gov-west-1", "us-west-2-lax-1a": "us-west-2", "ap-southeast-2c": "ap-southeast-2", "use1-az1": "", "": ""} {
		if got := regionOfZone(az); got != want {
			t.Errorf("regionOfZone(%q) = %q, want %q", az, got, want)
		}
	}
}

// TestNetworkFirewallMatchesElasticToTheMillisecond checks the deliberate
// @timestamp difference listed in elasticDifferences: truncated to
// milliseconds, ours equals Elastic's for every record Elastic has.
func TestNetworkFirewallMatchesElasticToTheMillisecond(t *testing.T) {
	dir := filepath.Join(corpusRoot(t), "network_firewall", "elastic-integrations")
	r := normalizeFile(t, "networkfirewall", filepath.Join(dir, "test-firewall.log"), "test-firewall.log")
	data, err := os.ReadFile(filepath.Join(dir, "test-firewall.log-expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exp struct {
		Expected []struct {
			Timestamp time.Time `json:"@timestamp"`
		} `json:"expected"`
	}
	if err := json.Unmarshal(data, &exp); err != nil {
		t.Fatal(err)
	}
	if len(exp.Expected) == 0 || len(r.docs) < len(exp.Expected) {
		t.Fatalf("%d expected records, %d documents", len(exp.Expected), len(r.docs))
	}
	for i, e := range exp.Expected {
		if got := r.docs[i].Timestamp.Truncate(time.Millisecond); !got.Equal(e.Timestamp) {
			t.Errorf("record %d: @timestamp %v, Elastic %v", i, got, e.Timestamp)
		}
	}
}

func FuzzNetworkFirewall(f *testing.F) {
	for _, seed := range fuzzSeeds(f, "networkfirewall") {
		f.Add(seed)
	}
	f.Add([]byte(`{"event_timestamp":"1","event":{"tls":"x","http":[1],"alert":{"metadata":7}}}`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzJSONType(t, "networkfirewall", data) })
}

func BenchmarkNetworkFirewall(b *testing.B) {
	data, err := os.ReadFile("testdata/networkfirewall/firewall.log")
	if err != nil {
		b.Fatal(err)
	}
	benchNormalize(b, "networkfirewall", repeatToSize("", string(data), 4<<20))
}

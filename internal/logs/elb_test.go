package logs

import (
	"strings"
	"testing"
)

func init() {
	const docsCut = "the examples were extracted from the documentation's multi-line listings, which kept only each entry's first line"
	corpusKnownBad["elb/awsdocs-elb-application-load-balancers-user-guide/_extracted/alb-access-log-examples.log"] = docsCut
	corpusKnownBad["elb/awsdocs-elb-network-load-balancers-user-guide/_extracted/nlb-access-log-examples.log"] = docsCut
	corpusKnownBad["elb/aws-waf-security-automations/source/log_parser/test/test_data/XXXXXXXXXXXX_elasticloadbalancing_us-east-1_app.ApplicationLoadBalancer.fa87e1db7badc175_20230424T2110Z_X.X.X.X_4c8scnzy.log.gz"] =
		`the sample starts with a "#" line, which is no ELB log entry (ELB logs have no comment lines)`
}

const albHTTPLine = `http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-"` + "\n"

func TestELBFields(t *testing.T) {
	checkFieldCases(t, "elb", []fieldCase{
		{"an ALB HTTP entry maps to ECS", albHTTPLine, map[string]any{
			"@timestamp": "2018-07-02T22:23:00.186641Z", "source.ip": "192.168.131.39", "source.port": 2817,
			"destination.ip": "10.0.0.1", "destination.port": 80, "http.request.method": "GET", "http.version": "1.1",
			"http.response.status_code": 200, "http.request.bytes": 34, "http.response.bytes": 366,
			"url.original": "http://www.example.com:80/", "url.domain": "www.example.com", "url.port": 80, "url.path": "/",
			"user_agent.original": "curl/7.46.0", "observer.name": "app/my-loadbalancer/50dc6c495c0c9188",
			"observer.product": "Application Load Balancer", "event.outcome": "success", "event.category": "[web]",
			"aws.elb.type": "http", "aws.elb.trace_id": "Root=1-58337262-36d228ad5d99923122bbe354",
			"aws.elb.actions_executed": "forward", "aws.elb.target_port_list": "10.0.0.1:80",
			"aws.elb.ssl_cipher": nil, "aws.elb.domain_name": nil, "tls.version": nil,
		}},
		{"an ALB 5xx is a failure and a missing target is absent",
			`http 2018-07-02T22:23:00.186641Z app/lb/1 192.168.131.39:2817 - -1 -1 -1 502 - 34 366 "GET http://h:80/ HTTP/1.1" "-" - - - "Root=1" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "LambdaUnhandled"` + "\n",
			map[string]any{"event.outcome": "failure", "destination.ip": nil, "destination.address": nil, "user_agent.original": nil,
				"aws.elb.error_reason": "LambdaUnhandled", "aws.elb.target_processing_time": "-1"}},
		{"an NLB TLS entry maps to ECS",
			`tls 2.0 2020-04-01T08:51:42 net/my-network-loadbalancer/c6e77e28c25b2234 g3d4b5e8bb8464cd [2001:db8::42]:51341 172.100.100.185:443 5 2 98 246 - arn:aws:acm:us-east-2:671290407336:certificate/2a108f19 - ECDHE-RSA-AES128-SHA tlsv12 - my%2Dnlb.example.com h2 h2 "h2","http/1.1" 2020-04-01T08:51:20` + "\n",
			map[string]any{"@timestamp": "2020-04-01T08:51:42Z", "source.ip": "2001:db8::42", "source.port": 51341, "source.bytes": 98,
				"destination.bytes": 246, "tls.version": "1.2", "tls.cipher": "ECDHE-RSA-AES128-SHA", "tls.client.server_name": "my-nlb.example.com",
				"observer.product": "Network Load Balancer", "network.protocol": "tls", "event.category": "[network]",
				"aws.elb.alpn_client_preference_list": `"h2","http/1.1"`, "aws.elb.listener": "g3d4b5e8bb8464cd",
				"aws.elb.tls_connection_creation_time": "2020-04-01T08:51:20"}},
		{"a Classic HTTPS entry maps to ECS",
			`2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000086 0.001048 0.001337 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.38.0" DHE-RSA-AES128-SHA TLSv1.2` + "\n",
			map[string]any{"observer.product": "Classic Load Balancer", "observer.name": "my-loadbalancer", "url.scheme": "https",
				"tls.version": "1.2", "aws.elb.backend": "10.0.0.1:80", "aws.elb.backend_status_code": "200", "event.outcome": "success"}},
		{"a Classic TCP entry is a connection without HTTP fields",
			`2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.001069 0.000028 0.000041 - - 82 305 "- - - " "-" - -` + "\n",
			map[string]any{"event.category": "[network]", "http.request.method": nil, "url.original": nil, "event.outcome": nil,
				"http.request.bytes": 82, "aws.elb.request": "- - - "}},
		{"an ALB connection log entry maps to ECS",
			`2024-10-04T17:05:15.514108Z 2001:db8::7 36280 443 TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 - "CN=amazondomains.com,O=endEntity" NotBefore=2023-09-21T22:43:21Z;NotAfter=2026-06-17T22:43:21Z FEF257372D5C14D4 Failed:ClientCertUntrusted` + "\n",
			map[string]any{"source.ip": "2001:db8::7", "source.port": 36280, "destination.port": 443, "event.outcome": "failure",
				"aws.elb.leaf_client_cert_subject": "CN=amazondomains.com,O=endEntity", "aws.elb.tls_verify_status": "Failed:ClientCertUntrusted"}},
		{"fields newer than the parser are ignored",
			strings.TrimSuffix(albHTTPLine, "\n") + ` TID_1 "-" "-" "-" "future" "fields"` + "\n",
			map[string]any{"aws.elb.conn_trace_id": "TID_1", "event.outcome": "success"}},
	})
}

func TestELBKindIsDecidedByShape(t *testing.T) {
	tests := []struct {
		name  string
		first []string
		want  elbKind
	}{
		{"a line starting with tls is an NLB entry", []string{"tls", "2.0"}, elbNLB},
		{"a line starting with a request type is an ALB entry", []string{"h2", "2018-07-02T22:23:00Z"}, elbALB},
		{"an unknown request type is still an ALB entry", []string{"quic", "2018-07-02T22:23:00Z"}, elbALB},
		{"a time then a name is a Classic entry", []string{"2015-05-13T23:39:43.945958Z", "my-loadbalancer"}, elbClassic},
		{"a time then an IP is an ALB connection log entry", []string{"2024-10-04T17:05:15.514108Z", "192.168.131.39"}, elbALBConnection},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := elbKindOf(tt.first); got != tt.want {
				t.Errorf("elbKindOf(%q) = %v, want %v", tt.first, got, tt.want)
			}
		})
	}
}

func FuzzELB(f *testing.F) {
	f.Add([]byte(albHTTPLine))
	f.Add([]byte(`tls 2.0 2018-12-20T02:59:40 net/a/b g 72.21.218.154:51341 172.100.100.185:443 5 2 98 246 - arn - ECDHE tlsv12 - x - - -` + "\n"))
	f.Add([]byte(`2015-05-13T23:39:43.945958Z my-lb 192.168.131.39:2817 - -1 -1 -1 503 - 0 0 "GET http://h:80/ HTTP/1.1" "a \"b\"" - -`))
	f.Add([]byte(`2024-10-04T17:05:15.514108Z 192.168.131.39 36280 443 - - - "-" - - - TID` + "\n\n#\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzTextType(t, "elb", data) })
}

func BenchmarkELB(b *testing.B) {
	data := repeatToSize("", albHTTPLine+
		`https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/index.html?a=1 HTTP/1.1" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.190 Safari/537.36" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90`+"\n",
		4<<20)
	benchText(b, "elb", data)
}

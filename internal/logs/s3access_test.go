package logs

import (
	"testing"
	"time"
)

const s3DocLine = `79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be awsexamplebucket1 [06/Feb/2019:00:01:57 +0000] 192.0.2.3 79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be DD6CC733AEXAMPLE REST.PUT.OBJECT s3-dg.pdf "PUT /awsexamplebucket1/s3-dg.pdf HTTP/1.1" 200 - - 4406583 41754 28 "-" "S3Console/0.4" - 10S62Zv81kBW7BB6SX4XJ48o6kpcl6LPwEoizZQQxJd5qDSCTLX0TgS37kYUBKQW3+bPdrg1234= SigV4 ECDHE-RSA-AES128-SHA AuthHeader awsexamplebucket1.s3.us-west-1.amazonaws.com TLSV1.1` + "\n"

func TestS3AccessFields(t *testing.T) {
	checkFieldCases(t, "s3access", []fieldCase{
		{"a documented entry maps to ECS", s3DocLine, map[string]any{
			"@timestamp": "2019-02-06T00:01:57Z", "source.ip": "192.0.2.3",
			"user.id": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be", "user.name": nil,
			"cloud.region": "us-west-1", "event.duration": int64(41754 * time.Millisecond),
			"event.action": "REST.PUT.OBJECT", "event.outcome": "success", "event.id": "DD6CC733AEXAMPLE",
			"http.request.method": "PUT", "http.response.status_code": 200, "http.response.bytes": nil,
			"url.path": "/awsexamplebucket1/s3-dg.pdf", "url.domain": "awsexamplebucket1.s3.us-west-1.amazonaws.com",
			"user_agent.original": "S3Console/0.4", "tls.version": "1.1", "tls.cipher": "ECDHE-RSA-AES128-SHA",
			"aws.s3access.key": "s3-dg.pdf", "aws.s3access.object_size": "4406583", "aws.s3access.time": "06/Feb/2019:00:01:57 +0000",
			"aws.s3access.signature_version": "SigV4", "aws.s3access.version_id": nil,
		}},
		{"the newer trailing fields are kept and unknown later ones ignored",
			`o b [14/Jul/2021:18:57:31 +0000] - svc:delivery.logs.amazonaws.com MVGX REST.PUT.OBJECT k "PUT /k HTTP/1.1" 403 AccessDenied - 773 103 13 "-" "-" - hid SigV4 c AuthHeader h TLSv1.2 arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP Yes some-future-field` + "\n",
			map[string]any{"aws.s3access.access_point_arn": "arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP",
				"aws.s3access.acl_required": "Yes", "user.name": "svc:delivery.logs.amazonaws.com", "source.ip": nil,
				"event.outcome": "failure", "aws.s3access.error_code": "AccessDenied"}},
		{"quoted fields keep escaped quotes",
			`o b [06/Feb/2019:00:00:38 +0000] 2001:db8::3 - R REST.GET.OBJECT k "GET /b/k?x=\"y\" HTTP/1.1" 200 - 5 5 1 1 "https://r.example/" "agent \"q\"" -` + "\n",
			map[string]any{"url.query": `x="y"`, "user_agent.original": `agent "q"`, "http.request.referrer": "https://r.example/",
				"source.ip": "2001:db8::3", "user.name": nil}},
		{"a lifecycle action without status has no outcome",
			`o b [25/Mar/2025:19:28:02 +0000] - AmazonS3 366D S3.EXPIRE.OBJECT k "-" - - - 317 - - "-" "-" v h - - - - - - -` + "\n",
			map[string]any{"event.action": "S3.EXPIRE.OBJECT", "event.outcome": nil, "http.request.method": nil, "user.name": "AmazonS3"}},
		{"an IAM user requester: the ARN is user.id, the user name user.name and related.user",
			`o b [06/Feb/2019:00:00:38 +0000] 192.0.2.3 arn:aws:iam::123456789012:user/ops/alice R REST.GET.OBJECT k "GET /b/k HTTP/1.1" 200 - 5 5 12 1 "-" "-" - h SigV4 c AuthHeader b.s3-eu-west-1.amazonaws.com TLSv1.2` + "\n",
			map[string]any{"user.id": "arn:aws:iam::123456789012:user/ops/alice", "user.name": "alice", "related.user": "[alice]",
				"cloud.region": "eu-west-1", "event.duration": int64(12 * time.Millisecond)}},
		{"an assumed role requester: the role is user.name, as in CloudTrail",
			`o b [06/Feb/2019:00:00:38 +0000] 192.0.2.3 arn:aws:sts::123456789012:assumed-role/Deploy/i-0abc R REST.GET.OBJECT k "GET /b/k HTTP/1.1" 200 - 5 5 - 1 "-" "-" - h SigV4 c AuthHeader s3.amazonaws.com TLSv1.2` + "\n",
			map[string]any{"user.id": "arn:aws:sts::123456789012:assumed-role/Deploy/i-0abc", "user.name": "Deploy", "cloud.region": nil, "event.duration": nil}},
	})
}

func TestParseS3Time(t *testing.T) {
	tests := []struct {
		name, in string
		want     time.Time
		ok       bool
	}{
		{"UTC", "[06/Feb/2019:00:00:38 +0000]", time.Date(2019, 2, 6, 0, 0, 38, 0, time.UTC), true},
		{"a negative offset is added", "[06/Feb/2019:23:30:00 -0130]", time.Date(2019, 2, 7, 1, 0, 0, 0, time.UTC), true},
		{"a positive offset is subtracted", "[06/Feb/2019:01:00:00 +0200]", time.Date(2019, 2, 5, 23, 0, 0, 0, time.UTC), true},
		{"an unknown month is rejected", "[06/Fex/2019:00:00:38 +0000]", time.Time{}, false},
		{"a day out of range is rejected", "[30/Feb/2019:00:00:38 +0000]", time.Time{}, false},
		{"a missing bracket is rejected", "06/Feb/2019:00:00:38 +0000", time.Time{}, false},
		{"a bad offset is rejected", "[06/Feb/2019:00:00:38 *0000]", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseS3Time(tt.in)
			if ok != tt.ok || !got.Equal(tt.want) {
				t.Errorf("parseS3Time(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func FuzzS3Access(f *testing.F) {
	f.Add([]byte(s3DocLine))
	f.Add([]byte(`o b [06/Feb/2019:00:00:38 +0000] 2001:db8::3 - R REST.GET.OBJECT k "GET /b/k?x=\"y\" HTTP/1.1" 200 - 5 5 1 1 "-" "a" -`))
	f.Add([]byte("o b [06/Feb/2019:00:00:38 +0000 x\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzTextType(t, "s3access", data) })
}

func BenchmarkS3Access(b *testing.B) {
	data := repeatToSize("", s3DocLine+
		`36c1f05b76016b78528454e6e0c60e2b7ff7aa20c0a5e4c748276e5b0a2debd2 test-s3-ks [01/Aug/2019:00:24:41 +0000] 89.160.20.156 arn:aws:sts::123456:assumed-role/AWSServiceRoleForTrustedAdvisor/TrustedAdvisor_627959692251_784ab70b-8cc9-4d37-a2ec-2ff4d0c08af9 44EE8651683CB4DA REST.GET.LOCATION - "GET /test-s3-ks/?location&aws-account=627959692251 HTTP/1.1" 200 - 142 - 17 - "-" "AWS-Support-TrustedAdvisor, aws-internal/3 aws-sdk-java/1.11.590 Linux/4.9.137-0.1.ac.218.74.329.metal1.x86_64 OpenJDK_64-Bit_Server_VM/25.212-b03 java/1.8.0_212 vendor/Oracle_Corporation" - BsCfJedfuSnds2QFoxi+E/O7M6OEWzJnw4dUaes/2hyA363sONRJKzB7EOY+Bt9DTHYUn+HoHxI= SigV4 ECDHE-RSA-AES128-SHA AuthHeader s3.ap-southeast-1.amazonaws.com TLSv1.2 - -`+"\n",
		4<<20)
	benchText(b, "s3access", data)
}

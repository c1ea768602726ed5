package archive

import (
	"testing"
	"time"
)

var benchKeys = []struct{ name, key string }{
	{"cloudtrail", "AWSLogs/o-exampleorgid/187901811700/CloudTrail/us-east-1/2024/06/02/187901811700_CloudTrail_us-east-1_20240602T2020Z_12tLndRWeXi4IWKg.json.gz"},
	{"vpcflow", "AWSLogs/000000000000/vpcflowlogs/us-gov-east-1/2021/07/13/000000000000_vpcflowlogs_us-gov-east-1_fl-0e7c13bf00cf15bfe_20210713T1855Z_f12aa632.log.gz"},
	{"elb", "prefix/AWSLogs/123456789012/elasticloadbalancing/us-east-2/2016/05/01/123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.1234567890abcdef_20140215T2340Z_172.160.001.192_20sg8hgm.log.gz"},
	{"s3access", "logs/123456789012/us-east-1/my-bucket/2025/01/02/2025-01-02-03-04-05-0123456789ABCDEF"},
	{"cwlogs", "CWLogs/123456789012/eu-west-1/%2Faws%2Flambda%2Fmy-fn/2025/01/02/03/0f1e2d3c4b5a69788796a5b4c3d2e1f0.json.gz"},
	{"typed", "securityhub/2025/01/02/03/orgsiem-findings-1-2025-01-02-03-04-05-a188030a-62d2-49e6-b7c2-b11f1a7ba250"},
}

func BenchmarkParse(b *testing.B) {
	for _, bk := range benchKeys {
		b.Run(bk.name, func(b *testing.B) {
			b.SetBytes(int64(len(bk.key)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(bk.key); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCWLogsKey(b *testing.B) {
	t := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	key := CWLogsKey("123456789012", "eu-west-1", "/aws/lambda/my-fn", t, "0f1e2d3c4b5a69788796a5b4c3d2e1f0")
	b.SetBytes(int64(len(key)))
	b.ReportAllocs()
	for b.Loop() {
		CWLogsKey("123456789012", "eu-west-1", "/aws/lambda/my-fn", t, "0f1e2d3c4b5a69788796a5b4c3d2e1f0")
	}
}

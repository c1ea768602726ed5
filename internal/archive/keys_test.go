package archive

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func day(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

func at(y, m, d, h, mi, s int) time.Time {
	return time.Date(y, time.Month(m), d, h, mi, s, 0, time.UTC)
}

// TestParseKnownLayouts maps real keys (from the corpus and the AWS
// documentation) and keys of orgsiem's own prefixes to their Location.
// Location.Key is always the input and is not repeated in the table.
func TestParseKnownLayouts(t *testing.T) {
	tests := []struct {
		name string
		key  string
		want Location
	}{
		// CloudTrail.
		{"a CloudTrail file from the corpus reads account, region and the minute of its name",
			"AWSLogs/187901811700/CloudTrail/us-east-1/2024/06/02/187901811700_CloudTrail_us-east-1_20240602T2020Z_12tLndRWeXi4IWKg.json.gz",
			Location{Source: SourceAWS, LogType: TypeCloudTrail, Account: "187901811700", Region: "us-east-1", Time: at(2024, 6, 2, 20, 20, 0)}},
		{"a second corpus CloudTrail key in another Region",
			"AWSLogs/187901811700/CloudTrail/us-west-2/2024/06/02/187901811700_CloudTrail_us-west-2_20240602T1945Z_ggfzMNc1AHPJypqR.json.gz",
			Location{Source: SourceAWS, LogType: TypeCloudTrail, Account: "187901811700", Region: "us-west-2", Time: at(2024, 6, 2, 19, 45, 0)}},
		{"an organization trail under a key prefix carries the organization id",
			"cloudtrail-organization/AWSLogs/o-exampleorgid/111122223333/CloudTrail/us-east-2/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz",
			Location{Source: SourceAWS, LogType: TypeCloudTrail, OrgID: "o-exampleorgid", Account: "111122223333", Region: "us-east-2", Time: at(2015, 8, 1, 2, 10, 0)}},
		{"a CloudTrail object whose name is not the documented one keeps the day of its directories",
			"AWSLogs/123456789012/CloudTrail/us-east-1/2025/10/21/obj1.json.gz",
			Location{Source: SourceAWS, LogType: TypeCloudTrail, Account: "123456789012", Region: "us-east-1", Time: day(2025, 10, 21)}},
		{"a digest file from the corpus is skipped",
			"AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2025/10/21/digest.json.gz",
			Location{Source: SourceAWS, LogType: TypeCloudTrail, Account: "111122223333", Region: "us-east-1", Time: day(2025, 10, 21), Skip: SkipCloudTrailDigest}},
		{"a digest file with its documented name reads the second",
			"AWSLogs/o-aa111bb222/111122223333/CloudTrail-Digest/us-east-2/2016/01/01/111122223333_CloudTrail-Digest_us-east-2_awscloudtrail-example_us-east-2_20160101T005555Z.json.gz",
			Location{Source: SourceAWS, LogType: TypeCloudTrail, OrgID: "o-aa111bb222", Account: "111122223333", Region: "us-east-2", Time: at(2016, 1, 1, 0, 55, 55), Skip: SkipCloudTrailDigest}},
		{"an Insights file is a CloudTrail object",
			"AWSLogs/111122223333/CloudTrail-Insight/eu-central-1/2025/01/02/111122223333_CloudTrail-Insight_eu-central-1_20250102T0305Z_AbCdEfGhIjKlMnOp.json.gz",
			Location{Source: SourceAWS, LogType: TypeCloudTrail, Account: "111122223333", Region: "eu-central-1", Time: at(2025, 1, 2, 3, 5, 0)}},
		{"a CloudTrail file name without AWSLogs directories identifies itself",
			"downloads/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz",
			Location{Source: SourceAWS, LogType: TypeCloudTrail, Account: "111122223333", Region: "us-east-2", Time: at(2015, 8, 1, 2, 10, 0)}},

		// VPC Flow Logs.
		{"a VPC flow log key from the corpus reads the flow log id",
			"AWSLogs/000000000000/vpcflowlogs/us-gov-east-1/2021/07/13/000000000000_vpcflowlogs_us-gov-east-1_fl-0e7c13bf00cf15bfe_20210713T1855Z_f12aa632.log.gz",
			Location{Source: SourceAWS, LogType: TypeVPCFlow, Account: "000000000000", Region: "us-gov-east-1", Resource: "fl-0e7c13bf00cf15bfe", Time: at(2021, 7, 13, 18, 55, 0)}},
		{"hourly flow log partitions give the hour when the name has no time",
			"flows/AWSLogs/123456789012/vpcflowlogs/eu-west-1/2025/01/02/17/part-0000.log.gz",
			Location{Source: SourceAWS, LogType: TypeVPCFlow, Account: "123456789012", Region: "eu-west-1", Time: at(2025, 1, 2, 17, 0, 0)}},
		{"Hive-compatible flow log partitions read like the plain layout",
			"AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2025/month=01/day=02/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20250102T0305Z_fe123456.log.gz",
			Location{Source: SourceAWS, LogType: TypeVPCFlow, Account: "123456789012", Region: "us-east-1", Resource: "fl-1234abcd", Time: at(2025, 1, 2, 3, 5, 0)}},
		{"Hive-compatible partitions with an hour",
			"AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2025/month=01/day=02/hour=07/flows.parquet",
			Location{Source: SourceAWS, LogType: TypeVPCFlow, Account: "123456789012", Region: "us-east-1", Time: at(2025, 1, 2, 7, 0, 0)}},

		// Elastic Load Balancing (documented examples; the ALB example's name
		// says 2014 under a 2016 directory, and the name is the more precise).
		{"the documented ALB key reads the load balancer id and the name's minute",
			"prefix/AWSLogs/123456789012/elasticloadbalancing/us-east-2/2016/05/01/123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.1234567890abcdef_20140215T2340Z_172.160.001.192_20sg8hgm.log.gz",
			Location{Source: SourceAWS, LogType: TypeELB, Account: "123456789012", Region: "us-east-2", Resource: "app.my-loadbalancer.1234567890abcdef", Time: at(2014, 2, 15, 23, 40, 0)}},
		{"the documented NLB key has no client IP in its name",
			"prefix/AWSLogs/123456789012/elasticloadbalancing/us-east-2/2020/05/01/123456789012_elasticloadbalancing_us-east-2_net.my-loadbalancer.1234567890abcdef_20200501T0000Z_20sg8hgm.log.gz",
			Location{Source: SourceAWS, LogType: TypeELB, Account: "123456789012", Region: "us-east-2", Resource: "net.my-loadbalancer.1234567890abcdef", Time: at(2020, 5, 1, 0, 0, 0)}},
		{"the documented Classic Load Balancer key ends in .log",
			"my-app/AWSLogs/123456789012/elasticloadbalancing/us-west-2/2014/02/15/123456789012_elasticloadbalancing_us-west-2_my-loadbalancer_20140215T2340Z_172.160.001.192_20sg8hgm.log",
			Location{Source: SourceAWS, LogType: TypeELB, Account: "123456789012", Region: "us-west-2", Resource: "my-loadbalancer", Time: at(2014, 2, 15, 23, 40, 0)}},
		{"the corpus ALB file name with its masked account keeps the directory's account",
			"AWSLogs/111122223333/elasticloadbalancing/us-east-1/2023/04/24/XXXXXXXXXXXX_elasticloadbalancing_us-east-1_app.ApplicationLoadBalancer.fa87e1db7badc175_20230424T2110Z_X.X.X.X_4c8scnzy.log.gz",
			Location{Source: SourceAWS, LogType: TypeELB, Account: "111122223333", Region: "us-east-1", Resource: "app.ApplicationLoadBalancer.fa87e1db7badc175", Time: at(2023, 4, 24, 21, 10, 0)}},
		{"the ELB access log test file is skipped",
			"lb/AWSLogs/123456789012/ELBAccessLogTestFile",
			Location{Source: SourceAWS, LogType: TypeELB, Account: "123456789012", Skip: SkipTestFile}},

		// WAF.
		{"a WAF log delivered to S3 reads the web ACL and the minute directory",
			"AWSLogs/111122223333/WAFLogs/us-east-2/TestWebACL/2021/10/28/19/50/111122223333_waflogs_us-east-2_TestWebACL_20211028T1950Z_e0ca43b5.log.gz",
			Location{Source: SourceAWS, LogType: TypeWAF, Account: "111122223333", Region: "us-east-2", Resource: "TestWebACL", Time: at(2021, 10, 28, 19, 50, 0)}},
		{"a WAF web ACL of CloudFront scope has no Region",
			"AWSLogs/111122223333/WAFLogs/cloudfront/Edge_ACL/2021/10/28/19/55/111122223333_waflogs_cloudfront_Edge_ACL_20211028T1955Z_0a1b2c3d.log.gz",
			Location{Source: SourceAWS, LogType: TypeWAF, Account: "111122223333", Resource: "Edge_ACL", Time: at(2021, 10, 28, 19, 55, 0)}},
		{"WAF through Firehose is known by the aws-waf-logs- stream name",
			"2025/01/02/03/aws-waf-logs-prod-1-2025-01-02-03-04-05-a188030a-62d2-49e6-b7c2-b11f1a7ba250",
			Location{Source: SourceAWS, LogType: TypeWAF, Time: at(2025, 1, 2, 3, 4, 5)}},

		// Route 53 Resolver, Network Firewall, GuardDuty.
		{"a Resolver query log names the VPC and no Region",
			"AWSLogs/123456789012/vpcdnsquerylogs/vpc-0a1b2c3d4e5f67890/2025/01/02/123456789012_vpcdnsquerylogs_vpc-0a1b2c3d4e5f67890_20250102T0305Z_1a2b3c4d.log.gz",
			Location{Source: SourceAWS, LogType: TypeRoute53Resolver, Account: "123456789012", Resource: "vpc-0a1b2c3d4e5f67890", Time: at(2025, 1, 2, 3, 5, 0)}},
		{"a Network Firewall log with Region and firewall directories",
			"AWSLogs/111111111111/network-firewall/alert/us-east-1/test-firewall/2020/08/17/12/111111111111_network-firewall_alert_us-east-1_test-firewall_202008171250_5a6bcda1.log.gz",
			Location{Source: SourceAWS, LogType: TypeNetworkFirewall, Account: "111111111111", Region: "us-east-1", Resource: "test-firewall", Time: at(2020, 8, 17, 12, 50, 0)}},
		{"a Network Firewall log without Region directories reads them from the name",
			"AWSLogs/111111111111/network-firewall/flow/2020/08/17/12/111111111111_network-firewall_flow_us-east-1_fw_1_202008171255_5a6bcda1.log.gz",
			Location{Source: SourceAWS, LogType: TypeNetworkFirewall, Account: "111111111111", Region: "us-east-1", Resource: "fw_1", Time: at(2020, 8, 17, 12, 55, 0)}},
		{"a GuardDuty export reads the day",
			"findings/AWSLogs/123456789012/GuardDuty/us-east-1/2025/01/02/4f1c2e7a-9b1d-3c55-8f6e-0a1b2c3d4e5f.jsonl.gz",
			Location{Source: SourceAWS, LogType: TypeGuardDuty, Account: "123456789012", Region: "us-east-1", Time: day(2025, 1, 2)}},

		// S3 server access logs and CloudFront, known by their file names.
		{"an S3 access log key from the corpus is known by its name",
			"AWSLogs/627286350134/s3/2026-01-28-09-26-59-AB82D7306CDE5EF8",
			Location{Source: SourceAWS, LogType: TypeS3Access, Time: at(2026, 1, 28, 9, 26, 59)}},
		{"the documented S3 access log name at the root of the bucket",
			"2013-11-01-21-32-16-E568B2907131C0C0",
			Location{Source: SourceAWS, LogType: TypeS3Access, Time: at(2013, 11, 1, 21, 32, 16)}},
		{"an S3 access log TargetPrefix need not end in a slash",
			"logs/access-2013-11-01-21-32-16-E568B2907131C0C0",
			Location{Source: SourceAWS, LogType: TypeS3Access, Time: at(2013, 11, 1, 21, 32, 16)}},
		{"partitioned S3 access logs read account, Region and source bucket",
			"logs/123456789012/us-east-1/my-bucket/2025/01/02/2025-01-02-03-04-05-0123456789ABCDEF",
			Location{Source: SourceAWS, LogType: TypeS3Access, Account: "123456789012", Region: "us-east-1", Resource: "my-bucket", Time: at(2025, 1, 2, 3, 4, 5)}},
		{"the documented CloudFront name reads the distribution and the hour",
			"example-prefix/EMLARXS9EXAMPLE.2019-11-14-20.RT4KCN4SGK9.gz",
			Location{Source: SourceAWS, LogType: TypeCloudFront, Resource: "EMLARXS9EXAMPLE", Time: at(2019, 11, 14, 20, 0, 0)}},
		{"the corpus CloudFront file name",
			"E3HXCM7PFRG6HT.2023-04-24-21.d740d76bCloudFront.gz",
			Location{Source: SourceAWS, LogType: TypeCloudFront, Resource: "E3HXCM7PFRG6HT", Time: at(2023, 4, 24, 21, 0, 0)}},

		// orgsiem's own prefixes.
		{"a transfer Lambda object reads the unescaped log group and the hour",
			"CWLogs/123456789012/eu-west-1/%2Faws%2Flambda%2Fmy-fn/2025/01/02/03/0f1e2d3c.json.gz",
			Location{Source: SourceOrgSIEM, LogType: TypeCloudWatchLogs, Account: "123456789012", Region: "eu-west-1", LogGroup: "/aws/lambda/my-fn", Time: at(2025, 1, 2, 3, 0, 0)}},
		{"a dead letter is never re-ingested",
			"DeadLetter/cloudtrail/123456789012/2025/01/02/03/batch-7.ndjson.gz",
			Location{Source: SourceOrgSIEM, LogType: TypeCloudTrail, Account: "123456789012", Time: at(2025, 1, 2, 3, 0, 0), Skip: SkipDeadLetter}},

		// The typed-prefix convention.
		{"an S3 access log under its typed prefix",
			"s3access/2025-01-02-03-04-05-ABCDEF",
			Location{Source: SourceAWS, LogType: TypeS3Access, Time: at(2025, 1, 2, 3, 4, 5)}},
		{"partitioned S3 access logs under the typed prefix",
			"s3access/123456789012/us-east-1/my-bucket/2025/01/02/2025-01-02-03-04-05-0123456789ABCDEF",
			Location{Source: SourceAWS, LogType: TypeS3Access, Account: "123456789012", Region: "us-east-1", Resource: "my-bucket", Time: at(2025, 1, 2, 3, 4, 5)}},
		{"a CloudFront log under its typed prefix",
			"cloudfront/E2ABC.2025-01-02-03.abcd.gz",
			Location{Source: SourceAWS, LogType: TypeCloudFront, Resource: "E2ABC", Time: at(2025, 1, 2, 3, 0, 0)}},
		{"Security Hub findings through Firehose read the second of the object name",
			"securityhub/2025/01/02/03/orgsiem-findings-1-2025-01-02-03-04-05-a188030a-62d2-49e6-b7c2-b11f1a7ba250",
			Location{Source: SourceAWS, LogType: TypeSecurityHub, Time: at(2025, 1, 2, 3, 4, 5)}},
		{"Firehose date directories after the typed prefix give the hour",
			"guardduty/2025/01/02/03/findings.json",
			Location{Source: SourceAWS, LogType: TypeGuardDuty, Time: at(2025, 1, 2, 3, 0, 0)}},
		{"a typed prefix needs nothing after it",
			"linux/host-1/secure.log",
			Location{Source: SourceAWS, LogType: TypeLinux}},
		{"EKS audit events exported to their typed prefix",
			"eksaudit/2025/01/02/03/audit.json.gz",
			Location{Source: SourceAWS, LogType: TypeEKSAudit, Time: at(2025, 1, 2, 3, 0, 0)}},
		{"AWS Config events through Firehose read the second of the object name",
			"config/2025/01/02/03/orgsiem-config-1-2025-01-02-03-04-05-a188030a-62d2-49e6-b7c2-b11f1a7ba250",
			Location{Source: SourceAWS, LogType: TypeConfig, Time: at(2025, 1, 2, 3, 4, 5)}},
		{"Windows events under their typed prefix",
			"windows/WEB01/security.log",
			Location{Source: SourceAWS, LogType: TypeWindows}},
		{"RDS log lines under their typed prefix",
			"rds/shop-db/2025/01/02/audit.log",
			Location{Source: SourceAWS, LogType: TypeRDS}},
		{"a CloudTrail file name under the typed prefix fills account, Region and time",
			"cloudtrail/invictus/CloudTrail/218007301253_CloudTrail_us-east-1_20230710T1145Z_s7dpHbl38neqZbm2.json",
			Location{Source: SourceAWS, LogType: TypeCloudTrail, Account: "218007301253", Region: "us-east-1", Time: at(2023, 7, 10, 11, 45, 0)}},
		{"an ELB file name under the typed prefix keeps what validates",
			"elb/XXXXXXXXXXXX_elasticloadbalancing_us-east-1_app.ApplicationLoadBalancer.fa87e1db7badc175_20230424T2110Z_X.X.X.X_4c8scnzy.log.gz",
			Location{Source: SourceAWS, LogType: TypeELB, Region: "us-east-1", Resource: "app.ApplicationLoadBalancer.fa87e1db7badc175", Time: at(2023, 4, 24, 21, 10, 0)}},
		{"an AWSLogs layout under a type-named prefix follows what AWS wrote",
			"vpcflow/AWSLogs/123456789012/CloudTrail/us-east-1/2025/01/02/x.json.gz",
			Location{Source: SourceAWS, LogType: TypeCloudTrail, Account: "123456789012", Region: "us-east-1", Time: day(2025, 1, 2)}},
		{"an AWSLogs key of an unknown service under a typed prefix follows the prefix",
			"securityhub/AWSLogs/123456789012/SecurityHub/us-east-1/2025/01/02/x.json.gz",
			Location{Source: SourceAWS, LogType: TypeSecurityHub}},

		{"a folder marker is skipped",
			"AWSLogs/123456789012/CloudTrail/",
			Location{Skip: SkipFolder}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.key)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.key, err)
			}
			tt.want.Key = tt.key
			if got != tt.want {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", tt.key, got, tt.want)
			}
			if !got.Time.IsZero() && got.Time.Location() != time.UTC {
				t.Errorf("time %v is not UTC", got.Time)
			}
		})
	}
}

// TestParseRejects checks that unknown layouts are *UnknownKeyError naming
// the key, and malformed keys of known layouts are *KeyError with a reason.
func TestParseRejects(t *testing.T) {
	const ct = "AWSLogs/123456789012/CloudTrail/"
	tests := []struct {
		name    string
		key     string
		unknown bool   // *UnknownKeyError, else *KeyError
		reason  string // substring of KeyError.Reason
	}{
		{name: "an empty key is unknown", key: "", unknown: true},
		{name: "an arbitrary object is unknown", key: "backups/db.sql.gz", unknown: true},
		{name: "an AWS Config key is unknown", key: "AWSLogs/123456789012/Config/us-east-1/2025/1/2/ConfigHistory/x.json.gz", unknown: true},
		{name: "a bare type name without a slash is unknown", key: "cloudtrail", unknown: true},
		{name: "an S3 access name with a short unique string is unknown outside the typed prefix", key: "x/2025-01-02-03-04-05-ABCDEF", unknown: true},
		{name: "a CloudFront-like name with an invalid hour is unknown", key: "E2ABC.2025-01-02-24.abcd.gz", unknown: true},

		{name: "a short account is malformed", key: "AWSLogs/12345/CloudTrail/us-east-1/2025/01/02/f.json.gz", reason: `account "12345"`},
		{name: "the masked account of a corpus name is malformed in directories", key: "AWSLogs/XXXXXXXXXXXX/elasticloadbalancing/us-east-1/2023/04/24/f.log.gz", reason: `account "XXXXXXXXXXXX"`},
		{name: "an invalid organization id is malformed", key: "AWSLogs/o-SHOUT/123456789012/CloudTrail/us-east-1/2025/01/02/f.json.gz", reason: `organization id "o-SHOUT"`},
		{name: "an invalid Region is malformed", key: ct + "us_east_1/2025/01/02/f.json.gz", reason: `region "us_east_1"`},
		{name: "a month 13 is malformed", key: ct + "us-east-1/2025/13/02/f.json.gz", reason: `date "2025/13/02"`},
		{name: "February 30 is malformed", key: ct + "us-east-1/2025/02/30/f.json.gz", reason: `date "2025/02/30"`},
		{name: "a one-digit month is malformed", key: ct + "us-east-1/2025/2/03/f.json.gz", reason: "not a valid YYYY/MM/DD"},
		{name: "a key that stops at the date has no file name", key: ct + "us-east-1/2025/02/03", reason: "missing file name"},
		{name: "extra directories after the date are malformed", key: ct + "us-east-1/2025/02/03/x/f.json.gz", reason: "single file name"},
		{name: "an invalid flow log hour is malformed", key: "AWSLogs/123456789012/vpcflowlogs/us-east-1/2025/02/03/24/f.log.gz", reason: `hour "24"`},
		{name: "a WAF Region that is neither a Region nor cloudfront is malformed", key: "AWSLogs/123456789012/WAFLogs/global/acl/2025/01/02/03/04/f.log.gz", reason: `region "global"`},
		{name: "a WAF minute 60 is malformed", key: "AWSLogs/123456789012/WAFLogs/us-east-1/acl/2025/01/02/03/60/f.log.gz", reason: `minute "60"`},
		{name: "a Resolver key without a VPC is malformed", key: "AWSLogs/123456789012/vpcdnsquerylogs//2025/01/02/f.log.gz", reason: "missing VPC id"},
		{name: "a Hive partition with a bad Region is malformed", key: "AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=moon/year=2025/month=01/day=02/f.log.gz", reason: `region "moon"`},
		{name: "a Hive partition with a bad day is malformed", key: "AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2025/month=01/day=32/f.log.gz", reason: "day=32"},
		{name: "an ELB test file with a bad account is malformed", key: "AWSLogs/123/ELBAccessLogTestFile", reason: `account "123"`},

		{name: "a CWLogs key with a bad account is malformed", key: "CWLogs/abc/us-east-1/g/2025/01/02/03/n.json.gz", reason: `account "abc"`},
		{name: "a CWLogs key with a truncated escape is malformed", key: "CWLogs/123456789012/us-east-1/%2/2025/01/02/03/n.json.gz", reason: `log group segment "%2"`},
		{name: "a CWLogs key with a non-hex escape is malformed", key: "CWLogs/123456789012/us-east-1/a%ZZ/2025/01/02/03/n.json.gz", reason: `log group segment "a%ZZ"`},
		{name: "a CWLogs key with an empty log group is malformed", key: "CWLogs/123456789012/us-east-1/-/2025/01/02/03/n.json.gz", reason: "log group segment"},
		{name: "a CWLogs key with hour 24 is malformed", key: "CWLogs/123456789012/us-east-1/g/2025/01/02/24/n.json.gz", reason: `hour "24"`},
		{name: "a CWLogs key without a file name is malformed", key: "CWLogs/123456789012/us-east-1/g/2025/01/02/03", reason: "missing file name"},
		{name: "a bare CWLogs segment is malformed", key: "CWLogs", reason: `account ""`},
		{name: "a dead letter with a bad escape is malformed", key: "DeadLetter/x%G1/123456789012/2025/01/02/03/n", reason: `log type segment "x%G1"`},
		{name: "a lone percent sign is a malformed escape", key: "DeadLetter/%/123456789012/2025/01/02/03/n", reason: `log type segment "%"`},
		{name: "a dead letter without an hour is malformed", key: "DeadLetter/waf/123456789012/2025/01/02/n", reason: "hour"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc, err := Parse(tt.key)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want an error", tt.key, loc)
			}
			if loc != (Location{}) {
				t.Errorf("Parse(%q) returned a Location with the error: %+v", tt.key, loc)
			}
			if tt.unknown {
				var ue *UnknownKeyError
				if !errors.As(err, &ue) || ue.Key != tt.key {
					t.Fatalf("Parse(%q) error = %#v, want *UnknownKeyError naming the key", tt.key, err)
				}
				return
			}
			var ke *KeyError
			if !errors.As(err, &ke) {
				t.Fatalf("Parse(%q) error = %#v, want *KeyError", tt.key, err)
			}
			if ke.Key != tt.key || !strings.Contains(ke.Reason, tt.reason) {
				t.Errorf("Parse(%q) = %v; want key named and reason containing %q", tt.key, err, tt.reason)
			}
			if !strings.Contains(err.Error(), tt.key) {
				t.Errorf("error %q does not name the key", err)
			}
		})
	}
}

func TestValidators(t *testing.T) {
	regions := map[string]bool{
		"us-east-1": true, "us-gov-west-1": true, "cn-northwest-1": true, "eu-isoe-west-1": true,
		"ap-southeast-5": true, "il-central-1": true, "us-east-10": true,
		"": false, "cloudfront": false, "global": false, "us-east": false, "us-east-": false, "US-EAST-1": false,
		"us--east-1": false, "us-east-1a": false, "u-east-1": false, "us-east-123": false, "us-1": false,
	}
	for s, want := range regions {
		if got := ValidRegion(s); got != want {
			t.Errorf("ValidRegion(%q) = %v, want %v", s, got, want)
		}
	}
	accounts := map[string]bool{"123456789012": true, "000000000000": true, "12345678901": false, "1234567890123": false, "12345678901a": false, "": false}
	for s, want := range accounts {
		if got := ValidAccountID(s); got != want {
			t.Errorf("ValidAccountID(%q) = %v, want %v", s, got, want)
		}
	}
	orgs := map[string]bool{"o-exampleorgid": true, "o-aa111bb222": true, "o-abc": false, "o-ABCDEFGHIJ": false, "x-abcdefghij": false, "o-" + strings.Repeat("a", 33): false}
	for s, want := range orgs {
		if got := ValidOrgID(s); got != want {
			t.Errorf("ValidOrgID(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestTypesAreAllKnown(t *testing.T) {
	seen := map[string]bool{}
	for _, typ := range Types() {
		if !IsType(typ) {
			t.Errorf("IsType(%q) = false for a listed type", typ)
		}
		if seen[typ] {
			t.Errorf("type %q listed twice", typ)
		}
		seen[typ] = true
	}
	if len(seen) != 16 {
		t.Errorf("Types() lists %d types, want the 16 Type* constants", len(seen))
	}
	for _, s := range []string{"", "CloudTrail", "s3_access", "AWSLogs"} {
		if IsType(s) {
			t.Errorf("IsType(%q) = true", s)
		}
	}
}

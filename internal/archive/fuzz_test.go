package archive

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzParse checks that Parse never panics, that it returns either a
// Location or one of its two error types, and that what it returns is
// consistent: Key is the input, AWS-named accounts and Regions validate,
// times are UTC. It also checks that CWLogsKey round-trips any valid log
// group name (1-512 characters of [.\-_/#A-Za-z0-9]) and any file name,
// and DeadLetterKey any type, account and name.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"AWSLogs/187901811700/CloudTrail/us-east-1/2024/06/02/187901811700_CloudTrail_us-east-1_20240602T2020Z_12tLndRWeXi4IWKg.json.gz",
		"AWSLogs/o-exampleorgid/111122223333/CloudTrail-Digest/us-east-2/2016/01/01/111122223333_CloudTrail-Digest_us-east-2_t_us-east-2_20160101T005555Z.json.gz",
		"AWSLogs/000000000000/vpcflowlogs/us-gov-east-1/2021/07/13/000000000000_vpcflowlogs_us-gov-east-1_fl-0e7c13bf00cf15bfe_20210713T1855Z_f12aa632.log.gz",
		"AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-1/year=2025/month=01/day=02/hour=03/f",
		"AWSLogs/111122223333/WAFLogs/cloudfront/acl/2021/10/28/19/50/111122223333_waflogs_cloudfront_acl_20211028T1950Z_e0ca43b5.log.gz",
		"AWSLogs/111111111111/network-firewall/alert/us-east-1/fw/2020/08/17/12/111111111111_network-firewall_alert_us-east-1_fw_202008171250_5a.log.gz",
		"AWSLogs/123456789012/ELBAccessLogTestFile",
		"logs/123456789012/us-east-1/b/2025/01/02/2025-01-02-03-04-05-0123456789ABCDEF",
		"example-prefix/EMLARXS9EXAMPLE.2019-11-14-20.RT4KCN4SGK9.gz",
		"2025/01/02/03/aws-waf-logs-x-1-2025-01-02-03-04-05-a188030a-62d2-49e6-b7c2-b11f1a7ba250",
		"CWLogs/123456789012/eu-west-1/%2Faws%2Flambda%2Ff/2025/01/02/03/n.json.gz",
		"DeadLetter/-/%2D/2025/01/02/03/n",
		"securityhub/2025/01/02/03/x",
		"a/",
		"",
	}
	for _, s := range seeds {
		f.Add(s, "/aws/lambda/my-fn#1", "name")
	}
	f.Fuzz(func(t *testing.T, key, group, name string) {
		loc, err := Parse(key)
		if err != nil {
			var ue *UnknownKeyError
			var ke *KeyError
			switch {
			case errors.As(err, &ue):
				if ue.Key != key {
					t.Fatalf("UnknownKeyError names %q, want %q", ue.Key, key)
				}
			case errors.As(err, &ke):
				if ke.Key != key || ke.Reason == "" || ke.Layout == "" {
					t.Fatalf("KeyError %#v for %q lacks key, layout or reason", ke, key)
				}
			default:
				t.Fatalf("Parse(%q) error of type %T: %v", key, err, err)
			}
		} else {
			if loc.Key != key {
				t.Fatalf("Location.Key = %q, want %q", loc.Key, key)
			}
			if loc.Skip == "" && !IsType(loc.LogType) {
				t.Fatalf("Parse(%q) = %+v: unknown log type", key, loc)
			}
			if loc.Skip != SkipDeadLetter {
				if loc.Account != "" && !ValidAccountID(loc.Account) {
					t.Fatalf("Parse(%q) = %+v: invalid account", key, loc)
				}
				if loc.Region != "" && !ValidRegion(loc.Region) {
					t.Fatalf("Parse(%q) = %+v: invalid Region", key, loc)
				}
			}
			if loc.OrgID != "" && !ValidOrgID(loc.OrgID) {
				t.Fatalf("Parse(%q) = %+v: invalid organization id", key, loc)
			}
			if !loc.Time.IsZero() && loc.Time.Location() != time.UTC {
				t.Fatalf("Parse(%q) time %v is not UTC", key, loc.Time)
			}
		}
		if _, err := ParseLocal(key); err != nil {
			var ue *UnknownKeyError
			var ke *KeyError
			if !errors.As(err, &ue) && !errors.As(err, &ke) {
				t.Fatalf("ParseLocal(%q) error of type %T", key, err)
			}
		}

		ts := time.Unix(int64(len(key))*7919, 0)
		if validLogGroup(group) {
			k := CWLogsKey("123456789012", "us-east-1", group, ts, name)
			loc, err := Parse(k)
			if err != nil || loc.LogGroup != group || loc.LogType != TypeCloudWatchLogs || !loc.Time.Equal(ts.Truncate(time.Hour)) {
				t.Fatalf("CWLogsKey(%q, %q) = %q parses to %+v, %v", group, name, k, loc, err)
			}
		}
		k := DeadLetterKey(group, name, ts, key)
		loc, err = Parse(k)
		if err != nil || loc.LogType != group || loc.Account != name || loc.Skip != SkipDeadLetter {
			t.Fatalf("DeadLetterKey(%q, %q, _, %q) = %q parses to %+v, %v", group, name, key, k, loc, err)
		}
	})
}

// validLogGroup is the CloudWatch Logs log group name rule: 1-512
// characters of [.\-_/#A-Za-z0-9].
func validLogGroup(s string) bool {
	if s == "" || len(s) > 512 {
		return false
	}
	return strings.Trim(s, "._-/#abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == ""
}

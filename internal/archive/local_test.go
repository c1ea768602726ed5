package archive

import (
	"errors"
	"github.com/orgsiem/orgsiem/internal/sharedtest"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseLocal(t *testing.T) {
	tests := []struct {
		name string
		path string
		want Location // Key is the path and is not repeated
	}{
		{"an AWSLogs layout below any directory",
			"/tmp/x/AWSLogs/123456789012/CloudTrail/us-east-1/2025/01/02/123456789012_CloudTrail_us-east-1_20250102T0305Z_abcdefghijklmnop.json.gz",
			Location{Source: SourceAWS, LogType: TypeCloudTrail, Account: "123456789012", Region: "us-east-1", Time: at(2025, 1, 2, 3, 5, 0)}},
		{"a corpus file under its type folder reads its original S3 name",
			"/work/shared/corpus/cloudtrail/invictus-ir-aws_dataset/CloudTrail/218007301253_CloudTrail_us-east-1_20230710T1145Z_s7dpHbl38neqZbm2.json",
			Location{Source: SourceAWS, LogType: TypeCloudTrail, Account: "218007301253", Region: "us-east-1", Time: at(2023, 7, 10, 11, 45, 0)}},
		{"a corpus folder in snake_case is a typed prefix",
			"/work/shared/corpus/s3_access/elastic-integrations/test-s3-server-access.log",
			Location{Source: SourceAWS, LogType: TypeS3Access}},
		{"linux_secure is the corpus folder of linux",
			"corpus/linux_secure/x/auth.log",
			Location{Source: SourceAWS, LogType: TypeLinux}},
		{"a relative path",
			"cloudfront/E2ABC.2025-01-02-03.abcd.gz",
			Location{Source: SourceAWS, LogType: TypeCloudFront, Resource: "E2ABC", Time: at(2025, 1, 2, 3, 0, 0)}},
		{"the outermost type folder wins",
			"/data/cloudtrail/vpcflow/x.log",
			Location{Source: SourceAWS, LogType: TypeCloudTrail}},
		{"an AWSLogs layout wins over a type folder above it",
			"/home/waf/AWSLogs/123456789012/vpcflowlogs/us-east-1/2025/01/02/f.log.gz",
			Location{Source: SourceAWS, LogType: TypeVPCFlow, Account: "123456789012", Region: "us-east-1", Time: day(2025, 1, 2)}},
		{"a self-identifying file name wins over a type folder above it",
			"/data/elb/2025-01-02-03-04-05-0123456789ABCDEF",
			Location{Source: SourceAWS, LogType: TypeS3Access, Time: at(2025, 1, 2, 3, 4, 5)}},
		{"an orgsiem prefix below a download directory",
			"/tmp/dl/CWLogs/123456789012/us-east-1/%2Fvar%2Flog%2Fsecure/2025/01/02/03/n.json.gz",
			Location{Source: SourceOrgSIEM, LogType: TypeCloudWatchLogs, Account: "123456789012", Region: "us-east-1", LogGroup: "/var/log/secure", Time: at(2025, 1, 2, 3, 0, 0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseLocal(tt.path)
			if err != nil {
				t.Fatalf("ParseLocal(%q): %v", tt.path, err)
			}
			tt.want.Key = tt.path
			if got != tt.want {
				t.Errorf("ParseLocal(%q)\n got %+v\nwant %+v", tt.path, got, tt.want)
			}
		})
	}
}

func TestParseLocalRejects(t *testing.T) {
	t.Run("a malformed AWS layout is a KeyError naming the path", func(t *testing.T) {
		p := "/tmp/AWSLogs/12345/CloudTrail/us-east-1/2025/01/02/f.json.gz"
		_, err := ParseLocal(p)
		var ke *KeyError
		if !errors.As(err, &ke) || ke.Key != p || !strings.Contains(ke.Reason, `account "12345"`) {
			t.Fatalf("ParseLocal(%q) error = %v, want *KeyError on the account naming the path", p, err)
		}
	})
	t.Run("a malformed AWS layout is not re-read by an inner suffix", func(t *testing.T) {
		p := "/tmp/AWSLogs/123456789012/CloudTrail/bad_region/2025/01/02/2025-01-02-03-04-05-0123456789ABCDEF"
		loc, err := ParseLocal(p)
		var ke *KeyError
		if !errors.As(err, &ke) || !strings.Contains(ke.Reason, `region "bad_region"`) {
			t.Fatalf("ParseLocal(%q) = %+v, %v; want *KeyError on the Region", p, loc, err)
		}
	})
	t.Run("a path of no layout is an UnknownKeyError naming the path", func(t *testing.T) {
		p := "/work/shared/corpus/ingestion_envelopes/aws-lambda-go/events/testdata/s3-event.json"
		_, err := ParseLocal(p)
		var ue *UnknownKeyError
		if !errors.As(err, &ue) || ue.Key != p {
			t.Fatalf("ParseLocal(%q) error = %v, want *UnknownKeyError naming the path", p, err)
		}
	})
	t.Run("the corpus aliases are not S3 key layouts", func(t *testing.T) {
		if loc, err := Parse("s3_access/x.log"); err == nil {
			t.Fatalf("Parse accepted a corpus folder alias: %+v", loc)
		}
	})
}

// corpusDir returns ../shared/corpus, or skips the test when it is absent.
func corpusDir(t testing.TB) string {
	t.Helper()
	return sharedtest.Require(t, "corpus")
}

// TestParseLocalCorpus reads every file of the shared corpus: each is
// typed by its folder, and the files that keep their original S3 object
// names yield what those names carry.
func TestParseLocalCorpus(t *testing.T) {
	corpus := corpusDir(t)
	folders := map[string]string{
		"cloudtrail": TypeCloudTrail, "vpcflow": TypeVPCFlow, "waf": TypeWAF, "elb": TypeELB,
		"s3_access": TypeS3Access, "cloudfront": TypeCloudFront, "route53_resolver": TypeRoute53Resolver,
		"guardduty": TypeGuardDuty, "securityhub": TypeSecurityHub, "network_firewall": TypeNetworkFirewall,
		"cloudwatch_logs": TypeCloudWatchLogs, "linux_secure": TypeLinux,
	}
	named := 0
	err := filepath.WalkDir(corpus, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(corpus, path)
		top, _, nested := strings.Cut(filepath.ToSlash(rel), "/")
		if !nested {
			return nil // README.md, MANIFEST.json
		}
		loc, err := ParseLocal(path)
		want, typed := folders[top]
		if !typed {
			var ue *UnknownKeyError
			if !errors.As(err, &ue) {
				t.Errorf("ParseLocal(%s) = %+v, %v; want *UnknownKeyError for folder %s", rel, loc, err, top)
			}
			return nil
		}
		if err != nil || loc.LogType != want || loc.Key != path {
			t.Errorf("ParseLocal(%s) = %+v, %v; want type %s", rel, loc, err, want)
			return nil
		}
		name := filepath.Base(path)
		if ni := parseServiceName(name); ni.logType != "" || strings.HasPrefix(name, "E3HXCM7PFRG6HT.") {
			named++
			if loc.Time.IsZero() || loc.Region == "" && loc.Resource == "" {
				t.Errorf("ParseLocal(%s) = %+v: the original S3 name's time and Region or resource were not read", rel, loc)
			}
		}
		if top == "cloudtrail" && strings.HasPrefix(name, "218007301253_CloudTrail_us-east-1_") {
			// 218007301253_CloudTrail_us-east-1_20230710T1145Z_<id>.json
			want := name[len("218007301253_CloudTrail_us-east-1_"):][:len("20230710T1145Z")]
			if loc.Account != "218007301253" || loc.Region != "us-east-1" || loc.Time.Format("20060102T1504Z") != want {
				t.Errorf("ParseLocal(%s) = %+v, want account 218007301253, us-east-1, time %s", rel, loc, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// 20 invictus CloudTrail files, the ALB file and the CloudFront file.
	if named < 22 {
		t.Errorf("read %d corpus files with original S3 names, want at least 22", named)
	}
}

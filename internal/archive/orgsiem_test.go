package archive

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestCWLogsKeyRoundTrips(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	tests := []struct {
		name     string
		group    string
		t        time.Time
		fileName string
		want     string // the exact key, when the test pins it
	}{
		{"a Lambda log group escapes its slashes and stays readable", "/aws/lambda/my-fn", at(2025, 1, 2, 3, 4, 5), "0f1e2d3c",
			"CWLogs/123456789012/eu-west-1/%2Faws%2Flambda%2Fmy-fn/2025/01/02/03/0f1e2d3c.json.gz"},
		{"a hash in a group is escaped", "/aws/events/rule#1", at(2025, 1, 2, 3, 0, 0), "n",
			"CWLogs/123456789012/eu-west-1/%2Faws%2Fevents%2Frule%231/2025/01/02/03/n.json.gz"},
		{"a percent sign is escaped so it reads back", "100%", at(2025, 1, 2, 3, 0, 0), "n",
			"CWLogs/123456789012/eu-west-1/100%25/2025/01/02/03/n.json.gz"},
		{"dots, dashes and underscores stay as they are", "API-Gateway-Execution-Logs_abc123/prod.v1", at(2025, 1, 2, 3, 0, 0), "n",
			"CWLogs/123456789012/eu-west-1/API-Gateway-Execution-Logs_abc123%2Fprod.v1/2025/01/02/03/n.json.gz"},
		{"a group named dot is not a dot segment", ".", at(2025, 1, 2, 3, 0, 0), "n",
			"CWLogs/123456789012/eu-west-1/%2E/2025/01/02/03/n.json.gz"},
		{"a group named dot-dot is not a dot-dot segment", "..", at(2025, 1, 2, 3, 0, 0), "n", ""},
		{"a group named dash is not the empty marker", "-", at(2025, 1, 2, 3, 0, 0), "n", ""},
		{"a group of only slashes", "///", at(2025, 1, 2, 3, 0, 0), "n", ""},
		{"the time is written in UTC", "g", time.Date(2025, 1, 2, 0, 30, 0, 0, berlin), "n",
			"CWLogs/123456789012/eu-west-1/g/2025/01/01/23/n.json.gz"},
		{"a name with a slash stays one segment", "g", at(2025, 1, 2, 3, 0, 0), "a/b",
			"CWLogs/123456789012/eu-west-1/g/2025/01/02/03/a%2Fb.json.gz"},
		{"a group of 512 characters", strings.Repeat("a/#.", 128), at(2025, 12, 31, 23, 59, 59), "n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := CWLogsKey("123456789012", "eu-west-1", tt.group, tt.t, tt.fileName)
			if tt.want != "" && key != tt.want {
				t.Errorf("CWLogsKey = %q, want %q", key, tt.want)
			}
			loc, err := Parse(key)
			if err != nil {
				t.Fatalf("Parse(CWLogsKey(...) = %q): %v", key, err)
			}
			want := Location{Key: key, Source: SourceOrgSIEM, LogType: TypeCloudWatchLogs, Account: "123456789012",
				Region: "eu-west-1", LogGroup: tt.group, Time: tt.t.UTC().Truncate(time.Hour)}
			if loc != want {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", key, loc, want)
			}
			if n := strings.Count(key, "/"); n != 8 {
				t.Errorf("key %q has %d slashes, want the 8 of the layout", key, n)
			}
		})
	}
}

func TestDeadLetterKeyRoundTrips(t *testing.T) {
	tests := []struct {
		name             string
		logType, account string
		want             string
	}{
		{"a typed document with its account", TypeWAF, "123456789012", "DeadLetter/waf/123456789012/2025/01/02/03/batch%2F1.ndjson.gz"},
		{"a document without account", TypeS3Access, "", "DeadLetter/s3access/-/2025/01/02/03/batch%2F1.ndjson.gz"},
		{"an unknown type with odd characters", "a b/%", "-", "DeadLetter/a%20b%2F%25/%2D/2025/01/02/03/batch%2F1.ndjson.gz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := at(2025, 1, 2, 3, 4, 5)
			key := DeadLetterKey(tt.logType, tt.account, ts, "batch/1.ndjson.gz")
			if key != tt.want {
				t.Errorf("DeadLetterKey = %q, want %q", key, tt.want)
			}
			loc, err := Parse(key)
			if err != nil {
				t.Fatalf("Parse(%q): %v", key, err)
			}
			want := Location{Key: key, Source: SourceOrgSIEM, LogType: tt.logType, Account: tt.account,
				Time: at(2025, 1, 2, 3, 0, 0), Skip: SkipDeadLetter}
			if loc != want {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", key, loc, want)
			}
		})
	}
}

func TestUnescapeAcceptsLowerCaseHex(t *testing.T) {
	loc, err := Parse("CWLogs/123456789012/us-east-1/%2faws%2Flambda/2025/01/02/03/n.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	if loc.LogGroup != "/aws/lambda" {
		t.Errorf("LogGroup = %q, want /aws/lambda", loc.LogGroup)
	}
}

func TestAccountWritePrefixes(t *testing.T) {
	got := AccountWritePrefixes("o-exampleorgid", "123456789012")
	want := []string{"AWSLogs/o-exampleorgid/123456789012/*", "AWSLogs/123456789012/*", "CWLogs/123456789012/*"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("AccountWritePrefixes = %q, want %q", got, want)
	}
	got = AccountWritePrefixes("", "${aws:PrincipalAccount}")
	want = []string{"AWSLogs/${aws:PrincipalAccount}/*", "CWLogs/${aws:PrincipalAccount}/*"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("AccountWritePrefixes without organization = %q, want %q", got, want)
	}
	// Every key the account's writers produce falls under one of its prefixes.
	keys := []string{
		CWLogsKey("123456789012", "us-east-1", "/aws/lambda/f", at(2025, 1, 2, 3, 0, 0), "n"),
		"AWSLogs/123456789012/vpcflowlogs/us-east-1/2025/01/02/x.log.gz",
		"AWSLogs/o-exampleorgid/123456789012/CloudTrail/us-east-1/2025/01/02/x.json.gz",
	}
	prefixes := AccountWritePrefixes("o-exampleorgid", "123456789012")
	for _, k := range keys {
		if !underAny(k, prefixes) {
			t.Errorf("key %q is under none of %q", k, prefixes)
		}
	}
	if k := CWLogsKey("210987654321", "us-east-1", "g", at(2025, 1, 2, 3, 0, 0), "n"); underAny(k, prefixes) {
		t.Errorf("another account's key %q is under %q", k, prefixes)
	}
}

func underAny(key string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(key, strings.TrimSuffix(p, "*")) {
			return true
		}
	}
	return false
}

func TestTrailPrefix(t *testing.T) {
	if got, want := TrailPrefix("o-exampleorgid"), "AWSLogs/o-exampleorgid/*"; got != want {
		t.Errorf("TrailPrefix = %q, want %q", got, want)
	}
}

package lambdaenv_test

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/orgsiem/orgsiem/functions/loader"
	"github.com/orgsiem/orgsiem/functions/maintain"
	"github.com/orgsiem/orgsiem/functions/report"
	"github.com/orgsiem/orgsiem/functions/subscribe"
	"github.com/orgsiem/orgsiem/functions/transfer"
	"github.com/orgsiem/orgsiem/internal/lambdaenv"
	"github.com/orgsiem/orgsiem/member"
	"github.com/orgsiem/orgsiem/policies"
)

// valid holds a value every reader accepts for each variable, so a reader
// that stops at its first error cannot hide the variables it reads later.
var valid = map[string]string{
	lambdaenv.ArchiveBucket:         "orgsiem-archive-222222222222-eu-west-1",
	lambdaenv.ArchiveBucketRegion:   "eu-west-1",
	lambdaenv.ArchiveAccountID:      "222222222222",
	lambdaenv.ArchiveKMSKeyARN:      "arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab",
	lambdaenv.DestinationARN:        "arn:aws:lambda:eu-west-1:444444444444:function:orgsiem-transfer",
	lambdaenv.IncludePatterns:       "/aws/lambda/*",
	lambdaenv.ExcludePatterns:       "/aws/lambda/noisy",
	lambdaenv.PipelineLogGroups:     "/aws/lambda/orgsiem-transfer",
	lambdaenv.SubscriptionMode:      "loggroup",
	lambdaenv.OpenSearchEndpoint:    "vpc-orgsiem.eu-west-1.es.amazonaws.com",
	lambdaenv.IngestQueueURL:        "https://sqs.eu-west-1.amazonaws.com/333333333333/orgsiem-ingest",
	lambdaenv.SnapshotBucket:        "orgsiem-snapshots-333333333333-eu-west-1",
	lambdaenv.AlertTopicARN:         "arn:aws:sns:eu-west-1:333333333333:orgsiem-alerts",
	lambdaenv.SnapshotRoleARN:       "arn:aws:iam::333333333333:role/orgsiem-snapshot",
	lambdaenv.AlertRoleARN:          "arn:aws:iam::333333333333:role/orgsiem-alerts-publisher",
	lambdaenv.SnapshotRetentionDays: "30",
	lambdaenv.HotIndexDays:          "90",
	lambdaenv.OrganizationID:        "o-abcdef1234",
	lambdaenv.ManagementAccountID:   "111111111111",
	lambdaenv.DataNodes:             "3",
	lambdaenv.WarmAfterDays:         "45",
	lambdaenv.ReportWindow:          "24h",
	lambdaenv.BackendRoles:          `{"loader":"arn:aws:iam::333333333333:role/orgsiem-loader"}`,
	lambdaenv.Region:                "eu-west-1",
	lambdaenv.GeoIP:                 "s3://geo/City.mmdb",
	lambdaenv.AccountEnrichment:     lambdaenv.AccountEnrichmentOn,
	lambdaenv.CustomRules:           "s3://orgsiem-rules-333333333333/custom/",
	lambdaenv.RuleParameters:        `{"allowed_regions":["eu-west-1"]}`,
	lambdaenv.NotificationChannels: `{"alertTopicMinSeverity":"high","channels":[{"name":"soc","type":"slack","minSeverity":"critical",` +
		`"secret":"arn:aws:secretsmanager:eu-west-1:333333333333:secret:orgsiem/slack-AbCdEf"}]}`,
	"AWS_REGION":                "eu-west-1",
	"AWS_LAMBDA_FUNCTION_NAME":  "orgsiem-subscribe",
	"AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/orgsiem-subscribe",
}

func ignoreResult[T any](f func(func(string) string) (T, error)) func(func(string) string) error {
	return func(getenv func(string) string) error { _, err := f(getenv); return err }
}

func TestEveryFunctionReadsExactlyItsVariables(t *testing.T) {
	for _, tc := range []struct {
		name string
		read func(func(string) string) error
		vars []string
	}{
		{"transfer", ignoreResult(transfer.ConfigFromEnv), lambdaenv.TransferVars()},
		{"subscribe", ignoreResult(subscribe.ConfigFromEnv), lambdaenv.SubscribeVars()},
		{"loader", ignoreResult(loader.ConfigFromEnv), lambdaenv.LoaderVars()},
		{"report", ignoreResult(report.ConfigFromEnv), lambdaenv.ReportVars()},
		{"maintain", ignoreResult(maintain.ConfigFromEnv), lambdaenv.MaintainVars()},
	} {
		t.Run("the "+tc.name+" function reads exactly its variables", func(t *testing.T) {
			read := map[string]bool{}
			err := tc.read(func(k string) string {
				v, ok := valid[k]
				if !ok {
					t.Errorf("reads %s, which no test value exists for", k)
				}
				if strings.HasPrefix(k, "ORGSIEM_") {
					read[k] = true
				}
				return v
			})
			if err != nil {
				t.Fatalf("valid configuration refused: %v", err)
			}
			var got []string
			for k := range read {
				got = append(got, k)
			}
			sort.Strings(got)
			want := slices.Clone(tc.vars)
			sort.Strings(want)
			if !slices.Equal(got, want) {
				t.Errorf("reads %v, the contract lists %v", got, want)
			}
		})
	}
}

func TestTheMemberBaselineSetsOnlyVariablesTheFunctionsRead(t *testing.T) {
	tmpl, err := member.Baseline(member.Config{
		Org: policies.Org{ID: "o-abcdef1234", Management: "111111111111", LogArchive: "222222222222", Security: "333333333333",
			HomeRegion: "eu-west-1"},
		ArchiveKeyARN: valid[lambdaenv.ArchiveKMSKeyARN], Mode: member.ModeLogGroup,
		Include: []string{"/aws/lambda/*"}, OwnLogGroups: []string{"/aws/lambda/orgsiem-transfer"},
		LogRetentionDays: 365, SweepSchedule: "rate(1 day)", TransferCodeKey: "lambda/t.zip", SubscribeCodeKey: "lambda/s.zip",
	})
	if err != nil {
		t.Fatal(err)
	}
	reads := map[string][]string{
		policies.TransferFunction: lambdaenv.TransferVars(), policies.SubscribeFunction: lambdaenv.SubscribeVars(),
	}
	seen := 0
	for id, r := range tmpl.Resources {
		if r.Type != "AWS::Lambda::Function" {
			continue
		}
		name, _ := r.Properties["FunctionName"].(string)
		known, ok := reads[name]
		if !ok {
			t.Errorf("%s: function %q has no variable list in lambdaenv", id, name)
			continue
		}
		seen++
		env, _ := r.Properties["Environment"].(member.Props)
		vars, _ := env["Variables"].(member.Props)
		if len(vars) == 0 {
			t.Errorf("%s sets no variables", name)
		}
		for k := range vars {
			if !slices.Contains(known, k) {
				t.Errorf("%s: sets %s, which the function does not read", name, k)
			}
		}
	}
	if seen != len(reads) {
		t.Errorf("found %d functions in the baseline, want %d", seen, len(reads))
	}
}

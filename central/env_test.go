package central

import (
	"slices"
	"sort"
	"testing"

	"github.com/orgsiem/orgsiem/internal/lambdaenv"
	"github.com/orgsiem/orgsiem/policies"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func sampleArgs(geoIP []string, enrichment bool) *SIEMArgs {
	a := &SIEMArgs{
		Org: policies.Org{ID: "o-abcdef1234", Management: "111111111111", LogArchive: "222222222222", Security: "333333333333",
			HomeRegion: "eu-west-1"},
		ReportWindow: "24h", SnapshotRetentionDays: 30, HotIndexDays: 90,
		GeoIPDatabases: geoIP, AccountEnrichment: enrichment,
	}
	if enrichment {
		a.CustomRules, a.RuleParameters = "s3://orgsiem-rules/custom/", `{"allowed_regions":["eu-west-1"]}`
	}
	return a
}

func keys(m pulumi.StringMap) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sorted(s []string) []string { s = slices.Clone(s); sort.Strings(s); return s }

func TestFunctionEnvironmentsAreWhatTheFunctionsRead(t *testing.T) {
	in := FunctionInputs{
		Endpoint: pulumi.String("vpc-orgsiem.eu-west-1.es.amazonaws.com"), QueueURL: pulumi.String("https://sqs/q"),
		SnapshotBucket: pulumi.String("snap"), TopicARN: pulumi.String("arn:aws:sns:eu-west-1:333333333333:orgsiem-alerts"),
		SnapshotRoleARN: pulumi.String("arn:aws:iam::333333333333:role/orgsiem-snapshot"),
		AlertRoleARN:    pulumi.String("arn:aws:iam::333333333333:role/orgsiem-alerts-publisher"),
	}
	plain, full := sampleArgs(nil, false), sampleArgs([]string{"s3://geo/City.mmdb", "s3://geo/ASN.mmdb"}, true)
	for _, tc := range []struct {
		name  string
		env   pulumi.StringMap
		reads []string
		want  []string // the exact key set
	}{
		{"the loader gets every variable it reads when every option is on", full.LoaderEnv(in), lambdaenv.LoaderVars(),
			lambdaenv.LoaderVars()},
		{"the loader gets no optional variable when no option is set", plain.LoaderEnv(in), lambdaenv.LoaderVars(),
			[]string{EnvOpenSearchEndpoint, EnvIngestQueueURL, EnvArchiveBucket, EnvRegion,
				lambdaenv.OrganizationID, lambdaenv.ManagementAccountID, lambdaenv.HotIndexDays}},
		{"the report gets exactly the variables it reads", full.ReportEnv(in), lambdaenv.ReportVars(), lambdaenv.ReportVars()},
		{"maintain gets exactly the variables it reads", full.MaintainEnv(in, "{}"), lambdaenv.MaintainVars(), lambdaenv.MaintainVars()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := keys(tc.env)
			for _, k := range got {
				if !slices.Contains(tc.reads, k) {
					t.Errorf("sets %s, which the function does not read", k)
				}
			}
			if want := sorted(tc.want); !slices.Equal(got, want) {
				t.Errorf("sets %v, want %v", got, want)
			}
		})
	}
}

func TestLoaderOptionsFollowTheArguments(t *testing.T) {
	opt, err := sampleArgs([]string{"s3://geo/maxmind/City.mmdb"}, true).LoaderOptions()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(opt.GeoIPObjects, []string{"arn:aws:s3:::geo/maxmind/City.mmdb"}) {
		t.Errorf("options %+v", opt)
	}
	if opt, err := sampleArgs(nil, false).LoaderOptions(); err != nil || opt.GeoIPObjects != nil {
		t.Errorf("no options asked, got %+v, %v", opt, err)
	}
	if _, err := sampleArgs([]string{"s3://geo/maxmind/*"}, false).LoaderOptions(); err == nil {
		t.Error("a wildcard GeoIP location was accepted")
	}
}

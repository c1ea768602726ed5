package stacks

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/orgsiem/orgsiem/member"
	"github.com/orgsiem/orgsiem/policies"
)

func TestResourcesLandInTheRightAccountAndRegion(t *testing.T) {
	rs := mustDeploy(t, sampleConfig(t))
	o := Config{OrganizationID: sampleOrg, ManagementAccountID: sampleManagement, LogArchiveAccountID: sampleLogArchive,
		SecurityAccountID: sampleSecurity, HomeRegion: sampleHome}.Org()
	type where struct{ account, region string }
	home := func(a string) where { return where{a, sampleHome} }
	want := map[string]where{
		"aws:cloudtrail/trail:Trail":                           home(sampleManagement),
		"aws:cloudformation/stackSet:StackSet":                 home(sampleManagement),
		"aws:cloudformation/stackSetInstance:StackSetInstance": home(sampleManagement),
		"aws:opensearch/domain:Domain":                         home(sampleSecurity),
		"aws:sqs/queue:Queue":                                  home(sampleSecurity),
		"aws:lambda/function:Function":                         home(sampleSecurity),
		"aws:sns/topic:Topic":                                  home(sampleSecurity),
		"aws:ec2/vpc:Vpc":                                      home(sampleSecurity),
		"aws:cloudwatch/metricAlarm:MetricAlarm":               home(sampleSecurity),
		"aws:s3/bucketNotification:BucketNotification":         home(sampleLogArchive),
	}
	seen := map[string]int{}
	for _, r := range rs {
		if w, ok := want[r.Type]; ok {
			if r.Type == "aws:lambda/function:Function" && r.Inputs["name"] == policies.DirectoryFunction {
				w = home(sampleManagement) // Organizations is called from the management account
			}
			seen[r.Type]++
			if r.Account != w.account || r.Region != w.region {
				t.Errorf("%s %s is in %s/%s, want %s/%s", r.Type, r.Name, r.Account, r.Region, w.account, w.region)
			}
		}
		if strings.HasPrefix(r.Type, "aws:") && r.Account == "" {
			t.Errorf("%s %s has no account-pinned provider", r.Type, r.Name)
		}
	}
	for typ := range want {
		if seen[typ] == 0 {
			t.Errorf("no %s created", typ)
		}
	}
	buckets := map[string]where{
		o.ArchiveBucket():             home(sampleLogArchive),
		o.SnapshotBucket():            home(sampleSecurity),
		o.ArtifactBucket(sampleHome):  home(sampleManagement),
		o.ArtifactBucket(sampleOther): {sampleManagement, sampleOther},
	}
	for _, r := range ofType(rs, "aws:s3/bucketV2:BucketV2") {
		name := asString(r.Inputs["bucket"])
		w, ok := buckets[name]
		if !ok {
			t.Errorf("unexpected bucket %s", name)
			continue
		}
		delete(buckets, name)
		if r.Account != w.account || r.Region != w.region {
			t.Errorf("bucket %s is in %s/%s, want %s/%s", name, r.Account, r.Region, w.account, w.region)
		}
	}
	if len(buckets) > 0 {
		t.Errorf("buckets not created: %v", slices.Collect(maps.Keys(buckets)))
	}
	// One StackSet instance and one management stack per collected region,
	// the instances targeting the organization root by default.
	var regions []string
	for _, r := range ofType(rs, "aws:cloudformation/stackSetInstance:StackSetInstance") {
		regions = append(regions, asString(r.Inputs["region"]))
		if ous := fmt.Sprint(get(r.Inputs, "deploymentTargets.organizationalUnitIds")); ous != "["+sampleRoot+"]" {
			t.Errorf("instance targets %s, want the root %s", ous, sampleRoot)
		}
	}
	var stackRegions []string
	for _, r := range ofType(rs, "aws:cloudformation/stack:Stack") {
		if r.Account != sampleManagement {
			t.Errorf("baseline stack %s is in account %s, want the management account", r.Name, r.Account)
		}
		stackRegions = append(stackRegions, r.Region)
	}
	slices.Sort(regions)
	slices.Sort(stackRegions)
	if w := []string{sampleOther, sampleHome}; !slices.Equal(regions, w) || !slices.Equal(stackRegions, w) {
		t.Errorf("instances in %v and management stacks in %v, want both %v", regions, stackRegions, w)
	}
}

func TestManagementAndMembersGetTheSameBaseline(t *testing.T) {
	rs := mustDeploy(t, sampleConfig(t))
	sets := ofType(rs, "aws:cloudformation/stackSet:StackSet")
	if len(sets) != 1 {
		t.Fatalf("%d StackSets, want 1", len(sets))
	}
	ss := sets[0]
	if asString(ss.Inputs["permissionModel"]) != "SERVICE_MANAGED" || get(ss.Inputs, "autoDeployment.enabled") != true {
		t.Errorf("StackSet is not service-managed with auto-deployment: %v", ss.Inputs)
	}
	body := asString(ss.Inputs["templateBody"])
	if !json.Valid([]byte(body)) || !strings.Contains(body, member.TransferFunctionID) {
		t.Fatalf("StackSet template is not the baseline: %.200s", body)
	}
	stacks := ofType(rs, "aws:cloudformation/stack:Stack")
	if len(stacks) != 2 {
		t.Fatalf("%d management stacks, want 2", len(stacks))
	}
	for _, s := range stacks {
		if asString(s.Inputs["templateBody"]) != body {
			t.Errorf("management stack %s template differs from the StackSet template", s.Name)
		}
	}
}

func TestBadConfigurationFailsBeforeAnyResource(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(c map[string]string)
		key  string
		// providersFirst: the check needs the providers (an invoke).
		providersFirst bool
	}{
		{"a missing organization id is refused", func(c map[string]string) { delete(c, "organizationId") }, "orgsiem:organizationId", false},
		{"a log-archive account equal to the management account is refused",
			func(c map[string]string) { c["logArchiveAccountId"] = sampleManagement }, "orgsiem:logArchiveAccountId", false},
		{"a security account equal to the management account is refused",
			func(c map[string]string) { c["securityAccountId"] = sampleManagement }, "orgsiem:securityAccountId", false},
		{"prod data nodes that are not a multiple of the AZ count are refused",
			func(c map[string]string) { c["opensearchProfile"] = "prod"; c["opensearchDataNodes"] = "4" }, "orgsiem:opensearchDataNodes", false},
		{"an unknown subscription mode is refused", func(c map[string]string) { c["subscriptionMode"] = "stream" }, "orgsiem:subscriptionMode", false},
		{"regions without the home region are refused", func(c map[string]string) { c["regions"] = `["us-east-1"]` }, "orgsiem:regions", false},
		{"patterns in account mode are refused",
			func(c map[string]string) {
				c["subscriptionMode"] = "account"
				c["excludeLogGroups"] = `["/aws/lambda/noisy-*"]`
			}, "orgsiem:excludeLogGroups", false},
		{"an existing VPC without its CIDR is refused",
			func(c map[string]string) {
				c["vpcId"] = "vpc-0123456789abcdef0"
				c["subnetIds"] = `["subnet-01234567","subnet-89abcdef"]`
			}, "orgsiem:vpcCidr", false},
		{"a missing Lambda package is refused", func(c map[string]string) {
			if err := os.Remove(filepath.Join(c["buildDir"], "loader.zip")); err != nil {
				panic(err)
			}
		}, "make package", false},
		{"organization id of other credentials is refused", func(c map[string]string) { c["organizationId"] = "o-zzzzzzzzzz" }, "orgsiem:organizationId", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := sampleConfig(t)
			tc.edit(c)
			w, err := deploy(t, c, 3)
			if err == nil || !strings.Contains(err.Error(), tc.key) {
				t.Fatalf("error %v, want one naming %s", err, tc.key)
			}
			for _, r := range w.resources {
				// Checking the organization needs the management provider;
				// everything else fails before even a provider exists.
				if !tc.providersFirst || !strings.HasPrefix(r.Type, "pulumi:providers:") {
					t.Errorf("%s %s was created before the configuration was refused", r.Type, r.Name)
				}
			}
		})
	}
}

func TestResourceCountDoesNotGrowWithTheOrganization(t *testing.T) {
	counts := map[int]int{}
	for _, n := range []int{1, 1000} {
		w, err := deploy(t, sampleConfig(t), n)
		if err != nil {
			t.Fatal(err)
		}
		counts[n] = len(w.resources)
	}
	if counts[1] != counts[1000] || counts[1] == 0 {
		t.Errorf("resources: %d for 1 member account, %d for 1000", counts[1], counts[1000])
	}
}

// BenchmarkProgram evaluates the whole program under mocks for
// organizations of growing size; members come from the StackSet, so the
// resource count and the time must stay flat.
func BenchmarkProgram(b *testing.B) {
	cfg := sampleConfig(b)
	for _, n := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var res int
			for b.Loop() {
				w, err := deploy(b, cfg, n)
				if err != nil {
					b.Fatal(err)
				}
				res = len(w.resources)
			}
			b.ReportMetric(float64(res), "resources")
		})
	}
}

// every policy document the program renders, by resource.
func renderedPolicies(t *testing.T, rs []recorded) map[string]policies.Document {
	t.Helper()
	fields := map[string]string{
		"aws:s3/bucketPolicy:BucketPolicy": "policy", "aws:kms/key:Key": "policy", "aws:sqs/queuePolicy:QueuePolicy": "policy",
		"aws:sns/topicPolicy:TopicPolicy": "policy", "aws:iam/rolePolicy:RolePolicy": "policy", "aws:iam/role:Role": "assumeRolePolicy",
		"aws:opensearch/domain:Domain": "accessPolicies", "aws:cloudwatch/eventBusPolicy:EventBusPolicy": "policy",
		"aws:cloudwatch/logResourcePolicy:LogResourcePolicy": "policyDocument",
	}
	out := map[string]policies.Document{}
	for _, r := range rs {
		f, ok := fields[r.Type]
		if !ok {
			continue
		}
		d, err := policies.Parse([]byte(asString(r.Inputs[f])))
		if err != nil || len(d.Statement) == 0 {
			t.Fatalf("%s %s: policy %q: %v", r.Type, r.Name, r.Inputs[f], err)
		}
		out[r.Type+" "+r.Name] = d
	}
	return out
}

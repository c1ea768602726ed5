package stacks

import (
	"testing"

	"github.com/orgsiem/orgsiem/central"
	"github.com/orgsiem/orgsiem/policies"
)

// Organizations delivers its events only to us-east-1 (AWS re:Post
// Knowledge Center, "use EventBridge rules across Regions"): with a home
// region elsewhere, a us-east-1 rule of the management account forwards
// them to the home region's default bus, where a rule runs the directory.
func TestOrganizationsChangesReachTheDirectoryFromUSEast1(t *testing.T) {
	rs := mustDeploy(t, sampleConfig(t)) // home eu-west-1
	o := Config{OrganizationID: sampleOrg, ManagementAccountID: sampleManagement, LogArchiveAccountID: sampleLogArchive,
		SecurityAccountID: sampleSecurity, HomeRegion: sampleHome}.Org()
	rules := map[string]recorded{}
	for _, r := range ofType(rs, "aws:cloudwatch/eventRule:EventRule") {
		rules[asString(r.Inputs["name"])] = r
	}
	fwd, ok := rules["orgsiem-directory-forward"]
	if !ok || fwd.Account != sampleManagement || fwd.Region != central.OrganizationsRegion {
		t.Fatalf("forwarding rule %+v, want one in %s/%s", fwd, sampleManagement, central.OrganizationsRegion)
	}
	home, ok := rules["orgsiem-directory-changes"]
	if !ok || home.Account != sampleManagement || home.Region != sampleHome {
		t.Fatalf("home rule %+v", home)
	}
	targets := map[string]string{}
	for _, tg := range ofType(rs, "aws:cloudwatch/eventTarget:EventTarget") {
		targets[tg.Name] = asString(tg.Inputs["arn"]) + "@" + tg.Region
	}
	if got := targets["directory-forward-target"]; got != o.ManagementBusARN(sampleHome)+"@"+central.OrganizationsRegion {
		t.Errorf("us-east-1 rule targets %s, want the home region's default bus", got)
	}
	if _, ok := targets["directory-changes-target"]; !ok {
		t.Error("the home rule has no target")
	}
	for _, f := range ofType(rs, "aws:lambda/function:Function") {
		if f.Inputs["name"] == policies.DirectoryFunction && get(f.Inputs, "vpcConfig") != nil {
			t.Error("the directory function is in a VPC")
		}
	}
}

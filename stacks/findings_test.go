package stacks

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/policies"
)

// With findings on, the management account designates the security account
// as GuardDuty and Security Hub administrator in every region (the
// EnableOrganizationAdminAccount APIs are called from the management
// account: GuardDuty User Guide, "Designating a delegated GuardDuty
// administrator account"; Security Hub User Guide, "Designating a delegated
// Security Hub administrator"), the security account auto-enables members
// and subscribes the configured standards, and each finding type has a
// 60-second Firehose stream writing to its typed prefix of the archive.
func TestFindingsDelegatedAdministratorAndDelivery(t *testing.T) {
	cfg := sampleConfig(t)
	cfg["findings"] = `{"guardduty":true,"securityHub":true,"standards":["fsbp","pci"]}`
	rs := mustDeploy(t, cfg)
	regions := map[string]bool{sampleHome: true, sampleOther: true}
	for _, typ := range []string{"aws:guardduty/organizationAdminAccount:OrganizationAdminAccount", "aws:securityhub/organizationAdminAccount:OrganizationAdminAccount"} {
		got := map[string]bool{}
		for _, r := range ofType(rs, typ) {
			if r.Account != sampleManagement || asString(r.Inputs["adminAccountId"]) != sampleSecurity {
				t.Errorf("%s %s: account %s admin %v, want the management account designating %s", typ, r.Name, r.Account, r.Inputs["adminAccountId"], sampleSecurity)
			}
			got[r.Region] = true
		}
		if len(got) != len(regions) {
			t.Errorf("%s in regions %v, want %v", typ, got, regions)
		}
	}
	for _, r := range ofType(rs, "aws:guardduty/organizationConfiguration:OrganizationConfiguration") {
		if r.Account != sampleSecurity || asString(r.Inputs["autoEnableOrganizationMembers"]) != "ALL" {
			t.Errorf("guardduty org configuration %s: account %s, autoEnable %v", r.Name, r.Account, r.Inputs["autoEnableOrganizationMembers"])
		}
	}
	subs := ofType(rs, "aws:securityhub/standardsSubscription:StandardsSubscription")
	if len(subs) != 4 {
		t.Errorf("%d standards subscriptions, want 2 standards x 2 regions", len(subs))
	}
	for _, r := range subs {
		arn := asString(r.Inputs["standardsArn"])
		if r.Account != sampleSecurity || !strings.Contains(arn, ":"+r.Region+"::standards/") {
			t.Errorf("standard %s in %s/%s", arn, r.Account, r.Region)
		}
	}
	if aggs := ofType(rs, "aws:securityhub/findingAggregator:FindingAggregator"); len(aggs) != 1 || aggs[0].Region != sampleHome {
		t.Errorf("aggregators %v, want one in the home region", aggs)
	}
	streams := ofType(rs, "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream")
	if len(streams) != 2 {
		t.Fatalf("%d streams, want one per finding type", len(streams))
	}
	o := Config{OrganizationID: sampleOrg, ManagementAccountID: sampleManagement, LogArchiveAccountID: sampleLogArchive,
		SecurityAccountID: sampleSecurity, HomeRegion: sampleHome}.Org()
	for _, s := range streams {
		prefix := asString(get(s.Inputs, "extendedS3Configuration.prefix"))
		loc, err := archive.Parse(prefix + "2026/03/15/09/" + asString(s.Inputs["name"]) + "-1-2026-03-15-09-21-07-0f4c9a1e-2f7d-4a8b-9c3e-5d6f7a8b9c0d.gz")
		if err != nil || (loc.LogType != archive.TypeGuardDuty && loc.LogType != archive.TypeSecurityHub) {
			t.Errorf("stream %s writes %q, which the archive reads as %+v, %v", s.Name, prefix, loc, err)
		}
		if get(s.Inputs, "extendedS3Configuration.bufferingInterval") != float64(60) {
			t.Errorf("stream %s buffers %v s, want 60", s.Name, get(s.Inputs, "extendedS3Configuration.bufferingInterval"))
		}
		if asString(get(s.Inputs, "extendedS3Configuration.bucketArn")) != o.ArchiveBucketARN() || s.Account != sampleSecurity || s.Region != sampleHome {
			t.Errorf("stream %s: bucket %v in %s/%s", s.Name, get(s.Inputs, "extendedS3Configuration.bucketArn"), s.Account, s.Region)
		}
	}
	// Rules: one per type in the home region, one forwarder per other region.
	var home, forward int
	for _, r := range ofType(rs, "aws:cloudwatch/eventRule:EventRule") {
		if !strings.HasPrefix(asString(r.Inputs["name"]), policies.FindingsStreamPrefix) {
			continue
		}
		var p map[string][]string
		if err := json.Unmarshal([]byte(asString(r.Inputs["eventPattern"])), &p); err != nil {
			t.Fatal(err)
		}
		switch {
		case r.Region == sampleHome:
			home++
		case p["detail-type"][0] == "GuardDuty Finding":
			forward++
		}
	}
	if home != 2 || forward != 1 {
		t.Errorf("%d home rules and %d forwarders, want 2 and 1", home, forward)
	}
}

// Off by default; a standard without Security Hub or an unknown one is a
// configuration error naming the key.
func TestFindingsConfig(t *testing.T) {
	rs := mustDeploy(t, sampleConfig(t))
	if n := len(ofType(rs, "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream")); n != 0 {
		t.Errorf("%d streams with findings off", n)
	}
	for _, bad := range []string{`{"guardduty":true,"standards":["fsbp"]}`, `{"securityHub":true,"standards":["nist"]}`, `{"guarduty":true}`} {
		cfg := sampleConfig(t)
		cfg["findings"] = bad
		if _, err := deploy(t, cfg, 1); err == nil || !strings.Contains(err.Error(), "orgsiem:findings") {
			t.Errorf("findings %s: err %v, want one naming orgsiem:findings", bad, err)
		}
	}
}

// sources.vpcFlowLogs puts the sources function into the member baseline
// the StackSet distributes; off by default.
func TestSourcesConfigReachesTheBaseline(t *testing.T) {
	has := func(cfg map[string]string) bool {
		for _, r := range mustDeploy(t, cfg) {
			if r.Type == "aws:cloudformation/stackSet:StackSet" {
				return strings.Contains(asString(r.Inputs["templateBody"]), policies.SourcesFunction)
			}
		}
		t.Fatal("no StackSet")
		return false
	}
	if has(sampleConfig(t)) {
		t.Error("flow logs enabled by default")
	}
	cfg := sampleConfig(t)
	cfg["sources"] = `{"vpcFlowLogs":true}`
	if !has(cfg) {
		t.Error("sources.vpcFlowLogs did not add the sources function to the baseline")
	}
	cfg["sources"] = `{"vpcFlowLog":true}`
	if _, err := deploy(t, cfg, 1); err == nil || !strings.Contains(err.Error(), "orgsiem:sources") {
		t.Errorf("misspelt key: %v", err)
	}
}

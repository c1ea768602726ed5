package stacks

import (
	"encoding/json"
	"testing"

	"github.com/orgsiem/orgsiem/policies"
)

func TestTheArchiveIsProtectedAndWatched(t *testing.T) {
	rs := mustDeploy(t, sampleConfig(t))
	o := Config{OrganizationID: sampleOrg, ManagementAccountID: sampleManagement, LogArchiveAccountID: sampleLogArchive,
		SecurityAccountID: sampleSecurity, HomeRegion: sampleHome}.Org()

	// `pulumi destroy` must not delete the key (crypto-shredding every
	// locked object) or the bucket.
	for _, r := range rs {
		isArchive := (r.Type == "aws:kms/key:Key" && r.Name == "archive-key") ||
			(r.Type == "aws:s3/bucketV2:BucketV2" && asString(r.Inputs["bucket"]) == o.ArchiveBucket())
		if isArchive && (!r.Protect || !r.RetainOnDelete) {
			t.Errorf("%s %s: protect %v, retainOnDelete %v", r.Type, r.Name, r.Protect, r.RetainOnDelete)
		}
	}

	// The bucket and key policies except exactly the break-glass and deploy
	// roles.
	cfg := sampleConfig(t)
	cfg["breakGlassRole"] = "orgsiem-break-glass"
	c, err := Parse(lookup(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Org().ArchiveAdmins; len(got) != 2 || got[0] != "OrganizationAccountAccessRole" || got[1] != "orgsiem-break-glass" {
		t.Errorf("archive admins %v", got)
	}

	// The security account's bus gets one statement, not a whole policy:
	// pulumi-aws's EventBusPolicy "is incompatible with the EventBridge
	// permission resource (aws.cloudwatch.EventPermission) and will
	// overwrite permissions".
	if n := len(ofType(rs, "aws:cloudwatch/eventBusPolicy:EventBusPolicy")); n != 0 {
		t.Errorf("%d EventBusPolicy resources replace the security bus policy", n)
	}
	perms := ofType(rs, "aws:cloudwatch/eventPermission:EventPermission")
	if len(perms) != 1 || perms[0].Account != sampleSecurity || get(perms[0].Inputs, "condition.value") != sampleOrg ||
		perms[0].Inputs["statementId"] != policies.CentralBusStatementID {
		t.Errorf("bus permissions %+v", perms)
	}

	// Tamper attempts in the log-archive account reach the security bus,
	// and from there the alert topic.
	rules := map[string]recorded{}
	for _, r := range ofType(rs, "aws:cloudwatch/eventRule:EventRule") {
		rules[asString(r.Inputs["name"])] = r
	}
	for _, name := range []string{"orgsiem-archive-tamper-s3", "orgsiem-archive-tamper-kms"} {
		r, ok := rules[name]
		if !ok || r.Account != sampleLogArchive {
			t.Errorf("rule %s: %+v", name, r)
			continue
		}
		var p map[string]any
		if err := json.Unmarshal([]byte(asString(r.Inputs["eventPattern"])), &p); err != nil {
			t.Errorf("%s pattern: %v", name, err)
		}
	}
	if r, ok := rules[policies.ArchiveTamperRule]; !ok || r.Account != sampleSecurity {
		t.Errorf("security tamper rule %+v", r)
	}
	n := 0
	for _, tg := range ofType(rs, "aws:cloudwatch/eventTarget:EventTarget") {
		if tg.Account == sampleLogArchive && asString(tg.Inputs["arn"]) == o.CentralBusARN() && asString(tg.Inputs["roleArn"]) != "" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d log-archive targets forward to the security bus with a role, want 2", n)
	}
}

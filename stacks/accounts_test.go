package stacks

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/orgsiem/orgsiem/member"
	"github.com/orgsiem/orgsiem/policies"
)

var reKeyARN = regexp.MustCompile(`arn:aws:kms:[a-z0-9-]+:([0-9]{12}):key/([A-Za-z0-9_-]+)`)

// With the mocks answering ARNs in the account of each resource's
// provider, every ARN the program wires into another resource must be the
// one of the right account: the archive key is the log-archive account's,
// the SIEM key and roles the security account's.
func TestARNsAreWiredAcrossTheRightAccounts(t *testing.T) {
	rs := mustDeploy(t, sampleConfig(t))
	keyAccount := map[string]string{}
	for _, r := range ofType(rs, "aws:kms/key:Key") {
		keyAccount[r.Name] = r.Account
	}
	if keyAccount["archive-key"] != sampleLogArchive || keyAccount["siem-key"] != sampleSecurity {
		t.Fatalf("keys in %v", keyAccount)
	}
	// Every reference to a key names the account that created it.
	for _, r := range rs {
		b, _ := json.Marshal(r.Inputs)
		for _, m := range reKeyARN.FindAllStringSubmatch(string(b), -1) {
			if want, ok := keyAccount[m[2]]; ok && m[1] != want {
				t.Errorf("%s %s refers to key %s in account %s, created in %s", r.Type, r.Name, m[2], m[1], want)
			}
		}
	}
	archiveKey := func(where, arn string) {
		t.Helper()
		if m := reKeyARN.FindStringSubmatch(arn); m == nil || m[1] != sampleLogArchive || m[2] != "archive-key" {
			t.Errorf("%s uses key %q, want the log-archive account's archive key", where, arn)
		}
	}
	for _, r := range ofType(rs, "aws:cloudtrail/trail:Trail") {
		archiveKey("the trail", asString(r.Inputs["kmsKeyId"]))
	}
	var tmpl struct {
		Resources map[string]struct{ Properties map[string]any }
	}
	if err := json.Unmarshal([]byte(asString(ofType(rs, "aws:cloudformation/stackSet:StackSet")[0].Inputs["templateBody"])), &tmpl); err != nil {
		t.Fatal(err)
	}
	env := get(tmpl.Resources[member.TransferFunctionID].Properties, "Environment.Variables").(map[string]any)
	archiveKey("the member transfer function", asString(env[member.EnvArchiveKeyARN]))
	for _, f := range ofType(rs, "aws:lambda/function:Function") {
		if f.Inputs["name"] == policies.DirectoryFunction {
			archiveKey("the directory function", asString(get(f.Inputs, "environment.variables.ORGSIEM_ARCHIVE_KMS_KEY_ARN")))
		}
	}
	// Role policies name keys of the right account.
	for _, r := range ofType(rs, "aws:iam/rolePolicy:RolePolicy") {
		doc, err := policies.Parse([]byte(asString(r.Inputs["policy"])))
		if err != nil {
			t.Fatalf("%s: %v", r.Name, err)
		}
		for _, st := range doc.Statement {
			for _, res := range st.Resource {
				if !strings.Contains(res, ":kms:") {
					continue
				}
				switch st.Sid {
				case "ArchiveKeyThroughS3":
					archiveKey(r.Name+" "+st.Sid, res)
				default:
					if m := reKeyARN.FindStringSubmatch(res); m == nil || m[1] != sampleSecurity {
						t.Errorf("%s %s uses key %s, want the security account's SIEM key", r.Name, st.Sid, res)
					}
				}
			}
		}
	}
	// The domain's master user is the security account's maintain role.
	o := Config{OrganizationID: sampleOrg, ManagementAccountID: sampleManagement, LogArchiveAccountID: sampleLogArchive,
		SecurityAccountID: sampleSecurity, HomeRegion: sampleHome}.Org()
	d := ofType(rs, "aws:opensearch/domain:Domain")[0]
	if got := asString(get(d.Inputs, "advancedSecurityOptions.masterUserOptions.masterUserArn")); got != o.SecurityRoleARN(policies.MaintainRole) {
		t.Errorf("domain master user %s, want %s", got, o.SecurityRoleARN(policies.MaintainRole))
	}
}

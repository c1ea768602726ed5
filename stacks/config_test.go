package stacks

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func lookup(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaultsAreDocumentedValues(t *testing.T) {
	c, err := Parse(lookup(map[string]string{
		"organizationId": sampleOrg, "managementAccountId": sampleManagement, "logArchiveAccountId": sampleLogArchive,
		"securityAccountId": sampleLogArchive, "homeRegion": sampleHome,
	}))
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintln(c.Regions, c.SubscriptionMode, c.ObjectLockMode, c.ObjectLockDays, c.OpenSearchProfile,
		c.OpenSearchDataNodes, c.AvailabilityZones(), c.DedicatedMasters(), c.AccountRole, c.HeartbeatLogTypes, c.BuildDir)
	want := "[eu-west-1] loggroup GOVERNANCE 365 dev 1 1 0 OrganizationAccountAccessRole [cloudtrail] build/lambda\n"
	if got != want {
		t.Errorf("defaults %q, want %q", got, want)
	}
}

func TestEveryProblemIsReportedWithItsKey(t *testing.T) {
	_, err := Parse(lookup(map[string]string{
		"managementAccountId": sampleManagement, "logArchiveAccountId": sampleManagement, "securityAccountId": "12",
		"homeRegion": "mars", "opensearchProfile": "prod", "opensearchDataNodes": "5", "reportWindow": "soon",
	}))
	if err == nil {
		t.Fatal("no error")
	}
	for _, key := range []string{"organizationId", "logArchiveAccountId", "securityAccountId", "homeRegion", "opensearchDataNodes", "reportWindow"} {
		if !strings.Contains(err.Error(), "orgsiem:"+key+":") {
			t.Errorf("error does not name %s:\n%v", key, err)
		}
	}
}

func TestTheExampleConfigurationIsValid(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "Pulumi.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Config map[string]any }
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	values := map[string]string{}
	for k, v := range doc.Config {
		key, ok := strings.CutPrefix(k, Namespace+":")
		if !ok {
			continue
		}
		if s, ok := v.(string); ok {
			values[key] = s
			continue
		}
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		values[key] = string(j)
	}
	c, err := Parse(lookup(values))
	if err != nil {
		t.Fatal(err)
	}
	if c.OpenSearchProfile != ProfileProd || len(c.Regions) != 2 || len(c.AlertEmails) != 1 {
		t.Errorf("example parsed as %+v", c)
	}
}

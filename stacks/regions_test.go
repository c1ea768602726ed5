package stacks

import (
	"encoding/json"
	"testing"

	"github.com/orgsiem/orgsiem/member"
)

// A two-region deployment: the member baseline runs in both regions, from
// one template, and the transfer function in each is told that the archive
// is in the home region (SDK v2 does not follow S3 region redirects).
func TestTwoRegionDeploymentTellsEveryTransferFunctionTheArchiveRegion(t *testing.T) {
	rs := mustDeploy(t, sampleConfig(t)) // regions: home and other
	sets := ofType(rs, "aws:cloudformation/stackSet:StackSet")
	if len(sets) != 1 {
		t.Fatalf("%d stack sets", len(sets))
	}
	var tmpl struct {
		Resources map[string]struct {
			Properties struct {
				Environment struct{ Variables map[string]any }
			}
		}
	}
	if err := json.Unmarshal([]byte(asString(sets[0].Inputs["templateBody"])), &tmpl); err != nil {
		t.Fatalf("template: %v", err)
	}
	if got := tmpl.Resources[member.TransferFunctionID].Properties.Environment.Variables[member.EnvArchiveRegion]; got != sampleHome {
		t.Errorf("transfer %s = %v, want %s", member.EnvArchiveRegion, got, sampleHome)
	}
	regions := map[string]bool{}
	for _, r := range ofType(rs, "aws:cloudformation/stackSetInstance:StackSetInstance") {
		regions[asString(r.Inputs["region"])] = true
	}
	if !regions[sampleHome] || !regions[sampleOther] {
		t.Errorf("baseline regions %v, want %s and %s", regions, sampleHome, sampleOther)
	}
}

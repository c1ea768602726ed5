package detect

import (
	"encoding/json"
	"testing"
)

func TestCoverageCountsOnlyTestedTechniques(t *testing.T) {
	cat := newCatalog()
	tested := &Rule{ID: "a", Tags: []string{"attack.persistence", "attack.t1098.001", "attack.g0016", "pci_dss.10.2"}, Tests: []Test{{Match: true}}}
	untested := &Rule{ID: "b", Tags: []string{"attack.t1530"}, Tests: []Test{{Match: false}}}
	cat.rules = []*Rule{tested, untested}
	cov := cat.Coverage()
	if len(cov) != 1 || cov[0].ID != "T1098.001" || len(cov[0].Rules) != 1 || cov[0].Rules[0] != "a" {
		t.Fatalf("coverage %+v: only the rule with a positive test counts", cov)
	}
	if len(cov[0].Tactics) != 1 || cov[0].Tactics[0] != "persistence" {
		t.Errorf("tactics %v: group tags are not tactics", cov[0].Tactics)
	}
	b, err := NavigatorLayer("orgsiem", cov)
	if err != nil {
		t.Fatal(err)
	}
	var layer struct {
		Domain     string            `json:"domain"`
		Versions   map[string]string `json:"versions"`
		Techniques []struct {
			TechniqueID string `json:"techniqueID"`
			Score       int    `json:"score"`
		} `json:"techniques"`
	}
	if err := json.Unmarshal(b, &layer); err != nil {
		t.Fatal(err)
	}
	if layer.Domain != "enterprise-attack" || layer.Versions["layer"] != "4.5" || len(layer.Techniques) != 1 || layer.Techniques[0].TechniqueID != "T1098.001" {
		t.Errorf("layer %s", b)
	}
}

func TestBuiltinCoverage(t *testing.T) {
	cat, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	cov := cat.Coverage()
	if len(cov) < 30 {
		t.Errorf("the built-in catalog covers %d techniques with tested rules; CATALOG.md claims more", len(cov))
	}
}

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rules coverage prints the techniques of tested rules and writes a
// Navigator layer a Navigator can open (layer format 4.5 fields).
func TestRulesCoverageWritesANavigatorLayer(t *testing.T) {
	layer := filepath.Join(t.TempDir(), "layer.json")
	r := runCLI(t, "rules", "coverage", "--layer", layer)
	if r.code != exitOK || !strings.Contains(r.stdout, "T1562.008") || !strings.Contains(r.stdout, "cloudtrail-stopped-or-deleted") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	b, err := os.ReadFile(layer)
	if err != nil {
		t.Fatal(err)
	}
	var l struct {
		Domain     string `json:"domain"`
		Techniques []struct {
			TechniqueID string `json:"techniqueID"`
			Score       int    `json:"score"`
		} `json:"techniques"`
	}
	if err := json.Unmarshal(b, &l); err != nil || l.Domain != "enterprise-attack" || len(l.Techniques) < 30 {
		t.Errorf("layer: %v, %d techniques", err, len(l.Techniques))
	}
	for _, tc := range l.Techniques {
		if tc.Score < 1 || !strings.HasPrefix(tc.TechniqueID, "T") {
			t.Errorf("technique %+v", tc)
		}
	}
	if r := runCLI(t, "rules", "coverage", "--layer", filepath.Join(t.TempDir(), "no", "such", "dir", "l.json")); r.code != exitError {
		t.Errorf("an unwritable layer exits %d", r.code)
	}
}

package detect

import (
	"encoding/json"
	"io/fs"
	"strings"
	"testing"

	"github.com/orgsiem/orgsiem/internal/logs"
)

// TestChangeRulesIgnoreFailedCalls: a change rule describes a change that
// happened; a call CloudTrail records with an errorCode (AccessDenied,
// Throttling, a validation error) changed nothing, and alerting on it is
// noise (issue: change rules fire on throttled or denied calls). Every rule
// with a filter_failed selection must stay silent when its own positive
// test event carries an errorCode — this fails if the filter is dropped or
// miswritten.
func TestChangeRulesIgnoreFailedCalls(t *testing.T) {
	cat, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.LoadTests(); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, r := range cat.Rules() {
		src, err := fs.ReadFile(builtinRules, r.File)
		if err != nil {
			t.Fatalf("%s: %v", r.ID, err)
		}
		if !strings.Contains(string(src), "filter_failed:") {
			continue
		}
		var positive *Test
		for i := range r.Tests {
			if tt := &r.Tests[i]; tt.Match && tt.Corpus == "" && len(tt.Events) == 1 {
				positive = tt
				break
			}
		}
		if positive == nil {
			t.Errorf("%s: no single-event positive test to derive the failed call from", r.ID)
			continue
		}
		var ev map[string]any
		if err := json.Unmarshal(positive.Events[0], &ev); err != nil {
			t.Fatalf("%s: %v", r.ID, err)
		}
		ev["errorCode"] = "AccessDenied"
		ev["errorMessage"] = "User is not authorized to perform this operation"
		raw, _ := json.Marshal(ev)
		failed := Test{Name: positive.Name + " (denied)", Match: false, Events: []json.RawMessage{raw}, Type: positive.Type}
		res := runTest(r, &failed, TestOptions{Normalize: logs.NormalizeRecord})
		if !res.Passed() {
			t.Errorf("%s: %s", r.ID, res.String())
		}
		checked++
	}
	if checked < 20 {
		t.Errorf("only %d rules filter failed calls; the change rules of pci/, cis/ and cloudtrail/ should", checked)
	}
}

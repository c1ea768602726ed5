package detect

import (
	"encoding/json"
	"sort"
	"strings"
)

// TechniqueCoverage is one ATT&CK technique the catalog detects: the rules
// tagged attack.tNNNN[.NNN] whose inline tests include an event the rule
// fires on. A tag on a rule without a positive test is not coverage: the
// catalog claims only what its tests show.
type TechniqueCoverage struct {
	ID      string   // T1078.004
	Tactics []string // attack.<tactic> tags of the covering rules, e.g. privilege-escalation
	Rules   []string // ids of the covering rules, sorted
}

// Coverage returns the techniques the catalog's tested rules cover, by id.
func (c *Catalog) Coverage() []TechniqueCoverage {
	byID := map[string]*TechniqueCoverage{}
	for _, r := range c.rules {
		if !hasPositiveTest(r) {
			continue
		}
		var tactics, techniques []string
		for _, tag := range r.Tags {
			name, ok := strings.CutPrefix(tag, "attack.")
			if !ok {
				continue
			}
			if isTechnique(name) {
				techniques = append(techniques, strings.ToUpper(name))
			} else if !strings.HasPrefix(name, "g") && !strings.HasPrefix(name, "s") {
				tactics = append(tactics, name) // groups (gNNNN) and software (sNNNN) are not tactics
			}
		}
		for _, id := range techniques {
			tc := byID[id]
			if tc == nil {
				tc = &TechniqueCoverage{ID: id}
				byID[id] = tc
			}
			tc.Rules = append(tc.Rules, r.ID)
			tc.Tactics = appendNew(tc.Tactics, tactics...)
		}
	}
	out := make([]TechniqueCoverage, 0, len(byID))
	for _, tc := range byID {
		sort.Strings(tc.Rules)
		sort.Strings(tc.Tactics)
		out = append(out, *tc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// hasPositiveTest loads the rule's tests (the built-in catalog parses them
// lazily) and reports whether one expects a match; a rule whose tests do
// not load covers nothing.
func hasPositiveTest(r *Rule) bool {
	if r.loadTests() != nil {
		return false
	}
	for _, t := range r.Tests {
		if t.Match {
			return true
		}
	}
	return false
}

// isTechnique reports whether an attack.* tag name is a technique id:
// t followed by four digits, optionally .NNN (Sigma tag convention).
func isTechnique(s string) bool {
	if len(s) != 5 && len(s) != 9 || s[0] != 't' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if i == 5 {
			if s[i] != '.' {
				return false
			}
			continue
		}
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func appendNew(list []string, vals ...string) []string {
	for _, v := range vals {
		if !contains(list, v) {
			list = append(list, v)
		}
	}
	return list
}

// NavigatorLayer writes the coverage as an ATT&CK Navigator layer (layer
// format 4.5, enterprise-attack): each covered technique scored by the
// number of rules covering it, the rule ids in its comment.
func NavigatorLayer(name string, cov []TechniqueCoverage) ([]byte, error) {
	type technique struct {
		TechniqueID string `json:"techniqueID"`
		Score       int    `json:"score"`
		Comment     string `json:"comment"`
		Enabled     bool   `json:"enabled"`
	}
	layer := struct {
		Name        string            `json:"name"`
		Versions    map[string]string `json:"versions"`
		Domain      string            `json:"domain"`
		Description string            `json:"description"`
		Techniques  []technique       `json:"techniques"`
		Gradient    map[string]any    `json:"gradient"`
	}{
		Name:        name,
		Versions:    map[string]string{"layer": "4.5", "navigator": "5.1.0", "attack": "16"},
		Domain:      "enterprise-attack",
		Description: "Techniques detected by orgsiem rules with a passing positive test; score = number of rules.",
		Techniques:  []technique{},
		Gradient:    map[string]any{"colors": []string{"#ffe766", "#8ec843"}, "minValue": 0, "maxValue": 5},
	}
	for _, tc := range cov {
		layer.Techniques = append(layer.Techniques, technique{TechniqueID: tc.ID, Score: len(tc.Rules), Comment: "rules: " + strings.Join(tc.Rules, ", "), Enabled: true})
	}
	return json.MarshalIndent(layer, "", "  ")
}

package search_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/orgsiem/orgsiem/internal/detect"
	"github.com/orgsiem/orgsiem/internal/search"
	"github.com/orgsiem/orgsiem/internal/search/searchtest"
)

func TestSavedObjectsImportCleanly(t *testing.T) {
	cat, err := detect.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	objs, err := search.BuildSavedObjects(cat, nil)
	if err != nil {
		t.Fatal(err)
	}
	nd, err := search.SavedObjectsNDJSON(objs)
	if err != nil {
		t.Fatal(err)
	}
	d := searchtest.NewDashboards(t)
	if err := d.Checker().Check(nd); err != nil {
		t.Fatalf("generated objects fail the recorded mappings:\n%v", err)
	}
	c, err := search.New(search.Config{URL: d.URL})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.ImportSavedObjects(context.Background(), search.DashboardsImportPath, nd)
	if err != nil {
		t.Fatal(err)
	}
	if res.SuccessCount != len(objs) || len(d.Imports()) != 1 {
		t.Errorf("imported %d of %d objects", res.SuccessCount, len(objs))
	}

	count := map[string]int{}
	var pci map[string]any
	for _, o := range objs {
		count[o.Type]++
		if o.ID == "orgsiem-dash-pci" {
			pci = o.Attributes
		}
	}
	var panels []any
	_ = json.Unmarshal([]byte(pci["panelsJSON"].(string)), &panels)
	if len(panels) != len(detect.Guidelines) {
		t.Errorf("PCI dashboard has %d panels, want one per guideline (%d)", len(panels), len(detect.Guidelines))
	}
	if count["dashboard"] < 4 || count["index-pattern"] < 3 {
		t.Errorf("object counts %v", count)
	}
	// A guideline visualization carries the catalog's filter.
	for _, o := range objs {
		if o.ID == "orgsiem-vis-pci-01" {
			meta := o.Attributes["opensearchDashboardsSavedObjectMeta"].(map[string]any)["searchSourceJSON"].(string)
			if !strings.Contains(meta, `"query":{"bool"`) {
				t.Errorf("pci-01 visualization has no guideline query: %s", meta)
			}
		}
	}
}

func TestSavedObjectCheckerBites(t *testing.T) {
	d := searchtest.NewDashboards(t)
	cases := []struct{ name, line, want string }{
		{"an unknown attribute", `{"type":"visualization","id":"v","attributes":{"title":"t","colour":"red"},"references":[]}`, "colour"},
		{"a visState that is not JSON", `{"type":"visualization","id":"v","attributes":{"title":"t","visState":"{nope"},"references":[]}`, "visState"},
		{"an unknown type", `{"type":"lens","id":"v","attributes":{},"references":[]}`, "unknown type"},
		{"a dangling panel reference", `{"type":"dashboard","id":"d","attributes":{"title":"t","panelsJSON":"[{\"panelRefName\":\"panel_0\"}]"},"references":[]}`, "panel_0"},
		{"a reference to a missing object", `{"type":"dashboard","id":"d","attributes":{"title":"t"},"references":[{"name":"panel_0","type":"visualization","id":"gone"}]}`, "not in the file"},
		{"a string where an integer belongs", `{"type":"dashboard","id":"d","attributes":{"title":"t","version":"1"},"references":[]}`, "integer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := d.Checker().Check([]byte(tc.line + "\n"))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

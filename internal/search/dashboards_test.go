package search_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/orgsiem/orgsiem/internal/alerts"
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
	// Multi-tenancy: the objects are in the Global tenant every user sees,
	// not in the maintain role's private tenant.
	if got := len(d.TenantObjects(searchtest.TenantGlobal)); got != len(objs) {
		t.Errorf("%d objects in the Global tenant, want %d (private tenant holds %d)", got, len(objs), len(d.TenantObjects(searchtest.TenantPrivate)))
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
	// A guideline visualization and the alert panels read the alert
	// indices (time field @timestamp); a guideline panel filters on the
	// alert's guideline, never on a compiled raw-log query.
	for _, o := range objs {
		b, _ := json.Marshal(o)
		switch o.ID {
		case "orgsiem-vis-pci-01":
			if !strings.Contains(string(b), `\"orgsiem.report\":\"pci-01\"`) || !strings.Contains(string(b), search.IndexPatternID(alerts.IndexPattern)) {
				t.Errorf("pci-01 visualization does not count pci-01 alerts: %s", b)
			}
		case "orgsiem-vis-alerts-time", "orgsiem-vis-alerts-monitors":
			if !strings.Contains(string(b), search.IndexPatternID(alerts.IndexPattern)) || strings.Contains(string(b), "monitor_name") {
				t.Errorf("%s does not read the alert indices: %s", o.ID, b)
			}
		case search.IndexPatternID(alerts.IndexPattern):
			if o.Attributes["title"] != alerts.IndexPattern || o.Attributes["timeFieldName"] != alerts.FieldTimestamp {
				t.Errorf("alerts index pattern %v", o.Attributes)
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

// TestImportAnswersAsDashboards2x holds the fake to the real import API:
// an attribute outside the strict saved-objects mapping fails that object
// (200, success false, the strict_dynamic_mapping_exception per object),
// and without the securitytenant header objects land in the caller's
// private tenant (security-dashboards-plugin
// server/multitenancy/tenant_resolver.ts; preferred tenants default to
// Private first). The pre-1.0 attribute name
// opensearchDashboardsSavedObjectMeta is what orgsiem used to send.
func TestImportAnswersAsDashboards2x(t *testing.T) {
	d := searchtest.NewDashboards(t)
	c, err := search.New(search.Config{URL: d.URL})
	if err != nil {
		t.Fatal(err)
	}
	old := `{"type":"index-pattern","id":"p","attributes":{"title":"log-aws-*","timeFieldName":"@timestamp"},"references":[]}
{"type":"visualization","id":"v","attributes":{"title":"t","visState":"{}","opensearchDashboardsSavedObjectMeta":{"searchSourceJSON":"{}"}},"references":[]}
`
	res, err := c.ImportSavedObjects(context.Background(), search.DashboardsImportPath, []byte(old))
	if err == nil || res.Success || res.SuccessCount != 1 || len(res.Errors) != 1 {
		t.Fatalf("import of an unmapped attribute: %+v, %v; want one object refused", res, err)
	}
	if msg := res.Errors[0].Error.Message; !strings.Contains(msg, "strict_dynamic_mapping_exception") || !strings.Contains(msg, "[opensearchDashboardsSavedObjectMeta] within [visualization]") {
		t.Errorf("error message %q", msg)
	}
	if !strings.Contains(err.Error(), "strict_dynamic_mapping_exception") {
		t.Errorf("the client's error hides the cause: %v", err)
	}

	// A raw request without the tenant header goes to the private tenant.
	status, _, err := c.Do(context.Background(), search.Request{Method: "POST", Path: search.DashboardsImportPath,
		Body:        multipartFile(t, `{"type":"index-pattern","id":"q","attributes":{"title":"x"},"references":[]}`+"\n"),
		ContentType: multipartType, Header: map[string][]string{"Osd-Xsrf": {"true"}}})
	if err != nil || status != 200 {
		t.Fatalf("raw import: %d %v", status, err)
	}
	if got := d.TenantObjects(searchtest.TenantPrivate); len(got) != 1 || got[0] != "index-pattern/q" {
		t.Errorf("private tenant holds %v", got)
	}
	if got := d.TenantObjects(searchtest.TenantGlobal); len(got) != 1 || got[0] != "index-pattern/p" {
		t.Errorf("global tenant holds %v (the client sends securitytenant: global)", got)
	}
}

const multipartType = "multipart/form-data; boundary=orgsiemtest"

func multipartFile(t *testing.T, nd string) []byte {
	t.Helper()
	return []byte("--orgsiemtest\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.ndjson\"\r\nContent-Type: application/ndjson\r\n\r\n" + nd + "\r\n--orgsiemtest--\r\n")
}

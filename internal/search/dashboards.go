package search

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"sort"
	"strings"

	"github.com/orgsiem/orgsiem/internal/alerts"
	"github.com/orgsiem/orgsiem/internal/detect"
	"github.com/orgsiem/orgsiem/internal/ecs"
)

// savedObjectMeta is the attribute holding a saved object's search source.
// OpenSearch Dashboards 1.x/2.x register it as kibanaSavedObjectMeta on
// both dashboards and visualizations (src/plugins/visualizations/server/
// saved_objects/visualization.ts; the pre-1.0 rename to
// opensearchDashboardsSavedObjectMeta was reverted by Dashboards PR #375).
// The saved-objects index mapping is dynamic: strict, so any other name
// fails the import with strict_dynamic_mapping_exception.
const (
	savedObjectMeta = "kibanaSavedObjectMeta"
	// AlertsPattern is the alert indices the loader writes (one document
	// per rule match, internal/alerts); their time field is the matched
	// event's @timestamp.
	AlertsPattern = alerts.IndexPattern
)

// SavedObject is one line of a Dashboards saved-objects import file.
type SavedObject struct {
	Type       string         `json:"type"`
	ID         string         `json:"id"`
	Attributes map[string]any `json:"attributes"`
	References []Reference    `json:"references"`
}

// Reference links a saved object to another.
type Reference struct {
	Name string `json:"name"`
	Type string `json:"type"`
	ID   string `json:"id"`
}

// IndexPatternID is the saved-object id of an index pattern.
func IndexPatternID(pattern string) string {
	return "orgsiem-" + strings.NewReplacer("*", "all", ".", "", ",", "-").Replace(pattern)
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func indexPattern(pattern, timeField string) SavedObject {
	return SavedObject{Type: "index-pattern", ID: IndexPatternID(pattern),
		Attributes: map[string]any{"title": pattern, "timeFieldName": timeField}, References: []Reference{}}
}

// vis builds a visualization over an index pattern with an optional query
// filter (DSL) applied through its search source.
func vis(id, title, pattern string, visState map[string]any, filter map[string]any) SavedObject {
	visState["title"] = title
	filters := []any{}
	if filter != nil {
		filters = append(filters, map[string]any{
			"meta": map[string]any{"type": "custom", "alias": title, "disabled": false, "negate": false,
				"key": "query", "value": jsonString(filter), "indexRefName": savedObjectMeta + ".searchSourceJSON.filter[0].meta.index"},
			"query":  filter,
			"$state": map[string]any{"store": "appState"},
		})
	}
	refs := []Reference{{Name: savedObjectMeta + ".searchSourceJSON.index", Type: "index-pattern", ID: IndexPatternID(pattern)}}
	if filter != nil {
		refs = append(refs, Reference{Name: savedObjectMeta + ".searchSourceJSON.filter[0].meta.index", Type: "index-pattern", ID: IndexPatternID(pattern)})
	}
	return SavedObject{Type: "visualization", ID: id, Attributes: map[string]any{
		"title":       title,
		"description": "",
		"version":     1,
		"visState":    jsonString(visState),
		"uiStateJSON": "{}",
		savedObjectMeta: map[string]any{"searchSourceJSON": jsonString(map[string]any{
			"indexRefName": savedObjectMeta + ".searchSourceJSON.index",
			"query":        map[string]any{"query": "", "language": "kuery"},
			"filter":       filters,
		})},
	}, References: refs}
}

func histogram(split string) map[string]any {
	aggs := []any{
		map[string]any{"id": "1", "enabled": true, "type": "count", "schema": "metric", "params": map[string]any{}},
		map[string]any{"id": "2", "enabled": true, "type": "date_histogram", "schema": "segment",
			"params": map[string]any{"field": "@timestamp", "interval": "auto", "min_doc_count": 1, "extended_bounds": map[string]any{}}},
	}
	if split != "" {
		aggs = append(aggs, map[string]any{"id": "3", "enabled": true, "type": "terms", "schema": "group",
			"params": map[string]any{"field": split, "size": 10, "order": "desc", "orderBy": "1"}})
	}
	return map[string]any{"type": "histogram", "aggs": aggs,
		"params": map[string]any{"type": "histogram", "addLegend": true, "legendPosition": "right", "addTooltip": true}}
}

func table(fields ...string) map[string]any {
	aggs := []any{map[string]any{"id": "1", "enabled": true, "type": "count", "schema": "metric", "params": map[string]any{}}}
	for i, f := range fields {
		aggs = append(aggs, map[string]any{"id": fmt.Sprint(i + 2), "enabled": true, "type": "terms", "schema": "bucket",
			"params": map[string]any{"field": f, "size": 20, "order": "desc", "orderBy": "1", "missingBucket": false, "otherBucket": false}})
	}
	return map[string]any{"type": "table", "aggs": aggs, "params": map[string]any{"perPage": 20, "showTotal": true, "totalFunc": "sum"}}
}

func dashboard(id, title, desc string, panels []SavedObject) SavedObject {
	var pj []any
	var refs []Reference
	for i, p := range panels {
		ref := fmt.Sprintf("panel_%d", i)
		pj = append(pj, map[string]any{
			"panelIndex": fmt.Sprint(i + 1), "panelRefName": ref, "embeddableConfig": map[string]any{}, "version": "2.17.0",
			"gridData": map[string]any{"x": (i % 2) * 24, "y": (i / 2) * 15, "w": 24, "h": 15, "i": fmt.Sprint(i + 1)},
		})
		refs = append(refs, Reference{Name: ref, Type: p.Type, ID: p.ID})
	}
	return SavedObject{Type: "dashboard", ID: id, Attributes: map[string]any{
		"title": title, "description": desc, "version": 1, "hits": 0,
		"panelsJSON":  jsonString(pj),
		"optionsJSON": jsonString(map[string]any{"useMargins": true, "hidePanelTitles": false}),
		"timeRestore": true, "timeFrom": "now-24h", "timeTo": "now",
		"refreshInterval": map[string]any{"pause": true, "value": 0},
		savedObjectMeta:   map[string]any{"searchSourceJSON": jsonString(map[string]any{"query": map[string]any{"query": "", "language": "kuery"}, "filter": []any{}})},
	}, References: refs}
}

// BuildSavedObjects generates the Dashboards objects: index patterns
// (log-aws-*, one per log type, the alert indices), an overview dashboard,
// one dashboard per log type, the PCI-DSS dashboard with one visualization
// per guideline (the alerts of the rules feeding it), and an alerts
// dashboard.
func BuildSavedObjects(cat *detect.Catalog, logTypes []string) ([]SavedObject, error) {
	if len(logTypes) == 0 {
		logTypes = ecs.LogTypes()
	}
	var out []SavedObject
	out = append(out, indexPattern(AllLogsPattern, "@timestamp"), indexPattern(AlertsPattern, alerts.FieldTimestamp))
	for _, t := range logTypes {
		out = append(out, indexPattern(IndexPattern(t), "@timestamp"))
	}
	overview := []SavedObject{
		vis("orgsiem-vis-overview-events", "Events by log type", AllLogsPattern, histogram("event.dataset"), nil),
		vis("orgsiem-vis-overview-accounts", "Events by account", AllLogsPattern, table("cloud.account.id", "cloud.account.name"), nil),
		vis("orgsiem-vis-overview-outcomes", "Failures by action", AllLogsPattern, table("event.action"),
			map[string]any{"term": map[string]any{"event.outcome": "failure"}}),
		vis("orgsiem-vis-overview-errors", "Pipeline errors", AllLogsPattern, table("event.dataset", "error.type"),
			map[string]any{"term": map[string]any{"event.kind": "pipeline_error"}}),
	}
	out = append(out, overview...)
	out = append(out, dashboard("orgsiem-dash-overview", "orgsiem: overview", "Every log type, every account", overview))
	for _, t := range logTypes {
		p := IndexPattern(t)
		panels := []SavedObject{
			vis("orgsiem-vis-"+t+"-events", t+": events", p, histogram("event.action"), nil),
			vis("orgsiem-vis-"+t+"-top", t+": top actions and sources", p, table("event.action", "source.ip"), nil),
		}
		out = append(out, panels...)
		out = append(out, dashboard("orgsiem-dash-"+t, "orgsiem: "+t, "Events of log type "+t, panels))
	}
	// Each guideline panel counts the alerts of the rules feeding it
	// (orgsiem.report on the alert document), not a compiled query over
	// raw logs.
	var pci []SavedObject
	for _, g := range detect.Guidelines {
		pci = append(pci, vis("orgsiem-vis-"+g, strings.ToUpper(g)+": alerts by account and principal", AlertsPattern,
			table(alerts.FieldAccount, alerts.FieldPrincipal), map[string]any{"term": map[string]any{alerts.FieldGuideline: g}}))
	}
	out = append(out, pci...)
	out = append(out, dashboard("orgsiem-dash-pci", "orgsiem: PCI-DSS daily review", "One panel per guideline of the daily report", pci))
	alertPanels := []SavedObject{
		vis("orgsiem-vis-alerts-time", "Alerts by level", AlertsPattern, histogram(alerts.FieldLevel),
			map[string]any{"term": map[string]any{alerts.FieldKind: alerts.KindAlert}}),
		vis("orgsiem-vis-alerts-monitors", "Alerts by rule and principal", AlertsPattern, table(alerts.FieldRuleID, alerts.FieldPrincipal),
			map[string]any{"term": map[string]any{alerts.FieldKind: alerts.KindAlert}}),
	}
	out = append(out, alertPanels...)
	out = append(out, dashboard("orgsiem-dash-alerts", "orgsiem: alerts", "Alerts of the ingest-time detections (orgsiem-alerts-*)", alertPanels))
	return out, nil
}

// SavedObjectsNDJSON encodes objects as an import file, one per line,
// sorted by type and id so the output is stable.
func SavedObjectsNDJSON(objs []SavedObject) ([]byte, error) {
	sorted := append([]SavedObject(nil), objs...)
	order := map[string]int{"index-pattern": 0, "visualization": 1, "dashboard": 2}
	sort.SliceStable(sorted, func(i, j int) bool {
		if order[sorted[i].Type] != order[sorted[j].Type] {
			return order[sorted[i].Type] < order[sorted[j].Type]
		}
		return sorted[i].ID < sorted[j].ID
	})
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, o := range sorted {
		if err := enc.Encode(o); err != nil {
			return nil, fmt.Errorf("saved object %s/%s: %w", o.Type, o.ID, err)
		}
	}
	return buf.Bytes(), nil
}

// ImportResult is the answer of the saved-objects import API.
type ImportResult struct {
	Success      bool `json:"success"`
	SuccessCount int  `json:"successCount"`
	Errors       []struct {
		ID    string `json:"id"`
		Type  string `json:"type"`
		Error struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	} `json:"errors"`
}

// TenantHeader selects the Dashboards tenant of a request (security
// plugin multi-tenancy); GlobalTenant is the tenant every user shares.
const (
	TenantHeader = "securitytenant"
	GlobalTenant = "global"
)

// DashboardsImportPath is the import API on an Amazon OpenSearch Service
// domain endpoint (Dashboards is served under /_dashboards).
const DashboardsImportPath = "/_dashboards/api/saved_objects/_import?overwrite=true"

// ImportSavedObjects posts the NDJSON to the Dashboards import API
// (multipart form field "file", osd-xsrf header), overwriting objects with
// the same ids. It fails unless every object was imported.
func (c *Client) ImportSavedObjects(ctx context.Context, path string, ndjson []byte) (ImportResult, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="orgsiem.ndjson"`)
	h.Set("Content-Type", "application/ndjson")
	part, err := mw.CreatePart(h)
	if err == nil {
		_, err = part.Write(ndjson)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return ImportResult{}, fmt.Errorf("saved objects import: %w", err)
	}
	hdr := http.Header{}
	hdr.Set("osd-xsrf", "true")
	// With multi-tenancy on (the default of a fine-grained-access-control
	// domain), a request without a tenant resolves to the caller's
	// preferred tenant, Private first, so the objects would land in the
	// maintain role's private tenant where nobody sees them
	// (security-dashboards-plugin server/multitenancy/tenant_resolver.ts
	// reads the securitytenant header; "global" is the Global tenant).
	hdr.Set(TenantHeader, GlobalTenant)
	status, resp, err := c.Do(ctx, Request{Method: http.MethodPost, Path: path, Body: body.Bytes(), ContentType: mw.FormDataContentType(), Header: hdr})
	if err != nil {
		return ImportResult{}, err
	}
	var res ImportResult
	if status != http.StatusOK {
		return res, fmt.Errorf("saved objects import: %d %s", status, strings.TrimSpace(string(resp)))
	}
	if err := json.Unmarshal(resp, &res); err != nil {
		return res, fmt.Errorf("saved objects import response: %w", err)
	}
	if !res.Success || len(res.Errors) > 0 {
		first := ""
		if len(res.Errors) > 0 {
			first = res.Errors[0].Type + "/" + res.Errors[0].ID + ": " + res.Errors[0].Error.Message
		}
		return res, fmt.Errorf("saved objects import: %d imported, %d errors (first: %s)", res.SuccessCount, len(res.Errors), first)
	}
	return res, nil
}

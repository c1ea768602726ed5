package searchtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Dashboards files relative to the shared folder.
const (
	DashboardsMappingsFile = "specs/opensearch-dashboards/saved-object-type-mappings.json"
	DashboardsExampleFile  = "specs/opensearch-dashboards/example-import.ndjson"
)

// SavedObjectChecker checks saved objects against the recorded Dashboards
// attribute mappings and the shape of the example export: there is no
// schema for attributes, but the .kibana index mapping is built from these
// fields, so an attribute outside them would not be stored as meant.
type SavedObjectChecker struct {
	types       map[string]map[string]any // type -> mapping properties
	exampleKeys map[string]bool           // top-level keys of an exported object
	exampleAttr map[string]map[string]bool
}

// jsonStringAttrs are attributes holding JSON documents as strings.
var jsonStringAttrs = map[string]bool{"visState": true, "uiStateJSON": true, "panelsJSON": true, "optionsJSON": true, "searchSourceJSON": true, "fields": true}

// LoadSavedObjectChecker reads the mappings and the example from shared.
func LoadSavedObjectChecker(shared string) (*SavedObjectChecker, error) {
	mb, err := os.ReadFile(filepath.Join(shared, DashboardsMappingsFile))
	if err != nil {
		return nil, err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(mb, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", DashboardsMappingsFile, err)
	}
	c := &SavedObjectChecker{types: map[string]map[string]any{}, exampleKeys: map[string]bool{}, exampleAttr: map[string]map[string]bool{}}
	for typ, v := range raw {
		if strings.HasPrefix(typ, "_") {
			continue
		}
		var m struct {
			Properties map[string]any `json:"properties"`
		}
		if err := json.Unmarshal(v, &m); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", DashboardsMappingsFile, typ, err)
		}
		c.types[typ] = m.Properties
	}
	eb, err := os.ReadFile(filepath.Join(shared, DashboardsExampleFile))
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(bytes.NewReader(eb))
	for sc.Scan() {
		var obj map[string]json.RawMessage
		if json.Unmarshal(sc.Bytes(), &obj) != nil || obj["type"] == nil {
			continue // the export's trailing summary line
		}
		var typ string
		_ = json.Unmarshal(obj["type"], &typ)
		for k := range obj {
			c.exampleKeys[k] = true
		}
		var attrs map[string]any
		_ = json.Unmarshal(obj["attributes"], &attrs)
		if c.exampleAttr[typ] == nil {
			c.exampleAttr[typ] = map[string]bool{}
		}
		for k := range attrs {
			c.exampleAttr[typ][k] = true
		}
	}
	return c, nil
}

// Problem is what is wrong with one line of an import file, classified
// the way the import API reports it per object.
type Problem struct {
	Line     int
	Type, ID string
	// Kind is the error type the real import answers for the object:
	// "strict_dynamic_mapping_exception" (an attribute outside the
	// mapping), "mapper_parsing_exception" (a value of the wrong type),
	// "unsupported_type", "missing_references", or "" for a malformed
	// line (the whole request fails).
	Kind string
	Err  error
}

// Check validates an import file; it returns every problem found.
func (c *SavedObjectChecker) Check(ndjson []byte) error {
	var errs []error
	for _, p := range c.Problems(ndjson) {
		errs = append(errs, p.Err)
	}
	return errors.Join(errs...)
}

// Problems lists every problem of an import file, line by line.
func (c *SavedObjectChecker) Problems(ndjson []byte) []Problem {
	var out []Problem
	type key struct{ typ, id string }
	objs := map[key]bool{}
	type pending struct {
		line    int
		typ, id string
		from    string
		ref     key
	}
	var refs []pending
	lines := bytes.Split(bytes.TrimRight(ndjson, "\n"), []byte("\n"))
	for i, line := range lines {
		n := i + 1
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(line, &obj); err != nil {
			out = append(out, Problem{Line: n, Err: fmt.Errorf("line %d: %w", n, err)})
			continue
		}
		for k := range obj {
			if !c.exampleKeys[k] {
				out = append(out, Problem{Line: n, Err: fmt.Errorf("line %d: key %q is not part of an exported saved object", n, k)})
			}
		}
		var o struct {
			Type       string         `json:"type"`
			ID         string         `json:"id"`
			Attributes map[string]any `json:"attributes"`
			References []struct {
				Name, Type, ID string
			} `json:"references"`
		}
		if err := json.Unmarshal(line, &o); err != nil || o.Type == "" || o.ID == "" || o.Attributes == nil || obj["references"] == nil {
			out = append(out, Problem{Line: n, Err: fmt.Errorf("line %d: want type, id, attributes and references", n)})
			continue
		}
		where := fmt.Sprintf("line %d (%s %s)", n, o.Type, o.ID)
		at := func(kind string, err error) Problem {
			return Problem{Line: n, Type: o.Type, ID: o.ID, Kind: kind, Err: err}
		}
		props, ok := c.types[o.Type]
		if !ok {
			out = append(out, at("unsupported_type", fmt.Errorf("%s: unknown type", where)))
			continue
		}
		if objs[key{o.Type, o.ID}] {
			out = append(out, at("", fmt.Errorf("%s: duplicate id", where)))
		}
		objs[key{o.Type, o.ID}] = true
		for _, e := range c.checkAttrs(where, o.Type, "", o.Attributes, props) {
			out = append(out, at(e.kind, e.err))
		}
		names := map[string]bool{}
		for _, r := range o.References {
			if r.Name == "" || r.Type == "" || r.ID == "" {
				out = append(out, at("", fmt.Errorf("%s: reference %+v incomplete", where, r)))
			}
			names[r.Name] = true
			refs = append(refs, pending{n, o.Type, o.ID, where, key{r.Type, r.ID}})
		}
		// Every panelRefName / indexRefName must name a reference.
		for _, js := range jsonStrings(o.Attributes) {
			for _, rn := range refNames(js) {
				if !names[rn] {
					out = append(out, at("missing_references", fmt.Errorf("%s: %q names no reference", where, rn)))
				}
			}
		}
	}
	for _, r := range refs {
		if !objs[r.ref] {
			out = append(out, Problem{Line: r.line, Type: r.typ, ID: r.id, Kind: "missing_references",
				Err: fmt.Errorf("%s: reference to %s %s not in the file", r.from, r.ref.typ, r.ref.id)})
		}
	}
	return out
}

type attrProblem struct {
	kind string
	err  error
}

func (c *SavedObjectChecker) checkAttrs(where, typ, prefix string, attrs map[string]any, props map[string]any) []attrProblem {
	var errs []attrProblem
	for k, v := range attrs {
		path := prefix + k
		p, ok := props[k].(map[string]any)
		if !ok {
			if prefix == "" && c.exampleAttr[typ][k] {
				if jsonStringAttrs[k] {
					errs = append(errs, checkJSONString(where, path, v)...)
				}
				continue
			}
			// The saved-objects index mapping is dynamic: strict; OpenSearch
			// refuses the document (DocumentParser: "mapping set to strict,
			// dynamic introduction of [x] within [type] is not allowed").
			errs = append(errs, attrProblem{"strict_dynamic_mapping_exception", fmt.Errorf("%s: attribute %s is not in the %s mapping", where, path, typ)})
			continue
		}
		if sub, ok := p["properties"].(map[string]any); ok {
			m, ok := v.(map[string]any)
			if !ok {
				errs = append(errs, attrProblem{"mapper_parsing_exception", fmt.Errorf("%s: attribute %s must be an object", where, path)})
				continue
			}
			errs = append(errs, c.checkAttrs(where, typ, path+".", m, sub)...)
			continue
		}
		switch p["type"] {
		case "text", "keyword":
			if _, ok := v.(string); !ok {
				errs = append(errs, attrProblem{"mapper_parsing_exception", fmt.Errorf("%s: attribute %s must be a string", where, path)})
			} else if jsonStringAttrs[k] {
				errs = append(errs, checkJSONString(where, path, v)...)
			}
		case "integer":
			if f, ok := v.(float64); !ok || f != float64(int64(f)) {
				errs = append(errs, attrProblem{"mapper_parsing_exception", fmt.Errorf("%s: attribute %s must be an integer", where, path)})
			}
		case "boolean":
			if _, ok := v.(bool); !ok {
				errs = append(errs, attrProblem{"mapper_parsing_exception", fmt.Errorf("%s: attribute %s must be a boolean", where, path)})
			}
		}
	}
	return errs
}

// checkJSONString: Dashboards stores these as opaque text; a value that is
// not JSON imports but breaks the object when opened (our own check).
func checkJSONString(where, path string, v any) []attrProblem {
	s, ok := v.(string)
	if !ok || !json.Valid([]byte(s)) {
		return []attrProblem{{"", fmt.Errorf("%s: attribute %s must be a string holding JSON", where, path)}}
	}
	return nil
}

func jsonStrings(attrs map[string]any) []string {
	var out []string
	for k, v := range attrs {
		switch x := v.(type) {
		case string:
			if jsonStringAttrs[k] {
				out = append(out, x)
			}
		case map[string]any:
			out = append(out, jsonStrings(x)...)
		}
	}
	return out
}

// refNames collects panelRefName and indexRefName values of a JSON string.
func refNames(js string) []string {
	var v any
	if json.Unmarshal([]byte(js), &v) != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				if s, ok := c.(string); ok && (k == "panelRefName" || k == "indexRefName") {
					out = append(out, s)
				}
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	return out
}

// Dashboards is a fake OpenSearch Dashboards saved-objects import API
// (POST /_dashboards/api/saved_objects/_import) that answers as
// Dashboards 2.x does:
//
//   - Objects are stored in the saved-objects index, whose mapping is
//     dynamic: strict (../shared/specs/opensearch-dashboards). An object
//     with an attribute outside its type's mapping is not imported: the
//     response is 200 with success false and, per object, an error of type
//     "unknown" whose message is OpenSearch's strict_dynamic_mapping_exception
//     (src/core/server/saved_objects/import/extract_errors.ts maps every
//     non-conflict bulk error that way). Unknown types are
//     "unsupported_type", dangling references "missing_references".
//   - Multi-tenancy is on (the default with fine-grained access control):
//     the tenant is the securitytenant header, else the caller's preferred
//     tenant, Private first (security-dashboards-plugin
//     server/multitenancy/tenant_resolver.ts), so an import without the
//     header lands in the caller's private tenant.
//
// Malformed files (not NDJSON objects) fail the whole request with 400.
type Dashboards struct {
	*httptest.Server
	checker *SavedObjectChecker
	mu      sync.Mutex
	imports [][]byte
	tenants map[string]map[string]bool // tenant -> "type/id"
}

// Tenant names of the fake's store.
const (
	TenantGlobal  = "global"
	TenantPrivate = "__user__"
)

// NewDashboards starts the fake; the test is skipped when the shared
// folder is absent.
func NewDashboards(t testing.TB) *Dashboards {
	t.Helper()
	shared, err := SharedDir()
	if err != nil {
		t.Fatal(err)
	}
	c, err := LoadSavedObjectChecker(shared)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			t.Skipf("searchtest: Dashboards specs absent: %v", err)
		}
		t.Fatal(err)
	}
	d := &Dashboards{checker: c, tenants: map[string]map[string]bool{}}
	d.Server = httptest.NewServer(http.HandlerFunc(d.serve))
	t.Cleanup(d.Close)
	return d
}

// Checker returns the saved-object checker.
func (d *Dashboards) Checker() *SavedObjectChecker { return d.checker }

// Imports returns the files imported (wholly or in part) so far.
func (d *Dashboards) Imports() [][]byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([][]byte(nil), d.imports...)
}

// TenantObjects returns the "type/id" of the objects stored in a tenant
// (TenantGlobal, TenantPrivate), sorted.
func (d *Dashboards) TenantObjects(tenant string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return sortedKeys(d.tenants[tenant])
}

func resolveTenant(r *http.Request) string {
	h := strings.ToLower(r.Header.Get("securitytenant"))
	switch h {
	case "global", "":
		if h == "" {
			return TenantPrivate // preferred tenants default to [Private, Global]
		}
		return TenantGlobal
	case "private", "__user__":
		return TenantPrivate
	}
	return h
}

func (d *Dashboards) serve(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, msg string) {
		writeJSON(w, status, map[string]any{"statusCode": status, "error": http.StatusText(status), "message": msg})
	}
	if r.Method != http.MethodPost || r.URL.Path != "/_dashboards/api/saved_objects/_import" {
		fail(404, "Not Found")
		return
	}
	if r.Header.Get("osd-xsrf") == "" {
		fail(400, "Request must contain a osd-xsrf header.")
		return
	}
	if r.URL.Query().Get("overwrite") != "true" {
		fail(409, "searchtest: imports must overwrite (overwrite=true)")
		return
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		fail(415, "Unsupported Media Type")
		return
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	var file []byte
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			fail(400, err.Error())
			return
		}
		if p.FormName() == "file" {
			file, _ = io.ReadAll(p)
		}
	}
	if file == nil {
		fail(400, "[request body.file]: expected value of type [object] but got [undefined]")
		return
	}
	problems := d.checker.Problems(file)
	failed := map[string]map[string]any{}
	var whole []string
	for _, p := range problems {
		if p.Kind == "" {
			whole = append(whole, p.Err.Error())
			continue
		}
		k := p.Type + "/" + p.ID
		if failed[k] != nil {
			continue // the first error of an object is the one reported
		}
		e := map[string]any{"type": "unknown", "statusCode": 400}
		switch p.Kind {
		case "strict_dynamic_mapping_exception":
			attr := p.Err.Error()
			if i := strings.Index(attr, "attribute "); i >= 0 {
				attr = strings.Fields(attr[i+len("attribute "):])[0]
			}
			e["message"] = "[strict_dynamic_mapping_exception] mapping set to strict, dynamic introduction of [" + strings.Split(attr, ".")[0] + "] within [" + p.Type + "] is not allowed"
		case "mapper_parsing_exception":
			e["message"] = "[mapper_parsing_exception] " + p.Err.Error()
		case "unsupported_type":
			e = map[string]any{"type": "unsupported_type"}
		case "missing_references":
			e = map[string]any{"type": "missing_references", "references": []any{}, "message": p.Err.Error()}
		}
		failed[k] = map[string]any{"id": p.ID, "type": p.Type, "title": p.ID, "error": e}
	}
	if len(whole) > 0 {
		fail(400, strings.Join(whole, "\n"))
		return
	}
	tenant := resolveTenant(r)
	var objs []struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	}
	for _, line := range bytes.Split(bytes.TrimRight(file, "\n"), []byte("\n")) {
		var o struct {
			Type string `json:"type"`
			ID   string `json:"id"`
		}
		_ = json.Unmarshal(line, &o)
		objs = append(objs, o)
	}
	n := 0
	var errs []any
	d.mu.Lock()
	d.imports = append(d.imports, file)
	if d.tenants[tenant] == nil {
		d.tenants[tenant] = map[string]bool{}
	}
	for _, o := range objs {
		k := o.Type + "/" + o.ID
		if f := failed[k]; f != nil {
			errs = append(errs, f)
			continue
		}
		d.tenants[tenant][k] = true
		n++
	}
	d.mu.Unlock()
	writeJSON(w, 200, map[string]any{"success": len(errs) == 0, "successCount": n, "errors": orEmpty(errs)})
}

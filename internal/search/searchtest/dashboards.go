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

// Check validates an import file; it returns every problem found.
func (c *SavedObjectChecker) Check(ndjson []byte) error {
	var errs []error
	type key struct{ typ, id string }
	objs := map[key]bool{}
	type pending struct {
		from string
		ref  key
	}
	var refs []pending
	lines := bytes.Split(bytes.TrimRight(ndjson, "\n"), []byte("\n"))
	for i, line := range lines {
		n := i + 1
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(line, &obj); err != nil {
			errs = append(errs, fmt.Errorf("line %d: %w", n, err))
			continue
		}
		for k := range obj {
			if !c.exampleKeys[k] {
				errs = append(errs, fmt.Errorf("line %d: key %q is not part of an exported saved object", n, k))
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
			errs = append(errs, fmt.Errorf("line %d: want type, id, attributes and references", n))
			continue
		}
		where := fmt.Sprintf("line %d (%s %s)", n, o.Type, o.ID)
		props, ok := c.types[o.Type]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: unknown type", where))
			continue
		}
		if objs[key{o.Type, o.ID}] {
			errs = append(errs, fmt.Errorf("%s: duplicate id", where))
		}
		objs[key{o.Type, o.ID}] = true
		errs = append(errs, c.checkAttrs(where, o.Type, "", o.Attributes, props)...)
		names := map[string]bool{}
		for _, r := range o.References {
			if r.Name == "" || r.Type == "" || r.ID == "" {
				errs = append(errs, fmt.Errorf("%s: reference %+v incomplete", where, r))
			}
			names[r.Name] = true
			refs = append(refs, pending{where, key{r.Type, r.ID}})
		}
		// Every panelRefName / indexRefName must name a reference.
		for _, js := range jsonStrings(o.Attributes) {
			for _, rn := range refNames(js) {
				if !names[rn] {
					errs = append(errs, fmt.Errorf("%s: %q names no reference", where, rn))
				}
			}
		}
	}
	for _, r := range refs {
		if !objs[r.ref] {
			errs = append(errs, fmt.Errorf("%s: reference to %s %s not in the file", r.from, r.ref.typ, r.ref.id))
		}
	}
	return errors.Join(errs...)
}

func (c *SavedObjectChecker) checkAttrs(where, typ, prefix string, attrs map[string]any, props map[string]any) []error {
	var errs []error
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
			errs = append(errs, fmt.Errorf("%s: attribute %s is not in the %s mapping", where, path, typ))
			continue
		}
		if sub, ok := p["properties"].(map[string]any); ok {
			m, ok := v.(map[string]any)
			if !ok {
				errs = append(errs, fmt.Errorf("%s: attribute %s must be an object", where, path))
				continue
			}
			errs = append(errs, c.checkAttrs(where, typ, path+".", m, sub)...)
			continue
		}
		switch p["type"] {
		case "text", "keyword":
			if _, ok := v.(string); !ok {
				errs = append(errs, fmt.Errorf("%s: attribute %s must be a string", where, path))
			} else if jsonStringAttrs[k] {
				errs = append(errs, checkJSONString(where, path, v)...)
			}
		case "integer":
			if f, ok := v.(float64); !ok || f != float64(int64(f)) {
				errs = append(errs, fmt.Errorf("%s: attribute %s must be an integer", where, path))
			}
		case "boolean":
			if _, ok := v.(bool); !ok {
				errs = append(errs, fmt.Errorf("%s: attribute %s must be a boolean", where, path))
			}
		}
	}
	return errs
}

func checkJSONString(where, path string, v any) []error {
	s, ok := v.(string)
	if !ok || !json.Valid([]byte(s)) {
		return []error{fmt.Errorf("%s: attribute %s must be a string holding JSON", where, path)}
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
// (POST /_dashboards/api/saved_objects/_import) that checks what it is
// sent with a SavedObjectChecker.
type Dashboards struct {
	*httptest.Server
	checker *SavedObjectChecker
	mu      sync.Mutex
	imports [][]byte
}

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
	d := &Dashboards{checker: c}
	d.Server = httptest.NewServer(http.HandlerFunc(d.serve))
	t.Cleanup(d.Close)
	return d
}

// Checker returns the saved-object checker.
func (d *Dashboards) Checker() *SavedObjectChecker { return d.checker }

// Imports returns the files imported so far.
func (d *Dashboards) Imports() [][]byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([][]byte(nil), d.imports...)
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
	if err := d.checker.Check(file); err != nil {
		fail(400, err.Error())
		return
	}
	d.mu.Lock()
	d.imports = append(d.imports, file)
	d.mu.Unlock()
	n := bytes.Count(bytes.TrimRight(file, "\n"), []byte("\n")) + 1
	writeJSON(w, 200, map[string]any{"success": true, "successCount": n, "errors": []any{}})
}

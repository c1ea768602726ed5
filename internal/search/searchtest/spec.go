// Package searchtest is an in-process OpenSearch for tests that validates
// every request against the published OpenAPI specification
// (../shared/specs/opensearch/opensearch-openapi-with-alerting.yaml) before
// answering it like the real API: it keeps indices and documents by _id
// (a create of an existing _id is a 409), templates, ISM and SM policies,
// monitors, notification channels, roles and role mappings, snapshot
// repositories and snapshots, and it injects faults scripted by the test
// (per bulk item 429/400/5xx, whole-request statuses).
//
// The specification is loaded once per test binary (LoadSpec), with
// kin-openapi for routing and parameter validation. Request bodies are
// validated with santhosh-tekuri/jsonschema (JSON Schema 2020-12) against
// the same document, compiled once per schema: kin-openapi's 2020-12 path
// recompiles the schema closure on every request (0.4–1 s for a search
// body), too slow for the hundreds of bodies the project's tests send.
// The spec's known holes are closed after loading (see Patches).
package searchtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/orgsiem/orgsiem/internal/sharedtest"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/dlclark/regexp2"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// SpecFile is the specification's path relative to the shared folder.
const SpecFile = "specs/opensearch/opensearch-openapi-with-alerting.yaml"

// Spec is the loaded and patched specification.
type Spec struct {
	doc      *openapi3.T
	router   routers.Router
	compiler *jsonschema.Compiler

	mu    sync.Mutex
	cache map[string]*jsonschema.Schema

	// LoadTime is how long loading, patching and routing took.
	LoadTime time.Duration
	// Patches lists what was changed after loading, one line each.
	Patches []string
}

var (
	specOnce sync.Once
	spec     *Spec
	specErr  error
)

// ErrNoSpec is returned by LoadSpec when the shared folder is absent.
var ErrNoSpec = errors.New("searchtest: ../shared/specs/opensearch is absent")

// SharedDir returns ../shared beside the repository root.
func SharedDir() (string, error) { return sharedtest.Path() }

// LoadSpec loads the specification once per process.
func LoadSpec() (*Spec, error) {
	specOnce.Do(func() {
		shared, err := SharedDir()
		if err != nil {
			specErr = err
			return
		}
		path := filepath.Join(shared, SpecFile)
		if _, err := os.Stat(path); err != nil {
			specErr = fmt.Errorf("%w (%v)", ErrNoSpec, err)
			return
		}
		spec, specErr = loadSpec(path)
	})
	return spec, specErr
}

func loadSpec(path string) (*Spec, error) {
	start := time.Now()
	doc, err := openapi3.NewLoader().LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("searchtest: loading %s: %w", path, err)
	}
	// Known hole: ISM's add and change_policy operations on
	// /_plugins/_ism/<op>/{index} also list the same operation's
	// ?index= query parameter as required; the plugin takes the index from
	// the path (RestAddPolicyAction, RestChangePolicyAction). The query
	// parameter is optional on the path form.
	var loadPatches []string
	for _, name := range []string{"ism.add_policy___query.index", "ism.change_policy___query.index"} {
		if pr := doc.Components.Parameters[name]; pr != nil && pr.Value != nil && pr.Value.Required {
			pr.Value.Required = false
			loadPatches = append(loadPatches, name+": not required (the index is in the path)")
		}
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("searchtest: router: %w", err)
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("searchtest: re-encoding the spec: %w", err)
	}
	tree, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("searchtest: re-decoding the spec: %w", err)
	}
	s := &Spec{doc: doc, router: router, cache: map[string]*jsonschema.Schema{}, Patches: loadPatches}
	if err := s.patch(tree.(map[string]any)); err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.UseRegexpEngine(ecmaRegexp)
	if err := c.AddResource(specURL, tree); err != nil {
		return nil, fmt.Errorf("searchtest: schema resource: %w", err)
	}
	s.compiler = c
	s.LoadTime = time.Since(start)
	return s, nil
}

const specURL = "file:///opensearch-openapi.json"

type ecmaRE struct{ re *regexp2.Regexp }

func (r ecmaRE) MatchString(s string) bool {
	ok, err := r.re.MatchString(s)
	return err == nil && ok
}
func (r ecmaRE) String() string { return r.re.String() }

func ecmaRegexp(s string) (jsonschema.Regexp, error) {
	re, err := regexp2.Compile(s, regexp2.ECMAScript)
	if err != nil {
		return nil, err
	}
	return ecmaRE{re}, nil
}

// Schema pointers used by the server and by tests.
const (
	PtrQueryContainer  = "#/components/schemas/_common.query_dsl___QueryContainer"
	PtrBulkOperation   = "#/components/schemas/_core.bulk___OperationContainer"
	PtrMsearchHeader   = "#/components/schemas/_core.msearch___MultisearchHeader"
	PtrSearchBody      = "#/components/requestBodies/search/content/application~1json/schema"
	PtrMonitor         = "#/components/schemas/alerting._common___Monitor"
	PtrRepoSettings    = "#/components/schemas/snapshot._common___RepositorySettings"
	ptrSchemas         = "#/components/schemas/"
	schemaBoolQuery    = "_common.query_dsl___BoolQuery"
	schemaWriteOp      = "_core.bulk___WriteOperation"
	schemaISMAction    = "ism._common___Action"
	schemaRole         = "security._common___Role"
	schemaRoleMapping  = "security._common___RoleMapping"
	schemaSearchInput  = "alerting._common___SearchInputBody"
	schemaQueryCont    = "_common.query_dsl___QueryContainer"
	schemaBulkOp       = "_core.bulk___OperationContainer"
	schemaRepoSettings = "snapshot._common___RepositorySettings"
)

// patch closes the holes listed in ../shared/specs/README.md.
func (s *Spec) patch(tree map[string]any) error {
	schemas, _ := dig(tree, "components", "schemas").(map[string]any)
	if schemas == nil {
		return errors.New("searchtest: spec has no components.schemas")
	}
	get := func(name string) (map[string]any, error) {
		m, ok := schemas[name].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("searchtest: patch: schema %s not found", name)
		}
		return m, nil
	}
	closeSchema := func(name, why string) error {
		m, err := get(name)
		if err != nil {
			return err
		}
		kw := "additionalProperties"
		if _, ok := m["allOf"]; ok || m["$ref"] != nil {
			kw = "unevaluatedProperties" // sees properties of allOf parts and refs
		}
		m[kw] = false
		s.Patches = append(s.Patches, fmt.Sprintf("%s: %s false (%s)", name, kw, why))
		return nil
	}
	for _, c := range []struct{ name, why string }{
		{schemaQueryCont, "a misspelled query clause such as \"trem\" must fail"},
		{schemaBoolQuery, "\"fliter\" must fail"},
		{schemaBulkOp, "bulk action lines"},
		{schemaWriteOp, "create/index action metadata"},
		{schemaRole, "FGAC roles"},
		{schemaRoleMapping, "FGAC role mappings"},
		// Open, SortOptions matches every one-key object, so the valid
		// {"@timestamp":{"order":"desc"}} matched two branches of the
		// SortCombinations oneOf and failed.
		{"_common___SortOptions", "a field sort must match exactly one sort form"},
	} {
		if err := closeSchema(c.name, c.why); err != nil {
			return err
		}
	}
	// ISM action: Amazon OpenSearch Service adds warm_migration (UltraWarm)
	// and cold_migration, which the upstream spec does not list.
	act, err := get(schemaISMAction)
	if err != nil {
		return err
	}
	props, _ := act["properties"].(map[string]any)
	if props == nil {
		return errors.New("searchtest: patch: ISM action has no properties")
	}
	props["warm_migration"] = map[string]any{"type": "object", "properties": map[string]any{"timeout": map[string]any{"type": "string"}}, "additionalProperties": false}
	act["additionalProperties"] = false
	s.Patches = append(s.Patches, schemaISMAction+": added warm_migration {timeout} (Amazon OpenSearch Service UltraWarm); additionalProperties false")
	// Snapshot repository settings: the S3 repository keys Amazon
	// OpenSearch Service documents.
	rs, err := get(schemaRepoSettings)
	if err != nil {
		return err
	}
	rprops, _ := rs["properties"].(map[string]any)
	if rprops == nil {
		return errors.New("searchtest: patch: repository settings have no properties")
	}
	for _, k := range []string{"bucket", "region", "role_arn", "base_path"} {
		rprops[k] = map[string]any{"type": "string"}
	}
	rprops["server_side_encryption"] = map[string]any{"type": "boolean"}
	rs["additionalProperties"] = false
	s.Patches = append(s.Patches, schemaRepoSettings+": added bucket, region, role_arn, base_path, server_side_encryption (S3 repository); additionalProperties false")
	if err := s.discriminate(schemas, "_common.mapping___Property"); err != nil {
		return err
	}
	// Monitor search inputs carry a search body the spec leaves open.
	si, err := get(schemaSearchInput)
	if err != nil {
		return err
	}
	sprops, _ := si["properties"].(map[string]any)
	if sprops == nil {
		return errors.New("searchtest: patch: monitor search input has no properties")
	}
	sprops["query"] = map[string]any{"$ref": PtrSearchBody}
	s.Patches = append(s.Patches, schemaSearchInput+": query validated as a search request body")
	return nil
}

// discriminate replaces a oneOf that carries an OpenAPI discriminator on
// "type" with if/then branches keyed by the type value, so only the
// matching branch is evaluated. JSON Schema ignores "discriminator": for
// field mappings the plain oneOf tries all 47 property kinds at every level
// of nested properties, which is exponential (a template with nested
// objects did not finish in minutes). Semantics kept: the type must be one
// of the branches' values; no type means the x-default branch (object).
func (s *Spec) discriminate(schemas map[string]any, name string) error {
	m, ok := schemas[name].(map[string]any)
	if !ok {
		return fmt.Errorf("searchtest: patch: schema %s not found", name)
	}
	disc, _ := m["discriminator"].(map[string]any)
	one, _ := m["oneOf"].([]any)
	if disc == nil || len(one) == 0 {
		return fmt.Errorf("searchtest: patch: %s has no discriminated oneOf", name)
	}
	prop, _ := disc["propertyName"].(string)
	def, _ := disc["x-default"].(string)
	var branches []any
	var values []any
	defRef := ""
	for _, b := range one {
		ref, _ := b.(map[string]any)["$ref"].(string)
		target, _ := schemas[strings.TrimPrefix(ref, ptrSchemas)].(map[string]any)
		vals := discriminatorValues(target, prop)
		if len(vals) == 0 {
			return fmt.Errorf("searchtest: patch: %s branch %s names no %s", name, ref, prop)
		}
		for _, v := range vals {
			if v == def {
				defRef = ref
			}
			values = append(values, v)
		}
		branches = append(branches, map[string]any{
			"if":   map[string]any{"properties": map[string]any{prop: map[string]any{"enum": vals}}, "required": []any{prop}},
			"then": map[string]any{"$ref": ref},
		})
	}
	if defRef != "" {
		branches = append(branches, map[string]any{
			"if":   map[string]any{"not": map[string]any{"required": []any{prop}}},
			"then": map[string]any{"$ref": defRef},
		})
	}
	delete(m, "oneOf")
	m["allOf"] = branches
	m["properties"] = map[string]any{prop: map[string]any{"enum": values}}
	s.Patches = append(s.Patches, fmt.Sprintf("%s: oneOf of %d branches evaluated through its discriminator %q (if/then), default %q", name, len(one), prop, def))
	return nil
}

// discriminatorValues finds the enum of property prop in a schema or the
// parts of its allOf.
func discriminatorValues(sch map[string]any, prop string) []any {
	if sch == nil {
		return nil
	}
	if e, ok := dig(sch, "properties", prop, "enum").([]any); ok {
		return e
	}
	parts, _ := sch["allOf"].([]any)
	for _, p := range parts {
		if pm, ok := p.(map[string]any); ok {
			if e := discriminatorValues(pm, prop); e != nil {
				return e
			}
		}
	}
	return nil
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// Compile returns the compiled schema at a JSON pointer of the spec
// ("#/components/schemas/...").
func (s *Spec) Compile(ptr string) (*jsonschema.Schema, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sch, ok := s.cache[ptr]; ok {
		return sch, nil
	}
	sch, err := s.compiler.Compile(specURL + ptr)
	if err != nil {
		return nil, fmt.Errorf("searchtest: compiling %s: %w", ptr, err)
	}
	s.cache[ptr] = sch
	return sch, nil
}

// ValidateValue validates a decoded JSON value (from jsonschema.UnmarshalJSON
// or DecodeJSON) against the schema at ptr.
func (s *Spec) ValidateValue(ptr string, v any) error {
	sch, err := s.Compile(ptr)
	if err != nil {
		return err
	}
	return sch.Validate(v)
}

// ValidateJSON validates a JSON document against the schema at ptr.
func (s *Spec) ValidateJSON(ptr string, doc []byte) error {
	v, err := DecodeJSON(doc)
	if err != nil {
		return err
	}
	return s.ValidateValue(ptr, v)
}

// DecodeJSON decodes one JSON value the way the validator needs it
// (numbers as json.Number); trailing data is an error.
func DecodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("invalid JSON: data after the value")
	}
	return v, nil
}

// Operation is a routed request.
type Operation struct {
	ID     string // operationId, e.g. "search.3"
	Group  string // x-operation-group, e.g. "search"
	Path   string // path template, e.g. "/{index}/_search"
	Params map[string]string
	route  *routers.Route
}

// Route finds the operation of a request and validates its path and query
// parameters.
func (s *Spec) Route(r *http.Request) (*Operation, error) {
	route, params, err := s.router.FindRoute(r)
	if err != nil {
		return nil, fmt.Errorf("no operation for %s %s: %w", r.Method, r.URL.Path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{ExcludeRequestBody: true, SkipSettingDefaults: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		return nil, fmt.Errorf("%s %s: parameters: %w", r.Method, r.URL.Path, err)
	}
	op := &Operation{ID: route.Operation.OperationID, Path: route.Path, Params: params, route: route}
	if g, ok := route.Operation.Extensions["x-operation-group"].(string); ok {
		op.Group = g
	}
	return op, nil
}

// bodyPointer is the JSON pointer of the operation's request body schema
// for a content type, or "" when the operation takes no body.
func (op *Operation) bodyPointer(contentType string) string {
	rb := op.route.Operation.RequestBody
	if rb == nil || rb.Value == nil {
		return ""
	}
	if rb.Value.Content.Get(contentType) == nil {
		return ""
	}
	ct := strings.ReplaceAll(contentType, "/", "~1")
	if rb.Ref != "" {
		return rb.Ref + "/content/" + ct + "/schema"
	}
	p := strings.ReplaceAll(strings.ReplaceAll(op.Path, "~", "~0"), "/", "~1")
	return "#/paths/" + p + "/" + strings.ToLower(op.route.Method) + "/requestBody/content/" + ct + "/schema"
}

// ValidateBody validates a request body for an operation: JSON bodies
// against the operation's schema; _bulk line by line (action lines against
// the bulk operation container, document lines as JSON objects); _msearch
// in header/body pairs.
func (s *Spec) ValidateBody(op *Operation, contentType string, body []byte) error {
	rb := op.route.Operation.RequestBody
	if len(bytes.TrimSpace(body)) == 0 {
		if rb != nil && rb.Value != nil && rb.Value.Required {
			return errors.New("request body required")
		}
		return nil
	}
	if rb == nil || rb.Value == nil {
		return errors.New("the operation takes no request body")
	}
	switch op.Group {
	case "bulk":
		_, err := s.BulkLines(body)
		return err
	case "msearch":
		return s.validateMsearch(body)
	}
	ptr := op.bodyPointer("application/json")
	if ptr == "" {
		return fmt.Errorf("content type %q not accepted by %s", contentType, op.ID)
	}
	if err := s.ValidateJSON(ptr, body); err != nil {
		return err
	}
	return nil
}

// BulkLine is one action/document pair of a _bulk body.
type BulkLine struct {
	Action string // create, index, update, delete
	Index  string
	ID     string
	Doc    []byte // nil for delete
	// Line is the 1-based line number of the action.
	Line int
}

// BulkLines validates and splits a _bulk body.
func (s *Spec) BulkLines(body []byte) ([]BulkLine, error) {
	lines := bytes.Split(bytes.TrimRight(body, "\n"), []byte("\n"))
	var out []BulkLine
	for i := 0; i < len(lines); i++ {
		n := i + 1
		v, err := DecodeJSON(lines[i])
		if err != nil {
			return nil, fmt.Errorf("bulk line %d: %w", n, err)
		}
		if err := s.ValidateValue(PtrBulkOperation, v); err != nil {
			return nil, fmt.Errorf("bulk line %d: action: %w", n, err)
		}
		var act map[string]struct {
			Index string `json:"_index"`
			ID    string `json:"_id"`
		}
		if err := json.Unmarshal(lines[i], &act); err != nil {
			return nil, fmt.Errorf("bulk line %d: %w", n, err)
		}
		for name, meta := range act {
			bl := BulkLine{Action: name, Index: meta.Index, ID: meta.ID, Line: n}
			if name != "delete" {
				i++
				if i >= len(lines) {
					return nil, fmt.Errorf("bulk line %d: %s action without a document line", n, name)
				}
				doc, err := DecodeJSON(lines[i])
				if err != nil {
					return nil, fmt.Errorf("bulk line %d: document: %w", i+1, err)
				}
				if _, ok := doc.(map[string]any); !ok {
					return nil, fmt.Errorf("bulk line %d: document is not a JSON object", i+1)
				}
				bl.Doc = lines[i]
			}
			out = append(out, bl)
		}
	}
	return out, nil
}

func (s *Spec) validateMsearch(body []byte) error {
	lines := bytes.Split(bytes.TrimRight(body, "\n"), []byte("\n"))
	if len(lines)%2 != 0 {
		return fmt.Errorf("msearch: %d lines, want header/body pairs", len(lines))
	}
	for i := 0; i < len(lines); i += 2 {
		if err := s.ValidateJSON(PtrMsearchHeader, lines[i]); err != nil {
			return fmt.Errorf("msearch line %d: header: %w", i+1, err)
		}
		if err := s.ValidateJSON(PtrSearchBody, lines[i+1]); err != nil {
			return fmt.Errorf("msearch line %d: body: %w", i+2, err)
		}
	}
	return nil
}

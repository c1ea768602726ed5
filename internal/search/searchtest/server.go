package searchtest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fault is a scripted failure: an HTTP status with an OpenSearch error
// type and reason. Zero Type/Reason get realistic defaults for the status.
type Fault struct {
	Status int
	Type   string
	Reason string
}

// BulkOp is one bulk operation as the server saw it, for ItemFault.
type BulkOp struct {
	Action    string
	Index, ID string
	Doc       []byte
	// Seen counts the bulk requests that carried this index/_id so far,
	// this one included (1 on the first attempt).
	Seen int
}

// Rejection is a request the server refused because it does not conform
// to the specification.
type Rejection struct {
	Method, Path string
	Operation    string // operationId, "" when routing failed
	Err          error
}

// Recorded is a request that passed validation.
type Recorded struct {
	Method    string
	Path      string // path and query
	Operation string // operationId
	Group     string // x-operation-group
	Body      []byte // decompressed
	Gzipped   bool
}

// Snapshot is a snapshot the server holds.
type Snapshot struct {
	Repository string
	Name       string
	Indices    []string
	State      string
	Start, End time.Time
	docs       map[string]map[string][]byte // contents at snapshot time
	replicas   map[string]int               // number_of_replicas at snapshot time
}

type object struct {
	body        json.RawMessage
	seqNo, term int64
	version     int64
}

// Server is the validating fake. Create it with New.
type Server struct {
	*httptest.Server
	spec *Spec

	mu         sync.Mutex
	docs       map[string]map[string][]byte // index -> _id -> source
	closed     map[string]bool
	objects    map[string]map[string]*object // kind -> name -> object
	snapshots  map[string][]*Snapshot        // repository -> snapshots
	seen       map[string]int
	seq        int64
	nextID     int
	itemFault  func(BulkOp) *Fault
	reqFault   func(r *http.Request, op string) *Fault
	search     func(index string, body []byte) (any, bool)
	rejections []Rejection
	requests   []Recorded
	now        func() time.Time
	opts       Options
	meta       map[string]*indexMeta
	// alertingIndex is set once the first monitor created the Alerting
	// plugin's config index (AlertingConfigIndex).
	alertingIndex bool
	auditReadOnly []string
}

// New starts a server in real-behaviour mode with the default Options; it
// is closed at cleanup. The test is skipped when the shared specification
// folder is absent.
func New(t testing.TB) *Server { t.Helper(); return NewWith(t, Options{}) }

// NewWith starts a server with options.
func NewWith(t testing.TB, o Options) *Server {
	t.Helper()
	s, err := LoadSpec()
	if err != nil {
		if strings.Contains(err.Error(), ErrNoSpec.Error()) {
			t.Skip(err.Error())
		}
		t.Fatal(err)
	}
	srv := &Server{
		spec:      s,
		docs:      map[string]map[string][]byte{},
		closed:    map[string]bool{},
		objects:   map[string]map[string]*object{},
		snapshots: map[string][]*Snapshot{},
		seen:      map[string]int{},
		now:       func() time.Time { return time.Date(2025, 6, 1, 3, 0, 0, 0, time.UTC) },
	}
	srv.init(o)
	srv.Server = httptest.NewServer(http.HandlerFunc(srv.serve))
	t.Cleanup(srv.Close)
	return srv
}

// Spec returns the loaded specification.
func (s *Server) Spec() *Spec { return s.spec }

// SetItemFault scripts per-item bulk failures: f returns nil to let the
// item through.
func (s *Server) SetItemFault(f func(BulkOp) *Fault) { s.mu.Lock(); s.itemFault = f; s.mu.Unlock() }

// SetRequestFault scripts whole-request failures (after validation): f
// returns nil to serve the request. op is the operationId.
func (s *Server) SetRequestFault(f func(r *http.Request, op string) *Fault) {
	s.mu.Lock()
	s.reqFault = f
	s.mu.Unlock()
}

// SetSearch answers searches: f gets the target index expression and the
// body and returns the response object (ok false: the default empty
// result).
func (s *Server) SetSearch(f func(index string, body []byte) (any, bool)) {
	s.mu.Lock()
	s.search = f
	s.mu.Unlock()
}

// SetNow sets the server's clock (snapshot times).
func (s *Server) SetNow(now func() time.Time) { s.mu.Lock(); s.now = now; s.mu.Unlock() }

// Rejections returns the requests refused for not conforming to the spec.
func (s *Server) Rejections() []Rejection {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Rejection(nil), s.rejections...)
}

// Requests returns the requests that passed validation, in order.
func (s *Server) Requests() []Recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Recorded(nil), s.requests...)
}

// Document returns a stored document's source.
func (s *Server) Document(index, id string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.docs[index][id]
	return d, ok
}

// DocCount is the number of documents in an index ("" for all indices).
func (s *Server) DocCount(index string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if index != "" {
		return len(s.docs[index])
	}
	n := 0
	for _, m := range s.docs {
		n += len(m)
	}
	return n
}

// Indices returns the index names, sorted.
func (s *Server) Indices() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.indexNames()
}

func (s *Server) indexNames() []string {
	out := make([]string, 0, len(s.docs))
	for k := range s.docs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// CreateIndex adds an empty index (a live index in restore tests).
func (s *Server) CreateIndex(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.docs[name] == nil {
		s.docs[name] = map[string][]byte{}
		s.created(name, nil)
	}
}

// DeleteIndex removes an index (as ISM's delete action does).
func (s *Server) DeleteIndex(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropIndex(name)
}

// Object returns a stored configuration object by kind and name. Kinds:
// component_template, index_template, ism_policy, monitor (by id),
// notification_config, role, role_mapping, repository, sm_policy.
func (s *Server) Object(kind, name string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objects[kind][name]
	if !ok {
		return nil, false
	}
	return o.body, true
}

// Objects returns the names of the stored objects of a kind, sorted.
func (s *Server) Objects(kind string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.objects[kind] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// AddSnapshot records a snapshot (for restore tests over a realistic
// listing).
func (s *Server) AddSnapshot(sn Snapshot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := sn
	if c.State == "" {
		c.State = "SUCCESS"
	}
	s.snapshots[sn.Repository] = append(s.snapshots[sn.Repository], &c)
}

func (s *Server) reject(w http.ResponseWriter, r *http.Request, op string, err error) {
	s.mu.Lock()
	s.rejections = append(s.rejections, Rejection{Method: r.Method, Path: r.URL.Path, Operation: op, Err: err})
	s.mu.Unlock()
	writeError(w, http.StatusBadRequest, "x_content_parse_exception", "searchtest: request does not conform to the OpenSearch specification: "+err.Error())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func errorBody(status int, typ, reason string) map[string]any {
	cause := map[string]any{"type": typ, "reason": reason}
	return map[string]any{"error": map[string]any{"root_cause": []any{cause}, "type": typ, "reason": reason}, "status": status}
}

func writeError(w http.ResponseWriter, status int, typ, reason string) {
	writeJSON(w, status, errorBody(status, typ, reason))
}

func (f *Fault) filled() (string, string) {
	typ, reason := f.Type, f.Reason
	if typ == "" {
		switch {
		case f.Status == 429:
			typ, reason = "es_rejected_execution_exception", "rejected execution of coordinating operation [shard_detail=[log-aws][0][P], shard_coordinating_and_primary_bytes=104857600, shard_operation_bytes=1048576, shard_max_coordinating_and_primary_bytes=104857600]"
		case f.Status == 400:
			typ, reason = "mapper_parsing_exception", "failed to parse field [source.port] of type [long] in document"
		case f.Status == 413:
			typ, reason = "content_too_long_exception", "Request content was too large"
		case f.Status >= 500:
			typ, reason = "unavailable_shards_exception", "[log-aws][0] primary shard is not active Timeout: [1m]"
		default:
			typ, reason = "illegal_argument_exception", "scripted fault"
		}
	}
	if reason == "" {
		reason = "scripted fault"
	}
	return typ, reason
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, 400, "parse_exception", err.Error())
		return
	}
	gz := r.Header.Get("Content-Encoding") == "gzip"
	if gz {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err == nil {
			body, err = io.ReadAll(zr)
		}
		if err != nil {
			s.reject(w, r, "", fmt.Errorf("gzip body: %w", err))
			return
		}
	}
	// The router matches on the request URL; give it the server's address.
	op, err := s.spec.Route(r)
	if err != nil {
		s.reject(w, r, "", err)
		return
	}
	ct := r.Header.Get("Content-Type")
	if len(body) > 0 && ct == "" {
		s.reject(w, r, op.ID, fmt.Errorf("body without Content-Type"))
		return
	}
	if err := s.spec.ValidateBody(op, ct, body); err != nil {
		s.reject(w, r, op.ID, err)
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, Recorded{Method: r.Method, Path: r.URL.RequestURI(), Operation: op.ID, Group: op.Group, Body: body, Gzipped: gz})
	fault := s.reqFault
	s.mu.Unlock()
	if fault != nil {
		if f := fault(r, op.ID); f != nil {
			typ, reason := f.filled()
			writeError(w, f.Status, typ, reason)
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handle(w, r, op, body)
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request, op *Operation, body []byte) {
	p := map[string]string{}
	for k, v := range op.Params {
		if u, err := url.PathUnescape(v); err == nil {
			v = u
		}
		p[k] = v
	}
	q := r.URL.Query()
	switch op.Group {
	case "info":
		writeJSON(w, 200, map[string]any{"name": "searchtest", "cluster_name": "searchtest", "version": map[string]any{"distribution": "opensearch", "number": "2.17.0"}, "tagline": "The OpenSearch Project: https://opensearch.org/"})
	case "bulk":
		s.bulk(w, p["index"], body)
	case "search":
		s.searchResponse(w, p["index"], body)
	case "msearch":
		lines := bytes.Split(bytes.TrimRight(body, "\n"), []byte("\n"))
		var out []any
		for i := 0; i+1 < len(lines); i += 2 {
			var h struct {
				Index any `json:"index"`
			}
			_ = json.Unmarshal(lines[i], &h)
			idx := fmt.Sprint(h.Index)
			if h.Index == nil {
				idx = p["index"]
			}
			rec := httptest.NewRecorder()
			s.searchResponse(rec, idx, lines[i+1])
			var v map[string]any
			_ = json.Unmarshal(rec.Body.Bytes(), &v)
			v["status"] = rec.Code
			out = append(out, v)
		}
		writeJSON(w, 200, map[string]any{"took": 1, "responses": out})
	case "cluster.put_component_template":
		s.putObject("component_template", p["name"], body)
		writeJSON(w, 200, map[string]any{"acknowledged": true})
	case "indices.put_index_template":
		s.putObject("index_template", p["name"], body)
		writeJSON(w, 200, map[string]any{"acknowledged": true})
	case "cluster.get_component_template", "indices.get_index_template":
		kind, key, inner := "component_template", "component_templates", "component_template"
		if op.Group == "indices.get_index_template" {
			kind, key, inner = "index_template", "index_templates", "index_template"
		}
		o, ok := s.objects[kind][p["name"]]
		if !ok {
			writeError(w, 404, "resource_not_found_exception", kind+" matching ["+p["name"]+"] not found")
			return
		}
		writeJSON(w, 200, map[string]any{key: []any{map[string]any{"name": p["name"], inner: o.body}}})
	case "ism.put_policy":
		s.versioned(w, q, "ism_policy", p["policy_id"], body, func(o *object, id string) any {
			return map[string]any{"_id": id, "_version": o.version, "_primary_term": o.term, "_seq_no": o.seqNo, "policy": o.body}
		})
	case "ism.get_policy":
		s.getVersioned(w, "ism_policy", p["policy_id"], "policy")
	case "sm.create_policy", "sm.update_policy":
		if op.Group == "sm.create_policy" && s.objects["sm_policy"][p["policy_name"]] != nil {
			writeError(w, 409, "version_conflict_engine_exception", "["+p["policy_name"]+"-sm-policy]: version conflict, document already exists")
			return
		}
		s.versioned(w, q, "sm_policy", p["policy_name"], body, func(o *object, id string) any {
			return map[string]any{"_id": id + "-sm-policy", "_version": o.version, "_primary_term": o.term, "_seq_no": o.seqNo, "sm_policy": o.body}
		})
	case "sm.get_policy":
		s.getVersioned(w, "sm_policy", p["policy_name"], "sm_policy")
	case "alerting.create_monitor":
		s.alertingIndex = true
		s.nextID++
		id := fmt.Sprintf("mon%06d", s.nextID)
		o := s.putObject("monitor", id, body)
		writeJSON(w, 201, map[string]any{"_id": id, "_version": o.version, "_seq_no": o.seqNo, "_primary_term": o.term, "monitor": o.body})
	case "alerting.update_monitor":
		if s.objects["monitor"][p["monitor_id"]] == nil {
			writeError(w, 404, "status_exception", "Monitor not found.")
			return
		}
		o := s.putObject("monitor", p["monitor_id"], body)
		writeJSON(w, 200, map[string]any{"_id": p["monitor_id"], "_version": o.version, "_seq_no": o.seqNo, "_primary_term": o.term, "monitor": o.body})
	case "alerting.get_monitor":
		s.getVersioned(w, "monitor", p["monitor_id"], "monitor")
	case "alerting.delete_monitor":
		if s.objects["monitor"][p["monitor_id"]] == nil {
			writeError(w, 404, "status_exception", "Monitor not found.")
			return
		}
		delete(s.objects["monitor"], p["monitor_id"])
		writeJSON(w, 200, map[string]any{"_id": p["monitor_id"], "result": "deleted"})
	case "alerting.search_monitors":
		if s.real() && !s.alertingIndex {
			writeJSON(w, 404, indexNotFound(AlertingConfigIndex))
			return
		}
		var hits []any
		for _, id := range sortedKeys(s.objects["monitor"]) {
			o := s.objects["monitor"][id]
			hits = append(hits, map[string]any{"_index": ".opendistro-alerting-config", "_id": id, "_seq_no": o.seqNo, "_primary_term": o.term, "_score": 1.0, "_source": o.body})
		}
		writeJSON(w, 200, map[string]any{"took": 1, "timed_out": false, "hits": map[string]any{"total": map[string]any{"value": len(hits), "relation": "eq"}, "hits": orEmpty(hits)}})
	case "notifications.create_config":
		var in struct {
			ConfigID string          `json:"config_id"`
			Config   json.RawMessage `json:"config"`
		}
		_ = json.Unmarshal(body, &in)
		if in.ConfigID == "" {
			s.nextID++
			in.ConfigID = fmt.Sprintf("cfg%06d", s.nextID)
		}
		if s.objects["notification_config"][in.ConfigID] != nil {
			writeError(w, 409, "version_conflict_engine_exception", "["+in.ConfigID+"]: version conflict, document already exists (current version [1])")
			return
		}
		s.putObject("notification_config", in.ConfigID, in.Config)
		writeJSON(w, 200, map[string]any{"config_id": in.ConfigID})
	case "notifications.update_config":
		if s.objects["notification_config"][p["config_id"]] == nil {
			writeError(w, 404, "status_exception", "NotificationConfig "+p["config_id"]+" not found")
			return
		}
		var in struct {
			Config json.RawMessage `json:"config"`
		}
		_ = json.Unmarshal(body, &in)
		s.putObject("notification_config", p["config_id"], in.Config)
		writeJSON(w, 200, map[string]any{"config_id": p["config_id"]})
	case "notifications.get_config":
		o, ok := s.objects["notification_config"][p["config_id"]]
		if !ok {
			writeError(w, 404, "status_exception", "NotificationConfig "+p["config_id"]+" not found")
			return
		}
		ms := s.now().UnixMilli()
		writeJSON(w, 200, map[string]any{"start_index": 0, "total_hits": 1, "total_hit_relation": "eq",
			"config_list": []any{map[string]any{"config_id": p["config_id"], "last_updated_time_ms": ms, "created_time_ms": ms, "config": o.body}}})
	case "security.create_role", "security.create_role_mapping":
		kind, name := "role", p["role"]
		if op.Group == "security.create_role_mapping" {
			kind = "role_mapping"
		}
		status, st := 200, "OK"
		if s.objects[kind][name] == nil {
			status, st = 201, "CREATED"
		}
		s.putObject(kind, name, body)
		writeJSON(w, status, map[string]any{"status": st, "message": "'" + name + "' " + strings.ToLower(st) + "."})
	case "security.get_role", "security.get_role_mapping":
		kind := "role"
		if op.Group == "security.get_role_mapping" {
			kind = "role_mapping"
		}
		o, ok := s.objects[kind][p["role"]]
		if !ok {
			writeJSON(w, 404, map[string]any{"status": "NOT_FOUND", "message": "Resource '" + p["role"] + "' not found."})
			return
		}
		writeJSON(w, 200, map[string]any{p["role"]: o.body})
	case "snapshot.create_repository":
		if reason := refuseRepository(body); s.real() && reason != "" {
			s.rejections = append(s.rejections, Rejection{Method: r.Method, Path: r.URL.Path, Operation: op.ID, Err: fmt.Errorf("%s", reason)})
			writeError(w, 400, "illegal_argument_exception", reason)
			return
		}
		s.putObject("repository", p["repository"], body)
		writeJSON(w, 200, map[string]any{"acknowledged": true})
	case "snapshot.get_repository":
		o, ok := s.objects["repository"][p["repository"]]
		if !ok {
			writeError(w, 404, "repository_missing_exception", "["+p["repository"]+"] missing")
			return
		}
		writeJSON(w, 200, map[string]any{p["repository"]: o.body})
	case "snapshot.create":
		s.createSnapshot(w, q, p["repository"], p["snapshot"], body)
	case "snapshot.get":
		s.getSnapshots(w, p["repository"], p["snapshot"])
	case "snapshot.restore":
		s.restore(w, p["repository"], p["snapshot"], body)
	case "cat.indices":
		var rows []any
		for _, name := range s.indexNames() {
			if p["index"] != "" && !matchExpr(p["index"], name) {
				continue
			}
			status := "open"
			if s.closed[name] {
				status = "close"
			}
			rep := 1
			if m := s.meta[name]; m != nil {
				rep = m.replicas
			}
			rows = append(rows, map[string]any{"index": name, "status": status, "health": s.health(name), "pri": "1", "rep": strconv.Itoa(rep),
				"docs.count": strconv.Itoa(len(s.docs[name]))})
		}
		writeJSON(w, 200, orEmpty(rows))
	default:
		if s.handleReal(w, r, op, p, body) {
			return
		}
		s.rejections = append(s.rejections, Rejection{Method: r.Method, Path: r.URL.Path, Operation: op.ID, Err: fmt.Errorf("searchtest has no fake for %s", op.Group)})
		writeError(w, 501, "searchtest_unsupported", "searchtest has no fake for "+op.Group)
	}
}

func orEmpty(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (s *Server) putObject(kind, name string, body []byte) *object {
	if s.objects[kind] == nil {
		s.objects[kind] = map[string]*object{}
	}
	s.seq++
	o := s.objects[kind][name]
	if o == nil {
		o = &object{term: 1}
		s.objects[kind][name] = o
	}
	o.body = append(json.RawMessage(nil), body...)
	o.seqNo = s.seq
	o.version++
	return o
}

// versioned creates an object, or updates it when if_seq_no and
// if_primary_term match (ISM and SM semantics).
func (s *Server) versioned(w http.ResponseWriter, q map[string][]string, kind, name string, body []byte, resp func(*object, string) any) {
	o := s.objects[kind][name]
	seq, term := first(q["if_seq_no"]), first(q["if_primary_term"])
	if o != nil {
		if seq == "" || term == "" {
			writeError(w, 409, "version_conflict_engine_exception", "["+name+"]: version conflict, document already exists (current version ["+strconv.FormatInt(o.version, 10)+"])")
			return
		}
		if seq != strconv.FormatInt(o.seqNo, 10) || term != strconv.FormatInt(o.term, 10) {
			writeError(w, 409, "version_conflict_engine_exception", "["+name+"]: version conflict, required seqNo ["+seq+"], primary term ["+term+"]. current document has seqNo ["+strconv.FormatInt(o.seqNo, 10)+"] and primary term ["+strconv.FormatInt(o.term, 10)+"]")
			return
		}
	} else if seq != "" {
		writeError(w, 404, "document_missing_exception", "["+name+"]: document missing")
		return
	}
	status := 201
	if o != nil {
		status = 200
	}
	o = s.putObject(kind, name, body)
	writeJSON(w, status, resp(o, name))
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func (s *Server) getVersioned(w http.ResponseWriter, kind, name, key string) {
	o, ok := s.objects[kind][name]
	if !ok {
		writeError(w, 404, "status_exception", kind+" "+name+" not found")
		return
	}
	var inner json.RawMessage = o.body
	var m map[string]json.RawMessage
	if json.Unmarshal(o.body, &m) == nil && len(m) == 1 {
		for k, v := range m {
			if k == "policy" || k == "monitor" {
				inner = v
			}
		}
	}
	writeJSON(w, 200, map[string]any{"_id": name, "_version": o.version, "_seq_no": o.seqNo, "_primary_term": o.term, key: inner})
}

var logIndexRE = regexp.MustCompile(`^log-aws-[a-z0-9]+-(\d{4})\.(\d{2})$`)

func (s *Server) bulk(w http.ResponseWriter, defIndex string, body []byte) {
	lines, err := s.spec.BulkLines(body)
	if err != nil { // validated before; unreachable unless the spec changed
		writeError(w, 400, "illegal_argument_exception", err.Error())
		return
	}
	start := time.Now()
	items := make([]any, 0, len(lines))
	hasErr := false
	for _, l := range lines {
		idx := l.Index
		if idx == "" {
			idx = defIndex
		}
		res := map[string]any{"_index": idx, "_id": l.ID}
		key := idx + "\x00" + l.ID
		s.seen[key]++
		var fault *Fault
		if s.itemFault != nil {
			fault = s.itemFault(BulkOp{Action: l.Action, Index: idx, ID: l.ID, Doc: l.Doc, Seen: s.seen[key]})
		}
		switch {
		case idx == "":
			fault = &Fault{Status: 400, Type: "action_request_validation_exception", Reason: "Validation Failed: 1: index is missing;"}
		case fault == nil && l.Doc != nil && logIndexRE.MatchString(idx):
			fault = checkLogDoc(idx, l.Doc)
		}
		switch {
		case fault != nil:
			typ, reason := fault.filled()
			res["status"] = fault.Status
			res["error"] = map[string]any{"type": typ, "reason": reason, "index": idx}
			hasErr = true
		case l.Action == "create" || l.Action == "index":
			if l.ID == "" {
				s.nextID++
				l.ID = fmt.Sprintf("auto%08d", s.nextID)
				res["_id"] = l.ID
			}
			if s.docs[idx] == nil {
				s.docs[idx] = map[string][]byte{}
				s.created(idx, nil)
			}
			if _, exists := s.docs[idx][l.ID]; exists && l.Action == "create" {
				res["status"] = 409
				res["error"] = map[string]any{"type": "version_conflict_engine_exception",
					"reason": "[" + l.ID + "]: version conflict, document already exists (current version [1])", "index": idx, "shard": "0"}
				hasErr = true
				break
			}
			s.docs[idx][l.ID] = append([]byte(nil), l.Doc...)
			s.seq++
			res["status"], res["result"], res["_version"], res["_seq_no"], res["_primary_term"] = 201, "created", 1, s.seq, 1
			res["_shards"] = map[string]any{"total": 2, "successful": 1, "failed": 0}
		case l.Action == "delete":
			if _, ok := s.docs[idx][l.ID]; ok {
				delete(s.docs[idx], l.ID)
				res["status"], res["result"] = 200, "deleted"
			} else {
				res["status"], res["result"] = 404, "not_found"
			}
		default:
			res["status"] = 400
			res["error"] = map[string]any{"type": "illegal_argument_exception", "reason": "searchtest does not fake bulk " + l.Action}
			hasErr = true
		}
		items = append(items, map[string]any{l.Action: res})
	}
	writeJSON(w, 200, map[string]any{"took": time.Since(start).Milliseconds(), "errors": hasErr, "items": items})
}

// checkLogDoc checks a log document is what the loader meant to send: its
// @timestamp falls in the month its index names. A mismatch is refused as
// a mapping error would be, so tests notice.
func checkLogDoc(index string, doc []byte) *Fault {
	m := logIndexRE.FindStringSubmatch(index)
	var d struct {
		Timestamp string `json:"@timestamp"`
	}
	if err := json.Unmarshal(doc, &d); err != nil || d.Timestamp == "" {
		return &Fault{Status: 400, Type: "mapper_parsing_exception", Reason: "searchtest: log document without @timestamp"}
	}
	if !strings.HasPrefix(d.Timestamp, m[1]+"-"+m[2]) {
		return &Fault{Status: 400, Type: "mapper_parsing_exception", Reason: "searchtest: @timestamp " + d.Timestamp + " is not in the month of index " + index}
	}
	return nil
}

func (s *Server) searchResponse(w http.ResponseWriter, index string, body []byte) {
	if s.search != nil {
		if v, ok := s.search(index, body); ok {
			writeJSON(w, 200, v)
			return
		}
	}
	if s.real() && s.evaluate(w, index, body) {
		return
	}
	writeJSON(w, 200, map[string]any{"took": 1, "timed_out": false,
		"_shards": map[string]any{"total": 1, "successful": 1, "skipped": 0, "failed": 0},
		"hits":    map[string]any{"total": map[string]any{"value": 0, "relation": "eq"}, "max_score": nil, "hits": []any{}}})
}

// matchExpr matches an index name against a comma-separated expression of
// wildcard patterns, "-" prefixed ones excluding.
func matchExpr(expr, name string) bool {
	ok := false
	for _, p := range strings.Split(expr, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if strings.HasPrefix(p, "-") {
			if m, _ := path.Match(p[1:], name); m {
				ok = false
			}
			continue
		}
		if p == "_all" {
			p = "*"
		}
		if m, _ := path.Match(p, name); m {
			ok = true
		}
	}
	return ok
}

func (s *Server) createSnapshot(w http.ResponseWriter, q map[string][]string, repo, name string, body []byte) {
	if s.objects["repository"][repo] == nil {
		writeError(w, 404, "repository_missing_exception", "["+repo+"] missing")
		return
	}
	for _, sn := range s.snapshots[repo] {
		if sn.Name == name {
			writeError(w, 400, "invalid_snapshot_name_exception", "["+repo+":"+name+"] Invalid snapshot name ["+name+"], snapshot with the same name already exists")
			return
		}
	}
	var in struct {
		Indices any `json:"indices"`
	}
	_ = json.Unmarshal(body, &in)
	expr := "*"
	switch v := in.Indices.(type) {
	case string:
		expr = v
	case []any:
		var parts []string
		for _, x := range v {
			parts = append(parts, fmt.Sprint(x))
		}
		expr = strings.Join(parts, ",")
	}
	now := s.now()
	sn := &Snapshot{Repository: repo, Name: name, State: "SUCCESS", Start: now, End: now.Add(time.Minute)}
	sn.docs = map[string]map[string][]byte{}
	sn.replicas = map[string]int{}
	for _, idx := range s.indexNames() {
		if matchExpr(expr, idx) {
			sn.Indices = append(sn.Indices, idx)
			sn.docs[idx] = cloneDocs(s.docs[idx])
			if m := s.meta[idx]; m != nil {
				sn.replicas[idx] = m.replicas
			}
		}
	}
	s.snapshots[repo] = append(s.snapshots[repo], sn)
	if first(q["wait_for_completion"]) == "true" {
		writeJSON(w, 200, map[string]any{"snapshot": snapshotInfo(sn)})
		return
	}
	writeJSON(w, 200, map[string]any{"accepted": true})
}

func snapshotInfo(sn *Snapshot) map[string]any {
	idx := append([]string{}, sn.Indices...)
	return map[string]any{
		"snapshot": sn.Name, "uuid": "uuid-" + sn.Name, "version_id": 136377827, "version": "2.17.0",
		"indices": idx, "data_streams": []any{}, "include_global_state": false, "state": sn.State,
		"start_time": sn.Start.Format(time.RFC3339Nano), "start_time_in_millis": sn.Start.UnixMilli(),
		"end_time": sn.End.Format(time.RFC3339Nano), "end_time_in_millis": sn.End.UnixMilli(),
		"duration_in_millis": sn.End.Sub(sn.Start).Milliseconds(), "failures": []any{},
		"shards": map[string]any{"total": len(idx), "failed": 0, "successful": len(idx)},
	}
}

func (s *Server) getSnapshots(w http.ResponseWriter, repo, names string) {
	if s.objects["repository"][repo] == nil {
		writeError(w, 404, "repository_missing_exception", "["+repo+"] missing")
		return
	}
	var out []any
	for _, sn := range s.snapshots[repo] {
		if names == "_all" || names == "*" || matchExpr(names, sn.Name) {
			out = append(out, snapshotInfo(sn))
		}
	}
	if out == nil && names != "_all" && names != "*" {
		writeError(w, 404, "snapshot_missing_exception", "["+repo+":"+names+"] is missing")
		return
	}
	writeJSON(w, 200, map[string]any{"snapshots": orEmpty(out)})
}

func (s *Server) restore(w http.ResponseWriter, repo, name string, body []byte) {
	var sn *Snapshot
	for _, x := range s.snapshots[repo] {
		if x.Name == name {
			sn = x
		}
	}
	if sn == nil {
		writeError(w, 404, "snapshot_restore_exception", "["+repo+":"+name+"] snapshot does not exist")
		return
	}
	var in struct {
		Indices           any            `json:"indices"`
		RenamePattern     string         `json:"rename_pattern"`
		RenameReplacement string         `json:"rename_replacement"`
		IndexSettings     map[string]any `json:"index_settings"`
	}
	_ = json.Unmarshal(body, &in)
	expr := "*"
	switch v := in.Indices.(type) {
	case string:
		expr = v
	case []any:
		var parts []string
		for _, x := range v {
			parts = append(parts, fmt.Sprint(x))
		}
		expr = strings.Join(parts, ",")
	}
	var re *regexp.Regexp
	if in.RenamePattern != "" {
		var err error
		if re, err = regexp.Compile(in.RenamePattern); err != nil {
			writeError(w, 400, "illegal_argument_exception", "rename_pattern: "+err.Error())
			return
		}
	}
	var targets []string
	var sources []string
	for _, idx := range sn.Indices {
		if !matchExpr(expr, idx) {
			continue
		}
		target := idx
		if re != nil {
			// Java's $1 replacement syntax is Go's too.
			target = re.ReplaceAllString(idx, in.RenameReplacement)
		}
		if _, exists := s.docs[target]; exists && !s.closed[target] {
			writeError(w, 500, "snapshot_restore_exception", "["+repo+":"+name+"/uuid-"+name+"] cannot restore index ["+target+"] because an open index with same name already exists in the cluster. Either close or delete the existing index or restore the index under a different name by providing a rename pattern and replacement name")
			return
		}
		targets = append(targets, target)
		sources = append(sources, idx)
	}
	if len(targets) == 0 {
		writeError(w, 400, "snapshot_restore_exception", "["+repo+":"+name+"] no indices matched "+expr)
		return
	}
	for i, t := range targets {
		s.docs[t] = cloneDocs(sn.docs[sources[i]])
		s.closed[t] = false
		// A restored index keeps the settings it was snapshotted with
		// (RestoreService copies the snapshot's IndexMetadata), unless
		// index_settings overrides them.
		rep := sn.replicas[sources[i]]
		if v, ok := replicasSetting(map[string]any{"settings": in.IndexSettings}); ok {
			rep = v
		}
		delete(s.meta, t)
		s.created(t, &rep)
	}
	writeJSON(w, 200, map[string]any{"accepted": true})
}

func cloneDocs(m map[string][]byte) map[string][]byte {
	cp := make(map[string][]byte, len(m))
	for k, v := range m {
		cp[k] = v
	}
	return cp
}

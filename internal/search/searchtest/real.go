package searchtest

// Real behaviour: what an OpenSearch 2.x domain does beyond accepting a
// well-formed request. Each rule names the upstream source or document it
// reproduces; tests in this package and in the callers' packages would
// fail if the code assumed otherwise. Options.ShapesOnly turns the rules
// off (the server then only validates request shapes).

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Options configure a Server.
type Options struct {
	// ShapesOnly turns off the real-behaviour rules below: the server
	// validates requests against the specification and stores what it is
	// sent, nothing more.
	ShapesOnly bool
	// Version is the OpenSearch version the server imitates (default
	// DefaultVersion). Some rules depend on it (flat_object wildcard).
	Version string
	// DataNodes is the number of data nodes (default 1, the dev profile):
	// a replica cannot be allocated on the node holding its primary, so an
	// index with more replicas than DataNodes-1 is yellow.
	DataNodes int
}

// DefaultVersion is the OpenSearch version imitated by default.
const DefaultVersion = "2.17.0"

// indexMeta is what the server knows of an index besides its documents.
type indexMeta struct {
	replicas int
	created  time.Time
	// policy is the ISM policy managing the index (id and the policy as
	// it was when the index was attached or last changed); "" unmanaged.
	policyID string
	policy   json.RawMessage
	aliases  map[string]bool
}

func (s *Server) init(o Options) {
	if o.Version == "" {
		o.Version = DefaultVersion
	}
	if o.DataNodes <= 0 {
		o.DataNodes = 1
	}
	s.opts = o
	s.meta = map[string]*indexMeta{}
}

// real reports whether the real-behaviour rules apply.
func (s *Server) real() bool { return !s.opts.ShapesOnly }

// versionBefore reports whether the imitated version is before major.minor.
func (s *Server) versionBefore(major, minor int) bool {
	parts := strings.SplitN(s.opts.Version, ".", 3)
	ma, _ := strconv.Atoi(parts[0])
	mi := 0
	if len(parts) > 1 {
		mi, _ = strconv.Atoi(parts[1])
	}
	return ma < major || (ma == major && mi < minor)
}

// created registers a new index: its settings come from the
// highest-priority index template matching its name, composed with its
// component templates (MetadataIndexTemplateService resolves templates
// this way at creation), and ISM attaches the policy whose ism_template
// matches with the highest priority (ManagedIndexCoordinator; templates
// apply to indices created after the policy).
func (s *Server) created(index string, replicas *int) {
	if s.meta[index] != nil {
		return
	}
	m := &indexMeta{replicas: 1, created: s.now(), aliases: map[string]bool{}}
	if r, ok := s.templateReplicas(index); ok {
		m.replicas = r
	}
	if replicas != nil {
		m.replicas = *replicas
	}
	s.meta[index] = m
	best := -1
	for _, id := range sortedKeys(s.objects["ism_policy"]) {
		var p struct {
			Policy struct {
				ISMTemplate []struct {
					IndexPatterns []string `json:"index_patterns"`
					Priority      int      `json:"priority"`
				} `json:"ism_template"`
			} `json:"policy"`
		}
		raw := s.objects["ism_policy"][id].body
		if json.Unmarshal(raw, &p) != nil {
			continue
		}
		for _, t := range p.Policy.ISMTemplate {
			if t.Priority > best && matchExpr(strings.Join(t.IndexPatterns, ","), index) {
				best, m.policyID = t.Priority, id
				m.policy = policyOf(raw)
			}
		}
	}
}

func policyOf(raw json.RawMessage) json.RawMessage {
	var p struct {
		Policy json.RawMessage `json:"policy"`
	}
	_ = json.Unmarshal(raw, &p)
	return p.Policy
}

func (s *Server) templateReplicas(index string) (int, bool) {
	type tmpl struct {
		IndexPatterns []string       `json:"index_patterns"`
		ComposedOf    []string       `json:"composed_of"`
		Priority      int            `json:"priority"`
		Template      map[string]any `json:"template"`
	}
	var best *tmpl
	for _, name := range sortedKeys(s.objects["index_template"]) {
		var t tmpl
		if json.Unmarshal(s.objects["index_template"][name].body, &t) != nil {
			continue
		}
		if matchExpr(strings.Join(t.IndexPatterns, ","), index) && (best == nil || t.Priority > best.Priority) {
			tt := t
			best = &tt
		}
	}
	if best == nil {
		return 0, false
	}
	r, found := 0, false
	for _, c := range best.ComposedOf {
		o := s.objects["component_template"][c]
		if o == nil {
			continue
		}
		var ct struct {
			Template map[string]any `json:"template"`
		}
		_ = json.Unmarshal(o.body, &ct)
		if v, ok := replicasSetting(ct.Template); ok {
			r, found = v, true
		}
	}
	if v, ok := replicasSetting(best.Template); ok {
		r, found = v, true
	}
	return r, found
}

func replicasSetting(tmpl map[string]any) (int, bool) {
	st, _ := tmpl["settings"].(map[string]any)
	if st == nil {
		return 0, false
	}
	if idx, ok := st["index"].(map[string]any); ok {
		if v, ok := idx["number_of_replicas"]; ok {
			n, err := strconv.Atoi(fmt.Sprint(v))
			return n, err == nil
		}
	}
	if v, ok := st["index.number_of_replicas"]; ok {
		n, err := strconv.Atoi(fmt.Sprint(v))
		return n, err == nil
	}
	return 0, false
}

// health is an index's health: green when every replica can be allocated,
// yellow when it has more replicas than DataNodes-1 (the allocator never
// puts a replica on the node of its primary: SameShardAllocationDecider).
func (s *Server) health(index string) string {
	m := s.meta[index]
	if m == nil || !s.real() {
		return "green"
	}
	if m.replicas > s.opts.DataNodes-1 {
		return "yellow"
	}
	return "green"
}

// Health returns an index's health (green, yellow) as _cat/indices shows it.
func (s *Server) Health(index string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.health(index)
}

// ClusterHealth is the worst index health: the cluster status.
func (s *Server) ClusterHealth() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clusterHealth()
}

func (s *Server) clusterHealth() string {
	st := "green"
	for name := range s.docs {
		if s.health(name) == "yellow" {
			st = "yellow"
		}
	}
	return st
}

// Replicas returns an index's number_of_replicas.
func (s *Server) Replicas(index string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.meta[index]; m != nil {
		return m.replicas
	}
	return -1
}

// ManagedBy returns the ISM policy managing an index and the policy
// definition it runs ("" when unmanaged).
func (s *Server) ManagedBy(index string) (string, json.RawMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.meta[index]; m != nil {
		return m.policyID, m.policy
	}
	return "", nil
}

// SetIndexCreated backdates an index's creation (ISM ages count from it).
func (s *Server) SetIndexCreated(index string, t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.meta[index]; m != nil {
		m.created = t
	}
}

// Aliases returns the aliases of an index, sorted.
func (s *Server) Aliases(index string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.meta[index]; m != nil {
		return sortedKeys(m.aliases)
	}
	return nil
}

func (s *Server) indicesOf(expr string) []string {
	var out []string
	for _, name := range s.indexNames() {
		if matchExpr(expr, name) {
			out = append(out, name)
			continue
		}
		for a := range s.meta[name].aliasesOrNil() {
			if matchExpr(expr, a) {
				out = append(out, name)
				break
			}
		}
	}
	return out
}

func (m *indexMeta) aliasesOrNil() map[string]bool {
	if m == nil {
		return nil
	}
	return m.aliases
}

func (s *Server) dropIndex(name string) {
	delete(s.docs, name)
	delete(s.closed, name)
	delete(s.meta, name)
}

// handleReal serves the operations only the real-behaviour mode knows; ok
// false means the group is not one of them.
func (s *Server) handleReal(w http.ResponseWriter, r *http.Request, op *Operation, p map[string]string, body []byte) bool {
	q := r.URL.Query()
	switch op.Group {
	case "cluster.health":
		idx := s.indexNames()
		writeJSON(w, 200, map[string]any{"cluster_name": "searchtest", "status": s.clusterHealth(), "timed_out": false,
			"number_of_nodes": s.opts.DataNodes, "number_of_data_nodes": s.opts.DataNodes, "active_primary_shards": len(idx),
			"unassigned_shards": s.unassignedReplicas(), "discovered_cluster_manager": true})
	case "indices.delete":
		// DELETE /<expr>: wildcards resolve to existing indices; a concrete
		// name that does not exist is index_not_found_exception.
		var gone []string
		for _, part := range strings.Split(p["index"], ",") {
			if !strings.ContainsAny(part, "*?") && s.docs[part] == nil {
				writeJSON(w, 404, indexNotFound(part))
				return true
			}
			gone = append(gone, s.indicesOf(part)...)
		}
		for _, name := range gone {
			s.dropIndex(name)
		}
		writeJSON(w, 200, map[string]any{"acknowledged": true})
	case "indices.put_settings":
		var in map[string]any
		_ = json.Unmarshal(body, &in)
		rep, ok := replicasSetting(map[string]any{"settings": in})
		if !ok {
			if idx, isMap := in["index"].(map[string]any); isMap {
				rep, ok = replicasSetting(map[string]any{"settings": map[string]any{"index": idx}})
			}
		}
		for _, name := range s.indicesOf(p["index"]) {
			if ok && s.meta[name] != nil {
				s.meta[name].replicas = rep
			}
		}
		writeJSON(w, 200, map[string]any{"acknowledged": true})
	case "indices.update_aliases":
		var in struct {
			Actions []map[string]struct {
				Index string `json:"index"`
				Alias string `json:"alias"`
			} `json:"actions"`
		}
		_ = json.Unmarshal(body, &in)
		for _, a := range in.Actions {
			for verb, x := range a {
				m := s.meta[x.Index]
				if m == nil {
					writeJSON(w, 404, indexNotFound(x.Index))
					return true
				}
				switch verb {
				case "add":
					m.aliases[x.Alias] = true
				case "remove":
					delete(m.aliases, x.Alias)
				}
			}
		}
		writeJSON(w, 200, map[string]any{"acknowledged": true})
	case "cat.aliases":
		rows := []any{}
		for _, name := range s.indexNames() {
			for _, a := range sortedKeys(s.meta[name].aliasesOrNil()) {
				if p["name"] == "" || matchExpr(p["name"], a) {
					rows = append(rows, map[string]any{"alias": a, "index": name, "filter": "-", "routing.index": "-", "routing.search": "-", "is_write_index": "-"})
				}
			}
		}
		writeJSON(w, 200, rows)
	case "ism.explain_policy":
		// _plugins/_ism/explain/<expr>: one entry per index, the managed
		// policy id (null when unmanaged); show_policy=true adds the policy
		// the index runs (TransportExplainAction).
		out := map[string]any{}
		n := 0
		for _, name := range s.indicesOf(p["index"]) {
			m := s.meta[name]
			e := map[string]any{"index.plugins.index_state_management.policy_id": nil, "index.opendistro.index_state_management.policy_id": nil, "enabled": nil}
			if m != nil && m.policyID != "" {
				n++
				e = map[string]any{"index.plugins.index_state_management.policy_id": m.policyID, "index.opendistro.index_state_management.policy_id": m.policyID,
					"index": name, "index_uuid": "uuid-" + name, "policy_id": m.policyID, "enabled": true, "policy_seq_no": -2, "policy_primary_term": 0}
				if first(q["show_policy"]) == "true" {
					var pol map[string]any
					_ = json.Unmarshal(m.policy, &pol)
					if pol != nil {
						pol["policy_id"] = m.policyID
					}
					e["policy"] = pol
				}
			}
			out[name] = e
		}
		out["total_managed_indices"] = n
		writeJSON(w, 200, out)
	case "ism.change_policy":
		// Managed indices switch to the named policy (at the end of their
		// current state when the state changes; the fake applies it at
		// once). Unmanaged indices are failures.
		s.ismAssign(w, body, p, q, true, "This index is not being managed")
	case "ism.add_policy":
		// Attaches a policy to unmanaged indices; a managed index is a
		// failure (TransportAddPolicyAction: "This index already has a
		// policy, use the update policy API to update index policies").
		s.ismAssign(w, body, p, q, false, "This index already has a policy, use the update policy API to update index policies")
	case "snapshot.delete":
		list := s.snapshots[p["repository"]]
		for i, sn := range list {
			if sn.Name == p["snapshot"] {
				s.snapshots[p["repository"]] = append(list[:i:i], list[i+1:]...)
				writeJSON(w, 200, map[string]any{"acknowledged": true})
				return true
			}
		}
		writeError(w, 404, "snapshot_missing_exception", "["+p["repository"]+":"+p["snapshot"]+"] is missing")
	case "security.get_audit_configuration":
		// GET _plugins/_security/api/audit: {"_readonly": [...], "config": {...}}.
		// Audit logging is off until enabled (audit.yml ships enabled on a
		// self-managed cluster; Amazon OpenSearch Service needs the
		// second step of
		// https://docs.aws.amazon.com/opensearch-service/latest/developerguide/audit-logs.html).
		cfg := json.RawMessage(`{"enabled":false,"audit":{"enable_rest":true,"disabled_rest_categories":["AUTHENTICATED","GRANTED_PRIVILEGES"],"enable_transport":true,"disabled_transport_categories":["AUTHENTICATED","GRANTED_PRIVILEGES"],"resolve_bulk_requests":false,"log_request_body":true,"resolve_indices":true,"exclude_sensitive_headers":true,"ignore_users":["kibanaserver"],"ignore_requests":[]},"compliance":{"enabled":true,"internal_config":true,"external_config":false,"read_metadata_only":true,"read_watched_fields":{},"read_ignore_users":["kibanaserver"],"write_metadata_only":true,"write_log_diffs":false,"write_watched_indices":[],"write_ignore_users":["kibanaserver"]}}`)
		if o := s.objects["audit"]["config"]; o != nil {
			cfg = o.body
		}
		ro := []any{}
		for _, p := range s.auditReadOnly {
			ro = append(ro, p)
		}
		writeJSON(w, 200, map[string]any{"_readonly": ro, "config": cfg})
	case "security.update_audit_configuration":
		// Read-only settings cannot change (the security plugin's
		// AuditApiAction refuses a PUT that modifies one).
		var cur, in any
		if o := s.objects["audit"]["config"]; o != nil {
			_ = json.Unmarshal(o.body, &cur)
		}
		_ = json.Unmarshal(body, &in)
		for _, ptr := range s.auditReadOnly {
			if cur != nil && fmt.Sprint(pointer(cur, ptr)) != fmt.Sprint(pointer(in, ptr)) {
				writeError(w, 400, "status_exception", "Invalid configuration: "+ptr+" is read-only")
				return true
			}
		}
		s.putObject("audit", "config", body)
		writeJSON(w, 200, map[string]any{"status": "OK", "message": "'config' updated."})
	default:
		return false
	}
	return true
}

func (s *Server) unassignedReplicas() int {
	n := 0
	for name := range s.docs {
		if m := s.meta[name]; m != nil && m.replicas > s.opts.DataNodes-1 {
			n += m.replicas - (s.opts.DataNodes - 1)
		}
	}
	return n
}

func indexNotFound(index string) map[string]any {
	cause := map[string]any{"type": "index_not_found_exception", "reason": "no such index [" + index + "]", "index": index,
		"resource.type": "index_or_alias", "resource.id": index, "index_uuid": "_na_"}
	return map[string]any{"error": map[string]any{"root_cause": []any{cause}, "type": "index_not_found_exception",
		"reason": "no such index [" + index + "]", "index": index, "resource.type": "index_or_alias", "resource.id": index, "index_uuid": "_na_"}, "status": 404}
}

// AlertingConfigIndex is where the Alerting plugin keeps monitors
// (ScheduledJob.SCHEDULED_JOBS_INDEX); it is created with the first
// monitor, so _plugins/_alerting/monitors/_search answers 404
// index_not_found_exception before (TransportSearchMonitorAction searches
// it directly; alerting-dashboards-plugin's MonitorService treats that 404
// as "no monitors").
const AlertingConfigIndex = ".opendistro-alerting-config"

// refuseRepository is a policy of our tests, not a domain rule: the S3
// repository setting server_side_encryption: true makes OpenSearch upload
// snapshot files with SSE-S3 (AES256; repository-s3 S3BlobStore sets
// ObjectMetadata.AES_256_SERVER_SIDE_ENCRYPTION), overriding the bucket's
// default SSE-KMS with the SIEM key. The domain accepts it; our tests
// refuse it as an encryption downgrade.
func refuseRepository(body []byte) string {
	var in struct {
		Settings map[string]any `json:"settings"`
	}
	if json.Unmarshal(body, &in) != nil {
		return ""
	}
	if v, ok := in.Settings["server_side_encryption"]; ok && fmt.Sprint(v) == "true" {
		return "searchtest: server_side_encryption: true uploads snapshots with SSE-S3 (AES256), overriding the bucket's default SSE-KMS key; rely on the bucket default"
	}
	return ""
}

func pointer(v any, ptr string) any {
	for _, k := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// SetAudit stores an audit configuration and the pointers the domain
// reports read-only (GET _plugins/_security/api/audit "_readonly").
func (s *Server) SetAudit(config []byte, readOnly []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.putObject("audit", "config", config)
	s.auditReadOnly = readOnly
}

// ismAssign answers ISM's add and change_policy: the indices of the path's
// (or query's) index expression take the body's policy when their managed
// state is managed, the others are failures with reason.
func (s *Server) ismAssign(w http.ResponseWriter, body []byte, p map[string]string, q url.Values, managed bool, reason string) {
	var in struct {
		PolicyID string `json:"policy_id"`
	}
	_ = json.Unmarshal(body, &in)
	o := s.objects["ism_policy"][in.PolicyID]
	if o == nil {
		writeError(w, 404, "resource_not_found_exception", "Could not find policy="+in.PolicyID)
		return
	}
	updated, failed := 0, []any{}
	expr := p["index"]
	if expr == "" {
		expr = first(q["index"])
	}
	for _, name := range s.indicesOf(expr) {
		m := s.meta[name]
		if (m != nil && m.policyID != "") != managed {
			failed = append(failed, map[string]any{"index_name": name, "index_uuid": "uuid-" + name, "reason": reason})
			continue
		}
		m.policyID, m.policy = in.PolicyID, policyOf(o.body)
		updated++
	}
	writeJSON(w, 200, map[string]any{"updated_indices": updated, "failures": len(failed) > 0, "failed_indices": failed})
}

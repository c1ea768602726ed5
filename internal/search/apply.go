package search

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// PutTemplates PUTs every component template, then every index template
// (PUT replaces: idempotent).
func (c *Client) PutTemplates(ctx context.Context, ts Templates) error {
	for _, t := range ts.Components {
		if err := c.JSON(ctx, http.MethodPut, "/_component_template/"+pathEscape(t.Name), t.Body, nil); err != nil {
			return fmt.Errorf("component template %s: %w", t.Name, err)
		}
	}
	for _, t := range ts.Indices {
		if err := c.JSON(ctx, http.MethodPut, "/_index_template/"+pathEscape(t.Name), t.Body, nil); err != nil {
			return fmt.Errorf("index template %s: %w", t.Name, err)
		}
	}
	return nil
}

// Change says what an upsert did.
type Change string

// Upsert results.
const (
	Created   Change = "created"
	Updated   Change = "updated"
	Unchanged Change = "unchanged"
)

type versionedDoc struct {
	SeqNo       int64           `json:"_seq_no"`
	PrimaryTerm int64           `json:"_primary_term"`
	Policy      json.RawMessage `json:"policy"`
	SMPolicy    json.RawMessage `json:"sm_policy"`
}

// PutISMPolicy creates the policy, or updates it (with if_seq_no and
// if_primary_term) when what is stored differs from it.
func (c *Client) PutISMPolicy(ctx context.Context, p Template) (Change, error) {
	path := "/_plugins/_ism/policies/" + pathEscape(p.Name)
	var cur versionedDoc
	err := c.JSON(ctx, http.MethodGet, path, nil, &cur)
	switch {
	case IsStatus(err, http.StatusNotFound):
		if err := c.JSON(ctx, http.MethodPut, path, p.Body, nil); err != nil {
			return "", fmt.Errorf("ISM policy %s: %w", p.Name, err)
		}
		return Created, nil
	case err != nil:
		return "", fmt.Errorf("ISM policy %s: %w", p.Name, err)
	}
	if ContainsJSON(cur.Policy, p.Body["policy"]) {
		return Unchanged, nil
	}
	q := "?if_seq_no=" + strconv.FormatInt(cur.SeqNo, 10) + "&if_primary_term=" + strconv.FormatInt(cur.PrimaryTerm, 10)
	if err := c.JSON(ctx, http.MethodPut, path+q, p.Body, nil); err != nil {
		return "", fmt.Errorf("ISM policy %s: %w", p.Name, err)
	}
	return Updated, nil
}

// PutSMPolicy creates the Snapshot Management policy or updates it when it
// differs.
func (c *Client) PutSMPolicy(ctx context.Context, p SMPolicy) (Change, error) {
	body, err := p.Body()
	if err != nil {
		return "", err
	}
	path := "/_plugins/_sm/policies/" + pathEscape(p.Name)
	var cur versionedDoc
	err = c.JSON(ctx, http.MethodGet, path, nil, &cur)
	switch {
	case IsStatus(err, http.StatusNotFound):
		if err := c.JSON(ctx, http.MethodPost, path, body, nil); err != nil {
			return "", fmt.Errorf("snapshot policy %s: %w", p.Name, err)
		}
		return Created, nil
	case err != nil:
		return "", fmt.Errorf("snapshot policy %s: %w", p.Name, err)
	}
	if ContainsJSON(cur.SMPolicy, body) {
		return Unchanged, nil
	}
	q := "?if_seq_no=" + strconv.FormatInt(cur.SeqNo, 10) + "&if_primary_term=" + strconv.FormatInt(cur.PrimaryTerm, 10)
	if err := c.JSON(ctx, http.MethodPut, path+q, body, nil); err != nil {
		return "", fmt.Errorf("snapshot policy %s: %w", p.Name, err)
	}
	return Updated, nil
}

// PutSecurity PUTs the roles, then the role mappings.
func (c *Client) PutSecurity(ctx context.Context, s Security) error {
	for _, r := range s.Roles {
		if err := c.JSON(ctx, http.MethodPut, "/_plugins/_security/api/roles/"+pathEscape(r.Name), r.Body, nil); err != nil {
			return fmt.Errorf("role %s: %w", r.Name, err)
		}
	}
	for _, m := range s.Mappings {
		if err := c.JSON(ctx, http.MethodPut, "/_plugins/_security/api/rolesmapping/"+pathEscape(m.Name), m.Body, nil); err != nil {
			return fmt.Errorf("role mapping %s: %w", m.Name, err)
		}
	}
	return nil
}

// UpsertChannel creates the notification channel or updates it when its
// config differs.
func (c *Client) UpsertChannel(ctx context.Context, ch Channel) (Change, error) {
	path := "/_plugins/_notifications/configs/" + pathEscape(ch.ID)
	var cur struct {
		ConfigList []struct {
			Config json.RawMessage `json:"config"`
		} `json:"config_list"`
	}
	err := c.JSON(ctx, http.MethodGet, path, nil, &cur)
	switch {
	case IsStatus(err, http.StatusNotFound):
		body := map[string]any{"config_id": ch.ID, "config": ch.Config()}
		if err := c.JSON(ctx, http.MethodPost, "/_plugins/_notifications/configs", body, nil); err != nil {
			return "", fmt.Errorf("notification channel %s: %w", ch.ID, err)
		}
		return Created, nil
	case err != nil:
		return "", fmt.Errorf("notification channel %s: %w", ch.ID, err)
	}
	if len(cur.ConfigList) == 1 && ContainsJSON(cur.ConfigList[0].Config, ch.Config()) {
		return Unchanged, nil
	}
	if err := c.JSON(ctx, http.MethodPut, path, map[string]any{"config": ch.Config()}, nil); err != nil {
		return "", fmt.Errorf("notification channel %s: %w", ch.ID, err)
	}
	return Updated, nil
}

// MonitorSync counts what UpsertMonitors did, by monitor name.
type MonitorSync struct {
	Created, Updated, Unchanged []string
}

// ExistingMonitors lists the monitors whose name starts with
// MonitorNamePrefix, by name → id. On a fresh domain the Alerting plugin's
// config index (.opendistro-alerting-config) does not exist until the
// first monitor is created and the search answers 404
// index_not_found_exception: that means no monitors yet (Alerting
// Dashboards' MonitorService reads it the same way).
func (c *Client) ExistingMonitors(ctx context.Context) (map[string]string, error) {
	var res struct {
		Hits struct {
			Hits []struct {
				ID     string          `json:"_id"`
				Source json.RawMessage `json:"_source"`
			} `json:"hits"`
		} `json:"hits"`
	}
	q := map[string]any{"size": 1000, "query": map[string]any{"match_all": map[string]any{}}}
	err := c.JSON(ctx, http.MethodPost, "/_plugins/_alerting/monitors/_search", q, &res)
	if IsIndexNotFound(err) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing monitors: %w", err)
	}
	out := map[string]string{}
	for _, h := range res.Hits.Hits {
		var src struct {
			Name    string `json:"name"`
			Monitor *struct {
				Name string `json:"name"`
			} `json:"monitor"`
		}
		if json.Unmarshal(h.Source, &src) != nil {
			continue
		}
		name := src.Name
		if src.Monitor != nil {
			name = src.Monitor.Name
		}
		if strings.HasPrefix(name, MonitorNamePrefix) {
			out[name] = h.ID
		}
	}
	return out, nil
}

// UpsertMonitors creates each monitor, or updates the one of the same name
// when its stored definition differs. Monitors of rules no longer in the
// catalog are left alone (listed by ExistingMonitors).
func (c *Client) UpsertMonitors(ctx context.Context, ms []Monitor) (MonitorSync, error) {
	var sync MonitorSync
	existing, err := c.ExistingMonitors(ctx)
	if err != nil {
		return sync, err
	}
	for _, m := range ms {
		id, ok := existing[m.Name]
		if !ok {
			if err := c.JSON(ctx, http.MethodPost, "/_plugins/_alerting/monitors", m.Body, nil); err != nil {
				return sync, fmt.Errorf("monitor %q: %w", m.Name, err)
			}
			sync.Created = append(sync.Created, m.Name)
			continue
		}
		path := "/_plugins/_alerting/monitors/" + pathEscape(id)
		var cur struct {
			Monitor json.RawMessage `json:"monitor"`
		}
		if err := c.JSON(ctx, http.MethodGet, path, nil, &cur); err != nil {
			return sync, fmt.Errorf("monitor %q: %w", m.Name, err)
		}
		if ContainsJSON(cur.Monitor, map[string]any{"ui_metadata": m.Body["ui_metadata"]}) {
			sync.Unchanged = append(sync.Unchanged, m.Name)
			continue
		}
		if err := c.JSON(ctx, http.MethodPut, path, m.Body, nil); err != nil {
			return sync, fmt.Errorf("monitor %q: %w", m.Name, err)
		}
		sync.Updated = append(sync.Updated, m.Name)
	}
	return sync, nil
}

// RegisterRepository registers (or re-registers) the S3 snapshot repository.
func (c *Client) RegisterRepository(ctx context.Context, r Repository) error {
	if err := c.JSON(ctx, http.MethodPut, "/_snapshot/"+pathEscape(r.Name), r.Body(), nil); err != nil {
		return fmt.Errorf("snapshot repository %s: %w", r.Name, err)
	}
	return nil
}

// CreateSnapshot starts a snapshot of SnapshotIndices (not waiting for it).
func (c *Client) CreateSnapshot(ctx context.Context, repo, name string) error {
	if err := c.JSON(ctx, http.MethodPut, "/_snapshot/"+pathEscape(repo)+"/"+pathEscape(name), SnapshotBody(), nil); err != nil {
		return fmt.Errorf("snapshot %s/%s: %w", repo, name, err)
	}
	return nil
}

// Snapshots lists a repository's snapshots, oldest first.
func (c *Client) Snapshots(ctx context.Context, repo string) ([]SnapshotInfo, error) {
	var res struct {
		Snapshots []struct {
			Snapshot string   `json:"snapshot"`
			State    string   `json:"state"`
			Indices  []string `json:"indices"`
			StartMS  int64    `json:"start_time_in_millis"`
			EndMS    int64    `json:"end_time_in_millis"`
		} `json:"snapshots"`
	}
	if err := c.JSON(ctx, http.MethodGet, "/_snapshot/"+pathEscape(repo)+"/_all", nil, &res); err != nil {
		return nil, fmt.Errorf("listing snapshots of %s: %w", repo, err)
	}
	out := make([]SnapshotInfo, 0, len(res.Snapshots))
	for _, s := range res.Snapshots {
		out = append(out, SnapshotInfo{Name: s.Snapshot, State: s.State, Indices: s.Indices,
			Start: time.UnixMilli(s.StartMS).UTC(), End: time.UnixMilli(s.EndMS).UTC()})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].End.Before(out[j].End) })
	return out, nil
}

// Indices lists the indices matching an expression (e.g.
// "log-aws-*,restored-*"), sorted.
func (c *Client) Indices(ctx context.Context, expr string) ([]string, error) {
	var rows []struct {
		Index string `json:"index"`
	}
	if err := c.JSON(ctx, http.MethodGet, "/_cat/indices/"+pathEscape(expr)+"?format=json&h=index,status,health,docs.count", nil, &rows); err != nil {
		return nil, fmt.Errorf("listing indices %s: %w", expr, err)
	}
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.Index)
	}
	sort.Strings(out)
	return out, nil
}

// Restore starts the restores of a plan (not waiting for them).
func (c *Client) Restore(ctx context.Context, repo string, p Plan) error {
	for _, it := range p.Items {
		path := "/_snapshot/" + pathEscape(repo) + "/" + pathEscape(it.Snapshot) + "/_restore"
		if err := c.JSON(ctx, http.MethodPost, path, it.Body(), nil); err != nil {
			return fmt.Errorf("restoring %s from %s: %w", strings.Join(it.Indices, ","), it.Snapshot, err)
		}
	}
	return nil
}

// Search runs one search over the indices and decodes the response.
func (c *Client) Search(ctx context.Context, indices []string, body any, out any) error {
	idx := pathEscape(strings.Join(indices, ","))
	return c.JSON(ctx, http.MethodPost, "/"+idx+"/_search", body, out)
}

// SearchRequest is one search of a MultiSearch.
type SearchRequest struct {
	Indices []string
	Body    any
}

// MultiSearch runs searches in one _msearch request and returns each
// response (an error object for a failed one), in order.
func (c *Client) MultiSearch(ctx context.Context, reqs []SearchRequest) ([]json.RawMessage, error) {
	var buf bytes.Buffer
	for i, r := range reqs {
		h, err := json.Marshal(map[string]any{"index": r.Indices})
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(r.Body)
		if err != nil {
			return nil, fmt.Errorf("msearch body %d: %w", i, err)
		}
		buf.Write(h)
		buf.WriteByte('\n')
		buf.Write(b)
		buf.WriteByte('\n')
	}
	status, resp, err := c.Do(ctx, Request{Method: http.MethodPost, Path: "/_msearch", Body: buf.Bytes(), ContentType: "application/x-ndjson"})
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, responseError(http.MethodPost, "/_msearch", status, resp)
	}
	var res struct {
		Responses []json.RawMessage `json:"responses"`
	}
	if err := json.Unmarshal(resp, &res); err != nil {
		return nil, fmt.Errorf("msearch response: %w", err)
	}
	if len(res.Responses) != len(reqs) {
		return nil, fmt.Errorf("msearch: %d responses for %d searches", len(res.Responses), len(reqs))
	}
	return res.Responses, nil
}

// ContainsJSON reports whether stored (JSON) holds everything in want:
// objects may have extra keys (ids, timestamps, defaults the server adds),
// arrays must have the same length with each element contained, and
// scalars are equal or have the same text, since OpenSearch returns
// settings as strings ("true", "1"). Create-or-update calls use it to skip
// writes that would change nothing.
func ContainsJSON(stored json.RawMessage, want any) bool {
	if len(stored) == 0 {
		return false
	}
	var have any
	if json.Unmarshal(stored, &have) != nil {
		return false
	}
	b, err := json.Marshal(want)
	if err != nil {
		return false
	}
	var w any
	if json.Unmarshal(b, &w) != nil {
		return false
	}
	return contains(have, w)
}

func contains(have, want any) bool {
	switch w := want.(type) {
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			hv, ok := h[k]
			if !ok || !contains(hv, wv) {
				return false
			}
		}
		return true
	case []any:
		h, ok := have.([]any)
		if !ok || len(h) != len(w) {
			return false
		}
		for i := range w {
			if !contains(h[i], w[i]) {
				return false
			}
		}
		return true
	case nil:
		return have == nil
	default:
		return reflect.DeepEqual(have, want) || scalarText(have) == scalarText(want)
	}
}

// scalarText is a scalar's text; objects and arrays never equal a scalar.
func scalarText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprintf("%T", v)
}

// AuditPath is the security plugin's audit configuration API.
const AuditPath = "/_plugins/_security/api/audit"

// PutAuditConfig sets the audit configuration when what is stored differs
// from want. The PUT replaces the whole configuration, so settings the
// domain reports as read-only (GET's "_readonly", JSON pointers such as
// "/audit/enable_ssl") keep their stored value: changing them is refused.
func (c *Client) PutAuditConfig(ctx context.Context, want map[string]any) (Change, error) {
	var cur struct {
		ReadOnly []string       `json:"_readonly"`
		Config   map[string]any `json:"config"`
	}
	if err := c.JSON(ctx, http.MethodGet, AuditPath, nil, &cur); err != nil {
		return "", fmt.Errorf("audit configuration: %w", err)
	}
	body, err := overlayReadOnly(want, cur.Config, cur.ReadOnly)
	if err != nil {
		return "", err
	}
	stored, _ := json.Marshal(cur.Config)
	if cur.Config != nil && ContainsJSON(stored, body) {
		return Unchanged, nil
	}
	if err := c.JSON(ctx, http.MethodPut, AuditPath+"/config", body, nil); err != nil {
		return "", fmt.Errorf("audit configuration: %w", err)
	}
	if cur.Config == nil {
		return Created, nil
	}
	return Updated, nil
}

// overlayReadOnly copies want and puts back the stored value at each
// read-only pointer.
func overlayReadOnly(want, stored map[string]any, readOnly []string) (map[string]any, error) {
	b, err := json.Marshal(want)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	for _, ptr := range readOnly {
		parts := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
		src, dst := any(stored), any(out)
		for i, p := range parts {
			sm, _ := src.(map[string]any)
			dm, _ := dst.(map[string]any)
			if dm == nil {
				break
			}
			if i == len(parts)-1 {
				if v, ok := sm[p]; ok {
					dm[p] = v
				} else {
					delete(dm, p)
				}
				break
			}
			src, dst = sm[p], dm[p]
		}
	}
	return out, nil
}

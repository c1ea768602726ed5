package search

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ISMSync says what SyncManagedIndices did.
type ISMSync struct {
	// Changed are managed indices moved to the current version of their
	// policy with change_policy.
	Changed []string
	// Added are indices of the policy's pattern that no policy managed
	// (created before the policy existed) and were attached with add.
	Added []string
}

// SyncManagedIndices makes every index of a policy's ism_template run the
// policy as it is now. ISM copies a policy into each managed index when
// it attaches it and keeps running that copy: updating the policy does not
// reach indices already managed ("ISM policies are applied to indices at
// creation; to change the policy of a managed index use change_policy",
// https://opensearch.org/docs/latest/im-plugin/ism/api/#update-managed-index-policy),
// and an ism_template never attaches to indices that existed before it.
// It reads _plugins/_ism/explain/<pattern>?show_policy=true, and calls
// change_policy for indices whose running policy differs from p, add for
// unmanaged ones. A second call finds nothing to do.
func (c *Client) SyncManagedIndices(ctx context.Context, p Template, pattern string) (ISMSync, error) {
	var sync ISMSync
	var raw map[string]json.RawMessage
	err := c.JSON(ctx, http.MethodGet, "/_plugins/_ism/explain/"+pathEscape(pattern)+"?show_policy=true", nil, &raw)
	if IsIndexNotFound(err) {
		return sync, nil
	}
	if err != nil {
		return sync, fmt.Errorf("ISM explain %s: %w", pattern, err)
	}
	want := p.Body["policy"]
	for _, name := range sortedRawKeys(raw) {
		if name == "total_managed_indices" {
			continue
		}
		var e struct {
			PolicyID *string         `json:"index.plugins.index_state_management.policy_id"`
			Policy   json.RawMessage `json:"policy"`
		}
		if json.Unmarshal(raw[name], &e) != nil {
			continue
		}
		switch {
		case e.PolicyID == nil || *e.PolicyID == "":
			sync.Added = append(sync.Added, name)
		case *e.PolicyID != p.Name:
			// Managed by another policy (a user's choice): left alone.
		case !ContainsJSON(e.Policy, want):
			sync.Changed = append(sync.Changed, name)
		}
	}
	if len(sync.Changed) > 0 {
		var res struct {
			Updated  int  `json:"updated_indices"`
			Failures bool `json:"failures"`
			Failed   []struct {
				Index  string `json:"index_name"`
				Reason string `json:"reason"`
			} `json:"failed_indices"`
		}
		path := "/_plugins/_ism/change_policy/" + pathEscape(strings.Join(sync.Changed, ","))
		if err := c.JSON(ctx, http.MethodPost, path, map[string]any{"policy_id": p.Name}, &res); err != nil {
			return sync, fmt.Errorf("ISM change_policy %s: %w", p.Name, err)
		}
		if res.Failures && len(res.Failed) > 0 {
			return sync, fmt.Errorf("ISM change_policy %s: %d indices failed, first %s: %s", p.Name, len(res.Failed), res.Failed[0].Index, res.Failed[0].Reason)
		}
	}
	if len(sync.Added) > 0 {
		var res struct {
			Failures bool `json:"failures"`
			Failed   []struct {
				Index  string `json:"index_name"`
				Reason string `json:"reason"`
			} `json:"failed_indices"`
		}
		path := "/_plugins/_ism/add/" + pathEscape(strings.Join(sync.Added, ","))
		if err := c.JSON(ctx, http.MethodPost, path, map[string]any{"policy_id": p.Name}, &res); err != nil {
			return sync, fmt.Errorf("ISM add %s: %w", p.Name, err)
		}
		if res.Failures && len(res.Failed) > 0 {
			return sync, fmt.Errorf("ISM add %s: %d indices failed, first %s: %s", p.Name, len(res.Failed), res.Failed[0].Index, res.Failed[0].Reason)
		}
	}
	return sync, nil
}

func sortedRawKeys(m map[string]json.RawMessage) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// IndexReplicas lists the indices of an expression with their
// number_of_replicas (_cat/indices).
func (c *Client) IndexReplicas(ctx context.Context, expr string) (map[string]int, error) {
	var rows []struct {
		Index string `json:"index"`
		Rep   string `json:"rep"`
	}
	err := c.JSON(ctx, http.MethodGet, "/_cat/indices/"+pathEscape(expr)+"?format=json&h=index,rep", nil, &rows)
	if IsIndexNotFound(err) {
		return map[string]int{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing indices %s: %w", expr, err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		n, err := strconv.Atoi(r.Rep)
		if err != nil {
			return nil, fmt.Errorf("index %s: replicas %q: %w", r.Index, r.Rep, err)
		}
		out[r.Index] = n
	}
	return out, nil
}

// SetReplicas sets number_of_replicas on the indices (a dynamic setting).
func (c *Client) SetReplicas(ctx context.Context, indices []string, n int) error {
	if len(indices) == 0 {
		return nil
	}
	body := map[string]any{"index": map[string]any{"number_of_replicas": n}}
	if err := c.JSON(ctx, http.MethodPut, "/"+pathEscape(strings.Join(indices, ","))+"/_settings", body, nil); err != nil {
		return fmt.Errorf("replicas of %s: %w", strings.Join(indices, ","), err)
	}
	return nil
}

// DeleteIndices deletes the named indices (names, never wildcards).
func (c *Client) DeleteIndices(ctx context.Context, names []string) error {
	for _, n := range names {
		if n == "" || strings.ContainsAny(n, "*?,") || strings.HasPrefix(n, ".") || strings.HasPrefix(n, "_") {
			return fmt.Errorf("deleting indices: %q is not a plain index name", n)
		}
	}
	if len(names) == 0 {
		return nil
	}
	if err := c.JSON(ctx, http.MethodDelete, "/"+pathEscape(strings.Join(names, ",")), nil, nil); err != nil {
		return fmt.Errorf("deleting indices %s: %w", strings.Join(names, ","), err)
	}
	return nil
}

// AliasIndices maps each alias matching a pattern to its indices
// (_cat/aliases).
func (c *Client) AliasIndices(ctx context.Context, pattern string) (map[string][]string, error) {
	var rows []struct {
		Alias string `json:"alias"`
		Index string `json:"index"`
	}
	if err := c.JSON(ctx, http.MethodGet, "/_cat/aliases/"+pathEscape(pattern)+"?format=json&h=alias,index", nil, &rows); err != nil {
		return nil, fmt.Errorf("listing aliases %s: %w", pattern, err)
	}
	out := map[string][]string{}
	for _, r := range rows {
		out[r.Alias] = append(out[r.Alias], r.Index)
	}
	return out, nil
}

// AddAliases adds alias to each index in one _aliases request.
func (c *Client) AddAliases(ctx context.Context, alias string, indices []string) error {
	if len(indices) == 0 {
		return nil
	}
	var acts []any
	for _, i := range indices {
		acts = append(acts, map[string]any{"add": map[string]any{"index": i, "alias": alias}})
	}
	if err := c.JSON(ctx, http.MethodPost, "/_aliases", map[string]any{"actions": acts}, nil); err != nil {
		return fmt.Errorf("alias %s on %s: %w", alias, strings.Join(indices, ","), err)
	}
	return nil
}

// DeleteSnapshot deletes one snapshot of a repository.
func (c *Client) DeleteSnapshot(ctx context.Context, repo, name string) error {
	if err := c.JSON(ctx, http.MethodDelete, "/_snapshot/"+pathEscape(repo)+"/"+pathEscape(name), nil, nil); err != nil {
		return fmt.Errorf("deleting snapshot %s/%s: %w", repo, name, err)
	}
	return nil
}

// DataNodes asks the cluster how many data nodes it has.
func (c *Client) DataNodes(ctx context.Context) (int, error) {
	var h struct {
		DataNodes int `json:"number_of_data_nodes"`
	}
	if err := c.JSON(ctx, http.MethodGet, "/_cluster/health", nil, &h); err != nil {
		return 0, fmt.Errorf("cluster health: %w", err)
	}
	return h.DataNodes, nil
}

// OnDemandPrefix starts the name of every snapshot orgsiem takes outside
// the Snapshot Management policy (maintain's snapshot action).
const OnDemandPrefix = "orgsiem-ondemand-"

// ExpiredOnDemand returns the on-demand snapshots older than days at now:
// Snapshot Management deletes only the snapshots its policy created, so
// these are orgsiem's to delete.
func ExpiredOnDemand(snaps []SnapshotInfo, days int, now time.Time) []string {
	var out []string
	if days <= 0 {
		return nil
	}
	cut := now.AddDate(0, 0, -days)
	for _, s := range snaps {
		if strings.HasPrefix(s.Name, OnDemandPrefix) && s.State != "IN_PROGRESS" && s.Start.Before(cut) {
			out = append(out, s.Name)
		}
	}
	sort.Strings(out)
	return out
}

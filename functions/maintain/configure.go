package maintain

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"

	"github.com/orgsiem/orgsiem/internal/alerts"
	"github.com/orgsiem/orgsiem/internal/ecs"

	"github.com/orgsiem/orgsiem/internal/lambdaenv"
	"github.com/orgsiem/orgsiem/internal/search"
)

// ConfigureResult says what configure did to each object it owns, by
// "kind/name".
type ConfigureResult struct {
	Created   []string `json:"created,omitempty"`
	Updated   []string `json:"updated,omitempty"`
	Unchanged []string `json:"unchanged,omitempty"`
	// Deleted names the orgsiem objects configure removed (monitors of
	// rules and channels no longer configured).
	Deleted []string `json:"deleted,omitempty"`
	// Skipped names what was not configured and why.
	Skipped []string `json:"skipped,omitempty"`
	// SavedObjects is the number of Dashboards saved objects imported.
	// The import API has no compare step: every run re-imports them with
	// overwrite, which leaves identical objects as they were.
	SavedObjects int `json:"saved_objects,omitempty"`
}

func (r *ConfigureResult) note(kind, name string, ch search.Change) {
	id := kind + "/" + name
	switch ch {
	case search.Created:
		r.Created = append(r.Created, id)
	case search.Updated:
		r.Updated = append(r.Updated, id)
	default:
		r.Unchanged = append(r.Unchanged, id)
	}
}

// Configure brings the domain to the configuration built from code. Each
// object is read first and written only when missing or different, so a
// second run sends no mutating request to OpenSearch (the Dashboards
// saved objects are re-imported, see ConfigureResult.SavedObjects). Order:
// templates (before any index can be created from them), replicas of
// existing indices, ISM policies and the indices they manage, roles and
// mappings, audit log, snapshot repository, SM policy, Dashboards saved
// objects, notification channel, monitors.
func (m *Maintainer) Configure(ctx context.Context) (ConfigureResult, error) {
	var res ConfigureResult
	nodes, err := m.dataNodes(ctx)
	if err != nil {
		return res, err
	}
	replicas := search.ReplicasFor(nodes)
	ts, err := search.BuildTemplates(search.DefaultTemplateConfig().WithReplicas(replicas))
	if err != nil {
		return res, err
	}
	for _, t := range ts.Components {
		if err := m.putIfChanged(ctx, &res, "component_template", t.Name, "/_component_template/", t.Body, storedTemplate("component_templates", "component_template")); err != nil {
			return res, err
		}
	}
	for _, t := range ts.Indices {
		if err := m.putIfChanged(ctx, &res, "index_template", t.Name, "/_index_template/", t.Body, storedTemplate("index_templates", "index_template")); err != nil {
			return res, err
		}
	}
	// Templates reach new indices only: existing ones get the replica
	// count too (a one-node domain keeps every index yellow otherwise).
	have, err := m.c.IndexReplicas(ctx, search.AllLogsPattern+","+search.ReportsPrefix+"*,"+alerts.IndexPattern)
	if err != nil {
		return res, err
	}
	var differ []string
	for _, idx := range sortedKeys(have) {
		if have[idx] != replicas {
			differ = append(differ, idx)
		}
	}
	if err := m.c.SetReplicas(ctx, differ, replicas); err != nil {
		return res, err
	}
	for _, idx := range differ {
		res.note("replicas", idx, search.Updated)
	}
	// The alerts index exists before the loader writes its first alert:
	// a strict mapping, so a document the contract does not describe is
	// refused rather than mapped by guess.
	at, err := search.BuildAlertsTemplate(search.AlertsIndexSettings{Replicas: replicas})
	if err != nil {
		return res, err
	}
	if err := m.putIfChanged(ctx, &res, "index_template", at.Name, "/_index_template/", at.Body, storedTemplate("index_templates", "index_template")); err != nil {
		return res, err
	}
	lc := search.LifecycleConfig{Default: search.Lifecycle{WarmAfterDays: m.cfg.WarmAfterDays, DeleteAfterDays: m.cfg.HotIndexDays}}
	pols, err := search.BuildISMPolicies(lc)
	if err != nil {
		return res, err
	}
	types := lc.LogTypes
	if len(types) == 0 {
		types = ecs.LogTypes()
	}
	patterns := make([]string, 0, len(types)+1)
	for _, t := range types {
		patterns = append(patterns, search.IndexPattern(t))
	}
	ap, err := search.BuildAlertsISMPolicy(m.cfg.HotIndexDays)
	if err != nil {
		return res, err
	}
	pols, patterns = append(pols, ap), append(patterns, alerts.IndexPattern)
	for i, p := range pols {
		ch, err := m.c.PutISMPolicy(ctx, p)
		if err != nil {
			return res, err
		}
		res.note("ism_policy", p.Name, ch)
		sync, err := m.c.SyncManagedIndices(ctx, p, patterns[i])
		if err != nil {
			return res, err
		}
		for _, idx := range sync.Changed {
			res.note("ism_managed_index", idx, search.Updated)
		}
		for _, idx := range sync.Added {
			res.note("ism_managed_index", idx, search.Created)
		}
	}
	sec := search.BuildSecurity(m.cfg.Roles)
	for _, r := range sec.Roles {
		if err := m.putIfChanged(ctx, &res, "role", r.Name, "/_plugins/_security/api/roles/", r.Body, storedByName(r.Name)); err != nil {
			return res, err
		}
	}
	for _, r := range sec.Mappings {
		if err := m.putIfChanged(ctx, &res, "role_mapping", r.Name, "/_plugins/_security/api/rolesmapping/", r.Body, storedByName(r.Name)); err != nil {
			return res, err
		}
	}
	ch, err := m.c.PutAuditConfig(ctx, search.AuditConfig())
	if err != nil {
		return res, err
	}
	res.note("audit", "config", ch)
	repo := search.Repository{Name: Repository, Bucket: m.cfg.SnapshotBucket, Region: m.cfg.Region, RoleARN: m.cfg.SnapshotRoleARN, BasePath: RepositoryBasePath}
	if err := m.putIfChanged(ctx, &res, "repository", repo.Name, "/_snapshot/", repo.Body(), storedByName(repo.Name)); err != nil {
		return res, err
	}
	// The SM policy is the one owner of the daily snapshot (02:00 UTC) and
	// of its deletion after RetentionDays; the daily action deletes the
	// on-demand snapshots it does not own.
	ch, err = m.c.PutSMPolicy(ctx, search.SMPolicy{Name: SMPolicyName, Repository: Repository, MaxAgeDays: m.cfg.RetentionDays, MinCount: 1})
	if err != nil {
		return res, err
	}
	res.note("sm_policy", SMPolicyName, ch)
	objs, err := search.BuildSavedObjects(m.catalog, nil)
	if err != nil {
		return res, err
	}
	nd, err := search.SavedObjectsNDJSON(objs)
	if err != nil {
		return res, err
	}
	if _, err := m.dash.ImportSavedObjects(ctx, search.DashboardsImportPath, nd); err != nil {
		return res, err
	}
	res.SavedObjects = len(objs)
	if m.cfg.AlertRoleARN == "" || m.cfg.TopicARN == "" {
		res.Skipped = append(res.Skipped, "notification channels and monitors: "+lambdaenv.AlertRoleARN+" or "+lambdaenv.AlertTopicARN+" is not set")
		m.log.WarnContext(ctx, "notification channels and monitors not configured", "reason", res.Skipped[len(res.Skipped)-1])
		return res, nil
	}
	if err := m.configureAlerting(ctx, &res); err != nil {
		return res, err
	}
	return res, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// storedFunc extracts the stored definition from a GET response.
type storedFunc func(resp json.RawMessage) (json.RawMessage, bool)

// storedTemplate reads {"<list>":[{"name":..,"<inner>":{...}}]}.
func storedTemplate(list, inner string) storedFunc {
	return func(resp json.RawMessage) (json.RawMessage, bool) {
		var v map[string][]map[string]json.RawMessage
		if json.Unmarshal(resp, &v) != nil || len(v[list]) != 1 {
			return nil, false
		}
		b, ok := v[list][0][inner]
		return b, ok
	}
}

// storedByName reads {"<name>":{...}} (roles, role mappings, repositories).
func storedByName(name string) storedFunc {
	return func(resp json.RawMessage) (json.RawMessage, bool) {
		var v map[string]json.RawMessage
		if json.Unmarshal(resp, &v) != nil {
			return nil, false
		}
		b, ok := v[name]
		return b, ok
	}
}

// putIfChanged GETs base+name and PUTs want there unless what is stored
// already holds it. (search.Client's PutTemplates, PutSecurity and
// RegisterRepository always PUT; this adapter makes configure send no
// mutating request when nothing changed.)
func (m *Maintainer) putIfChanged(ctx context.Context, res *ConfigureResult, kind, name, base string, want map[string]any, stored storedFunc) error {
	path := base + url.PathEscape(name)
	var cur json.RawMessage
	err := m.c.JSON(ctx, http.MethodGet, path, nil, &cur)
	ch := search.Created
	switch {
	case search.IsStatus(err, http.StatusNotFound):
	case err != nil:
		return fmt.Errorf("%s %s: %w", kind, name, err)
	default:
		if s, ok := stored(cur); ok && search.ContainsJSON(s, want) {
			res.note(kind, name, search.Unchanged)
			return nil
		}
		ch = search.Updated
	}
	if err := m.c.JSON(ctx, http.MethodPut, path, want, nil); err != nil {
		return fmt.Errorf("%s %s: %w", kind, name, err)
	}
	res.note(kind, name, ch)
	return nil
}

// configureAlerting creates or updates the notification channels, then
// the monitors over the alert indices, and deletes every orgsiem monitor
// it does not want (per-rule monitors of earlier versions, monitors of
// removed rules and channels).
func (m *Maintainer) configureAlerting(ctx context.Context, res *ConfigureResult) error {
	chs, routes, err := m.channels(ctx)
	if err != nil {
		return err
	}
	for _, c := range chs {
		ch, err := m.c.UpsertChannel(ctx, c)
		if err != nil {
			return err
		}
		res.note("channel", c.ID, ch)
	}
	ms, err := search.BuildMonitors(m.catalog, search.MonitorConfig{Routes: routes})
	if err != nil {
		return err
	}
	sync, err := m.c.UpsertMonitors(ctx, ms)
	if err != nil {
		return err
	}
	for _, n := range sync.Created {
		res.note("monitor", n, search.Created)
	}
	for _, n := range sync.Updated {
		res.note("monitor", n, search.Updated)
	}
	for _, n := range sync.Unchanged {
		res.note("monitor", n, search.Unchanged)
	}
	gone, err := m.c.DeleteUnwantedMonitors(ctx, ms)
	if err != nil {
		return err
	}
	for _, n := range gone {
		res.Deleted = append(res.Deleted, "monitor/"+n)
	}
	return nil
}

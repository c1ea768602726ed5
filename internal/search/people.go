package search

import "github.com/orgsiem/orgsiem/internal/alerts"

// The roles of the people who sign in to Dashboards (SAML or Cognito).
// Permission and action-group names are the security plugin's defaults
// (https://opensearch.org/docs/latest/security/access-control/default-action-groups/):
// cluster_composite_ops_ro (msearch, mget, scroll: what Discover and
// visualizations send), read (search and get), indices_monitor, and the
// tenant groups kibana_all_read / kibana_all_write. Every user has a
// private tenant of their own without a tenant permission; the index
// permissions on the Dashboards system indices (.kibana*,
// .opensearch_dashboards*) are what the built-in kibana_user role grants
// and what storing a saved search in it needs.
//
// None of the three may change the security configuration: that stays
// with the domain's master user, the maintain Lambda's role.

// dashboardsIndices are the Dashboards saved-object indices (all tenants).
var dashboardsIndices = []any{".kibana", ".kibana-6", ".kibana_*", ".opensearch_dashboards", ".opensearch_dashboards_*"}

// readLogs is every index a person may read: logs, restored months,
// alerts and reports.
var readLogs = []any{AllLogsPattern, RestorePrefix + "*", alerts.IndexPattern, ReportsPrefix + "*"}

func peopleRoles() []Template {
	return []Template{
		{Name: RoleAdmin, Body: map[string]any{
			"description": "orgsiem admin (people): operate the SIEM — indices, monitors, dashboards in every tenant; not the security configuration",
			"cluster_permissions": []any{
				"cluster_monitor", "cluster_composite_ops", "cluster_manage_index_templates", "manage_snapshots",
				"cluster:admin/opendistro/ism/*", "cluster:admin/opensearch/snapshot_management/*",
				"cluster:admin/opendistro/alerting/*", "cluster:admin/opensearch/notifications/*",
			},
			"index_permissions": []any{
				map[string]any{"index_patterns": readLogs, "allowed_actions": []any{"indices_all"}},
				map[string]any{"index_patterns": dashboardsIndices, "allowed_actions": []any{"indices_all"}},
			},
			"tenant_permissions": []any{
				map[string]any{"tenant_patterns": []any{"*"}, "allowed_actions": []any{"kibana_all_write"}},
			},
		}},
		{Name: RoleAnalyst, Body: map[string]any{
			"description": "orgsiem analyst (people): read logs, alerts and reports; saved searches in their private tenant; read the global tenant",
			"cluster_permissions": []any{
				// bulk is authorized at cluster level and then per item
				// against the index permissions (only the saved-object
				// indices are writable): Dashboards saves objects in bulk.
				"cluster_composite_ops_ro", "indices:data/write/bulk", "cluster:admin/opendistro/alerting/alerts/get",
				"cluster:admin/opendistro/alerting/monitor/get", "cluster:admin/opendistro/alerting/monitor/search",
			},
			"index_permissions": []any{
				map[string]any{"index_patterns": readLogs, "allowed_actions": []any{"read", "indices_monitor", "indices:admin/mappings/get"}},
				// The private tenant's saved objects live in these indices;
				// which tenant a write reaches is the security plugin's
				// tenant resolution, limited by tenant_permissions below.
				map[string]any{"index_patterns": dashboardsIndices, "allowed_actions": []any{"read", "write", "indices:admin/create", "indices:admin/mapping/put", "indices_monitor"}},
			},
			"tenant_permissions": []any{
				map[string]any{"tenant_patterns": []any{"global_tenant"}, "allowed_actions": []any{"kibana_all_read"}},
			},
		}},
		{Name: RoleAuditor, Body: map[string]any{
			"description":         "orgsiem auditor (people): read-only — logs, restored months, alerts and reports; dashboards read-only",
			"cluster_permissions": []any{"cluster_composite_ops_ro"},
			"index_permissions": []any{
				map[string]any{"index_patterns": readLogs, "allowed_actions": []any{"read", "indices_monitor", "indices:admin/mappings/get"}},
				map[string]any{"index_patterns": dashboardsIndices, "allowed_actions": []any{"read"}},
			},
			"tenant_permissions": []any{
				map[string]any{"tenant_patterns": []any{"global_tenant"}, "allowed_actions": []any{"kibana_all_read"}},
			},
		}},
	}
}

// peopleMappings maps each people's role from its backend roles; a role
// nobody is mapped to gets no mapping (configure leaves it unmapped).
func peopleMappings(arns RoleARNs) []Template {
	var maps []Template
	for _, m := range []struct {
		role  string
		from  []string
		label string
	}{
		{RoleAdmin, arns.Admin, "admin"}, {RoleAnalyst, arns.Analyst, "analyst"}, {RoleAuditor, arns.Auditor, "auditor"},
	} {
		if len(m.from) == 0 {
			continue
		}
		backend := make([]any, len(m.from))
		for i, b := range m.from {
			backend[i] = b
		}
		maps = append(maps, Template{Name: m.role, Body: map[string]any{
			"backend_roles": backend,
			"description":   "orgsiem " + m.label + ": IdP groups (SAML) or Cognito group roles",
		}})
	}
	return maps
}

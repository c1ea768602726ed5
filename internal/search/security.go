package search

import "github.com/orgsiem/orgsiem/internal/alerts"

// Roles orgsiem defines in the security plugin (fine-grained access
// control). Each is mapped to one IAM role ARN as a backend role.
const (
	RoleLoader   = "orgsiem_loader"
	RoleReport   = "orgsiem_report"
	RoleMaintain = "orgsiem_maintain"
)

// RoleARNs are the IAM roles of the Lambdas that talk to the domain.
type RoleARNs struct {
	Loader, Report, Maintain string
}

// Security is the roles and role mappings to PUT at
// _plugins/_security/api/roles/<Name> and .../rolesmapping/<Name>.
type Security struct {
	Roles    []Template
	Mappings []Template
}

// BuildSecurity returns least-privilege roles: the loader writes log-aws-*
// only (create index, bulk create); the report reads log-aws-*,
// restored-* and orgsiem-alerts-* and writes reports-*; maintain administers templates, ISM,
// snapshots, Snapshot Management, monitors and notification channels, and
// restores into restored-*. Managing the security configuration itself
// (these roles) needs the domain's master user, which the maintain
// Lambda's role must be when it runs configure.
func BuildSecurity(arns RoleARNs) Security {
	write := []any{"indices:admin/create", "indices:admin/mapping/put", "indices:data/write/index", "indices:data/write/bulk*"}
	roles := []Template{
		{Name: RoleLoader, Body: map[string]any{
			"description":         "orgsiem loader: bulk-create documents in log-aws-* indices",
			"cluster_permissions": []any{"indices:data/write/bulk"},
			"index_permissions": []any{map[string]any{
				"index_patterns":  []any{AllLogsPattern},
				"allowed_actions": write,
			}},
		}},
		{Name: RoleReport, Body: map[string]any{
			"description":         "orgsiem report: read logs, write report documents",
			"cluster_permissions": []any{"indices:data/read/msearch", "indices:data/read/scroll*", "indices:data/write/bulk"},
			"index_permissions": []any{
				// The report counts alert documents (orgsiem-alerts-*) and
				// reads coverage from the log indices.
				map[string]any{"index_patterns": []any{AllLogsPattern, RestorePrefix + "*", alerts.IndexPattern}, "allowed_actions": []any{"read"}},
				map[string]any{"index_patterns": []any{ReportsPrefix + "*"}, "allowed_actions": append([]any{"read"}, write...)},
			},
		}},
		{Name: RoleMaintain, Body: map[string]any{
			"description": "orgsiem maintain: templates, ISM, snapshots, monitors, notifications, restore",
			"cluster_permissions": []any{
				"cluster_monitor",
				"cluster_manage_index_templates",
				"manage_snapshots",
				"cluster:admin/opendistro/ism/*",
				"cluster:admin/opensearch/snapshot_management/*",
				"cluster:admin/opendistro/alerting/*",
				"cluster:admin/opensearch/notifications/*",
			},
			"index_permissions": []any{
				map[string]any{"index_patterns": []any{AllLogsPattern, ReportsPrefix + "*"}, "allowed_actions": []any{"indices_monitor", "indices:admin/ism/*"}},
				map[string]any{"index_patterns": []any{RestorePrefix + "*"}, "allowed_actions": []any{"indices_monitor", "indices:admin/create", "indices:admin/close*", "indices:admin/delete", "indices:admin/mapping/put", "indices:data/write/index"}},
			},
		}},
	}
	var maps []Template
	for _, m := range []struct{ role, arn, what string }{
		{RoleLoader, arns.Loader, "loader Lambda"},
		{RoleReport, arns.Report, "report Lambda"},
		{RoleMaintain, arns.Maintain, "maintain Lambda"},
	} {
		if m.arn == "" {
			continue
		}
		maps = append(maps, Template{Name: m.role, Body: map[string]any{
			"backend_roles": []any{m.arn},
			"description":   "orgsiem " + m.what + " IAM role",
		}})
	}
	return Security{Roles: roles, Mappings: maps}
}

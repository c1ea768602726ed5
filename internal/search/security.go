package search

import "github.com/orgsiem/orgsiem/internal/alerts"

// Roles orgsiem defines in the security plugin (fine-grained access
// control). Each is mapped to one IAM role ARN as a backend role.
const (
	RoleLoader   = "orgsiem_loader"
	RoleReport   = "orgsiem_report"
	RoleMaintain = "orgsiem_maintain"

	// People's roles (sign-in through SAML or Cognito), see people.go.
	RoleAdmin   = "orgsiem_admin"
	RoleAnalyst = "orgsiem_analyst"
	RoleAuditor = "orgsiem_auditor"
)

// RoleARNs are the IAM roles of the Lambdas that talk to the domain, and
// the backend roles people sign in with: SAML group names (the
// assertion's roles attribute) or, with Cognito, the IAM role ARN each
// Cognito group assumes. An empty list maps nobody to that role.
type RoleARNs struct {
	Loader, Report, Maintain string
	Admin, Analyst, Auditor  []string
}

// Security is the roles and role mappings to PUT at
// _plugins/_security/api/roles/<Name> and .../rolesmapping/<Name>.
type Security struct {
	Roles    []Template
	Mappings []Template
}

// BuildSecurity returns least-privilege roles: the loader writes log-aws-*
// only (create index, bulk create); the report reads log-aws-* and
// restored-* and writes reports-*; maintain administers templates, ISM,
// snapshots, Snapshot Management, monitors and notification channels,
// deletes expired months, sets replicas, and restores into restored-*
// (with their expiry aliases). Managing the security configuration itself
// (these roles) needs the domain's master user, which the maintain
// Lambda's role must be when it runs configure.
func BuildSecurity(arns RoleARNs) Security {
	write := []any{"indices:admin/create", "indices:admin/mapping/put", "indices:data/write/index", "indices:data/write/bulk*"}
	roles := append(peopleRoles(), Template{Name: RoleLoader, Body: map[string]any{
		"description":         "orgsiem loader: bulk-create documents in log-aws-* indices",
		"cluster_permissions": []any{"indices:data/write/bulk"},
		"index_permissions": []any{
			map[string]any{"index_patterns": []any{AllLogsPattern}, "allowed_actions": write},
			// The alert documents of the ingest-time detections.
			map[string]any{"index_patterns": []any{alerts.IndexPattern}, "allowed_actions": write},
		},
	}}, Template{Name: RoleReport, Body: map[string]any{
		"description":         "orgsiem report: read logs, write report documents",
		"cluster_permissions": []any{"indices:data/read/msearch", "indices:data/read/scroll*", "indices:data/write/bulk"},
		"index_permissions": []any{
			map[string]any{"index_patterns": []any{AllLogsPattern, RestorePrefix + "*"}, "allowed_actions": []any{"read"}},
			map[string]any{"index_patterns": []any{alerts.IndexPattern}, "allowed_actions": []any{"read"}},
			map[string]any{"index_patterns": []any{ReportsPrefix + "*"}, "allowed_actions": append([]any{"read"}, write...)},
		},
	}}, Template{Name: RoleMaintain, Body: map[string]any{
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
			// delete: months past their retention (daily); settings: replicas
			// follow the data nodes.
			map[string]any{"index_patterns": []any{AllLogsPattern, ReportsPrefix + "*", alerts.IndexPattern}, "allowed_actions": []any{"indices_monitor", "indices:admin/ism/*", "indices:admin/delete", "indices:admin/settings/update"}},
			// aliases: the expiry alias of each restored index.
			map[string]any{"index_patterns": []any{RestorePrefix + "*"}, "allowed_actions": []any{"indices_monitor", "indices:admin/create", "indices:admin/close*", "indices:admin/delete", "indices:admin/mapping/put", "indices:data/write/index", "indices:admin/aliases", "indices:admin/settings/update"}},
		},
	}})
	maps := peopleMappings(arns)
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

// AuditConfig is the security plugin's audit configuration orgsiem sets
// (PUT _plugins/_security/api/audit/config, the second step of enabling
// audit logs on Amazon OpenSearch Service after publishing them to
// CloudWatch Logs:
// https://docs.aws.amazon.com/opensearch-service/latest/developerguide/audit-logs.html).
// What a SIEM needs from it (categories:
// https://opensearch.org/docs/latest/security/audit-logs/index/):
//   - REST and transport layers on, with every category but
//     AUTHENTICATED and GRANTED_PRIVILEGES: FAILED_LOGIN,
//     MISSING_PRIVILEGES (denied actions), BAD_HEADERS, SSL_EXCEPTION,
//     OPENSEARCH_SECURITY_INDEX_ATTEMPT and, on the transport layer,
//     INDEX_EVENT — index creation, deletion and mapping changes
//     (indices:admin/*). Granted requests (every loader _bulk, every
//     dashboard search) would flood the log and CloudWatch bill.
//   - resolve_indices on (the index names in each event), bulk requests
//     not resolved per document, sensitive headers excluded, request
//     bodies logged (the body of a denied or administrative request is
//     the evidence).
//   - compliance: internal_config on, so every read and write of the
//     security configuration (users, roles, role mappings: privileged
//     actions) is logged, metadata only; no field-level read or write
//     watching of log indices (volume).
func AuditConfig() map[string]any {
	return map[string]any{
		"enabled": true,
		"audit": map[string]any{
			"enable_rest":                   true,
			"disabled_rest_categories":      []any{"AUTHENTICATED", "GRANTED_PRIVILEGES"},
			"enable_transport":              true,
			"disabled_transport_categories": []any{"AUTHENTICATED", "GRANTED_PRIVILEGES"},
			"resolve_bulk_requests":         false,
			"log_request_body":              true,
			"resolve_indices":               true,
			"exclude_sensitive_headers":     true,
			"ignore_users":                  []any{},
			"ignore_requests":               []any{},
		},
		"compliance": map[string]any{
			"enabled":               true,
			"internal_config":       true,
			"external_config":       false,
			"read_metadata_only":    true,
			"read_watched_fields":   map[string]any{},
			"read_ignore_users":     []any{},
			"write_metadata_only":   true,
			"write_log_diffs":       false,
			"write_watched_indices": []any{},
			"write_ignore_users":    []any{},
		},
	}
}

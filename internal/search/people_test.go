package search_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/orgsiem/orgsiem/internal/search"
	"github.com/orgsiem/orgsiem/internal/search/searchtest"
)

type roleBody struct {
	ClusterPermissions []string `json:"cluster_permissions"`
	IndexPermissions   []struct {
		IndexPatterns  []string `json:"index_patterns"`
		AllowedActions []string `json:"allowed_actions"`
	} `json:"index_permissions"`
	TenantPermissions []struct {
		TenantPatterns []string `json:"tenant_patterns"`
		AllowedActions []string `json:"allowed_actions"`
	} `json:"tenant_permissions"`
}

// The people's roles and their mappings pass the security plugin's REST
// spec (the test server validates bodies against the OpenAPI schemas with
// unknown keys refused), and each is mapped from exactly the configured
// backend roles (SAML groups or Cognito group role ARNs).
func TestPeopleRolesPassTheSpecAndMapFromGroups(t *testing.T) {
	srv := searchtest.New(t)
	c := newClient(t, srv)
	sec := search.BuildSecurity(search.RoleARNs{
		Maintain: "arn:aws:iam::111122223333:role/orgsiem-maintain",
		Admin:    []string{"siem-admins"},
		Analyst:  []string{"soc", "soc-contractors"},
		// Auditor: nobody, so no mapping.
	})
	if err := c.PutSecurity(context.Background(), sec); err != nil {
		t.Fatal(err)
	}
	noRejections(t, srv)
	for _, r := range []string{search.RoleAdmin, search.RoleAnalyst, search.RoleAuditor} {
		if _, ok := srv.Object("role", r); !ok {
			t.Errorf("role %s not stored", r)
		}
	}
	var m struct {
		BackendRoles []string `json:"backend_roles"`
	}
	raw, _ := srv.Object("role_mapping", search.RoleAnalyst)
	if err := json.Unmarshal(raw, &m); err != nil || strings.Join(m.BackendRoles, ",") != "soc,soc-contractors" {
		t.Errorf("analyst mapping %s (%v), want soc,soc-contractors", raw, err)
	}
	raw, _ = srv.Object("role_mapping", search.RoleAdmin)
	if !strings.Contains(string(raw), `"siem-admins"`) {
		t.Errorf("admin mapping %s", raw)
	}
	if raw, ok := srv.Object("role_mapping", search.RoleAuditor); ok {
		t.Errorf("auditor mapped though no group was given: %s", raw)
	}
}

func peopleRole(t *testing.T, name string) roleBody {
	t.Helper()
	for _, r := range search.BuildSecurity(search.RoleARNs{}).Roles {
		if r.Name != name {
			continue
		}
		b, _ := json.Marshal(r.Body)
		var out roleBody
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	t.Fatalf("no role %s", name)
	return roleBody{}
}

// writeActions are action groups and actions that change data or
// configuration (default action groups:
// https://opensearch.org/docs/latest/security/access-control/default-action-groups/).
func isWrite(a string) bool {
	return slices.Contains([]string{"write", "crud", "indices_all", "manage", "delete", "create_index", "unlimited", "*", "kibana_all_write", "cluster_all", "cluster_composite_ops"}, a) ||
		strings.HasPrefix(a, "indices:data/write") || strings.HasPrefix(a, "indices:admin/create") || strings.HasPrefix(a, "indices:admin/delete")
}

func TestAuditorIsReadOnly(t *testing.T) {
	r := peopleRole(t, search.RoleAuditor)
	for _, a := range r.ClusterPermissions {
		if isWrite(a) {
			t.Errorf("auditor cluster permission %s writes", a)
		}
	}
	var patterns []string
	for _, p := range r.IndexPermissions {
		patterns = append(patterns, p.IndexPatterns...)
		for _, a := range p.AllowedActions {
			if isWrite(a) {
				t.Errorf("auditor may %s on %v", a, p.IndexPatterns)
			}
		}
	}
	for _, want := range []string{"log-aws-*", "restored-*", "orgsiem-alerts-*", "reports-*"} {
		if !slices.Contains(patterns, want) {
			t.Errorf("auditor cannot read %s (patterns %v)", want, patterns)
		}
	}
	for _, p := range r.TenantPermissions {
		for _, a := range p.AllowedActions {
			if isWrite(a) {
				t.Errorf("auditor tenant permission %s on %v", a, p.TenantPatterns)
			}
		}
	}
}

// The analyst reads every log index but writes only Dashboards saved
// objects (their private tenant; the global tenant is read-only).
func TestAnalystReadsLogsWritesOnlySavedObjects(t *testing.T) {
	r := peopleRole(t, search.RoleAnalyst)
	savedObjects := false
	for _, p := range r.IndexPermissions {
		dash := strings.HasPrefix(p.IndexPatterns[0], ".")
		for _, a := range p.AllowedActions {
			if isWrite(a) && !dash {
				t.Errorf("analyst may %s on %v", a, p.IndexPatterns)
			}
			if a == "write" && dash {
				savedObjects = true
			}
		}
		if !dash && !slices.Contains(p.IndexPatterns, "log-aws-*") {
			t.Errorf("analyst's data permission misses log-aws-*: %v", p.IndexPatterns)
		}
	}
	if !savedObjects {
		t.Error("analyst cannot store saved searches")
	}
	for _, p := range r.TenantPermissions {
		if slices.Contains(p.AllowedActions, "kibana_all_write") {
			t.Errorf("analyst writes tenants %v (the private tenant needs no permission)", p.TenantPatterns)
		}
	}
}

// No people's role can touch the security configuration (the master user
// is the maintain role): no security REST permission, no restapi action.
func TestPeopleCannotChangeSecurity(t *testing.T) {
	for _, name := range []string{search.RoleAdmin, search.RoleAnalyst, search.RoleAuditor} {
		r := peopleRole(t, name)
		for _, a := range r.ClusterPermissions {
			if strings.Contains(a, "security") || a == "*" || a == "cluster_all" || a == "unlimited" {
				t.Errorf("%s has cluster permission %s", name, a)
			}
		}
		for _, p := range r.IndexPermissions {
			for _, pat := range p.IndexPatterns {
				if pat == "*" || strings.Contains(pat, "opendistro_security") {
					t.Errorf("%s reaches index %s", name, pat)
				}
			}
		}
	}
}

package maintain

import (
	"testing"

	"github.com/orgsiem/orgsiem/internal/lambdaenv"
)

func TestConfigFromEnvAlertRole(t *testing.T) {
	base := map[string]string{
		lambdaenv.OpenSearchEndpoint:    "vpc-orgsiem.eu-west-1.es.amazonaws.com",
		lambdaenv.SnapshotBucket:        "orgsiem-snapshots-333333333333-eu-west-1",
		lambdaenv.AlertTopicARN:         "arn:aws:sns:eu-west-1:333333333333:orgsiem-alerts",
		lambdaenv.SnapshotRoleARN:       "arn:aws:iam::333333333333:role/orgsiem-snapshot",
		lambdaenv.SnapshotRetentionDays: "30",
		lambdaenv.HotIndexDays:          "90",
		lambdaenv.Region:                "eu-west-1",
	}
	for _, tc := range []struct {
		name, role string
		fail       bool
	}{
		{"the alert role is read from the lambdaenv variable", "arn:aws:iam::333333333333:role/orgsiem-alerts-publisher", false},
		{"no alert role is accepted (configure skips the channel)", "", false},
		{"an alert role that is not a role ARN is refused", "arn:aws:sns:eu-west-1:333333333333:orgsiem-alerts", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{lambdaenv.AlertRoleARN: tc.role}
			for k, v := range base {
				env[k] = v
			}
			c, err := ConfigFromEnv(func(k string) string { return env[k] })
			if (err != nil) != tc.fail {
				t.Fatalf("error %v, want failure %v", err, tc.fail)
			}
			if !tc.fail && c.AlertRoleARN != tc.role {
				t.Errorf("alert role %q, want %q", c.AlertRoleARN, tc.role)
			}
		})
	}
}

func TestConfigFromEnvNodesAndWarm(t *testing.T) {
	base := map[string]string{
		lambdaenv.OpenSearchEndpoint:    "vpc-orgsiem.eu-west-1.es.amazonaws.com",
		lambdaenv.SnapshotBucket:        "orgsiem-snapshots-333333333333-eu-west-1",
		lambdaenv.SnapshotRoleARN:       "arn:aws:iam::333333333333:role/orgsiem-snapshot",
		lambdaenv.SnapshotRetentionDays: "30",
		lambdaenv.HotIndexDays:          "90",
		lambdaenv.Region:                "eu-west-1",
	}
	for _, tc := range []struct {
		name        string
		nodes, warm string
		wantNodes   int
		wantWarm    int
		fail        bool
	}{
		{"unset: ask the domain, no UltraWarm", "", "", 0, 0, false},
		{"one data node, no warm", "1", "0", 1, 0, false},
		{"three nodes, warm at 45 days", "3", "45", 3, 45, false},
		{"warm while the month is still written is refused", "3", "20", 0, 0, true},
		{"warm after the backstop delete is refused", "3", "121", 0, 0, true},
		{"a node count that is not a number is refused", "three", "", 0, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{lambdaenv.DataNodes: tc.nodes, lambdaenv.WarmAfterDays: tc.warm}
			for k, v := range base {
				env[k] = v
			}
			c, err := ConfigFromEnv(func(k string) string { return env[k] })
			if (err != nil) != tc.fail {
				t.Fatalf("error %v, want failure %v", err, tc.fail)
			}
			if !tc.fail && (c.DataNodes != tc.wantNodes || c.WarmAfterDays != tc.wantWarm) {
				t.Errorf("nodes %d warm %d, want %d %d", c.DataNodes, c.WarmAfterDays, tc.wantNodes, tc.wantWarm)
			}
		})
	}
}

// The backend roles the program writes (central: role ARNs by purpose,
// lists of people's backend roles) reach the security configuration.
func TestConfigFromEnvBackendRoles(t *testing.T) {
	env := map[string]string{
		lambdaenv.OpenSearchEndpoint:    "vpc-orgsiem.eu-west-1.es.amazonaws.com",
		lambdaenv.SnapshotBucket:        "orgsiem-snapshots-333333333333-eu-west-1",
		lambdaenv.AlertTopicARN:         "arn:aws:sns:eu-west-1:333333333333:orgsiem-alerts",
		lambdaenv.SnapshotRoleARN:       "arn:aws:iam::333333333333:role/orgsiem-snapshot",
		lambdaenv.SnapshotRetentionDays: "30",
		lambdaenv.HotIndexDays:          "90",
		lambdaenv.Region:                "eu-west-1",
		lambdaenv.BackendRoles: `{"loader":"arn:aws:iam::333333333333:role/orgsiem-loader","report":"arn:aws:iam::333333333333:role/orgsiem-report",` +
			`"maintain":"arn:aws:iam::333333333333:role/orgsiem-maintain","admin":["siem-admins"],"analyst":null,"auditor":["auditors","qsa"]}`,
	}
	c, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.Roles.Maintain != "arn:aws:iam::333333333333:role/orgsiem-maintain" || len(c.Roles.Admin) != 1 || c.Roles.Admin[0] != "siem-admins" ||
		len(c.Roles.Analyst) != 0 || len(c.Roles.Auditor) != 2 {
		t.Errorf("roles %+v", c.Roles)
	}
	env[lambdaenv.BackendRoles] = `{"admin":"siem-admins"}` // a string where a list belongs
	if _, err := ConfigFromEnv(func(k string) string { return env[k] }); err == nil {
		t.Error("a malformed backend-role list was accepted")
	}
}

package logs

import (
	"strings"
	"testing"

	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/ecs"
)

// Only the RDS-named groups of the audit, error and postgresql logs route
// to rds; the instance or cluster lands in aws.rds.
func TestRDSLogGroups(t *testing.T) {
	for group, want := range map[string]bool{
		"/aws/rds/instance/shop-db/audit":         true,
		"/aws/rds/instance/shop-db/error":         true,
		"/aws/rds/cluster/shop-aurora/postgresql": true,
		"/aws/rds/instance/shop-db/slowquery":     false,
		"/aws/rds/instance/shop-db/general":       false,
		"/aws/rds/proxy/shop-proxy/audit":         false,
		"/aws/rds/instance//audit":                false,
		"/aws/rds/instance/a/b/audit":             false,
		"aws/rds/instance/shop-db/audit":          false,
	} {
		if got := routeLogGroup(nil, group) == archive.TypeRDS; got != want {
			t.Errorf("routeLogGroup(%q) routes to rds: %v, want %v", group, got, want)
		}
	}
	var d ecs.Document
	if err := rdsMessage([]byte(`20240305 10:00:05,ip-10-0-1-20,admin,203.0.113.9,312,0,FAILED_CONNECT,,,1045`), &d, "/aws/rds/cluster/shop-aurora/audit"); err != nil {
		t.Fatal(err)
	}
	if d.Event.Outcome != "failure" || d.User.Name != "admin" || d.Source.IP != "203.0.113.9" || string(d.AWS) == "" {
		t.Errorf("outcome %q user %q ip %q", d.Event.Outcome, d.User.Name, d.Source.IP)
	}
	if want := `"cluster":"shop-aurora"`; !strings.Contains(string(d.AWS), want) {
		t.Errorf("aws.rds %s lacks %s", d.AWS, want)
	}
}

// BenchmarkRDS: a mix of audit CSV, PostgreSQL and MySQL error log lines.
func BenchmarkRDS(b *testing.B) {
	benchNormalize(b, "rds", repeatFile(b, "testdata/rds/mixed.log", 4<<20))
}

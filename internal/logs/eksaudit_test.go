package logs

import (
	"slices"
	"testing"
)

// The mapping of the fields a detection reads, from an Event written from
// the audit.k8s.io/v1 reference: an anonymous request the API server
// refused, one impersonating another user, and a request of the watch verb
// without a response status yet (stage RequestReceived has none).
func TestEKSAuditMapping(t *testing.T) {
	docs, err := NormalizeRecord("eksaudit", []byte(`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a-1","stage":"ResponseComplete","requestURI":"/api/v1/secrets","verb":"list","user":{"username":"system:anonymous","groups":["system:unauthenticated"]},"sourceIPs":["203.0.113.77","10.0.0.1","not-an-ip"],"responseStatus":{"code":403,"reason":"Forbidden"},"requestReceivedTimestamp":"2024-03-05T10:02:00.000001Z","stageTimestamp":"2024-03-05T10:02:00.000002Z"}`))
	if err != nil || len(docs) != 1 {
		t.Fatalf("docs %d, err %v", len(docs), err)
	}
	d := docs[0]
	if d.User.Name != "system:anonymous" || !slices.Equal(d.User.Roles, []string{"system:unauthenticated"}) {
		t.Errorf("user %q roles %q", d.User.Name, d.User.Roles)
	}
	if d.Source.IP != "203.0.113.77" || !slices.Equal(d.Related.IP, []string{"203.0.113.77", "10.0.0.1"}) {
		t.Errorf("source.ip %q related.ip %q: the first address is the client, an invalid one is left out", d.Source.IP, d.Related.IP)
	}
	if d.Event.Outcome != "failure" || d.HTTP.StatusCode != 403 || d.Event.Action != "list" || !slices.Equal(d.Event.Type, []string{"access"}) {
		t.Errorf("outcome %q code %d action %q type %q", d.Event.Outcome, d.HTTP.StatusCode, d.Event.Action, d.Event.Type)
	}
	if d.ID != "a-1-ResponseComplete" || d.Event.ID != "a-1" || d.Event.Duration != 1000 {
		t.Errorf("_id %q event.id %q duration %d", d.ID, d.Event.ID, d.Event.Duration)
	}
	if d.URL.Path != "/api/v1/secrets" || d.URL.Query != "" {
		t.Errorf("url %q ? %q", d.URL.Path, d.URL.Query)
	}

	docs, err = NormalizeRecord("eksaudit", []byte(`{"kind":"Event","auditID":"a-2","stage":"RequestReceived","verb":"watch","user":{"username":"ci"},"impersonatedUser":{"username":"bob"},"requestReceivedTimestamp":"2024-03-05T10:02:00Z"}`))
	if err != nil || len(docs) != 1 {
		t.Fatalf("docs %d, err %v", len(docs), err)
	}
	d = docs[0]
	if d.Event.Outcome != "" || d.HTTP.StatusCodeSet {
		t.Errorf("no responseStatus must give no outcome, got %q (code set %v)", d.Event.Outcome, d.HTTP.StatusCodeSet)
	}
	if !slices.Equal(d.Related.User, []string{"ci", "bob"}) {
		t.Errorf("related.user %q, want the user and the impersonated user", d.Related.User)
	}
}

// Only the EKS group pattern routes, and only its audit streams become
// eksaudit documents (cloudwatchlogs golden eks-control-plane covers the
// streams).
func TestEKSClusterOf(t *testing.T) {
	for group, want := range map[string]string{
		"/aws/eks/payments-prod/cluster": "payments-prod",
		"/aws/eks/a_b-1/cluster":         "a_b-1",
		"/aws/eks//cluster":              "",
		"/aws/eks/x/y/cluster":           "",
		"/aws/eks/x/cluster-copy":        "",
		"aws/eks/x/cluster":              "",
	} {
		got, ok := eksClusterOf(group)
		if got != want || ok != (want != "") {
			t.Errorf("eksClusterOf(%q) = %q, %v; want %q", group, got, ok, want)
		}
		if r := routeLogGroup(nil, group); (r == routeEKSControlPlane) != (want != "") {
			t.Errorf("routeLogGroup(%q) = %q", group, r)
		}
	}
}

// BenchmarkEKSAudit: audit Events as JSON lines.
func BenchmarkEKSAudit(b *testing.B) {
	benchNormalize(b, "eksaudit", repeatFile(b, "testdata/eksaudit/events.log", 4<<20))
}

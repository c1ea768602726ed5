package search_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/orgsiem/orgsiem/internal/search"
	"github.com/orgsiem/orgsiem/internal/search/searchtest"
)

// On a fresh domain the Alerting plugin has no config index
// (.opendistro-alerting-config, created with the first monitor), so
// POST _plugins/_alerting/monitors/_search answers 404
// index_not_found_exception (alerting TransportSearchMonitorAction
// searches ScheduledJob.SCHEDULED_JOBS_INDEX directly). That is "no
// monitors yet", not a failure; any other error still is.
func TestExistingMonitorsOnAFreshDomain(t *testing.T) {
	srv := searchtest.New(t)
	c := newClient(t, srv)
	ctx := context.Background()
	got, err := c.ExistingMonitors(ctx)
	if err != nil || len(got) != 0 {
		t.Fatalf("fresh domain: %v, %v; want no monitors and no error", got, err)
	}
	// The server really answered 404 (the rule is modelled, not skipped).
	status, body, err := c.Do(ctx, search.Request{Method: http.MethodPost, Path: "/_plugins/_alerting/monitors/_search", Body: []byte(`{"query":{"match_all":{}}}`)})
	if err != nil || status != http.StatusNotFound || !strings.Contains(string(body), "index_not_found_exception") {
		t.Fatalf("monitor search on a fresh domain: %d %s %v", status, body, err)
	}
	srv.SetRequestFault(func(r *http.Request, op string) *searchtest.Fault {
		if strings.HasPrefix(op, "alerting.search_monitors") {
			return &searchtest.Fault{Status: 403, Type: "security_exception", Reason: "no permissions for [cluster:admin/opendistro/alerting/monitor/search]"}
		}
		return nil
	})
	if _, err := c.ExistingMonitors(ctx); err == nil || !strings.Contains(err.Error(), "security_exception") {
		t.Errorf("a 403 is hidden: %v", err)
	}
}

// The S3 repository setting server_side_encryption: true makes the domain
// upload snapshot files with SSE-S3 (AES256), overriding the bucket's
// SSE-KMS default; the test server refuses it (our policy), and the
// repository body must not carry it.
func TestRepositoryCannotDowngradeEncryption(t *testing.T) {
	srv := searchtest.New(t)
	c := newClient(t, srv)
	ctx := context.Background()
	repo := search.Repository{Name: "orgsiem", Bucket: "b", Region: "eu-west-1", RoleARN: "arn:aws:iam::111122223333:role/s"}
	if _, ok := repo.Body()["settings"].(map[string]any)["server_side_encryption"]; ok {
		t.Fatalf("repository body sets server_side_encryption: %v", repo.Body())
	}
	if err := c.RegisterRepository(ctx, repo); err != nil {
		t.Fatal(err)
	}
	err := c.JSON(ctx, http.MethodPut, "/_snapshot/downgrade", map[string]any{"type": "s3",
		"settings": map[string]any{"bucket": "b", "region": "eu-west-1", "role_arn": "arn:aws:iam::111122223333:role/s", "server_side_encryption": true}}, nil)
	if !search.IsStatus(err, http.StatusBadRequest) || !strings.Contains(err.Error(), "SSE-S3") {
		t.Errorf("a repository with server_side_encryption: true was accepted: %v", err)
	}
}

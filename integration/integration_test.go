//go:build integration

package integration

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	reportfn "github.com/orgsiem/orgsiem/functions/report"
	"github.com/orgsiem/orgsiem/internal/detect"
	"github.com/orgsiem/orgsiem/internal/report"
	"github.com/orgsiem/orgsiem/internal/search"
)

func client(t *testing.T) *search.Client {
	t.Helper()
	u := os.Getenv("OPENSEARCH_URL")
	if u == "" {
		t.Skip("OPENSEARCH_URL is not set: no OpenSearch to test against (see integration/README.md)")
	}
	c, err := search.New(search.Config{URL: u, BasicAuthFile: os.Getenv("OPENSEARCH_BASIC_AUTH_FILE")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestTemplatesLifecycleAndBulk(t *testing.T) {
	c := client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ts, err := search.BuildTemplates(search.DefaultTemplateConfig())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.PutTemplates(ctx, ts); err != nil {
		t.Fatal(err)
	}
	pols, err := search.BuildISMPolicies(search.LifecycleConfig{Default: search.Lifecycle{DeleteAfterDays: 400}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pols {
		if _, err := c.PutISMPolicy(ctx, p); err != nil {
			t.Fatal(err)
		}
		if ch, err := c.PutISMPolicy(ctx, p); err != nil || ch != search.Unchanged {
			t.Fatalf("second put of %s: %v %v", p.Name, ch, err)
		}
	}
	run := time.Now().UnixNano()
	index := "log-aws-cloudtrail-2025.05"
	items := make([]search.Item, 50)
	for i := range items {
		items[i] = search.Item{Index: index, ID: fmt.Sprintf("it-%d-%d", run, i), Ref: i,
			Body: []byte(fmt.Sprintf(`{"@timestamp":"2025-05-17T10:00:%02dZ","event":{"action":"RunInstances","dataset":"aws.cloudtrail"},"source":{"ip":"not-an-ip"},"cloud":{"account":{"id":"111122223333"}},"aws":{"cloudtrail":{"requestParameters":{"n":%d,"deep":{"x":[1,"a"]}}}}}`, i%60, i))}
	}
	// Second pass is a redelivery: every item must come back as already indexed.
	for pass, want := range []search.Outcome{search.Indexed, search.AlreadyIndexed} {
		got := map[search.Outcome]int{}
		ix, _ := c.NewIndexer(search.IndexerConfig{OnResult: func(r search.Result) {
			got[r.Outcome]++
			if r.Outcome != want {
				t.Errorf("pass %d: %s %s: %s", pass, r.ID, r.Outcome, r.Reason)
			}
		}})
		for _, it := range items {
			if err := ix.Add(ctx, it); err != nil {
				t.Fatal(err)
			}
		}
		if err := ix.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if got[want] != len(items) {
			t.Fatalf("pass %d: outcomes %v", pass, got)
		}
	}
}

func TestReportAndMonitors(t *testing.T) {
	c := client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cat, err := detect.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	// The report's searches (coverage over the log indices, alert
	// documents of the report's rules) must be accepted by a real domain.
	to := time.Now().UTC()
	w := report.Window{From: to.Add(-24 * time.Hour), To: to, Spec: "now-1d"}
	rep, err := report.FromSearch(ctx, reportfn.Searcher(c), w, report.BuilderOptions{}, to)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Guidelines) != 10 || !rep.Window.From.Equal(w.From) {
		t.Fatalf("report %+v", rep)
	}
	ch := search.Channel{ID: "orgsiem-it", Name: "orgsiem integration", TopicARN: "arn:aws:sns:eu-west-1:111122223333:orgsiem-it", RoleARN: "arn:aws:iam::111122223333:role/orgsiem-it"}
	if _, err := c.UpsertChannel(ctx, ch); err != nil {
		t.Fatal(err)
	}
	ms, err := search.BuildMonitors(cat, search.MonitorConfig{ChannelID: ch.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpsertMonitors(ctx, ms); err != nil {
		t.Fatal(err)
	}
	sync, err := c.UpsertMonitors(ctx, ms)
	if err != nil || len(sync.Unchanged) != len(ms) {
		t.Fatalf("second upsert: %d unchanged of %d (%d updated), %v", len(sync.Unchanged), len(ms), len(sync.Updated), err)
	}
}

func TestSecurity(t *testing.T) {
	c := client(t)
	if os.Getenv("ORGSIEM_IT_SECURITY") != "1" {
		t.Skip("ORGSIEM_IT_SECURITY is not 1: the cluster may run without the security plugin")
	}
	sec := search.BuildSecurity(search.RoleARNs{Loader: "arn:aws:iam::111122223333:role/l", Report: "arn:aws:iam::111122223333:role/r", Maintain: "arn:aws:iam::111122223333:role/m"})
	if err := c.PutSecurity(context.Background(), sec); err != nil {
		t.Fatal(err)
	}
}

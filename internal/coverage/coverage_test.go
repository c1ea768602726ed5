package coverage

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/search"
	"github.com/orgsiem/orgsiem/internal/search/searchtest"
)

type event struct {
	account, region, dataset *string
	at                       time.Time
	kind                     string
}

func p(s string) *string { return &s }

// composite answers the coverage search over events as OpenSearch does
// (https://opensearch.org/docs/latest/aggregations/bucket/composite/):
// buckets in ascending order of their source values with missing values
// (missing_bucket) first, at most size of them, only those after "after",
// after_key the last bucket's key; max answers value in epoch
// milliseconds. The range filter and the must_not on event.kind apply.
func composite(t *testing.T, events []event, body []byte) any {
	var req struct {
		Query struct {
			Bool struct {
				Filter []struct {
					Range map[string]struct{ Gte, Lte time.Time } `json:"range"`
				} `json:"filter"`
				MustNot []struct {
					Term map[string]string `json:"term"`
				} `json:"must_not"`
			} `json:"bool"`
		} `json:"query"`
		Aggs struct {
			Coverage struct {
				Composite struct {
					Size  int                `json:"size"`
					After map[string]*string `json:"after"`
				} `json:"composite"`
			} `json:"coverage"`
		} `json:"aggs"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		t.Fatalf("body: %v", err)
	}
	rng := req.Query.Bool.Filter[0].Range["@timestamp"]
	notKind := req.Query.Bool.MustNot[0].Term["event.kind"]
	type key [3]*string
	cmpStr := func(a, b *string) int {
		switch {
		case a == nil && b == nil:
			return 0
		case a == nil:
			return -1
		case b == nil:
			return 1
		}
		return strings.Compare(*a, *b)
	}
	cmpKey := func(a, b key) int {
		for i := range a {
			if c := cmpStr(a[i], b[i]); c != 0 {
				return c
			}
		}
		return 0
	}
	groups := map[string]struct {
		k    key
		n    int
		last time.Time
	}{}
	for _, e := range events {
		if e.at.Before(rng.Gte) || e.at.After(rng.Lte) || e.kind == notKind {
			continue
		}
		k := key{e.account, e.region, e.dataset}
		id := fmt.Sprint(deref(e.account), "|", deref(e.region), "|", deref(e.dataset), e.account == nil, e.region == nil, e.dataset == nil)
		g := groups[id]
		g.k, g.n = k, g.n+1
		if e.at.After(g.last) {
			g.last = e.at
		}
		groups[id] = g
	}
	var keys []key
	for _, g := range groups {
		keys = append(keys, g.k)
	}
	slices.SortFunc(keys, cmpKey)
	var buckets []any
	var afterKey map[string]any
	a := req.Aggs.Coverage.Composite.After
	for _, k := range keys {
		if a != nil && cmpKey(k, key{a["account"], a["region"], a["dataset"]}) <= 0 {
			continue
		}
		if len(buckets) == req.Aggs.Coverage.Composite.Size {
			break
		}
		var g struct {
			n    int
			last time.Time
		}
		for _, gg := range groups {
			if cmpKey(gg.k, k) == 0 {
				g.n, g.last = gg.n, gg.last
			}
		}
		bk := map[string]any{"account": k[0], "region": k[1], "dataset": k[2]}
		buckets = append(buckets, map[string]any{"key": bk, "doc_count": g.n, "last": map[string]any{"value": float64(g.last.UnixMilli())}})
		afterKey = bk
	}
	cov := map[string]any{"buckets": buckets}
	if afterKey != nil {
		cov["after_key"] = afterKey
	}
	return map[string]any{"took": 1, "timed_out": false, "_shards": map[string]any{"total": 1, "successful": 1, "skipped": 0, "failed": 0},
		"hits":         map[string]any{"total": map[string]any{"value": 0, "relation": "eq"}, "max_score": nil, "hits": []any{}},
		"aggregations": map[string]any{"coverage": cov}}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Over the spec-validating server, in pages of two buckets: CloudTrail of
// both accounts flows in eu-west-1; account B's us-east-1 CloudTrail went
// silent a day and a half ago; VPC flow logs are expected but only account
// A has them; CloudFront (global) is expected once per account; error
// documents and events before the window do not count.
func TestFlowingSilentOff(t *testing.T) {
	now := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	A, B := "111122223333", "444455556666"
	events := []event{
		{p(A), p("eu-west-1"), p("aws.cloudtrail"), now.Add(-5 * time.Minute), "event"},
		{p(A), p("us-east-1"), p("aws.cloudtrail"), now.Add(-2 * time.Hour), "event"},
		{p(B), p("eu-west-1"), p("aws.cloudtrail"), now.Add(-10 * time.Minute), "event"},
		{p(B), p("us-east-1"), p("aws.cloudtrail"), now.Add(-36 * time.Hour), "event"},
		{p(B), p("us-east-1"), p("aws.cloudtrail"), now.Add(-35 * time.Minute), "pipeline_error"},
		{p(A), p("eu-west-1"), p("aws.vpcflow"), now.Add(-3 * time.Minute), "event"},
		{p(B), p("eu-west-1"), p("aws.vpcflow"), now.Add(-40 * 24 * time.Hour), "event"},
		{p(A), nil, p("aws.cloudfront"), now.Add(-1 * time.Hour), "event"},
	}
	srv := searchtest.New(t)
	pages := 0
	srv.SetSearch(func(index string, body []byte) (any, bool) {
		pages++
		if index != LogIndices {
			t.Errorf("searched %s", index)
		}
		return composite(t, events, body), true
	})
	sc, err := search.New(search.Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := Collect(context.Background(), func(ctx context.Context, indices string, body map[string]any) ([]byte, error) {
		var raw json.RawMessage
		err := sc.Search(ctx, []string{indices}, body, &raw)
		return raw, err
	}, Options{Now: now, Since: 30 * 24 * time.Hour, SilentAfter: 24 * time.Hour, PageSize: 2,
		Datasets: []string{"aws.cloudtrail", "aws.vpcflow", "aws.cloudfront"}, Global: []string{"aws.cloudfront"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, rej := range srv.Rejections() {
		t.Fatalf("the server refused %s %s: %v", rej.Method, rej.Path, rej.Err)
	}
	got := map[string]string{}
	for _, r := range rows {
		got[r.Account+" "+r.Region+" "+r.Dataset] = r.Status
	}
	want := map[string]string{
		A + " eu-west-1 aws.cloudtrail": Flowing, A + " us-east-1 aws.cloudtrail": Flowing,
		B + " eu-west-1 aws.cloudtrail": Flowing, B + " us-east-1 aws.cloudtrail": Silent,
		A + " eu-west-1 aws.vpcflow": Flowing, A + " us-east-1 aws.vpcflow": Off,
		B + " eu-west-1 aws.vpcflow": Off, B + " us-east-1 aws.vpcflow": Off,
		A + " - aws.cloudfront": Flowing, B + " - aws.cloudfront": Off,
	}
	if len(got) != len(want) {
		t.Errorf("rows %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	if pages < 3 {
		t.Errorf("%d pages for 6 buckets of 2", pages)
	}
}

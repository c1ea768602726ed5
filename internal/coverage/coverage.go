// Package coverage answers the auditor's first question (issue #13.6): per
// account and region, which log sources are flowing, which are enabled but
// silent, and which are off. It reads the last event of each (account,
// region, dataset) from the log indices with one composite aggregation,
// paged, and compares it with what is expected.
package coverage

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// LogIndices are the indices searched.
const LogIndices = "log-aws-*"

// DefaultPageSize is the composite page size (buckets per request).
const DefaultPageSize = 1000

// Statuses of a Row.
const (
	Flowing = "flowing" // an event within SilentAfter
	Silent  = "silent"  // events in the window, none within SilentAfter
	Off     = "off"     // expected, no event in the window
)

// NoRegion is the region of events without cloud.region (global services).
const NoRegion = "-"

// Searcher runs a search body over indices and returns the response body.
type Searcher func(ctx context.Context, indices string, body map[string]any) ([]byte, error)

// Options say what to look at and what to expect.
type Options struct {
	Now         time.Time
	Since       time.Duration // look-back window
	SilentAfter time.Duration // no event for longer: silent
	// Accounts, Regions and Datasets are expected (every combination);
	// empty Accounts or Regions mean those seen. A dataset in Global is
	// expected once per account (any region).
	Accounts, Regions, Datasets []string
	Global                      []string
	PageSize                    int
}

// Row is one (account, region, dataset).
type Row struct {
	Account  string    `json:"account"`
	Region   string    `json:"region"`
	Dataset  string    `json:"dataset"`
	Status   string    `json:"status"`
	Last     time.Time `json:"last,omitzero"`
	Events   int64     `json:"events"`
	Expected bool      `json:"expected"`
}

// Search is the body of one page: a composite aggregation on
// cloud.account.id, cloud.region and event.dataset (missing values in their
// own bucket) with the max @timestamp of each, over the window, pipeline
// error documents excluded.
func Search(o Options, after map[string]any) map[string]any {
	size := o.PageSize
	if size <= 0 {
		size = DefaultPageSize
	}
	terms := func(name, field string) map[string]any {
		return map[string]any{name: map[string]any{"terms": map[string]any{"field": field, "missing_bucket": true}}}
	}
	comp := map[string]any{
		"size":    size,
		"sources": []any{terms("account", "cloud.account.id"), terms("region", "cloud.region"), terms("dataset", "event.dataset")},
	}
	if after != nil {
		comp["after"] = after
	}
	return map[string]any{
		"size": 0, "track_total_hits": false,
		"query": map[string]any{"bool": map[string]any{
			"filter": []any{map[string]any{"range": map[string]any{"@timestamp": map[string]any{
				"gte": o.Now.Add(-o.Since).UTC().Format(time.RFC3339), "lte": o.Now.UTC().Format(time.RFC3339),
			}}}},
			"must_not": []any{map[string]any{"term": map[string]any{"event.kind": "pipeline_error"}}},
		}},
		"aggs": map[string]any{"coverage": map[string]any{
			"composite": comp,
			"aggs":      map[string]any{"last": map[string]any{"max": map[string]any{"field": "@timestamp"}}},
		}},
	}
}

type response struct {
	Aggregations *struct {
		Coverage struct {
			AfterKey map[string]any `json:"after_key"`
			Buckets  []struct {
				Key struct {
					Account, Region, Dataset *string
				} `json:"key"`
				DocCount int64 `json:"doc_count"`
				Last     struct {
					Value *float64 `json:"value"`
				} `json:"last"`
			} `json:"buckets"`
		} `json:"coverage"`
	} `json:"aggregations"`
}

// Collect pages through the domain and returns the rows, classified and
// sorted by account, region, dataset.
func Collect(ctx context.Context, search Searcher, o Options) ([]Row, error) {
	if o.Since <= 0 || o.SilentAfter <= 0 {
		return nil, fmt.Errorf("coverage: since %s and silent-after %s must be positive", o.Since, o.SilentAfter)
	}
	size := o.PageSize
	if size <= 0 {
		size = DefaultPageSize
	}
	seen := map[[3]string]Row{}
	var after map[string]any
	for page := 1; ; page++ {
		body, err := search(ctx, LogIndices, Search(o, after))
		if err != nil {
			return nil, fmt.Errorf("coverage: search page %d: %w", page, err)
		}
		var resp response
		if err := json.Unmarshal(body, &resp); err != nil {
			return nil, fmt.Errorf("coverage: search page %d: %w", page, err)
		}
		if resp.Aggregations == nil {
			break // no log index yet: nothing seen
		}
		c := resp.Aggregations.Coverage
		for _, b := range c.Buckets {
			r := Row{Account: str(b.Key.Account, "-"), Region: str(b.Key.Region, NoRegion), Dataset: str(b.Key.Dataset, "-"), Events: b.DocCount}
			if b.Last.Value != nil {
				r.Last = time.UnixMilli(int64(*b.Last.Value)).UTC()
			}
			seen[[3]string{r.Account, r.Region, r.Dataset}] = r
		}
		if len(c.Buckets) < size || c.AfterKey == nil {
			break
		}
		if after != nil && fmt.Sprint(after) == fmt.Sprint(c.AfterKey) {
			return nil, fmt.Errorf("coverage: search page %d: after_key %v did not advance", page, c.AfterKey)
		}
		after = c.AfterKey
	}
	return classify(seen, o), nil
}

func str(s *string, def string) string {
	if s == nil || *s == "" {
		return def
	}
	return *s
}

func classify(seen map[[3]string]Row, o Options) []Row {
	accounts, regions := o.Accounts, o.Regions
	if len(accounts) == 0 || len(regions) == 0 {
		as, rs := map[string]bool{}, map[string]bool{}
		for k := range seen {
			as[k[0]], rs[k[1]] = true, true
		}
		if len(accounts) == 0 {
			for a := range as {
				accounts = append(accounts, a)
			}
		}
		if len(regions) == 0 {
			for r := range rs {
				if r != NoRegion {
					regions = append(regions, r)
				}
			}
		}
	}
	out := map[[3]string]Row{}
	for k, r := range seen {
		r.Status = Flowing
		if o.Now.Sub(r.Last) > o.SilentAfter {
			r.Status = Silent
		}
		out[k] = r
	}
	for _, a := range accounts {
		for _, d := range o.Datasets {
			if slices.Contains(o.Global, d) {
				found := false
				for k := range out {
					if k[0] == a && k[2] == d {
						found = true
						out[k] = expect(out[k])
					}
				}
				if !found {
					out[[3]string{a, NoRegion, d}] = Row{Account: a, Region: NoRegion, Dataset: d, Status: Off, Expected: true}
				}
				continue
			}
			for _, r := range regions {
				k := [3]string{a, r, d}
				if row, ok := out[k]; ok {
					out[k] = expect(row)
				} else {
					out[k] = Row{Account: a, Region: r, Dataset: d, Status: Off, Expected: true}
				}
			}
		}
	}
	rows := make([]Row, 0, len(out))
	for _, r := range out {
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(x, y Row) int {
		return strings.Compare(x.Account+"\x00"+x.Region+"\x00"+x.Dataset, y.Account+"\x00"+y.Region+"\x00"+y.Dataset)
	})
	return rows
}

func expect(r Row) Row { r.Expected = true; return r }

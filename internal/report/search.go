package report

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/orgsiem/orgsiem/internal/alerts"
)

// Searcher runs one search on the domain: POST /<indices>/_search with the
// JSON body, tolerating patterns that match no index, and returns the
// response body. functions/report implements it with the search client.
type Searcher func(ctx context.Context, indices string, body map[string]any) ([]byte, error)

// LogIndices are the indices coverage is counted on.
const LogIndices = "log-aws-*"

// Page sizes of the report's searches. Alert documents of report rules are
// few (configuration changes, root use, failed logins); coverage has one
// bucket per account and log type.
const (
	alertPage    = 1000
	coveragePage = 500
	// maxNeedAccounts bounds the accounts counted per needed source (the
	// terms aggregation's size); an organization has at most a few
	// thousand accounts.
	maxNeedAccounts = 10000
)

// Fields of the log documents coverage reads: keyword and date only.
const (
	fieldTimestamp = "@timestamp"
	fieldAccount   = "cloud.account.id"
	fieldDataset   = "event.dataset"
	fieldKind      = "event.kind"
	fieldProvider  = "event.provider"
	fieldCategory  = "aws.cloudtrail.eventCategory"
)

// timeRange is the window as a range filter on field. Dates are sent as
// strict_date_optional_time with milliseconds, the precision of a date
// field.
func timeRange(field string, w Window) map[string]any {
	return map[string]any{"range": map[string]any{field: map[string]any{
		"gte": w.From.UTC().Format("2006-01-02T15:04:05.000Z"), "lt": w.To.UTC().Format("2006-01-02T15:04:05.000Z"),
		"format": "strict_date_optional_time",
	}}}
}

// alertSourceFields are the alert document fields the report reads.
var alertSourceFields = []string{
	alerts.FieldTimestamp, alerts.FieldKind, alerts.FieldRuleID, alerts.FieldRuleName, alerts.FieldLevel,
	alerts.FieldSeverity, alerts.FieldGuideline, alerts.FieldAccount, alerts.FieldPrincipal, alerts.FieldSource,
	alerts.FieldSourceIP, alerts.FieldOutcome, alerts.FieldAction, alerts.FieldDocIndex, alerts.FieldDocID,
}

// AlertsSearch is the search for one page of the alert documents that feed
// the report: alerts and signals of rules with a guideline, in the window,
// sorted by event time, document and rule so that the matches of one
// document are adjacent (Builder.Match counts each event once) and pages
// follow with search_after. after is the previous page's last sort values
// (nil for the first page).
func AlertsSearch(w Window, after []any) map[string]any {
	guidelines := make([]any, len(definitions))
	for i, d := range definitions {
		guidelines[i] = d.ID
	}
	body := map[string]any{
		"size":             alertPage,
		"track_total_hits": false,
		"_source":          alertSourceFields,
		"query": map[string]any{"bool": map[string]any{"filter": []any{
			timeRange(alerts.FieldTimestamp, w),
			map[string]any{"terms": map[string]any{alerts.FieldKind: []any{alerts.KindAlert, alerts.KindSignal}}},
			map[string]any{"terms": map[string]any{alerts.FieldGuideline: guidelines}},
		}}},
		"sort": []any{
			map[string]any{alerts.FieldTimestamp: "asc"},
			map[string]any{alerts.FieldDocIndex: "asc"},
			map[string]any{alerts.FieldDocID: "asc"},
			map[string]any{alerts.FieldRuleID: "asc"},
		},
	}
	if after != nil {
		body["search_after"] = after
	}
	return body
}

// needFilter is the query of the documents of source s.
func needFilter(s Source) map[string]any {
	f := []any{map[string]any{"term": map[string]any{fieldDataset: s.Dataset}}}
	if s.Provider != "" {
		f = append(f, map[string]any{"term": map[string]any{fieldProvider: s.Provider}})
	}
	if s.Category != "" {
		f = append(f, map[string]any{"term": map[string]any{fieldCategory: s.Category}})
	}
	return map[string]any{"bool": map[string]any{"filter": f}}
}

// CoverageSearch is the search for one page of coverage over the log
// indices: a composite aggregation on (cloud.account.id, event.dataset)
// with the first and last @timestamp of each bucket, error documents
// excluded. The first page (after nil) also counts the events and accounts
// of each source a guideline needs (a filters aggregation named by the
// source's position in needs()).
func CoverageSearch(w Window, after map[string]any) map[string]any {
	composite := map[string]any{
		"size": coveragePage,
		"sources": []any{
			map[string]any{"account": map[string]any{"terms": map[string]any{"field": fieldAccount, "missing_bucket": true}}},
			map[string]any{"dataset": map[string]any{"terms": map[string]any{"field": fieldDataset, "missing_bucket": true}}},
		},
	}
	if after != nil {
		composite["after"] = after
	}
	aggs := map[string]any{
		"coverage": map[string]any{
			"composite": composite,
			"aggs": map[string]any{
				"first": map[string]any{"min": map[string]any{"field": fieldTimestamp}},
				"last":  map[string]any{"max": map[string]any{"field": fieldTimestamp}},
			},
		},
	}
	if after == nil {
		filters := map[string]any{}
		for i, s := range needs() {
			filters[strconv.Itoa(i)] = needFilter(s)
		}
		aggs["needs"] = map[string]any{
			"filters": map[string]any{"filters": filters},
			"aggs":    map[string]any{"accounts": map[string]any{"terms": map[string]any{"field": fieldAccount, "size": maxNeedAccounts}}},
		}
	}
	return map[string]any{
		"size":             0,
		"track_total_hits": false,
		"query": map[string]any{"bool": map[string]any{
			"filter":   []any{timeRange(fieldTimestamp, w)},
			"must_not": []any{map[string]any{"term": map[string]any{fieldKind: pipelineError}}},
		}},
		"aggs": aggs,
	}
}

// FromSearch builds the report of window w from the domain: the coverage
// aggregation over the log indices, then every alert document of the
// report's rules in the window, each fed to Builder.Match, the counting
// rule the local scan uses. opts.From and opts.To are taken from w.
func FromSearch(ctx context.Context, search Searcher, w Window, opts BuilderOptions, generated time.Time) (*Report, error) {
	if !w.From.Before(w.To) {
		return nil, fmt.Errorf("window %s..%s is empty", timeText(w.From), timeText(w.To))
	}
	opts.From, opts.To, opts.Spec = w.From, w.To, w.Spec
	b := NewBuilder(opts)
	var after map[string]any
	for page := 1; ; page++ {
		body, err := search(ctx, LogIndices, CoverageSearch(w, after))
		if err != nil {
			return nil, fmt.Errorf("coverage search, page %d: %w", page, err)
		}
		next, err := b.addCoverageResponse(body, after == nil)
		if err == nil && next != nil && after != nil && sameJSON(next, after) {
			err = fmt.Errorf("after_key %v did not advance", next)
		}
		if err != nil {
			return nil, fmt.Errorf("coverage search, page %d: %w", page, err)
		}
		if after = next; after == nil {
			break
		}
	}
	var sortAfter []any
	for page := 1; ; page++ {
		body, err := search(ctx, alerts.IndexPattern, AlertsSearch(w, sortAfter))
		if err != nil {
			return nil, fmt.Errorf("alert search, page %d: %w", page, err)
		}
		next, err := b.addAlertsResponse(body)
		if err == nil && next != nil && sortAfter != nil && sameJSON(next, sortAfter) {
			err = fmt.Errorf("sort values %v did not advance", next)
		}
		if err != nil {
			return nil, fmt.Errorf("alert search, page %d: %w", page, err)
		}
		if sortAfter = next; sortAfter == nil {
			break
		}
	}
	return b.Report(generated), nil
}

// sameJSON reports whether two decoded JSON values encode the same.
func sameJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// metric is a min or max aggregation's value: epoch milliseconds, null
// when the bucket has no value.
type metric struct {
	Value *float64 `json:"value"`
}

func (m metric) time() (time.Time, bool) {
	if m.Value == nil || math.IsNaN(*m.Value) || math.IsInf(*m.Value, 0) {
		return time.Time{}, false
	}
	return time.UnixMilli(int64(*m.Value)).UTC(), true
}

type coverageResponse struct {
	Shards struct {
		Total *int `json:"total"`
	} `json:"_shards"`
	Aggregations *struct {
		Coverage *struct {
			AfterKey map[string]any `json:"after_key"`
			Buckets  []struct {
				Key struct {
					Account *string `json:"account"`
					Dataset *string `json:"dataset"`
				} `json:"key"`
				DocCount int64  `json:"doc_count"`
				First    metric `json:"first"`
				Last     metric `json:"last"`
			} `json:"buckets"`
		} `json:"coverage"`
		Needs *struct {
			Buckets map[string]struct {
				DocCount int64 `json:"doc_count"`
				Accounts struct {
					Buckets []struct {
						Key string `json:"key"`
					} `json:"buckets"`
				} `json:"accounts"`
			} `json:"buckets"`
		} `json:"needs"`
	} `json:"aggregations"`
}

// addCoverageResponse adds one coverage page and returns the after key of
// the next page (nil: done). withNeeds: the page carries the needs
// aggregation.
func (b *Builder) addCoverageResponse(body []byte, withNeeds bool) (map[string]any, error) {
	var resp coverageResponse
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, fmt.Errorf("response: %w", err)
	}
	if resp.Aggregations == nil && resp.Shards.Total != nil && *resp.Shards.Total == 0 {
		// No index matched (a domain without log indices yet): the search
		// ran on no shard, and such a response carries no aggregations
		// (InternalSearchResponse.empty()). Nothing was delivered.
		return nil, nil
	}
	if resp.Aggregations == nil || resp.Aggregations.Coverage == nil {
		return nil, fmt.Errorf("response has no coverage aggregation")
	}
	for _, bk := range resp.Aggregations.Coverage.Buckets {
		first, ok1 := bk.First.time()
		last, ok2 := bk.Last.time()
		if bk.DocCount > 0 && (!ok1 || !ok2) {
			return nil, fmt.Errorf("coverage bucket %v has %d events but no first or last @timestamp", bk.Key, bk.DocCount)
		}
		b.addCoverage(deref(bk.Key.Account), deref(bk.Key.Dataset), first, last, bk.DocCount)
	}
	if withNeeds {
		if resp.Aggregations.Needs == nil {
			return nil, fmt.Errorf("response has no needs aggregation")
		}
		for i := range b.needs {
			nb, ok := resp.Aggregations.Needs.Buckets[strconv.Itoa(i)]
			if !ok {
				return nil, fmt.Errorf("needs aggregation has no bucket for %s", b.needs[i].Name)
			}
			b.needEvents[i] += nb.DocCount
			for _, a := range nb.Accounts.Buckets {
				b.needAccts[i][a.Key] = true
			}
		}
	}
	// Fewer buckets than the page size: the last page (the composite
	// aggregation returns up to size buckets, and the report uses no
	// pipeline aggregation that could remove some).
	if len(resp.Aggregations.Coverage.Buckets) < coveragePage {
		return nil, nil
	}
	return resp.Aggregations.Coverage.AfterKey, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

type alertsResponse struct {
	Hits *struct {
		Hits []struct {
			Source *alerts.Document `json:"_source"`
			Sort   []any            `json:"sort"`
		} `json:"hits"`
	} `json:"hits"`
}

// addAlertsResponse feeds one page of alert documents to Match and returns
// the search_after values of the next page (nil: done).
func (b *Builder) addAlertsResponse(body []byte) ([]any, error) {
	var resp alertsResponse
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, fmt.Errorf("response: %w", err)
	}
	if resp.Hits == nil {
		return nil, fmt.Errorf("response has no hits")
	}
	for i, h := range resp.Hits.Hits {
		if h.Source == nil {
			return nil, fmt.Errorf("hit %d has no _source", i)
		}
		b.Match(*h.Source)
	}
	n := len(resp.Hits.Hits)
	if n < alertPage {
		return nil, nil
	}
	last := resp.Hits.Hits[n-1].Sort
	if len(last) == 0 {
		return nil, fmt.Errorf("hit %d has no sort values to page after", n-1)
	}
	return last, nil
}

package report

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// searchResponse is the part of an OpenSearch search response that
// detect.Catalog.ReportQuery asks for.
type searchResponse struct {
	Aggregations *struct {
		Coverage struct {
			Buckets []termBucket `json:"buckets"`
		} `json:"coverage"`
		Guidelines struct {
			Buckets map[string]struct {
				DocCount int64 `json:"doc_count"`
				Accounts struct {
					Buckets []termBucket `json:"buckets"`
				} `json:"accounts"`
				Principals struct {
					Buckets []termBucket `json:"buckets"`
				} `json:"principals"`
				Failed struct {
					DocCount int64 `json:"doc_count"`
				} `json:"failed"`
			} `json:"buckets"`
		} `json:"guidelines"`
	} `json:"aggregations"`
}

type termBucket struct {
	Key       string `json:"key"`
	DocCount  int64  `json:"doc_count"`
	LastEvent *struct {
		Value *float64 `json:"value"` // epoch milliseconds; null without documents
	} `json:"last_event"`
}

func (b termBucket) last() time.Time {
	if b.LastEvent == nil || b.LastEvent.Value == nil || math.IsNaN(*b.LastEvent.Value) {
		return time.Time{}
	}
	return time.UnixMilli(int64(*b.LastEvent.Value)).UTC()
}

// FromSearch fills a report from the OpenSearch response to
// detect.Catalog.ReportQuery over window w: the "guidelines" filters buckets
// give each guideline's count, failures, accounts (with their last event)
// and principals; the "coverage" terms buckets give the last event per
// account. accounts lists the accounts expected to deliver (listed even when
// silent); top bounds the accounts and principals per guideline (0:
// DefaultTop).
func FromSearch(body []byte, w Window, accounts []string, top int, generated time.Time) (*Report, error) {
	var resp searchResponse
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, fmt.Errorf("report search response: %w", err)
	}
	if resp.Aggregations == nil {
		return nil, fmt.Errorf("report search response: no aggregations (was the query detect.Catalog.ReportQuery?)")
	}
	if top <= 0 {
		top = DefaultTop
	}
	r := newReport(w, generated)
	for i := range r.Guidelines {
		g := &r.Guidelines[i]
		b, ok := resp.Aggregations.Guidelines.Buckets[g.ID]
		if !ok {
			return nil, fmt.Errorf("report search response: no bucket for guideline %s", g.ID)
		}
		g.Count, g.Failed = b.DocCount, b.Failed.DocCount
		g.TopAccounts = counts(b.Accounts.Buckets, top)
		g.TopPrincipals = counts(b.Principals.Buckets, top)
	}
	seen := map[string]bool{}
	for _, b := range resp.Aggregations.Coverage.Buckets {
		seen[b.Key] = true
		r.Events += b.DocCount
		r.LastEventPerAccount = append(r.LastEventPerAccount, AccountActivity{Account: b.Key, LastEvent: b.last(), Events: b.DocCount})
	}
	for _, a := range accounts {
		if !seen[a] {
			seen[a] = true
			r.LastEventPerAccount = append(r.LastEventPerAccount, AccountActivity{Account: a})
		}
	}
	sortActivity(r.LastEventPerAccount)
	return r, nil
}

func counts(bs []termBucket, top int) []Count {
	out := make([]Count, 0, len(bs))
	for _, b := range bs {
		out = append(out, Count{Key: b.Key, Count: b.DocCount, Last: b.last()})
	}
	sortCounts(out)
	if len(out) > top {
		out = out[:top]
	}
	return out
}

package report

import (
	"context"
	"testing"
	"time"
)

// FuzzFromSearch checks that any search response either fills a report
// with every guideline or is an error, never a panic.
func FuzzFromSearch(f *testing.F) {
	f.Add([]byte(`{"aggregations":{"coverage":{"buckets":[]},"needs":{"buckets":{"0":{"doc_count":1},"1":{"doc_count":0}}}}}`),
		[]byte(`{"hits":{"hits":[{"_source":{"@timestamp":"2026-11-01T10:00:00Z","orgsiem.kind":"alert","orgsiem.report":"pci-01","rule.id":"r","orgsiem.document.id":"d"},"sort":[1]}]}}`))
	f.Add([]byte(`{"aggregations":{}}`), []byte(`{}`))
	f.Fuzz(func(t *testing.T, coverage, alertsBody []byte) {
		search := func(_ context.Context, indices string, _ map[string]any) ([]byte, error) {
			if indices == LogIndices {
				return coverage, nil
			}
			return alertsBody, nil
		}
		w := Window{From: day, To: day.Add(24 * time.Hour)}
		r, err := FromSearch(context.Background(), search, w, BuilderOptions{Top: 3, Events: 2}, generated)
		if err != nil {
			return
		}
		if len(r.Guidelines) != len(definitions) || !r.Window.From.Equal(w.From) || !r.Window.To.Equal(w.To) {
			t.Fatalf("report %+v", r)
		}
		for _, g := range r.Guidelines {
			if len(g.TopAccounts) > 3 || len(g.TopPrincipals) > 3 || len(g.Events) > 2 || len(g.Trend) != 1 {
				t.Errorf("lists not bounded: %+v", g)
			}
		}
	})
}

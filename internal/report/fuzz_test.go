package report

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzFromSearch checks that any search response either fills a report
// with every guideline or is an error, never a panic.
func FuzzFromSearch(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "search-response.json")); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"aggregations":{}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := FromSearch(body, Window{}, []string{"111111111111"}, 3, time.Time{})
		if err != nil {
			return
		}
		if len(r.Guidelines) != len(definitions) {
			t.Errorf("%d guidelines", len(r.Guidelines))
		}
		for _, g := range r.Guidelines {
			if len(g.TopAccounts) > 3 || len(g.TopPrincipals) > 3 {
				t.Errorf("top lists not bounded: %+v", g)
			}
		}
	})
}

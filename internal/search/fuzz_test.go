package search

import "testing"

// FuzzClassify feeds arbitrary bulk responses to the item classifier: it
// must never panic, and every entry either gets an outcome or is retried.
func FuzzClassify(f *testing.F) {
	f.Add([]byte(`{"errors":false,"items":[{"create":{"status":201}},{"create":{"status":201}}]}`))
	f.Add([]byte(`{"errors":true,"items":[{"create":{"status":409,"error":{"type":"version_conflict_engine_exception","reason":"x"}}},{"create":{"status":429}}]}`))
	f.Add([]byte(`{"errors":true,"items":[{"create":{"status":400,"error":{"type":"mapper_parsing_exception","reason":"r","caused_by":{"type":"t","reason":"c"}}}},{}]}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, resp []byte) {
		ix := &Indexer{ents: make([]entry, 2)}
		retry, err := ix.classify([]int{0, 1}, resp)
		if err != nil {
			return
		}
		retried := map[int]bool{}
		for _, i := range retry {
			retried[i] = true
		}
		for i, e := range ix.ents {
			if e.outcome == 0 && !retried[i] {
				t.Fatalf("entry %d has neither an outcome nor a retry for %s", i, resp)
			}
		}
	})
}

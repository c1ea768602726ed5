package search_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/search"
	"github.com/orgsiem/orgsiem/internal/search/searchtest"
)

// fakeTime is an injected clock and sleeper: sleeping advances the clock.
type fakeTime struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (f *fakeTime) Now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }
func (f *fakeTime) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sleeps = append(f.sleeps, d)
	f.now = f.now.Add(d)
	return ctx.Err()
}

// memSink is a dead-letter sink that keeps what it was given.
type memSink struct {
	got []search.Rejected
	err error
}

func (m *memSink) DeadLetter(_ context.Context, items []search.Rejected) error {
	if m.err != nil {
		return m.err
	}
	for _, it := range items {
		it.Document = append([]byte(nil), it.Document...)
		m.got = append(m.got, it)
	}
	return nil
}

func newClient(t *testing.T, srv *searchtest.Server) *search.Client {
	t.Helper()
	c, err := search.New(search.Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func doc(i int) search.Item {
	return search.Item{
		Index: "log-aws-cloudtrail-2025.05",
		ID:    fmt.Sprintf("id-%03d", i),
		Body:  []byte(fmt.Sprintf(`{"@timestamp":"2025-05-17T10:00:%02dZ","event":{"action":"Test%d"},"cloud":{"account.id":"111122223333"}}`, i%60, i)),
		Ref:   fmt.Sprintf("key.json.gz#%d", i),
	}
}

func TestBulkIndexerMixedItemOutcomes(t *testing.T) {
	srv := searchtest.New(t)
	c := newClient(t, srv)
	// The clock is fake but starts now, so the context's (real) deadline
	// is compared with fake time and never expires during the test.
	clock := &fakeTime{now: time.Now()}
	ctx, cancel := context.WithDeadline(context.Background(), clock.now.Add(15*time.Minute))
	defer cancel()

	// id-000..009: 000-001 exist already (409), 002-003 get 429 twice then
	// succeed, 004 is refused (400), 005 gets a 503 once, the rest are new.
	srv.CreateIndex("log-aws-cloudtrail-2025.05")
	pre, _ := c.NewIndexer(search.IndexerConfig{OnResult: func(search.Result) {}})
	for i := 0; i < 2; i++ {
		if err := pre.Add(ctx, doc(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := pre.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	srv.SetItemFault(func(op searchtest.BulkOp) *searchtest.Fault {
		switch {
		case (op.ID == "id-002" || op.ID == "id-003") && op.Seen <= 2:
			return &searchtest.Fault{Status: 429}
		case op.ID == "id-004":
			return &searchtest.Fault{Status: 400}
		case op.ID == "id-005" && op.Seen == 1:
			return &searchtest.Fault{Status: 503}
		}
		return nil
	})
	sink := &memSink{}
	var results []search.Result
	ix, err := c.NewIndexer(search.IndexerConfig{
		OnResult: func(r search.Result) { results = append(results, r) }, DeadLetter: sink,
		Sleep: clock.Sleep, Now: clock.Now, Rand: func() float64 { return 1 },
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if err := ix.Add(ctx, doc(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.Flush(ctx); err != nil {
		t.Fatalf("flush: %v", err)
	}

	want := map[string]search.Outcome{
		"id-000": search.AlreadyIndexed, "id-001": search.AlreadyIndexed,
		"id-002": search.Indexed, "id-003": search.Indexed,
		"id-004": search.DeadLettered, "id-005": search.Indexed,
	}
	if len(results) != 10 {
		t.Fatalf("got %d results, want one per item (10)", len(results))
	}
	for i, r := range results {
		w, ok := want[r.ID]
		if !ok {
			w = search.Indexed
		}
		if r.Outcome != w {
			t.Errorf("%s: outcome %s, want %s (status %d, %s)", r.ID, r.Outcome, w, r.Status, r.Reason)
		}
		if r.Ref != doc(i).Ref {
			t.Errorf("%s: ref %v, want %v", r.ID, r.Ref, doc(i).Ref)
		}
	}
	// Only the 429s and the 503 were retried: three requests in all, the
	// second carrying 002, 003, 005 and the third 002, 003.
	var bulks []searchtest.Recorded
	for _, r := range srv.Requests() {
		if r.Group == "bulk" {
			bulks = append(bulks, r)
		}
	}
	bulks = bulks[1:] // the pre-load
	if len(bulks) != 3 {
		t.Fatalf("got %d bulk requests, want 3", len(bulks))
	}
	for i, wantIDs := range [][]string{{"id-002", "id-003", "id-005"}, {"id-002", "id-003"}} {
		body := string(bulks[i+1].Body)
		if n := strings.Count(body, `{"create"`); n != len(wantIDs) {
			t.Errorf("retry %d carried %d items, want %v", i+1, n, wantIDs)
		}
		for _, id := range wantIDs {
			if !strings.Contains(body, `"_id":"`+id+`"`) {
				t.Errorf("retry %d lacks %s", i+1, id)
			}
		}
		if !bulks[i+1].Gzipped {
			t.Errorf("retry %d was not gzipped", i+1)
		}
	}
	if len(clock.sleeps) != 2 || clock.sleeps[0] != 200*time.Millisecond || clock.sleeps[1] != 400*time.Millisecond {
		t.Errorf("backoff sleeps %v, want [200ms 400ms]", clock.sleeps)
	}
	if len(sink.got) != 1 || sink.got[0].ID != "id-004" || sink.got[0].ErrorType != "mapper_parsing_exception" || string(sink.got[0].Document) != string(doc(4).Body) {
		t.Errorf("dead letters %+v, want id-004 with its document and reason", sink.got)
	}
	if n := srv.DocCount("log-aws-cloudtrail-2025.05"); n != 9 {
		t.Errorf("index holds %d documents, want 9 (all but the refused one)", n)
	}
	st := ix.Stats()
	if st.Indexed != 7 || st.AlreadyIndexed != 2 || st.DeadLettered != 1 || st.Failed != 0 || st.Requests != 3 || st.RetriedItems != 5 {
		t.Errorf("stats %+v", st)
	}
	if len(srv.Rejections()) != 0 {
		t.Errorf("spec rejections: %v", srv.Rejections())
	}
}

func TestBulkIndexerGivesUp(t *testing.T) {
	cases := []struct {
		name       string
		itemFault  int
		reqFault   int
		sink       *memSink
		deadline   time.Duration
		wantOut    search.Outcome
		wantReason string
		wantSleeps int
	}{
		{name: "items rejected with 429 until the deadline fail", itemFault: 429, sink: &memSink{}, deadline: 3 * time.Second, wantOut: search.Failed, wantReason: "retries exhausted", wantSleeps: 2},
		{name: "a whole-request 429 is retried until the deadline", reqFault: 429, sink: &memSink{}, deadline: 3 * time.Second, wantOut: search.Failed, wantReason: "es_rejected_execution_exception", wantSleeps: 2},
		{name: "a 403 on the request is not retried", reqFault: 403, sink: &memSink{}, deadline: time.Minute, wantOut: search.Failed, wantReason: "bulk request refused"},
		{name: "a refused document fails when the dead-letter sink fails", itemFault: 400, sink: &memSink{err: fmt.Errorf("s3 down")}, deadline: time.Minute, wantOut: search.Failed, wantReason: "dead-letter failed: s3 down"},
		{name: "an item 404 is failed, not dead-lettered", itemFault: 404, sink: &memSink{}, deadline: time.Minute, wantOut: search.Failed, wantReason: "scripted fault"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := searchtest.New(t)
			c := newClient(t, srv)
			if tc.itemFault != 0 {
				srv.SetItemFault(func(searchtest.BulkOp) *searchtest.Fault { return &searchtest.Fault{Status: tc.itemFault} })
			}
			if tc.reqFault != 0 {
				srv.SetRequestFault(func(*http.Request, string) *searchtest.Fault { return &searchtest.Fault{Status: tc.reqFault} })
			}
			// The fake clock runs an hour ahead of the real one, so the
			// context's real deadline (start+deadline) cannot expire during
			// the test while the indexer measures it with fake time.
			start := time.Now().Add(time.Hour)
			clock := &fakeTime{now: start}
			ctx, cancel := context.WithDeadline(context.Background(), start.Add(tc.deadline))
			defer cancel()
			var results []search.Result
			ix, _ := c.NewIndexer(search.IndexerConfig{OnResult: func(r search.Result) { results = append(results, r) },
				DeadLetter: tc.sink, Sleep: clock.Sleep, Now: clock.Now, Rand: func() float64 { return 1 },
				Backoff: search.Backoff{Initial: 500 * time.Millisecond, Max: 10 * time.Second}})
			_ = ix.Add(ctx, doc(1))
			err := ix.Flush(ctx)
			if len(results) != 1 || results[0].Outcome != tc.wantOut || !strings.Contains(results[0].Reason, tc.wantReason) {
				t.Fatalf("results %+v, want one %s mentioning %q", results, tc.wantOut, tc.wantReason)
			}
			if tc.wantOut == search.Failed && err == nil {
				t.Error("Flush returned nil with a failed item")
			}
			if len(clock.sleeps) != tc.wantSleeps {
				t.Errorf("slept %v, want %d sleeps", clock.sleeps, tc.wantSleeps)
			}
		})
	}
}

func TestBulkIndexerSplitsOn413AndBatchesByBytes(t *testing.T) {
	srv := searchtest.New(t)
	c := newClient(t, srv)
	var results []search.Result
	ix, _ := c.NewIndexer(search.IndexerConfig{OnResult: func(r search.Result) { results = append(results, r) }, MaxBatchBytes: 600})
	ctx := context.Background()
	for i := 0; i < 10; i++ {
		if err := ix.Add(ctx, doc(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := ix.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if len(results) != 10 || srv.DocCount("") != 10 {
		t.Fatalf("%d results, %d documents; want 10 each", len(results), srv.DocCount(""))
	}
	st := ix.Stats()
	if st.Requests < 3 {
		t.Errorf("%d requests for 10 documents with a 600-byte batch bound; want several", st.Requests)
	}

	// 413 splitting: requests carrying more than 2 items are too large.
	srv2 := searchtest.New(t)
	c2 := newClient(t, srv2)
	srv2.SetRequestFault(func(r *http.Request, op string) *searchtest.Fault {
		if op != "bulk.0" {
			return nil
		}
		if r.ContentLength > 0 && strings.Count(string(lastBody(srv2)), `{"create"`) > 2 {
			return &searchtest.Fault{Status: 413}
		}
		return nil
	})
	results = nil
	ix2, _ := c2.NewIndexer(search.IndexerConfig{OnResult: func(r search.Result) { results = append(results, r) }})
	for i := 0; i < 8; i++ {
		_ = ix2.Add(ctx, doc(i))
	}
	if err := ix2.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if srv2.DocCount("") != 8 || len(results) != 8 {
		t.Fatalf("after 413 splits: %d documents, %d results; want 8", srv2.DocCount(""), len(results))
	}
	for _, r := range results {
		if r.Outcome != search.Indexed {
			t.Errorf("%s: %s", r.ID, r.Outcome)
		}
	}
}

func lastBody(srv *searchtest.Server) []byte {
	rs := srv.Requests()
	return rs[len(rs)-1].Body
}

func TestBulkIndexerRejectsInvalidItems(t *testing.T) {
	srv := searchtest.New(t)
	c := newClient(t, srv)
	var results []search.Result
	ix, _ := c.NewIndexer(search.IndexerConfig{OnResult: func(r search.Result) { results = append(results, r) }})
	for _, it := range []search.Item{
		{Index: "", ID: "a", Body: []byte(`{}`)},
		{Index: "i", ID: "", Body: []byte(`{}`)},
		{Index: "i", ID: "b", Body: []byte(`[1]`)},
	} {
		if err := ix.Add(context.Background(), it); err == nil {
			t.Errorf("Add(%+v) accepted an invalid item", it)
		}
	}
	if len(results) != 3 || results[0].Outcome != search.Failed || ix.Pending() != 0 {
		t.Errorf("results %+v pending %d", results, ix.Pending())
	}
}

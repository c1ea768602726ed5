package search_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/search"
)

// hungServer accepts every request and never answers: its handler blocks
// until the test ends (no sleeps). It counts the requests it got.
func hungServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	release := make(chan struct{})
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first: unblocks the handlers so Close returns
	return srv, &got
}

// A server that accepts and never answers must not hang the client: one
// attempt ends at the request timeout with an error that says so.
func TestRequestTimeoutOnAHungServer(t *testing.T) {
	srv, got := hungServer(t)
	c, err := search.New(search.Config{URL: srv.URL, RequestTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	err = c.JSON(context.Background(), http.MethodGet, "/_cluster/health", nil, nil)
	if !search.IsTimeout(err) {
		t.Fatalf("got %v, want a timeout error", err)
	}
	if got.Load() != 1 {
		t.Errorf("server saw %d requests, want 1", got.Load())
	}
	// The bulk indexer's attempts are bounded the same way: its item fails
	// with the timeout as reason instead of hanging.
	var results []search.Result
	ix, err := c.NewIndexer(search.IndexerConfig{MaxAttempts: 2, Sleep: func(context.Context, time.Duration) error { return nil },
		OnResult: func(r search.Result) { results = append(results, r) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Add(context.Background(), search.Item{Index: "log-aws-cloudtrail-2025.06", ID: "a", Body: []byte(`{"@timestamp":"2025-06-01T00:00:00Z"}`)}); err != nil {
		t.Fatal(err)
	}
	var ferr *search.FlushError
	if err := ix.Flush(context.Background()); !errors.As(err, &ferr) || len(results) != 1 || results[0].Outcome != search.Failed {
		t.Errorf("bulk against a hung server: %v, results %+v", err, results)
	}
}

// With a caller deadline (a Lambda invocation's), an attempt ends
// DeadlineMargin before it even when the configured timeout is longer,
// and no request is sent when less than the margin is left.
func TestRequestTimeoutBoundedBelowTheDeadline(t *testing.T) {
	srv, got := hungServer(t)
	c, err := search.New(search.Config{URL: srv.URL, RequestTimeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), search.DeadlineMargin+100*time.Millisecond)
	defer cancel()
	err = c.JSON(ctx, http.MethodGet, "/_cluster/health", nil, nil)
	if !search.IsTimeout(err) || ctx.Err() != nil {
		t.Fatalf("got %v (caller context: %v), want a timeout before the caller's deadline", err, ctx.Err())
	}
	short, cancel2 := context.WithTimeout(context.Background(), search.DeadlineMargin/2)
	defer cancel2()
	before := got.Load()
	if err := c.JSON(short, http.MethodGet, "/_cluster/health", nil, nil); !search.IsTimeout(err) {
		t.Errorf("got %v with less than the margin left", err)
	}
	if got.Load() != before {
		t.Error("a request was sent with less than the margin left before the deadline")
	}
	if errors.Is(err, context.Canceled) {
		t.Error("timeout reported as cancellation")
	}
}

func TestDefaultRequestTimeout(t *testing.T) {
	for _, tc := range []struct {
		url  string
		set  time.Duration
		want time.Duration
	}{
		{"https://vpc-orgsiem.eu-west-1.es.amazonaws.com", 0, search.DefaultRequestTimeout},
		{"https://vpc-orgsiem.eu-west-1.es.amazonaws.com", 5 * time.Second, 5 * time.Second},
		{"https://vpc-orgsiem.eu-west-1.es.amazonaws.com", -1, 0},
		{"http://127.0.0.1:9200", 0, 0},
		{"http://127.0.0.1:9200", time.Minute, time.Minute},
	} {
		c, err := search.New(search.Config{URL: tc.url, RequestTimeout: tc.set})
		if err != nil {
			t.Fatal(err)
		}
		if got := c.RequestTimeout(); got != tc.want {
			t.Errorf("%s with %s: %s, want %s", tc.url, tc.set, got, tc.want)
		}
	}
}

package search_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orgsiem/orgsiem/internal/ecs"
	"github.com/orgsiem/orgsiem/internal/logs"
	"github.com/orgsiem/orgsiem/internal/search"
	"github.com/orgsiem/orgsiem/internal/search/searchtest"
)

// cloudTrailBodies normalizes the corpus CloudTrail files into document
// bodies.
func cloudTrailBodies(b *testing.B) []search.Item {
	shared, err := searchtest.SharedDir()
	if err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(shared, "corpus", "cloudtrail", "invictus-ir-aws_dataset", "CloudTrail")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		b.Skipf("corpus absent: %s", dir)
	}
	var items []search.Item
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		_, err = logs.Normalize(context.Background(), logs.Object{Key: "AWSLogs/218007301253/CloudTrail/us-east-1/2023/07/10/" + filepath.Base(f), Type: "cloudtrail", Body: bytes.NewReader(body)},
			func(d *ecs.Document) error {
				items = append(items, search.Item{Index: d.Index(), ID: d.ID, Body: d.AppendJSON(nil), Ref: d.Position})
				return nil
			})
		if err != nil {
			b.Fatal(err)
		}
	}
	return items
}

// acceptAll answers every _bulk request as OpenSearch does when each of
// its n items is created: a fake at the protocol boundary that reads and
// discards the body, so the benchmark measures encoding, compression and
// response handling, not a server. The benchmark's batch bound keeps every
// request at exactly n items.
type acceptAll struct{ resp []byte }

func newAcceptAll(n int) acceptAll {
	var buf bytes.Buffer
	buf.WriteString(`{"took":3,"errors":false,"items":[`)
	buf.WriteString(strings.TrimSuffix(strings.Repeat(`{"create":{"_index":"x","_id":"y","status":201,"result":"created"}},`, n), ","))
	buf.WriteString("]}")
	return acceptAll{resp: buf.Bytes()}
}

func (a acceptAll) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
	}
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(a.resp)), Request: r}, nil
}

func BenchmarkBulkEncodeCloudTrail(b *testing.B) {
	items := cloudTrailBodies(b)
	items = items[:len(items)/500*500] // whole batches
	var raw int64
	for _, it := range items {
		raw += int64(len(it.Body))
	}
	for _, gz := range []bool{true, false} {
		b.Run(fmt.Sprintf("gzip=%v", gz), func(b *testing.B) {
			const batch = 500
			c, err := search.New(search.Config{URL: "http://127.0.0.1:9", Transport: newAcceptAll(batch)})
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			ix, _ := c.NewIndexer(search.IndexerConfig{DisableGzip: !gz, MaxBatchItems: batch, MaxBatchBytes: 1 << 30, OnResult: func(search.Result) {}})
			ctx := context.Background()
			b.SetBytes(raw)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for _, it := range items {
					if err := ix.Add(ctx, it); err != nil {
						b.Fatal(err)
					}
				}
				if err := ix.Flush(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			st := ix.Stats()
			b.ReportMetric(float64(len(items))*float64(b.N)/b.Elapsed().Seconds(), "docs/s")
			b.ReportMetric(float64(st.RawBytes)/float64(st.SentBytes), "compression")
		})
	}
}

package loader

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/ecs"
	"github.com/orgsiem/orgsiem/internal/logs"
	"github.com/orgsiem/orgsiem/internal/search"
)

// bulkSink is an in-process OpenSearch _bulk endpoint at the HTTP
// boundary (an http.RoundTripper): it reads each gzip request body, counts
// its create actions and answers 201 for every item, discarding the
// documents. The benchmarks measure the loader, not a server.
type bulkSink struct{ items, bytes int64 }

func (s *bulkSink) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/_bulk") || r.Body == nil {
		// e.g. the opensearch-go transport's own node stats polling
		return &http.Response{StatusCode: 404, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(`{"error":"not a bulk request"}`)), Request: r}, nil
	}
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, err
		}
		body = zr
	}
	var resp bytes.Buffer
	resp.WriteString(`{"took":1,"errors":false,"items":[`)
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 1<<20), 8<<20)
	n := 0
	for line := 0; sc.Scan(); line++ {
		s.bytes += int64(len(sc.Bytes()) + 1)
		if line%2 == 1 {
			continue
		}
		if n > 0 {
			resp.WriteByte(',')
		}
		n++
		resp.WriteString(`{"create":{"_index":"x","_id":"x","status":201,"result":"created"}}`)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	s.items += int64(n)
	resp.WriteString(`]}`)
	r.Body.Close()
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(&resp), ContentLength: int64(resp.Len()), Request: r}, nil
}

type benchInput struct {
	name, key string
	object    []byte // as stored in S3 (gzip)
	plain     int64  // decompressed bytes
	records   int64  // records read (a flow log's header line is one)
	events    int64  // documents
}

func benchInputs(b *testing.B) []benchInput {
	gz := func(p []byte) []byte {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(p)
		zw.Close()
		return z.Bytes()
	}
	ct := cloudTrailObject(b, 20000)
	zr, _ := gzip.NewReader(bytes.NewReader(ct))
	ctPlain, _ := io.ReadAll(zr)
	flow := vpcFlowObject(100000)
	return []benchInput{
		{"cloudtrail", ctKey, ct, int64(len(ctPlain)), 20000, 20000},
		{"vpcflow", strings.TrimSuffix(flowKey, ".log") + ".log.gz", gz(flow), int64(len(flow)), 100001, 100000},
	}
}

// BenchmarkLoader measures an object through the whole loader (S3 GetObject
// from gofakes3, gunzip, normalization, enrichment lookups, JSON encoding,
// bulk batching and gzip request bodies) against parsing alone
// (logs.Normalize with a discarding callback). MB/s are of decompressed
// log data.
func BenchmarkLoader(b *testing.B) {
	s3s := newS3Server(b)
	for _, in := range benchInputs(b) {
		s3s.put(b, in.key, in.object)
		at := time.Date(2025, 1, 2, 3, 5, 0, 0, time.UTC)
		b.Run("end-to-end/"+in.name, func(b *testing.B) {
			sink := &bulkSink{}
			sc, err := search.New(search.Config{URL: "http://127.0.0.1:9200", Transport: sink})
			if err != nil {
				b.Fatal(err)
			}
			l, err := NewLoader(s3s.client, func(on func(search.Result)) (Indexer, error) {
				return sc.NewIndexer(search.IndexerConfig{OnResult: on})
			}, Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(in.plain)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				p, err := l.Load(context.Background(), ObjectRef{Bucket: testBucket, Key: in.key, Time: at})
				if err != nil || !p.Complete() || p.Records != in.records {
					b.Fatalf("%v %+v", err, p)
				}
			}
			b.ReportMetric(float64(in.events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(sink.bytes)/float64(sink.items), "bulk-bytes/doc")
		})
		b.Run("parse-only/"+in.name, func(b *testing.B) {
			b.SetBytes(in.plain)
			b.ReportAllocs()
			for b.Loop() {
				st, err := logs.Normalize(context.Background(), logs.Object{Key: in.key, Body: bytes.NewReader(in.object), Time: at},
					func(*ecs.Document) error { return nil })
				if err != nil || st.Records != in.records {
					b.Fatal(err, st)
				}
			}
			b.ReportMetric(float64(in.events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// TestBulkSinkCountsItems keeps the benchmark's sink honest.
func TestBulkSinkCountsItems(t *testing.T) {
	sink := &bulkSink{}
	req, _ := http.NewRequest("POST", "http://127.0.0.1:9200/_bulk", strings.NewReader("{\"create\":{}}\n{}\n{\"create\":{}}\n{}\n"))
	resp, err := sink.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if sink.items != 2 || strings.Count(string(body), `"status":201`) != 2 {
		t.Errorf("items %d, body %s", sink.items, body)
	}
}

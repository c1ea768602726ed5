package loader

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"github.com/orgsiem/orgsiem/internal/benchtest"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/orgsiem/orgsiem/internal/alerts"
	"github.com/orgsiem/orgsiem/internal/detect"
	"github.com/orgsiem/orgsiem/internal/ecs"
	"github.com/orgsiem/orgsiem/internal/logs"
	"github.com/orgsiem/orgsiem/internal/search"
	"github.com/orgsiem/orgsiem/internal/simulate"
)

// generatedCloudTrail is a CloudTrail file of n generated records
// (internal/simulate's background traffic: many event names, principals
// and accounts, as the org trail delivers).
func generatedCloudTrail(b *testing.B, n int, seed uint64) []byte {
	var buf bytes.Buffer
	if err := simulate.GenerateCloudTrail(&buf, n, seed); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

func gzipped(p []byte) []byte {
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(p)
	zw.Close()
	return z.Bytes()
}

// BenchmarkDetectVsNormalize runs normalize-only and the loader's path
// without I/O (normalize, event.ingested, the full catalog through the
// loader's detector, each document encoded as the bulk body, each alert
// and signal document built and encoded) alternately on the same
// CloudTrail and reports the path's throughput as a fraction of
// normalize-only (loader/normalize; target 0.70 or above). Both halves see
// the same machine load.
func BenchmarkDetectVsNormalize(b *testing.B) {
	raw := generatedCloudTrail(b, 5000, 1)
	rules, err := BuildRules(nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	det := newDetector(rules, nil)
	var enc ecs.Encoder
	var buf []byte
	var nalerts int64
	add := func(a alerts.Document) {
		it := alertItem(buf, &a, alertRef{Kind: a.Kind, Rule: a.RuleID})
		buf = it.Body
		nalerts++
	}
	now := time.Now()
	obj := func() logs.Object { return logs.Object{Key: ctKey, Body: bytes.NewReader(raw), Time: now} }
	// The catalog alone (the matcher, no alert documents built): how much
	// of the path is rule evaluation.
	bare := rules.Catalog.NewMatcherWith(detect.MatcherOptions{NoWindows: true})
	phases := []func(){
		func() { // normalize only
			if _, err := logs.Normalize(context.Background(), obj(), func(*ecs.Document) error { return nil }); err != nil {
				b.Fatal(err)
			}
		},
		func() { // normalize + the matcher alone
			if _, err := logs.Normalize(context.Background(), obj(), func(d *ecs.Document) error {
				bare.Match(d, func(detect.Alert) {})
				return nil
			}); err != nil {
				b.Fatal(err)
			}
		},
		func() { // the loader's path
			if _, err := logs.Normalize(context.Background(), obj(), func(d *ecs.Document) error {
				d.Event.Ingested = now
				buf = enc.AppendJSON(buf[:0], d)
				det.match(d, now, false, add)
				return nil
			}); err != nil {
				b.Fatal(err)
			}
		},
	}
	var spent [3]time.Duration
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	// The phases take turns in a rotating order, so none always follows
	// the one whose garbage the collector is still working off.
	for i := 0; b.Loop(); i++ {
		for j := range phases {
			k := (i + j) % len(phases)
			t0 := time.Now()
			phases[k]()
			spent[k] += time.Since(t0)
		}
	}
	norm, match, full := spent[0], spent[1], spent[2]
	b.ReportMetric(float64(norm)/float64(full), "loader/normalize")
	b.ReportMetric(float64(norm)/float64(match), "matcher-only/normalize")
	b.ReportMetric(float64(nalerts)/float64(b.N), "alert-docs/op")
}

// BenchmarkSmallObjects loads, through the whole loader (gofakes3
// GetObject, normalize, detect, bulk requests to an in-process _bulk
// sink), a mix of 5-50 KB gzip CloudTrail objects (the org trail's
// few-minute files per account and region) and one large object,
// alternately, and reports the small objects' MB/s as a fraction of the
// large object's (small/large; target 0.60 or above).
func BenchmarkSmallObjects(b *testing.B) {
	s3s := newS3Server(b)
	rng := rand.New(rand.NewPCG(7, 7))
	type obj struct {
		key   string
		plain int64
	}
	var small []obj
	var smallPlain int64
	// Stored (gzip) bytes per generated record, to size the objects.
	perRecord := float64(len(gzipped(generatedCloudTrail(b, 2000, 99)))) / 2000
	minKB, maxKB := 1<<30, 0
	for i := 0; smallPlain < 8<<20; i++ {
		target := 5<<10 + rng.IntN(45<<10)
		raw := generatedCloudTrail(b, max(1, int(float64(target)/perRecord)), uint64(i+2))
		key := fmt.Sprintf("AWSLogs/o-abcd123456/123456789012/CloudTrail/eu-west-1/2025/01/02/123456789012_CloudTrail_eu-west-1_20250102T0305Z_%016d.json.gz", i)
		gz := gzipped(raw)
		minKB, maxKB = min(minKB, len(gz)>>10), max(maxKB, len(gz)>>10)
		s3s.put(b, key, gz)
		small = append(small, obj{key, int64(len(raw))})
		smallPlain += int64(len(raw))
	}
	b.Logf("%d small objects of %d..%d KB stored, %.1f MB decompressed", len(small), minKB, maxKB, float64(smallPlain)/1e6)
	large := generatedCloudTrail(b, 40000, 1)
	s3s.put(b, ctKey, gzipped(large))
	sc, err := search.New(search.Config{URL: "http://127.0.0.1:9200", Transport: &bulkSink{}})
	if err != nil {
		b.Fatal(err)
	}
	l, err := NewLoader(s3s.client, func(on func(search.Result)) (Indexer, error) {
		return sc.NewIndexer(search.IndexerConfig{OnResult: on})
	}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	load := func(key string) {
		p, err := l.Load(context.Background(), ObjectRef{Bucket: testBucket, Key: key, Time: time.Now()})
		if err != nil || !p.Complete() {
			b.Fatalf("%s: %v %+v", key, err, p)
		}
	}
	var tSmall, tLarge time.Duration
	var n int64
	b.SetBytes(smallPlain + int64(len(large)))
	for b.Loop() {
		t0 := time.Now()
		for _, o := range small {
			load(o.key)
		}
		t1 := time.Now()
		load(ctKey)
		tSmall, tLarge = tSmall+t1.Sub(t0), tLarge+time.Since(t1)
		n++
	}
	smallMBs := float64(smallPlain*n) / 1e6 / tSmall.Seconds()
	largeMBs := float64(int64(len(large))*n) / 1e6 / tLarge.Seconds()
	b.ReportMetric(smallMBs, "small-MB/s")
	b.ReportMetric(largeMBs, "large-MB/s")
	b.ReportMetric(smallMBs/largeMBs, "small/large")
	b.ReportMetric(float64(len(small)), "small-objects")
}

// BenchmarkLargeObjectHeap streams one generated CloudTrail object of
// ORGSIEM_BENCH_OBJECT_MB (default 1024) MB through the whole loader and
// reports the peak heap growth: memory is bounded by the batch size, not
// the object (target 64 MB or less). The object is generated as it is
// served by an HTTP server answering GetObject (the S3 REST API: 200 with
// the body), so no copy of it sits in the process. Run with -benchtime 1x.
func BenchmarkLargeObjectHeap(b *testing.B) {
	mb := 1024
	if v, err := strconv.Atoi(os.Getenv("ORGSIEM_BENCH_OBJECT_MB")); err == nil && v > 0 {
		mb = v
	}
	const perRecord = 1150 // bytes per generated record, about
	records := mb << 20 / perRecord
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		cw := &countWriter{w: w}
		simulate.GenerateCloudTrail(cw, records, 3)
		served.Store(cw.n)
	}))
	b.Cleanup(srv.Close)
	client := s3.New(s3.Options{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""), Retryer: aws.NopRetryer{}})
	sink := &bulkSink{}
	sc, err := search.New(search.Config{URL: "http://127.0.0.1:9200", Transport: sink})
	if err != nil {
		b.Fatal(err)
	}
	l, err := NewLoader(client, func(on func(search.Result)) (Indexer, error) {
		return sc.NewIndexer(search.IndexerConfig{OnResult: on})
	}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	key := "AWSLogs/o-abcd123456/123456789012/CloudTrail/eu-west-1/2025/01/02/123456789012_CloudTrail_eu-west-1_20250102T0305Z_Huge0123456789ab.json"
	var peak float64
	var p Part
	for b.Loop() {
		peak = benchtest.PeakHeap(func() {
			p, err = l.Load(context.Background(), ObjectRef{Bucket: testBucket, Key: key, Time: time.Now()})
		})
		if err != nil || !p.Complete() || p.Records != int64(records) {
			b.Fatalf("%v: %d records of %d, %+v", err, p.Records, records, p.Failure)
		}
	}
	b.SetBytes(served.Load())
	b.ReportMetric(peak/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(served.Load())/(1<<20), "object-MB")
	b.ReportMetric(float64(p.Signals+p.Alerts), "alert-docs")
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

package main

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/ecs"
	"github.com/orgsiem/orgsiem/internal/logs"
	"github.com/orgsiem/orgsiem/internal/report"
	"github.com/orgsiem/orgsiem/internal/simulate"
)

// benchRecords is the size of the generated CloudTrail file the scan
// benchmarks read.
const benchRecords = 10000

func benchInput(b testing.TB) []byte {
	b.Helper()
	var buf bytes.Buffer
	if err := simulate.GenerateCloudTrail(&buf, benchRecords, 1); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

var benchInputObject = input{path: "bench/cloudtrail/events.json", loc: archive.Location{LogType: archive.TypeCloudTrail}}

// parseOnly normalizes the input and drops the documents.
func parseOnly(b *testing.B, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		st, err := logs.Normalize(context.Background(), logs.Object{Key: benchInputObject.path, Type: archive.TypeCloudTrail, Body: bytes.NewReader(data)},
			func(*ecs.Document) error { return nil })
		if err != nil || st.Documents != benchRecords {
			b.Fatalf("%d documents, %v", st.Documents, err)
		}
	}
	b.ReportMetric(float64(benchRecords)*float64(b.N)/time.Since(start).Seconds(), "events/s")
}

// fullScan runs the scan's own code path on the input: normalization, the
// full catalog's matcher, the report builder and the alert output (to
// io.Discard, ndjson). The catalog is loaded once, as in a scan.
func fullScan(b *testing.B, data []byte) {
	e := &env{stdout: io.Discard, stderr: io.Discard, now: func() time.Time { return testNow }}
	s, code, ok := newScanner(e, scanCommand(), &scanConfig{format: "ndjson", failOn: "none", minLevel: "informational", maxProblems: 100})
	if !ok {
		b.Fatalf("exit %d", code)
	}
	s.open = func(string) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	ins := []input{benchInputObject}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		s.matcher, s.builder = s.cat.NewMatcher(), report.NewBuilder(report.BuilderOptions{})
		s.stats = scanStats{ObjectsSkipped: map[string]int64{}, Skipped: map[string]int64{}, Alerts: map[string]int64{}}
		s.scanAll(context.Background(), ins)
		s.matcher.Flush(s.alert)
		if s.stats.Documents != benchRecords || s.stats.Errors != 0 || s.stats.Objects != 1 {
			b.Fatalf("stats %+v", s.stats)
		}
	}
	b.ReportMetric(float64(benchRecords)*float64(b.N)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkScanCloudTrail compares the scan with the full catalog against
// parsing alone on the same generated CloudTrail input: rule evaluation must
// not dominate (full-catalog throughput at least half of parse-only).
func BenchmarkScanCloudTrail(b *testing.B) {
	data := benchInput(b)
	b.Run("parse-only", func(b *testing.B) { parseOnly(b, data) })
	b.Run("full-catalog", func(b *testing.B) { fullScan(b, data) })
}

// TestFullCatalogScanIsAtLeastHalfAsFastAsParsing measures both benchmarks
// (best of three each, to resist a busy machine) and checks the ratio, for
// the same work as parse-only plus the rules, on one goroutine.
func TestFullCatalogScanIsAtLeastHalfAsFastAsParsing(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("a timing comparison: not in -short mode or under the race detector")
	}
	data := benchInput(t)
	best := func(fn func(*testing.B, []byte)) float64 {
		var mbs float64
		for range 3 {
			r := testing.Benchmark(func(b *testing.B) { fn(b, data) })
			if r.N == 0 {
				t.Fatal("the benchmark failed")
			}
			mbs = max(mbs, float64(r.Bytes)*float64(r.N)/1e6/r.T.Seconds())
		}
		return mbs
	}
	parse, full := best(parseOnly), best(fullScan)
	t.Logf("parse-only %.1f MB/s, full catalog %.1f MB/s (%.0f%%)", parse, full, 100*full/parse)
	if full < parse/2 {
		t.Errorf("the full-catalog scan runs at %.1f MB/s, less than half of parse-only %.1f MB/s", full, parse)
	}
}

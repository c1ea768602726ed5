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
		parseOnce(b, data)
	}
	b.ReportMetric(float64(benchRecords)*float64(b.N)/time.Since(start).Seconds(), "events/s")
}

func parseOnce(b *testing.B, data []byte) {
	st, err := logs.Normalize(context.Background(), logs.Object{Key: benchInputObject.path, Type: archive.TypeCloudTrail, Body: bytes.NewReader(data)},
		func(*ecs.Document) error { return nil })
	if err != nil || st.Documents != benchRecords {
		b.Fatalf("%d documents, %v", st.Documents, err)
	}
}

// fullScan runs the scan's own code path on the input: normalization, the
// full catalog's matcher, the report builder and the alert output (to
// io.Discard, ndjson).
func fullScan(b *testing.B, data []byte) {
	s := newBenchScanner(b, data)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		scanOnce(b, s)
	}
	b.ReportMetric(float64(benchRecords)*float64(b.N)/time.Since(start).Seconds(), "events/s")
}

// newBenchScanner loads the catalog once, as a scan does, and reads data
// for every input.
func newBenchScanner(b *testing.B, data []byte) *scanner {
	e := &env{stdout: io.Discard, stderr: io.Discard, now: func() time.Time { return testNow }}
	s, code, ok := newScanner(e, scanCommand(), &scanConfig{format: "ndjson", failOn: "none", minLevel: "informational", maxProblems: 100})
	if !ok {
		b.Fatalf("exit %d", code)
	}
	s.open = func(string) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	return s
}

func scanOnce(b *testing.B, s *scanner) {
	s.matcher, s.builder = s.cat.NewMatcher(), report.NewBuilder(report.BuilderOptions{})
	s.stats = scanStats{ObjectsSkipped: map[string]int64{}, Skipped: map[string]int64{}, Alerts: map[string]int64{}}
	s.scanAll(context.Background(), []input{benchInputObject})
	s.matcher.Flush(s.alert)
	if s.stats.Documents != benchRecords || s.stats.Errors != 0 || s.stats.Objects != 1 {
		b.Fatalf("stats %+v", s.stats)
	}
}

// BenchmarkScanCloudTrail measures the scan with the full catalog and
// parsing alone on the same generated CloudTrail input.
func BenchmarkScanCloudTrail(b *testing.B) {
	data := benchInput(b)
	b.Run("parse-only", func(b *testing.B) { parseOnly(b, data) })
	b.Run("full-catalog", func(b *testing.B) { fullScan(b, data) })
}

// BenchmarkScanVsParse runs parse-only and the full-catalog scan
// alternately on the same input and reports the scan's throughput as a
// fraction of parse-only (scan/parse). Both halves see the same machine
// load, so the ratio holds where two rates measured apart would not. Rule
// evaluation must not dominate: the ratio is to stay at 0.5 or above.
func BenchmarkScanVsParse(b *testing.B) {
	data := benchInput(b)
	s := newBenchScanner(b, data)
	var parse, full time.Duration
	for b.Loop() {
		t0 := time.Now()
		parseOnce(b, data)
		t1 := time.Now()
		scanOnce(b, s)
		parse, full = parse+t1.Sub(t0), full+time.Since(t1)
	}
	if full > 0 {
		b.ReportMetric(float64(parse)/float64(full), "scan/parse")
	}
}

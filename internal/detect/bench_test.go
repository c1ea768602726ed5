package detect

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/ecs"
	"github.com/orgsiem/orgsiem/internal/logs"
	"github.com/orgsiem/orgsiem/internal/simulate"
)

// benchDocs normalizes the real CloudTrail files of the corpus
// (invictus-ir dataset, ~2,900 events of a Stratus simulation).
func benchDocs(b *testing.B) ([]ecs.Document, int64) {
	b.Helper()
	root := corpusFS(b)
	if root == "" {
		b.Skip("../shared/corpus is absent")
	}
	files, _ := filepath.Glob(filepath.Join(root, "cloudtrail", "invictus-ir-aws_dataset", "CloudTrail", "*.json"))
	var docs []ecs.Document
	var size int64
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			b.Fatal(err)
		}
		_, err = logs.Normalize(context.Background(), logs.Object{Key: f, Type: "cloudtrail", Body: fh}, func(d *ecs.Document) error {
			docs = append(docs, d.Clone())
			size += int64(len(d.AWS))
			return nil
		})
		fh.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
	if len(docs) == 0 {
		b.Skip("no CloudTrail files in the corpus")
	}
	return docs, size
}

// simulatedDocs normalizes n generated CloudTrail records, the input of
// the CLI's scan benchmark.
func simulatedDocs(tb testing.TB, n int) ([]ecs.Document, int64) {
	tb.Helper()
	var buf bytes.Buffer
	if err := simulate.GenerateCloudTrail(&buf, n, 1); err != nil {
		tb.Fatal(err)
	}
	size := int64(buf.Len())
	var docs []ecs.Document
	_, err := logs.Normalize(context.Background(), logs.Object{Key: "bench/cloudtrail/events.json", Type: "cloudtrail", Body: &buf}, func(d *ecs.Document) error {
		docs = append(docs, d.Clone())
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if len(docs) != n {
		tb.Fatalf("%d documents from %d records", len(docs), n)
	}
	return docs, size
}

// BenchmarkMatcherSimulated matches the embedded catalog against generated
// CloudTrail documents (the input of the CLI's scan benchmark); b.SetBytes
// is the size of the generated file per record.
func BenchmarkMatcherSimulated(b *testing.B) {
	cat, err := Builtin()
	if err != nil {
		b.Fatal(err)
	}
	docs, size := simulatedDocs(b, 10000)
	benchMatch(b, cat, docs, size)
}

func benchMatch(b *testing.B, cat *Catalog, docs []ecs.Document, size int64) {
	m := cat.NewMatcher()
	alerts := 0
	b.SetBytes(size / int64(len(docs)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		m.Match(&docs[i%len(docs)], func(Alert) { alerts++ })
	}
	cpu = cpuTime() - cpu
	b.StopTimer()
	m.Flush(func(Alert) { alerts++ })
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	// CPU time per event resists a busy machine better than wall time.
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/event")
	b.ReportMetric(float64(m.Stats().Evaluations)/float64(b.N), "rules/event")
	b.ReportMetric(float64(cat.Len()), "rules")
}

// BenchmarkMatcherCatalog matches the embedded catalog against real
// CloudTrail documents; b.SetBytes is the size of the original records.
func BenchmarkMatcherCatalog(b *testing.B) {
	cat, err := Builtin()
	if err != nil {
		b.Fatal(err)
	}
	docs, size := benchDocs(b)
	benchMatch(b, cat, docs, size)
}

// BenchmarkIterateOnly is the baseline: touching each document without
// matching.
func BenchmarkIterateOnly(b *testing.B) {
	docs, size := benchDocs(b)
	n := 0
	b.SetBytes(size / int64(len(docs)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d := &docs[i%len(docs)]
		n += len(d.Event.Action) + len(d.AWS)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	if n == 0 {
		b.Fatal("no data")
	}
}

// cpuTime is the CPU time (user and system) the process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkScanSimulated is the scan's hot path without its output:
// normalizing generated CloudTrail and matching each document with the
// full catalog while it is fresh in the cache, against normalizing alone.
// Issue #3 asks the first to run at least half as fast as the second.
func BenchmarkScanSimulated(b *testing.B) {
	const n = 10000
	var buf bytes.Buffer
	if err := simulate.GenerateCloudTrail(&buf, n, 1); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	cat, err := Builtin()
	if err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, match bool) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		cpu := cpuTime()
		for b.Loop() {
			m := cat.NewMatcher()
			alerts := 0
			st, err := logs.Normalize(context.Background(), logs.Object{Key: "bench/cloudtrail/events.json", Type: "cloudtrail", Body: bytes.NewReader(data)},
				func(d *ecs.Document) error {
					if match {
						m.Match(d, func(Alert) { alerts++ })
					}
					return nil
				})
			if err != nil || st.Documents != n {
				b.Fatalf("%d documents, %v", st.Documents, err)
			}
			m.Flush(func(Alert) { alerts++ })
		}
		cpu = cpuTime() - cpu
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(n*b.N), "cpu-ns/event")
	}
	b.Run("parse-only", func(b *testing.B) { run(b, false) })
	b.Run("full-catalog", func(b *testing.B) { run(b, true) })
}

// BenchmarkBuiltin loads the embedded catalog as a process does at cold
// start (scan, the loader Lambda's init); it reports ms/op and allocations.
func BenchmarkBuiltin(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Builtin(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/op")
}

// BenchmarkBuiltinEager loads the embedded catalog parsing every rule's
// inline tests too, as every load did before tests were parsed on demand:
// the ratio to BenchmarkBuiltin, measured in the same run, is what lazy
// tests save at start.
func BenchmarkBuiltinEager(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(builtinRules, "rules"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/op")
}

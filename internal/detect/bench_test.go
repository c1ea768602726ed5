package detect

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/orgsiem/orgsiem/internal/ecs"
	"github.com/orgsiem/orgsiem/internal/logs"
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

// BenchmarkMatcherCatalog matches the embedded catalog against real
// CloudTrail documents; b.SetBytes is the size of the original records.
func BenchmarkMatcherCatalog(b *testing.B) {
	cat, err := Builtin()
	if err != nil {
		b.Fatal(err)
	}
	docs, size := benchDocs(b)
	m := cat.NewMatcher()
	alerts := 0
	b.SetBytes(size / int64(len(docs)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Match(&docs[i%len(docs)], func(Alert) { alerts++ })
	}
	b.StopTimer()
	m.Flush(func(Alert) { alerts++ })
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(m.Stats().Evaluations)/float64(b.N), "rules/event")
	b.ReportMetric(float64(cat.Len()), "rules")
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

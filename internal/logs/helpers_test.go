package logs

// Test harness of internal/logs (shared by every log type's tests).
//
// Golden fixtures (golden_test.go):
//   testdata/<type>/<case>.<ext>[.gz]  →  testdata/<type>/<case>.expected.ndjson
//   Any file but *.expected.ndjson and README* is a case; <case> is the name
//   without ".gz" and its last extension. Each expected line is
//   {"_index":...,"_id":...,"_source":<AppendJSON>} in emit order, then one
//   {"_stats":{...}} line. Refresh: go test ./internal/logs -run TestGolden -update
//   Cases named bad* must yield at least one error document; all others none.
//   TestEveryTypeHasFixtures fails for a registered type without a good case,
//   a bad* case, or with a case lacking its expected file.
//   Error documents get @timestamp fixtureTime (Object.Time).
//
// Helpers (this file):
//   normalizeBytes(t, typ, key, data) result    — Normalize + checkStats
//   normalizeFile(t, typ, path, key) result     — same from a file
//   checkStats(t, st)                           — Records == Documents+Errors+Skipped+Resumed
//   result.docs (deep copies), result.lines (AppendJSON bodies), result.stats,
//   result.errorMessages()
//   docJSON(t, d), lineJSON(t, body) map[string]any; lookup(m, "a.b.c") (any, bool)
//   corpusRoot(t) (skips when ../shared/corpus is absent)
//
// Corpus (corpus_test.go): TestCorpus/<type>/<path below the type folder>
// over ../shared/corpus per MANIFEST.json. Per-type test files may add, in
// a func init():
//   corpusKnownBad["<corpus path>"] = "reason"  — errors allowed, counts unchecked
//   corpusCountNotes["<corpus path>"] = "reason"  — manifest event count means
//     something else; not compared
//   corpusNonEventSkips["<skip reason>"] = true — skips that are not events
//     (e.g. "header"); not compared with the manifest's event count
//   elasticDifferences["<type>"]["<field>"] = "reason" — a deliberate
//     difference from Elastic's expected output (see compareElastic); the
//     field "count" excuses a different number of documents
// A file with a sibling "<file>-expected.json" (Elastic ECS) is compared
// record by record on @timestamp, event.action, event.outcome, source.ip,
// cloud.account.id, cloud.region, user.name.
//
// TestTypeConsistency (corpus_test.go): over all fixtures and corpus
// documents (the corpus is normalized once per test binary, see
// corpusResult), each JSON path has one JSON type per log type, declared
// flat_object paths hold objects, declared paths match their ecs.FieldType,
// and every path outside aws.* is declared in the ecs schema.
//
// Benchmarks: benchNormalize(b, typ, data) sets b.SetBytes(decompressed
// length), b.ReportAllocs and reports MB/cpu-s (CPU time, steadier than
// wall time on a shared machine).

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/orgsiem/orgsiem/internal/sharedtest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// fixtureTime is Object.Time in tests: the @timestamp of error documents.
var fixtureTime = time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)

// fixtureSources routes the user-named log groups of the fixtures (VPC flow
// logs and EventBridge findings have no documented group name; an operator
// configures them) and allow-lists nothing.
var fixtureSources = &Sources{Routes: []LogGroupRoute{
	{LogGroup: "/vpc/flowlogs/prod", Type: "vpcflow"},
	{LogGroup: "/aws/events/guardduty", Type: RouteFinding},
}}

// result is what one Normalize call produced.
type result struct {
	docs  []ecs.Document // deep copies, in emit order
	lines [][]byte       // AppendJSON of each document
	stats Stats
}

func (r result) errorMessages() []string {
	var out []string
	for _, d := range r.docs {
		if d.Event.Kind == KindPipelineError {
			out = append(out, d.Error.Message)
		}
	}
	return out
}

// normalizeBytes normalizes data as an object of type typ stored at key and
// checks that its Stats add up and match the documents emitted.
func normalizeBytes(t testing.TB, typ, key string, data []byte) result {
	t.Helper()
	var r result
	st, err := Normalize(context.Background(),
		Object{Key: key, Type: typ, Body: bytes.NewReader(data), Time: fixtureTime, Sources: fixtureSources},
		func(d *ecs.Document) error {
			r.docs = append(r.docs, d.Clone())
			r.lines = append(r.lines, d.AppendJSON(nil))
			return nil
		})
	if err != nil {
		t.Fatalf("Normalize(%s): %v", key, err)
	}
	r.stats = st
	checkStats(t, st)
	var errs int64
	for _, d := range r.docs {
		if d.Event.Kind == KindPipelineError {
			errs++
		}
	}
	if st.Errors != errs || st.Documents != int64(len(r.docs))-errs {
		t.Errorf("stats say %d documents and %d errors, callback saw %d and %d", st.Documents, st.Errors, int64(len(r.docs))-errs, errs)
	}
	return r
}

// normalizeFile is normalizeBytes over the content of path.
func normalizeFile(t testing.TB, typ, path, key string) result {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return normalizeBytes(t, typ, key, data)
}

// checkStats asserts that every record has exactly one outcome.
func checkStats(t testing.TB, st Stats) {
	t.Helper()
	if !st.Balanced() {
		t.Errorf("stats do not add up: %+v", st)
	}
	for reason, n := range st.Skipped {
		if reason == "" || n <= 0 {
			t.Errorf("skip reason %q counted %d", reason, n)
		}
	}
}

// docJSON decodes the AppendJSON body of d, failing on invalid JSON.
func docJSON(t testing.TB, d *ecs.Document) map[string]any {
	t.Helper()
	return lineJSON(t, d.AppendJSON(nil))
}

// lineJSON decodes one document body (result.lines), failing on invalid
// JSON. Numbers stay json.Number.
func lineJSON(t testing.TB, line []byte) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("document JSON invalid: %v\n%s", err, line)
	}
	return m
}

// lookup walks a dotted path through decoded JSON objects.
func lookup(m map[string]any, path string) (any, bool) {
	var cur any = m
	for _, part := range strings.Split(path, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// corpusRoot is ../shared/corpus from the repository root; the test is
// skipped when it is absent.
func corpusRoot(t testing.TB) string {
	t.Helper()
	return filepath.Dir(sharedtest.Require(t, "corpus", "MANIFEST.json"))
}

// benchNormalize measures Normalize over data as type typ: b.SetBytes is
// the decompressed size, allocations are reported.
func benchNormalize(b *testing.B, typ string, data []byte) {
	b.Helper()
	benchNormalizeLogs(b, typ, data, 0)
}

// benchNormalizeLogs is benchNormalize with the bytes one op counts for
// MB/s set to logBytes when the log data is not the object's decompressed
// content (log events packed inside base64 and gzip); 0 means the
// decompressed size.
func benchNormalizeLogs(b *testing.B, typ string, data []byte, logBytes int64) {
	b.Helper()
	st, err := Normalize(context.Background(), Object{Key: "bench", Type: typ, Body: bytes.NewReader(data)}, func(*ecs.Document) error { return nil })
	if err != nil {
		b.Fatal(err)
	}
	if st.Errors > 0 {
		b.Fatalf("benchmark input yields %d error documents", st.Errors)
	}
	if logBytes == 0 {
		logBytes = st.Bytes
	}
	b.SetBytes(logBytes)
	b.ReportAllocs()
	// Documents are written as the loader writes them: through one
	// ecs.Encoder per object stream.
	var buf []byte
	var enc ecs.Encoder
	b.ResetTimer()
	defer reportCPURate(b, cpuTime(), logBytes)
	for range b.N {
		_, err := Normalize(context.Background(), Object{Key: "bench", Type: typ, Body: bytes.NewReader(data)}, func(d *ecs.Document) error {
			buf = enc.AppendJSON(buf[:0], d)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

package logs

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// cloudTrailBenchRecords returns the records of the CloudTrail fixture
// (testdata/cloudtrail/records.json.gz), each as compact JSON.
func cloudTrailBenchRecords(b *testing.B) [][]byte {
	b.Helper()
	f, err := os.Open("testdata/cloudtrail/records.json.gz")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	var file struct{ Records []json.RawMessage }
	if err := json.NewDecoder(zr).Decode(&file); err != nil {
		b.Fatal(err)
	}
	out := make([][]byte, len(file.Records))
	for i, r := range file.Records {
		out[i] = r
	}
	return out
}

// cloudTrailBenchFile builds an uncompressed {"Records":[...]} object of
// about size bytes from the fixture records.
func cloudTrailBenchFile(b *testing.B, size int) []byte {
	recs := cloudTrailBenchRecords(b)
	buf := []byte(`{"Records":[`)
	for i := 0; len(buf) < size; i++ {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, recs[i%len(recs)]...)
	}
	return append(buf, "]}"...)
}

// cpuTime is the CPU time (user+system, all threads) the process has used.
// Benchmarks report MB per CPU-second beside MB/s: on a shared machine the
// wall-clock rate swings with the load, the CPU rate much less.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPURate reports MB per CPU-second of n bytes per op since start.
func reportCPURate(b *testing.B, start time.Duration, n int64) {
	if used := cpuTime() - start; used > 0 {
		b.ReportMetric(float64(n)*float64(b.N)/used.Seconds()/1e6, "MB/cpu-s")
	}
}

// BenchmarkCloudTrail: parse + map + AppendJSON of a 4 MiB Records file.
func BenchmarkCloudTrail(b *testing.B) {
	benchNormalize(b, "cloudtrail", cloudTrailBenchFile(b, 4<<20))
}

// BenchmarkCloudTrailNaiveBaseline decodes each record of the same input
// into map[string]any and re-encodes it with encoding/json: the yardstick
// BenchmarkCloudTrail must beat by 4x.
func BenchmarkCloudTrailNaiveBaseline(b *testing.B) {
	data := cloudTrailBenchFile(b, 4<<20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPURate(b, cpuTime(), int64(len(data)))
	for range b.N {
		naiveCloudTrail(b, data)
	}
}

// BenchmarkCloudTrailVsBaseline runs the normalizer (with the document
// JSON) and the naive baseline alternately on the same input and reports
// how many times less CPU the normalizer needs (x-baseline): a ratio
// measured in one run, which the load of a shared machine moves far less
// than the two rates measured apart.
func BenchmarkCloudTrailVsBaseline(b *testing.B) {
	data := cloudTrailBenchFile(b, 4<<20)
	b.SetBytes(2 * int64(len(data)))
	var ours, naive time.Duration
	var buf []byte
	var enc ecs.Encoder
	for range b.N {
		start := cpuTime()
		_, err := Normalize(context.Background(), Object{Key: "bench", Type: "cloudtrail", Body: bytes.NewReader(data)}, func(d *ecs.Document) error {
			buf = enc.AppendJSON(buf[:0], d)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		mid := cpuTime()
		naiveCloudTrail(b, data)
		ours, naive = ours+mid-start, naive+cpuTime()-mid
	}
	if ours > 0 {
		b.ReportMetric(float64(naive)/float64(ours), "x-baseline")
	}
}

// naiveCloudTrail is the baseline: every record of a {"Records":[...]}
// file decoded into map[string]any and encoded again.
func naiveCloudTrail(b *testing.B, data []byte) {
	dec := json.NewDecoder(bytes.NewReader(data))
	for range 3 { // {, "Records", [
		if _, err := dec.Token(); err != nil {
			b.Fatal(err)
		}
	}
	for dec.More() {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(m); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCloudWatchLogs: archive lines routed to CloudTrail, Linux and
// generic documents.
func BenchmarkCloudWatchLogs(b *testing.B) {
	benchNormalize(b, "cloudwatchlogs", repeatFile(b, "testdata/cloudwatchlogs/archive.log", 4<<20))
}

// BenchmarkLinux: syslog lines of /var/log/secure.
func BenchmarkLinux(b *testing.B) {
	benchNormalize(b, "linux", repeatFile(b, "testdata/linux/secure.log", 4<<20))
}

// repeatFile repeats the content of path up to about size bytes.
func repeatFile(b *testing.B, path string, size int) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var buf []byte
	for len(buf) < size {
		buf = append(buf, data...)
	}
	return buf
}

// BenchmarkCloudTrailStream1GB streams a generated 1 GiB {"Records":[...]}
// object (produced on the fly, never stored) and reports the peak heap in
// use; it fails above 64 MiB.
func BenchmarkCloudTrailStream1GB(b *testing.B) {
	const size = 1 << 30
	recs := cloudTrailBenchRecords(b)
	b.SetBytes(size)
	b.ReportAllocs()
	var peak uint64
	defer reportCPURate(b, cpuTime(), size)
	for range b.N {
		runtime.GC()
		stop := sampleHeap(&peak)
		var docs int64
		st, err := Normalize(context.Background(), Object{Key: "stream", Type: "cloudtrail", Body: &recordsReader{recs: recs, size: size}},
			func(d *ecs.Document) error {
				docs++
				return nil
			})
		stop()
		if err != nil {
			b.Fatal(err)
		}
		if st.Errors != 0 || st.Documents != docs || st.Bytes < size {
			b.Fatalf("stream: %+v", st)
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	if peak > 64<<20 {
		b.Fatalf("peak heap %d MiB, over 64 MiB", peak>>20)
	}
}

// sampleHeap records the peak of live heap objects every few milliseconds
// until the returned stop function is called.
func sampleHeap(peak *uint64) (stop func()) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > *peak {
				*peak = v
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// recordsReader generates {"Records":[r0,r1,...]} of at least size bytes
// by cycling through recs.
type recordsReader struct {
	recs    [][]byte
	size    int64
	written int64
	i       int
	pending []byte
	closed  bool
}

func (r *recordsReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(r.pending) == 0 {
			switch {
			case r.closed:
				if n == 0 {
					return 0, io.EOF
				}
				return n, nil
			case r.written == 0 && r.i == 0:
				r.pending = []byte(`{"Records":[`)
			case r.written >= r.size:
				r.pending = []byte("]}")
				r.closed = true
			default:
				if r.i > 0 {
					r.pending = append(r.pending[:0], ',')
				}
				r.pending = append(r.pending, r.recs[r.i%len(r.recs)]...)
				r.i++
			}
		}
		c := copy(p[n:], r.pending)
		r.pending = r.pending[c:]
		n += c
		r.written += int64(c)
	}
	return n, nil
}

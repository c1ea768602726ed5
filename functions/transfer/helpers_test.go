package transfer

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"github.com/orgsiem/orgsiem/internal/sharedtest"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/orgsiem/orgsiem/functions/internal/backoff"
)

const (
	testRegion = "eu-west-1"
	testKMSKey = "arn:aws:kms:eu-west-1:999988887777:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
)

func testConfig() Config {
	return Config{Bucket: testBucket, BucketRegion: testRegion, BucketOwner: "999988887777", KMSKeyARN: testKMSKey, Region: testRegion}
}

// harness is a Handler wired to an in-process S3 with a recording backoff.
type harness struct {
	h       *Handler
	s3      *s3Server
	metrics *bytes.Buffer
	logs    *bytes.Buffer
	waits   []time.Duration
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	hs := &harness{s3: newS3Server(t), metrics: &bytes.Buffer{}, logs: &bytes.Buffer{}}
	h, err := New(testConfig(), hs.s3.client,
		WithBackoff(backoff.Policy{Attempts: 4, Sleep: func(_ context.Context, d time.Duration) error {
			hs.waits = append(hs.waits, d)
			return nil
		}}),
		WithMetricsWriter(hs.metrics),
		WithLogger(slog.New(slog.NewJSONHandler(hs.logs, nil))),
		WithClock(func() time.Time { return time.Date(2024, 3, 18, 12, 0, 0, 0, time.UTC) }),
	)
	if err != nil {
		t.Fatal(err)
	}
	hs.h = h
	return hs
}

// lastMetrics decodes the last EMF line written.
func (hs *harness) lastMetrics(t testing.TB) Metrics {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(hs.metrics.String()), "\n")
	var m Metrics
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil {
		t.Fatalf("metrics line %q: %v", lines[len(lines)-1], err)
	}
	return m
}

// wire encodes a decoded subscription document the way CloudWatch Logs
// delivers it to Lambda: gzip, base64, under awslogs.data.
func wire(t testing.TB, doc []byte) events.CloudwatchLogsEvent {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(doc); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return events.CloudwatchLogsEvent{AWSLogs: events.CloudwatchLogsRawData{Data: base64.StdEncoding.EncodeToString(buf.Bytes())}}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// corpusDir returns ../shared/corpus/<sub>, or skips the test when it is absent.
func corpusDir(t testing.TB, sub string) string {
	t.Helper()
	return sharedtest.Require(t, "corpus", sub)
}

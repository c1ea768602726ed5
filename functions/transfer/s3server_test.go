package transfer

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"github.com/orgsiem/orgsiem/internal/s3test"
	"io"
	"net/http"
	"sort"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

const testBucket = "orgsiem-archive-111122223333"

// s3Server is an in-process S3 (gofakes3, in-memory backend) reached by the
// real SDK client over HTTP. It records PutObject request headers and can
// answer with S3 errors to simulate an outage.
type s3Server struct {
	client *s3.Client

	mu       sync.Mutex
	puts     []http.Header
	failures int    // requests still to fail; -1 fails every request
	status   int    // HTTP status of failures
	code     string // S3 error code of failures
}

func newS3Server(t testing.TB) *s3Server {
	t.Helper()
	s := &s3Server{}
	s.client = s3test.New(t, func(fake http.Handler) http.Handler { return s.outage(fake) }, testBucket)
	return s
}

// outage serves through the fake unless a failure is scheduled (fail), and
// records the headers of every successful PUT.
func (s *s3Server) outage(fake http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		fail := s.failures != 0
		if s.failures > 0 {
			s.failures--
		}
		if r.Method == http.MethodPut && !fail {
			s.puts = append(s.puts, r.Header.Clone())
		}
		status, code := s.status, s.code
		s.mu.Unlock()
		if fail {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(status)
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>simulated outage</Message><RequestId>0</RequestId></Error>`, code)
			return
		}
		fake.ServeHTTP(w, r)
	})
}

// fail makes the next n requests (every request when n is -1) answer with
// an S3 error.
func (s *s3Server) fail(n, status int, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures, s.status, s.code = n, status, code
}

func (s *s3Server) putHeaders() []http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]http.Header(nil), s.puts...)
}

// keys lists every key of the bucket.
func (s *s3Server) keys(t testing.TB) []string {
	t.Helper()
	var keys []string
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: aws.String(testBucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	sort.Strings(keys)
	return keys
}

// object reads back one object, gunzipped, with its metadata.
func (s *s3Server) object(t testing.TB, key string) ([]byte, map[string]string) {
	t.Helper()
	out, err := s.client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(testBucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer out.Body.Close()
	raw, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("object %s is not gzip: %v", key, err)
	}
	body, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("object %s: %v", key, err)
	}
	return body, out.Metadata
}

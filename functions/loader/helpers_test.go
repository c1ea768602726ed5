package loader

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/orgsiem/orgsiem/internal/alerts"
	"github.com/orgsiem/orgsiem/internal/detect"
	"github.com/orgsiem/orgsiem/internal/ecs"
	"github.com/orgsiem/orgsiem/internal/logs"
	"github.com/orgsiem/orgsiem/internal/s3test"
	"github.com/orgsiem/orgsiem/internal/search/searchtest"
	"github.com/orgsiem/orgsiem/internal/sharedtest"
)

const (
	testBucket = "orgsiem-archive-111122223333"
	testQueue  = "https://sqs.eu-west-1.amazonaws.com/111122223333/orgsiem-ingest"
)

// corpusRoot is ../shared/corpus beside the repository; tests skip when it
// is absent.
func corpusRoot(t testing.TB) string {
	t.Helper()
	return filepath.Dir(sharedtest.Require(t, "corpus", "MANIFEST.json"))
}

func testCreds() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")
}

// s3Server is an in-process S3 (gofakes3, in-memory) reached by the real
// SDK client over HTTP; it counts GetObject requests.
type s3Server struct {
	client *s3.Client
	mu     sync.Mutex
	gets   int
}

func newS3Server(t testing.TB) *s3Server {
	t.Helper()
	s := &s3Server{}
	s.client = s3test.New(t, func(fake http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet {
				s.mu.Lock()
				s.gets++
				s.mu.Unlock()
			}
			fake.ServeHTTP(w, r)
		})
	}, testBucket)
	return s
}

func (s *s3Server) put(t testing.TB, key string, body []byte) {
	t.Helper()
	_, err := s.client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(testBucket), Key: aws.String(key), Body: bytes.NewReader(body),
	})
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

// keys lists the keys under prefix.
func (s *s3Server) keys(t testing.TB, prefix string) []string {
	t.Helper()
	var keys []string
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: aws.String(testBucket), Prefix: aws.String(prefix)})
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

func (s *s3Server) get(t testing.TB, key string) []byte {
	t.Helper()
	out, err := s.client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(testBucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sqsServer speaks the SQS JSON protocol (application/x-amz-json-1.0,
// X-Amz-Target AmazonSQS.SendMessage) and keeps the bodies sent.
type sqsServer struct {
	client *sqs.Client
	mu     sync.Mutex
	bodies []string
	fail   int // SendMessage calls still to answer with a 500
}

func newSQSServer(t testing.TB) *sqsServer {
	t.Helper()
	s := &sqsServer{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		if got := r.Header.Get("X-Amz-Target"); got != "AmazonSQS.SendMessage" || r.Header.Get("Content-Type") != "application/x-amz-json-1.0" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"__type":"com.amazonaws.sqs#InvalidAction","message":"unexpected target %q"}`, got)
			return
		}
		var in struct {
			QueueURL    string `json:"QueueUrl"`
			MessageBody string `json:"MessageBody"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.QueueURL != testQueue || in.MessageBody == "" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"__type":"com.amazonaws.sqs#InvalidParameterValue","message":"bad request"}`)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.fail > 0 {
			s.fail--
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, `{"__type":"com.amazonaws.sqs#InternalError","message":"simulated"}`)
			return
		}
		s.bodies = append(s.bodies, in.MessageBody)
		sum := md5.Sum([]byte(in.MessageBody))
		fmt.Fprintf(w, `{"MD5OfMessageBody":%q,"MessageId":"msg-%d"}`, hex.EncodeToString(sum[:]), len(s.bodies))
	}))
	t.Cleanup(srv.Close)
	s.client = sqs.New(sqs.Options{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL), Credentials: testCreds(), Retryer: aws.NopRetryer{}})
	return s
}

// take returns and forgets the bodies sent so far.
func (s *sqsServer) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.bodies
	s.bodies = nil
	return b
}

// clock is an injected clock advancing by step on every reading.
type clock struct {
	mu   sync.Mutex
	t    time.Time
	step time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(c.step)
	return c.t
}

func (c *clock) set(t time.Time, step time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t, c.step = t, step
}

// logDocCount is the number of log documents the server holds (alert
// indices left out).
func logDocCount(srv *searchtest.Server) int {
	n := 0
	for _, idx := range srv.Indices() {
		if strings.HasPrefix(idx, "log-aws-") {
			n += srv.DocCount(idx)
		}
	}
	return n
}

// alertKey is what identifies an alert document: its kind, rule and the
// matched document.
type alertKey struct{ kind, rule, docIndex, docID string }

// alertDocs reads every alert document the server holds, checking each is
// in the index and under the _id the contract says.
func alertDocs(t testing.TB, srv *searchtest.Server) map[alertKey]bool {
	t.Helper()
	out := map[alertKey]bool{}
	for _, idx := range srv.Indices() {
		if !strings.HasPrefix(idx, alerts.IndexPrefix) {
			continue
		}
		for _, id := range srv.IDs(idx) {
			src, _ := srv.Document(idx, id)
			var d alerts.Document
			if err := json.Unmarshal(src, &d); err != nil {
				t.Fatalf("%s/%s: %v", idx, id, err)
			}
			if id != alerts.ID(d.RuleID, d.DocID) || idx != alerts.Index(d.Timestamp) || d.Ingested.IsZero() {
				t.Errorf("%s/%s: alert of %s on %s is not under its _id and index, or has no event.ingested", idx, id, d.RuleID, d.DocID)
			}
			out[alertKey{d.Kind, d.RuleID, d.DocIndex, d.DocID}] = true
		}
	}
	return out
}

// referenceAlerts runs the built-in catalog on the normalized objects with
// the matcher alone: the alert documents the loader must have indexed.
func referenceAlerts(t testing.TB, objs []corpusObject, at time.Time) map[alertKey]bool {
	t.Helper()
	cat, err := detect.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	want := map[alertKey]bool{}
	m := cat.NewMatcherWith(detect.MatcherOptions{NoWindows: true, Signal: func(a detect.Alert) {
		want[alertKey{alerts.KindSignal, a.RuleID, a.Index, a.DocID}] = true
	}})
	for _, o := range objs {
		_, err := logs.Normalize(context.Background(), logs.Object{Key: o.key, Body: bytes.NewReader(o.body), Time: at}, func(d *ecs.Document) error {
			m.Match(d, func(a detect.Alert) { want[alertKey{alerts.KindAlert, a.RuleID, a.Index, a.DocID}] = true })
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", o.key, err)
		}
	}
	return want
}

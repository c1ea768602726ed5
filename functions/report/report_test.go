package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/orgsiem/orgsiem/internal/s3test"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	rpt "github.com/orgsiem/orgsiem/internal/report"
	"github.com/orgsiem/orgsiem/internal/search"
	"github.com/orgsiem/orgsiem/internal/search/searchtest"
)

const (
	testBucket = "orgsiem-snapshots-222233334444-eu-west-1"
	testTopic  = "arn:aws:sns:eu-west-1:222233334444:orgsiem-alerts"
)

func creds() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")
}

// snsServer speaks the SNS Query protocol (form-encoded Action=Publish,
// XML response) and keeps what was published.
type snsServer struct {
	client *sns.Client
	mu     sync.Mutex
	posts  []url.Values
}

func newSNSServer(t *testing.T) *snsServer {
	s := &snsServer{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, err := url.ParseQuery(string(body))
		w.Header().Set("Content-Type", "text/xml")
		if err != nil || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || form.Get("Action") != "Publish" ||
			form.Get("Version") != "2010-03-31" || form.Get("TopicArn") == "" || form.Get("Message") == "" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameter</Code><Message>bad publish</Message></Error><RequestId>1</RequestId></ErrorResponse>`)
			return
		}
		s.mu.Lock()
		s.posts = append(s.posts, form)
		n := len(s.posts)
		s.mu.Unlock()
		fmt.Fprintf(w, `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>msg-%d</MessageId></PublishResult><ResponseMetadata><RequestId>req-%d</RequestId></ResponseMetadata></PublishResponse>`, n, n)
	}))
	t.Cleanup(srv.Close)
	s.client = sns.New(sns.Options{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL), Credentials: creds(), Retryer: aws.NopRetryer{}})
	return s
}

func newS3(t *testing.T) *s3.Client { return s3test.New(t, nil, testBucket) }

func TestReport(t *testing.T) {
	srv := searchtest.New(t)
	ev := newEvaluator(srv)
	sc, err := search.New(search.Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 6, 1, 6, 0, 0, 0, time.UTC)
	fx := buildFixture(t, now.Add(-24*time.Hour), nil)
	fx.index(t, sc, ev)
	s3c, snsSrv := newS3(t), newSNSServer(t)
	r, err := New(Config{Bucket: testBucket, TopicARN: testTopic, Window: "24h"}, sc, s3c, snsSrv.client, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	resp, err := r.Handle(context.Background(), Request{Action: "report"})
	if err != nil {
		t.Fatal(err)
	}
	for _, rej := range srv.Rejections() {
		t.Errorf("the test server refused %s %s: %v", rej.Method, rej.Path, rej.Err)
	}
	for _, e := range ev.errs {
		t.Errorf("a search used a construct the evaluator does not model: %s", e)
	}

	t.Run("the report reads alert documents and log coverage, never rules compiled to DSL", func(t *testing.T) {
		var paths []string
		for _, req := range srv.Requests() {
			if strings.Contains(req.Path, "_search") {
				p, _ := url.PathUnescape(req.Path[:strings.Index(req.Path, "?")])
				paths = append(paths, p)
				if bytes.Contains(req.Body, []byte("wildcard")) || bytes.Contains(req.Body, []byte("regexp")) || bytes.Contains(req.Body, []byte("requestParameters")) {
					t.Errorf("search %s queries raw log fields: %s", req.Path, req.Body)
				}
			}
		}
		if !slices.Equal(paths, []string{"/log-aws-*/_search", "/orgsiem-alerts-*/_search"}) {
			t.Errorf("searches %v", paths)
		}
	})

	t.Run("the report carries the counts of the alert documents", func(t *testing.T) {
		g := resp.Report.Guidelines
		if g[0].ID != "pci-01" || g[0].Count != 1 || g[0].Status != rpt.StatusFindings || len(g[0].Events) != 1 || g[0].Events[0].Action == "" {
			t.Errorf("pci-01 %+v", g[0])
		}
		if resp.Report.Events != int64(len(fx.docs)) || len(resp.Report.Coverage) == 0 {
			t.Errorf("events %d of %d, coverage %+v", resp.Report.Events, len(fx.docs), resp.Report.Coverage)
		}
		if !resp.Report.Window.To.Equal(now) || !resp.Report.Window.From.Equal(now.Add(-24*time.Hour)) {
			t.Errorf("window %+v", resp.Report.Window)
		}
	})

	t.Run("the text is published to the topic", func(t *testing.T) {
		if len(snsSrv.posts) != 1 {
			t.Fatalf("%d publishes", len(snsSrv.posts))
		}
		p := snsSrv.posts[0]
		var want bytes.Buffer
		if err := rpt.Text(&want, resp.Report); err != nil {
			t.Fatal(err)
		}
		if p.Get("TopicArn") != testTopic || p.Get("Subject") != "Logging Compliance Report 2025-06-01" || p.Get("Message") != want.String() || resp.MessageID != "msg-1" {
			t.Errorf("published %v (message id %q)", p, resp.MessageID)
		}
		if !strings.Contains(p.Get("Message"), "FINDINGS: 1 event indicating use of the AWS root user") {
			t.Errorf("message:\n%s", p.Get("Message"))
		}
	})

	t.Run("JSON and HTML are stored in the report bucket", func(t *testing.T) {
		jk, hk := Keys(resp.Report)
		if resp.JSONKey != jk || resp.HTMLKey != hk || !strings.HasPrefix(jk, "reports/2025/06/01/") {
			t.Fatalf("keys %q %q", resp.JSONKey, resp.HTMLKey)
		}
		get := func(key string) []byte {
			out, err := s3c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(testBucket), Key: aws.String(key)})
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			defer out.Body.Close()
			b, _ := io.ReadAll(out.Body)
			return b
		}
		var back rpt.Report
		if err := json.Unmarshal(get(jk), &back); err != nil || back.Guidelines[0].Count != 1 {
			t.Errorf("stored JSON: %v %+v", err, back.Guidelines)
		}
		var want bytes.Buffer
		if err := rpt.HTML(&want, resp.Report); err != nil {
			t.Fatal(err)
		}
		if html := get(hk); !bytes.Equal(html, want.Bytes()) || !bytes.Contains(html, []byte("<html")) {
			t.Errorf("stored HTML differs from the rendering (%d bytes)", len(html))
		}
	})

	t.Run("the report is a document in reports-YYYY.MM", func(t *testing.T) {
		idx, id, _ := strings.Cut(resp.Document, "/")
		if idx != "reports-2025.06" {
			t.Errorf("index %q", idx)
		}
		src, ok := srv.Document(idx, id)
		if !ok {
			t.Fatalf("document %s not stored", resp.Document)
		}
		var d struct {
			Timestamp  time.Time       `json:"@timestamp"`
			Guidelines []rpt.Guideline `json:"guidelines"`
		}
		if err := json.Unmarshal(src, &d); err != nil || !d.Timestamp.Equal(now) || len(d.Guidelines) != 10 {
			t.Errorf("document %s: %v", src, err)
		}
	})

	t.Run("a dry run delivers nothing", func(t *testing.T) {
		before := len(srv.Requests())
		out, err := r.Handle(context.Background(), Request{Window: "now-7d", DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if out.JSONKey != "" || out.MessageID != "" || out.Document != "" || len(snsSrv.posts) != 1 || len(srv.Requests()) != before+2 {
			t.Errorf("dry run delivered: %+v", out)
		}
		if !out.Report.Window.From.Equal(now.AddDate(0, 0, -7)) || out.Report.Window.Spec != "now-7d" {
			t.Errorf("window %+v", out.Report.Window)
		}
	})
}

func TestParseWindow(t *testing.T) {
	now := time.Date(2025, 6, 1, 6, 0, 0, 0, time.UTC)
	tests := []struct {
		spec string
		want time.Duration
		ok   bool
	}{
		{"now-1d", 24 * time.Hour, true},
		{"24h", 24 * time.Hour, true},
		{"now-90m", 90 * time.Minute, true},
		{"2w", 14 * 24 * time.Hour, true},
		{"", 0, false},
		{"now", 0, false},
		{"now-0d", 0, false},
		{"-1d", 0, false},
		{"400d", 0, false},
		{"yesterday", 0, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q is accepted: %v", tt.spec, tt.ok), func(t *testing.T) {
			w, err := ParseWindow(tt.spec, now)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v", err)
			}
			if tt.ok && (!w.To.Equal(now) || w.To.Sub(w.From) != tt.want || w.Spec != tt.spec) {
				t.Errorf("window %+v", w)
			}
		})
	}
}

func TestUnknownActionIsRefused(t *testing.T) {
	srv := searchtest.New(t)
	sc, _ := search.New(search.Config{URL: srv.URL})
	r, err := New(Config{}, sc, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Handle(context.Background(), Request{Action: "configure"}); err == nil || !strings.Contains(err.Error(), "unknown action") {
		t.Errorf("got %v", err)
	}
	if len(srv.Requests()) != 0 {
		t.Error("an unknown action reached the domain")
	}
}

// TestErrorsSayEachThingOnce: a refused search reads as one chain of
// distinct contexts (the report, the search and page, the request, the
// domain's reason), never "report: report: search".
func TestErrorsSayEachThingOnce(t *testing.T) {
	srv := searchtest.New(t)
	srv.SetRequestFault(func(r *http.Request, op string) *searchtest.Fault {
		return &searchtest.Fault{Status: 400, Type: "search_phase_execution_exception", Reason: "all shards failed"}
	})
	sc, _ := search.New(search.Config{URL: srv.URL})
	r, err := New(Config{Window: "24h"}, sc, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Handle(context.Background(), Request{DryRun: true})
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	t.Log(msg)
	for _, word := range []string{"report", "search", "log-aws-"} {
		if n := strings.Count(msg, word+":"); n > 1 {
			t.Errorf("%q appears %d times as a context: %s", word+":", n, msg)
		}
	}
	if !strings.Contains(msg, "coverage search, page 1") || !strings.Contains(msg, "all shards failed") {
		t.Errorf("message %q", msg)
	}
}

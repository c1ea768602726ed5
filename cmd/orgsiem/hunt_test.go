package main

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/orgsiem/orgsiem/functions/loader"
)

const huntQueue = "https://sqs.eu-west-1.amazonaws.com/333333333333/orgsiem-ingest"

// sqsBatchServer speaks the SQS JSON protocol for SendMessageBatch
// (POST, Content-Type application/x-amz-json-1.0, X-Amz-Target
// AmazonSQS.SendMessageBatch) with the limits of the Amazon SQS API
// Reference, SendMessageBatch: at most 10 entries
// (TooManyEntriesInBatchRequest), distinct entry ids of at most 80
// alphanumeric, hyphen or underscore characters (BatchEntryIdsNotDistinct,
// InvalidBatchEntryId), and the bodies together at most 262,144 bytes
// (BatchRequestTooLong). Partial failures come back in Failed with
// SenderFault, under HTTP 200, as SQS answers them; MD5OfMessageBody is the
// MD5 of the body, which the SDK checks.
type sqsBatchServer struct {
	mu       sync.Mutex
	bodies   []string
	requests int
	failOnce map[int]bool // the Nth entry overall fails once (SenderFault false)
	seen     int
}

var sqsEntryID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

func newSQSBatchServer(t *testing.T) (*sqsBatchServer, string) {
	s := &sqsBatchServer{failOnce: map[int]bool{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		fail := func(typ, msg string) {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"__type":"com.amazonaws.sqs#%s","message":%q}`, typ, msg)
		}
		if r.Header.Get("X-Amz-Target") != "AmazonSQS.SendMessageBatch" || r.Header.Get("Content-Type") != "application/x-amz-json-1.0" {
			fail("InvalidAction", "unexpected "+r.Header.Get("X-Amz-Target"))
			return
		}
		var in struct {
			QueueURL string `json:"QueueUrl"`
			Entries  []struct{ Id, MessageBody string }
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.QueueURL != huntQueue {
			fail("InvalidParameterValue", "bad request")
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.requests++
		size, ids := 0, map[string]bool{}
		for _, e := range in.Entries {
			if !sqsEntryID.MatchString(e.Id) {
				fail("InvalidBatchEntryId", e.Id)
				return
			}
			if ids[e.Id] {
				fail("BatchEntryIdsNotDistinct", e.Id)
				return
			}
			ids[e.Id] = true
			size += len(e.MessageBody)
		}
		switch {
		case len(in.Entries) == 0:
			fail("EmptyBatchRequest", "no entries")
			return
		case len(in.Entries) > 10:
			fail("TooManyEntriesInBatchRequest", fmt.Sprintf("%d entries", len(in.Entries)))
			return
		case size > 262144:
			fail("BatchRequestTooLong", fmt.Sprintf("%d bytes", size))
			return
		}
		var ok, failed []map[string]any
		for _, e := range in.Entries {
			s.seen++
			if s.failOnce[s.seen] {
				failed = append(failed, map[string]any{"Id": e.Id, "SenderFault": false, "Code": "InternalError", "Message": "simulated"})
				continue
			}
			s.bodies = append(s.bodies, e.MessageBody)
			sum := md5.Sum([]byte(e.MessageBody))
			ok = append(ok, map[string]any{"Id": e.Id, "MessageId": fmt.Sprintf("m%d", len(s.bodies)), "MD5OfMessageBody": hex.EncodeToString(sum[:])})
		}
		json.NewEncoder(w).Encode(map[string]any{"Successful": ok, "Failed": failed})
	}))
	t.Cleanup(srv.Close)
	return s, srv.URL
}

const huntRule = `title: Object read from bucket b
id: site-get-object-b
status: experimental
description: Site rule for tests.
author: site
license: Apache-2.0
source: site
logsource: {product: aws, service: cloudtrail}
detection:
  selection:
    eventName: GetObject
    requestParameters.bucketName: b
  condition: selection
level: low
tests:
  - name: a read of b fires
    match: true
    event: {eventTime: '2025-01-02T03:00:00Z', eventSource: s3.amazonaws.com, eventName: GetObject, eventID: t1, recipientAccountId: '123456789012', requestParameters: {bucketName: b}}
  - name: a read of another bucket does not
    match: false
    event: {eventTime: '2025-01-02T03:00:00Z', eventSource: s3.amazonaws.com, eventName: GetObject, eventID: t2, recipientAccountId: '123456789012', requestParameters: {bucketName: c}}
`

func TestHuntSendsObjectReferencesInAlertOnlyMode(t *testing.T) {
	s3c, s3URL := newArchive(t)
	q, qURL := newSQSBatchServer(t)
	awsEnv(t, map[string]string{"AWS_ENDPOINT_URL_S3": s3URL, "AWS_ENDPOINT_URL_SQS": qURL})
	// 23 CloudTrail files within the last 90 days of testNow (2026-11-05),
	// one older, one of no known layout.
	var want []string
	for i := 0; i < 23; i++ {
		key := fmt.Sprintf("AWSLogs/o-abcd123456/123456789012/CloudTrail/eu-west-1/2026/10/%02d/123456789012_CloudTrail_eu-west-1_202610%02dT0305Z_%016d.json.gz", i+1, i+1, i)
		putObject(t, s3c, key, "x")
		want = append(want, key)
	}
	putObject(t, s3c, "AWSLogs/o-abcd123456/123456789012/CloudTrail/eu-west-1/2026/01/01/123456789012_CloudTrail_eu-west-1_20260101T0305Z_old.json.gz", "x")
	putObject(t, s3c, "AWSLogs/readme.txt", "x")
	dir := t.TempDir()
	rule := filepath.Join(dir, "site-get-object-b.yml")
	os.WriteFile(rule, []byte(huntRule), 0o600)
	q.failOnce[4] = true // the 4th entry fails once without sender fault: retried

	r := runCLI(t, "hunt", "--rule", rule, "--since", "90d", "--bucket", remoteBucket, "--prefix", "AWSLogs/", "--queue-url", huntQueue, "--no-notify")
	if r.code != exitOK || !strings.Contains(r.stdout, "23 listed, 23 sent") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if q.requests != 4 { // 10 + 10 + 3, then the retried entry
		t.Errorf("%d SendMessageBatch requests, want 4", q.requests)
	}
	got := map[string]bool{}
	for _, b := range q.bodies {
		m, err := loader.ParseMessage(b)
		if err != nil || len(m.Objects) != 1 {
			t.Fatalf("body %s: %v", b, err)
		}
		o := m.Objects[0]
		if !o.AlertsOnly || !o.NoNotify || len(o.RuleFiles) != 1 || o.RuleFiles[0].Text != huntRule || o.Bucket != remoteBucket {
			t.Errorf("message %+v", o)
		}
		got[o.Key] = true
	}
	for _, k := range want {
		if !got[k] {
			t.Errorf("%s not sent", k)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d objects sent, want %d", len(got), len(want))
	}

	t.Run("a broken rule is refused before anything is sent", func(t *testing.T) {
		bad := filepath.Join(dir, "site-bad.yml")
		os.WriteFile(bad, []byte(strings.ReplaceAll(huntRule, "site-get-object-b", "site-bad")+"  - oops\n"), 0o600)
		before := q.requests
		r := runCLI(t, "hunt", "--rule", bad, "--since", "90d", "--bucket", remoteBucket, "--queue-url", huntQueue)
		if r.code == exitOK || q.requests != before || !strings.Contains(r.stderr, "site-bad") {
			t.Errorf("exit %d, %d requests\n%s", r.code, q.requests-before, r.stderr)
		}
	})
	t.Run("usage errors", func(t *testing.T) {
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"hunt", "--since", "90d", "--bucket", "b", "--queue-url", "q"}, "no rule"},
			{[]string{"hunt", "--rule-id", "x", "--bucket", "b", "--queue-url", "q"}, "--since is required"},
			{[]string{"hunt", "--rule-id", "x", "--since", "90d", "--queue-url", "q"}, "--bucket is required"},
			{[]string{"hunt", "--rule-id", "x", "--since", "90d", "--bucket", "b"}, "--queue-url is required"},
		} {
			r := runCLI(t, tc.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("%v: exit %d, stderr %q", tc.args, r.code, r.stderr)
			}
		}
	})
}

package loader

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/orgsiem/orgsiem/internal/accountdir"
	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/ecs"
	"github.com/orgsiem/orgsiem/internal/logs"
	"github.com/orgsiem/orgsiem/internal/search"
	"github.com/orgsiem/orgsiem/internal/search/searchtest"
)

// rig is a loader wired to protocol fakes: gofakes3, the SQS and
// Organizations JSON protocol servers and the spec-validating OpenSearch
// server.
type rig struct {
	s3      *s3Server
	sqs     *sqsServer
	os      *searchtest.Server
	clock   *clock
	handler *Handler
	metrics bytes.Buffer

	mu    sync.Mutex
	parts []Part
}

type rigOptions struct {
	margin      time.Duration
	maxAttempts int    // bulk indexer attempts per item (0: until the deadline)
	rules       *Rules // nil: the built-in catalog
	// cfg's retention and, with trust, its trust settings go through the
	// handler's own wiring (search.Retention, Config.sources with the
	// rig's account directory, which knows one account). Without trust
	// the loader allow-lists nothing and believes every account, as the
	// reference matcher of the corpus tests does.
	cfg   Config
	trust bool
}

func newRig(t *testing.T, o rigOptions) *rig {
	t.Helper()
	r := &rig{s3: newS3Server(t), sqs: newSQSServer(t), os: searchtest.New(t), clock: &clock{}}
	r.s3.put(t, archive.DirectoryKey, directoryObject(t, accountdir.Account{ID: "123456789012", Name: "prod-payments", OU: "/Workloads/Prod"}))
	r.clock.set(time.Now(), 0)
	sc, err := search.New(search.Config{URL: r.os.URL})
	if err != nil {
		t.Fatal(err)
	}
	sink := &search.S3DeadLetter{Bucket: testBucket, Client: r.s3.client}
	l, err := NewLoader(r.s3.client, func(on func(search.Result)) (Indexer, error) {
		return sc.NewIndexer(search.IndexerConfig{
			OnResult: on, DeadLetter: sink, MaxAttempts: o.maxAttempts,
			Sleep: func(context.Context, time.Duration) error { return nil }, // no real waits
			Rand:  func() float64 { return 0.5 },
		})
	}, func() Options {
		accounts := NewAccounts(r.s3.client, testBucket, 0, r.clock.Now)
		var sources logs.Sources
		if o.trust {
			sources = o.cfg.sources(accounts)
		}
		return Options{
			Accounts:       accounts,
			Sources:        sources,
			Retention:      search.Retention{Days: o.cfg.HotIndexDays},
			DeadlineMargin: o.margin,
			Now:            r.clock.Now,
			Log:            slog.New(slog.NewTextHandler(io.Discard, nil)),
			Rules:          o.rules,
		}
	}())
	if err != nil {
		t.Fatal(err)
	}
	r.handler, err = NewHandler(l, r.sqs.client, testQueue, HandlerOptions{
		Metrics: &r.metrics,
		OnPart: func(p Part) {
			r.mu.Lock()
			r.parts = append(r.parts, p)
			r.mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// takeParts returns and forgets the parts loaded so far.
func (r *rig) takeParts() []Part {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.parts
	r.parts = nil
	return p
}

// deliver runs one invocation over the message bodies.
func (r *rig) deliver(t *testing.T, ctx context.Context, bodies ...string) events.SQSEventResponse {
	t.Helper()
	ev := events.SQSEvent{}
	for i, b := range bodies {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: fmt.Sprintf("m%d", i), Body: b, EventSource: "aws:sqs"})
	}
	resp, err := r.handler.Handle(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	checkNoRejections(t, r.os)
	return resp
}

// checkNoRejections fails the test when the server refused any request the
// loader's client sent (including background requests of the transport,
// which the search client switches off).
func checkNoRejections(t *testing.T, srv *searchtest.Server) {
	t.Helper()
	for _, rej := range srv.Rejections() {
		t.Fatalf("the spec-validating server refused %s %s: %v", rej.Method, rej.Path, rej.Err)
	}
}

// notification is an S3 event notification for key, as S3 sends it
// (the key URL-encoded).
func notification(key string, at time.Time) string {
	ev := events.S3Event{Records: []events.S3EventRecord{{
		EventVersion: "2.1", EventSource: "aws:s3", AWSRegion: "eu-west-1", EventTime: at, EventName: "ObjectCreated:Put",
		S3: events.S3Entity{Bucket: events.S3Bucket{Name: testBucket}, Object: events.S3Object{Key: s3EscapeKey(key)}},
	}}}
	b, _ := json.Marshal(ev)
	return string(b)
}

// s3EscapeKey encodes a key as S3 event notifications do
// (application/x-www-form-urlencoded: space as '+').
func s3EscapeKey(key string) string {
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.IndexByte("-_.*/", c) >= 0:
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// reference normalizes body alone: the records, outcomes and _ids the
// loader must account for.
type reference struct {
	stats logs.Stats
	ids   map[docKey]bool // the distinct index/_id pairs
}

type docKey struct{ index, id string }

func normalizeReference(t testing.TB, key string, body []byte, at time.Time) reference {
	t.Helper()
	ref := reference{ids: map[docKey]bool{}}
	st, err := logs.Normalize(context.Background(), logs.Object{Key: key, Body: bytes.NewReader(body), Time: at}, func(d *ecs.Document) error {
		ref.ids[docKey{d.Index(), d.ID}] = true
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	ref.stats = st
	return ref
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// corpusFolderTypes maps the shared corpus folders to log types (the typed
// key prefix the test stores each file under).
var corpusFolderTypes = map[string]string{
	"cloudtrail": archive.TypeCloudTrail, "vpcflow": archive.TypeVPCFlow, "waf": archive.TypeWAF, "elb": archive.TypeELB,
	"s3_access": archive.TypeS3Access, "cloudfront": archive.TypeCloudFront, "route53_resolver": archive.TypeRoute53Resolver,
	"guardduty": archive.TypeGuardDuty, "securityhub": archive.TypeSecurityHub, "network_firewall": archive.TypeNetworkFirewall,
	"cloudwatch_logs": archive.TypeCloudWatchLogs, "linux_secure": archive.TypeLinux,
}

type corpusObject struct {
	file, key string
	body      []byte
}

// corpusObjects returns every log input of the shared corpus (manifest
// entries with an event count that are neither docs nor expected outputs)
// under the typed-prefix key <type>/<corpus path without its folder>.
func corpusObjects(t *testing.T) []corpusObject {
	root := corpusRoot(t)
	data, err := os.ReadFile(filepath.Join(root, "MANIFEST.json"))
	if err != nil {
		t.Fatal(err)
	}
	var entries []struct {
		File   string `json:"file"`
		Kind   string `json:"kind"`
		Events *int64 `json:"events"`
	}
	if err := json.Unmarshal(data, &entries); err != nil {
		t.Fatal(err)
	}
	var out []corpusObject
	for _, e := range entries {
		folder, rest, _ := strings.Cut(e.File, "/")
		typ, ok := corpusFolderTypes[folder]
		if !ok || e.Events == nil || strings.HasPrefix(e.Kind, "doc") || strings.HasPrefix(e.Kind, "EXPECTED") || e.Kind == "provenance index" {
			continue
		}
		body, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(e.File)))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, corpusObject{file: e.File, key: typ + "/" + rest, body: body})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	if len(out) < 100 {
		t.Fatalf("only %d corpus inputs found; the manifest format changed?", len(out))
	}
	return out
}

// TestCorpusEveryRecordIsAccountedFor loads the whole shared corpus through
// the SQS handler: every record of every object is indexed, skipped for a
// named reason or dead-lettered; the server holds exactly the documents
// normalization produced; redelivering every message indexes nothing new.
func TestCorpusEveryRecordIsAccountedFor(t *testing.T) {
	objs := corpusObjects(t)
	r := newRig(t, rigOptions{})
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	refs := map[string]reference{}
	allIDs := map[docKey]string{} // -> object key
	var bodies []string
	for _, o := range objs {
		r.s3.put(t, o.key, o.body)
		ref := normalizeReference(t, o.key, o.body, at)
		refs[o.key] = ref
		for k := range ref.ids {
			allIDs[k] = o.key
		}
		bodies = append(bodies, notification(o.key, at))
	}
	ctx := context.Background()

	// Deliver in batches of 10, the queue's usual batch size.
	deliverAll := func() []Part {
		for i := 0; i < len(bodies); i += 10 {
			resp := r.deliver(t, ctx, bodies[i:min(i+10, len(bodies))]...)
			if len(resp.BatchItemFailures) > 0 {
				t.Fatalf("batch %d: failures %+v", i/10, resp.BatchItemFailures)
			}
		}
		return r.takeParts()
	}

	t.Run("every record of every object has one outcome", func(t *testing.T) {
		parts := deliverAll()
		if len(parts) != len(objs) {
			t.Fatalf("%d parts for %d objects", len(parts), len(objs))
		}
		var records, docs int64
		for _, p := range parts {
			ref := refs[p.Object.Key]
			want := ref.stats
			switch {
			case !p.Balanced():
				t.Errorf("%s: unbalanced: %d records, %d created, %d existed, %d dead-lettered, %d not indexed, skipped %v",
					p.Object.Key, p.Records, p.Created, p.Existed, p.DeadLettered, p.NotIndexed, p.Skipped)
			case p.Records != want.Records:
				t.Errorf("%s: %d records, normalization alone read %d", p.Object.Key, p.Records, want.Records)
			case p.Created+p.Existed+p.DeadLettered != want.Documents+want.Errors:
				t.Errorf("%s: %d documents indexed or dead-lettered, normalization made %d", p.Object.Key, p.Created+p.Existed+p.DeadLettered, want.Documents+want.Errors)
			case sum(p.Skipped) != sum(want.Skipped):
				t.Errorf("%s: skipped %v, want %v", p.Object.Key, p.Skipped, want.Skipped)
			case p.DeadLettered != 0 || p.NotIndexed != 0 || p.Next != nil:
				t.Errorf("%s: %d dead-lettered, %d not indexed, continuation %v", p.Object.Key, p.DeadLettered, p.NotIndexed, p.Next)
			}
			records += p.Records
			docs += p.Created
		}
		for k, o := range allIDs {
			if _, ok := r.os.Document(k.index, k.id); !ok {
				t.Errorf("document %s/%s of %s is not in the server", k.index, k.id, o)
			}
		}
		if got := logDocCount(r.os); got != len(allIDs) || int64(got) != docs {
			t.Errorf("server holds %d documents, created %d, normalization made %d distinct _ids", got, docs, len(allIDs))
		}
		t.Logf("%d objects, %d records, %d documents", len(parts), records, docs)
	})

	t.Run("every match is an alert or signal document, and every document has event.ingested", func(t *testing.T) {
		want := referenceAlerts(t, objs, at)
		got := alertDocs(t, r.os)
		if len(want) == 0 {
			t.Fatal("the built-in rules match nothing in the corpus; the test exercises nothing")
		}
		for k := range want {
			if !got[k] {
				t.Errorf("missing alert document %v", k)
			}
		}
		for k := range got {
			if !want[k] {
				t.Errorf("unexpected alert document %v", k)
			}
		}
		t.Logf("%d alert and signal documents", len(got))
		for k := range allIDs {
			src, _ := r.os.Document(k.index, k.id)
			var d struct {
				Event struct{ Ingested time.Time } `json:"event"`
			}
			if err := json.Unmarshal(src, &d); err != nil || d.Event.Ingested.IsZero() {
				t.Fatalf("%v: no event.ingested (%v)", k, err)
			}
		}
	})

	t.Run("every document carries the account name from Organizations", func(t *testing.T) {
		named := 0
		for k := range allIDs {
			src, _ := r.os.Document(k.index, k.id)
			var d struct {
				Cloud struct {
					Account struct{ ID, Name string } `json:"account"`
				} `json:"cloud"`
				Orgsiem struct {
					Account struct{ OU string } `json:"account"`
				} `json:"orgsiem"`
			}
			if err := json.Unmarshal(src, &d); err != nil {
				t.Fatalf("%v: %v", k, err)
			}
			if d.Cloud.Account.ID == "123456789012" {
				named++
				if d.Cloud.Account.Name != "prod-payments" || d.Orgsiem.Account.OU != "/Workloads/Prod" {
					t.Errorf("%v: account name %q, OU %q", k, d.Cloud.Account.Name, d.Orgsiem.Account.OU)
				}
			}
		}
		if named == 0 {
			t.Error("no corpus document from account 123456789012; the enrichment was not exercised")
		}
	})

	t.Run("redelivering every message indexes nothing new", func(t *testing.T) {
		before := r.os.DocCount("")
		parts := deliverAll()
		for _, p := range parts {
			if p.AlertsIndexed+p.SignalsIndexed != p.Alerts+p.Signals {
				t.Errorf("%s redelivered: %d+%d alert documents indexed of %d+%d", p.Object.Key, p.AlertsIndexed, p.SignalsIndexed, p.Alerts, p.Signals)
			}
		}
		for _, p := range parts {
			ref := refs[p.Object.Key]
			if p.Created != 0 || p.Existed != ref.stats.Documents+ref.stats.Errors || !p.Balanced() {
				t.Errorf("%s redelivered: %d created, %d existed (want 0 and %d)", p.Object.Key, p.Created, p.Existed, ref.stats.Documents+ref.stats.Errors)
			}
		}
		if after := r.os.DocCount(""); after != before {
			t.Errorf("document count went from %d to %d", before, after)
		}
	})
}

// cloudTrailObject is a gzip CloudTrail file of n records with their own
// event ids.
func cloudTrailObject(t testing.TB, n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"Records":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::123456789012:user/alice","accountId":"123456789012","userName":"alice"},`+
			`"eventTime":"2025-01-02T03:%02d:%02dZ","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1","sourceIPAddress":"81.2.69.%d",`+
			`"userAgent":"aws-cli/2","requestParameters":{"bucketName":"b","key":"k%d"},"responseElements":null,"eventID":"00000000-0000-4000-8000-%012d",`+
			`"readOnly":true,"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"123456789012"}`, i/60%60, i%60, i%250, i, i)
	}
	b.WriteString(`]}`)
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(b.Bytes())
	zw.Close()
	return z.Bytes()
}

// vpcFlowObject is a VPC flow log file (default format) of n records,
// whose _ids are hashes of key and position.
func vpcFlowObject(n int) []byte {
	var b bytes.Buffer
	b.WriteString("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n")
	for i := range n {
		fmt.Fprintf(&b, "2 123456789012 eni-0123456789abcdef0 10.0.%d.%d 81.2.69.%d %d 443 6 10 840 %d %d ACCEPT OK\n",
			i/250%250, i%250, i%200, 1024+i%60000, 1735787045+i, 1735787105+i)
	}
	return b.Bytes()
}

const (
	ctKey   = "AWSLogs/o-abcd123456/123456789012/CloudTrail/eu-west-1/2025/01/02/123456789012_CloudTrail_eu-west-1_20250102T0305Z_Big0123456789ab.json.gz"
	flowKey = "AWSLogs/123456789012/vpcflowlogs/eu-west-1/2025/01/02/123456789012_vpcflowlogs_eu-west-1_fl-0123456789abcdef0_20250102T0305Z_0123abcd.log"
)

// TestDeadlineContinuation stops invocations at their deadline (an
// injected clock that runs out after about 150 documents) and follows the
// continuations they enqueue: every record is indexed once, none twice,
// none lost.
func TestDeadlineContinuation(t *testing.T) {
	tests := []struct {
		name string
		key  string
		body []byte
	}{
		{"a CloudTrail file resumes by record offset", ctKey, cloudTrailObject(t, 1000)},
		{"a VPC flow log file with position ids resumes by record offset", flowKey, vpcFlowObject(700)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const margin = 10 * time.Minute
			r := newRig(t, rigOptions{margin: margin})
			at := time.Date(2025, 1, 2, 3, 5, 0, 0, time.UTC)
			r.s3.put(t, tt.key, tt.body)
			ref := normalizeReference(t, tt.key, tt.body, at)

			body := notification(tt.key, at)
			var parts []Part
			for invocation := 0; body != ""; invocation++ {
				if invocation > 50 {
					t.Fatal("no end after 50 invocations")
				}
				deadline := time.Now().Add(time.Hour)
				ctx, cancel := context.WithDeadline(context.Background(), deadline)
				// The handler keeps replyReserve; the loader stops at the
				// margin before that: start the clock 150 ticks earlier.
				r.clock.set(deadline.Add(-replyReserve-margin-150*time.Second), time.Second)
				resp := r.deliver(t, ctx, body)
				cancel()
				if len(resp.BatchItemFailures) != 0 {
					t.Fatalf("invocation %d: failures %+v", invocation, resp.BatchItemFailures)
				}
				got := r.takeParts()
				if len(got) != 1 {
					t.Fatalf("invocation %d: %d parts", invocation, len(got))
				}
				parts = append(parts, got[0])
				sent := r.sqs.take()
				body = ""
				switch {
				case got[0].Next == nil && len(sent) != 0:
					t.Fatalf("invocation %d finished the object but enqueued %d messages", invocation, len(sent))
				case got[0].Next != nil && len(sent) != 1:
					t.Fatalf("invocation %d stopped at record %d but enqueued %d messages", invocation, got[0].Next.SkipRecords, len(sent))
				case got[0].Next != nil:
					body = sent[0]
				}
			}
			if len(parts) < 3 {
				t.Fatalf("the object was loaded in %d parts; the deadline never struck", len(parts))
			}
			var records, created int64
			next := int64(0)
			for i, p := range parts {
				if p.Object.SkipRecords != next {
					t.Errorf("part %d starts at record %d, the previous one stopped at %d", i, p.Object.SkipRecords, next)
				}
				if !p.Balanced() || p.Existed != 0 || p.NotIndexed != 0 || p.Object.Part != i {
					t.Errorf("part %d: balanced %v, %d existed (indexed twice), %d not indexed, part number %d",
						i, p.Balanced(), p.Existed, p.NotIndexed, p.Object.Part)
				}
				if p.Next != nil {
					next = p.Next.SkipRecords
				}
				records += p.Records
				created += p.Created
			}
			if records != ref.stats.Records || created != ref.stats.Documents || int(created) != len(ref.ids) {
				t.Errorf("parts read %d records and created %d documents; the object has %d records, %d documents, %d ids",
					records, created, ref.stats.Records, ref.stats.Documents, len(ref.ids))
			}
			for k := range ref.ids {
				if _, ok := r.os.Document(k.index, k.id); !ok {
					t.Errorf("document %s/%s lost", k.index, k.id)
				}
			}
			if got := logDocCount(r.os); got != len(ref.ids) {
				t.Errorf("server holds %d documents, want %d", got, len(ref.ids))
			}
		})
	}
}

// TestMixedBulkResponse answers the first bulk request with 201, 429 and
// 400 items: only the 429s are sent again, the 400s are written to the
// archive's DeadLetter/ prefix with their reason, and the message counts as
// done.
func TestMixedBulkResponse(t *testing.T) {
	r := newRig(t, rigOptions{})
	at := time.Date(2025, 1, 2, 3, 5, 0, 0, time.UTC)
	body := cloudTrailObject(t, 30)
	r.s3.put(t, ctKey, body)
	ref := normalizeReference(t, ctKey, body, at)
	ids := make([]string, 0, len(ref.ids))
	for k := range ref.ids {
		ids = append(ids, k.id)
	}
	sort.Strings(ids)
	throttled, refused := map[string]bool{}, map[string]bool{}
	for i, id := range ids {
		switch i % 3 {
		case 1:
			throttled[id] = true
		case 2:
			refused[id] = true
		}
	}
	r.os.SetItemFault(func(op searchtest.BulkOp) *searchtest.Fault {
		switch {
		case throttled[op.ID] && op.Seen == 1:
			return &searchtest.Fault{Status: http.StatusTooManyRequests}
		case refused[op.ID]:
			return &searchtest.Fault{Status: http.StatusBadRequest, Type: "mapper_parsing_exception", Reason: "failed to parse field [source.ip] of type [ip]"}
		}
		return nil
	})
	resp := r.deliver(t, context.Background(), notification(ctKey, at))
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %+v", resp.BatchItemFailures)
	}
	parts := r.takeParts()
	if len(parts) != 1 {
		t.Fatalf("%d parts", len(parts))
	}
	p := parts[0]
	if p.Created != int64(len(ids)-len(refused)) || p.DeadLettered != int64(len(refused)) || p.NotIndexed != 0 || !p.Balanced() {
		t.Errorf("created %d (want %d), dead-lettered %d (want %d), not indexed %d", p.Created, len(ids)-len(refused), p.DeadLettered, len(refused), p.NotIndexed)
	}

	t.Run("only the throttled items are sent again", func(t *testing.T) {
		var bulks [][]string
		for _, req := range r.os.Requests() {
			if req.Operation != "bulk.0" && !strings.HasSuffix(req.Path, "_bulk") {
				continue
			}
			lines, err := r.os.Spec().BulkLines(req.Body)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range lines {
				got = append(got, l.ID)
			}
			sort.Strings(got)
			bulks = append(bulks, got)
		}
		if len(bulks) != 2 {
			t.Fatalf("%d bulk requests, want the first and one retry", len(bulks))
		}
		if len(bulks[0]) != len(ids) {
			t.Errorf("first request carried %d items, want %d", len(bulks[0]), len(ids))
		}
		var want []string
		for id := range throttled {
			want = append(want, id)
		}
		sort.Strings(want)
		if strings.Join(bulks[1], ",") != strings.Join(want, ",") {
			t.Errorf("retry carried %v\nwant the throttled %v", bulks[1], want)
		}
	})

	t.Run("the refused documents are in the dead-letter prefix with their reason", func(t *testing.T) {
		keys := r.s3.keys(t, archive.DeadLetterPrefix)
		if len(keys) == 0 {
			t.Fatal("no dead-letter object")
		}
		got := map[string]bool{}
		for _, k := range keys {
			loc, err := archive.Parse(k)
			if err != nil || loc.Skip != archive.SkipDeadLetter || loc.LogType != archive.TypeCloudTrail || loc.Account != "123456789012" {
				t.Errorf("dead-letter key %s parses as %+v, %v", k, loc, err)
			}
			for _, line := range bytes.Split(bytes.TrimSpace(r.s3.get(t, k)), []byte("\n")) {
				var rec search.DeadLetterRecord
				if err := json.Unmarshal(line, &rec); err != nil {
					t.Fatal(err)
				}
				if rec.Status != 400 || rec.ErrorType != "mapper_parsing_exception" || !strings.Contains(rec.Reason, "source.ip") || len(rec.Document) == 0 {
					t.Errorf("record %+v", rec)
				}
				var ref docRef
				if b, _ := json.Marshal(rec.Ref); json.Unmarshal(b, &ref) != nil || ref.Object != "s3://"+testBucket+"/"+ctKey {
					t.Errorf("record ref %v does not locate the object", rec.Ref)
				}
				got[rec.ID] = true
			}
		}
		for id := range refused {
			if !got[id] {
				t.Errorf("refused document %s not dead-lettered", id)
			}
		}
		if len(got) != len(refused) {
			t.Errorf("%d dead letters, want %d", len(got), len(refused))
		}
	})
}

// TestBatchItemFailures: each message is judged on its own objects.
func TestBatchItemFailures(t *testing.T) {
	r := newRig(t, rigOptions{maxAttempts: 3})
	at := time.Date(2025, 1, 2, 3, 5, 0, 0, time.UTC)
	r.s3.put(t, flowKey, vpcFlowObject(20))
	tests := []struct {
		name  string
		body  string
		fault func(searchtest.BulkOp) *searchtest.Fault
		fail  bool
	}{
		{"a loadable object is acknowledged", notification(flowKey, at), nil, false},
		{"the S3 test event is acknowledged", readTestdata(t, "envelopes/s3_test_event.json"), nil, false},
		{"a missing object is redelivered", notification("vpcflow/missing.log", at), nil, true},
		{"a key of no known layout is redelivered", notification("unknown/thing.bin", at), nil, true},
		{"a body of no known shape is redelivered", "Message Body", nil, true},
		{"documents throttled on every attempt are redelivered", notification(flowKey, at),
			func(searchtest.BulkOp) *searchtest.Fault { return &searchtest.Fault{Status: 429} }, true},
		{"documents refused for a non-document reason are redelivered", notification(flowKey, at),
			func(searchtest.BulkOp) *searchtest.Fault {
				return &searchtest.Fault{Status: 403, Type: "security_exception"}
			}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r.os.SetItemFault(tt.fault)
			resp := r.deliver(t, context.Background(), tt.body, notification(flowKey, at))
			want := []events.SQSBatchItemFailure{}
			if tt.fail {
				want = append(want, events.SQSBatchItemFailure{ItemIdentifier: "m0"})
			}
			if tt.fault != nil {
				// The second message names the same object: it fails alike.
				want = append(want, events.SQSBatchItemFailure{ItemIdentifier: "m1"})
			}
			if fmt.Sprint(resp.BatchItemFailures) != fmt.Sprint(want) {
				t.Errorf("failures %+v, want %+v", resp.BatchItemFailures, want)
			}
		})
	}
}

// TestUnstartedMessagesAreReenqueued: once the deadline is near, messages
// not started are sent back to the queue unchanged and acknowledged.
func TestUnstartedMessagesAreReenqueued(t *testing.T) {
	const margin = time.Minute
	r := newRig(t, rigOptions{margin: margin})
	at := time.Date(2025, 1, 2, 3, 5, 0, 0, time.UTC)
	r.s3.put(t, flowKey, vpcFlowObject(5))
	deadline := time.Now().Add(time.Hour)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	r.clock.set(deadline.Add(-replyReserve-margin), time.Second) // already past the margin
	resp := r.deliver(t, ctx, notification(flowKey, at), notification(flowKey, at))
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %+v", resp.BatchItemFailures)
	}
	if parts := r.takeParts(); len(parts) != 0 {
		t.Errorf("%d parts loaded after the deadline", len(parts))
	}
	sent := r.sqs.take()
	if len(sent) != 2 {
		t.Fatalf("%d messages re-enqueued, want 2", len(sent))
	}
	for _, b := range sent {
		m, err := ParseMessage(b)
		if err != nil || len(m.Objects) != 1 || m.Objects[0].Key != flowKey || m.Objects[0].SkipRecords != 0 {
			t.Errorf("re-enqueued %s: %+v, %v", b, m, err)
		}
	}
	if r.os.DocCount("") != 0 {
		t.Error("documents indexed after the deadline")
	}
}

// Package functions_test walks one record through the real pipeline
// functions, with every S3 and KMS call evaluated against the policies the
// program deploys.
package functions_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/orgsiem/orgsiem/functions/loader"
	"github.com/orgsiem/orgsiem/functions/transfer"
	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/search"
	"github.com/orgsiem/orgsiem/internal/search/searchtest"
	"github.com/orgsiem/orgsiem/member"
	"github.com/orgsiem/orgsiem/policies"
)

const (
	home, away = "eu-west-1", "eu-central-1"
	memberAcct = "444444444444"
)

var org = policies.Org{
	ID: "o-abcdef1234", Management: "111111111111", LogArchive: "222222222222", Security: "333333333333", HomeRegion: home,
	ArchiveAdmins: []string{"OrganizationAccountAccessRole"},
}

var archiveKey = "arn:aws:kms:" + home + ":" + org.LogArchive + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"

// caller is who signs with an access key: the role and its identity policies.
type caller struct {
	role     string
	identity []policies.Document
}

var reCredential = regexp.MustCompile(`Credential=([A-Z0-9]+)/[0-9]{8}/([a-z0-9-]+)/s3/aws4_request`)

// archiveS3 is the archive bucket as AWS would serve it: gofakes3 behind
// the authorization S3 and KMS perform for each request (the caller's role
// policy, the bucket policy, and for SSE-KMS the key policy through S3 with
// the bucket as encryption context, since the bucket uses a Bucket Key),
// the bucket's region, and the event notifications S3 sends to the ingest
// queue (checked against the queue policy).
type archiveS3 struct {
	t       *testing.T
	callers map[string]caller // by access key id
	fake    http.Handler

	mu            sync.Mutex
	denied        []string
	notifications []string // S3 event notification bodies for the ingest queue
}

func (a *archiveS3) deny(w http.ResponseWriter, what string) {
	a.mu.Lock()
	a.denied = append(a.denied, what)
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(http.StatusForbidden)
	fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`)
}

func (a *archiveS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := reCredential.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		a.deny(w, "unsigned request "+r.Method+" "+r.URL.Path)
		return
	}
	if m[2] != home {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `<Error><Code>AuthorizationHeaderMalformed</Code><Message>the region '%s' is wrong; expecting '%s'</Message></Error>`, m[2], home)
		return
	}
	c, ok := a.callers[m[1]]
	if !ok { // test setup (bucket creation, versioning)
		a.fake.ServeHTTP(w, r)
		return
	}
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if bucket != org.ArchiveBucket() || key == "" {
		a.deny(w, c.role+" "+r.Method+" "+r.URL.Path)
		return
	}
	objectARN := org.ArchiveBucketARN() + "/" + key
	var action, kmsAction string
	switch r.Method {
	case http.MethodPut:
		action, kmsAction = "s3:PutObject", "kms:GenerateDataKey"
		if r.Header.Get("x-amz-server-side-encryption") != "aws:kms" || r.Header.Get("x-amz-server-side-encryption-aws-kms-key-id") != archiveKey {
			a.deny(w, "PutObject without SSE-KMS under the archive key: "+key)
			return
		}
	case http.MethodGet, http.MethodHead:
		action, kmsAction = policies.S3GetObjectAction(r.URL.Query().Get("versionId")), "kms:Decrypt"
	default:
		a.deny(w, c.role+" "+r.Method+" "+key)
		return
	}
	req := policies.RoleRequest(c.role, org.ID, action, objectARN)
	if !policies.Authorize(req, org.LogArchive, c.identity, []policies.Document{policies.ArchiveBucketPolicy(org)}) {
		a.deny(w, c.role+" "+action+" "+key)
		return
	}
	kreq := policies.RoleRequest(c.role, org.ID, kmsAction, archiveKey).
		With("kms:ViaService", "s3."+home+".amazonaws.com").With("kms:EncryptionContext:aws:s3:arn", org.ArchiveBucketARN())
	if !policies.Authorize(kreq, org.LogArchive, c.identity, []policies.Document{policies.ArchiveKeyPolicy(org)}) {
		a.deny(w, c.role+" "+kmsAction+" for "+key)
		return
	}
	rec := httptest.NewRecorder()
	a.fake.ServeHTTP(rec, r)
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
	if r.Method == http.MethodPut && rec.Code == http.StatusOK &&
		(strings.HasPrefix(key, archive.AWSLogsPrefix) || strings.HasPrefix(key, archive.CWLogsPrefix)) {
		a.notify(key, rec.Header().Get("x-amz-version-id"), len(rec.Body.Bytes()))
	}
}

// notify sends the ObjectCreated notification the archive's notification
// configuration asks for, if the queue policy lets S3 send it.
func (a *archiveS3) notify(key, version string, size int) {
	if !policies.Authorize(policies.S3NotificationCall(org.ArchiveBucketARN(), org.LogArchive, org.IngestQueueARN()),
		org.Security, nil, []policies.Document{policies.IngestQueuePolicy(org)}) {
		a.mu.Lock()
		a.denied = append(a.denied, "s3.amazonaws.com sqs:SendMessage "+org.IngestQueueARN())
		a.mu.Unlock()
		return
	}
	body, _ := json.Marshal(map[string]any{"Records": []any{map[string]any{
		"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": home, "eventTime": time.Now().UTC().Format(time.RFC3339),
		"eventName": "ObjectCreated:Put",
		"s3": map[string]any{
			"bucket": map[string]any{"name": org.ArchiveBucket(), "arn": org.ArchiveBucketARN()},
			// "The s3 key provided in the event notification is URL
			// encoded" (S3 User Guide, event message structure).
			"object": map[string]any{"key": strings.ReplaceAll(url.QueryEscape(key), "%2F", "/"), "size": size, "versionId": version},
		},
	}}})
	a.mu.Lock()
	a.notifications = append(a.notifications, string(body))
	a.mu.Unlock()
}

func client(url, akid, region string) *s3.Client {
	return s3.New(s3.Options{
		Region: region, BaseEndpoint: aws.String(url), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(akid, "secret", ""), Retryer: aws.NopRetryer{},
	})
}

func cloudWatchEvent(t *testing.T) events.CloudwatchLogsEvent {
	t.Helper()
	doc, _ := json.Marshal(map[string]any{
		"messageType": "DATA_MESSAGE", "owner": memberAcct, "logGroup": "/ec2/linux/var/log/secure",
		"logStream": "i-0a1b2c3d4e5f60718", "subscriptionFilters": []string{member.FilterName},
		"logEvents": []any{map[string]any{
			"id": "38155351000000000000000000000000000000000000000000000000", "timestamp": 1710759599000,
			"message": "Mar 18 10:59:59 ip-10-0-1-23 sshd[4211]: Failed password for invalid user admin from 203.0.113.7 port 52144 ssh2",
		}},
	})
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(doc)
	zw.Close()
	return events.CloudwatchLogsEvent{AWSLogs: events.CloudwatchLogsRawData{Data: base64.StdEncoding.EncodeToString(buf.Bytes())}}
}

func TestOneRecordFromANonHomeRegionReachesTheIndexWithEveryCallAllowed(t *testing.T) {
	transferRole := policies.RoleARN(memberAcct, policies.TransferRolePrefix+away)
	a := &archiveS3{t: t, callers: map[string]caller{
		"AKIDTRANSFER": {transferRole, []policies.Document{policies.TransferRolePolicy(org, archiveKey)}},
		"AKIDLOADER":   {org.SecurityRoleARN(policies.LoaderRole), []policies.Document{policies.LoaderRolePolicy(org, archiveKey, policies.LoaderOptions{})}},
	}}
	backend := s3mem.New()
	a.fake = gofakes3.New(backend).Server()
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	setup := client(srv.URL, "AKIDSETUP", home)
	ctx := context.Background()
	if _, err := setup.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(org.ArchiveBucket())}); err != nil {
		t.Fatal(err)
	}
	if _, err := setup.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(org.ArchiveBucket()),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}

	// The member transfer function in eu-central-1, configured from the
	// baseline template's own environment.
	tmpl, err := member.Baseline(member.Config{Org: org, ArchiveKeyARN: archiveKey, Mode: member.ModeLogGroup, LogRetentionDays: 365,
		SweepSchedule: "rate(1 day)", TransferCodeKey: "lambda/t.zip", SubscribeCodeKey: "lambda/s.zip"})
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"AWS_REGION": away}
	for k, v := range tmpl.Resources[member.TransferFunctionID].Properties["Environment"].(member.Props)["Variables"].(member.Props) {
		env[k], _ = v.(string)
	}
	cfg, err := transfer.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	tr, err := transfer.New(cfg, client(srv.URL, "AKIDTRANSFER", cfg.BucketRegion))
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Handle(ctx, cloudWatchEvent(t)); err != nil {
		t.Fatalf("transfer: %v (denied: %v)", err, a.denied)
	}
	if len(a.notifications) != 1 {
		t.Fatalf("%d notifications (denied: %v)", len(a.notifications), a.denied)
	}
	if !strings.Contains(a.notifications[0], `"versionId":"`) || strings.Contains(a.notifications[0], `"versionId":""`) {
		t.Fatalf("the versioned archive's notification has no versionId: %s", a.notifications[0])
	}

	// The loader, reading the version the notification names.
	os := searchtest.New(t)
	sc, err := search.New(search.Config{URL: os.URL})
	if err != nil {
		t.Fatal(err)
	}
	l, err := loader.NewLoader(client(srv.URL, "AKIDLOADER", home), func(on func(search.Result)) (loader.Indexer, error) {
		return sc.NewIndexer(search.IndexerConfig{OnResult: on, Sleep: func(context.Context, time.Duration) error { return nil }})
	}, loader.Options{Log: slog.New(slog.NewTextHandler(testWriter{t}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	h, err := loader.NewHandler(l, sqs.New(sqs.Options{Region: home, BaseEndpoint: aws.String("http://127.0.0.1:1"),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOADER", "secret", "")}), "https://sqs."+home+".amazonaws.com/"+org.Security+"/"+policies.IngestQueue,
		loader.HandlerOptions{Metrics: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := h.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m0", Body: a.notifications[0], EventSource: "aws:sqs"}}})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("loader: %v, failures %v (denied: %v)", err, resp.BatchItemFailures, a.denied)
	}
	if len(a.denied) != 0 {
		t.Fatalf("denied calls: %v", a.denied)
	}
	n := 0
	for _, idx := range os.Indices() {
		if strings.HasPrefix(idx, "log-aws-") {
			n += os.DocCount(idx)
		}
	}
	if n != 1 {
		t.Fatalf("%d documents indexed in %v, want 1", n, os.Indices())
	}
}

// testWriter sends log lines to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

package loader

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/orgsiem/orgsiem/internal/alerts"
	"github.com/orgsiem/orgsiem/internal/search/searchtest"
)

// siteRule fires on every GetObject of bucket "b" (cloudTrailObject's
// events); its inline test must pass for the loader to load it.
const siteRule = `title: Object read from bucket b
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

// customRules writes custom rule files under custom/: the site rule, and
// three broken ones.
func customRules(t *testing.T, s *s3Server) {
	t.Helper()
	s.put(t, "custom/site-get-object-b.yml", []byte(siteRule))
	// Not YAML.
	s.put(t, "custom/broken.yml", []byte("title: [unclosed\n"))
	// The id of a built-in rule: it would replace it.
	s.put(t, "custom/cis-4-02-console-login-without-mfa.yml",
		[]byte(strings.ReplaceAll(siteRule, "site-get-object-b", "cis-4-02-console-login-without-mfa")))
	// Its own inline test fails.
	s.put(t, "custom/site-wrong-test.yml",
		[]byte(strings.ReplaceAll(strings.ReplaceAll(siteRule, "site-get-object-b", "site-wrong-test"), "bucketName: b}", "bucketName: other}")))
	s.put(t, "custom/README.txt", []byte("not a rule"))
}

func TestCustomRulesAreLoadedAndBrokenOnesSkipped(t *testing.T) {
	s := newS3Server(t)
	customRules(t, s)
	var metrics, logBuf bytes.Buffer
	rules, err := LoadRules(context.Background(), s.client, &S3Location{Bucket: testBucket, Key: "custom/"}, nil,
		slog.New(slog.NewTextHandler(&logBuf, nil)), &metrics, time.Unix(1e9, 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(rules.Custom) != 1 || !rules.Custom["site-get-object-b"] || len(rules.Skipped) != 3 {
		t.Fatalf("custom %v, skipped %v; want the site rule loaded and 3 skipped", rules.Custom, rules.Skipped)
	}
	if rules.Catalog.Rule("cis-4-02-console-login-without-mfa").Author == "site" {
		t.Error("a custom rule replaced a built-in one")
	}
	for _, want := range []string{"broken.yml", "cis-4-02-console-login-without-mfa", "site-wrong-test"} {
		if !strings.Contains(logBuf.String(), want) {
			t.Errorf("log does not name %s:\n%s", want, logBuf.String())
		}
	}
	var m map[string]any
	if err := json.Unmarshal(metrics.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if m["CustomRulesLoaded"] != 1.0 || m["CustomRulesSkipped"] != 3.0 || m["Ruleset"] != "custom" {
		t.Errorf("metrics %s", metrics.String())
	}

	// The loader runs built-in and custom rules on every document.
	r := newRig(t, rigOptions{rules: rules})
	at := time.Date(2025, 1, 2, 3, 5, 0, 0, time.UTC)
	r.s3.put(t, ctKey, cloudTrailObject(t, 40))
	if resp := r.deliver(t, context.Background(), notification(ctKey, at)); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %+v", resp.BatchItemFailures)
	}
	p := r.takeParts()[0]
	if p.Alerts < 40 || p.AlertsIndexed != p.Alerts || !p.Balanced() {
		t.Errorf("part: %d alerts, %d indexed, balanced %v; want the site rule's 40 at least", p.Alerts, p.AlertsIndexed, p.Balanced())
	}
	custom := 0
	for _, idx := range r.os.Indices() {
		for _, id := range r.os.IDs(idx) {
			if !strings.HasPrefix(idx, alerts.IndexPrefix) {
				continue
			}
			src, _ := r.os.Document(idx, id)
			var d alerts.Document
			json.Unmarshal(src, &d)
			if d.RuleID == "site-get-object-b" {
				custom++
				if d.Ruleset != alerts.RulesetCustom || d.Kind != alerts.KindAlert || d.Notify != "" || d.AccountName != "prod-payments" {
					t.Errorf("custom alert %s", src)
				}
			}
		}
	}
	if custom != 40 {
		t.Errorf("%d alerts of the custom rule, want 40", custom)
	}
	if !strings.Contains(r.metrics.String(), `"AlertsIndexed":`) {
		t.Errorf("no AlertsIndexed metric: %s", r.metrics.String())
	}
}

// TestAlertNotIndexedFailsTheMessage: an alert the alerts index does not
// take (503 until the attempts run out, or refused with 400 and
// dead-lettered) makes the message a batch item failure, so SQS redelivers
// it; the redelivery indexes the alert and creates no document twice.
func TestAlertNotIndexedFailsTheMessage(t *testing.T) {
	rules, err := BuildRules([]RuleFile{{Name: "custom/site-get-object-b.yml", Text: siteRule}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, fault := range []searchtest.Fault{
		{Status: 503, Type: "unavailable_shards_exception", Reason: "primary shard is not active"},
		{Status: 400, Type: "strict_dynamic_mapping_exception", Reason: "mapping set to strict, dynamic introduction of [x] within [_doc] is not allowed"},
	} {
		r := newRig(t, rigOptions{rules: rules, maxAttempts: 2})
		at := time.Date(2025, 1, 2, 3, 5, 0, 0, time.UTC)
		r.s3.put(t, ctKey, cloudTrailObject(t, 5))
		r.os.SetItemFault(func(op searchtest.BulkOp) *searchtest.Fault {
			if strings.HasPrefix(op.Index, alerts.IndexPrefix) {
				return &fault
			}
			return nil
		})
		resp := r.deliver(t, context.Background(), notification(ctKey, at))
		p := r.takeParts()[0]
		if len(resp.BatchItemFailures) != 1 || p.Complete() || p.AlertsFailed != 5 || !p.Balanced() {
			t.Fatalf("status %d: failures %+v, part complete %v, %d alerts failed; want the message redelivered", fault.Status, resp.BatchItemFailures, p.Complete(), p.AlertsFailed)
		}
		if len(p.Failure) > 2*maxReasonBytes || !strings.Contains(p.Failure, "site-get-object-b") {
			t.Errorf("failure %q", p.Failure)
		}
		r.os.SetItemFault(nil)
		resp = r.deliver(t, context.Background(), notification(ctKey, at))
		p = r.takeParts()[0]
		if len(resp.BatchItemFailures) != 0 || p.AlertsIndexed != 5 || p.Created != 0 || p.Existed != 5 {
			t.Errorf("status %d, redelivered: failures %+v, %d alerts indexed, %d created, %d existed", fault.Status, resp.BatchItemFailures, p.AlertsIndexed, p.Created, p.Existed)
		}
	}
}

// TestAlertOnlyHunt sends an object reference in alert-only mode with a
// rule in the message and --no-notify: alerts are indexed, marked, and no
// document is.
func TestAlertOnlyHunt(t *testing.T) {
	r := newRig(t, rigOptions{})
	at := time.Date(2025, 1, 2, 3, 5, 0, 0, time.UTC)
	r.s3.put(t, ctKey, cloudTrailObject(t, 12))
	ref := ObjectRef{Bucket: testBucket, Key: ctKey, Time: at, AlertsOnly: true, NoNotify: true,
		RuleFiles: []RuleFile{{Name: "site-get-object-b.yml", Text: siteRule}}}
	body, err := ObjectBody(ref)
	if err != nil {
		t.Fatal(err)
	}
	resp := r.deliver(t, context.Background(), body)
	p := r.takeParts()[0]
	if len(resp.BatchItemFailures) != 0 || p.AlertOnly != 12 || p.Created+p.Existed != 0 || p.Alerts != 12 || p.AlertsIndexed != 12 || !p.Balanced() {
		t.Fatalf("failures %+v; part %+v", resp.BatchItemFailures, p)
	}
	if n := logDocCount(r.os); n != 0 {
		t.Errorf("alert-only mode indexed %d documents", n)
	}
	got := alertDocs(t, r.os)
	for k := range got {
		if k.rule != "site-get-object-b" {
			t.Errorf("alert of %s: a hunt evaluates only its rules", k.rule)
		}
	}
	for _, idx := range r.os.Indices() {
		for _, id := range r.os.IDs(idx) {
			src, _ := r.os.Document(idx, id)
			if !strings.Contains(string(src), `"orgsiem.notify":"off"`) {
				t.Errorf("hunt alert without orgsiem.notify off: %s", src)
			}
		}
	}

	// A hunt naming a rule the loader does not have cannot run: the object
	// fails (a poison message the redrive policy dead-letters).
	bad := ObjectRef{Bucket: testBucket, Key: ctKey, Time: at, AlertsOnly: true, Rules: []string{"no-such-rule"}}
	body, _ = ObjectBody(bad)
	if resp := r.deliver(t, context.Background(), body); len(resp.BatchItemFailures) != 1 {
		t.Errorf("unknown hunt rule: failures %+v, want the message failed", resp.BatchItemFailures)
	}
}

// TestContinuationWithoutProgressIsPoison: a continuation stopped by the
// deadline before its first record would be enqueued unchanged for ever;
// the loader fails the message instead (the queue's redrive policy moves
// it to the dead-letter queue) and enqueues nothing.
func TestContinuationWithoutProgressIsPoison(t *testing.T) {
	const margin = 10 * time.Minute
	r := newRig(t, rigOptions{margin: margin})
	at := time.Date(2025, 1, 2, 3, 5, 0, 0, time.UTC)
	r.s3.put(t, ctKey, cloudTrailObject(t, 20))
	body, _ := continuationBody(ObjectRef{Bucket: testBucket, Key: ctKey, Time: at, SkipRecords: 5, Part: 3})
	deadline := time.Now().Add(time.Hour)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	// The handler's check reads stopAt-1s (not near the deadline yet); the
	// loader's first document reads stopAt and stops before it.
	r.clock.set(deadline.Add(-replyReserve-margin-2*time.Second), time.Second)
	resp := r.deliver(t, ctx, body)
	parts := r.takeParts()
	if len(parts) != 1 || parts[0].Next == nil || parts[0].Next.SkipRecords != 5 {
		t.Fatalf("parts %+v; want one stopped at its first record", parts)
	}
	if len(resp.BatchItemFailures) != 1 {
		t.Errorf("failures %+v; want the message failed", resp.BatchItemFailures)
	}
	if sent := r.sqs.take(); len(sent) != 0 {
		t.Errorf("enqueued %v; a continuation without progress must not be enqueued", sent)
	}
}

// TestVersionedRead reads the version a notification names from a
// versioned bucket (the archive is versioned: Object Lock requires it).
// GetObject with versionId returns that version, not the latest (Amazon
// S3 API Reference, GetObject: "versionId: Version ID used to reference a
// specific version of the object"); gofakes3 serves versioned GETs once
// PutBucketVersioning enabled versioning, as S3 does.
func TestVersionedRead(t *testing.T) {
	r := newRig(t, rigOptions{})
	ctx := context.Background()
	if _, err := r.s3.client.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(testBucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	put := func(body []byte) string {
		out, err := r.s3.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(testBucket), Key: aws.String(ctKey), Body: bytes.NewReader(body)})
		if err != nil || aws.ToString(out.VersionId) == "" {
			t.Fatalf("put: %v, version %q", err, aws.ToString(out.VersionId))
		}
		return aws.ToString(out.VersionId)
	}
	first := put(cloudTrailObject(t, 7))
	put(cloudTrailObject(t, 3))
	at := time.Date(2025, 1, 2, 3, 5, 0, 0, time.UTC)
	var ev map[string]any
	json.Unmarshal([]byte(notification(ctKey, at)), &ev)
	ev["Records"].([]any)[0].(map[string]any)["s3"].(map[string]any)["object"].(map[string]any)["versionId"] = first
	body, _ := json.Marshal(ev)
	if resp := r.deliver(t, ctx, string(body)); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %+v", resp.BatchItemFailures)
	}
	p := r.takeParts()[0]
	if p.Object.VersionID != first || p.Records != 7 || p.Created != 7 {
		t.Errorf("version %q, %d records, %d created; want the first version's 7", p.Object.VersionID, p.Records, p.Created)
	}
	_ = io.Discard
}

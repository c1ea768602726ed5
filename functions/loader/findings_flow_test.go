package loader

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/alerts"
	"github.com/orgsiem/orgsiem/internal/archive"
)

// firehoseS3 is Amazon Data Firehose's S3 destination as the findings path
// relies on it (central/findings.go), from the Firehose Developer Guide:
//   - An EventBridge rule with a Firehose target puts the matched event, the
//     whole event JSON when no input transformer is set, as one record
//     (EventBridge User Guide, "Event bus targets"; no transformer is set).
//   - Records are concatenated as they are, with no delimiter between them
//     ("Firehose doesn't add any delimiters", Data delivery format); with
//     CompressionFormat GZIP the object is one gzip stream.
//   - Each buffer becomes one object named <prefix><YYYY/MM/dd/HH>/<stream
//     name>-<stream version>-<YYYY>-<MM>-<DD>-<HH>-<MM>-<SS>-<uuid><file
//     extension>, UTC, the version starting at 1 ("Configure Amazon S3
//     object name format"); GZIP's extension is .gz.
//
// The buffer is flushed when the interval (60 s) passes or the size fills;
// this fake flushes when told, so the test has no clock dependency.
type firehoseS3 struct {
	s3      *s3Server
	stream  string
	prefix  string
	records [][]byte
}

func (f *firehoseS3) putRecord(data []byte) { f.records = append(f.records, bytes.Clone(data)) }

// flush writes the buffer as one object at time now and returns its key.
func (f *firehoseS3) flush(t *testing.T, now time.Time) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	for _, r := range f.records {
		zw.Write(r)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.records = nil
	u := make([]byte, 16)
	rand.Read(u)
	now = now.UTC()
	key := fmt.Sprintf("%s%s/%s-1-%s-%x-%x-%x-%x-%x.gz", f.prefix, now.Format("2006/01/02/15"), f.stream,
		now.Format("2006-01-02-15-04-05"), u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
	f.s3.put(t, key, buf.Bytes())
	return key
}

// guardDutyEvent is a "GuardDuty Finding" event as EventBridge delivers it
// (GuardDuty User Guide, "EventBridge event format for GuardDuty": version,
// id, detail-type, source, account, time, region, resources, detail = the
// finding as GetFindings returns it). Synthetic values: documentation
// account ids and address ranges.
func guardDutyEvent(eventID, updatedAt string, severity float64) []byte {
	return []byte(fmt.Sprintf(`{"version":"0","id":%q,"detail-type":"GuardDuty Finding","source":"aws.guardduty",
"account":"333333333333","time":%q,"region":"eu-west-1","resources":[],
"detail":{"schemaVersion":"2.0","accountId":"123456789012","region":"eu-west-1","partition":"aws",
"id":"b1056a69d588e8cbbfcc0e3b36ce257b",
"arn":"arn:aws:guardduty:eu-west-1:123456789012:detector/37da5a0204286ccd967d2395320d4dcd/finding/b1056a69d588e8cbbfcc0e3b36ce257b",
"type":"Recon:EC2/PortProbeUnprotectedPort",
"resource":{"resourceType":"Instance","instanceDetails":{"instanceId":"i-6db766a4dc514cd8c","networkInterfaces":[{"networkInterfaceId":"eni-a1ff1d899f93a5d21","privateIpAddress":"10.0.0.6","publicIp":"203.0.113.12","vpcId":"vpc-886074230afa1c4aa"}]}},
"service":{"serviceName":"guardduty","detectorId":"37da5a0204286ccd967d2395320d4dcd",
"action":{"actionType":"PORT_PROBE","portProbeAction":{"blocked":false,"portProbeDetails":[{"localPortDetails":{"port":22,"portName":"SSH"},"remoteIpDetails":{"ipAddressV4":"198.51.100.99"}}]}},
"resourceRole":"TARGET","additionalInfo":{"value":"{}","type":"default"},
"eventFirstSeen":"2026-03-15T09:01:02.000Z","eventLastSeen":"2026-03-15T09:18:44.000Z","archived":false,"count":3},
"severity":%v,"createdAt":"2026-03-15T09:05:11.503Z","updatedAt":%q,
"title":"Unprotected port on EC2 instance i-6db766a4dc514cd8c is being probed.",
"description":"EC2 instance has an unprotected port which is being probed by a known malicious host."}}`,
		eventID, updatedAt[:19]+"Z", severity, updatedAt))
}

// TestGuardDutyFindingFromEventBridgeToIndexAndAlert walks the findings
// path: an EventBridge "GuardDuty Finding" event → the Firehose stream →
// the archive (in-process S3) under the typed prefix guardduty/ → the S3
// notification → the real loader (normalization and detection) → the
// spec-validating OpenSearch server: the finding documents and their
// alert documents.
//
// Update policy: a finding's _id is its id plus updatedAt, so a GuardDuty
// update (same id, later updatedAt; GuardDuty publishes updates every
// FindingPublishingFrequency) is a new document next to the earlier
// version, and a redelivery of the same version is the same document.
func TestGuardDutyFindingFromEventBridgeToIndexAndAlert(t *testing.T) {
	r := newRig(t, rigOptions{})
	ctx := context.Background()
	fh := &firehoseS3{s3: r.s3, stream: "orgsiem-findings-guardduty", prefix: archive.TypeGuardDuty + "/"}

	first := guardDutyEvent("c54aa9f0-e0d5-4ce7-9b72-32d95f1fb2ef", "2026-03-15T09:20:07.118Z", 8)
	update := guardDutyEvent("0b6a3a52-5d8e-4bd0-9d1f-3c2d1e0f9a8b", "2026-03-15T09:35:07.118Z", 8)
	fh.putRecord(first)
	fh.putRecord(update)
	fh.putRecord(first) // EventBridge delivers at least once
	flushed := time.Date(2026, 3, 15, 9, 36, 7, 0, time.UTC)
	key := fh.flush(t, flushed)

	loc, err := archive.Parse(key)
	if err != nil || loc.LogType != archive.TypeGuardDuty || !loc.Time.Equal(flushed) {
		t.Fatalf("the archive reads %s as %+v, %v; want guardduty at %s", key, loc, err, flushed)
	}
	resp := r.deliver(t, ctx, notification(key, flushed))
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("batch failures %v", resp.BatchItemFailures)
	}
	parts := r.takeParts()
	if len(parts) != 1 || parts[0].Records != 3 || parts[0].Created != 2 || parts[0].Existed != 1 {
		t.Fatalf("parts %+v: want 3 records, 2 versions created, the redelivery existing", parts)
	}

	// Both versions are in the index, each under id-updatedAt.
	var index string
	for _, i := range r.os.Indices() {
		if strings.Contains(i, "guardduty") {
			index = i
		}
	}
	if index == "" {
		t.Fatalf("no guardduty index among %v", r.os.Indices())
	}
	for _, updated := range []string{"2026-03-15T09:20:07.118Z", "2026-03-15T09:35:07.118Z"} {
		id := "b1056a69d588e8cbbfcc0e3b36ce257b-" + updated
		src, ok := r.os.Document(index, id)
		if !ok {
			t.Fatalf("finding version %s not indexed in %s", id, index)
		}
		var d struct {
			Cloud struct {
				Account struct{ ID string } `json:"account"`
				Region  string              `json:"region"`
			} `json:"cloud"`
			Event struct{ Dataset string } `json:"event"`
			Log   struct {
				File struct{ Path string } `json:"file"`
			} `json:"log"`
		}
		if err := json.Unmarshal(src, &d); err != nil {
			t.Fatal(err)
		}
		// The finding's account, not the administrator's that sent the event.
		if d.Cloud.Account.ID != "123456789012" || d.Cloud.Region != "eu-west-1" || d.Event.Dataset != "aws.guardduty" || d.Log.File.Path != key {
			t.Errorf("document %s: %s", id, src)
		}
	}

	// The loader's detection: the catalog's findings rule raised one alert
	// per version, each tied to its indexed document (alerts contract: _id =
	// rule + document, index of the event's month).
	for _, updated := range []string{"2026-03-15T09:20:07.118Z", "2026-03-15T09:35:07.118Z"} {
		docID := "b1056a69d588e8cbbfcc0e3b36ce257b-" + updated
		src, ok := r.os.Document(alerts.Index(time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)), alerts.ID("guardduty-high-finding", docID))
		if !ok {
			t.Fatalf("no guardduty-high-finding alert for %s; indices %v", docID, r.os.Indices())
		}
		var a alerts.Document
		if err := json.Unmarshal(src, &a); err != nil {
			t.Fatal(err)
		}
		if a.DocID != docID || a.DocIndex != index || a.Account != "123456789012" || a.Level != "high" || a.Kind != alerts.KindAlert {
			t.Errorf("alert %s", src)
		}
	}
}

package loader

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func readTestdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseMessage(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name string
		file string
		want Message
	}{
		{"an S3 notification names its object with the version", "s3_put.json", Message{Objects: []ObjectRef{{
			Bucket: "orgsiem-archive-111122223333", VersionID: "3HL4kqtJlcpXroDTDmjVBH40Nrjfkd", Size: 2048,
			Key:  "AWSLogs/o-abcd123456/123456789012/CloudTrail/eu-west-1/2025/01/02/123456789012_CloudTrail_eu-west-1_20250102T0305Z_AbCdEfGh.json.gz",
			Time: at("2025-01-02T03:05:06.789Z"),
		}}}},
		{"S3 notification keys are URL-decoded, plus being a space", "s3_put_encoded_key.json", Message{Objects: []ObjectRef{{
			Bucket: "orgsiem-archive-111122223333", Size: 10,
			Key:  "CWLogs/123456789012/eu-west-1/%2Faws%2Flambda%2Fmy function/2025/01/02/03/abc.json.gz",
			Time: at("2025-01-02T03:05:06Z"),
		}}}},
		{"only creation events of a notification are loaded", "s3_two_records.json", Message{
			Objects: []ObjectRef{{Bucket: "b1", Key: "vpcflow/a.log", Size: 1, Time: at("2025-01-02T03:05:06Z")}},
			Ignored: []Ignored{{Reason: "event ObjectRemoved:Delete"}},
		}},
		{"the S3 test event is ignored", "s3_test_event.json", Message{Ignored: []Ignored{{Reason: "s3:TestEvent"}}}},
		{"an SNS-wrapped notification is unwrapped", "sns_s3_put.json", Message{Objects: []ObjectRef{{
			Bucket: "orgsiem-archive-111122223333", Size: 512,
			Key:  "waf/2025/01/02/03/aws-waf-logs-x-1-2025-01-02-03-04-05-abc",
			Time: at("2025-01-02T03:05:06.789Z"),
		}}}},
		{"an SNS-wrapped test event is ignored", "sns_s3_test_event.json", Message{Ignored: []Ignored{{Reason: "s3:TestEvent"}}}},
		{"an EventBridge Object Created event keeps its key literally", "eventbridge_object_created.json", Message{Objects: []ObjectRef{{
			Bucket: "orgsiem-archive-111122223333", Key: "elb/app.my-lb.50dc6c495c0c9188/a b.log.gz", Size: 5,
			VersionID: "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e", Time: at("2025-01-02T03:05:06Z"),
		}}}},
		{"other EventBridge S3 events are ignored", "eventbridge_object_deleted.json", Message{Ignored: []Ignored{{Reason: "EventBridge Object Deleted"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMessage(readTestdata(t, filepath.Join("envelopes", tt.file)))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseMessageRejectsOtherBodies(t *testing.T) {
	tests := []struct{ name, body string }{
		{"a body that is not JSON", "Message Body"},
		{"a JSON array", `[1]`},
		{"an SNS notification of something else", `{"Type":"Notification","TopicArn":"arn:aws:sns:eu-west-1:1:t","Message":"Hello from SNS!"}`},
		{"an SNS notification inside an SNS notification", `{"Type":"Notification","TopicArn":"arn:x","Message":"{\"Type\":\"Notification\",\"TopicArn\":\"arn:y\",\"Message\":\"{}\"}"}`},
		{"records of another event source", `{"Records":[{"eventSource":"aws:sqs","eventName":"ObjectCreated:Put"}]}`},
		{"a notification without records", `{"Records":[]}`},
		{"a creation event without a key", `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{}}}]}`},
		{"a key with a broken escape", `{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"a%zz"}}}]}`},
		{"a continuation without an object", `{"kind":"orgsiem.loader.continuation"}`},
		{"a continuation with a negative offset", `{"kind":"orgsiem.loader.continuation","object":{"bucket":"b","key":"k","skipRecords":-1}}`},
		{"an EventBridge event without a key", `{"source":"aws.s3","detail-type":"Object Created","detail":{"bucket":{"name":"b"},"object":{}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMessage(tt.body)
			var env *EnvelopeError
			if !errors.As(err, &env) {
				t.Fatalf("got %v, want an *EnvelopeError", err)
			}
		})
	}
}

func TestContinuationRoundTrips(t *testing.T) {
	ref := ObjectRef{Bucket: "b", Key: "cloudtrail/x y.json.gz", VersionID: "v1", Size: 9, Time: time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC), SkipRecords: 1234, Part: 2}
	hunt := ref
	hunt.AlertsOnly, hunt.NoNotify, hunt.Rules = true, true, []string{"r1"}
	hunt.RuleFiles = []RuleFile{{Name: "r2.yml", Text: "id: r2\n"}}
	for _, r := range []ObjectRef{ref, hunt} {
		for _, body := range []func(ObjectRef) (string, error){continuationBody, ObjectBody} {
			b, err := body(r)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseMessage(b)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Objects) != 1 || !reflect.DeepEqual(got.Objects[0], r) {
				t.Errorf("got %+v, want %+v", got.Objects, r)
			}
		}
	}
	// A continuation past the part cap, or naming rules outside alert-only
	// mode, is a poison message.
	over := ref
	over.Part = MaxParts + 1
	notHunt := ref
	notHunt.Rules = []string{"r1"}
	for _, r := range []ObjectRef{over, notHunt} {
		b, _ := continuationBody(r)
		if _, err := ParseMessage(b); !isEnvelopeError(err) {
			t.Errorf("%+v: error %v, want an envelope error", r, err)
		}
	}
}

// TestCorpusEnvelopes reads the Lambda trigger envelopes of the shared
// corpus: the S3 event's records and the SQS event's bodies go through
// ParseMessage like the queue delivers them.
func TestCorpusEnvelopes(t *testing.T) {
	dir := filepath.Join(corpusRoot(t), "ingestion_envelopes", "aws-lambda-go", "events", "testdata")
	t.Run("the S3 event notification names its URL-decoded object", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join(dir, "s3-event.json"))
		if err != nil {
			t.Fatal(err)
		}
		m, err := ParseMessage(string(b))
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Objects) != 1 || m.Objects[0].Bucket != "sourcebucket" || m.Objects[0].Key != "Happy Face.jpg" || m.Objects[0].Size != 1024 {
			t.Errorf("got %+v", m.Objects)
		}
	})
	t.Run("an SNS notification wrapping the S3 event is unwrapped", func(t *testing.T) {
		s3ev, err := os.ReadFile(filepath.Join(dir, "s3-event.json"))
		if err != nil {
			t.Fatal(err)
		}
		var sns struct {
			Records []struct {
				Sns map[string]any `json:"Sns"`
			} `json:"Records"`
		}
		b, err := os.ReadFile(filepath.Join(dir, "sns-event.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &sns); err != nil || len(sns.Records) != 1 {
			t.Fatalf("sns-event.json: %v", err)
		}
		entity := sns.Records[0].Sns
		entity["Message"] = string(s3ev)
		body, _ := json.Marshal(entity)
		m, err := ParseMessage(string(body))
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Objects) != 1 || m.Objects[0].Key != "Happy Face.jpg" {
			t.Errorf("got %+v", m.Objects)
		}
		entity["Message"] = "Hello from SNS!"
		body, _ = json.Marshal(entity)
		if _, err := ParseMessage(string(body)); !isEnvelopeError(err) {
			t.Errorf("the fixture's own message %q: got %v, want an envelope error", "Hello from SNS!", err)
		}
	})
	t.Run("the SQS event's plain body is a poison message", func(t *testing.T) {
		var ev struct {
			Records []struct {
				Body string `json:"body"`
			} `json:"Records"`
		}
		b, err := os.ReadFile(filepath.Join(dir, "sqs-event.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &ev); err != nil || len(ev.Records) == 0 {
			t.Fatalf("sqs-event.json: %v", err)
		}
		for _, r := range ev.Records {
			if _, err := ParseMessage(r.Body); !isEnvelopeError(err) {
				t.Errorf("body %q: got %v, want an envelope error", r.Body, err)
			}
		}
	})
}

func FuzzParseMessage(f *testing.F) {
	for _, name := range []string{"s3_put.json", "s3_put_encoded_key.json", "s3_two_records.json", "s3_test_event.json",
		"sns_s3_put.json", "eventbridge_object_created.json"} {
		f.Add(readTestdata(f, filepath.Join("envelopes", name)))
	}
	f.Add(`{"kind":"orgsiem.loader.continuation","object":{"bucket":"b","key":"k","skipRecords":3}}`)
	f.Fuzz(func(t *testing.T, body string) {
		m, err := ParseMessage(body)
		if err != nil {
			return
		}
		for _, o := range m.Objects {
			if o.Bucket == "" || o.Key == "" || o.SkipRecords < 0 {
				t.Fatalf("accepted object without bucket or key: %+v", o)
			}
		}
	})
}

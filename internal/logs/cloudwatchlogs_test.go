package logs

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
)

func init() {
	const dd = "cloudwatch_logs/datadog-serverless-functions/aws/logs_monitoring/tests/events/"
	corpusKnownBad[dd+"sqs_s3.json"] = "a Datadog forwarder test event of an SQS-delivered S3 notification, not CloudWatch Logs data"
	corpusKnownBad[dd+"sqs_sns_s3.json"] = "a Datadog forwarder test event of an SQS/SNS-delivered S3 notification, not CloudWatch Logs data"
	const docs = "cloudwatch_logs/awsdocs-amazon-cloudwatch-logs-user-guide/_extracted/"
	corpusKnownBad[docs+"subscription-data-message.example01.json"] = "the documentation shortens each CloudTrail message to its first fields, leaving invalid JSON"
	corpusKnownBad[docs+"subscription-data-message.example02.json"] = "the documentation shortens each CloudTrail message to its first fields, leaving invalid JSON"
	corpusCountNotes["cloudwatch_logs/aws-lambda-go/events/testdata/cloudwatch-logs-event.json"] =
		"the manifest counts the one awslogs envelope; it holds two log events"
}

func TestArchiveLineDecodesAsEncodingJSON(t *testing.T) {
	tests := []struct {
		name string
		line string
		fast bool // archiveLine decodes it itself
	}{
		{"the usual archive line", `{"id":"1","timestamp":1709632800500,"message":"m","logGroup":"/g","logStream":"s","owner":"111122223333"}`, true},
		{"escapes and surrogate pairs in the message", `{"id":"1","timestamp":5,"message":"a\"b\\c\/\n\u00e9\ud83d\ude00\ud800x\udc00","logGroup":"g"}`, true},
		{"invalid UTF-8 becomes U+FFFD", "{\"id\":\"1\",\"timestamp\":5,\"message\":\"a\xff\xfeb\",\"logGroup\":\"g\"}", true},
		{"a missing timestamp and message stay nil", `{"id":"1","logGroup":"g"}`, true},
		{"a negative timestamp", `{"id":"1","timestamp":-5,"message":"m","logGroup":"g"}`, true},
		{"the last of duplicate keys wins", `{"id":"1","id":"2","timestamp":1,"timestamp":2,"message":"a","message":"b","logGroup":"g"}`, true},
		{"unknown keys are ignored", `{"x":{"a":[1,2]},"id":"1","timestamp":1,"message":"m","logGroup":"g"}`, true},
		{"a key differing only in case is left to encoding/json", `{"ID":"1","timestamp":1,"message":"m","logGroup":"g"}`, false},
		{"an escaped key is left to encoding/json", `{"\u0069d":"1","timestamp":1,"message":"m","logGroup":"g"}`, false},
		{"a null message is left to encoding/json", `{"id":"1","timestamp":1,"message":null,"logGroup":"g"}`, false},
		{"a fractional timestamp is left to encoding/json", `{"id":"1","timestamp":1.5,"message":"m","logGroup":"g"}`, false},
		{"a string timestamp is left to encoding/json", `{"id":"1","timestamp":"1","message":"m","logGroup":"g"}`, false},
		{"a subscription payload is left to encoding/json", `{"messageType":"DATA_MESSAGE","logGroup":"g","logEvents":[]}`, false},
		{"invalid JSON is left to encoding/json", `{"id":"1",}`, false},
		{"an array is left to encoding/json", `[1]`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkArchiveLine(t, []byte(tt.line), tt.fast)
		})
	}
}

// checkArchiveLine asserts that archiveLine, when it decodes line, yields
// what json.Unmarshal does; fast is whether it should decode it itself.
func checkArchiveLine(t *testing.T, line []byte, fast bool) {
	t.Helper()
	c := &cwParser{}
	var got cwPayload
	ok := c.archiveLine(line, &got)
	if ok != fast {
		t.Fatalf("archiveLine decoded it: %v, want %v", ok, fast)
	}
	if !ok {
		return
	}
	var want cwPayload
	if err := json.Unmarshal(line, &want); err != nil {
		t.Fatalf("archiveLine decoded what encoding/json rejects: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("archiveLine:  %s\njson.Unmarshal: %s", describePayload(got), describePayload(want))
	}
}

func describePayload(p cwPayload) string {
	s := fmt.Sprintf("group %q stream %q owner %q id %q", p.LogGroup, p.LogStream, p.Owner, p.ID)
	if p.Timestamp != nil {
		s += fmt.Sprintf(" ts %d", *p.Timestamp)
	}
	if p.Message != nil {
		s += fmt.Sprintf(" message %q", *p.Message)
	}
	return s
}

func FuzzArchiveLine(f *testing.F) {
	f.Add(`{"id":"1","timestamp":1709632800500,"message":"m","logGroup":"/g","logStream":"s","owner":"111122223333"}`)
	f.Add(`{"id":"1","timestamp":5,"message":"a\"b\\c\/\n\u00e9\ud83d\ude00\ud800x\udc00\ud800\u0041","logGroup":"g"}`)
	f.Add("{\"id\":\"\xff\",\"message\":\"\xed\xa0\x80\"}")
	f.Fuzz(func(t *testing.T, line string) {
		c := &cwParser{}
		var got cwPayload
		if !c.archiveLine([]byte(line), &got) {
			return
		}
		var want cwPayload
		if err := json.Unmarshal([]byte(line), &want); err != nil {
			t.Fatalf("archiveLine decoded what encoding/json rejects: %v", err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("archiveLine:  %s\njson.Unmarshal: %s", describePayload(got), describePayload(want))
		}
	})
}

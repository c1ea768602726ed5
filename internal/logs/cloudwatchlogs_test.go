package logs

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/orgsiem/orgsiem/internal/sharedtest"
)

func init() {
	const dd = "cloudwatch_logs/datadog-serverless-functions/aws/logs_monitoring/tests/events/"
	corpusKnownBad[dd+"sqs_s3.json"] = "a Datadog forwarder test event of an SQS-delivered S3 notification, not CloudWatch Logs data"
	corpusKnownBad[dd+"sqs_sns_s3.json"] = "a Datadog forwarder test event of an SQS/SNS-delivered S3 notification, not CloudWatch Logs data"
	const docs = "cloudwatch_logs/awsdocs-amazon-cloudwatch-logs-user-guide/_extracted/"
	corpusKnownBad[docs+"subscription-data-message.example01.json"] = "the documentation shortens each CloudTrail message to its first fields, leaving invalid JSON"
	// example02 names its group "CloudTrail": not a documented CloudTrail
	// delivery name, so its messages are generic cloudwatchlogs documents.
	corpusCountNotes["cloudwatch_logs/aws-lambda-go/events/testdata/cloudwatch-logs-event.json"] =
		"the manifest counts the one awslogs envelope; it holds two log events"
}

func TestDecodeAsEncodingJSON(t *testing.T) {
	tests := []struct {
		name string
		json string
		fast bool // decode decodes it itself
	}{
		{"the usual archive line", `{"id":"1","timestamp":1709632800500,"message":"m","logGroup":"/g","logStream":"s","owner":"111122223333"}`, true},
		{"escapes and surrogate pairs in the message", `{"id":"1","timestamp":5,"message":"a\"b\\c\/\n\u00e9\ud83d\ude00\ud800x\udc00","logGroup":"g"}`, true},
		{"escapes in the envelope strings", `{"id":"\u0031","message":"m","logGroup":"\/g","logStream":"s\t","owner":"o\u00e9"}`, true},
		{"invalid UTF-8 becomes U+FFFD", "{\"id\":\"1\",\"timestamp\":5,\"message\":\"a\xff\xfeb\",\"logGroup\":\"g\xff\"}", true},
		{"a missing timestamp and message stay absent", `{"id":"1","logGroup":"g"}`, true},
		{"a negative timestamp", `{"id":"1","timestamp":-5,"message":"m","logGroup":"g"}`, true},
		{"the last of duplicate keys wins", `{"id":"1","id":"2","timestamp":1,"timestamp":2,"message":"a","message":"b","logGroup":"g","logGroup":"h"}`, true},
		{"unknown keys are ignored", `{"x":{"a":[1,2]},"id":"1","timestamp":1,"message":"m","logGroup":"g"}`, true},
		{"a subscription payload", `{"messageType":"DATA_MESSAGE","owner":"111122223333","logGroup":"/aws/lambda/f","logStream":"s","subscriptionFilters":["a","b"],"logEvents":[{"id":"1","timestamp":1,"message":"x"},{"id":"2","timestamp":2,"message":"{\"a\":1}","extra":[{}]}]}`, true},
		{"a control message", `{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE"}]}`, true},
		{"an unknown messageType", `{"messageType":"OTHER","logEvents":[]}`, true},
		{"an event without message", `{"messageType":"DATA_MESSAGE","logGroup":"g","logEvents":[{"id":"1"},{}]}`, true},
		{"a Lambda subscription event", `{"awslogs":{"data":"H4sIAAAAAAAA\/w==","x":1}}`, true},
		{"an empty awslogs object", `{"awslogs":{}}`, true},
		{"a key differing only in case is left to encoding/json", `{"ID":"1","timestamp":1,"message":"m","logGroup":"g"}`, false},
		{"an event key differing only in case is left to encoding/json", `{"messageType":"DATA_MESSAGE","logEvents":[{"Message":"m"}]}`, false},
		{"an awslogs key differing only in case is left to encoding/json", `{"awslogs":{"Data":"x"}}`, false},
		{"an escaped key is left to encoding/json", `{"\u0069d":"1","timestamp":1,"message":"m","logGroup":"g"}`, false},
		{"a non-ASCII key is left to encoding/json", `{"mesſage":"m","logGroup":"g"}`, false},
		{"a null message is left to encoding/json", `{"id":"1","timestamp":1,"message":null,"logGroup":"g"}`, false},
		{"a fractional timestamp is left to encoding/json", `{"id":"1","timestamp":1.5,"message":"m","logGroup":"g"}`, false},
		{"a string timestamp is left to encoding/json", `{"id":"1","timestamp":"1","message":"m","logGroup":"g"}`, false},
		{"a 19-digit timestamp is left to encoding/json", `{"id":"1","timestamp":1000000000000000000,"message":"m","logGroup":"g"}`, false},
		{"a repeated logEvents is left to encoding/json", `{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","message":"m"}],"logEvents":[{"id":"2"}]}`, false},
		{"a repeated awslogs is left to encoding/json", `{"awslogs":{"data":"a"},"awslogs":{}}`, false},
		{"a non-object event is left to encoding/json", `{"messageType":"DATA_MESSAGE","logEvents":[null]}`, false},
		{"a non-string filter is left to encoding/json", `{"messageType":"DATA_MESSAGE","subscriptionFilters":[1],"logEvents":[]}`, false},
		{"a null awslogs is left to encoding/json", `{"awslogs":null,"logGroup":"g","message":"m"}`, false},
		{"invalid JSON is left to encoding/json", `{"id":"1",}`, false},
		{"an array is left to encoding/json", `[1]`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if fast := checkDecode(t, []byte(tt.json)); fast != tt.fast {
				t.Errorf("decode decoded it: %v, want %v", fast, tt.fast)
			}
		})
	}
	t.Run("many messages with escapes in one payload", func(t *testing.T) {
		// Decoding them grows the buffer they share several times.
		p := []byte(`{"messageType":"DATA_MESSAGE","logGroup":"g","logEvents":[`)
		for i := range 100 {
			if i > 0 {
				p = append(p, ',')
			}
			p = fmt.Appendf(p, `{"id":"%d","message":"%d\"%s\n"}`, i, i, strings.Repeat("x", i*7))
		}
		if !checkDecode(t, append(p, "]}"...)) {
			t.Error("decode did not decode it")
		}
	})
}

// TestDecodeAsEncodingJSONOverFixturesAndCorpus compares decode with
// encoding/json over every JSON value of the cloudwatchlogs fixtures and of
// the JSON files of the whole corpus (when present), and over the payloads
// their awslogs.data hold.
func TestDecodeAsEncodingJSONOverFixturesAndCorpus(t *testing.T) {
	paths, err := filepath.Glob("testdata/cloudwatchlogs/*")
	if err != nil {
		t.Fatal(err)
	}
	if root, err := sharedtest.Path("corpus"); err == nil {
		err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() && (strings.HasSuffix(p, ".json") || strings.HasSuffix(p, ".json.gz") || strings.HasSuffix(p, ".log")) {
				paths = append(paths, p)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var values, fast int
	for _, p := range paths {
		if strings.HasSuffix(p, ".expected.ndjson") {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if zr, err := gzip.NewReader(bytes.NewReader(data)); err == nil {
			if data, err = io.ReadAll(zr); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
		}
		for _, v := range jsonValues(data) {
			values++
			if checkDecode(t, v) {
				fast++
			}
			var p cwPayload
			if json.Unmarshal(v, &p) != nil || p.AWSLogs == nil {
				continue
			}
			plain, err := (&cwParser{}).decodeAWSLogsData([]byte(p.AWSLogs.Data))
			if err != nil {
				continue
			}
			for _, inner := range jsonValues(plain) {
				values++
				if checkDecode(t, inner) {
					fast++
				}
			}
		}
	}
	t.Logf("%d files, %d JSON values, %d decoded by decode", len(paths), values, fast)
	if fast < 10 {
		t.Errorf("decode decoded only %d values itself: the fixtures alone hold 13 it should take", fast)
	}
}

// jsonValues splits data into its JSON values as the parser frames them.
func jsonValues(data []byte) [][]byte {
	js := &jsonStream{r: bufio.NewReader(bytes.NewReader(data))}
	var out [][]byte
	for {
		v, tooLong, err := js.readValue(nil, maxPayloadBytes)
		if err != nil || tooLong {
			return out
		}
		out = append(out, v)
	}
}

// checkDecode asserts that decode, when it decodes raw, yields what
// json.Unmarshal and cwValue.set do; it reports whether decode decoded it.
func checkDecode(t *testing.T, raw []byte) bool {
	t.Helper()
	c := &cwParser{}
	if !c.decode(raw) {
		return false
	}
	got := resolvedValue(c.val)
	var p cwPayload
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatalf("decode decoded what encoding/json rejects (%v): %s", err, raw)
	}
	var want cwValue
	want.set(&p, nil)
	if want = resolvedValue(want); !reflect.DeepEqual(got, want) {
		t.Errorf("decode of %s\n got: %+v\nwant: %+v", raw, got, want)
	}
	return true
}

// resolvedValue is v with empty slices nil, for comparison.
func resolvedValue(v cwValue) cwValue {
	v.events = slices.Clone(v.events)
	for i := range v.events {
		if len(v.events[i].msg) == 0 {
			v.events[i].msg = nil
		}
	}
	if len(v.events) == 0 {
		v.events = nil
	}
	if len(v.top.msg) == 0 {
		v.top.msg = nil
	}
	if len(v.data) == 0 {
		v.data = nil
	}
	return v
}

func TestDecodeOfAnArchiveLineAllocatesOnlyItsID(t *testing.T) {
	line := []byte(`{"id":"37000000000000000000000000000000000000000000000000000001","timestamp":1709632800500,"message":"{\"a\":\"b\"}","logGroup":"/aws/lambda/f","logStream":"s","owner":"111122223333"}`)
	c := &cwParser{}
	c.decode(line) // interns the envelope strings
	if n := testing.AllocsPerRun(100, func() { c.decode(line) }); n != 1 {
		t.Errorf("decode allocates %v times per archive line, want 1 (the id)", n)
	}
}

func TestLambdaEventsYieldWhatTheirPayloadsYield(t *testing.T) {
	payloads := [][]byte{
		[]byte(`{"messageType":"DATA_MESSAGE","owner":"111122223333","logGroup":"/aws/lambda/f","logStream":"s","subscriptionFilters":["f"],"logEvents":[{"id":"37000000000000000000000000000000000000000000000000000001","timestamp":1709632800500,"message":"one"}]}`),
		[]byte(`{"messageType":"DATA_MESSAGE","owner":"111122223333","logGroup":"/ec2/var/log/secure","logStream":"i-1","subscriptionFilters":["f"],"logEvents":[{"id":"37000000000000000000000000000000000000000000000000000002","timestamp":1709632801000,"message":"Mar  5 10:00:01 ip-10-0-0-5 sshd[2211]: Failed password for invalid user admin from 203.0.113.50 port 52100 ssh2"}]}`),
	}
	event := func(plain []byte) []byte { return lambdaEvent(t, plain) }
	tests := []struct {
		name   string
		events [][]byte // Lambda events, one a line
		want   [][]byte // the values they hold
	}{
		{"one payload an event, the gzip reader reused",
			[][]byte{event(payloads[0]), event(payloads[1]), event(payloads[0])},
			[][]byte{payloads[0], payloads[1], payloads[0]}},
		{"a payload with whitespace around it",
			[][]byte{event(slices.Concat([]byte(" \n"), payloads[0], []byte("\n")))},
			[][]byte{payloads[0]}},
		{"two payloads in one event",
			[][]byte{event(slices.Concat(payloads[0], payloads[1]))},
			[][]byte{payloads[0], payloads[1]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := normalizeBytes(t, "cloudwatchlogs", "k", bytes.Join(tt.events, nil))
			want := normalizeBytes(t, "cloudwatchlogs", "k", bytes.Join(tt.want, []byte("\n")))
			if got.stats.Errors != 0 || len(got.lines) != len(tt.want) {
				t.Fatalf("%d documents, %d errors (%q), want %d documents", len(got.lines), got.stats.Errors, got.errorMessages(), len(tt.want))
			}
			for i := range want.lines {
				if !bytes.Equal(got.lines[i], want.lines[i]) {
					t.Errorf("document %d:\n got: %s\nwant: %s", i, got.lines[i], want.lines[i])
				}
			}
		})
	}
}

func TestABadLambdaEventDoesNotSpoilTheNext(t *testing.T) {
	good := lambdaEvent(t, []byte(`{"messageType":"DATA_MESSAGE","logGroup":"g","logEvents":[{"id":"1","timestamp":1,"message":"m"}]}`))
	z := gzipped(t, []byte(`{"messageType":"DATA_MESSAGE","logGroup":"g","logEvents":[]}`))
	truncated := awslogsLine(z[:len(z)-4])
	r := normalizeBytes(t, "cloudwatchlogs", "k", slices.Concat(
		[]byte(`{"awslogs":{"data":"cGxhaW4sIG5vdCBnemlw"}}`+"\n"), good, truncated, good))
	want := []string{"awslogs.data is not gzip", "awslogs.data: unexpected EOF"}
	if got := r.errorMessages(); len(got) != len(want) {
		t.Fatalf("errors %q, want %d", got, len(want))
	}
	for i, w := range want {
		if got := r.errorMessages()[i]; !strings.Contains(got, w) {
			t.Errorf("error %d: %q, want it to mention %q", i, got, w)
		}
	}
	if r.stats.Documents != 2 {
		t.Errorf("%d documents, want 2 (the good events after the bad ones)", r.stats.Documents)
	}
}

// lambdaEvent is a Lambda subscription event line holding payload.
func lambdaEvent(t *testing.T, payload []byte) []byte {
	return awslogsLine(gzipped(t, payload))
}

func awslogsLine(data []byte) []byte {
	return fmt.Appendf(nil, `{"awslogs":{"data":%q}}`+"\n", base64.StdEncoding.EncodeToString(data))
}

func gzipped(t testing.TB, data []byte) []byte {
	t.Helper()
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return z.Bytes()
}

func FuzzCloudWatchLogsDecode(f *testing.F) {
	f.Add(`{"id":"1","timestamp":1709632800500,"message":"m","logGroup":"/g","logStream":"s","owner":"111122223333"}`)
	f.Add(`{"id":"1","timestamp":5,"message":"a\"b\\c\/\n\u00e9\ud83d\ude00\ud800x\udc00\ud800\u0041","logGroup":"g"}`)
	f.Add("{\"id\":\"\xff\",\"message\":\"\xed\xa0\x80\"}")
	f.Add(`{"messageType":"DATA_MESSAGE","owner":"o","logGroup":"g","logStream":"s","subscriptionFilters":["f"],"logEvents":[{"id":"1","timestamp":1,"message":"x"},{"id":"2"}]}`)
	f.Add(`{"awslogs":{"data":"H4sI"}}`)
	f.Fuzz(func(t *testing.T, raw string) { checkDecode(t, []byte(raw)) })
}

// cwBenchPayloads regroups the events of testdata/cloudwatchlogs/archive.log
// into DATA_MESSAGE payloads of perPayload events each (one log group per
// payload, as CloudWatch Logs sends them), cycling through the lines until
// the payloads hold about size bytes of JSON.
func cwBenchPayloads(b *testing.B, perPayload, size int) [][]byte {
	b.Helper()
	data, err := os.ReadFile("testdata/cloudwatchlogs/archive.log")
	if err != nil {
		b.Fatal(err)
	}
	// The members of each line as they stand in it, copied into payloads
	// written as the documentation shows them.
	var lines []map[string]json.RawMessage
	for _, l := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		var v map[string]json.RawMessage
		if err := json.Unmarshal(l, &v); err != nil {
			b.Fatal(err)
		}
		lines = append(lines, v)
	}
	var out [][]byte
	for total, i := 0, 0; total < size; i++ {
		l := lines[i%len(lines)]
		p := fmt.Appendf(nil, `{"messageType":"DATA_MESSAGE","owner":%s,"logGroup":%s,"logStream":%s,"subscriptionFilters":["orgsiem"],"logEvents":[`,
			l["owner"], l["logGroup"], l["logStream"])
		for k := range perPayload {
			if k > 0 {
				p = append(p, ',')
			}
			p = fmt.Appendf(p, `{"id":%s,"timestamp":%s,"message":%s}`, l["id"], l["timestamp"], l["message"])
		}
		p = append(p, "]}"...)
		if !json.Valid(p) {
			b.Fatalf("line %d of archive.log lacks a member of the payload: %s", i%len(lines)+1, p)
		}
		out = append(out, p)
		total += len(p)
	}
	return out
}

// BenchmarkCloudWatchLogsGeneric: the archive.log lines all in one log
// group that is not routed, so the benchmark measures the router itself
// (reading, decoding, documents) rather than the routed parsers.
func BenchmarkCloudWatchLogsGeneric(b *testing.B) {
	data := repeatFile(b, "testdata/cloudwatchlogs/archive.log", 4<<20)
	data = regexp.MustCompile(`"logGroup":"[^"]*"`).ReplaceAll(data, []byte(`"logGroup":"/aws/lambda/orgsiem-loader"`))
	benchNormalize(b, "cloudwatchlogs", data)
}

// BenchmarkCloudWatchLogsFirehose: the archive.log events as DATA_MESSAGE
// payloads of 20 events, concatenated as Firehose writes them to S3 (the
// stream path).
func BenchmarkCloudWatchLogsFirehose(b *testing.B) {
	benchNormalize(b, "cloudwatchlogs", bytes.Join(cwBenchPayloads(b, 20, 4<<20), nil))
}

// BenchmarkCloudWatchLogsLambdaEvent: the same payloads as Lambda
// subscription events {"awslogs":{"data":"<base64 of gzip>"}}, one a line.
// MB/s counts the payload JSON (the decompressed log data); payload/input
// is how much larger it is than the envelopes read.
func BenchmarkCloudWatchLogsLambdaEvent(b *testing.B) {
	payloads := cwBenchPayloads(b, 20, 4<<20)
	var input []byte
	var plain int
	for _, p := range payloads {
		input = append(input, awslogsLine(gzipped(b, p))...)
		plain += len(p)
	}
	// MB/s counts the subscription payload JSON inside the events, as the
	// other benchmarks count decompressed log data.
	benchNormalizeLogs(b, "cloudwatchlogs", input, int64(plain))
	b.ReportMetric(float64(plain)/float64(len(input)), "payload/input")
}

package transfer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/orgsiem/orgsiem/internal/archive"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// checkObject asserts that body holds exactly the delivery's events, one
// Line per event in order, with the delivery's context on every line.
func checkObject(t *testing.T, d *Delivery, body []byte) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(string(body), "\n"), "\n")
	if len(lines) != len(d.LogEvents) {
		t.Fatalf("object has %d lines, delivery has %d events", len(lines), len(d.LogEvents))
	}
	for i, raw := range lines {
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.DisallowUnknownFields()
		var l Line
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("line %d %q: %v", i+1, raw, err)
		}
		ev := d.LogEvents[i]
		want := Line{ID: ev.ID, Timestamp: ev.Timestamp, Message: ev.Message, LogGroup: d.LogGroup, LogStream: d.LogStream, Owner: d.Owner}
		if l != want {
			t.Fatalf("line %d:\n got %+v\nwant %+v", i+1, l, want)
		}
	}
}

// expectedKey is where a delivery must land: the archive layout for its
// owner, this region, its log group and the hour of its earliest event.
func expectedKey(d *Delivery) string {
	first := d.LogEvents[0].Timestamp
	for _, ev := range d.LogEvents {
		first = min(first, ev.Timestamp)
	}
	return archive.CWLogsKey(d.Owner, testRegion, d.LogGroup, time.UnixMilli(first).UTC(), ObjectName(d))
}

func decodeDoc(t *testing.T, doc []byte) *Delivery {
	t.Helper()
	d, err := decodeJSON(doc)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestProjectFixtures(t *testing.T) {
	tests := []struct {
		name        string
		file        string
		written     bool
		policyLevel string
		firstTime   string
		lastTime    string
	}{
		{name: "an account-level policy delivery is archived with its policy level", file: "account_policy", written: true,
			policyLevel: AccountLevelPolicy, firstTime: "2024-03-18T10:00:00.123Z", lastTime: "2024-03-18T10:00:02.140Z"},
		{name: "a per-group delivery spanning an hour is keyed by its first event", file: "linux_secure", written: true,
			firstTime: "2024-03-18T10:59:59.000Z", lastTime: "2024-03-18T11:00:02.000Z"},
		{name: "a control message is acknowledged and not written", file: "control_message"},
		{name: "an account-level control message is acknowledged and not written", file: "account_policy_control_message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := newHarness(t)
			doc := readFile(t, filepath.Join("testdata", tt.file+".json"))
			if err := hs.h.Handle(context.Background(), wire(t, doc)); err != nil {
				t.Fatalf("Handle: %v", err)
			}
			keys := hs.s3.keys(t)
			m := hs.lastMetrics(t)
			if !tt.written {
				if len(keys) != 0 || len(hs.s3.putHeaders()) != 0 {
					t.Fatalf("control message wrote %v", keys)
				}
				if m.DroppedControlMessages != 1 || m.Objects != 0 {
					t.Fatalf("metrics %+v, want one dropped control message", m)
				}
				return
			}
			d := decodeDoc(t, doc)
			if len(keys) != 1 || keys[0] != expectedKey(d) {
				t.Fatalf("keys %v, want [%s]", keys, expectedKey(d))
			}
			loc, err := archive.Parse(keys[0])
			if err != nil || loc.LogType != archive.TypeCloudWatchLogs || loc.Account != d.Owner || loc.Region != testRegion ||
				loc.LogGroup != d.LogGroup || loc.Time.Format(time.RFC3339) != tt.firstTime[:13]+":00:00Z" {
				t.Fatalf("the loader's view of %s: %+v, %v", keys[0], loc, err)
			}
			body, meta := hs.s3.object(t, keys[0])
			checkObject(t, d, body)
			golden := filepath.Join("testdata", tt.file+".expected.ndjson")
			if *update {
				if err := os.WriteFile(golden, body, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if want := readFile(t, golden); !bytes.Equal(body, want) {
				t.Fatalf("object differs from %s (run with -update after checking):\n%s", golden, body)
			}
			wantMeta := map[string]string{
				MetaAccount: d.Owner, MetaRegion: testRegion, MetaLogGroup: d.LogGroup,
				MetaEvents: itoa(len(d.LogEvents)), MetaFirstTime: tt.firstTime, MetaLastTime: tt.lastTime, MetaFormat: FormatNDJSON,
			}
			if tt.policyLevel != "" {
				wantMeta[MetaPolicyLevel] = tt.policyLevel
			}
			if len(meta) != len(wantMeta) {
				t.Fatalf("metadata %v, want %v", meta, wantMeta)
			}
			for k, v := range wantMeta {
				if meta[k] != v {
					t.Fatalf("metadata %s = %q, want %q (all: %v)", k, meta[k], v, meta)
				}
			}
			checkPutHeaders(t, hs.s3.putHeaders())
			if m.Objects != 1 || m.Events != int64(len(d.LogEvents)) || m.Bytes != int64(len(body)) || m.ObjectBytes == 0 {
				t.Fatalf("metrics %+v", m)
			}
		})
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// checkPutHeaders asserts every write asked for SSE-KMS with the archive
// key, was conditional, named the expected bucket owner and set no ACL.
func checkPutHeaders(t *testing.T, puts []http.Header) {
	t.Helper()
	if len(puts) == 0 {
		t.Fatal("no PutObject request recorded")
	}
	for _, h := range puts {
		for name, want := range map[string]string{
			"X-Amz-Server-Side-Encryption":                    "aws:kms",
			"X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id":     testKMSKey,
			"X-Amz-Server-Side-Encryption-Bucket-Key-Enabled": "true",
			"If-None-Match":               "*",
			"X-Amz-Expected-Bucket-Owner": "999988887777",
			"Content-Encoding":            "gzip",
		} {
			if got := h.Get(name); got != want {
				t.Errorf("PutObject header %s = %q, want %q", name, got, want)
			}
		}
		for name := range h {
			if strings.HasPrefix(strings.ToLower(name), "x-amz-grant") || strings.EqualFold(name, "X-Amz-Acl") {
				t.Errorf("PutObject sets an ACL header %s", name)
			}
		}
	}
}

func TestRetriedDeliveryWritesOneObject(t *testing.T) {
	hs := newHarness(t)
	ev := wire(t, readFile(t, filepath.Join("testdata", "account_policy.json")))
	for i := 0; i < 3; i++ {
		if err := hs.h.Handle(context.Background(), ev); err != nil {
			t.Fatalf("invocation %d: %v", i+1, err)
		}
	}
	if keys := hs.s3.keys(t); len(keys) != 1 {
		t.Fatalf("three invocations of one delivery left %d objects: %v", len(keys), keys)
	}
	if m := hs.lastMetrics(t); m.ObjectsExisting != 1 || m.Objects != 0 || m.Events != 4 {
		t.Fatalf("retry metrics %+v, want the object found existing", m)
	}
	// A different delivery of the same log group gets its own object.
	var doc map[string]any
	_ = json.Unmarshal(readFile(t, filepath.Join("testdata", "account_policy.json")), &doc)
	doc["logEvents"] = doc["logEvents"].([]any)[:2]
	next, _ := json.Marshal(doc)
	if err := hs.h.Handle(context.Background(), wire(t, next)); err != nil {
		t.Fatal(err)
	}
	if keys := hs.s3.keys(t); len(keys) != 2 {
		t.Fatalf("a second, different delivery gave %d objects, want 2", len(keys))
	}
}

func TestBadPayloadsFailAndWriteNothing(t *testing.T) {
	valid := readFile(t, filepath.Join("testdata", "linux_secure.json"))
	b64 := func(b []byte) events.CloudwatchLogsEvent {
		return events.CloudwatchLogsEvent{AWSLogs: events.CloudwatchLogsRawData{Data: base64Std(b)}}
	}
	gz := wire(t, valid).AWSLogs.Data
	tests := []struct {
		name  string
		ev    events.CloudwatchLogsEvent
		stage string
		text  string
	}{
		{"an event without awslogs.data is refused", events.CloudwatchLogsEvent{}, "envelope", "not a CloudWatch Logs subscription event"},
		{"data that is not base64 is refused", events.CloudwatchLogsEvent{AWSLogs: events.CloudwatchLogsRawData{Data: "not base64 at all!"}}, "base64", "illegal base64"},
		{"base64 that is not gzip is refused", b64(valid), "gzip", "gzip"},
		{"a truncated gzip stream is refused", b64(mustB64Decode(t, gz)[:60]), "gzip", "unexpected EOF"},
		{"gzip that is not JSON is refused", wire(t, []byte("Mar 18 sshd[1]: not json")), "json", "invalid character"},
		{"a JSON array is refused", wire(t, []byte(`[1,2]`)), "json", "cannot unmarshal array"},
		{"an unknown messageType is refused", wire(t, bytes.Replace(valid, []byte("DATA_MESSAGE"), []byte("HEALTH_MESSAGE"), 1)), "messageType", `unknown messageType "HEALTH_MESSAGE"`},
		{"a missing messageType is refused", wire(t, []byte(`{"owner":"444455556666","logGroup":"g","logEvents":[]}`)), "messageType", `unknown messageType ""`},
		{"an owner that is not an account id is refused", wire(t, bytes.Replace(valid, []byte(`"444455556666"`), []byte(`"CloudwatchLogs"`), 1)), "content", "not a 12-digit account id"},
		{"a data message without log group is refused", wire(t, bytes.Replace(valid, []byte(`"/ec2/linux/var/log/secure"`), []byte(`""`), 1)), "content", "logGroup is empty"},
		{"an event without id is refused", wire(t, bytes.Replace(valid, []byte(`"38155351000000000000000000000000000000000000000000000001"`), []byte(`""`), 1)), "content", "log event 2 of 3 has no id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := newHarness(t)
			err := hs.h.Handle(context.Background(), tt.ev)
			var pe *PayloadError
			if !errors.As(err, &pe) || pe.Stage != tt.stage || !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("err = %v, want a %s PayloadError mentioning %q", err, tt.stage, tt.text)
			}
			if keys := hs.s3.keys(t); len(keys) != 0 || len(hs.s3.putHeaders()) != 0 {
				t.Fatalf("a bad payload wrote %v", keys)
			}
			if m := hs.lastMetrics(t); m.InvalidPayloads != 1 || m.Objects != 0 {
				t.Fatalf("metrics %+v, want one invalid payload", m)
			}
		})
	}
}

func TestEmptyDataMessageIsCountedAndNotWritten(t *testing.T) {
	hs := newHarness(t)
	doc := []byte(`{"messageType":"DATA_MESSAGE","owner":"444455556666","logGroup":"/a","logStream":"s","subscriptionFilters":["f"],"logEvents":[]}`)
	if err := hs.h.Handle(context.Background(), wire(t, doc)); err != nil {
		t.Fatal(err)
	}
	if keys := hs.s3.keys(t); len(keys) != 0 {
		t.Fatalf("wrote %v", keys)
	}
	if m := hs.lastMetrics(t); m.DroppedEmptyDeliveries != 1 {
		t.Fatalf("metrics %+v", m)
	}
}

func TestS3Outage(t *testing.T) {
	tests := []struct {
		name   string
		status int
		code   string
	}{
		{"S3 answering 503 SlowDown fails the invocation", http.StatusServiceUnavailable, "SlowDown"},
		{"S3 answering 500 InternalError fails the invocation", http.StatusInternalServerError, "InternalError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := newHarness(t)
			ev := wire(t, readFile(t, filepath.Join("testdata", "linux_secure.json")))
			hs.s3.fail(-1, tt.status, tt.code)
			err := hs.h.Handle(context.Background(), ev)
			if err == nil || !strings.Contains(err.Error(), tt.code) || !strings.Contains(err.Error(), "gave up after 4 attempts") {
				t.Fatalf("err = %v, want the %s error after 4 attempts", err, tt.code)
			}
			if len(hs.waits) != 3 {
				t.Fatalf("waited %d times (%v), want 3 backoffs between 4 attempts", len(hs.waits), hs.waits)
			}
			if m := hs.lastMetrics(t); m.WriteFailures != 1 || m.WriteRetries != 3 || m.Objects != 0 || m.Events != 0 {
				t.Fatalf("metrics %+v", m)
			}
			// Lambda retries the same event once S3 is back: the data arrives.
			hs.s3.fail(0, 0, "")
			if err := hs.h.Handle(context.Background(), ev); err != nil {
				t.Fatalf("retry after the outage: %v", err)
			}
			if keys := hs.s3.keys(t); len(keys) != 1 {
				t.Fatalf("after recovery: %v", keys)
			}
		})
	}
}

func TestTransientS3ErrorsAreRetriedWithinTheInvocation(t *testing.T) {
	hs := newHarness(t)
	hs.s3.fail(2, http.StatusServiceUnavailable, "SlowDown")
	doc := readFile(t, filepath.Join("testdata", "linux_secure.json"))
	if err := hs.h.Handle(context.Background(), wire(t, doc)); err != nil {
		t.Fatal(err)
	}
	keys := hs.s3.keys(t)
	if len(keys) != 1 {
		t.Fatalf("keys %v", keys)
	}
	body, _ := hs.s3.object(t, keys[0])
	checkObject(t, decodeDoc(t, doc), body)
	if m := hs.lastMetrics(t); m.WriteRetries != 2 || m.Objects != 1 {
		t.Fatalf("metrics %+v", m)
	}
}

func TestAccessDeniedIsNotRetried(t *testing.T) {
	hs := newHarness(t)
	hs.s3.fail(-1, http.StatusForbidden, "AccessDenied")
	err := hs.h.Handle(context.Background(), wire(t, readFile(t, filepath.Join("testdata", "linux_secure.json"))))
	if err == nil || !strings.Contains(err.Error(), "AccessDenied") || len(hs.waits) != 0 {
		t.Fatalf("err = %v after %d waits, want AccessDenied at once", err, len(hs.waits))
	}
}

func TestConfigFromEnv(t *testing.T) {
	base := map[string]string{EnvBucket: testBucket, EnvKMSKeyARN: testKMSKey, EnvRegion: testRegion, EnvBucketRegion: testRegion}
	tests := []struct {
		name    string
		change  map[string]string
		wantErr string
	}{
		{name: "a complete environment is accepted"},
		{name: "a missing bucket region is refused, not guessed from AWS_REGION", change: map[string]string{EnvBucketRegion: ""}, wantErr: EnvBucketRegion},
		{name: "a missing bucket is refused", change: map[string]string{EnvBucket: ""}, wantErr: EnvBucket},
		{name: "a KMS alias is refused", change: map[string]string{EnvKMSKeyARN: "alias/archive"}, wantErr: "not a KMS key ARN"},
		{name: "a malformed bucket owner is refused", change: map[string]string{EnvBucketOwner: "9999"}, wantErr: "12-digit"},
		{name: "a missing region is refused", change: map[string]string{EnvRegion: ""}, wantErr: EnvRegion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range tt.change {
				env[k] = v
			}
			c, err := ConfigFromEnv(func(k string) string { return env[k] })
			if tt.wantErr == "" {
				if err != nil || c.BucketRegion != testRegion || c.Bucket != testBucket {
					t.Fatalf("config %+v, err %v", c, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want mention of %q", err, tt.wantErr)
			}
		})
	}
}

func TestAWriteThatWouldOverrunTheDeadlineIsReported(t *testing.T) {
	hs := newHarness(t)
	ctx, cancel := context.WithTimeout(context.Background(), writeReserve/2)
	defer cancel()
	err := hs.h.Handle(ctx, wire(t, readFile(t, filepath.Join("testdata", "linux_secure.json"))))
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "write s3://") {
		t.Fatalf("err = %v, want the write stopped before the invocation deadline", err)
	}
	if m := hs.lastMetrics(t); m.WriteFailures != 1 || len(hs.s3.keys(t)) != 0 {
		t.Fatalf("metrics %+v", m)
	}
}

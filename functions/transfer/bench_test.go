package transfer

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"github.com/orgsiem/orgsiem/internal/benchtest"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// maxDelivery builds a DATA_MESSAGE of about 1 MiB of log events, the size
// of the largest subscription delivery: a mix of CloudTrail JSON records,
// Lambda runtime lines and sshd lines, as a busy log group carries.
func maxDelivery(tb testing.TB) (doc []byte, ev events.CloudwatchLogsEvent) {
	tb.Helper()
	templates := []string{
		`{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:session-%d","arn":"arn:aws:sts::111122223333:assumed-role/app/session-%d","accountId":"111122223333"},"eventTime":"2024-03-18T10:00:%02dZ","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1","sourceIPAddress":"10.0.%d.%d","userAgent":"aws-sdk-go-v2/1.26.0","requestParameters":{"bucketName":"data-bucket","key":"reports/2024/03/18/%d.csv"},"responseElements":null,"requestID":"R%016d","eventID":"%08d-0000-4000-8000-000000000000","readOnly":true,"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"111122223333"}`,
		"2024-03-18T10:00:%02d.125Z\t2f6d8f3e-6a2c-4f5a-9a1b-%012d\tINFO\t{\"level\":\"info\",\"msg\":\"request served\",\"path\":\"/v1/items/%d\",\"status\":200,\"ms\":%d}\n",
		"Mar 18 10:00:%02d ip-10-0-1-23 sshd[%d]: Failed password for invalid user admin%d from 203.0.113.%d port %d ssh2",
	}
	d := Delivery{MessageType: DataMessage, Owner: "111122223333", LogGroup: "/aws/lambda/payments-api",
		LogStream: "2024/03/18/[$LATEST]5a2b6a0c63f94b3d8f1c8c9b4c7e2d10", SubscriptionFilters: []string{"orgsiem-archive"}}
	size := 0
	for i := 0; size < 1<<20; i++ {
		var msg string
		switch i % 3 {
		case 0:
			msg = fmt.Sprintf(templates[0], i, i, i%60, i%256, i%250, i, i, i)
		case 1:
			msg = fmt.Sprintf(templates[1], i%60, i, i, i%900)
		default:
			msg = fmt.Sprintf(templates[2], i%60, 4000+i, i, i%250, 40000+i%20000)
		}
		d.LogEvents = append(d.LogEvents, LogEvent{ID: fmt.Sprintf("%056d", 38155347611438279+i), Timestamp: 1710756000000 + int64(i), Message: msg})
		size += len(msg) + 26 // message and the timestamp/ids AWS counts per event
	}
	doc, err := json.Marshal(d)
	if err != nil {
		tb.Fatal(err)
	}
	return doc, wire(tb, doc)
}

// BenchmarkHandleMaxDelivery measures one invocation end to end: decode,
// render and a PutObject through the real SDK to the in-process S3 (whose
// own work is included in time and allocations).
func BenchmarkHandleMaxDelivery(b *testing.B) {
	doc, ev := maxDelivery(b)
	hs := newHarness(b)
	ctx := context.Background()
	peak := benchtest.PeakHeap(func() {
		if err := hs.h.Handle(ctx, ev); err != nil {
			b.Fatal(err)
		}
	})
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := hs.h.Handle(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(peak/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(len(ev.AWSLogs.Data))/(1<<10), "payload-KiB")
}

// BenchmarkDecodeRenderMaxDelivery measures the handler's own work on the
// largest delivery, without S3.
func BenchmarkDecodeRenderMaxDelivery(b *testing.B) {
	doc, ev := maxDelivery(b)
	zw := gzip.NewWriter(nil)
	run := func() {
		d, err := Decode(ev.AWSLogs.Data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := render(d, testRegion, zw); err != nil {
			b.Fatal(err)
		}
	}
	peak := benchtest.PeakHeap(run)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run()
	}
	b.StopTimer()
	b.ReportMetric(peak/(1<<20), "peak-heap-MB")
}

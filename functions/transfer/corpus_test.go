package transfer

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func mustB64Decode(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// corpusFiles lists the JSON files under a corpus folder.
func corpusFiles(t *testing.T, sub string) []string {
	root := corpusDir(t, sub)
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".json") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Skipf("no JSON files under %s", root)
	}
	return files
}

// TestCorpusSubscriptionPayloads drives the handler with every CloudWatch
// Logs subscription payload of the shared corpus: wire-format events as
// they are, decoded documents re-encoded the way CloudWatch Logs sends them.
// Other Lambda envelopes found there (SQS, SNS, S3) must be refused.
func TestCorpusSubscriptionPayloads(t *testing.T) {
	for _, path := range corpusFiles(t, "cloudwatch_logs") {
		rel := path[strings.Index(path, "cloudwatch_logs"):]
		t.Run(rel, func(t *testing.T) {
			raw := readFile(t, path)
			var top map[string]json.RawMessage
			if err := json.Unmarshal(raw, &top); err != nil {
				t.Fatalf("corpus file is not a JSON object: %v", err)
			}
			hs := newHarness(t)
			var ev events.CloudwatchLogsEvent
			var doc []byte
			switch {
			case top["awslogs"] != nil:
				if err := json.Unmarshal(raw, &ev); err != nil {
					t.Fatal(err)
				}
				doc = decompressed(t, ev.AWSLogs.Data)
			case top["messageType"] != nil:
				ev, doc = wire(t, raw), raw
			default:
				checkRefused(t, hs, raw)
				return
			}
			if err := hs.h.Handle(context.Background(), ev); err != nil {
				t.Fatalf("Handle: %v", err)
			}
			d := decodeDoc(t, doc)
			keys := hs.s3.keys(t)
			if d.MessageType == ControlMessage {
				if len(keys) != 0 {
					t.Fatalf("control message wrote %v", keys)
				}
				return
			}
			if len(keys) != 1 || keys[0] != expectedKey(d) {
				t.Fatalf("keys %v, want [%s]", keys, expectedKey(d))
			}
			body, _ := hs.s3.object(t, keys[0])
			checkObject(t, d, body)
		})
	}
}

// TestCorpusIngestionEnvelopesAreRefused feeds the S3, SQS, SNS and
// Firehose trigger events of the corpus to the transfer handler: none is a
// subscription delivery, each must fail clearly and write nothing.
func TestCorpusIngestionEnvelopesAreRefused(t *testing.T) {
	for _, path := range corpusFiles(t, "ingestion_envelopes") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			checkRefused(t, newHarness(t), readFile(t, path))
		})
	}
}

func checkRefused(t *testing.T, hs *harness, raw []byte) {
	t.Helper()
	var ev events.CloudwatchLogsEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("the Lambda runtime would decode this event: %v", err)
	}
	err := hs.h.Handle(context.Background(), ev)
	var pe *PayloadError
	if !errors.As(err, &pe) || pe.Stage != "envelope" {
		t.Fatalf("err = %v, want an envelope PayloadError", err)
	}
	if keys := hs.s3.keys(t); len(keys) != 0 {
		t.Fatalf("wrote %v", keys)
	}
}

func decompressed(t *testing.T, data string) []byte {
	t.Helper()
	d, err := Decode(data)
	if err != nil {
		t.Fatalf("corpus wire event: %v", err)
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

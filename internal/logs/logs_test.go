package logs

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/ecs"
)

func gzipBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readTestdata(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestNormalizeFramework(t *testing.T) {
	lines := readTestdata(t, "testdata/cloudtrail/lines.log")

	t.Run("stats count decompressed bytes", func(t *testing.T) {
		r := normalizeBytes(t, "cloudtrail", "k.json.gz", gzipBytes(t, lines))
		if r.stats.Bytes != int64(len(lines)) {
			t.Errorf("Bytes = %d, want the decompressed %d", r.stats.Bytes, len(lines))
		}
		if r.stats.Documents != 3 {
			t.Errorf("Documents = %d, want 3", r.stats.Documents)
		}
	})

	t.Run("an unknown key is a typed error naming the key", func(t *testing.T) {
		_, err := Normalize(context.Background(), Object{Key: "no/such/layout.txt", Body: strings.NewReader("x")}, func(*ecs.Document) error { return nil })
		var uk *archive.UnknownKeyError
		if !errors.As(err, &uk) || uk.Key != "no/such/layout.txt" {
			t.Fatalf("err = %v, want *archive.UnknownKeyError for the key", err)
		}
	})

	t.Run("an unknown type is a typed error", func(t *testing.T) {
		_, err := Normalize(context.Background(), Object{Key: "k", Type: "nope", Body: strings.NewReader("x")}, func(*ecs.Document) error { return nil })
		var ut *UnknownTypeError
		if !errors.As(err, &ut) || ut.Name != "nope" {
			t.Fatalf("err = %v, want *UnknownTypeError", err)
		}
	})

	t.Run("a digest key is skipped as a whole with a named reason", func(t *testing.T) {
		key := "AWSLogs/o-exampleorgid/111122223333/CloudTrail-Digest/us-east-2/2016/01/01/111122223333_CloudTrail-Digest_us-east-2_t_us-east-2_20160101T005555Z.json.gz"
		st, err := Normalize(context.Background(), Object{Key: key, Body: strings.NewReader("{}")}, func(*ecs.Document) error {
			t.Error("a digest must not emit documents")
			return nil
		})
		if err != nil || st.Skipped[archive.SkipCloudTrailDigest] != 1 || !st.Balanced() {
			t.Fatalf("stats %+v, err %v", st, err)
		}
	})

	t.Run("a parser panic becomes an error document after what was emitted", func(t *testing.T) {
		typ := &Type{Name: "cloudtrail", Parse: func(in *Input, out *Output) error {
			d := out.Doc()
			d.Timestamp = fixtureTime
			if err := out.Emit(d); err != nil {
				return err
			}
			out.Doc()
			var m map[string]int
			m["boom"]++ // nil map write
			return nil
		}}
		var kinds []string
		st, err := normalizeType(context.Background(), Object{Key: "k", Body: strings.NewReader("")}, typ, fixtureTime, keySource{}, func(d *ecs.Document) error {
			kinds = append(kinds, d.Event.Kind+":"+d.Error.Type)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		checkStats(t, st)
		if strings.Join(kinds, ",") != "event:,pipeline_error:panic" || st.Errors != 1 {
			t.Fatalf("documents %v, stats %+v", kinds, st)
		}
	})

	t.Run("an emit error stops normalization and is returned", func(t *testing.T) {
		stop := errors.New("downstream full")
		n := 0
		st, err := Normalize(context.Background(), Object{Key: "k", Type: "cloudtrail", Body: bytes.NewReader(lines)}, func(*ecs.Document) error {
			n++
			return stop
		})
		if !errors.Is(err, stop) || n != 1 {
			t.Fatalf("err = %v after %d documents, want the emit error after 1", err, n)
		}
		checkStats(t, st)
	})

	t.Run("a cancelled context stops normalization", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := Normalize(ctx, Object{Key: "k", Type: "cloudtrail", Body: bytes.NewReader(lines)}, func(*ecs.Document) error { return nil })
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})

	t.Run("a continuation skips the records already indexed, keeping their ids", func(t *testing.T) {
		full := normalizeBytes(t, "cloudtrail", "k", lines)
		var ids []string
		st, err := Normalize(context.Background(), Object{Key: "k", Type: "cloudtrail", Body: bytes.NewReader(lines), SkipRecords: 2},
			func(d *ecs.Document) error { ids = append(ids, d.ID); return nil })
		if err != nil {
			t.Fatal(err)
		}
		checkStats(t, st)
		if st.Resumed != 2 || len(ids) != 1 || ids[0] != full.docs[2].ID {
			t.Fatalf("resumed %d, ids %v, want [%s]", st.Resumed, ids, full.docs[2].ID)
		}
	})

	t.Run("an over-long line becomes an error document and reading goes on", func(t *testing.T) {
		long := "Mar  5 10:00:01 host app: " + strings.Repeat("x", MaxLineBytes+10)
		data := []byte(long + "\nMar  5 10:00:02 host app: short\n")
		r := normalizeBytes(t, "linux", "k", data)
		if r.stats.Errors != 1 || r.stats.Documents != 1 {
			t.Fatalf("stats %+v, want 1 error and 1 document", r.stats)
		}
		if got := len(r.docs[0].Event.Original); got != MaxOriginalBytes {
			t.Errorf("event.original holds %d bytes, want the first %d", got, MaxOriginalBytes)
		}
		if r.docs[1].Message != "short" {
			t.Errorf("second document message %q", r.docs[1].Message)
		}
	})

	t.Run("error documents are dated by the object time", func(t *testing.T) {
		r := normalizeBytes(t, "cloudtrail", "k", []byte("not json\n"))
		if len(r.docs) != 1 || !r.docs[0].Timestamp.Equal(fixtureTime) || r.docs[0].Index() != "log-aws-cloudtrail-2001.02" {
			t.Fatalf("error document %+v", r.docs)
		}
	})
}

func TestNormalizeRecord(t *testing.T) {
	rec := []byte(`{"eventVersion":"1.08","eventTime":"2024-03-05T10:00:00Z","eventSource":"iam.amazonaws.com","eventName":"CreateUser","eventID":"e1","userIdentity":{"type":"Root","arn":"arn:aws:iam::111122223333:root"},"recipientAccountId":"111122223333"}`)

	t.Run("one record yields independent copies", func(t *testing.T) {
		docs, err := NormalizeRecord("cloudtrail", rec)
		if err != nil || len(docs) != 1 {
			t.Fatalf("docs %d, err %v", len(docs), err)
		}
		again, _ := NormalizeRecord("cloudtrail", rec)
		docs[0].AWS[0] = 'X'
		docs[0].Event.Type[0] = "changed"
		if again[0].AWS[0] != '{' || again[0].Event.Type[0] == "changed" {
			t.Fatal("documents share memory")
		}
		if again[0].User.Name != "root" || again[0].Event.Action != "CreateUser" || again[0].ID != "e1" {
			t.Fatalf("mapping: %+v", again[0])
		}
	})

	t.Run("a bad record returns its error document and an error", func(t *testing.T) {
		docs, err := NormalizeRecord("cloudtrail", []byte(`{"eventTime":`))
		if err == nil || len(docs) != 1 || docs[0].Event.Kind != KindPipelineError {
			t.Fatalf("docs %+v, err %v", docs, err)
		}
	})
}

func TestCloudTrailMapping(t *testing.T) {
	tests := []struct {
		name   string
		record string
		check  func(t *testing.T, d ecs.Document)
	}{
		{"an errorCode makes the outcome failure", `{"eventTime":"2024-01-01T00:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"RunInstances","errorCode":"AccessDenied"}`,
			func(t *testing.T, d ecs.Document) {
				if d.Event.Outcome != "failure" || d.Event.Type[0] != "creation" {
					t.Errorf("outcome %q type %v", d.Event.Outcome, d.Event.Type)
				}
			}},
		{"a sign-in failure is read from responseElements", `{"eventTime":"2024-01-01T00:00:00Z","eventSource":"signin.amazonaws.com","eventName":"CheckMfa","responseElements":{"CheckMfa":"Failure"}}`,
			func(t *testing.T, d ecs.Document) {
				if d.Event.Outcome != "failure" || d.Event.Category[0] != "authentication" {
					t.Errorf("outcome %q category %v", d.Event.Outcome, d.Event.Category)
				}
			}},
		{"a service name is a source domain, not an IP", `{"eventTime":"2024-01-01T00:00:00Z","sourceIPAddress":"ec2.amazonaws.com"}`,
			func(t *testing.T, d ecs.Document) {
				if d.Source.IP != "" || d.Source.Domain != "ec2.amazonaws.com" || len(d.Related.IP) != 0 {
					t.Errorf("source %+v related %v", d.Source, d.Related.IP)
				}
			}},
		{"an anonymized address with leading zeros is not an IP", `{"eventTime":"2024-01-01T00:00:00Z","sourceIPAddress":"06.237.252.245"}`,
			func(t *testing.T, d ecs.Document) {
				if d.Source.IP != "" || d.Source.Address != "06.237.252.245" {
					t.Errorf("source %+v", d.Source)
				}
			}},
		{"an assumed role is named by its issuer", `{"eventTime":"2024-01-01T00:00:00Z","userIdentity":{"type":"AssumedRole","principalId":"AROA:s","sessionContext":{"sessionIssuer":{"userName":"Admin"}}}}`,
			func(t *testing.T, d ecs.Document) {
				if d.User.Name != "Admin" || d.User.ID != "AROA:s" {
					t.Errorf("user %+v", d.User)
				}
			}},
		{"a string flat_object value is wrapped", `{"eventTime":"2024-01-01T00:00:00Z","requestParameters":"x","readOnly":"True","resources":"r"}`,
			func(t *testing.T, d ecs.Document) {
				want := `{"eventTime":"2024-01-01T00:00:00Z","requestParameters":{"_value":"x"},"readOnly":true,"resources":{"_value":"r"}}`
				if string(d.AWS) != want {
					t.Errorf("aws.cloudtrail = %s\nwant %s", d.AWS, want)
				}
			}},
		{"a space-separated eventTime without zone is UTC", `{"eventTime":"2025-01-21 17:49:47.000000000"}`,
			func(t *testing.T, d ecs.Document) {
				if got := d.Timestamp.Format("2006-01-02T15:04:05Z07:00"); got != "2025-01-21T17:49:47Z" {
					t.Errorf("@timestamp %s", got)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, err := NormalizeRecord("cloudtrail", []byte(tt.record))
			if err != nil || len(docs) != 1 {
				t.Fatalf("docs %d, err %v", len(docs), err)
			}
			tt.check(t, docs[0])
		})
	}
}

// TestCloudTrailShapeMatchesSchema keeps the ctShape switch in step with
// the declared schema.
func TestCloudTrailShapeMatchesSchema(t *testing.T) {
	for key, typ := range ctTopLevel {
		want := typ
		if typ != ecs.Boolean && typ != ecs.FlatObject {
			want = ""
		}
		if got := ctShape(key); got != want {
			t.Errorf("ctShape(%q) = %q, schema says %q", key, got, want)
		}
	}
}

func TestRouteLogGroup(t *testing.T) {
	// Routes are exact names (cloudwatchlogs.go cites the documentation
	// of each); a name that merely contains "cloudtrail" or "flowlogs" is a
	// generic cloudwatchlogs document unless the operator routed it.
	configured := &Sources{Routes: []LogGroupRoute{
		{LogGroup: "/vpc/flowlogs/prod", Type: archive.TypeVPCFlow},
		{LogGroup: "/aws/events/guardduty", Type: RouteFinding},
	}}
	tests := []struct {
		src         *Sources
		group, want string
	}{
		{nil, "aws-controltower/CloudTrailLogs", archive.TypeCloudTrail},
		{nil, "CloudTrail/logs", archive.TypeCloudTrail},
		{nil, "aws-cloudtrail-logs-111122223333-c81b5193", archive.TypeCloudTrail},
		{nil, "aws-cloudtrail-logs-111122223333-c81b5193-x", ""},
		{nil, "aws-cloudtrail-logs-1111222233-c81b5193", ""},
		{nil, "/aws/cloudtrail/logs", ""},
		{nil, "my-cloudtrail-copy", ""},
		{nil, "AWS-ControlTower/CloudTrailLogs", ""},
		{nil, "/vpc/flowlogs/prod", ""},
		{configured, "/vpc/flowlogs/prod", archive.TypeVPCFlow},
		{configured, "/vpc/flowlogs/prod2", ""},
		{nil, "/aws/events/guardduty", ""},
		{configured, "/aws/events/guardduty", RouteFinding},
		{nil, "/aws/route53/example.com", routePublicDNS},
		{nil, "/aws/route53/", ""},
		{nil, "/ec2/var/log/secure", ""},
		{nil, "/var/log/secure", archive.TypeLinux},
		{nil, "/var/log/messages", archive.TypeLinux},
		{nil, "/aws/lambda/orgsiem-loader", ""},
	}
	for _, tt := range tests {
		if got := routeLogGroup(tt.src, tt.group); got != tt.want {
			t.Errorf("routeLogGroup(%v, %q) = %q, want %q", tt.src != nil, tt.group, got, tt.want)
		}
	}
}

func TestScanObject(t *testing.T) {
	tests := []struct {
		in     string
		object bool
		ok     bool
	}{
		{`{"a":1,"b":[true,false,null,-1.5e+3,"x\u00e9\n"],"c":{}}`, true, true},
		{` [1, 2] `, false, true},
		{`"s"`, false, true},
		{`{"a":1}}`, true, false},
		{`{"a":01}`, true, false},
		{`{"a":"\x"}`, true, false},
		{"{\"a\":\"\x01\"}", true, false},
		{`{"a" 1}`, true, false},
		{`{"a":[1,]}`, true, false},
		{strings.Repeat("[", maxDepth+2) + strings.Repeat("]", maxDepth+2), false, false},
	}
	for _, tt := range tests {
		var keys []string
		obj, err := scanObject([]byte(tt.in), func(m member) { keys = append(keys, tt.in[m.keyStart:m.keyEnd]) })
		if obj != tt.object || (err == nil) != tt.ok {
			t.Errorf("scanObject(%q) = %v, %v; want object %v ok %v", tt.in, obj, err, tt.object, tt.ok)
		}
		if tt.ok && tt.object && strings.Join(keys, ",") != "a,b,c" {
			t.Errorf("members %v", keys)
		}
	}
}

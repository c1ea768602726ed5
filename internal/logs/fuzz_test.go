package logs

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// fuzzNormalize normalizes data as typ and checks what must hold for any
// input: no error for the object as a whole, stats that add up, and every
// document one line of valid JSON whose aws.<type> is an object.
func fuzzNormalize(t *testing.T, typ string, data []byte) {
	st, err := Normalize(context.Background(), Object{Key: "fuzz", Type: typ, Body: bytes.NewReader(data), Time: fixtureTime},
		func(d *ecs.Document) error {
			line := d.AppendJSON(nil)
			if !json.Valid(line) || bytes.IndexByte(line, '\n') >= 0 {
				t.Fatalf("document is not one line of valid JSON: %q", line)
			}
			if len(d.AWS) > 0 {
				var obj map[string]json.RawMessage
				if err := json.Unmarshal(d.AWS, &obj); err != nil {
					t.Fatalf("aws.%s is not an object: %v: %q", d.Type, err, d.AWS)
				}
			}
			return nil
		})
	if err != nil {
		t.Fatalf("Normalize: %v", err)
	}
	if !st.Balanced() {
		t.Fatalf("stats do not add up: %+v", st)
	}
}

// addFixtureSeeds adds the golden inputs of typ to the corpus.
func addFixtureSeeds(f *testing.F, typ string) {
	paths, _ := filepath.Glob(filepath.Join("testdata", typ, "*"))
	for _, p := range paths {
		if filepath.Ext(p) == ".ndjson" {
			continue
		}
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
}

func FuzzCloudTrail(f *testing.F) {
	addFixtureSeeds(f, "cloudtrail")
	f.Add([]byte(`{"Records":[{"eventTime":"2024-01-01T00:00:00Z"},`))
	f.Add([]byte(`{"Records":null,"x":[1,{"y":"]"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzNormalize(t, "cloudtrail", data) })
}

func FuzzCloudWatchLogs(f *testing.F) {
	addFixtureSeeds(f, "cloudwatchlogs")
	f.Add([]byte(`{"messageType":"DATA_MESSAGE","logGroup":"/var/log/secure","logEvents":[{"id":"1","timestamp":1,"message":"Jan  1 00:00:00 h sshd[1]: Invalid user x from 1.2.3.4"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzNormalize(t, "cloudwatchlogs", data) })
}

func FuzzLinux(f *testing.F) {
	addFixtureSeeds(f, "linux")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzNormalize(t, "linux", data) })
}

func FuzzEKSAudit(f *testing.F) {
	addFixtureSeeds(f, "eksaudit")
	f.Add([]byte(`{"kind":"Event","auditID":"a","stage":"x","sourceIPs":[null,"::1"],"user":{"groups":[null]},"requestReceivedTimestamp":"2024-03-05T10:00:00Z","stageTimestamp":"2024-03-05T09:00:00Z"}`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzNormalize(t, "eksaudit", data) })
}

func FuzzWindows(f *testing.F) {
	addFixtureSeeds(f, "windows")
	f.Add([]byte("[Security] [x] [4624] [p] [h] [m]\n\"<Event><System><TimeCreated SystemTime='2024-01-01T00:00:00Z'/><Keywords>0xZZ</Keywords></System></Event>\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzNormalize(t, "windows", data) })
}

func FuzzConfig(f *testing.F) {
	addFixtureSeeds(f, "config")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzNormalize(t, "config", data) })
}

func FuzzRDS(f *testing.F) {
	addFixtureSeeds(f, "rds")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzNormalize(t, "rds", data) })
}

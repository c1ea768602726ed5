package logs

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/ecs"
)

// An AWS Config event in an EventBridge log group the operator routes as
// findings becomes a config document, as GuardDuty and Security Hub
// events do; the compliance change keeps its rule and outcome.
func TestConfigThroughEventBridgeLogGroup(t *testing.T) {
	events, err := os.ReadFile("testdata/config/events.json")
	if err != nil {
		t.Fatal(err)
	}
	compliance := strings.Split(strings.TrimSpace(string(events)), "\n")[2]
	line, err := json.Marshal(map[string]any{"id": "1", "timestamp": 1709632980000, "logGroup": "/aws/events/orgsiem-config",
		"logStream": "x", "owner": "111122223333", "message": compliance})
	if err != nil {
		t.Fatal(err)
	}
	var got []ecs.Document
	_, err = Normalize(context.Background(), Object{Key: "CWLogs/111122223333/us-east-1/x/2024/03/05/10/a.json.gz", Type: archive.TypeCloudWatchLogs,
		Account: "111122223333", Body: bytes.NewReader(line),
		Sources: &Sources{Routes: []LogGroupRoute{{LogGroup: "/aws/events/orgsiem-config", Type: RouteFinding}}}},
		func(d *ecs.Document) error { got = append(got, d.Clone()); return nil })
	if err != nil || len(got) != 1 {
		t.Fatalf("docs %d, err %v", len(got), err)
	}
	d := got[0]
	if d.Type != archive.TypeConfig || d.Rule.Name != "restricted-ssh" || d.Event.Outcome != "failure" || d.Event.Kind != "event" {
		t.Errorf("type %q rule %q outcome %q kind %q", d.Type, d.Rule.Name, d.Event.Outcome, d.Event.Kind)
	}
	if d.CloudWatch.LogGroup != "/aws/events/orgsiem-config" || !strings.HasPrefix(d.ID, "cwl-111122223333-") {
		t.Errorf("group %q _id %q", d.CloudWatch.LogGroup, d.ID)
	}
}

// BenchmarkConfig: AWS Config EventBridge events as JSON lines.
func BenchmarkConfig(b *testing.B) {
	benchNormalize(b, "config", repeatFile(b, "testdata/config/events.json", 4<<20))
}

package logs

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/ecs"
)

// A Windows log group is routed only when the operator names it (the
// CloudWatch agent's log_group_name is free): the same archive line is a
// windows document with the route and a generic one without. The text
// rendering takes the CloudWatch event time, and the Security event id
// still gives action and outcome.
func TestWindowsRouteAndTextRendering(t *testing.T) {
	line := `{"id":"1","timestamp":1709632800000,"logGroup":"corp-windows-security","logStream":"i-0123456789abcdef0","owner":"111122223333",` +
		`"message":"[Security] [INFORMATION] [4625] [Microsoft-Windows-Security-Auditing] [WEB01.corp.example.com] [An account failed to log on. [x] ] [y]]"}`
	run := func(src *Sources) ecs.Document {
		var got []ecs.Document
		_, err := Normalize(context.Background(), Object{Key: "CWLogs/111122223333/us-east-1/x/2024/03/05/10/a.json.gz", Type: archive.TypeCloudWatchLogs,
			Account: "111122223333", Body: strings.NewReader(line), Sources: src}, func(d *ecs.Document) error {
			got = append(got, d.Clone())
			return nil
		})
		if err != nil || len(got) != 1 {
			t.Fatalf("docs %d, err %v", len(got), err)
		}
		return got[0]
	}
	if d := run(nil); d.Type != archive.TypeCloudWatchLogs {
		t.Errorf("without a route the group must stay generic, got type %q", d.Type)
	}
	d := run(&Sources{Routes: []LogGroupRoute{{LogGroup: "corp-windows-security", Type: archive.TypeWindows}}})
	if d.Type != archive.TypeWindows || d.Event.Code != "4625" || d.Event.Action != "logon-failed" || d.Event.Outcome != "failure" {
		t.Errorf("type %q code %q action %q outcome %q", d.Type, d.Event.Code, d.Event.Action, d.Event.Outcome)
	}
	if d.Host.Name != "WEB01.corp.example.com" || d.Message != "An account failed to log on. [x] ] [y]" || d.Timestamp.UnixMilli() != 1709632800000 {
		t.Errorf("host %q message %q time %s", d.Host.Name, d.Message, d.Timestamp)
	}
	if d.Log.Level != "information" || d.CloudWatch.LogGroup != "corp-windows-security" {
		t.Errorf("level %q group %q", d.Log.Level, d.CloudWatch.LogGroup)
	}
}

// The outcome comes from the Audit Success/Failure keyword bits, whatever
// the event id, and a member added to a domain group keeps the member's
// name from its distinguished name.
func TestWindowsKeywordsAndMemberName(t *testing.T) {
	xml := `<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Security-Auditing'/><EventID>4728</EventID><Level>0</Level><Keywords>0x8010000000000000</Keywords><TimeCreated SystemTime='2024-03-05T10:00:00Z'/><Channel>Security</Channel><Computer>DC01</Computer></System><EventData><Data Name='MemberName'>CN=bob,CN=Users,DC=corp,DC=example,DC=com</Data><Data Name='MemberSid'>S-1-5-21-1-2-3-1200</Data><Data Name='TargetUserName'>Domain Admins</Data><Data Name='TargetSid'>S-1-5-21-1-2-3-512</Data><Data Name='SubjectUserName'>alice</Data><Data>unnamed</Data></EventData></Event>`
	docs, err := NormalizeRecord(archive.TypeWindows, []byte(xml))
	if err != nil || len(docs) != 1 {
		t.Fatalf("docs %d, err %v", len(docs), err)
	}
	d := docs[0]
	if d.Event.Outcome != "failure" || d.User.TargetName != "bob" || d.Group.Name != "Domain Admins" || d.User.Name != "alice" {
		t.Errorf("outcome %q target %q group %q user %q", d.Event.Outcome, d.User.TargetName, d.Group.Name, d.User.Name)
	}
	if d.Log.Level != "Information" || !bytes.Contains(d.AWS, []byte(`"param6":"unnamed"`)) {
		t.Errorf("level %q aws %s", d.Log.Level, d.AWS)
	}
}

// BenchmarkWindows: Security events in the XML rendering, one per line.
func BenchmarkWindows(b *testing.B) {
	benchNormalize(b, "windows", repeatFile(b, "testdata/windows/security.log", 4<<20))
}

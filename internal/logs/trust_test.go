package logs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/ecs"
)

// The accounts of the trust tests: an organization of three, and one
// account outside it.
const (
	trustOrg      = "o-exampleorg1"
	trustMgmt     = "999988887777" // owns the Control Tower trail and its log group
	trustVictim   = "111122223333"
	trustAttacker = "444455556666" // a member account whose transfer role writes CWLogs/444455556666/
	trustOutsider = "123456789012"
	trustEventID  = "3d1c0c8e-0000-4000-8000-00000000c0de"
)

var trustTime = time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC)

// trustSources is what the loader is given: the org trail and the Control
// Tower group allow-listed, the organization's accounts from the directory.
func trustSources() *Sources {
	members := map[string]bool{trustMgmt: true, trustVictim: true, trustAttacker: true}
	return &Sources{
		OrgID:              trustOrg,
		MultiAccountGroups: []LogGroupRef{ControlTowerSources(trustMgmt)},
		Member:             func(a string) bool { return members[a] },
	}
}

// ctRecordFor is a CloudTrail record (built here, not copied from any
// recorded log) of a DeleteTrail call in account, with eventID id.
func ctRecordFor(account, id string) string {
	return fmt.Sprintf(`{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::%[1]s:user/ops","accountId":"%[1]s","userName":"ops"},`+
		`"eventTime":"2024-03-05T10:00:00Z","eventSource":"cloudtrail.amazonaws.com","eventName":"DeleteTrail","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7",`+
		`"userAgent":"aws-cli/2","requestParameters":{"name":"prod-trail"},"responseElements":null,"eventID":"%[2]s","readOnly":false,"eventType":"AwsApiCall",`+
		`"managementEvent":true,"recipientAccountId":"%[1]s","eventCategory":"Management"}`, account, id)
}

// cwArchiveLine is one line as the transfer Lambda archives a log event.
func cwArchiveLine(t *testing.T, group, owner, message string) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"id": "37000000000000000000000000000000000000000000000000000042",
		"timestamp": trustTime.UnixMilli(), "message": message, "logGroup": group,
		"logStream": owner + "_CloudTrail_us-east-1", "owner": owner})
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// createOnlyIndex models what the loader relies on from OpenSearch: the
// create action of _bulk refuses a document whose _id exists in the index
// (409 version_conflict_engine_exception), and the loader counts that as
// "already indexed". https://opensearch.org/docs/latest/api-reference/document-apis/bulk/
type createOnlyIndex map[string]ecs.Document

func (ix createOnlyIndex) load(t *testing.T, key string, body []byte, src *Sources) (created, conflicts int) {
	t.Helper()
	_, err := Normalize(context.Background(), Object{Key: key, Body: bytes.NewReader(body), Sources: src}, func(d *ecs.Document) error {
		if d.Event.Kind == KindPipelineError {
			t.Errorf("%s: error document %s", key, d.Error.Message)
		}
		k := d.Index() + "/" + d.ID
		if _, ok := ix[k]; ok {
			conflicts++
			return nil
		}
		ix[k] = d.Clone()
		created++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return created, conflicts
}

func TestForgedCloudTrailUnderOwnPrefixCannotSuppressTheOrgTrailRecord(t *testing.T) {
	// The attack: the attacker's own transfer role may write anything
	// under CWLogs/<attacker>/ (the bucket policy pins only the account).
	// It writes a CloudTrail-shaped line claiming the victim's
	// recipientAccountId and the eventID of the victim's real DeleteTrail,
	// under a group name routed to cloudtrail. CloudWatch Logs delivers in
	// seconds, the org trail's S3 file minutes later: the forgery arrives
	// first.
	src := trustSources()
	ix := createOnlyIndex{}
	forgedKey := archive.CWLogsKey(trustAttacker, "us-east-1", ControlTowerTrailLogGroup, trustTime, "forged")
	forged := cwArchiveLine(t, ControlTowerTrailLogGroup, trustVictim, ctRecordFor(trustVictim, trustEventID))
	if c, _ := ix.load(t, forgedKey, forged, src); c != 1 {
		t.Fatalf("forgery: %d documents created, want 1", c)
	}
	realKey := "AWSLogs/" + trustOrg + "/" + trustVictim + "/CloudTrail/us-east-1/2024/03/05/" + trustVictim + "_CloudTrail_us-east-1_20240305T1005Z_a1b2c3d4e5f6a7b8.json.gz"
	real := []byte(`{"Records":[` + ctRecordFor(trustVictim, trustEventID) + `]}`)
	created, conflicts := ix.load(t, realKey, real, src)
	if created != 1 || conflicts != 0 {
		t.Fatalf("org trail record: created %d, conflicts %d; want it indexed (1, 0)", created, conflicts)
	}

	realDoc, ok := ix["log-aws-cloudtrail-2024.03/"+trustEventID]
	if !ok {
		t.Fatalf("the org trail record is not indexed under its eventID; index holds %v", mapKeys(ix))
	}
	if realDoc.Cloud.AccountID != trustVictim || len(realDoc.Tags) != 0 || realDoc.Orgsiem.ClaimedAccount != "" {
		t.Errorf("org trail record: account %q tags %v claimed %q; want %s, untagged", realDoc.Cloud.AccountID, realDoc.Tags, realDoc.Orgsiem.ClaimedAccount, trustVictim)
	}
	var forgedDoc *ecs.Document
	for k, d := range ix {
		if k != "log-aws-cloudtrail-2024.03/"+trustEventID {
			forgedDoc = &d
		}
	}
	if forgedDoc == nil {
		t.Fatal("the forgery is not kept as its own document")
	}
	if want := cwSourceID(trustAttacker, ControlTowerTrailLogGroup, trustEventID); forgedDoc.ID != want {
		t.Errorf("forgery _id = %q, want the source-namespaced %q", forgedDoc.ID, want)
	}
	if forgedDoc.Cloud.AccountID != trustAttacker {
		t.Errorf("forgery attributed to %q, want the writer %s", forgedDoc.Cloud.AccountID, trustAttacker)
	}
	if forgedDoc.Orgsiem.ClaimedAccount != trustVictim || !slices.Contains(forgedDoc.Tags, TagTampering) {
		t.Errorf("forgery: claimed %q tags %v; want claimed %s and tag %s", forgedDoc.Orgsiem.ClaimedAccount, forgedDoc.Tags, trustVictim, TagTampering)
	}
	if forgedDoc.Event.ID != trustEventID {
		t.Errorf("forgery event.id = %q: the claimed eventID stays searchable", forgedDoc.Event.ID)
	}
}

func mapKeys(m createOnlyIndex) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestAttribution(t *testing.T) {
	ctGroupKey := func(owner, group string) string {
		return archive.CWLogsKey(owner, "us-east-1", group, trustTime, "batch")
	}
	tests := []struct {
		name        string
		key         string
		body        func(t *testing.T) []byte
		src         *Sources
		wantAccount string
		wantClaimed string // "" means: not flagged
	}{
		{"the Control Tower group in the trail owner's account carries member records",
			ctGroupKey(trustMgmt, ControlTowerTrailLogGroup),
			func(t *testing.T) []byte {
				return cwArchiveLine(t, ControlTowerTrailLogGroup, trustMgmt, ctRecordFor(trustVictim, trustEventID))
			},
			trustSources(), trustVictim, ""},
		{"the Control Tower group still only speaks for members of the organization",
			ctGroupKey(trustMgmt, ControlTowerTrailLogGroup),
			func(t *testing.T) []byte {
				return cwArchiveLine(t, ControlTowerTrailLogGroup, trustMgmt, ctRecordFor(trustOutsider, trustEventID))
			},
			trustSources(), trustMgmt, trustOutsider},
		{"without an allow-list the Control Tower group speaks only for its own account",
			ctGroupKey(trustMgmt, ControlTowerTrailLogGroup),
			func(t *testing.T) []byte {
				return cwArchiveLine(t, ControlTowerTrailLogGroup, trustMgmt, ctRecordFor(trustVictim, trustEventID))
			},
			nil, trustMgmt, trustVictim},
		{"the same group name in another account is not allow-listed",
			ctGroupKey(trustAttacker, ControlTowerTrailLogGroup),
			func(t *testing.T) []byte {
				return cwArchiveLine(t, ControlTowerTrailLogGroup, trustAttacker, ctRecordFor(trustVictim, trustEventID))
			},
			trustSources(), trustAttacker, trustVictim},
		{"a generic log event's owner cannot override the key's account",
			ctGroupKey(trustAttacker, "/aws/lambda/app"),
			func(t *testing.T) []byte { return cwArchiveLine(t, "/aws/lambda/app", trustVictim, "hello") },
			trustSources(), trustAttacker, trustVictim},
		{"a generic log event of the key's own account is not flagged",
			ctGroupKey(trustAttacker, "/aws/lambda/app"),
			func(t *testing.T) []byte { return cwArchiveLine(t, "/aws/lambda/app", trustAttacker, "hello") },
			trustSources(), trustAttacker, ""},
		{"the org trail prefix carries its account's records",
			"AWSLogs/" + trustOrg + "/" + trustVictim + "/CloudTrail/us-east-1/2024/03/05/" + trustVictim + "_CloudTrail_us-east-1_20240305T1005Z_a1b2c3d4e5f6a7b8.json.gz",
			func(*testing.T) []byte { return []byte(`{"Records":[` + ctRecordFor(trustVictim, trustEventID) + `]}`) },
			trustSources(), trustVictim, ""},
		{"the org trail prefix may carry another member account's record",
			"AWSLogs/" + trustOrg + "/" + trustVictim + "/CloudTrail/us-east-1/2024/03/05/" + trustVictim + "_CloudTrail_us-east-1_20240305T1005Z_a1b2c3d4e5f6a7b8.json.gz",
			func(*testing.T) []byte { return []byte(`{"Records":[` + ctRecordFor(trustMgmt, trustEventID) + `]}`) },
			trustSources(), trustMgmt, ""},
		{"the org trail prefix of another organization is not allow-listed",
			"AWSLogs/o-otherorg99/" + trustVictim + "/CloudTrail/us-east-1/2024/03/05/" + trustVictim + "_CloudTrail_us-east-1_20240305T1005Z_a1b2c3d4e5f6a7b8.json.gz",
			func(*testing.T) []byte { return []byte(`{"Records":[` + ctRecordFor(trustMgmt, trustEventID) + `]}`) },
			trustSources(), trustVictim, trustMgmt},
		{"GuardDuty's export in the administrator account carries member findings",
			"AWSLogs/" + trustMgmt + "/GuardDuty/us-east-1/2024/03/05/0a1b2c3d-0000-4000-8000-000000000001.jsonl.gz",
			func(*testing.T) []byte { return []byte(trustFinding(trustVictim)) },
			nil, trustVictim, ""},
		{"GuardDuty's export still only speaks for members of the organization",
			"AWSLogs/" + trustMgmt + "/GuardDuty/us-east-1/2024/03/05/0a1b2c3d-0000-4000-8000-000000000001.jsonl.gz",
			func(*testing.T) []byte { return []byte(trustFinding(trustOutsider)) },
			trustSources(), trustMgmt, trustOutsider},
		{"a key without account believes a member's finding",
			"guardduty/2024/03/05/10/findings-1-2024-03-05-10-00-00-0a1b2c3d",
			func(*testing.T) []byte { return []byte(trustFinding(trustVictim)) },
			trustSources(), trustVictim, ""},
		{"a key without account flags a finding of an account outside the organization",
			"guardduty/2024/03/05/10/findings-1-2024-03-05-10-00-00-0a1b2c3d",
			func(*testing.T) []byte { return []byte(trustFinding(trustOutsider)) },
			trustSources(), "", trustOutsider},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var docs []ecs.Document
			_, err := Normalize(context.Background(), Object{Key: tt.key, Body: bytes.NewReader(tt.body(t)), Sources: tt.src}, func(d *ecs.Document) error {
				docs = append(docs, d.Clone())
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(docs) != 1 || docs[0].Event.Kind == KindPipelineError {
				t.Fatalf("got %d documents (%+v), want 1 event", len(docs), docs)
			}
			d := docs[0]
			if d.Cloud.AccountID != tt.wantAccount {
				t.Errorf("cloud.account.id = %q, want %q", d.Cloud.AccountID, tt.wantAccount)
			}
			flagged := slices.Contains(d.Tags, TagTampering)
			if d.Orgsiem.ClaimedAccount != tt.wantClaimed || flagged != (tt.wantClaimed != "") {
				t.Errorf("orgsiem.claimed_account = %q, tags %v; want claimed %q", d.Orgsiem.ClaimedAccount, d.Tags, tt.wantClaimed)
			}
			if strings.HasPrefix(tt.key, archive.CWLogsPrefix) && !strings.HasPrefix(d.ID, "cwl-") {
				t.Errorf("_id %q of a CloudWatch Logs record is not source-namespaced", d.ID)
			}
		})
	}
}

// trustFinding is a minimal GuardDuty finding (fields from the finding
// format documentation) of account.
func trustFinding(account string) string {
	return `{"schemaVersion":"2.0","accountId":"` + account + `","region":"us-east-1","partition":"aws","id":"f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5",` +
		`"arn":"arn:aws:guardduty:us-east-1:` + account + `:detector/d1/finding/f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5","type":"Recon:EC2/PortProbeUnprotectedPort",` +
		`"resource":{"resourceType":"Instance"},"severity":2,"createdAt":"2024-03-05T10:00:00.000Z","updatedAt":"2024-03-05T10:00:00.000Z","title":"t","description":"d"}` + "\n"
}

func TestSourceIDNamespacesByAccountAndGroup(t *testing.T) {
	a := cwSourceID(trustVictim, "g1", "e")
	for _, other := range []string{cwSourceID(trustAttacker, "g1", "e"), cwSourceID(trustVictim, "g2", "e"), "e"} {
		if a == other {
			t.Errorf("cwSourceID collides: %q", a)
		}
	}
	if len(cwSourceID(trustVictim, strings.Repeat("g", 512), strings.Repeat("9", 56))) > 512 {
		t.Error("a namespaced _id exceeds OpenSearch's 512-byte _id limit")
	}
}

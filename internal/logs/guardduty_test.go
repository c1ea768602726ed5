package logs

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// gdAPIFinding is a GuardDuty finding with an AWS_API_CALL action.
const gdAPIFinding = `{"schemaVersion":"2.0","accountId":"111122223333","region":"eu-west-1","partition":"aws","id":"a1b2","arn":"arn:aws:guardduty:eu-west-1:111122223333:detector/d/finding/a1b2","type":"UnauthorizedAccess:IAMUser/TorIPCaller","resource":{"resourceType":"AccessKey","accessKeyDetails":{"accessKeyId":"AKIAIOSFODNN7EXAMPLE","principalId":"AIDACKCEVSQ6C2EXAMPLE","userName":"alice","userType":"IAMUser"}},"service":{"serviceName":"guardduty","action":{"actionType":"AWS_API_CALL","awsApiCallAction":{"api":"ListBuckets","remoteIpDetails":{"ipAddressV4":"198.51.100.99","organization":{"asn":"64496","asnOrg":"Example AS"},"country":{"countryCode":"NL","countryName":"Netherlands"},"city":{"cityName":"Amsterdam"},"geoLocation":{"lat":52.37,"lon":4.89}}}},"additionalInfo":{"sample":true},"archived":true,"count":2},"severity":5.5,"createdAt":"2023-11-14T20:05:00.000Z","updatedAt":"2023-11-14T21:00:00.123Z","title":"Tor caller","description":"API called from Tor."}`

func TestGuardDutyFields(t *testing.T) {
	checkFieldCases(t, "guardduty", []fieldCase{
		{"a raw finding maps the alert, its rule, severity, actor and remote IP",
			gdAPIFinding,
			map[string]any{"@timestamp": "2023-11-14T21:00:00.123Z", "event.created": "2023-11-14T20:05:00Z", "event.kind": "alert", "event.severity": "55",
				"event.id": "a1b2-2023-11-14T21:00:00.123Z", "rule.name": "UnauthorizedAccess:IAMUser/TorIPCaller", "rule.category": "UnauthorizedAccess",
				"rule.description": "Tor caller", "cloud.account.id": "111122223333", "cloud.region": "eu-west-1", "user.name": "alice",
				"source.ip": "198.51.100.99", "source.geo.country_iso_code": "NL", "source.as.number": "64496", "event.action": "AWS_API_CALL",
				"observer.product": "GuardDuty", "aws.guardduty.sample": "true", "aws.guardduty.archived": "true",
				"aws.guardduty.service.count": "2", "aws.guardduty.eventbridge": nil}},
		{"an EventBridge event maps its detail and keeps the envelope",
			`{"version":"0","id":"ev-1","detail-type":"GuardDuty Finding","source":"aws.guardduty","account":"444455556666","time":"2023-11-14T21:20:05Z","region":"eu-west-1","resources":[],"detail":` + gdAPIFinding + `}`,
			map[string]any{"event.id": "a1b2-2023-11-14T21:00:00.123Z", "cloud.account.id": "111122223333", "aws.guardduty.eventbridge.id": "ev-1",
				"aws.guardduty.eventbridge.detail-type": "GuardDuty Finding", "aws.guardduty.id": "a1b2", "aws.guardduty.detail": nil}},
		{"a finding without account or region takes the event's",
			`{"version":"0","id":"ev-2","detail-type":"GuardDuty Finding","source":"aws.guardduty","account":"444455556666","region":"ap-south-1","detail":{"id":"c3","type":"Recon:EC2/Portscan","updatedAt":"2023-11-14T21:05:00Z"}}`,
			map[string]any{"cloud.account.id": "444455556666", "cloud.region": "ap-south-1"}},
		{"an outbound connection puts the remote side in destination",
			`{"id":"b2","type":"CryptoCurrency:EC2/BitcoinTool.B","severity":8,"updatedAt":"2023-11-14T21:05:00Z","service":{"action":{"actionType":"NETWORK_CONNECTION","networkConnectionAction":{"connectionDirection":"OUTBOUND","protocol":"TCP","remoteIpDetails":{"ipAddressV4":"203.0.113.77"},"remotePortDetails":{"port":3333},"localPortDetails":{"port":49152},"localIpDetails":{"ipAddressV4":"10.0.1.25"}}}},"resource":{"instanceDetails":{"instanceId":"i-0abc"}}}`,
			map[string]any{"destination.ip": "203.0.113.77", "destination.port": "3333", "source.ip": "10.0.1.25", "source.port": "49152", "network.direction": "egress",
				"network.transport": "tcp", "cloud.instance.id": "i-0abc", "event.severity": "80", "aws.guardduty.sample": "false", "aws.guardduty.archived": "false"}},
		{"a DNS request finding maps the queried domain",
			`{"id":"d4","type":"Trojan:EC2/DNSDataExfiltration","severity":9.5,"updatedAt":"2023-11-14T21:15:00Z","service":{"action":{"actionType":"DNS_REQUEST","dnsRequestAction":{"domain":"x.exfil.example."}}}}`,
			map[string]any{"dns.question.name": "x.exfil.example", "source.ip": nil, "event.severity": "95"}},
		{"Panther-style times without a zone are read as UTC",
			`{"id":"p1","type":"AttackSequence:IAM/CompromisedCredentials","severity":9,"createdAt":"2025-02-25 20:40:06.721","updatedAt":"2025-02-25 20:40:06.721","service":{"additionalInfo":{}}}`,
			map[string]any{"@timestamp": "2025-02-25T20:40:06.721Z", "aws.guardduty.updatedAt": "2025-02-25 20:40:06.721"}},
	})
}

// recordCase is one record of a finding type and its outcome: an error
// document whose message contains err, or a document with fields.
type recordCase struct {
	name, record, err string
	fields            map[string]any // as in fieldCase
}

// checkRecordCases normalizes each case's record as typ.
func checkRecordCases(t *testing.T, typ string, cases []recordCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := normalizeBytes(t, typ, "k", []byte(c.record))
			if len(r.docs) != 1 {
				t.Fatalf("%d documents, want 1 (stats %+v)", len(r.docs), r.stats)
			}
			d := &r.docs[0]
			if c.err != "" {
				if d.Event.Kind != KindPipelineError || !strings.Contains(d.Error.Message, c.err) {
					t.Fatalf("kind %q error %q, want an error document containing %q", d.Event.Kind, d.Error.Message, c.err)
				}
				return
			}
			if d.Event.Kind == KindPipelineError {
				t.Fatalf("error document: %s", d.Error.Message)
			}
			m := docJSON(t, d)
			for path, want := range c.fields {
				got, ok := lookup(m, path)
				if want == nil && ok || want != nil && fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s = %v (present %v), want %v", path, got, ok, want)
				}
			}
		})
	}
}

// gdEvent is a GuardDuty finding event with the given envelope members
// before the detail.
func gdEvent(envelope, detail string) string {
	return `{"version":"0","id":"ev",` + envelope + `"detail-type":"GuardDuty Finding","detail":` + detail + `}`
}

func TestGuardDutyRecordRules(t *testing.T) {
	const upd = `"updatedAt":"2023-11-14T21:00:00Z"`
	checkRecordCases(t, "guardduty", []recordCase{
		{name: "keys match exactly: ID is not id",
			record: `{"ID":"a",` + upd + `}`, err: "finding has no id"},
		{name: "a key differing in case is not the declared field and is not type-checked",
			record: `{"id":"a","Severity":"HIGH",` + upd + `}`, fields: map[string]any{"event.severity": nil, "aws.guardduty.Severity": "HIGH"}},
		{name: "a key given twice: the last value wins",
			record: `{"id":"a","id":"b",` + upd + `}`, fields: map[string]any{"aws.guardduty.id": "b"}},
		{name: "a key given twice: a last null wins too",
			record: `{"id":"a","id":null,` + upd + `}`, err: "finding has no id"},
		{name: "a repeated object replaces the earlier one rather than merging",
			record: `{"id":"a",` + upd + `,"service":{"action":{"actionType":"AWS_API_CALL"}},"service":{"archived":true}}`,
			fields: map[string]any{"event.action": nil, "aws.guardduty.archived": "true"}},
		{name: "a declared field of another JSON type is an error naming path and declared type",
			record: `{"id":"a","severity":"HIGH",` + upd + `}`, err: "severity holds a string, the schema declares double (a JSON number)"},
		{name: "the declared types are checked inside an event's detail",
			record: gdEvent(`"source":"aws.guardduty",`, `{"id":"a","updatedAt":5}`), err: "updatedAt holds the number 5, the schema declares keyword"},
		{name: "an envelope key must hold a string",
			record: gdEvent(`"source":1,`, `{"id":"a",`+upd+`}`), err: `EventBridge event key "source" holds a number, not a string`},
		{name: "an envelope key must hold a string even in a raw finding",
			record: `{"id":"a",` + upd + `,"region":["eu-west-1"]}`, err: `EventBridge event key "region" holds an array, not a string`},
		{name: "an envelope key may hold null",
			record: gdEvent(`"source":"aws.guardduty","time":null,"account":"1","account":null,`, `{"id":"a",`+upd+`}`),
			fields: map[string]any{"aws.guardduty.eventbridge.time": nil, "aws.guardduty.eventbridge.account": nil, "cloud.account.id": nil}},
		{name: "envelope keys given twice: the last one wins",
			record: gdEvent(`"source":"aws.ec2","source":"aws.guardduty",`, `{"id":"a",`+upd+`}`),
			fields: map[string]any{"aws.guardduty.eventbridge.source": "aws.guardduty"}},
	})
}

func TestGuardDutyIDsDedupeRedeliveryAndKeepUpdates(t *testing.T) {
	updated := strings.Replace(gdAPIFinding, `"updatedAt":"2023-11-14T21:00:00.123Z"`, `"updatedAt":"2023-11-14T22:00:00Z"`, 1)
	r := normalizeBytes(t, "guardduty", "k", []byte(gdAPIFinding+"\n"+gdAPIFinding+"\n"+updated+"\n"))
	if len(r.docs) != 3 {
		t.Fatalf("%d documents", len(r.docs))
	}
	if r.docs[0].ID != r.docs[1].ID {
		t.Errorf("redelivered finding got a new _id: %s vs %s", r.docs[0].ID, r.docs[1].ID)
	}
	if r.docs[0].ID == r.docs[2].ID {
		t.Errorf("updated finding kept the _id %s", r.docs[0].ID)
	}
}

func TestGuardDutyStatusEventsAreSkipped(t *testing.T) {
	r := normalizeBytes(t, "guardduty", "k", []byte(`{"version":"0","id":"x","detail-type":"GuardDuty Runtime Protection Unhealthy","source":"aws.guardduty","detail":{}}`))
	if r.stats.Skipped["guardduty-status-event"] != 1 || len(r.docs) != 0 {
		t.Errorf("stats %+v", r.stats)
	}
}

func TestFindingMessage(t *testing.T) {
	shFinding := func(id string) string {
		return `{"SchemaVersion":"2018-10-08","Id":"` + id + `","ProductArn":"arn:aws:securityhub:eu-west-1::product/aws/securityhub","AwsAccountId":"111122223333","UpdatedAt":"2023-11-14T21:00:00Z","Severity":{"Label":"HIGH"},"Title":"t"}`
	}
	shEvent := func(findings ...string) string {
		return `{"version":"0","id":"e","detail-type":"Security Hub Findings - Imported","source":"aws.securityhub","account":"111122223333","region":"eu-west-1","detail":{"findings":[` + strings.Join(findings, ",") + `]}}`
	}
	cases := []struct {
		name, msg, wantType, wantErr string
	}{
		{"a GuardDuty finding event is a guardduty document", `{"version":"0","id":"ev","detail-type":"GuardDuty Finding","source":"aws.guardduty","detail":` + gdAPIFinding + `}`, "guardduty", ""},
		{"a Security Hub event with one finding is a securityhub document", shEvent(shFinding("f1")), "securityhub", ""},
		{"a Security Hub event with two findings is refused with the count", shEvent(shFinding("f1"), shFinding("f2")), "", "holds 2 findings"},
		{"a Security Hub event without findings is refused", shEvent(), "", "holds no findings"},
		{"a GuardDuty status event is refused", `{"detail-type":"GuardDuty Runtime Protection Healthy","source":"aws.guardduty","detail":{}}`, "", "is not a finding"},
		{"another source is refused", `{"detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","detail":{}}`, "", "neither GuardDuty, Security Hub nor AWS Config"},
		{"a raw finding is refused", gdAPIFinding, "", "not an EventBridge event"},
		{"broken JSON is refused", `{"source":`, "", "finding event"},
		{"an envelope key of another type is refused", `{"detail-type":"GuardDuty Finding","source":"aws.guardduty","time":5,"detail":` + gdAPIFinding + `}`, "", `EventBridge event key "time" holds a number, not a string`},
		{"a GuardDuty finding of another declared type is refused", `{"detail-type":"GuardDuty Finding","source":"aws.guardduty","detail":{"id":"a","severity":"HIGH","updatedAt":"2023-11-14T21:00:00Z"}}`, "", "severity holds a string, the schema declares double"},
		{"a Security Hub finding of another declared type is refused", shEvent(`{"Id":"a","UpdatedAt":"2023-11-14T21:00:00Z","Types":"x"}`), "", "Types holds a string, the schema declares a list of keyword"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := ecs.Document{Type: "cloudwatchlogs", Event: ecs.Event{Kind: "event", Dataset: "aws.cloudwatchlogs"}}
			err := findingMessage([]byte(c.msg), &d)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.Type != c.wantType || d.Event.Dataset != "aws."+c.wantType || d.Event.Kind != "alert" || d.ID == "" || d.Timestamp.IsZero() {
				t.Errorf("type %q dataset %q kind %q id %q time %v", d.Type, d.Event.Dataset, d.Event.Kind, d.ID, d.Timestamp)
			}
			m := docJSON(t, &d)
			if _, ok := lookup(m, "aws."+c.wantType+".eventbridge.id"); !ok {
				t.Errorf("aws.%s.eventbridge missing: %s", c.wantType, d.AppendJSON(nil))
			}
		})
	}
}

func FuzzGuardDuty(f *testing.F) {
	for _, seed := range fuzzSeeds(f, "guardduty") {
		f.Add(seed)
	}
	f.Add([]byte(`{"id":"x","updatedAt":"2020-01-01T00:00:00Z","service":[1],"resource":"r"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzJSONType(t, "guardduty", data)
		_ = findingMessage(data, &ecs.Document{})
	})
}

func BenchmarkGuardDuty(b *testing.B) {
	data, err := os.ReadFile("testdata/guardduty/export.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	benchNormalize(b, "guardduty", repeatToSize("", string(data), 4<<20))
}

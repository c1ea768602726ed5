package alerts

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/detect"
)

func TestFromAlertUsesOnlyMappedFields(t *testing.T) {
	ts := time.Date(2026, 3, 31, 23, 59, 0, 0, time.FixedZone("x", 3600))
	a := detect.Alert{RuleID: "r1", Title: "T", Level: "high", Severity: 2, Time: ts, Account: "111111111111",
		Region: "eu-west-1", Principal: "alice", Source: "203.0.113.9", DocID: "doc-1", Index: "log-aws-cloudtrail-2026.03",
		WindowStart: ts.Add(-time.Minute), WindowEnd: ts, Group: map[string]string{"b": "2", "a": "1"}, Count: 3}
	d := FromAlert(a, KindSignal, Source{LogType: "cloudtrail", Outcome: "failure", Action: "ConsoleLogin"}, ts.Add(time.Hour))
	if d.Index != "orgsiem-alerts-2026.03" {
		t.Errorf("index %q: the month is the event's UTC month", d.Index)
	}
	if d.ID != ID("r1", "doc-1") || d.ID == ID("r2", "doc-1") || d.ID == ID("r1", "doc-2") {
		t.Errorf("_id must be deterministic per (rule, document): %q", d.ID)
	}
	if d.SourceIP != "203.0.113.9" || d.LogType != "aws.cloudtrail" || d.Ruleset != RulesetBuiltin || d.Action != "ConsoleLogin" {
		t.Errorf("derived fields: %+v", d)
	}
	if strings.Join(d.Group, ",") != "a=1,b=2" {
		t.Errorf("group %v", d.Group)
	}
	d.Notify = NotifyOff
	b, err := d.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for k := range m {
		if _, ok := Mapping[k]; !ok {
			t.Errorf("field %q is written but not in Mapping: a strict alerts index would refuse the document", k)
		}
	}
	if d2 := FromAlert(detect.Alert{RuleID: "r", DocID: "d", Source: "not-an-ip", Time: ts}, KindAlert, Source{}, ts); d2.SourceIP != "" || d2.Source != "not-an-ip" {
		t.Errorf("a source that is not an address must stay out of the ip field: %+v", d2)
	}
}

func TestSignalsCarryOneGroupKeyTheDistinctValueAndTheNotifyMark(t *testing.T) {
	ts := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	a := detect.Alert{RuleID: "r", DocID: "d", Time: ts, Group: map[string]string{"user": "alice", "ip": "203.0.113.9"}}
	d := FromAlert(a, KindSignal, Source{Distinct: "bucket-1", NoNotify: true}, ts)
	if d.GroupKey != "ip=203.0.113.9"+GroupKeySep+"user=alice" {
		t.Errorf("group key %q: one keyword per group, entries sorted, so every signal of a group lands in one composite bucket", d.GroupKey)
	}
	if d.Distinct != "bucket-1" || d.Notify != NotifyOff {
		t.Errorf("distinct %q notify %q", d.Distinct, d.Notify)
	}
	b, _ := d.JSON()
	for _, f := range []string{FieldGroupKey, FieldDistinct, FieldNotify} {
		if !strings.Contains(string(b), `"`+f+`"`) || Mapping[f] != "keyword" {
			t.Errorf("%s: not written or not a keyword: %s", f, b)
		}
	}
	plain := FromAlert(detect.Alert{RuleID: "r", DocID: "d", Time: ts}, KindAlert, Source{}, ts)
	if b, _ := plain.JSON(); strings.Contains(string(b), FieldNotify) || strings.Contains(string(b), FieldGroupKey) {
		t.Errorf("an ordinary alert carries no notify mark and no group key: %s", b)
	}
}

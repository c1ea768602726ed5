package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/alerts"
	"github.com/orgsiem/orgsiem/internal/detect"
	"github.com/orgsiem/orgsiem/internal/ecs"
	"github.com/orgsiem/orgsiem/internal/logs"
	rpt "github.com/orgsiem/orgsiem/internal/report"
	"github.com/orgsiem/orgsiem/internal/search"
	"github.com/orgsiem/orgsiem/internal/search/searchtest"
)

// fixture is a day of CloudTrail events normalized by the real pipeline:
// one positive inline test event of every rule that feeds a guideline (the
// rules' own test events, re-timed into the window), and noise from three
// accounts; the catalog's matches as the loader's alert documents; and the
// report the in-process Builder makes of them (the path of orgsiem scan).
type fixture struct {
	docs   []ecs.Document
	alerts []alerts.Document
	local  *rpt.Report
}

func buildFixture(t *testing.T, start time.Time, drop func(*ecs.Document) bool) *fixture {
	t.Helper()
	cat, err := detect.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.LoadTests(); err != nil { // the inline test events are parsed on demand
		t.Fatal(err)
	}
	var records [][]byte
	at := func(i int) string { return start.Add(time.Hour + time.Duration(i)*10*time.Minute).Format(time.RFC3339) }
	for _, r := range cat.Rules() {
		if r.Report == "" {
			continue
		}
		for _, tc := range r.Tests {
			if !tc.Match || len(tc.Events) != 1 || (tc.Type != "" && tc.Type != "cloudtrail") {
				continue
			}
			var rec map[string]any
			if err := json.Unmarshal(tc.Events[0], &rec); err != nil {
				t.Fatalf("%s: %v", r.ID, err)
			}
			rec["eventTime"] = at(len(records))
			rec["eventID"] = fmt.Sprintf("00000000-0000-4000-8000-%012d", len(records))
			b, _ := json.Marshal(rec)
			records = append(records, b)
			break
		}
	}
	for i, acct := range []string{"111111111111", "222222222222", "333333333333"} {
		for j := range 3 {
			records = append(records, fmt.Appendf(nil, `{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::%[1]s:assumed-role/app/i-1","accountId":"%[1]s"},"eventTime":%[2]q,"eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"eu-west-1","sourceIPAddress":"10.0.0.%[3]d","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"%[1]s","eventCategory":"Management","eventID":"noise-%[3]d-%[4]d"}`,
				acct, at(i*3+j), i, j))
		}
	}
	fx := &fixture{}
	for _, raw := range records {
		docs, err := logs.NormalizeRecord("cloudtrail", raw)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		for _, d := range docs {
			if drop == nil || !drop(&d) {
				fx.docs = append(fx.docs, d)
			}
		}
	}
	b := rpt.NewBuilder(rpt.BuilderOptions{From: start, To: start.Add(24 * time.Hour), Spec: "24h"})
	m := cat.NewMatcher()
	for i := range fx.docs {
		d := &fx.docs[i]
		b.Document(d)
		m.Match(d, func(a detect.Alert) {
			if a.Rule.Report == "" || a.Rule.IsThreshold() {
				return
			}
			doc := alerts.FromAlert(a, alerts.KindAlert, alerts.Source{LogType: d.Type, Outcome: d.Event.Outcome, Action: d.Event.Action}, start.Add(25*time.Hour))
			fx.alerts = append(fx.alerts, doc)
			b.Match(doc)
		})
	}
	fx.local = b.Report(start.Add(30 * time.Hour))
	return fx
}

// index writes the documents and alert documents to the test server with
// _bulk create, as the loader does, and tells the evaluator what was
// stored.
func (fx *fixture) index(t *testing.T, sc *search.Client, ev *evaluator) {
	t.Helper()
	var body []byte
	var enc ecs.Encoder
	action := func(index, id string) {
		body = fmt.Appendf(body, `{"create":{"_index":%q,"_id":%q}}`+"\n", index, id)
	}
	for i := range fx.docs {
		d := &fx.docs[i]
		action(d.Index(), d.ID)
		body = append(enc.AppendJSON(body, d), '\n')
	}
	for i := range fx.alerts {
		a := &fx.alerts[i]
		action(a.Index, a.ID)
		j, err := a.JSON()
		if err != nil {
			t.Fatal(err)
		}
		body = append(append(body, j...), '\n')
	}
	status, resp, err := sc.Do(context.Background(), search.Request{Method: "POST", Path: "/_bulk", Body: body, ContentType: "application/x-ndjson"})
	if err != nil || status != 200 {
		t.Fatalf("bulk: %d %v %s", status, err, resp)
	}
	var br struct {
		Items []map[string]struct {
			Index  string `json:"_index"`
			ID     string `json:"_id"`
			Status int    `json:"status"`
		} `json:"items"`
	}
	if err := json.Unmarshal(resp, &br); err != nil {
		t.Fatal(err)
	}
	for _, it := range br.Items {
		for _, r := range it {
			if r.Status != 201 {
				t.Fatalf("bulk item %s/%s: status %d", r.Index, r.ID, r.Status)
			}
			ev.indexed(r.Index, r.ID)
		}
	}
}

// TestDomainReportEqualsLocalReport is the report's parity: the same
// events give the same report whether counted in process (orgsiem scan) or
// read back from the domain's alert documents and log indices (the report
// Lambda, orgsiem report).
func TestDomainReportEqualsLocalReport(t *testing.T) {
	start := time.Date(2025, 5, 31, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		drop func(*ecs.Document) bool
		want func(*testing.T, *rpt.Report)
	}{
		{"every report rule fires once", nil, func(t *testing.T, r *rpt.Report) {
			if r.Summary.Findings != 10 {
				t.Errorf("summary %+v: every guideline has a rule with a test event", r.Summary)
			}
		}},
		{"without S3 data events pci-05 has no data on both paths", func(d *ecs.Document) bool {
			return d.Event.Provider == "s3.amazonaws.com" && strings.Contains(string(d.AWS), `"eventCategory":"Data"`)
		}, func(t *testing.T, r *rpt.Report) {
			if g := r.Guidelines[4]; g.ID != "pci-05" || g.Status != rpt.StatusNoData {
				t.Errorf("pci-05 %+v", g)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := searchtest.New(t)
			ev := newEvaluator(srv)
			sc, err := search.New(search.Config{URL: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			fx := buildFixture(t, start, tc.drop)
			fx.index(t, sc, ev)
			r, err := New(Config{}, sc, nil, nil, func() time.Time { return fx.local.Generated })
			if err != nil {
				t.Fatal(err)
			}
			domain, err := r.Build(context.Background(), rpt.Window{From: start, To: start.Add(24 * time.Hour), Spec: "24h"})
			if err != nil {
				t.Fatal(err)
			}
			for _, rej := range srv.Rejections() {
				t.Errorf("the test server refused %s %s: %v", rej.Method, rej.Path, rej.Err)
			}
			for _, e := range ev.errs {
				t.Errorf("evaluator: %s", e)
			}
			var a, b bytes.Buffer
			if err := rpt.JSON(&a, fx.local); err != nil {
				t.Fatal(err)
			}
			if err := rpt.JSON(&b, domain); err != nil {
				t.Fatal(err)
			}
			if a.String() != b.String() {
				t.Errorf("the domain's report differs from the local one:\n--- local\n%s\n--- domain\n%s", a.String(), b.String())
			}
			tc.want(t, domain)
		})
	}
}

// TestDomainReportPagesThroughEverything has more account and log type
// buckets than one coverage page (500) and more alert documents than one
// alert page (1000): every page is read and the report still equals the
// local one.
func TestDomainReportPagesThroughEverything(t *testing.T) {
	start := time.Date(2025, 5, 31, 0, 0, 0, 0, time.UTC)
	cat, err := detect.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	iam := cat.Rule("pci-08-iam-change")
	if iam == nil {
		t.Fatal("no pci-08-iam-change rule")
	}
	fx := &fixture{}
	for i := range 520 {
		fx.docs = append(fx.docs, ecs.Document{ID: fmt.Sprintf("noise-%04d", i), Type: "cloudtrail", Timestamp: start.Add(time.Duration(i) * time.Minute),
			Cloud: ecs.Cloud{AccountID: fmt.Sprintf("%012d", 100000000000+i)}, Event: ecs.Event{Kind: "event", Dataset: "aws.cloudtrail", Provider: "ec2.amazonaws.com", Action: "DescribeInstances"},
			AWS: json.RawMessage(`{"eventCategory":"Management"}`)})
	}
	b := rpt.NewBuilder(rpt.BuilderOptions{From: start, To: start.Add(24 * time.Hour), Spec: "24h"})
	for i := range fx.docs {
		b.Document(&fx.docs[i])
	}
	for i := range 1010 {
		a := detect.Alert{Rule: iam, RuleID: iam.ID, Title: iam.Title, Level: iam.Level, Severity: iam.Severity,
			Time: start.Add(time.Duration(i) * 30 * time.Second), Account: fmt.Sprintf("%012d", 100000000000+i%7), Principal: fmt.Sprintf("user-%d", i%13),
			DocID: fmt.Sprintf("iam-%04d", i), Index: "log-aws-cloudtrail-2025.05", Count: 1}
		doc := alerts.FromAlert(a, alerts.KindAlert, alerts.Source{LogType: "cloudtrail", Action: "CreateUser"}, start.Add(25*time.Hour))
		fx.alerts = append(fx.alerts, doc)
		b.Match(doc)
	}
	fx.local = b.Report(start.Add(30 * time.Hour))

	srv := searchtest.New(t)
	ev := newEvaluator(srv)
	sc, err := search.New(search.Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	fx.index(t, sc, ev)
	r, _ := New(Config{}, sc, nil, nil, func() time.Time { return fx.local.Generated })
	domain, err := r.Build(context.Background(), rpt.Window{From: start, To: start.Add(24 * time.Hour), Spec: "24h"})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ev.errs {
		t.Errorf("evaluator: %s", e)
	}
	pages := map[string]int{}
	for _, req := range srv.Requests() {
		if strings.Contains(req.Path, "_search") {
			pages[strings.SplitN(req.Path, "/", 3)[1]]++
		}
	}
	if pages["log-aws-%2A"] != 2 || pages["orgsiem-alerts-%2A"] != 2 {
		t.Errorf("pages %v, want 2 coverage and 2 alert pages", pages)
	}
	if g := domain.Guidelines[7]; g.Count != 1010 || len(domain.Coverage) != 520 {
		t.Errorf("pci-08 %d events, %d coverage rows", g.Count, len(domain.Coverage))
	}
	var x, y bytes.Buffer
	_ = rpt.JSON(&x, fx.local)
	_ = rpt.JSON(&y, domain)
	if x.String() != y.String() {
		t.Error("the paged domain report differs from the local one")
	}
}

package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/alerts"
	"github.com/orgsiem/orgsiem/internal/detect"
	"github.com/orgsiem/orgsiem/internal/ecs"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var (
	day       = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	generated = time.Date(2026, 11, 2, 6, 0, 0, 0, time.UTC)
)

// rule returns a rule feeding guideline g.
func rule(id, g, level string, severity int) *detect.Rule {
	return &detect.Rule{ID: id, Title: "title of " + id, Level: level, Severity: severity, Report: g}
}

// ctDoc is a CloudTrail document; category is its eventCategory.
func ctDoc(id, account, provider, action, category, outcome string, t time.Time) *ecs.Document {
	return &ecs.Document{ID: id, Type: "cloudtrail", Timestamp: t, Cloud: ecs.Cloud{AccountID: account},
		Event: ecs.Event{Dataset: "aws.cloudtrail", Provider: provider, Action: action, Outcome: outcome},
		AWS:   json.RawMessage(fmt.Sprintf(`{"eventCategory":%q}`, category))}
}

// match is the alert document of r on d, as the loader and scan build it.
func match(r *detect.Rule, d *ecs.Document, kind, principal string) alerts.Document {
	a := detect.Alert{Rule: r, RuleID: r.ID, Title: r.Title, Level: r.Level, Severity: r.Severity, Time: d.Timestamp,
		Account: d.Cloud.AccountID, Principal: principal, Source: "203.0.113.7", DocID: d.ID, Index: d.Index(), Count: 1}
	return alerts.FromAlert(a, kind, alerts.Source{LogType: d.Type, Outcome: d.Event.Outcome, Action: d.Event.Action}, generated)
}

var (
	root   = rule("pci-01-root-user-activity", "pci-01", "high", 2)
	failed = rule("pci-02-failed-platform-logins", "pci-02", "medium", 3)
	iam    = rule("pci-08-iam-change", "pci-08", "low", 4)
	cis    = rule("cis-4-04-iam-policy-changes", "pci-08", "medium", 3)
	brute  = rule("console-brute-force", "pci-02", "high", 2) // a threshold rule: its matches are signals
)

// sampleBuilder feeds the events the golden files show: root activity in
// one account over two days, failed logins in two accounts (one also a
// brute-force signal), an IAM change matched by two rules, noise, an
// expected silent account, an account seen only before the window, an
// error document and an event after the window. No S3 data events: pci-05
// has no data.
func sampleBuilder(opts BuilderOptions) *Builder {
	b := NewBuilder(opts)
	feed := func(d *ecs.Document, ms ...alerts.Document) {
		b.Document(d)
		for _, m := range ms {
			b.Match(m)
		}
	}
	for i := range 3 {
		d := ctDoc(fmt.Sprintf("root-%d", i), "111111111111", "signin.amazonaws.com", "ConsoleLogin", "Management", "success", day.Add(time.Duration(10+i)*time.Hour))
		feed(d, match(root, d, alerts.KindAlert, "arn:aws:iam::111111111111:root"))
	}
	for i, acct := range []string{"111111111111", "222222222222", "222222222222"} {
		d := ctDoc(fmt.Sprintf("fail-%d", i), acct, "signin.amazonaws.com", "ConsoleLogin", "Management", "failure", day.Add(time.Duration(2+i)*time.Hour))
		ms := []alerts.Document{match(failed, d, alerts.KindAlert, "alice<script>")}
		if acct == "222222222222" {
			ms = append(ms, match(brute, d, alerts.KindSignal, "alice<script>"))
		}
		feed(d, ms...)
	}
	d := ctDoc("iam-1", "222222222222", "iam.amazonaws.com", "AttachRolePolicy", "Management", "success", day.Add(20*time.Hour))
	feed(d, match(iam, d, alerts.KindAlert, "arn:aws:sts::222222222222:assumed-role/deploy/ci"), match(cis, d, alerts.KindAlert, "arn:aws:sts::222222222222:assumed-role/deploy/ci"))
	for i := range 5 {
		feed(ctDoc(fmt.Sprintf("noise-%d", i), "222222222222", "ec2.amazonaws.com", "DescribeInstances", "Management", "success", day.Add(time.Duration(i)*time.Minute)))
	}
	flow := &ecs.Document{ID: "flow-1", Type: "vpcflow", Timestamp: day.Add(5 * time.Hour), Cloud: ecs.Cloud{AccountID: "222222222222"}, Event: ecs.Event{Dataset: "aws.vpcflow"}}
	feed(flow)
	b.Document(ctDoc("old", "444444444444", "ec2.amazonaws.com", "DescribeInstances", "Management", "success", day.Add(-48*time.Hour)))
	broken := ctDoc("broken", "555555555555", "", "", "", "", day.Add(time.Hour))
	broken.Event.Kind = "pipeline_error"
	b.Document(broken)
	late := ctDoc("late", "111111111111", "signin.amazonaws.com", "ConsoleLogin", "Management", "success", day.Add(49*time.Hour))
	feed(late, match(root, late, alerts.KindAlert, "arn:aws:iam::111111111111:root"))
	return b
}

func sampleOpts() BuilderOptions {
	return BuilderOptions{From: day, To: day.Add(48 * time.Hour), Spec: "now-2d", Accounts: []string{"333333333333"}}
}

func sampleReport(t *testing.T) *Report {
	t.Helper()
	return sampleBuilder(sampleOpts()).Report(generated)
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test -update to refresh):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestRenderingsMatchGoldenFiles(t *testing.T) {
	r := sampleReport(t)
	for _, tc := range []struct {
		name   string
		render func(*bytes.Buffer, *Report) error
	}{
		{"report.txt", func(b *bytes.Buffer, r *Report) error { return Text(b, r) }},
		{"report.json", func(b *bytes.Buffer, r *Report) error { return JSON(b, r) }},
		{"report.html", func(b *bytes.Buffer, r *Report) error { return HTML(b, r) }},
	} {
		t.Run("the "+tc.name+" rendering matches its golden file", func(t *testing.T) {
			var b bytes.Buffer
			if err := tc.render(&b, r); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, b.Bytes())
		})
	}
}

func byID(r *Report) map[string]Guideline {
	g := map[string]Guideline{}
	for _, x := range r.Guidelines {
		g[x.ID] = x
	}
	return g
}

func TestBuilderCounts(t *testing.T) {
	r := sampleReport(t)
	g := byID(r)
	t.Run("every guideline is present in order", func(t *testing.T) {
		if len(r.Guidelines) != 10 || r.Guidelines[0].ID != "pci-01" || r.Guidelines[9].ID != "pci-10" {
			t.Fatalf("guidelines = %+v", r.Guidelines)
		}
	})
	t.Run("events outside the window are not counted", func(t *testing.T) {
		if g["pci-01"].Count != 3 {
			t.Errorf("pci-01 count = %d, want 3 (the event after the window excluded)", g["pci-01"].Count)
		}
	})
	t.Run("an event matched by two rules of one guideline counts once, each rule its alert", func(t *testing.T) {
		if g["pci-08"].Count != 1 || len(g["pci-08"].Rules) != 2 || g["pci-08"].Rules[0].ID != cis.ID {
			t.Errorf("pci-08 = %+v", g["pci-08"])
		}
	})
	t.Run("a signal and an alert on one event count one event; the signal's rule is listed as a signal", func(t *testing.T) {
		p := g["pci-02"]
		if p.Count != 3 || p.Failed != 3 || p.Level != "high" || p.Severity != 2 {
			t.Errorf("pci-02 = %+v", p)
		}
		if len(p.Rules) != 2 || p.Rules[0].ID != brute.ID || p.Rules[0].Kind != alerts.KindSignal || p.Rules[0].Count != 2 {
			t.Errorf("rules = %+v", p.Rules)
		}
	})
	t.Run("top accounts are sorted by count with their last match", func(t *testing.T) {
		want := []Count{{"222222222222", 2, day.Add(4 * time.Hour)}, {"111111111111", 1, day.Add(2 * time.Hour)}}
		if got := g["pci-02"].TopAccounts; !slices.Equal(got, want) {
			t.Errorf("top accounts = %+v, want %+v", got, want)
		}
	})
	t.Run("the latest events are the evidence, newest first, with action, source and event id", func(t *testing.T) {
		es := g["pci-01"].Events
		if len(es) != 3 || es[0].EventID != "root-2" || es[2].EventID != "root-0" {
			t.Fatalf("events = %+v", es)
		}
		if e := es[0]; e.Action != "ConsoleLogin" || e.Source != "203.0.113.7" || e.Index != "log-aws-cloudtrail-2026.11" || e.Rule != root.ID {
			t.Errorf("event = %+v", e)
		}
	})
	t.Run("the trend has one count per day of the window", func(t *testing.T) {
		want := []DayCount{{"2026-11-01", 3}, {"2026-11-02", 0}}
		if got := g["pci-01"].Trend; !slices.Equal(got, want) {
			t.Errorf("trend = %+v, want %+v", got, want)
		}
	})
	t.Run("coverage is per account and log type; silent and expected accounts have a row", func(t *testing.T) {
		want := []Coverage{
			{Account: "111111111111", LogType: "aws.cloudtrail", First: day.Add(2 * time.Hour), Last: day.Add(12 * time.Hour), Events: 4},
			{Account: "222222222222", LogType: "aws.cloudtrail", First: day, Last: day.Add(20 * time.Hour), Events: 8},
			{Account: "222222222222", LogType: "aws.vpcflow", First: day.Add(5 * time.Hour), Last: day.Add(5 * time.Hour), Events: 1},
			{Account: "333333333333"},
			{Account: "444444444444", LastSeen: day.Add(-48 * time.Hour)},
		}
		if !slices.Equal(r.Coverage, want) {
			t.Errorf("coverage =\n%+v\nwant\n%+v", r.Coverage, want)
		}
		if r.Events != 13 {
			t.Errorf("events = %d, want 13", r.Events)
		}
	})
	t.Run("the date is the last day of the window", func(t *testing.T) {
		if r.Date != "2026-11-02" {
			t.Errorf("date = %s", r.Date)
		}
	})
}

func TestStatusTellsTheTruthAboutCoverage(t *testing.T) {
	r := sampleReport(t)
	g := byID(r)
	t.Run("a guideline whose source delivered nothing is NO DATA, naming the source", func(t *testing.T) {
		p := g["pci-05"]
		if p.Status != StatusNoData || !strings.Contains(p.Summary(), "S3 data events") || !strings.HasPrefix(p.Summary(), "NO DATA") {
			t.Errorf("pci-05: %s %q", p.Status, p.Summary())
		}
	})
	t.Run("a guideline without matches over delivered data says what was examined", func(t *testing.T) {
		p := g["pci-03"]
		if p.Status != StatusNoFindings || p.Needs[0].Events != 12 || p.Needs[0].Accounts != 2 {
			t.Errorf("pci-03 = %+v", p)
		}
		if s := p.Summary(); !strings.Contains(s, "12 CloudTrail management events (aws.cloudtrail) from 2 accounts") {
			t.Errorf("summary %q", s)
		}
	})
	t.Run("findings are findings", func(t *testing.T) {
		if g["pci-01"].Status != StatusFindings || r.Summary != (Summary{Findings: 3, NoFindings: 6, NoData: 1}) {
			t.Errorf("pci-01 %s, summary %+v", g["pci-01"].Status, r.Summary)
		}
	})
	t.Run("S3 data events on the domain's terms make pci-05 no findings", func(t *testing.T) {
		b := sampleBuilder(sampleOpts())
		b.Document(ctDoc("get-1", "222222222222", "s3.amazonaws.com", "GetObject", "Data", "success", day.Add(time.Hour)))
		b.Document(ctDoc("put-bucket", "111111111111", "s3.amazonaws.com", "PutBucketPolicy", "Management", "success", day.Add(time.Hour)))
		if p := byID(b.Report(generated))["pci-05"]; p.Status != StatusNoFindings || p.Needs[0].Events != 1 || p.Needs[0].Accounts != 1 {
			t.Errorf("pci-05 = %+v", p)
		}
	})
}

func TestEmptyWindow(t *testing.T) {
	since := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		opts     BuilderOptions
		from, to time.Time
	}{
		{"a window after the data keeps its two ends", BuilderOptions{From: since, To: since.Add(24 * time.Hour)}, since, since.Add(24 * time.Hour)},
		{"an open end is closed by the generation time", BuilderOptions{From: day}, day, generated},
		{"a start after the generation time gives an empty window at the start", BuilderOptions{From: since}, since, since},
		{"no bounds and no events: the generation instant", BuilderOptions{}, generated, generated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBuilder(tc.opts)
			b.Document(ctDoc("old", "111111111111", "ec2.amazonaws.com", "X", "Management", "", day.Add(-time.Hour)))
			if tc.opts.From.IsZero() {
				b = NewBuilder(tc.opts)
			}
			r := b.Report(generated)
			if !r.Window.From.Equal(tc.from) || !r.Window.To.Equal(tc.to) {
				t.Errorf("window %+v, want %s..%s", r.Window, tc.from, tc.to)
			}
			if r.Summary.NoData != 10 {
				t.Errorf("summary %+v: with no events every guideline is NO DATA", r.Summary)
			}
			var txt bytes.Buffer
			if err := Text(&txt, r); err != nil {
				t.Fatal(err)
			}
			head, _, _ := strings.Cut(txt.String(), "\nGenerated")
			if strings.Contains(head, "never") || strings.Contains(head, " - ") || strings.Contains(txt.String(), "No findings") {
				t.Errorf("the header must name both ends and nothing may look clear:\n%s", txt.String())
			}
			if !strings.Contains(txt.String(), "NO EVENTS") {
				t.Errorf("no coverage warning:\n%s", txt.String())
			}
		})
	}
}

func TestLatestEventsDoNotDependOnOrder(t *testing.T) {
	var ms []alerts.Document
	for i := range 30 {
		d := ctDoc(fmt.Sprintf("e%02d", i), "111111111111", "iam.amazonaws.com", "CreateUser", "Management", "", day.Add(time.Duration(i%7)*time.Hour))
		ms = append(ms, match(iam, d, alerts.KindAlert, "p"))
	}
	events := func(ms []alerts.Document) []Event {
		b := NewBuilder(BuilderOptions{From: day, To: day.Add(24 * time.Hour), Events: 4})
		for _, m := range ms {
			b.Match(m)
		}
		return byID(b.Report(generated))["pci-08"].Events
	}
	fwd := events(ms)
	slices.Reverse(ms)
	if rev := events(ms); !slices.Equal(fwd, rev) || len(fwd) != 4 || !fwd[0].Time.Equal(day.Add(6*time.Hour)) {
		t.Errorf("forward %+v\nreverse %+v", fwd, rev)
	}
}

func TestMatchIgnoresWhatIsNotAPerEventMatch(t *testing.T) {
	b := NewBuilder(BuilderOptions{From: day, To: day.Add(24 * time.Hour)})
	d := ctDoc("x", "1", "iam.amazonaws.com", "CreateUser", "Management", "", day)
	m := match(iam, d, "threshold", "p")
	b.Match(m)
	m = match(rule("no-guideline", "", "low", 4), d, alerts.KindAlert, "p")
	b.Match(m)
	m = match(rule("unknown", "pci-99", "low", 4), d, alerts.KindAlert, "p")
	b.Match(m)
	for _, g := range b.Report(generated).Guidelines {
		if g.Count != 0 || len(g.Rules) != 0 {
			t.Errorf("%s counted %+v", g.ID, g)
		}
	}
}

func TestHTMLIsSelfContainedAndEscaped(t *testing.T) {
	var b bytes.Buffer
	if err := HTML(&b, sampleReport(t)); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	if strings.Contains(s, "alice<script>") || !strings.Contains(s, "alice&lt;script&gt;") {
		t.Error("a principal name was not escaped")
	}
	for _, external := range []string{"<script", "<link", "src=", "http://", "https://", "@import", "url("} {
		if strings.Contains(s, external) {
			t.Errorf("the page is not self-contained: it contains %q", external)
		}
	}
	for _, want := range []string{`href="#pci-05"`, `id="pci-01-events"`, `<svg class="trend"`, `class="guideline no_data"`, "@media print"} {
		if !strings.Contains(s, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

func TestJSONRoundTrips(t *testing.T) {
	r := sampleReport(t)
	var b bytes.Buffer
	if err := JSON(&b, r); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if err := JSON(&again, &back); err != nil {
		t.Fatal(err)
	}
	if again.String() != b.String() {
		t.Errorf("the JSON does not carry the whole report:\n%s\n---\n%s", b.String(), again.String())
	}
}

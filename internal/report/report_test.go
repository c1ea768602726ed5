package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/detect"
	"github.com/orgsiem/orgsiem/internal/ecs"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var (
	day       = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	generated = time.Date(2026, 11, 2, 6, 0, 0, 0, time.UTC)
)

// rule returns a rule feeding guideline g (a threshold rule when threshold).
func rule(id, g string, threshold bool) *detect.Rule {
	r := &detect.Rule{ID: id, Title: id, Level: "low", Report: g}
	if threshold {
		r.Threshold = &detect.Threshold{Count: 3, Window: 10 * time.Minute}
	}
	return r
}

func doc(id, account, outcome string, t time.Time) *ecs.Document {
	return &ecs.Document{ID: id, Type: "cloudtrail", Timestamp: t, Cloud: ecs.Cloud{AccountID: account}, Event: ecs.Event{Outcome: outcome}}
}

func alert(r *detect.Rule, d *ecs.Document, principal string) detect.Alert {
	return detect.Alert{Rule: r, RuleID: r.ID, Time: d.Timestamp, Account: d.Cloud.AccountID, Principal: principal, DocID: d.ID, Count: 1}
}

// sampleReport builds the report the golden files show: root activity in
// one account, failed logins in two, an IAM change matched by two rules,
// a silent expected account and an account seen only before the window.
func sampleReport(t *testing.T) *Report {
	t.Helper()
	b := NewBuilder(BuilderOptions{From: day, To: day.Add(24 * time.Hour), Spec: "now-1d", Accounts: []string{"333333333333"}})
	root := rule("pci-01-root-user-activity", "pci-01", false)
	failed := rule("pci-02-failed-platform-logins", "pci-02", false)
	iam := rule("pci-08-iam-change", "pci-08", false)
	cis := rule("cis-4-04-iam-policy-changes", "pci-08", false)
	noReport := rule("ec2-run-instances-burst", "", true)
	feed := func(d *ecs.Document, alerts ...detect.Alert) {
		b.Document(d)
		for _, a := range alerts {
			b.Alert(a, d)
		}
	}
	for i := range 3 {
		d := doc("root-"+string(rune('a'+i)), "111111111111", "success", day.Add(time.Duration(10+i)*time.Hour))
		feed(d, alert(root, d, "arn:aws:iam::111111111111:root"))
	}
	for i, acct := range []string{"111111111111", "222222222222", "222222222222"} {
		d := doc("fail-"+string(rune('a'+i)), acct, "failure", day.Add(time.Duration(2+i)*time.Hour))
		feed(d, alert(failed, d, "alice<script>"))
	}
	d := doc("iam-1", "222222222222", "success", day.Add(20*time.Hour))
	feed(d, alert(iam, d, "arn:aws:sts::222222222222:assumed-role/deploy/ci"), alert(cis, d, "arn:aws:sts::222222222222:assumed-role/deploy/ci"))
	for i := range 5 {
		feed(doc("noise-"+string(rune('a'+i)), "222222222222", "success", day.Add(time.Duration(i)*time.Minute)))
	}
	b.Document(doc("old", "444444444444", "success", day.Add(-48*time.Hour)))
	broken := doc("broken", "555555555555", "", day.Add(time.Hour))
	broken.Event.Kind = "pipeline_error"
	b.Document(broken)
	late := doc("late", "111111111111", "success", day.Add(25*time.Hour))
	feed(late, alert(root, late, "arn:aws:iam::111111111111:root"))
	b.Alert(detect.Alert{Rule: noReport, Time: day.Add(time.Hour), Account: "111111111111", Count: 12}, nil)
	return b.Report(generated)
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

func TestBuilder(t *testing.T) {
	r := sampleReport(t)
	g := map[string]Guideline{}
	for _, x := range r.Guidelines {
		g[x.ID] = x
	}
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
	t.Run("an event matched by two rules of one guideline counts once", func(t *testing.T) {
		if g["pci-08"].Count != 1 {
			t.Errorf("pci-08 count = %d, want 1", g["pci-08"].Count)
		}
	})
	t.Run("failures are counted from the document outcome", func(t *testing.T) {
		if g["pci-02"].Failed != 3 || g["pci-01"].Failed != 0 {
			t.Errorf("failed: pci-02 %d pci-01 %d", g["pci-02"].Failed, g["pci-01"].Failed)
		}
	})
	t.Run("top accounts are sorted by count with their last match", func(t *testing.T) {
		want := []Count{{"222222222222", 2, day.Add(4 * time.Hour)}, {"111111111111", 1, day.Add(2 * time.Hour)}}
		got := g["pci-02"].TopAccounts
		if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("top accounts = %+v, want %+v", got, want)
		}
	})
	t.Run("alerts of rules without a guideline are ignored", func(t *testing.T) {
		var total int64
		for _, x := range r.Guidelines {
			total += x.Count
		}
		if total != 7 {
			t.Errorf("total = %d, want 7", total)
		}
	})
	t.Run("coverage covers every event, silent and expected accounts", func(t *testing.T) {
		want := map[string]AccountActivity{
			"111111111111": {Account: "111111111111", LastEvent: day.Add(12 * time.Hour), Events: 4},
			"222222222222": {Account: "222222222222", LastEvent: day.Add(20 * time.Hour), Events: 8},
			"333333333333": {Account: "333333333333"},
			"444444444444": {Account: "444444444444", LastSeen: day.Add(-48 * time.Hour)},
		}
		if len(r.LastEventPerAccount) != len(want) {
			t.Fatalf("coverage = %+v", r.LastEventPerAccount)
		}
		for _, a := range r.LastEventPerAccount {
			if a != want[a.Account] {
				t.Errorf("%s: got %+v want %+v", a.Account, a, want[a.Account])
			}
		}
		if r.Events != 12 {
			t.Errorf("events = %d, want 12", r.Events)
		}
	})
	t.Run("error documents are not events of any account", func(t *testing.T) {
		for _, a := range r.LastEventPerAccount {
			if a.Account == "555555555555" {
				t.Errorf("an error document counted: %+v", a)
			}
		}
	})
	t.Run("the date is the last day of the window", func(t *testing.T) {
		if r.Date != "2026-11-01" {
			t.Errorf("date = %s", r.Date)
		}
	})
}

func TestOpenWindowShowsTheEventsSeen(t *testing.T) {
	b := NewBuilder(BuilderOptions{Spec: "all"})
	first, last := day.Add(time.Hour), day.Add(30*time.Hour)
	b.Document(doc("a", "111111111111", "", last))
	b.Document(doc("b", "111111111111", "", first))
	r := b.Report(generated)
	if !r.Window.From.Equal(first) || !r.Window.To.After(last) || r.Window.To.After(last.Add(time.Second)) {
		t.Errorf("window = %+v", r.Window)
	}
	if r.Date != "2026-11-02" {
		t.Errorf("date = %s", r.Date)
	}
}

func TestThresholdAlertsCountTheirEvents(t *testing.T) {
	b := NewBuilder(BuilderOptions{})
	b.Alert(detect.Alert{Rule: rule("x", "pci-02", true), Time: day, Account: "111111111111", Principal: "p", Count: 7}, nil)
	if got := b.Report(generated).Guidelines[1].Count; got != 7 {
		t.Errorf("count = %d, want 7", got)
	}
}

func TestHTMLEscapesValues(t *testing.T) {
	var b bytes.Buffer
	if err := HTML(&b, sampleReport(t)); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	if strings.Contains(s, "alice<script>") || !strings.Contains(s, "alice&lt;script&gt;") {
		t.Error("a principal name was not escaped")
	}
	for _, external := range []string{"<script", "<link", "src=", "http://", "https://"} {
		if strings.Contains(s, external) {
			t.Errorf("the page is not self-contained: it contains %q", external)
		}
	}
}

func TestFromSearch(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("testdata", "search-response.json"))
	if err != nil {
		t.Fatal(err)
	}
	w := Window{From: day, To: day.Add(24 * time.Hour), Spec: "now-1d"}
	r, err := FromSearch(body, w, []string{"333333333333", "111111111111"}, 0, generated)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("guideline counts, failures, accounts and principals come from the filters buckets", func(t *testing.T) {
		g := r.Guidelines[1]
		if g.ID != "pci-02" || g.Count != 3 || g.Failed != 3 {
			t.Fatalf("pci-02 = %+v", g)
		}
		want := Count{Key: "222222222222", Count: 2, Last: time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC)}
		if len(g.TopAccounts) != 2 || g.TopAccounts[0] != want {
			t.Errorf("top accounts = %+v", g.TopAccounts)
		}
		if len(g.TopPrincipals) != 1 || g.TopPrincipals[0].Key != "alice<script>" {
			t.Errorf("top principals = %+v", g.TopPrincipals)
		}
	})
	t.Run("coverage comes from the coverage buckets plus silent expected accounts", func(t *testing.T) {
		if len(r.LastEventPerAccount) != 3 || r.Events != 12 {
			t.Fatalf("coverage = %+v events %d", r.LastEventPerAccount, r.Events)
		}
		if a := r.LastEventPerAccount[2]; a.Account != "333333333333" || !a.Silent() {
			t.Errorf("silent account = %+v", a)
		}
	})
	t.Run("the same data renders like the builder's report", func(t *testing.T) {
		var fromSearch, fromBuilder bytes.Buffer
		if err := Text(&fromSearch, r); err != nil {
			t.Fatal(err)
		}
		br := sampleReport(t)
		// The search knows no account outside the window (444...), drop it.
		br.LastEventPerAccount = br.LastEventPerAccount[:3]
		if err := Text(&fromBuilder, br); err != nil {
			t.Fatal(err)
		}
		if fromSearch.String() != fromBuilder.String() {
			t.Errorf("renderings differ:\n--- search\n%s\n--- builder\n%s", fromSearch.String(), fromBuilder.String())
		}
	})
	for _, bad := range []struct{ name, body string }{
		{"a response that is not JSON is an error", `{`},
		{"a response without aggregations is an error", `{"hits":{}}`},
		{"a response missing a guideline bucket is an error", `{"aggregations":{"guidelines":{"buckets":{"pci-01":{"doc_count":0}}}}}`},
	} {
		t.Run(bad.name, func(t *testing.T) {
			if _, err := FromSearch([]byte(bad.body), w, nil, 0, generated); err == nil {
				t.Error("no error")
			}
		})
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
	if back.Guidelines[0].Count != 3 || back.LastEventPerAccount[1].Events != 8 || !back.Window.From.Equal(day) {
		t.Errorf("round trip lost data: %+v", back)
	}
}

package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestScanDetectsEveryInjectedScenario is the end-to-end check of the
// project's main job: a simulated organization's archive, scanned through
// the real command, raises every alert its answer key names, in the right
// account and time, and nothing at level high or critical outside the
// scenarios.
func TestScanDetectsEveryInjectedScenario(t *testing.T) {
	dir, key := simulateArchive(t, "--accounts", "5", "--days", "1", "--seed", "42", "--events-per-hour", "30", "--flows", "4")
	// Every match, evidence included: informational rules and repeats are
	// what the answer key checks too.
	out, r := scanJSON(t, "--min-level", "informational", "--group-window", "0", filepath.Join(dir, "archive"))
	if r.code != exitOK {
		t.Fatalf("scan: exit %d\n%s", r.code, r.stderr)
	}
	t.Run("every object is read without errors", func(t *testing.T) {
		st := out.Stats
		if st.ObjectsFailed != 0 || st.Errors != 0 || st.Objects != int64(key.Objects) || sum(st.ObjectsSkipped) != 0 {
			t.Errorf("stats %+v, answer key %d objects", st, key.Objects)
		}
		var records int64
		for _, n := range key.Records {
			records += n
		}
		if st.Documents != records {
			t.Errorf("%d documents, the answer key has %d records", st.Documents, records)
		}
		if st.Matcher.LateEvents != 0 {
			t.Errorf("%d events too late for threshold rules", st.Matcher.LateEvents)
		}
	})
	for _, s := range key.Scenarios {
		for _, rule := range s.Rules {
			t.Run(s.ID+" raises "+rule, func(t *testing.T) {
				for _, a := range out.Alerts {
					if a.RuleID == rule && a.Account == s.Account && !a.Time.Before(s.Start) && !a.Time.After(s.End) {
						return
					}
				}
				var got []string
				for _, a := range out.Alerts {
					if a.Account == s.Account && !a.Time.Before(s.Start.Add(-time.Hour)) && !a.Time.After(s.End.Add(time.Hour)) {
						got = append(got, a.RuleID+"@"+a.Time.Format(time.RFC3339))
					}
				}
				t.Errorf("no %s alert in account %s between %s and %s; alerts around it: %v", rule, s.Account, s.Start, s.End, got)
			})
		}
	}
	t.Run("by default repeats are folded and evidence is not printed, nothing is lost", func(t *testing.T) {
		folded, r := scanJSON(t, filepath.Join(dir, "archive"))
		if r.code != exitOK {
			t.Fatalf("scan: exit %d\n%s", r.code, r.stderr)
		}
		every, matches := 0, 0
		for _, a := range out.Alerts {
			if levelRank(a.Level) >= levelRank("low") {
				every++
			}
		}
		for _, a := range folded.Alerts {
			if levelRank(a.Level) < levelRank("low") || a.Matches < 1 || a.Last.Before(a.First) {
				t.Errorf("printed %+v", a)
			}
			matches += a.Matches
		}
		if matches != every || len(folded.Alerts) >= every || folded.Stats.AlertsShown != len(folded.Alerts) {
			t.Errorf("%d alerts printed folding %d matches; %d matches of level low or above unfolded", len(folded.Alerts), matches, every)
		}
	})
	t.Run("every high or critical alert belongs to a scenario", func(t *testing.T) {
		for _, a := range out.Alerts {
			if levelRank(a.Level) < levelRank("high") {
				continue
			}
			ok := false
			for _, s := range key.Scenarios {
				ok = ok || (a.Account == s.Account && !a.Time.Before(s.Start) && !a.Time.After(s.End))
			}
			if !ok {
				t.Errorf("unexpected %s alert %s in %s at %s (principal %s)", a.Level, a.RuleID, a.Account, a.Time, a.Principal)
			}
		}
	})
	t.Run("the report counts the scenarios and covers every account", func(t *testing.T) {
		counts := map[string]int64{}
		for _, g := range out.Report.Guidelines {
			counts[g.ID] = g.Count
		}
		for id, min := range map[string]int64{"pci-01": 4, "pci-02": 12, "pci-04": 1, "pci-07": 1} {
			if counts[id] < min {
				t.Errorf("%s counts %d, want at least %d", id, counts[id], min)
			}
		}
		last := map[string]time.Time{}
		for _, c := range out.Report.Coverage {
			if c.Events > 0 && c.Last.After(last[c.Account]) {
				last[c.Account] = c.Last
			}
		}
		if len(last) != len(key.Accounts) {
			t.Fatalf("coverage %+v", out.Report.Coverage)
		}
		for a, l := range last {
			if l.Before(key.End.Add(-time.Hour)) {
				t.Errorf("account %s: last event %s", a, l)
			}
		}
	})
}

func TestScanReportsBadInputAndContinues(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-dir")
	out, r := scanJSON(t, "testdata/logs", "testdata/bad", missing)
	if r.code != exitInput || !strings.Contains(r.stderr, "input lost: 2 objects unreadable, 2 records unparseable (exit 4") {
		t.Fatalf("exit %d, want %d (input lost)\n%s", r.code, exitInput, r.stderr)
	}
	t.Run("--allow-input-errors accepts lost input", func(t *testing.T) {
		if r := runCLI(t, "scan", "--format", "ndjson", "--allow-input-errors", "testdata/logs", "testdata/bad", missing); r.code != exitOK {
			t.Errorf("exit %d\n%s", r.code, r.stderr)
		}
	})
	t.Run("lost input outranks alerts", func(t *testing.T) {
		if r := runCLI(t, "scan", "--format", "ndjson", "--fail-on", "low", "testdata/logs", missing); r.code != exitInput {
			t.Errorf("exit %d", r.code)
		}
		if r := runCLI(t, "scan", "--format", "ndjson", "--fail-on", "low", "--allow-input-errors", "testdata/logs", missing); r.code != exitAlerts {
			t.Errorf("exit %d", r.code)
		}
	})
	for _, tc := range []struct{ name, want string }{
		{"a malformed record is named by file and record", "testdata/bad/cloudtrail/malformed.json: record 1: "},
		{"a truncated gzip is named by file and record", "TrUnCaTeDtRuNcAt.json.gz: record 0: "},
		{"a file without layout is named", "testdata/bad/unknown/notes.txt: no known archive layout"},
		{"a missing path is named", missing + ": "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, r.stderr)
			}
		})
	}
	t.Run("the summary counts bad files and records", func(t *testing.T) {
		st := out.Stats
		if st.ObjectsFailed != 2 || st.Errors != 2 || st.Objects != 4 || st.Documents != 5 {
			t.Errorf("stats %+v", st)
		}
		if !strings.Contains(r.stderr, "2 FAILED") || !strings.Contains(r.stderr, "errors 2") {
			t.Errorf("summary:\n%s", r.stderr)
		}
	})
	t.Run("good files after bad ones are still scanned", func(t *testing.T) {
		if !slices.ContainsFunc(out.Alerts, func(a alertJSON) bool { return a.RuleID == "cloudtrail-stopped-or-deleted" }) {
			t.Error("the StopLogging alert is missing")
		}
	})
	t.Run("an unreadable file is reported", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("running as root: file permissions do not stop reads")
		}
		dir := t.TempDir()
		p := filepath.Join(dir, "cloudtrail", "locked.json")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(`{"Records":[]}`), 0o000); err != nil {
			t.Fatal(err)
		}
		out, r := scanJSON(t, dir, "testdata/logs")
		if out.Stats.ObjectsFailed != 1 || !strings.Contains(r.stderr, "locked.json: ") {
			t.Errorf("stats %+v\n%s", out.Stats, r.stderr)
		}
	})
}

// A --rules rule that cannot be used is reported (file, line, rule id, the
// construct) and skipped, so one bad rule never stops a scan; --strict
// makes it fatal. The site directory's good rule still loads beside it.
func TestRefusedRuleFilesAreReportedAndSkipped(t *testing.T) {
	for _, tc := range []struct{ dir, id, line, want string }{
		{"malformed-yaml", "site-malformed", ":10:", "malformed YAML"},
		{"unknown-modifier", "site-unknown-modifier", ":11:", `unknown modifier "sounds_like"`},
		{"bad-regex", "site-bad-regex", ":11:", "missing closing )"},
	} {
		for _, cmd := range [][]string{{"scan", "testdata/logs"}, {"rules", "list"}} {
			dir := filepath.Join("testdata", "rules", tc.dir)
			site := filepath.Join("testdata", "rules", "site")
			file := filepath.Join(dir, tc.id+".yml")
			check := func(t *testing.T, r result) {
				t.Helper()
				for _, want := range []string{file + tc.line, "rule " + tc.id, tc.want, "refused"} {
					if !strings.Contains(r.stderr, want) {
						t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
					}
				}
			}
			t.Run(tc.dir+" is skipped by "+cmd[0], func(t *testing.T) {
				r := runCLI(t, append(cmd, "--rules", dir, "--rules", site)...)
				if r.code == exitError || r.code == exitUsage {
					t.Errorf("exit %d: a refused rule must not stop %s", r.code, cmd[0])
				}
				check(t, r)
				if cmd[0] == "rules" && !strings.Contains(r.stdout, "site-describe-trails") {
					t.Errorf("the good site rule is missing:\n%s", r.stdout)
				}
			})
			t.Run(tc.dir+" stops "+cmd[0]+" with --strict", func(t *testing.T) {
				r := runCLI(t, append(cmd, "--rules", dir, "--strict")...)
				if r.code != exitError {
					t.Errorf("exit %d, want %d", r.code, exitError)
				}
				check(t, r)
			})
		}
	}
}

func TestFailOnExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"a critical alert fails --fail-on critical", []string{"--fail-on", "critical"}, exitAlerts},
		{"a critical alert fails --fail-on high", []string{"--fail-on", "high"}, exitAlerts},
		{"alerts never fail without --fail-on", nil, exitOK},
		{"--fail-on none never fails", []string{"--fail-on", "none"}, exitOK},
		{"only the site rule's low alert: --fail-on medium passes", []string{"--fail-on", "medium", "--rules", "testdata/rules/site", "--until", "2026-11-01T10:01:30Z"}, exitOK},
		{"only the site rule's low alert: --fail-on low fails", []string{"--fail-on", "low", "--rules", "testdata/rules/site", "--until", "2026-11-01T10:01:30Z"}, exitAlerts},
		{"no event in the range: nothing fails", []string{"--fail-on", "informational", "--since", "2026-11-02"}, exitOK},
		{"an unknown level is a usage error", []string{"--fail-on", "severe"}, exitUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, append(append([]string{"scan", "--format", "ndjson"}, tc.args...), "testdata/logs")...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d\n%s%s", r.code, tc.code, r.stdout, r.stderr)
			}
		})
	}
}

func TestScanOutputFormats(t *testing.T) {
	t.Run("json is one object with alerts, report and stats", func(t *testing.T) {
		r := runCLI(t, "scan", "--format", "json", "testdata/logs")
		var top map[string]json.RawMessage
		if err := json.Unmarshal([]byte(r.stdout), &top); err != nil {
			t.Fatal(err)
		}
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range top {
				if !yield(k) {
					return
				}
			}
		})
		if !slices.Equal(keys, []string{"alerts", "report", "stats"}) {
			t.Fatalf("keys %v", keys)
		}
		var alerts []map[string]any
		if err := json.Unmarshal(top["alerts"], &alerts); err != nil || len(alerts) == 0 {
			t.Fatalf("alerts %s: %v", top["alerts"], err)
		}
		for _, f := range []string{"time", "level", "severity", "rule_id", "title", "account", "principal", "author", "license", "rule_source", "count"} {
			if _, ok := alerts[0][f]; !ok {
				t.Errorf("alert lacks %q: %v", f, alerts[0])
			}
		}
		var rep struct {
			Guidelines []any `json:"guidelines"`
			Window     any   `json:"window"`
		}
		if err := json.Unmarshal(top["report"], &rep); err != nil || len(rep.Guidelines) != 10 || rep.Window == nil {
			t.Errorf("report %s: %v", top["report"], err)
		}
	})
	t.Run("ndjson is one alert per line", func(t *testing.T) {
		r := runCLI(t, "scan", "--format", "ndjson", "testdata/logs")
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		out, _ := scanJSON(t, "testdata/logs")
		if len(lines) != len(out.Alerts) {
			t.Fatalf("%d lines, %d alerts", len(lines), len(out.Alerts))
		}
		for _, l := range lines {
			var a alertJSON
			if err := json.Unmarshal([]byte(l), &a); err != nil || a.RuleID == "" {
				t.Errorf("line %q: %v", l, err)
			}
		}
	})
	t.Run("text shows severity, rule, account, principal, time and attribution, then the report", func(t *testing.T) {
		r := runCLI(t, "scan", "testdata/logs")
		for _, want := range []string{
			"2026-11-01T10:02:00Z CRITICAL cloudtrail-stopped-or-deleted: ",
			"account 111111111111 us-east-1 · principal mallory · source 203.0.113.9 (rule by orgsiem, Apache-2.0",
			"Logging Compliance Report — 2026-11-01",
			"- FINDINGS: 1 event indicating enabling, disabling or changing CloudTrail or CloudWatch Logs",
			"- No findings in 4 CloudTrail management events (aws.cloudtrail) from 1 account",
			"- NO DATA: no CloudTrail S3 data events",
		} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
			}
		}
		if !strings.Contains(r.stderr, "scanned 2 objects") {
			t.Errorf("no summary on stderr:\n%s", r.stderr)
		}
	})
	t.Run("--out writes the documents in the bulk format", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "docs.ndjson")
		out, r := scanJSON(t, "--out", p, "testdata/logs")
		if r.code != exitOK {
			t.Fatal(r.stderr)
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var n int64
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var action struct {
				Index struct {
					Index string `json:"_index"`
					ID    string `json:"_id"`
				} `json:"index"`
			}
			if err := json.Unmarshal(sc.Bytes(), &action); err != nil || !strings.HasPrefix(action.Index.Index, "log-aws-cloudtrail-2026.11") || action.Index.ID == "" {
				t.Fatalf("action line %s: %v", sc.Text(), err)
			}
			if !sc.Scan() {
				t.Fatal("an action line without a document")
			}
			var doc map[string]any
			if err := json.Unmarshal(sc.Bytes(), &doc); err != nil || doc["@timestamp"] == nil {
				t.Fatalf("document %s: %v", sc.Text(), err)
			}
			n++
		}
		if n != out.Stats.Documents {
			t.Errorf("%d documents written, %d scanned", n, out.Stats.Documents)
		}
	})
	t.Run("--report-out writes the HTML report", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "report.html")
		if r := runCLI(t, "scan", "--format", "ndjson", "--report-out", p, "testdata/logs"); r.code != exitOK {
			t.Fatal(r.stderr)
		}
		b, err := os.ReadFile(p)
		if err != nil || !strings.HasPrefix(string(b), "<!DOCTYPE html>") || !strings.Contains(string(b), "PCI-04") {
			t.Errorf("report.html: %v\n%.300s", err, b)
		}
	})
}

func TestScanFlags(t *testing.T) {
	t.Run("--since and --until filter on the event time", func(t *testing.T) {
		out, _ := scanJSON(t, "--since", "2026-11-01T10:01:00Z", "--until", "2026-11-01T10:02:00Z", "testdata/logs")
		if out.Stats.Documents != 4 || out.Stats.OutsideWindow != 3 {
			t.Errorf("stats %+v", out.Stats)
		}
		if w := out.Report.Window; !w.From.Equal(time.Date(2026, 11, 1, 10, 1, 0, 0, time.UTC)) || w.Spec != "--since/--until" {
			t.Errorf("report window %+v", w)
		}
	})
	t.Run("a window after the data is reported as NO DATA with both its ends, never as all clear", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "report.txt")
		out, r := scanJSON(t, "--now", "2026-12-01T00:00:00Z", "--since", "2026-11-20", "--report-out", p, "testdata/logs")
		w := out.Report.Window
		if !w.From.Equal(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)) || !w.To.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("window %+v\n%s", w, r.stderr)
		}
		if out.Report.Summary.NoData != 10 || out.Report.Events != 0 {
			t.Errorf("summary %+v events %d", out.Report.Summary, out.Report.Events)
		}
		b, err := os.ReadFile(p)
		if err != nil || !strings.Contains(string(b), "Window: 2026-11-20T00:00:00Z to 2026-12-01T00:00:00Z (--since/--until)") || strings.Contains(string(b), "No findings") {
			t.Errorf("report.txt: %v\n%s", err, b)
		}
	})
	t.Run("relative times refer to --now", func(t *testing.T) {
		out, _ := scanJSON(t, "--now", "2026-11-01T10:30:00Z", "--since", "now-29m", "testdata/logs")
		if out.Stats.OutsideWindow != 1 {
			t.Errorf("stats %+v", out.Stats)
		}
	})
	t.Run("--report-window now-1d reports the day before now", func(t *testing.T) {
		out, _ := scanJSON(t, "--now", "2026-11-02T00:00:00Z", "--report-window", "now-1d", "testdata/logs")
		w := out.Report.Window
		if !w.From.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) || out.Report.Date != "2026-11-01" || out.Report.Events != 4 {
			t.Errorf("report %+v events %d", w, out.Report.Events)
		}
	})
	t.Run("--type reads files outside any layout", func(t *testing.T) {
		dir := t.TempDir()
		b, err := os.ReadFile("testdata/logs/cloudtrail/console.json")
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "events.json")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if out, r := scanJSON(t, p); out.Stats.ObjectsFailed != 1 || r.code != exitError {
			t.Errorf("without --type: exit %d, %+v", r.code, out.Stats)
		}
		out, _ := scanJSON(t, "--type", "cloudtrail", p)
		if out.Stats.Documents != 1 || !slices.ContainsFunc(out.Alerts, func(a alertJSON) bool { return a.RuleID == "pci-02-failed-platform-logins" }) {
			t.Errorf("with --type: %+v %v", out.Stats, out.Alerts)
		}
	})
	t.Run("--rules adds site rules and --param sets their parameters", func(t *testing.T) {
		fired := func(args ...string) bool {
			out, r := scanJSON(t, append(args, "--rules", "testdata/rules/site", "testdata/logs")...)
			if r.code != exitOK {
				t.Fatal(r.stderr)
			}
			return slices.ContainsFunc(out.Alerts, func(a alertJSON) bool {
				return a.RuleID == "site-describe-trails" && a.Author == "site security team"
			})
		}
		if !fired() {
			t.Error("the site rule did not fire")
		}
		if fired("--param", "trusted_users=auditor,mallory") {
			t.Error("the site rule fired for a trusted user")
		}
	})
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no path is a usage error", nil, "no PATH"},
		{"an unknown flag is a usage error", []string{"--colour", "testdata/logs"}, "flag provided but not defined"},
		{"an unknown format is a usage error", []string{"--format", "xml", "testdata/logs"}, "--format"},
		{"an unknown type is a usage error", []string{"--type", "syslog", "testdata/logs"}, "--type"},
		{"a bad time is a usage error", []string{"--since", "yesterday", "testdata/logs"}, "--since"},
		{"since after until is a usage error", []string{"--since", "2026-11-02", "--until", "2026-11-01", "testdata/logs"}, "not before"},
		{"a bad report window is a usage error", []string{"--report-window", "lately", "testdata/logs"}, "--report-window"},
		{"an undeclared parameter is a usage error", []string{"--param", "no_such=1", "testdata/logs"}, "--param no_such"},
		{"a malformed parameter is a usage error", []string{"--param", "novalue", "testdata/logs"}, "name=value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, append([]string{"scan"}, tc.args...)...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stderr, "orgsiem scan --help") {
				t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
			}
		})
	}
	t.Run("a folder without files is a runtime error", func(t *testing.T) {
		if r := runCLI(t, "scan", t.TempDir()); r.code != exitError {
			t.Errorf("exit %d", r.code)
		}
	})
	t.Run("--min-level hides lower alerts but counts them", func(t *testing.T) {
		all, _ := scanJSON(t, "testdata/logs")
		high, _ := scanJSON(t, "--min-level", "high", "testdata/logs")
		wantHigh := 0
		for _, a := range all.Alerts {
			if levelRank(a.Level) >= levelRank("high") {
				wantHigh++
			}
		}
		if len(high.Alerts) != wantHigh || wantHigh == 0 || len(all.Alerts) <= len(high.Alerts) || high.Stats.Matcher.Alerts != all.Stats.Matcher.Alerts {
			t.Errorf("%d alerts shown of %d, all %d", len(high.Alerts), high.Stats.Matcher.Alerts, len(all.Alerts))
		}
		if r := runCLI(t, "scan", "--min-level", "loud", "testdata/logs"); r.code != exitUsage {
			t.Errorf("exit %d", r.code)
		}
	})
	t.Run("hidden files are skipped and counted", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, ".DS_Store"), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		out, _ := scanJSON(t, dir, "testdata/logs")
		if out.Stats.ObjectsSkipped["hidden"] != 1 || out.Stats.ObjectsFailed != 0 {
			t.Errorf("stats %+v", out.Stats)
		}
	})
}

// TestScanCorpus scans the shared corpus of real AWS logs: no rule fails to
// load, bad files are reported and counted without stopping the scan, and
// the alerts raised on real CloudTrail files are listed in the test log.
func TestScanCorpus(t *testing.T) {
	corpus := corpusDir(t)
	out, r := scanJSON(t, "--max-problems", "0", corpus)
	if lost := out.Stats.ObjectsFailed + out.Stats.Errors; (lost > 0 && r.code != exitInput) || (lost == 0 && r.code != exitOK) {
		t.Fatalf("exit %d with %d inputs lost\n%s", r.code, lost, r.stderr)
	}
	if strings.Contains(r.stderr, "rule load error") || out.Stats.RulesLoaded == 0 {
		t.Fatalf("rules did not load:\n%s", r.stderr)
	}
	st := out.Stats
	if st.Objects == 0 || st.Documents == 0 {
		t.Fatalf("nothing scanned: %+v", st)
	}
	t.Logf("corpus: %d objects (%d failed, skipped %v), %d records: %d documents, %d error documents, skipped %v; matcher %+v",
		st.Objects, st.ObjectsFailed, st.ObjectsSkipped, st.Records, st.Documents, st.Errors, st.Skipped, st.Matcher)
	t.Run("the real CloudTrail inputs of the corpus", func(t *testing.T) {
		paths := corpusInputs(t, corpus, "cloudtrail")
		out, r := scanJSON(t, append([]string{"--max-problems", "20", "--allow-input-errors"}, paths...)...)
		if r.code != exitOK {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
		st := out.Stats
		t.Logf("%d CloudTrail input files: %d records, %d documents, %d error documents, %d failed objects",
			len(paths), st.Records, st.Documents, st.Errors, st.ObjectsFailed)
		byRule := map[string]int{}
		var lines []string
		for _, a := range out.Alerts {
			byRule[fmt.Sprintf("%-8s %s", a.Level, a.RuleID)]++
			if levelRank(a.Level) >= levelRank("high") {
				lines = append(lines, fmt.Sprintf("%s %-8s %-44s account %s principal %s", a.Time.Format(time.RFC3339), a.Level, a.RuleID, orDash(a.Account), orDash(a.Principal)))
			}
		}
		keys := slices.Sorted(maps.Keys(byRule))
		t.Logf("%d alerts on the real CloudTrail files, by rule:", len(out.Alerts))
		for _, k := range keys {
			t.Logf("  %4d  %s", byRule[k], k)
		}
		t.Logf("the %d high and critical ones:", len(lines))
		for _, l := range lines {
			t.Log("  " + l)
		}
	})
}

// corpusInputs lists the corpus files of a log type that MANIFEST.json
// marks as real inputs (kind input, gzip or derived), not documentation,
// expected outputs or provenance.
func corpusInputs(t *testing.T, corpus, logType string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpus, "MANIFEST.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest []struct {
		File    string `json:"file"`
		LogType string `json:"log_type"`
		Kind    string `json:"kind"`
	}
	if err := json.Unmarshal(b, &manifest); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range manifest {
		if f.LogType == logType && (f.Kind == "input" || f.Kind == "gzip" || f.Kind == "derived") {
			paths = append(paths, filepath.Join(corpus, filepath.FromSlash(f.File)))
		}
	}
	if len(paths) == 0 {
		t.Fatalf("MANIFEST.json lists no %s input", logType)
	}
	return paths
}

// TestScanInterruptPrintsAPartialSummary cancels the context the command
// runs under (what SIGINT does through signal.NotifyContext in main) after
// the first file: the counts so far are printed and marked partial.
func TestScanInterruptPrintsAPartialSummary(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, now: func() time.Time { return testNow }}
	c := scanCommand()
	cfg := &scanConfig{format: "text", failOn: "none", minLevel: "informational", maxProblems: 100, sort: "time"}
	s, code, ok := newScanner(e, c, cfg)
	if !ok {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	opened := 0
	s.open = func(p string) (io.ReadCloser, error) {
		if opened++; opened == 2 {
			cancel()
		}
		return os.Open(p)
	}
	if code := s.run(ctx, []string{"testdata/logs"}); code != exitInterrupted {
		t.Errorf("exit %d, want %d", code, exitInterrupted)
	}
	for _, want := range []string{"scanned 1 objects", "interrupted after 1 of 2 files: the counts above are partial"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb.String())
		}
	}
	if strings.Contains(errb.String(), "FAILED") {
		t.Errorf("the interrupted file counted as failed:\n%s", errb.String())
	}
}

func TestScanPrintsAlertsInOrder(t *testing.T) {
	t.Run("time order by default, whatever the file order", func(t *testing.T) {
		out, r := scanJSON(t, "testdata/logs")
		if len(out.Alerts) < 2 {
			t.Fatalf("%d alerts\n%s", len(out.Alerts), r.stderr)
		}
		if !slices.IsSortedFunc(out.Alerts, func(a, b alertJSON) int { return a.Time.Compare(b.Time) }) {
			t.Errorf("alerts not in time order: %+v", out.Alerts)
		}
	})
	t.Run("--sort severity puts the highest first", func(t *testing.T) {
		out, _ := scanJSON(t, "--sort", "severity", "testdata/logs")
		if !slices.IsSortedFunc(out.Alerts, func(a, b alertJSON) int { return cmp.Compare(a.Severity, b.Severity) }) {
			t.Errorf("alerts not by severity: %+v", out.Alerts)
		}
	})
	t.Run("an unknown order is a usage error", func(t *testing.T) {
		if r := runCLI(t, "scan", "--sort", "colour", "testdata/logs"); r.code != exitUsage {
			t.Errorf("exit %d", r.code)
		}
	})
}

package main

import (
	"encoding/json"
	"errors"
	"github.com/orgsiem/orgsiem/internal/sharedtest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/detect"
)

func TestHelpTeaches(t *testing.T) {
	t.Run("the top-level help lists every command and the exit codes", func(t *testing.T) {
		r := runCLI(t, "--help")
		if r.code != exitOK {
			t.Fatalf("exit %d", r.code)
		}
		for _, c := range commands() {
			if !strings.Contains(r.stdout, "  "+c.name+" ") || !strings.Contains(r.stdout, c.summary) {
				t.Errorf("help lacks %s", c.name)
			}
		}
		if !strings.Contains(r.stdout, "Exit codes:") {
			t.Error("no exit codes")
		}
	})
	flags := map[string][]string{
		"scan":     {"--type", "--format", "--fail-on", "--out", "--since", "--until", "--rules", "--param", "--report-window", "--report-out", "--now"},
		"rules":    {"--rules", "--param", "--format", "--corpus"},
		"simulate": {"--accounts", "--days", "--seed", "--out", "--start", "--regions", "--quiet"},
	}
	for _, c := range commands() {
		t.Run(c.name+" --help shows usage, flags with defaults, examples and exit codes", func(t *testing.T) {
			r := runCLI(t, c.name, "--help")
			if r.code != exitOK {
				t.Fatalf("exit %d", r.code)
			}
			for _, want := range append([]string{"Usage:\n  orgsiem " + c.name, "Flags:", "Examples:", "Exit codes:"}, flags[c.name]...) {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("help lacks %q:\n%s", want, r.stdout)
				}
			}
			if len(c.examples) < 2 {
				t.Errorf("%d examples", len(c.examples))
			}
			if h := runCLI(t, "help", c.name); h.stdout != r.stdout {
				t.Error("orgsiem help X differs from X --help")
			}
		})
	}
	if r := runCLI(t, "scan", "--help"); !strings.Contains(r.stdout, "(default text)") || !strings.Contains(r.stdout, "(default none)") {
		t.Errorf("scan help does not show defaults:\n%s", r.stdout)
	}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"no command is a usage error", nil},
		{"an unknown command is a usage error", []string{"hunting"}},
		{"help for an unknown command is a usage error", []string{"help", "hunting"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := runCLI(t, tc.args...); r.code != exitUsage || !strings.Contains(r.stderr, "Commands:") {
				t.Errorf("exit %d\n%s", r.code, r.stderr)
			}
		})
	}
}

func TestRulesCommand(t *testing.T) {
	cat, err := detect.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("rules test passes for the whole catalog", func(t *testing.T) {
		args := []string{"rules", "test"}
		if dir, err := sharedtest.Path("corpus"); err == nil {
			args = append(args, "--corpus", dir)
		} else {
			t.Logf("corpus tests skipped: %v", err)
		}
		r := runCLI(t, args...)
		if r.code != exitOK || !strings.Contains(r.stdout, " 0 failed") {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		t.Log(strings.TrimSpace(r.stdout))
	})
	t.Run("rules test reports a failing test by rule and exits 1", func(t *testing.T) {
		dir := t.TempDir()
		b, err := os.ReadFile("testdata/rules/site/site-describe-trails.yml")
		if err != nil {
			t.Fatal(err)
		}
		// The positive test now names the trusted user: the rule must not fire, the test fails.
		wrong := strings.Replace(string(b), "userName: mallory}", "userName: auditor}", 1)
		if err := os.WriteFile(filepath.Join(dir, "site-describe-trails.yml"), []byte(wrong), 0o644); err != nil {
			t.Fatal(err)
		}
		r := runCLI(t, "rules", "test", "--rules", dir)
		if r.code != exitAlerts || !strings.Contains(r.stdout, "site-describe-trails (") || !strings.Contains(r.stdout, "1 failed (1 rules)") {
			t.Errorf("exit %d\n%s", r.code, r.stdout)
		}
	})
	t.Run("rules list prints every rule", func(t *testing.T) {
		r := runCLI(t, "rules", "list", "--rules", "testdata/rules/site")
		if r.code != exitOK || !strings.Contains(r.stdout, "site-describe-trails") || strings.Count(r.stdout, "\n") != cat.Len()+3 {
			t.Errorf("exit %d, %d lines for %d+1 rules", r.code, strings.Count(r.stdout, "\n"), cat.Len())
		}
		var list []map[string]any
		r = runCLI(t, "rules", "list", "--format", "json")
		if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) != cat.Len() {
			t.Errorf("json list: %v (%d)", err, len(list))
		}
	})
	t.Run("rules show prints the metadata and the compiled query", func(t *testing.T) {
		r := runCLI(t, "rules", "show", "cloudtrail-stopped-or-deleted")
		for _, want := range []string{"cloudtrail-stopped-or-deleted", "level:", "author:", "OpenSearch query:", `"bool"`} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("show lacks %q:\n%s", want, r.stdout)
			}
		}
		if r := runCLI(t, "rules", "show", "stopped"); r.code != exitUsage || !strings.Contains(r.stderr, "did you mean") {
			t.Errorf("unknown id: exit %d %s", r.code, r.stderr)
		}
	})
	t.Run("rules export prints every compiled query, with aggregations for threshold rules", func(t *testing.T) {
		r := runCLI(t, "rules", "export", "--format", "opensearch")
		var rules []exportedRule
		if err := json.Unmarshal([]byte(r.stdout), &rules); err != nil || len(rules) != cat.Len() {
			t.Fatalf("%v: %d rules", err, len(rules))
		}
		for _, x := range rules {
			thr := cat.Rule(x.ID).IsThreshold()
			if (len(x.Query) == 0) == (x.NotExpressible == "") || !strings.HasPrefix(x.Index, "log-aws-") || (thr != (x.Aggregations != nil)) || (thr != (x.Threshold != nil)) {
				t.Errorf("%s: %+v", x.ID, x)
			}
		}
	})
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"no subcommand is a usage error", []string{"rules"}},
		{"an unknown subcommand is a usage error", []string{"rules", "lint"}},
		{"show without an id is a usage error", []string{"rules", "show"}},
		{"export in another format is a usage error", []string{"rules", "export", "--format", "sigma"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := runCLI(t, tc.args...); r.code != exitUsage {
				t.Errorf("exit %d\n%s", r.code, r.stderr)
			}
		})
	}
}

func TestSimulateCommand(t *testing.T) {
	dir, key := simulateArchive(t, "--accounts", "2", "--days", "1", "--events-per-hour", "10", "--flows", "2", "--seed", "9")
	t.Run("it writes the archive and the answer key", func(t *testing.T) {
		if len(key.Accounts) != 2 || key.Objects == 0 || len(key.Scenarios) == 0 || key.Seed != 9 {
			t.Errorf("answer key %+v", key)
		}
		if _, err := os.Stat(filepath.Join(dir, "archive", "AWSLogs", key.OrgID)); err != nil {
			t.Error(err)
		}
	})
	t.Run("it refuses to mix two archives", func(t *testing.T) {
		if r := runCLI(t, "simulate", "--out", dir); r.code != exitError || !strings.Contains(r.stderr, "already holds files") {
			t.Errorf("exit %d %s", r.code, r.stderr)
		}
	})
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"--out is required", nil},
		{"a bad account count is a usage error", []string{"--out", t.TempDir(), "--accounts", "-3"}},
		{"a bad region is a usage error", []string{"--out", t.TempDir(), "--regions", "us-east-1,mars"}},
		{"a bad start is a usage error", []string{"--out", t.TempDir(), "--start", "soon"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := runCLI(t, append([]string{"simulate"}, tc.args...)...); r.code != exitUsage {
				t.Errorf("exit %d %s", r.code, r.stderr)
			}
		})
	}
}

// TestBinary builds the command once and runs it as a user would: simulate
// then scan with --fail-on.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH")
	}
	bin := filepath.Join(t.TempDir(), "orgsiem")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	out, err := exec.Command(bin, "simulate", "--accounts", "4", "--days", "1", "--seed", "3", "--events-per-hour", "20", "--flows", "2", "--out", dir).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "answer-key.json") {
		t.Fatalf("simulate: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "scan", "--fail-on", "critical", filepath.Join(dir, "archive"))
	stdout, err := cmd.Output()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitAlerts {
		t.Fatalf("scan --fail-on critical: %v, want exit %d", err, exitAlerts)
	}
	for _, want := range []string{"CRITICAL cloudtrail-stopped-or-deleted", "Logging Compliance Report", "Coverage (events per account and log type)"} {
		if !strings.Contains(string(stdout), want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	if !strings.Contains(string(exit.Stderr), "scanned ") {
		t.Errorf("no summary on stderr: %s", exit.Stderr)
	}
}

func TestParseTime(t *testing.T) {
	now := time.Date(2026, 11, 5, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"now", now},
		{"now-1d", now.Add(-24 * time.Hour)},
		{"now+2h", now.Add(2 * time.Hour)},
		{"-30m", now.Add(-30 * time.Minute)},
		{"-1w", now.Add(-7 * 24 * time.Hour)},
		{"2026-11-01", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)},
		{"2026-11-01T10:00:00.5+01:00", time.Date(2026, 11, 1, 9, 0, 0, 5e8, time.UTC)},
	} {
		t.Run(tc.in+" is understood", func(t *testing.T) {
			got, err := parseTime(tc.in, now)
			if err != nil || !got.Equal(tc.want) {
				t.Errorf("got %s, %v; want %s", got, err, tc.want)
			}
		})
	}
	for _, bad := range []string{"", "yesterday", "now-", "now-1x", "-1.5d", "2026-13-01", "now--1d"} {
		t.Run(bad+" is refused", func(t *testing.T) {
			if _, err := parseTime(bad, now); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestReportWindow(t *testing.T) {
	now := time.Date(2026, 11, 5, 12, 0, 0, 0, time.UTC)
	since := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		spec       string
		from, to   time.Time
		wantedSpec string
	}{
		{"", time.Time{}, time.Time{}, "all events scanned"},
		{"all", time.Time{}, time.Time{}, "all"},
		{"now-1d", now.Add(-24 * time.Hour), now, "now-1d"},
		{"24h", now.Add(-24 * time.Hour), now, "now-24h"},
		{"2026-11-01..2026-11-02", since, since.Add(24 * time.Hour), ""},
	} {
		t.Run("window "+tc.spec, func(t *testing.T) {
			w, err := reportWindow(tc.spec, time.Time{}, time.Time{}, now)
			if err != nil || !w.From.Equal(tc.from) || !w.To.Equal(tc.to) || w.Spec != tc.wantedSpec {
				t.Errorf("got %+v, %v", w, err)
			}
		})
	}
	t.Run("the default window is the --since/--until range", func(t *testing.T) {
		w, err := reportWindow("", since, time.Time{}, now)
		if err != nil || !w.From.Equal(since) || w.Spec != "--since/--until" {
			t.Errorf("got %+v, %v", w, err)
		}
	})
	for _, bad := range []string{"recent", "2026-11-02..2026-11-01", "now-0d", "x..y"} {
		t.Run(bad+" is refused", func(t *testing.T) {
			if _, err := reportWindow(bad, time.Time{}, time.Time{}, now); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestProgressLine(t *testing.T) {
	got := progressLine(50e6, 100e6, 3, 10, 5*time.Second)
	want := "[===============               ]  50%  3/10 objects  50.0/100.0 MB on disk  10.0 MB/s on disk"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if got := progressLine(5, 0, 1, 1, 0); !strings.Contains(got, "100%") {
		t.Errorf("an empty input is not complete: %q", got)
	}
}

func TestProgressDrawsOnlyWhenAsked(t *testing.T) {
	var p *progress // stderr is no terminal: no progress at all
	called := false
	p.add(10)
	p.object()
	p.print(func() { called = true })
	p.stop()
	if !called {
		t.Error("print on a nil progress did not run its function")
	}
}

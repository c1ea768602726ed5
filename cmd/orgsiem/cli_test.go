package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/detect"
)

func TestVersion(t *testing.T) {
	r := runCLI(t, "version")
	cat, err := detect.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	sum, err := catalogHash()
	if err != nil {
		t.Fatal(err)
	}
	if r.code != exitOK || !strings.HasPrefix(r.stdout, "orgsiem ") || !strings.Contains(r.stdout, "commit:  ") ||
		!regexp.MustCompile(`rules:   \d+ built-in, catalog sha256 [0-9a-f]{64}\n`).MatchString(r.stdout) ||
		!strings.Contains(r.stdout, sum) || !strings.Contains(r.stdout, " "+strconv.Itoa(cat.Len())+" built-in") {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, "version", "extra"); r.code != exitUsage {
		t.Errorf("an argument: exit %d", r.code)
	}
}

func TestCompletion(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		t.Run(sh+" completes every command and scan's flags, and the shell accepts the script", func(t *testing.T) {
			r := runCLI(t, "completion", sh)
			if r.code != exitOK {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			for _, c := range commands() {
				if !strings.Contains(r.stdout, c.name) {
					t.Errorf("%s is not completed", c.name)
				}
			}
			if !strings.Contains(r.stdout, "allow-input-errors") || !strings.Contains(r.stdout, "sort") {
				t.Errorf("scan's flags are not completed:\n%s", r.stdout)
			}
			shell, err := exec.LookPath(sh)
			if err != nil {
				t.Skipf("%s is not installed: the script's syntax is not checked", sh)
			}
			script := filepath.Join(t.TempDir(), "completion."+sh)
			if err := os.WriteFile(script, []byte(r.stdout), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(shell, "-n", script).CombinedOutput(); err != nil {
				t.Errorf("%s -n: %v\n%s", sh, err, out)
			}
		})
	}
	if r := runCLI(t, "completion", "powershell"); r.code != exitUsage {
		t.Errorf("an unknown shell: exit %d", r.code)
	}
}

func TestScanReadsStandardInput(t *testing.T) {
	raw, err := os.ReadFile("testdata/logs/cloudtrail/console.json")
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	e := &env{stdin: bytes.NewReader(raw), stdout: &out, stderr: &errb, now: func() time.Time { return testNow }}
	if code := run(context.Background(), e, []string{"scan", "--format", "ndjson", "--type", "cloudtrail", "-"}); code != exitOK {
		t.Fatalf("exit %d\n%s", code, errb.String())
	}
	if !strings.Contains(out.String(), `"rule_id":"pci-02-failed-platform-logins"`) || !strings.Contains(errb.String(), "scanned 1 objects") {
		t.Errorf("stdout %s\nstderr %s", out.String(), errb.String())
	}
	if r := runCLI(t, "scan", "-"); r.code != exitError || !strings.Contains(r.stderr, "reading standard input needs --type") {
		t.Errorf("stdin without --type: exit %d\n%s", r.code, r.stderr)
	}
}

func TestNumericAndPathFlagsAreValidated(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"simulate", "--accounts", "0", "--out", "x"}, "--accounts 0: want at least 1"},
		{[]string{"simulate", "--days", "-1", "--out", "x"}, "--days -1: want at least 1"},
		{[]string{"simulate", "--events-per-hour", "0", "--out", "x"}, "--events-per-hour 0"},
		{[]string{"simulate", "--flows", "-3", "--out", "x"}, "--flows -3"},
		{[]string{"scan", "--max-problems", "-1", "x"}, "--max-problems"},
		{[]string{"scan", "--rules", "/nonexistent", "x"}, "--rules /nonexistent: no such file or directory"},
		{[]string{"rules", "--rules", "/nonexistent", "list"}, "--rules /nonexistent"},
		{[]string{"restore", "--from", "2025-01-01", "--to", "2025-01-02", "--poll", "0s"}, "--poll 0s"},
		{[]string{"restore", "--from", "2025-01-01", "--to", "2025-01-02", "--wait", "-1s"}, "--wait -1s"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := runCLI(t, tc.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr lacks %q:\n%s", r.code, tc.want, r.stderr)
			}
		})
	}
}

// readmeCommands returns the orgsiem command lines of README's CLI block.
func readmeCommands(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	in, block := false, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "## "):
			in = l == "## The `orgsiem` CLI"
		case in && strings.HasPrefix(l, "```"):
			block = !block
		case in && block:
			if _, cmd, ok := strings.Cut(l, "build/orgsiem "); ok && !strings.HasPrefix(l, "go build") {
				cmd, _, _ = strings.Cut(cmd, " #")
				cmd, _, _ = strings.Cut(cmd, " <")
				cmd, _, _ = strings.Cut(cmd, " >")
				lines = append(lines, strings.TrimSpace(cmd))
			}
		}
	}
	return lines
}

// TestREADMECommandsParse runs every command line of README's CLI section
// with --help appended: each flag and value must parse (a flag README
// names that the command lacks, or a bad value, is a usage error), and
// README and --help list the same commands.
func TestREADMECommandsParse(t *testing.T) {
	lines := readmeCommands(t)
	if len(lines) < 10 {
		t.Fatalf("README's CLI block has %d orgsiem commands", len(lines))
	}
	documented := map[string]bool{}
	for _, l := range lines {
		args := strings.Fields(l)
		t.Run(l, func(t *testing.T) {
			if !strings.HasPrefix(args[0], "-") {
				documented[args[0]] = true
				args = append(args, "--help")
			}
			if r := runCLI(t, args...); r.code != exitOK {
				t.Errorf("exit %d\n%s", r.code, r.stderr)
			}
		})
	}
	var top bytes.Buffer
	topHelp(&top)
	for _, c := range commands() {
		if !documented[c.name] {
			t.Errorf("command %s is in --help but not in README's CLI block", c.name)
		}
		if !strings.Contains(top.String(), "  "+c.name+" ") {
			t.Errorf("command %s is not in --help", c.name)
		}
	}
	for name := range documented {
		if lookup(name) == nil {
			t.Errorf("README documents %q, which is no command", name)
		}
	}
}

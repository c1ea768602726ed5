package main

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/orgsiem/orgsiem/internal/sharedtest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/report"
	"github.com/orgsiem/orgsiem/internal/simulate"
)

// testNow is the wall clock of in-process runs.
var testNow = time.Date(2026, 11, 5, 12, 0, 0, 0, time.UTC)

// result is what one in-process run of the command printed and returned.
type result struct {
	stdout, stderr string
	code           int
}

// runCLI runs the orgsiem command in process, as main would, with buffers
// for its streams and a fixed clock.
func runCLI(t testing.TB, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, now: func() time.Time { return testNow }}
	code := run(context.Background(), e, args)
	return result{out.String(), errb.String(), code}
}

// scanOutput is the --format json object.
type scanOutput struct {
	Alerts []alertJSON    `json:"alerts"`
	Report *report.Report `json:"report"`
	Stats  scanStats      `json:"stats"`
}

// scanJSON runs scan --format json with args and decodes its output.
func scanJSON(t testing.TB, args ...string) (scanOutput, result) {
	t.Helper()
	r := runCLI(t, append([]string{"scan", "--format", "json"}, args...)...)
	var out scanOutput
	if r.stdout != "" {
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Fatalf("scan --format json printed no JSON object: %v\nstdout: %.500s\nstderr: %s", err, r.stdout, r.stderr)
		}
	}
	return out, r
}

// simulateArchive writes a simulated archive with the CLI and returns its
// directory and answer key.
func simulateArchive(t testing.TB, args ...string) (string, *simulate.AnswerKey) {
	t.Helper()
	dir := t.TempDir()
	r := runCLI(t, append([]string{"simulate", "--out", dir}, args...)...)
	if r.code != exitOK {
		t.Fatalf("simulate: exit %d\n%s", r.code, r.stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "answer-key.json"))
	if err != nil {
		t.Fatal(err)
	}
	var key simulate.AnswerKey
	if err := json.Unmarshal(b, &key); err != nil {
		t.Fatal(err)
	}
	return dir, &key
}

// corpusDir returns ../shared/corpus or skips the test.
func corpusDir(t testing.TB) string {
	t.Helper()
	return sharedtest.Require(t, "corpus")
}

package detect

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// TestOptions configure RunTests.
type TestOptions struct {
	// Normalize turns one raw record of a log type into documents; pass
	// logs.NormalizeRecord. A record that became an error document comes
	// back with an error (only pipeline rules may test those).
	Normalize func(typ string, raw []byte) ([]ecs.Document, error)
	// Corpus is the corpus root (../shared/corpus); nil skips the tests
	// that reference corpus records.
	Corpus fs.FS
}

// TestResult is the outcome of one rule test.
type TestResult struct {
	Rule    *Rule
	Test    *Test
	Matched bool    // the rule fired on the test's events
	Alerts  []Alert // what it fired
	Skipped string  // why the test did not run ("" when it ran)
	Err     error   // the test could not run (bad event, unreadable corpus record)
}

// Passed reports whether the test ran and the rule agreed with match:.
func (t TestResult) Passed() bool {
	return t.Skipped == "" && t.Err == nil && t.Matched == t.Test.Match
}

// String is one line for `orgsiem rules test`.
func (t TestResult) String() string {
	loc := fmt.Sprintf("%s:%d: %s: %q", t.Rule.File, t.Test.Line, t.Rule.ID, t.Test.Name)
	switch {
	case t.Skipped != "":
		return "SKIP " + loc + ": " + t.Skipped
	case t.Err != nil:
		return "ERROR " + loc + ": " + t.Err.Error()
	case t.Passed():
		return "ok   " + loc
	}
	return fmt.Sprintf("FAIL %s: match is %v, the rule %s", loc, t.Test.Match, map[bool]string{true: "fired", false: "did not fire"}[t.Matched])
}

// RunTests runs every inline test of every rule, each rule on its own
// matcher so no other rule interferes: the test's events are normalized,
// matched in order, and the matcher flushed; the rule passes when it fired
// exactly when match: says so.
func (c *Catalog) RunTests(opts TestOptions) []TestResult {
	var out []TestResult
	for _, r := range c.rules {
		if err := r.loadTests(); err != nil {
			out = append(out, TestResult{Rule: r, Test: &Test{Name: "(tests block)"}, Err: err})
			continue
		}
		for i := range r.Tests {
			out = append(out, runTest(r, &r.Tests[i], opts))
		}
	}
	return out
}

func runTest(r *Rule, t *Test, opts TestOptions) TestResult {
	res := TestResult{Rule: r, Test: t}
	typ := t.Type
	if typ == "" {
		typ = r.Service
	}
	events := t.Events
	if t.Corpus != "" {
		if opts.Corpus == nil {
			res.Skipped = "no corpus directory"
			return res
		}
		raw, err := corpusRecord(opts.Corpus, t.Corpus)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				res.Skipped = err.Error()
			} else {
				res.Err = err
			}
			return res
		}
		events = []json.RawMessage{raw}
	}
	if opts.Normalize == nil {
		res.Err = errors.New("no normalizer given")
		return res
	}
	m := newMatcher([]*Rule{r})
	collect := func(a Alert) { res.Alerts = append(res.Alerts, a) }
	for i, raw := range events {
		docs, err := opts.Normalize(typ, raw)
		if err != nil && (r.Service != ServicePipeline || len(docs) == 0) {
			res.Err = fmt.Errorf("event %d does not normalize as %s: %w", i, typ, err)
			return res
		}
		for j := range docs {
			m.Match(&docs[j], collect)
		}
	}
	m.Flush(collect)
	res.Matched = len(res.Alerts) > 0
	return res
}

// corpusRecord reads record N of "path#N" under the corpus: element N of a
// {"Records":[...]} file, record 0 of a single JSON document, else the Nth
// non-empty line. Gzip is detected from the magic bytes.
func corpusRecord(corpus fs.FS, ref string) ([]byte, error) {
	p, nStr, _ := strings.Cut(ref, "#")
	n, err := strconv.Atoi(nStr)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("corpus reference %q: record number must be a non-negative integer", ref)
	}
	data, err := fs.ReadFile(corpus, p)
	if err != nil {
		return nil, fmt.Errorf("corpus reference %q: %w", ref, err)
	}
	if len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("corpus reference %q: %w", ref, err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			return nil, fmt.Errorf("corpus reference %q: %w", ref, err)
		}
	}
	trimmed := bytes.TrimSpace(data)
	if json.Valid(trimmed) && len(trimmed) > 0 && trimmed[0] == '{' {
		var env struct {
			Records []json.RawMessage `json:"Records"`
		}
		if err := json.Unmarshal(trimmed, &env); err == nil && env.Records != nil {
			if n >= len(env.Records) {
				return nil, fmt.Errorf("corpus reference %q: the file has %d records", ref, len(env.Records))
			}
			return env.Records[n], nil
		}
		if n != 0 {
			return nil, fmt.Errorf("corpus reference %q: the file is one record", ref)
		}
		return trimmed, nil
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	i := 0
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if i == n {
			return append([]byte(nil), line...), nil
		}
		i++
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("corpus reference %q: %w", ref, err)
	}
	return nil, fmt.Errorf("corpus reference %q: the file has %d records", ref, i)
}

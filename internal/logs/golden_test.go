package logs

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the testdata/*/*.expected.ndjson golden files")

const expectedSuffix = ".expected.ndjson"

// fixtureCase is one golden input of a log type.
type fixtureCase struct {
	name     string // <case>
	input    string // path of the input file
	expected string // path of <case>.expected.ndjson
}

func (c fixtureCase) bad() bool { return strings.HasPrefix(c.name, "bad") }

// fixtureCases lists the golden cases of a log type, sorted by name.
func fixtureCases(t testing.TB, typ string) []fixtureCase {
	t.Helper()
	dir := filepath.Join("testdata", typ)
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []fixtureCase
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || strings.HasSuffix(n, expectedSuffix) || strings.HasPrefix(n, "README") || strings.HasPrefix(n, ".") {
			continue
		}
		name := strings.TrimSuffix(n, ".gz")
		name = strings.TrimSuffix(name, filepath.Ext(name))
		out = append(out, fixtureCase{name: name, input: filepath.Join(dir, n), expected: filepath.Join(dir, name+expectedSuffix)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// goldenOutput renders a result as the golden file content: one line per
// document, then the stats.
func goldenOutput(t testing.TB, r result) []byte {
	t.Helper()
	var buf bytes.Buffer
	for i := range r.docs {
		d := &r.docs[i]
		head, err := json.Marshal(struct {
			Index string `json:"_index"`
			ID    string `json:"_id"`
		}{d.Index(), d.ID})
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(head[:len(head)-1])
		buf.WriteString(`,"_source":`)
		buf.Write(r.lines[i])
		buf.WriteString("}\n")
	}
	st, err := json.Marshal(map[string]any{"_stats": map[string]any{
		"records": r.stats.Records, "documents": r.stats.Documents, "errors": r.stats.Errors,
		"skipped": r.stats.Skipped, "resumed": r.stats.Resumed, "bytes": r.stats.Bytes,
	}})
	if err != nil {
		t.Fatal(err)
	}
	buf.Write(st)
	buf.WriteByte('\n')
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	for _, typ := range Names() {
		for _, c := range fixtureCases(t, typ) {
			t.Run(typ+"/"+c.name, func(t *testing.T) {
				r := normalizeFile(t, typ, c.input, filepath.ToSlash(c.input))
				for i := range r.lines {
					if !json.Valid(r.lines[i]) {
						t.Fatalf("document %d is not valid JSON: %s", i, r.lines[i])
					}
				}
				if c.bad() && r.stats.Errors == 0 {
					t.Errorf("bad case produced no error document: %+v", r.stats)
				}
				if !c.bad() && r.stats.Errors != 0 {
					t.Errorf("good case produced %d error documents: %q", r.stats.Errors, r.errorMessages())
				}
				got := goldenOutput(t, r)
				if *update {
					if err := os.WriteFile(c.expected, got, 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(c.expected)
				if err != nil {
					t.Fatalf("%v (run go test ./internal/logs -run TestGolden -update)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("output differs from %s (refresh with -update if intended):\n%s", c.expected, lineDiff(want, got))
				}
			})
		}
	}
}

// lineDiff shows the first differing lines of two golden outputs.
func lineDiff(want, got []byte) string {
	w := strings.Split(string(want), "\n")
	g := strings.Split(string(got), "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, a, b)
		}
	}
	return "(identical lines)"
}

package logs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/orgsiem/orgsiem/internal/sharedtest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/ecs"
)

// corpusKnownBad lists corpus files (path relative to the corpus root) that
// are expected to yield error documents, with the reason. Per-type test
// files add entries in a func init(). Event counts are not checked for them.
var corpusKnownBad = map[string]string{}

// corpusCountNotes lists corpus files whose manifest event count counts
// something else than our records (e.g. one envelope holding several log
// events), with the reason; their count is not compared.
var corpusCountNotes = map[string]string{}

// corpusNonEventSkips are skip reasons that do not stand for an event (e.g.
// header lines), left out when comparing with the manifest's event count.
var corpusNonEventSkips = map[string]bool{"header": true}

// elasticDifferences lists, per log type, the compared fields where we
// deliberately differ from Elastic's expected output, with the reason. The
// key "count" excuses a different number of documents.
var elasticDifferences = map[string]map[string]string{}

// corpusFolderTypes maps the corpus top-level folders to log types.
var corpusFolderTypes = map[string]string{
	"cloudtrail":       archive.TypeCloudTrail,
	"vpcflow":          archive.TypeVPCFlow,
	"waf":              archive.TypeWAF,
	"elb":              archive.TypeELB,
	"s3_access":        archive.TypeS3Access,
	"cloudfront":       archive.TypeCloudFront,
	"route53_resolver": archive.TypeRoute53Resolver,
	"guardduty":        archive.TypeGuardDuty,
	"securityhub":      archive.TypeSecurityHub,
	"network_firewall": archive.TypeNetworkFirewall,
	"cloudwatch_logs":  archive.TypeCloudWatchLogs,
	"linux_secure":     archive.TypeLinux,
}

// corpusFolderSkips are corpus folders that hold no log files, with why.
var corpusFolderSkips = map[string]string{
	"ingestion_envelopes": "Lambda trigger envelopes (S3, SQS, SNS, Firehose) are the loader's input, not a log format",
}

// manifestEntry is one file of corpus/MANIFEST.json.
type manifestEntry struct {
	File    string `json:"file"`
	LogType string `json:"log_type"`
	Kind    string `json:"kind"`
	Events  *int64 `json:"events"`
}

// corpusFile is one corpus input the tests normalize.
type corpusFile struct {
	manifestEntry
	typ      string // our log type
	path     string // absolute path
	expected string // absolute path of Elastic's expected output, if any
}

// corpusInputs reads the manifest and returns the files to normalize; the
// others are reported as skipped subtests with their reason.
func corpusInputs(t *testing.T, root string) (inputs []corpusFile, skipped map[string]string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "MANIFEST.json"))
	if err != nil {
		t.Fatal(err)
	}
	var entries []manifestEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		t.Fatalf("MANIFEST.json: %v", err)
	}
	elastic := map[string]bool{}
	for _, e := range entries {
		if strings.HasPrefix(e.Kind, "EXPECTED (Elastic") {
			elastic[e.File] = true
		}
	}
	skipped = map[string]string{}
	for _, e := range entries {
		folder, _, _ := strings.Cut(e.File, "/")
		typ, known := corpusFolderTypes[folder]
		switch {
		case corpusFolderSkips[folder] != "":
			skipped[e.File] = corpusFolderSkips[folder]
		case !known:
			t.Errorf("corpus folder %q maps to no log type: add it to corpusFolderTypes or corpusFolderSkips", folder)
		case strings.HasPrefix(e.Kind, "doc"), strings.HasPrefix(e.Kind, "EXPECTED"), e.Kind == "provenance index":
			skipped[e.File] = "kind " + e.Kind + " is not a log input"
		case e.Events == nil:
			skipped[e.File] = "no event count in the manifest (license or readme)"
		default:
			f := corpusFile{manifestEntry: e, typ: typ, path: filepath.Join(root, filepath.FromSlash(e.File))}
			if elastic[e.File+"-expected.json"] {
				f.expected = f.path + "-expected.json"
			}
			inputs = append(inputs, f)
		}
	}
	sort.Slice(inputs, func(i, j int) bool { return inputs[i].File < inputs[j].File })
	return inputs, skipped
}

// TestCorpus normalizes every log file of the shared corpus: no error
// documents (unless known bad), the manifest's event count accounted for,
// and Elastic's expected output matched where it exists.
func TestCorpus(t *testing.T) {
	root := corpusRoot(t)
	inputs, skipped := corpusInputs(t, root)
	for _, f := range inputs {
		_, rest, _ := strings.Cut(f.File, "/")
		t.Run(f.typ+"/"+rest, func(t *testing.T) {
			r := corpusResult(t, f)
			for i, line := range r.lines {
				if !json.Valid(line) {
					t.Fatalf("document %d is not valid JSON: %s", i, line)
				}
			}
			if reason, bad := corpusKnownBad[f.File]; bad {
				if r.stats.Errors == 0 {
					t.Errorf("listed as known bad (%s) but produced no error document: remove it from corpusKnownBad", reason)
				}
				t.Logf("known bad (%s): %d error documents", reason, r.stats.Errors)
			} else {
				if r.stats.Errors != 0 {
					t.Errorf("%d error documents: %q", r.stats.Errors, firstN(r.errorMessages(), 5))
				}
				events := r.stats.Documents + r.stats.Errors
				for reason, n := range r.stats.Skipped {
					if !corpusNonEventSkips[reason] {
						events += n
					}
				}
				if note, ok := corpusCountNotes[f.File]; ok {
					t.Logf("event count not compared (%s): manifest %d, ours %d", note, *f.Events, events)
				} else if events != *f.Events {
					t.Errorf("manifest counts %d events, we accounted for %d (%+v)", *f.Events, events, r.stats)
				}
			}
			if f.expected != "" {
				compareElastic(t, f.typ, r, f.expected)
			}
		})
	}
	for file, reason := range skipped {
		t.Run("skipped/"+file, func(t *testing.T) { t.Skip(reason) })
	}
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// elasticFields are the fields compared with Elastic's expected output.
var elasticFields = []string{"@timestamp", "event.action", "event.outcome", "source.ip", "cloud.account.id", "cloud.region", "user.name"}

// compareElastic compares our documents with Elastic's expected output
// ({"expected":[...]}, one object per input record), record by record, on
// elasticFields. A field listed in elasticDifferences[typ] is reported, not
// failed. @timestamp compares as an instant.
func compareElastic(t *testing.T, typ string, r result, expectedPath string) {
	t.Helper()
	data, err := os.ReadFile(expectedPath)
	if err != nil {
		t.Fatal(err)
	}
	var exp struct {
		Expected []map[string]any `json:"expected"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&exp); err != nil {
		t.Fatalf("%s: %v", expectedPath, err)
	}
	diffs := elasticDifferences[typ]
	if len(exp.Expected) != len(r.docs) {
		msg := fmt.Sprintf("Elastic expects %d documents, we produced %d", len(exp.Expected), len(r.docs))
		if reason, ok := diffs["count"]; ok {
			t.Logf("deliberate difference: %s — %s", msg, reason)
		} else {
			t.Error(msg)
		}
	}
	for i := 0; i < len(exp.Expected) && i < len(r.docs); i++ {
		ours := lineJSON(t, r.lines[i])
		theirs := expandDotted(exp.Expected[i])
		for _, field := range elasticFields {
			a, aok := lookup(ours, field)
			b, bok := lookup(theirs, field)
			same := aok == bok && fmt.Sprint(a) == fmt.Sprint(b)
			if field == "@timestamp" && aok && bok {
				same = sameInstant(fmt.Sprint(a), fmt.Sprint(b))
			}
			if same {
				continue
			}
			msg := fmt.Sprintf("record %d %s: ours %v (present %v), Elastic %v (present %v)", i, field, a, aok, b, bok)
			if reason, ok := diffs[field]; ok {
				t.Logf("deliberate difference: %s — %s", msg, reason)
				continue
			}
			t.Error(msg)
		}
	}
}

// expandDotted turns Elastic's dotted keys ("cloud.region") into nested
// objects so lookup works on both shapes.
func expandDotted(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			v = expandDotted(sub)
		}
		parts := strings.Split(k, ".")
		cur := out
		for _, p := range parts[:len(parts)-1] {
			next, ok := cur[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				cur[p] = next
			}
			cur = next
		}
		last := parts[len(parts)-1]
		if existing, ok := cur[last].(map[string]any); ok {
			if sub, ok := v.(map[string]any); ok {
				for sk, sv := range sub {
					existing[sk] = sv
				}
				continue
			}
		}
		cur[last] = v
	}
	return out
}

func sameInstant(a, b string) bool {
	ta, err1 := time.Parse(time.RFC3339Nano, a)
	tb, err2 := time.Parse(time.RFC3339Nano, b)
	return err1 == nil && err2 == nil && ta.Equal(tb)
}

// TestTypeConsistency checks, over every document produced from the golden
// fixtures and the corpus, that OpenSearch can index them under one mapping
// per log type: one JSON type per path, declared flat_object paths hold
// objects, declared paths hold their type's JSON kind, and every path
// outside aws.* is declared in the ecs schema.
func TestTypeConsistency(t *testing.T) {
	c := newKindChecker()
	for _, typ := range Names() {
		for _, fc := range fixtureCases(t, typ) {
			r := normalizeFile(t, typ, fc.input, filepath.ToSlash(fc.input))
			c.addResult(t, r, fc.input)
		}
	}
	if manifest, err := sharedtest.Path("corpus", "MANIFEST.json"); err == nil {
		root := filepath.Dir(manifest)
		inputs, _ := corpusInputs(t, root)
		for _, f := range inputs {
			c.addResult(t, corpusResult(t, f), f.File)
		}
	} else {
		t.Logf("corpus absent: checking fixtures only")
	}
	for _, msg := range c.problems() {
		t.Error(msg)
	}
}

// corpusResults memoizes the normalization of corpus files: TestCorpus and
// TestTypeConsistency read the same results instead of normalizing the
// corpus twice. Normalize is deterministic for a given file, so the cache
// holds no state a test could change.
var corpusResults = struct {
	sync.Mutex
	byFile map[string]result
}{byFile: map[string]result{}}

// corpusResult normalizes corpus file f (stats checked on t), or returns
// the result of an earlier call. Callers must not modify it.
func corpusResult(t testing.TB, f corpusFile) result {
	t.Helper()
	corpusResults.Lock()
	defer corpusResults.Unlock()
	r, ok := corpusResults.byFile[f.File]
	if !ok {
		r = normalizeFile(t, f.typ, f.path, f.File)
		corpusResults.byFile[f.File] = r
	}
	return r
}

func dirExists(p string) bool { _, err := os.Stat(p); return err == nil }

// kindChecker collects the JSON kind of every path, per log type.
type kindChecker struct {
	kinds map[string]map[string]map[string]string // type → path → kind → first source
	other []string
}

func newKindChecker() *kindChecker {
	return &kindChecker{kinds: map[string]map[string]map[string]string{}}
}

func (c *kindChecker) addResult(t *testing.T, r result, source string) {
	for i := range r.docs {
		m := lineJSON(t, r.lines[i])
		typ := r.docs[i].Type
		if c.kinds[typ] == nil {
			c.kinds[typ] = map[string]map[string]string{}
		}
		c.walk(typ, "", m, fmt.Sprintf("%s document %d", source, i))
	}
}

func (c *kindChecker) walk(typ, path string, v any, source string) {
	if v == nil {
		return
	}
	kind := jsonKind(v)
	if path != "" {
		declared, _ := ecs.FieldTypeOf(path)
		if declared == ecs.FlatObject {
			// Declared flat_object (paths below it are never visited).
			if kind != "object" {
				c.other = append(c.other, fmt.Sprintf("%s: flat_object %s holds %s", source, path, kind))
			}
			return
		}
		c.note(typ, path, kind, source)
		if declared == ecs.GeoPoint {
			return
		}
	}
	switch x := v.(type) {
	case map[string]any:
		for k, sub := range x {
			c.walk(typ, join(path, k), sub, source)
		}
	case []any:
		for _, e := range x {
			if sub, ok := e.(map[string]any); ok {
				for k, s := range sub {
					c.walk(typ, join(path, k), s, source)
				}
			}
		}
	}
}

func (c *kindChecker) note(typ, path, kind, source string) {
	byKind := c.kinds[typ][path]
	if byKind == nil {
		byKind = map[string]string{}
		c.kinds[typ][path] = byKind
	}
	if _, ok := byKind[kind]; !ok {
		byKind[kind] = source
	}
}

func (c *kindChecker) problems() []string {
	out := append([]string(nil), c.other...)
	for typ, paths := range c.kinds {
		for path, byKind := range paths {
			delete(byKind, "empty-array") // an empty array fits any mapping
			if len(byKind) > 1 {
				out = append(out, fmt.Sprintf("%s: %s has several JSON types: %v", typ, path, byKind))
			}
			declared, ok := ecs.FieldTypeOf(path)
			if !ok {
				if !strings.HasPrefix(path, "aws.") && !isObjectOnly(byKind) {
					out = append(out, fmt.Sprintf("%s: %s is written but not declared in the ecs schema", typ, path))
				}
				continue
			}
			for kind, source := range byKind {
				if !kindFits(declared, kind) {
					out = append(out, fmt.Sprintf("%s: %s is declared %s but holds %s (%s)", typ, path, declared, kind, source))
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func isObjectOnly(byKind map[string]string) bool {
	_, obj := byKind["object"]
	return obj && len(byKind) == 1
}

// jsonKind names the JSON type of a decoded value; an array is named by its
// elements ("string" for ["a","b"]), "mixed-array" when they differ.
func jsonKind(v any) string {
	switch x := v.(type) {
	case map[string]any:
		return "object"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case []any:
		kind := ""
		for _, e := range x {
			if e == nil {
				continue
			}
			k := jsonKind(e)
			if kind != "" && k != kind {
				return "mixed-array"
			}
			kind = k
		}
		if kind == "" {
			return "empty-array"
		}
		return kind
	}
	return fmt.Sprintf("%T", v)
}

func kindFits(t ecs.FieldType, kind string) bool {
	if kind == "empty-array" {
		return true
	}
	switch t {
	case ecs.Keyword, ecs.Text, ecs.IP, ecs.Date:
		return kind == "string"
	case ecs.Long, ecs.Double:
		return kind == "number"
	case ecs.Boolean:
		return kind == "boolean"
	case ecs.GeoPoint, ecs.FlatObject:
		return kind == "object"
	}
	return false
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

package logs

// Differential tests of the single-pass finding decoders (findings.go,
// guardduty.go, securityhub.go) against the encoding/json ones they
// replaced (findings_old_test.go), over every fixture and corpus finding,
// each also wrapped in an EventBridge event and sent through
// findingMessage.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/orgsiem/orgsiem/internal/ecs"
	"github.com/orgsiem/orgsiem/internal/sharedtest"
)

// findingDiffInputs returns the fixtures and corpus files of typ,
// decompressed, and for each finding record, the record wrapped in an
// EventBridge event of typ (its detail, or its one finding).
func findingDiffInputs(t *testing.T, typ string) map[string][]byte {
	t.Helper()
	var paths []string
	for _, c := range fixtureCases(t, typ) {
		paths = append(paths, c.input)
	}
	if manifest, err := sharedtest.Path("corpus", "MANIFEST.json"); err == nil {
		inputs, _ := corpusInputs(t, filepath.Dir(manifest))
		for _, f := range inputs {
			if f.typ == typ {
				paths = append(paths, f.path)
			}
		}
	}
	out := map[string][]byte{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b {
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			data, _ = io.ReadAll(zr) // a truncated fixture: what it holds
		}
		out[p] = data
		var events [][]byte
		for _, rec := range findingRecordsOf(data) {
			events = append(events, wrapFinding(typ, rec))
		}
		out[p+" (as events)"] = bytes.Join(events, []byte("\n"))
	}
	return out
}

// findingRecordsOf returns every record of data the splitter finds that
// starts like a JSON object (valid or not).
func findingRecordsOf(data []byte) [][]byte {
	s := newJSONSplitter(bufio.NewReader(bytes.NewReader(data)), true)
	var out [][]byte
	for {
		rec, err := s.next()
		if err != nil {
			return out
		}
		if rec.Kind == jsonKindObject {
			out = append(out, bytes.Clone(rec.Raw))
		}
	}
}

// wrapFinding puts rec into an EventBridge event of typ.
func wrapFinding(typ string, rec []byte) []byte {
	if typ == "guardduty" {
		return []byte(`{"version":"0","id":"ev-1","detail-type":"GuardDuty Finding","source":"aws.guardduty","account":"444455556666","time":"2023-11-14T21:20:05Z","region":"ap-south-1","resources":[],"detail":` + string(rec) + `}`)
	}
	return []byte(`{"version":"0","id":"ev-2","detail-type":"Security Hub Findings - Imported","source":"aws.securityhub","account":"444455556666","time":"2023-11-14T21:20:05Z","region":"ap-south-1","resources":[],"detail":{"findings":[` + string(rec) + `]}}`)
}

// findingDiffResult is what one normalization produced.
type findingDiffResult struct {
	docs  []ecs.Document
	lines [][]byte
	stats Stats
}

func normalizeFindingsWith(t *testing.T, typ string, parse func(*Input, *Output) error, data []byte) findingDiffResult {
	t.Helper()
	reg, err := Lookup(typ)
	if err != nil {
		t.Fatal(err)
	}
	ty := *reg
	ty.Parse = parse
	var r findingDiffResult
	r.stats, err = normalizeType(context.Background(), Object{Key: "diff", Type: typ, Body: bytes.NewReader(data), Time: fixtureTime}, &ty, fixtureTime,
		func(d *ecs.Document) error {
			r.docs = append(r.docs, d.Clone())
			r.lines = append(r.lines, d.AppendJSON(nil))
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// sameDocs reports documents that differ; error documents may differ in
// error.message only, and those pairs are logged.
func sameDocs(t *testing.T, name string, old, cur []ecs.Document) {
	t.Helper()
	if len(old) != len(cur) {
		t.Errorf("%s: %d documents before, %d now", name, len(old), len(cur))
		return
	}
	for i := range old {
		o, c := old[i], cur[i]
		if o.Event.Kind == KindPipelineError && c.Event.Kind == KindPipelineError && o.Error.Message != c.Error.Message {
			t.Logf("%s document %d error.message\n  old: %s\n  new: %s", name, i, o.Error.Message, c.Error.Message)
			if c.Error.Message == "" {
				t.Errorf("%s document %d: empty error.message", name, i)
			}
			o.Error.Message, c.Error.Message = "", ""
		}
		if ol, cl := o.AppendJSON(nil), c.AppendJSON(nil); !bytes.Equal(ol, cl) {
			t.Errorf("%s document %d:\nold %s\nnew %s", name, i, ol, cl)
		}
	}
}

func TestFindingsMatchOldDecoders(t *testing.T) {
	old := map[string]func(*Input, *Output) error{"guardduty": oldParseGuardDuty, "securityhub": oldParseSecurityHub}
	current := map[string]func(*Input, *Output) error{"guardduty": parseGuardDuty, "securityhub": parseSecurityHub}
	for _, typ := range []string{"guardduty", "securityhub"} {
		records := 0
		for name, data := range findingDiffInputs(t, typ) {
			o := normalizeFindingsWith(t, typ, old[typ], data)
			c := normalizeFindingsWith(t, typ, current[typ], data)
			if o.stats.Records != c.stats.Records || o.stats.Documents != c.stats.Documents || o.stats.Errors != c.stats.Errors {
				t.Errorf("%s: stats %+v before, %+v now", name, o.stats, c.stats)
			}
			sameDocs(t, name, o.docs, c.docs)
			for _, rec := range findingRecordsOf(data) {
				sameFindingMessage(t, name, rec)
				records++
			}
		}
		if records < 50 {
			t.Errorf("%s: only %d records compared; are the fixtures and the corpus there?", typ, records)
		}
	}
}

// sameFindingMessage compares the old and the new findingMessage on msg.
func sameFindingMessage(t *testing.T, name string, msg []byte) {
	t.Helper()
	prefilled := func() ecs.Document {
		return ecs.Document{Type: "cloudwatchlogs", Event: ecs.Event{Kind: "event", Dataset: "aws.cloudwatchlogs"}}
	}
	o, c := prefilled(), prefilled()
	oerr, cerr := oldFindingMessage(msg, &o), findingMessage(msg, &c)
	switch {
	case (oerr == nil) != (cerr == nil):
		t.Errorf("%s: findingMessage error %v before, %v now, on %s", name, oerr, cerr, msg)
	case oerr != nil:
		if oerr.Error() != cerr.Error() {
			t.Logf("%s: findingMessage error\n  old: %v\n  new: %v", name, oerr, cerr)
		}
	default:
		if ol, cl := o.AppendJSON(nil), c.AppendJSON(nil); !bytes.Equal(ol, cl) {
			t.Errorf("%s: findingMessage\nold %s\nnew %s", name, ol, cl)
		}
	}
}

// FuzzFindingsMatchOldDecoders compares the old and the new decoders on
// arbitrary records.
func FuzzFindingsMatchOldDecoders(f *testing.F) {
	for _, typ := range []string{"guardduty", "securityhub"} {
		for _, seed := range fuzzSeeds(f, typ) {
			f.Add(seed)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) || !exactKeys(data) {
			return
		}
		for _, typ := range []string{"guardduty", "securityhub"} {
			old := map[string]func(*Input, *Output) error{"guardduty": oldParseGuardDuty, "securityhub": oldParseSecurityHub}[typ]
			cur := map[string]func(*Input, *Output) error{"guardduty": parseGuardDuty, "securityhub": parseSecurityHub}[typ]
			o, c := normalizeFindingsWith(t, typ, old, data), normalizeFindingsWith(t, typ, cur, data)
			sameDocs(t, typ, o.docs, c.docs)
		}
		sameFindingMessage(t, "fuzz", data)
	})
}

// oldFindingNames are the keys the old decoders read (their json tags).
var oldFindingNames = func() map[string]bool {
	names := map[string]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return
		}
		for i := range t.NumField() {
			if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); tag != "" {
				names[tag] = true
			}
			walk(t.Field(i).Type)
		}
	}
	for _, v := range []any{oldEventBridgeEnvelope{}, oldGdFinding{}, oldGdService{}, oldGdResource{}, oldShFinding{},
		oldShProductFields{}, oldShNetwork{}, oldShAction{}, oldShResourceRegion{}, oldShEventDetail{}} {
		walk(reflect.TypeOf(v))
	}
	return names
}()

// exactKeys reports whether data (valid JSON) has no duplicate key in any
// object and no key that differs only in case from a key the old decoders
// read: there encoding/json matched keys case-insensitively and merged
// duplicates, where the new decoders match exactly and take the last one.
func exactKeys(data []byte) bool {
	folded := map[string]bool{}
	for n := range oldFindingNames {
		folded[strings.ToLower(n)] = true
	}
	type frame struct {
		obj, keyNext bool
		seen         map[string]bool
	}
	var stack []*frame
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			return errors.Is(err, io.EOF)
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.obj && top.keyNext {
			k, _ := tok.(string)
			if top.seen[k] || (folded[strings.ToLower(k)] && !oldFindingNames[k]) {
				return false
			}
			top.seen[k], top.keyNext = true, false
			continue
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			stack = append(stack, &frame{obj: tok == json.Delim('{'), keyNext: true, seen: map[string]bool{}})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 && tok != json.Delim('{') && tok != json.Delim('[') {
			stack[len(stack)-1].keyNext = true
		}
	}
}

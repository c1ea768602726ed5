package logs

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// scanAll returns every record of data as "kind:line:raw" strings.
func scanAll(t *testing.T, data string, arrays bool) []string {
	t.Helper()
	s := newJSONSplitter(bufio.NewReaderSize(strings.NewReader(data), 16), arrays)
	var out []string
	for {
		rec, err := s.next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		kind := map[jsonRecKind]string{jsonKindObject: "object", jsonKindText: "text", jsonKindBroken: "broken"}[rec.Kind]
		out = append(out, kind+":"+string(rune('0'+rec.Line))+":"+string(rec.Raw))
	}
}

func TestJSONSplitter(t *testing.T) {
	cases := []struct {
		name   string
		data   string
		arrays bool
		want   []string
	}{
		{"one object per line, blank lines and CRLF ignored", "{\"a\":1}\r\n\r\n{\"b\":\"}\"}\n", false,
			[]string{`object:1:{"a":1}`, `object:3:{"b":"}"}`}},
		{"objects back to back on one line are separate records", `{"a":1}{"b":{"c":2}} {"d":3}`, false,
			[]string{`object:1:{"a":1}`, `object:1:{"b":{"c":2}}`, `object:1:{"d":3}`}},
		{"a pretty-printed object spanning lines is one record", "{\n  \"a\": {\n    \"b\": 1\n  }\n}\n{\"c\":2}\n", false,
			[]string{"object:1:{\n  \"a\": {\n    \"b\": 1\n  }\n}", `object:6:{"c":2}`}},
		{"a byte order mark before the first record is skipped", "\xef\xbb\xbf{\"a\":1}\n", false,
			[]string{`object:1:{"a":1}`}},
		{"escaped quotes and brackets inside strings do not end a record", `{"a":"x\"}{\\"}` + "\n", false,
			[]string{`object:1:{"a":"x\"}{\\"}`}},
		{"a line that is not JSON is a text record", "1.0 2017-12-13T08:16:02.130Z Z1 example.com A NOERROR UDP IAD12 192.0.2.1 -\n{\"a\":1}\n", false,
			[]string{"text:1:1.0 2017-12-13T08:16:02.130Z Z1 example.com A NOERROR UDP IAD12 192.0.2.1 -", `object:2:{"a":1}`}},
		{"a line ending inside a string is broken and the next line still parses", "{\"a\":\"cut\n{\"b\":1}\n", false,
			[]string{`broken:1:{"a":"cut`, `object:2:{"b":1}`}},
		{"an unclosed object ends where the next line starts with a brace", "{\"a\":[1,\n{\"b\":1}\n", false,
			[]string{"broken:1:{\"a\":[1,\n", `object:2:{"b":1}`}},
		{"an unclosed object at the end of input is broken", "{\"a\":{", false,
			[]string{`broken:1:{"a":{`}},
		{"array elements are records for the finding types", "[\n  {\"a\":1},\n  {\"b\":2}\n]\n", true,
			[]string{`object:2:{"a":1}`, `object:3:{"b":2}`}},
		{"a scalar array element is a text record", "[1,{\"a\":1}]", true,
			[]string{"text:1:1,{\"a\":1}]"}},
		{"arrays are text for types not delivered as arrays", "[{\"a\":1}]\n", false,
			[]string{`text:1:[{"a":1}]`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := scanAll(t, c.data, c.arrays)
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestJSONSplitterOversizedRecord(t *testing.T) {
	big := `{"a":"` + strings.Repeat("x", maxJSONRecord) + `"}` + "\n" + `{"b":1}` + "\n"
	s := newJSONSplitter(bufio.NewReaderSize(strings.NewReader(big), 4096), false)
	rec, err := s.next()
	if err != nil || rec.Kind != jsonKindBroken || len(rec.Raw) != MaxOriginalBytes || !strings.Contains(rec.Why, "larger than") {
		t.Fatalf("oversized record: kind %d, %d bytes kept, %q, %v", rec.Kind, len(rec.Raw), rec.Why, err)
	}
	rec, err = s.next()
	if err != nil || rec.Kind != jsonKindObject || string(rec.Raw) != `{"b":1}` {
		t.Fatalf("record after the oversized one: %q %v", rec.Raw, err)
	}
}

// failingReader returns data, then err.
type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestJSONSplitterReadErrorKeepsTheCutRecord(t *testing.T) {
	boom := errors.New("connection reset")
	s := newJSONSplitter(bufio.NewReader(&failingReader{data: []byte("{\"a\":1}\n{\"b\":"), err: boom}), false)
	if rec, err := s.next(); err != nil || string(rec.Raw) != `{"a":1}` {
		t.Fatalf("first record: %q %v", rec.Raw, err)
	}
	rec, err := s.next()
	if err != nil || rec.Kind != jsonKindBroken || !strings.Contains(rec.Why, "connection reset") {
		t.Fatalf("cut record: kind %d %q %v", rec.Kind, rec.Why, err)
	}
	if _, err := s.next(); !errors.Is(err, boom) {
		t.Fatalf("after the cut record: %v, want the read error", err)
	}
}

func TestAWSObject(t *testing.T) {
	cases := []struct {
		name  string
		flat  []string
		setup func(w *awsObject)
		in    string
		want  string
	}{
		{"whitespace is removed and values are kept verbatim", nil, nil,
			"{ \"a\" : 1.50 ,\n \"b\" : [ true , null , \"x y\" ] }", `{"a":1.50,"b":[true,null,"x y"]}`},
		{"a duplicate key keeps its last value at every depth", nil, nil,
			`{"a":1,"o":{"k":"first","k":"last"},"a":2}`, `{"o":{"k":"last"},"a":2}`},
		{"flat_object paths hold objects whatever the input", []string{"arr", "str", "num", "obj", "nul", "x.y"}, nil,
			`{"arr":[1,{"b":2}],"str":"s","num":3,"obj":{"c":[]},"nul":null,"x":{"y":[{"z":1}]}}`,
			`{"arr":{"items":[1,{"b":2}]},"str":{"value":"s"},"num":{"value":3},"obj":{"c":[]},"x":{"y":{"items":[{"z":1}]}}}`},
		{"paths inside a flat_object are not wrapped again", []string{"f"}, nil,
			`{"f":{"f":[1]}}`, `{"f":{"f":[1]}}`},
		{"paths through arrays of objects are dotted like OpenSearch paths", []string{"list.inner"}, nil,
			`{"list":[{"inner":"v"},{"inner":["w"]}]}`, `{"list":[{"inner":{"value":"v"}},{"inner":{"items":["w"]}}]}`},
		{"overrides replace or drop fields and extras replace originals", nil, func(w *awsObject) {
			w.override("ts", []byte("123"))
			w.override("o.gone", nil)
			w.extra("sample", []byte("true"))
		}, `{"ts":"2023-01-01T00:00:00Z","o":{"gone":1,"kept":2},"sample":"yes"}`, `{"ts":123,"o":{"kept":2},"sample":true}`},
		{"escaped keys are matched unescaped", []string{"ab"}, nil,
			`{"a\u0062":"v"}`, `{"a\u0062":{"value":"v"}}`},
		{"a duplicate of the first member leaves no stray comma", nil, nil,
			`{"a":1,"b":2,"a":3}`, `{"b":2,"a":3}`},
		{"duplicates are dropped inside array elements and flat_object values", []string{"f"}, nil,
			`{"l":[{"k":1,"k":2},{"k":3}],"f":{"x":[{"y":1,"y":2}],"x":0}}`, `{"l":[{"k":2},{"k":3}],"f":{"x":0}}`},
		{"a null flat_object member is left out also as the earlier duplicate", []string{"f"}, nil,
			`{"f":{"a":1},"g":1,"f":null}`, `{"g":1}`},
		{"whitespace around duplicates is removed", nil, nil,
			"{ \"a\" : [ 1 , 2 ] ,\n \"a\" : { \"b\" : 1 , \"b\" : \"x\" } }", `{"a":{"b":"x"}}`},
		{"a duplicate of an override or an extra keeps one member", []string{}, func(w *awsObject) {
			w.override("o.v", []byte("9"))
			w.extra("e", []byte(`"x"`))
		}, `{"o":{"v":1,"v":2},"e":1,"e":2}`, `{"o":{"v":9},"e":"x"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			flat := map[string]bool{}
			for _, p := range c.flat {
				flat[p] = true
			}
			w := &awsObject{flat: flatTree(flat)}
			w.reset()
			if c.setup != nil {
				c.setup(w)
			}
			got := string(w.build([]byte(c.in)))
			if got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
			if !json.Valid([]byte(got)) {
				t.Errorf("invalid JSON")
			}
		})
	}
}

func TestAWSObjectManyKeysDedupe(t *testing.T) {
	// More keys than the 64-bit filter has bits: every key collides with
	// some earlier one and is compared in full.
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&b, `"k%02d":1,`, i)
	}
	b.WriteString(`"k00":2}`)
	w := &awsObject{flat: flatTree(nil)}
	got := w.build([]byte(b.String()))
	if bytes.Count(got, []byte(`"k00"`)) != 1 || !bytes.HasSuffix(got, []byte(`"k00":2}`)) || bytes.Count(got, []byte(`":1`)) != 99 {
		t.Errorf("duplicate key not reduced to its last value: %s", got)
	}
}

func TestFlatPathsComeFromTheSchema(t *testing.T) {
	for _, typ := range []string{"waf", "route53resolver", "guardduty", "securityhub", "networkfirewall"} {
		flat := flatPaths(typ)
		for _, f := range ecs.FieldsFor(typ) {
			rel := strings.TrimPrefix(f.Path, "aws."+typ+".")
			if f.Type == ecs.FlatObject && rel != f.Path && !flat[rel] {
				t.Errorf("%s: declared flat_object %s is not wrapped", typ, f.Path)
			}
		}
		for p := range flat {
			if ft, _ := ecs.FieldTypeOf("aws." + typ + "." + p); ft != ecs.FlatObject {
				t.Errorf("%s: %s wrapped but declared %q", typ, p, ft)
			}
		}
	}
	if len(flatPaths("waf")) == 0 || len(flatPaths("securityhub")) == 0 {
		t.Error("no flat_object paths found for waf or securityhub")
	}
}

func TestParseJSONTime(t *testing.T) {
	cases := []struct{ in, want string }{
		{"2021-02-04T17:51:55Z", "2021-02-04T17:51:55Z"},
		{"2017-03-16T19:20:25.177Z", "2017-03-16T19:20:25.177Z"},
		{"2021-11-08T14:22:12.637611+0000", "2021-11-08T14:22:12.637611Z"},
		{"2021-11-08T16:22:12+02:00", "2021-11-08T14:22:12Z"},
		{"2022-06-25 00:27:53", "2022-06-25T00:27:53Z"},
		{"2025-02-25 20:40:06.721", "2025-02-25T20:40:06.721Z"},
		{"2022-11-03T00:00:00", "2022-11-03T00:00:00Z"},
		{"14/11/2023", ""},
		{"", ""},
	}
	for _, c := range cases {
		got, err := parseJSONTime(c.in)
		if c.want == "" {
			if err == nil {
				t.Errorf("%q: parsed as %v, want an error", c.in, got)
			}
			continue
		}
		if err != nil || got.Format("2006-01-02T15:04:05.999999999Z07:00") != c.want {
			t.Errorf("%q: got %v %v, want %s", c.in, got, err, c.want)
		}
	}
}

// fuzzJSONType normalizes data as typ and checks what every JSON type
// guarantees: no panic, every record accounted for, valid JSON documents
// with a timestamp, and declared flat_object paths holding objects.
func fuzzJSONType(t *testing.T, typ string, data []byte) {
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		return // gzip framing is normalize's business, not the parser's
	}
	flat := flatPaths(typ)
	var docs int64
	st, err := Normalize(t.Context(), Object{Key: "fuzz", Type: typ, Body: bytes.NewReader(data), Time: fixtureTime},
		func(d *ecs.Document) error {
			docs++
			if d.Event.Kind == KindPipelineError {
				if strings.Contains(d.Error.Message, "panic") {
					t.Fatalf("parser panicked: %s", d.Error.Message)
				}
				return nil
			}
			if d.Timestamp.IsZero() || d.Type != typ {
				t.Fatalf("document of type %q without @timestamp or with the wrong type", d.Type)
			}
			if line := d.AppendJSON(nil); !json.Valid(line) {
				t.Fatalf("invalid JSON: %s", line)
			}
			var aws map[string]any
			if err := json.Unmarshal(d.AWS, &aws); err != nil {
				t.Fatalf("aws object is not a JSON object: %v: %s", err, d.AWS)
			}
			checkFlatHoldObjects(t, flat, "", aws)
			return nil
		})
	if err != nil {
		t.Fatalf("Normalize: %v", err)
	}
	if !st.Balanced() || st.Documents+st.Errors != docs {
		t.Fatalf("stats do not add up: %+v, %d documents seen", st, docs)
	}
	framing := " \t\r\n\ufeff"
	if typ == "guardduty" || typ == "securityhub" {
		framing += "[],"
	}
	if len(bytes.Trim(data, framing)) > 0 && st.Records == 0 {
		t.Fatalf("non-blank input yielded no record: %+v", st)
	}
}

// checkFlatHoldObjects walks v and fails when a flat path holds a non-object.
func checkFlatHoldObjects(t *testing.T, flat map[string]bool, path string, v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, sub := range x {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if flat[p] {
				if _, ok := sub.(map[string]any); !ok {
					t.Fatalf("flat_object %s holds %T", p, sub)
				}
				continue
			}
			checkFlatHoldObjects(t, flat, p, sub)
		}
	case []any:
		for _, e := range x {
			checkFlatHoldObjects(t, flat, path, e)
		}
	}
}

// fuzzSeeds returns small seeds for a JSON type's fuzz target: the first
// and last lines (at most 600 bytes) of each golden input, so that the
// fuzzer's minimisation of new inputs stays quick.
func fuzzSeeds(t testing.TB, typ string) [][]byte {
	t.Helper()
	var seeds [][]byte
	for _, c := range fixtureCases(t, typ) {
		lines := bytes.Split(bytes.TrimSpace(readFixture(t, c.input)), []byte("\n"))
		for _, l := range [][]byte{lines[0], lines[len(lines)-1]} {
			if len(l) <= 600 {
				seeds = append(seeds, l)
			}
		}
	}
	return seeds
}

// readFixture returns a golden input of this package.
func readFixture(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// parseJSONTimeSlow is parseJSONTime without its fast path.
func parseJSONTimeSlow(s string) (time.Time, error) {
	for _, layout := range jsonTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q is not ISO 8601", s)
}

// checkISOFast fails when parseISOFast accepts s and time.Parse reads it
// otherwise or not at all.
func checkISOFast(t *testing.T, s string) {
	got, ok := parseISOFast(s)
	if !ok {
		return
	}
	want, err := parseJSONTimeSlow(s)
	if err != nil || !got.Equal(want) || got.Location() != want.Location() {
		t.Errorf("%q: fast %v, time.Parse %v %v", s, got, want, err)
	}
}

func TestParseISOFastAgreesWithTimeParse(t *testing.T) {
	accepted := []string{"2021-02-04T17:51:55Z", "2017-03-16T19:20:25.177Z", "2021-11-08T14:22:12.637611+0000",
		"2021-11-08T16:22:12+02:00", "2024-02-29T23:59:59.123456789-05:30", "1999-12-31T00:00:00-0000"}
	for _, s := range accepted {
		if _, ok := parseISOFast(s); !ok {
			t.Errorf("%q not taken by the fast path", s)
		}
		checkISOFast(t, s)
	}
	for _, s := range []string{"2023-02-29T00:00:00Z", "2021-13-01T00:00:00Z", "2021-01-01T24:00:00Z", "2021-01-01T00:00:60Z",
		"2021-01-01T00:00:00.Z", "2021-01-01T00:00:00.1234567890Z", "2021-01-01T00:00:00+2400", "2021-01-01T00:00:00", "2022-06-25 00:27:53",
		"2021-01-01T00:00:00*0000", "2021-01-01T00:00:00+00:0x", "2021-01-01t00:00:00Z"} {
		if _, ok := parseISOFast(s); ok {
			t.Errorf("%q taken by the fast path", s)
		}
	}
}

func FuzzParseISOFast(f *testing.F) {
	for _, s := range []string{"2021-11-08T14:22:12.637611+0000", "2021-02-04T17:51:55Z", "2021-11-08T16:22:12+02:00"} {
		f.Add(s)
	}
	f.Fuzz(checkISOFast)
}

package logs

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"strings"
	"testing"
)

// A UTF-8 byte-order mark (EF BB BF) at the start of an object is skipped:
// every good fixture of every type gives the same documents with one.
func TestByteOrderMarkIsSkipped(t *testing.T) {
	for _, typ := range Names() {
		for _, c := range fixtureCases(t, typ) {
			if c.bad() {
				continue
			}
			data, err := os.ReadFile(c.input)
			if err != nil {
				t.Fatal(err)
			}
			if len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b {
				zr, err := gzip.NewReader(bytes.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				if data, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
			}
			data = bytes.TrimPrefix(data, []byte(utf8BOM)) // a fixture of the BOM itself
			plain := normalizeBytes(t, typ, c.input, data)
			withBOM := normalizeBytes(t, typ, c.input, append([]byte(utf8BOM), data...))
			if withBOM.stats.Errors != 0 || withBOM.stats.Documents != plain.stats.Documents {
				t.Errorf("%s/%s with a BOM: %+v, without: %+v (%q)", typ, c.name, withBOM.stats, plain.stats, withBOM.errorMessages())
				continue
			}
			for i := range plain.lines {
				if !bytes.Equal(plain.lines[i], withBOM.lines[i]) {
					t.Errorf("%s/%s document %d differs with a BOM", typ, c.name, i)
				}
			}
		}
	}
}

// A syntactically broken line of a JSON-lines object is one error
// document, wherever it is (first line included); the lines after it are
// read as records.
func TestJSONLinesResumeAfterABrokenLine(t *testing.T) {
	first := func(path string) string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return strings.SplitN(string(b), "\n", 2)[0]
	}
	good := map[string]string{
		"cloudtrail":      ctRecordFor("111122223333", "e1"),
		"cloudwatchlogs":  `{"id":"1","timestamp":1709632800000,"message":"hi","logGroup":"/aws/lambda/x","logStream":"s","owner":"111122223333"}`,
		"guardduty":       strings.TrimSpace(trustFinding("111122223333")),
		"waf":             `{"timestamp":1700000303000,"webaclId":"x","action":"ALLOW","httpRequest":{"clientIp":"198.51.100.22"}}`,
		"route53resolver": first("testdata/route53resolver/resolver.log"),
		"networkfirewall": first("testdata/networkfirewall/firewall.log"),
	}
	broken := []string{`{"eventTime":"x","a":"b`, `{"a":{"b":[1,2`, `{"a" 1}`, `{"a":1}}`, `[{"a":1}`}
	for typ, g := range good {
		for _, bad := range broken {
			for _, at := range []int{0, 1} {
				lines := []string{g, g, g}
				lines = append(lines[:at], append([]string{bad}, lines[at:]...)...)
				r := normalizeBytes(t, typ, "k", []byte(strings.Join(lines, "\n")+"\n"))
				if r.stats.Documents != 3 || r.stats.Errors == 0 {
					t.Errorf("%s, %q at line %d: %+v %q", typ, bad, at+1, r.stats, r.errorMessages())
				}
			}
		}
	}
}

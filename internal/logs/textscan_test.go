package logs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

func TestSplitSpaced(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
		err  bool
	}{
		{"plain fields are split at spaces", "a b  c", []string{"a", "b", "c"}, false},
		{"a quoted field keeps its spaces and quotes", `x "GET / HTTP/1.1" y`, []string{"x", `"GET / HTTP/1.1"`, "y"}, false},
		{"an escaped quote does not end a quoted field", `"a \" b" c`, []string{`"a \" b"`, "c"}, false},
		{"a quote not followed by a space does not end the field", `"h2","http/1.1" z`, []string{`"h2","http/1.1"`, "z"}, false},
		{"a bracketed field keeps its space", `o [06/Feb/2019:00:00:38 +0000] ip`, []string{"o", "[06/Feb/2019:00:00:38 +0000]", "ip"}, false},
		{"a bracketed IPv6 address keeps its port", `[2001:db8::1]:80 x`, []string{"[2001:db8::1]:80", "x"}, false},
		{"an empty quoted field is a field", `"" -`, []string{`""`, "-"}, false},
		{"an unterminated quote is an error", `a "b c`, nil, true},
		{"an unterminated bracket is an error", `a [b c`, nil, true},
		{"a trailing backslash inside quotes is an error", `"abc\`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := splitSpaced(tt.in, nil)
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want error %v", err, tt.err)
			}
			if !tt.err && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestUnquote(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"quotes are stripped", `"curl/7.46.0"`, "curl/7.46.0"},
		{"escaped quotes and backslashes are resolved", `"a \"b\" c\\d"`, `a "b" c\d`},
		{"other escapes are kept", `"a\x20b"`, `a\x20b`},
		{"an unquoted field is unchanged", `-`, `-`},
		{"a lone quote is unchanged", `"`, `"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := unquote(tt.in); got != tt.want {
				t.Errorf("unquote(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"-1", -1, true}, {"9223372036854775807", 9223372036854775807, true},
		{"9223372036854775808", 0, false}, {"", 0, false}, {"-", 0, false}, {"1e3", 0, false}, {"12a", 0, false},
	}
	for _, tt := range tests {
		t.Run("parsing "+tt.in, func(t *testing.T) {
			got, ok := parseDecimal(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("parseDecimal(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestParseISOTime(t *testing.T) {
	tests := []struct {
		name, in string
		want     time.Time
		ok       bool
	}{
		{"microseconds with Z", "2018-07-02T22:23:00.186641Z", time.Date(2018, 7, 2, 22, 23, 0, 186641000, time.UTC), true},
		{"seconds without zone are UTC", "2018-12-20T02:59:40", time.Date(2018, 12, 20, 2, 59, 40, 0, time.UTC), true},
		{"nanoseconds", "2020-02-29T00:00:00.123456789Z", time.Date(2020, 2, 29, 0, 0, 0, 123456789, time.UTC), true},
		{"29 February of a common year is rejected", "2019-02-29T00:00:00Z", time.Time{}, false},
		{"month 13 is rejected", "2018-13-02T22:23:00Z", time.Time{}, false},
		{"hour 24 is rejected", "2018-12-02T24:00:00Z", time.Time{}, false},
		{"a date alone is rejected", "2018-12-02", time.Time{}, false},
		{"a bad fraction is rejected", "2018-12-02T01:00:00.x", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseISOTime(tt.in)
			if ok != tt.ok || !got.Equal(tt.want) {
				t.Errorf("parseISOTime(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestTLSVersion(t *testing.T) {
	for in, want := range map[string]string{
		"TLSv1.2": "1.2", "TLSV1.1": "1.1", "tlsv12": "1.2", "TLSv1": "1.0", "tlsv13": "1.3", "-": "", "SSLv3": "SSLv3",
	} {
		if got := tlsVersion(in); got != want {
			t.Errorf("tlsVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSetRequestLine(t *testing.T) {
	tests := []struct {
		name, in string
		want     ecs.Document
	}{
		{"an absolute URL is split into its parts", "GET https://www.example.com:443/a/b?x=1&y=2 HTTP/1.1", ecs.Document{
			HTTP: ecs.HTTP{Method: "GET", Version: "1.1"},
			URL: ecs.URL{Original: "https://www.example.com:443/a/b?x=1&y=2", Scheme: "https", Domain: "www.example.com", Port: 443,
				Path: "/a/b", Query: "x=1&y=2"}}},
		{"an IPv6 host keeps its address", "GET http://[2001:db8::1]:8080/ HTTP/2.0", ecs.Document{
			HTTP: ecs.HTTP{Method: "GET", Version: "2.0"},
			URL:  ecs.URL{Original: "http://[2001:db8::1]:8080/", Scheme: "http", Domain: "2001:db8::1", Port: 8080, Path: "/"}}},
		{"an origin-form URI has a path and query", "PUT /bucket/key?acl HTTP/1.1", ecs.Document{
			HTTP: ecs.HTTP{Method: "PUT", Version: "1.1"},
			URL:  ecs.URL{Original: "/bucket/key?acl", Path: "/bucket/key", Query: "acl"}}},
		{"a URI with a space is kept whole", "GET http://h:80/a b HTTP/1.1", ecs.Document{
			HTTP: ecs.HTTP{Method: "GET", Version: "1.1"},
			URL:  ecs.URL{Original: "http://h:80/a b", Scheme: "http", Domain: "h", Port: 80, Path: "/a b"}}},
		{"a TCP listener's dashes are absent", "- - - ", ecs.Document{}},
		{"a malformed request keeps what is there", "- http://alb.example.com:80-/ ", ecs.Document{
			URL: ecs.URL{Original: "http://alb.example.com:80-/", Scheme: "http", Domain: "alb.example.com", Path: "/"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d ecs.Document
			setRequestLine(&d, tt.in)
			if !reflect.DeepEqual(d.HTTP, tt.want.HTTP) || d.URL != tt.want.URL {
				t.Errorf("got %+v %+v, want %+v %+v", d.HTTP, d.URL, tt.want.HTTP, tt.want.URL)
			}
		})
	}
}

func TestSetHostPort(t *testing.T) {
	tests := []struct {
		name, in string
		ip, addr string
		port     int64
	}{
		{"IPv4 with port", "192.168.131.39:2817", "192.168.131.39", "192.168.131.39", 2817},
		{"bracketed IPv6 with port", "[fe80::202:b3ff:fe1e:8329]:443", "fe80::202:b3ff:fe1e:8329", "fe80::202:b3ff:fe1e:8329", 443},
		{"unbracketed IPv6 with port", "2001:db8::1:443", "2001:db8::1", "2001:db8::1", 443},
		{"an address that is not an IP is kept as address", "12.34.178.90.32:40860", "", "12.34.178.90.32", 40860},
		{"a dash is absent", "-", "", "", 0},
		{"a value without port is kept as address", "somewhere", "", "somewhere", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e ecs.Endpoint
			setHostPort(&e, tt.in)
			if e.IP != tt.ip || e.Address != tt.addr || e.Port != tt.port {
				t.Errorf("got ip %q address %q port %d", e.IP, e.Address, e.Port)
			}
		})
	}
}

func TestFieldKey(t *testing.T) {
	for in, want := range map[string]string{
		"account-id": "account_id", "cs(User-Agent)": "cs_user_agent", "cs(Host)": "cs_host",
		"x-edge-location": "x_edge_location", "timestamp(ms)": "timestamp_ms", "pkt-src-aws-service": "pkt_src_aws_service",
	} {
		if got := fieldKey(in); got != want {
			t.Errorf("fieldKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHeaderKeys(t *testing.T) {
	got := headerKeys([]string{"srcaddr", "()", "srcaddr", "cs(Host)", "srcaddr"})
	want := []string{"srcaddr", "column_2", "srcaddr_2", "cs_host", "srcaddr_3"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("headerKeys = %q, want %q", got, want)
	}
}

func TestURLUnescape(t *testing.T) {
	for in, want := range map[string]string{
		"Mozilla/5.0%20(X11)": "Mozilla/5.0 (X11)", "a%2520b": "a%20b", "100%": "100%", "%zz": "%zz", "a+b": "a+b", "%e2%9c%93": "✓",
	} {
		if got := urlUnescape(in); got != want {
			t.Errorf("urlUnescape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOverlongLinesAndBlankLinesAreAccounted(t *testing.T) {
	good := "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1418530010 1418530070 ACCEPT OK\n"
	data := []byte(good + "\n" + strings.Repeat("9", MaxLineBytes+1) + "\n" + good)
	r := normalizeBytes(t, "vpcflow", "k", data)
	if r.stats.Documents != 2 || r.stats.Errors != 1 || r.stats.Skipped["blank-line"] != 1 || r.stats.Records != 4 {
		t.Fatalf("stats %+v", r.stats)
	}
	msgs := r.errorMessages()
	if len(msgs) != 1 || !strings.Contains(msgs[0], "byte limit") {
		t.Errorf("error messages %q", msgs)
	}
	if !bytes.Contains(r.lines[1], []byte(`"pipeline_error"`)) {
		t.Errorf("second document is not the error document: %s", r.lines[1])
	}
}

// countLines is the number of records a line-oriented object holds: every
// '\n'-terminated line plus a final unterminated one.
func countLines(data []byte) int64 {
	n := int64(bytes.Count(data, []byte{'\n'}))
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return n
}

// fuzzTextType checks the invariants of a line-oriented parser on any
// input: no panic (a recovered panic would show as an error document, which
// is checked too), one outcome per line, valid JSON for every document.
func fuzzTextType(t *testing.T, typ string, data []byte) {
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		return // gzip framing is normalize's business, not the parser's
	}
	var docs int64
	st, err := Normalize(t.Context(), Object{Key: "fuzz", Type: typ, Body: bytes.NewReader(data), Time: fixtureTime},
		func(d *ecs.Document) error {
			docs++
			if d.Event.Kind == KindPipelineError {
				if strings.Contains(d.Error.Message, "panic") {
					t.Fatalf("parser panicked: %s", d.Error.Message)
				}
			} else if d.Timestamp.IsZero() {
				t.Fatalf("document without @timestamp")
			}
			if line := d.AppendJSON(nil); !json.Valid(line) {
				t.Fatalf("invalid JSON: %s", line)
			}
			if d.AWS != nil && !json.Valid(d.AWS) {
				t.Fatalf("invalid aws object: %s", d.AWS)
			}
			return nil
		})
	if err != nil {
		t.Fatalf("Normalize: %v", err)
	}
	if !st.Balanced() {
		t.Fatalf("stats do not add up: %+v", st)
	}
	if want := countLines(data); st.Records != want {
		t.Fatalf("%d records for %d lines: %+v", st.Records, want, st)
	}
	if docs != st.Documents+st.Errors {
		t.Fatalf("%d documents emitted, stats say %+v", docs, st)
	}
}

// benchText measures a text type twice: "json" is the shared harness
// (Normalize plus ecs AppendJSON of every document, what the loader does),
// "parse" is Normalize alone (the parser, the framework's Doc/Emit and the
// fallback _id) with a callback that does nothing.
func benchText(b *testing.B, typ string, data []byte) {
	b.Run("json", func(b *testing.B) { benchNormalize(b, typ, data) })
	b.Run("parse", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		defer reportCPURate(b, cpuTime(), int64(len(data)))
		for range b.N {
			st, err := Normalize(b.Context(), Object{Key: "bench", Type: typ, Body: bytes.NewReader(data)}, func(*ecs.Document) error { return nil })
			if err != nil || st.Errors > 0 {
				b.Fatalf("Normalize: %v, %+v", err, st)
			}
		}
	})
}

// repeatToSize repeats body after header until the result holds at least
// size bytes: benchmark input.
func repeatToSize(header, body string, size int) []byte {
	var b bytes.Buffer
	b.WriteString(header)
	for b.Len() < size {
		b.WriteString(body)
	}
	return b.Bytes()
}

// fieldCase asserts some fields of the JSON document produced for a line.
type fieldCase struct {
	name   string
	input  string
	fields map[string]any // path → expected value (fmt.Sprint compared); nil value = absent
}

// checkFieldCases normalizes each case's input as typ and compares the
// fields of its last document.
func checkFieldCases(t *testing.T, typ string, cases []fieldCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := normalizeBytes(t, typ, "key", []byte(c.input))
			if len(r.docs) == 0 {
				t.Fatalf("no document (stats %+v)", r.stats)
			}
			m := docJSON(t, &r.docs[len(r.docs)-1])
			for path, want := range c.fields {
				got, ok := lookup(m, path)
				switch {
				case want == nil && ok:
					t.Errorf("%s = %v, want absent", path, got)
				case want != nil && !ok:
					t.Errorf("%s absent, want %v", path, want)
				case want != nil && fmt.Sprint(got) != fmt.Sprint(want):
					t.Errorf("%s = %v, want %v", path, got, want)
				}
			}
		})
	}
}

// ipCases are edge cases of the IP forms isIPv4 and isIPv6 decide.
var ipCases = []string{
	"", ".", "0.0.0.0", "1.2.3.4", "255.255.255.255", "256.1.1.1", "1.2.3.256", "01.2.3.4", "1.2.3.04", "1.2.3.00",
	"1.2.3", "1.2.3.4.5", "1..3.4", ".1.2.3", "1.2.3.", "1.2.3.4 ", " 1.2.3.4", "1.2.3.-4", "1.2.3.+4", "999.1.1.1",
	"1000.1.1.1", "10.0.0.1%eth0", "0x1.2.3.4", "1.2.3.4:80", "172.31.16.139", "00.0.0.0", "0.0.0.0000",
	"::", "::1", "1::", "1::2", ":1", "1:", ":::", "1:::2", "1::2::3", "::1:2:3:4:5:6:7", "1:2:3:4:5:6:7::",
	"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "::1:2:3:4:5:6:7:8", "1:2:3:4::5:6:7:8",
	"12345::", "1234::", "abcd:ef01:2345:6789:ABCD:EF01:2345:6789", "g::1", "fe80::1%eth0", "::ffff:1.2.3.4",
	"2001:db8:1234:a100:8d6e:3477:df66:f105", "2001:db8::", "2001:0db8:0000:0000:0000:0000:0000:0001",
	"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fffff:ffff:ffff:ffff:ffff:ffff:ffff:fff", "1:2:3:4:5:6:7:",
	":1:2:3:4:5:6:7", "1:2:3:4:5:6::7:", "[::1]", "::-1", "::1 ",
}

// checkFastIP fails when isIPv4 or isIPv6 accepts s but netip.ParseAddr
// does not, or parses it other than setEndpoint assumes (no zone; an IPv4
// address in its canonical form). isIPv4 must also accept every dotted
// quad netip.ParseAddr accepts.
func checkFastIP(t *testing.T, s string) {
	t.Helper()
	a, err := netip.ParseAddr(s)
	if v4 := isIPv4(s); v4 != (err == nil && a.Is4()) {
		t.Errorf("isIPv4(%q) = %v, netip.ParseAddr = %v, %v", s, v4, a, err)
	} else if v4 && a.String() != s {
		t.Errorf("isIPv4(%q): netip reads %v", s, a)
	}
	if isIPv6(s) && (err != nil || !a.Is6() || a.Zone() != "") {
		t.Errorf("isIPv6(%q) accepts, netip.ParseAddr = %v, %v", s, a, err)
	}
}

func TestIsIPAgreesWithNetip(t *testing.T) {
	for _, s := range ipCases {
		checkFastIP(t, s)
	}
	for _, s := range []string{"::", "::1", "1::", "1:2:3:4:5:6:7:8", "2001:db8:1234:a100:8d6e:3477:df66:f105", "2001:db8::", "ABCD::ef"} {
		if !isIPv6(s) {
			t.Errorf("isIPv6(%q) is false: the usual form must not need netip", s)
		}
	}
	// Every IPv4 address of a few octet patterns, and random strings over
	// the alphabet of addresses.
	for _, o := range []int{0, 1, 9, 10, 99, 100, 199, 200, 249, 250, 255} {
		checkFastIP(t, fmt.Sprintf("%d.%d.%d.%d", o, 255-o, o, 7))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "0123456789abcdefABCDEFgx.:%"
	for range 50000 {
		b := make([]byte, rng.IntN(20))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		checkFastIP(t, string(b))
	}
}

func FuzzFastIP(f *testing.F) {
	for _, s := range ipCases {
		f.Add(s)
	}
	f.Fuzz(checkFastIP)
}

// jsonPlainBytewise is jsonPlain one byte at a time.
func jsonPlainBytewise(s string, tabs bool) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c == '\t' && tabs) && (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') {
			return false
		}
	}
	return true
}

func TestJSONPlain(t *testing.T) {
	// The bytes jsonPlain passes are those AppendJSONString keeps.
	for i := range 256 {
		s := string([]byte{byte(i)})
		if kept := string(ecs.AppendJSONString(nil, s)) == `"`+s+`"`; jsonPlainBytewise(s, false) != kept {
			t.Errorf("byte %#x: AppendJSONString keeps it %v, jsonPlain says plain %v", i, kept, !kept)
		}
	}
	// Every byte at every position of strings up to 3 words long, after a
	// tab or not (the lanes above a match are where word-wise tests err).
	check := func(s string) {
		for _, tabs := range []bool{false, true} {
			if got, want := jsonPlain(s, tabs), jsonPlainBytewise(s, tabs); got != want {
				t.Fatalf("jsonPlain(%q, %v) = %v, want %v", s, tabs, got, want)
			}
		}
	}
	for n := 1; n <= 24; n++ {
		for pos := range n {
			for i := range 256 {
				for _, before := range []byte{'a', '\t', 0x1f, '"'} {
					b := []byte(strings.Repeat("a", n))
					b[pos] = byte(i)
					check(string(b))
					if pos > 0 {
						b[pos-1] = before
						check(string(b))
					}
				}
			}
		}
	}
}

func TestSplitBlank(t *testing.T) {
	isBlank := func(r rune) bool { return r == ' ' || r == '\t' }
	for _, s := range []string{
		"", " ", "a", "a b", "  a  b  ", "a\tb\t\tc", "2 123456789010 eni-1235b8ca123456789 172.31.16.139 - ACCEPT OK",
		"abcdefghijklmnop q", "abcdefgh\tijklmnopq r ", "12345678 ", " 12345678", "!!!!!!!! !!!!!!!!\t\b\b\b\b\b\b\b\b\b",
	} {
		got := splitBlank(s, nil)
		want := strings.FieldsFunc(s, isBlank)
		if !reflect.DeepEqual(got, want) && len(got)+len(want) > 0 {
			t.Errorf("splitBlank(%q) = %q, want %q", s, got, want)
		}
		if n := countBlankFields(s); n != len(want) {
			t.Errorf("countBlankFields(%q) = %d, want %d", s, n, len(want))
		}
	}
}

func FuzzSplitBlank(f *testing.F) {
	f.Add("2 123456789010 eni-1235b8ca123456789\t172.31.16.139 ! !!!!!!!!!!!!")
	f.Fuzz(func(t *testing.T, s string) {
		got := splitBlank(s, nil)
		want := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' })
		if !reflect.DeepEqual(got, want) && len(got)+len(want) > 0 {
			t.Errorf("splitBlank(%q) = %q, want %q", s, got, want)
		}
		if n := countBlankFields(s); n != len(want) {
			t.Errorf("countBlankFields(%q) = %d, want %d", s, n, len(want))
		}
	})
}

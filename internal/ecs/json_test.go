package ecs

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestAppendJSON(t *testing.T) {
	ts := time.Date(2024, 3, 5, 10, 0, 0, 120000000, time.FixedZone("X", 3600))
	tests := []struct {
		name string
		doc  Document
		want string
	}{
		{"an empty document has only ecs.version and log.offset", Document{},
			`{"ecs":{"version":"8.11.0"},"log":{"offset":0}}`},
		{"the timestamp is RFC 3339 in UTC and the index follows it", Document{Type: "cloudtrail", Timestamp: ts, Position: 7},
			`{"@timestamp":"2024-03-05T09:00:00.12Z","ecs":{"version":"8.11.0"},"log":{"offset":7}}`},
		{"strings are escaped and invalid UTF-8 is replaced", Document{Message: "a\"b\\c\n\t\x01\xff\u2028é"},
			`{"message":"a\"b\\c\n\t\u0001\ufffd\u2028é","ecs":{"version":"8.11.0"},"log":{"offset":0}}`},
		{"related values are deduplicated and empty ones dropped", Document{Related: Related{IP: []string{"1.2.3.4", "", "1.2.3.4", "::1"}, User: []string{"", "a", "a"}}},
			`{"ecs":{"version":"8.11.0"},"related":{"ip":["1.2.3.4","::1"],"user":["a"]},"log":{"offset":0}}`},
		{"aws raw JSON is compacted to one line and repaired", Document{Type: "waf", AWS: []byte("{\n  \"a\": \"x\xffy\",\n  \"b\": [1, 2]\n}")},
			`{"ecs":{"version":"8.11.0"},"log":{"offset":0},"aws":{"waf":{"a":"x` + "\ufffd" + `y","b":[1,2]}}}`},
		{"cloudwatch fields sit beside aws.<type>", Document{Type: "linux", AWS: []byte(`{"p":"sshd"}`), CloudWatch: CloudWatch{LogGroup: "/var/log/secure", ID: "1"}},
			`{"ecs":{"version":"8.11.0"},"log":{"offset":0},"aws":{"linux":{"p":"sshd"},"cloudwatchlogs":{"id":"1","log_group":"/var/log/secure"}}}`},
		{"nested sets appear only when set", Document{Source: Endpoint{IP: "1.2.3.4", Port: 22, Geo: &Geo{CountryISOCode: "SE", Lat: 58.4, Lon: 15.6}, AS: &AS{Number: 1}}, HTTP: HTTP{StatusCode: 200}, DNS: DNS{Answers: []DNSAnswer{{Data: "a", Type: "CNAME"}}}},
			`{"ecs":{"version":"8.11.0"},"source":{"ip":"1.2.3.4","port":22,"geo":{"country_iso_code":"SE","location":{"lat":58.4,"lon":15.6}},"as":{"number":1}},"http":{"response":{"status_code":200}},"dns":{"answers":[{"data":"a","type":"CNAME"}]},"log":{"offset":0}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(tt.doc.AppendJSON([]byte("prefix")))
			if !strings.HasPrefix(got, "prefix") {
				t.Fatal("AppendJSON must append to its buffer")
			}
			got = strings.TrimPrefix(got, "prefix")
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if !json.Valid([]byte(got)) {
				t.Errorf("invalid JSON")
			}
		})
	}
}

func TestIndex(t *testing.T) {
	d := Document{Type: "vpcflow", Timestamp: time.Date(2024, 12, 31, 23, 30, 0, 0, time.FixedZone("minus2", -2*3600))}
	if got := d.Index(); got != "log-aws-vpcflow-2025.01" {
		t.Errorf("Index() = %q (the month is taken in UTC)", got)
	}
}

func TestSchema(t *testing.T) {
	tests := []struct {
		path string
		want FieldType
		ok   bool
	}{
		{"source.ip", IP, true},
		{"@timestamp", Date, true},
		{"aws.cloudtrail.requestParameters", FlatObject, true},
		{"aws.cloudtrail.requestParameters.bucketName.x", FlatObject, true},
		{"aws.cloudtrail.readOnly", Boolean, true},
		{"aws.cloudtrail.unknownField", "", false},
		{"nope", "", false},
	}
	for _, tt := range tests {
		got, ok := FieldTypeOf(tt.path)
		if got != tt.want || ok != tt.ok {
			t.Errorf("FieldTypeOf(%q) = %q, %v; want %q, %v", tt.path, got, ok, tt.want, tt.ok)
		}
	}
	fields := Fields()
	for i := 1; i < len(fields); i++ {
		if fields[i-1].Path >= fields[i].Path {
			t.Fatalf("Fields not sorted and unique at %q, %q", fields[i-1].Path, fields[i].Path)
		}
	}
	for _, f := range FieldsFor("cloudtrail") {
		if f.LogType != "" && f.LogType != "cloudtrail" {
			t.Errorf("FieldsFor(cloudtrail) holds %+v", f)
		}
	}
	// Every path the writer can emit is declared.
	full := Document{Type: "x", Timestamp: time.Unix(1, 0), Message: "m", UserAgent: "u",
		Event: Event{Kind: "k", Category: []string{"c"}, Type: []string{"t"}, Action: "a", Outcome: "o", Dataset: "d", Module: "m", Provider: "p", ID: "i", Created: time.Unix(1, 0), Start: time.Unix(1, 0), End: time.Unix(2, 0), Duration: 1, Severity: 1, Original: "o"},
		Tags:  []string{"t"}, Group: Group{Name: "g", ID: "i"}, Orgsiem: Orgsiem{ClaimedAccount: "a"},
		Cloud:    Cloud{Provider: "p", AccountID: "a", AccountName: "n", Region: "r", ServiceName: "s", InstanceID: "i"},
		Source:   Endpoint{IP: "1.1.1.1", Port: 1, Address: "a", Domain: "d", Bytes: 1, Packets: 1, Geo: &Geo{CountryISOCode: "c", CountryName: "n", CityName: "c", Lat: 1, Lon: 1}, AS: &AS{Number: 1, Organization: "o"}},
		User:     User{Name: "n", ID: "i", Domain: "d", Roles: []string{"r"}, TargetName: "t", TargetID: "i"},
		Related:  Related{IP: []string{"1.1.1.1"}, User: []string{"u"}, Hosts: []string{"h"}},
		Network:  Network{Transport: "t", Protocol: "p", Type: "t", Direction: "d", IANANumber: "6", ForwardedIP: "1.1.1.1", Bytes: 1, Packets: 1},
		HTTP:     HTTP{Method: "m", StatusCode: 1, RequestBytes: 1, ResponseBytes: 1, Referrer: "r", Version: "v"},
		URL:      URL{Original: "o", Domain: "d", Path: "p", Query: "q", Scheme: "s", Port: 1},
		DNS:      DNS{QuestionName: "n", QuestionType: "t", QuestionClass: "c", ResponseCode: "r", Answers: []DNSAnswer{{Data: "a", Type: "A", Class: "IN"}}},
		Rule:     Rule{ID: "i", Name: "n", Ruleset: "r", Category: "c", Description: "d"},
		Observer: Observer{Vendor: "v", Product: "p", Type: "t", Name: "n", ID: "i"},
		Host:     Host{Name: "n", Hostname: "h"}, Process: Process{Name: "n", PID: 1},
		TLS: TLS{Version: "v", VersionProtocol: "tls", Cipher: "c", ServerName: "s"}, Log: Log{FilePath: "f", Level: "l"},
		Error: Error{Message: "m", Type: "t", Code: "c"}, CloudWatch: CloudWatch{ID: "i", LogGroup: "g", LogStream: "s", Owner: "o", SubscriptionFilters: []string{"f"}},
	}
	full.Destination = full.Source
	var m map[string]any
	if err := json.Unmarshal(full.AppendJSON(nil), &m); err != nil {
		t.Fatal(err)
	}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		if obj, ok := v.(map[string]any); ok {
			if typ, ok := FieldTypeOf(prefix); ok && typ == GeoPoint {
				return
			}
			for k, sub := range obj {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				walk(p, sub)
			}
			return
		}
		if arr, ok := v.([]any); ok && len(arr) > 0 {
			walk(prefix, arr[0])
			return
		}
		if _, ok := FieldTypeOf(prefix); !ok {
			t.Errorf("AppendJSON writes %s, which the schema does not declare", prefix)
		}
	}
	walk("", m)
}

func TestClone(t *testing.T) {
	d := Document{Event: Event{Category: []string{"a"}}, AWS: []byte(`{}`), Source: Endpoint{Geo: &Geo{CityName: "x"}}}
	c := d.Clone()
	d.Event.Category[0] = "b"
	d.AWS[0] = '['
	d.Source.Geo.CityName = "y"
	if c.Event.Category[0] != "a" || c.AWS[0] != '{' || c.Source.Geo.CityName != "x" {
		t.Errorf("clone shares memory: %+v", c)
	}
}

func FuzzAppendJSON(f *testing.F) {
	f.Add("message", "cloudtrail", []byte(`{"a":[1,"x"]}`), int64(3))
	f.Add("\xff\u2028\"\\", "", []byte("{\n\"b\":\"\xfe\"}"), int64(-1))
	f.Fuzz(func(t *testing.T, s, typ string, aws []byte, n int64) {
		d := Document{Type: typ, Message: s, Position: n, UserAgent: s, Timestamp: time.Unix(n, n),
			Event:   Event{Category: []string{s, s}, Action: s, Severity: n},
			Related: Related{IP: []string{s, s, ""}, User: []string{s}},
			Source:  Endpoint{IP: s, Port: n, Geo: &Geo{Lat: float64(n), Lon: 1 / float64(n)}},
			DNS:     DNS{Answers: []DNSAnswer{{Data: s}}}}
		if json.Valid(aws) && bytes.HasPrefix(bytes.TrimSpace(aws), []byte("{")) {
			d.AWS = aws
		}
		out := d.AppendJSON(nil)
		if !json.Valid(out) {
			t.Fatalf("invalid JSON: %q", out)
		}
		if bytes.IndexByte(out, '\n') >= 0 {
			t.Fatalf("output spans lines: %q", out)
		}
	})
}

func TestAppendTimeMatchesRFC3339Nano(t *testing.T) {
	tests := []struct {
		name string
		t    time.Time
	}{
		{"a whole second has no fraction", time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC)},
		{"trailing zeros of the fraction are dropped", time.Date(2024, 3, 5, 10, 0, 0, 120000000, time.UTC)},
		{"a full nanosecond fraction is kept", time.Date(1999, 12, 31, 23, 59, 59, 999999999, time.UTC)},
		{"one nanosecond keeps its leading zeros", time.Date(2024, 1, 2, 3, 4, 5, 1, time.UTC)},
		{"another zone is converted to UTC", time.Date(2024, 12, 31, 23, 30, 0, 5000, time.FixedZone("minus2", -2*3600))},
		{"year zero is four digits", time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"year 9999 is the last four-digit year", time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)},
		{"a five-digit year falls back to time.Format", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"a negative year falls back to time.Format", time.Date(-1, 6, 1, 0, 0, 0, 0, time.UTC)},
		{"the Unix epoch", time.Unix(0, 0)},
		{"the second before the epoch", time.Unix(-1, 500)},
		{"a leap day", time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC)},
		{"the leap day of a 400-year era", time.Date(2000, 2, 29, 12, 0, 0, 0, time.UTC)},
		{"the day after a century without leap day", time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"the last day of February of year zero", time.Date(0, 2, 29, 1, 2, 3, 0, time.UTC)},
		{"the first March of year zero", time.Date(0, 3, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(appendTime([]byte("x"), tt.t))
			want := `x"` + tt.t.UTC().Format(time.RFC3339Nano) + `"`
			if got != want {
				t.Errorf("appendTime = %s, want %s", got, want)
			}
		})
	}
}

func TestPlainLen(t *testing.T) {
	// Every byte value at every position of strings of every length up to
	// 19 (short strings tested as one word, two words and a tail) must stop
	// the plain prefix exactly where the byte loop does.
	const base = "abcdefghijklmnopqrs"
	for n := 1; n <= len(base); n++ {
		for pos := range n {
			for c := 0; c < 256; c++ {
				s := []byte(base[:n])
				s[pos] = byte(c)
				want := 0
				for want < len(s) && safeASCII[s[want]] {
					want++
				}
				if got := plainLen(string(s)); got != want {
					t.Fatalf("plainLen(%q) = %d, want %d", s, got, want)
				}
			}
		}
	}
}

func TestAppendJSONStringRoundTrips(t *testing.T) {
	for s, want := range map[string]string{
		"plain": "plain", `q"uote\back`: `q"uote\back`, "ctl\x00\x1f\n\t\r": "ctl\x00\x1f\n\t\r",
		"utf8 é ✓": "utf8 é ✓", "bad \xff\xfe utf8": "bad \ufffd\ufffd utf8", "": "",
	} {
		out := AppendJSONString(nil, s)
		var got string
		if err := json.Unmarshal(out, &got); err != nil {
			t.Errorf("AppendJSONString(%q) = %s: invalid JSON: %v", s, out, err)
			continue
		}
		if got != want {
			t.Errorf("round trip of %q gave %q", s, got)
		}
	}
}

// BenchmarkAppendJSON writes a VPC flow log document (the densest text
// format: a short line becomes a long document); SetBytes is the output.
func BenchmarkAppendJSON(b *testing.B) {
	d := Document{
		ID: "a2a798d61ff92968083403c4313af982", Type: "vpcflow", Position: 12345,
		Timestamp: time.Unix(1418530010, 0),
		Event: Event{Kind: "event", Category: []string{"network"}, Type: []string{"connection", "allowed"},
			Action: "allowed", Outcome: "success", Dataset: "aws.vpcflow", Module: "aws"},
		Cloud:       Cloud{Provider: "aws", AccountID: "123456789010", Region: "us-east-1"},
		Source:      Endpoint{IP: "172.31.16.139", Port: 20641, Address: "172.31.16.139", Bytes: 4249, Packets: 20},
		Destination: Endpoint{IP: "172.31.16.21", Port: 22, Address: "172.31.16.21"},
		Related:     Related{IP: []string{"172.31.16.139", "172.31.16.21"}},
		Network:     Network{Transport: "tcp", Type: "ipv4", IANANumber: "6", Bytes: 4249, Packets: 20},
		Log:         Log{FilePath: "AWSLogs/123456789010/vpcflowlogs/us-east-1/2014/12/14/123456789010_vpcflowlogs_us-east-1_fl-1234abcd_20141214T0405Z_1a2b3c4d.log.gz"},
		AWS: []byte(`{"version":"2","account_id":"123456789010","interface_id":"eni-1235b8ca123456789","srcaddr":"172.31.16.139","dstaddr":"172.31.16.21",` +
			`"srcport":"20641","dstport":"22","protocol":"6","packets":"20","bytes":"4249","start":"1418530010","end":"1418530070","action":"ACCEPT","log_status":"OK"}`),
	}
	size := int64(len(d.AppendJSON(nil)))
	b.Run("AppendJSON", func(b *testing.B) {
		var buf []byte
		b.SetBytes(size)
		b.ReportAllocs()
		start := cpuTime()
		for range b.N {
			buf = d.AppendJSON(buf[:0])
		}
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/doc")
	})
	// The Encoder copies cloud.* and log.file.path, the same in every
	// record of an object, from the previous document.
	b.Run("Encoder", func(b *testing.B) {
		var buf []byte
		var enc Encoder
		b.SetBytes(size)
		b.ReportAllocs()
		start := cpuTime()
		for range b.N {
			buf = enc.AppendJSON(buf[:0], &d)
		}
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/doc")
	})
}

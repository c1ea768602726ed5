package ecs

import (
	"bufio"
	"bytes"
	"encoding/json"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"
)

// The tests here prove that the tuned writer (AppendJSON) writes exactly
// what the straightforward one (refAppendJSON, json_ref_test.go) writes:
// for every document of the golden files of internal/logs, for random
// documents and under fuzzing.

// goldenDocs decodes the golden files of internal/logs (see goldenFile).
func goldenDocs(t *testing.T) map[string][]goldenLine {
	t.Helper()
	paths, err := filepath.Glob("../logs/testdata/*/*.expected.ndjson")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden files found (%v)", err)
	}
	files := map[string][]goldenLine{}
	for _, p := range paths {
		files[p] = goldenFile(t, p)
	}
	return files
}

// goldenFile decodes the _source of every line of a golden file back into
// a Document, failing on any member a Document has no field for, so that a
// document re-encodes to exactly its golden line.
func goldenFile(tb testing.TB, path string) []goldenLine {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var lines []goldenLine
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		var line struct {
			Source json.RawMessage `json:"_source"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			tb.Fatalf("%s:%d: %v", path, n, err)
		}
		if line.Source == nil {
			continue // the closing _stats line
		}
		d, err := decodeGolden(line.Source)
		if err != nil {
			tb.Fatalf("%s:%d: %v", path, n, err)
		}
		lines = append(lines, goldenLine{doc: d, source: line.Source})
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return lines
}

type goldenLine struct {
	doc    Document
	source []byte
}

type goldenEndpoint struct {
	IP      string
	Port    int64
	Address string
	Domain  string
	Bytes   int64
	Packets int64
	Geo     *struct {
		CountryISOCode string `json:"country_iso_code"`
		CountryName    string `json:"country_name"`
		CityName       string `json:"city_name"`
		Location       *struct{ Lat, Lon float64 }
	}
	AS *struct {
		Number       int64
		Organization struct{ Name string }
	}
}

func (g *goldenEndpoint) endpoint() Endpoint {
	e := Endpoint{IP: g.IP, Port: g.Port, Address: g.Address, Domain: g.Domain, Bytes: g.Bytes, Packets: g.Packets}
	if g.Geo != nil {
		e.Geo = &Geo{CountryISOCode: g.Geo.CountryISOCode, CountryName: g.Geo.CountryName, CityName: g.Geo.CityName}
		if g.Geo.Location != nil {
			e.Geo.Lat, e.Geo.Lon = g.Geo.Location.Lat, g.Geo.Location.Lon
		}
	}
	if g.AS != nil {
		e.AS = &AS{Number: g.AS.Number, Organization: g.AS.Organization.Name}
	}
	return e
}

func decodeGolden(src []byte) (Document, error) {
	var g struct {
		Timestamp time.Time `json:"@timestamp"`
		Message   string
		ECS       struct{ Version string }
		Event     struct {
			Kind, Action, Outcome, Dataset, Module, Provider, Code, ID, Original string
			Category, Type                                                       []string
			Created, Ingested, Start, End                                        time.Time
			Severity, Duration                                                   int64
		}
		Cloud struct {
			Provider, Region string
			Account          struct{ ID, Name string }
			Service          struct{ Name string }
			Instance         struct{ ID string }
		}
		Tags                []string
		Source, Destination goldenEndpoint
		User                struct {
			Name, ID, Domain string
			Roles            []string
			Target           struct{ Name, ID string }
		}
		Group     Group
		UserAgent struct{ Original string } `json:"user_agent"`
		Related   Related
		Network   struct {
			Transport, Protocol, Type, Direction string
			IANANumber                           string `json:"iana_number"`
			ForwardedIP                          string `json:"forwarded_ip"`
			Bytes, Packets                       int64
		}
		HTTP struct {
			Request struct {
				Method, Referrer string
				Bytes            int64
			}
			Response struct {
				StatusCode *int64 `json:"status_code"`
				Bytes      int64
			}
			Version string
		}
		URL struct {
			Original, Domain, Path, Query, Scheme string
			Port                                  int64
		}
		DNS struct {
			Question     struct{ Name, Type, Class string }
			ResponseCode string `json:"response_code"`
			Answers      []DNSAnswer
		}
		Rule     Rule
		Observer Observer
		Host     Host
		Process  Process
		TLS      struct {
			Version, Cipher string
			VersionProtocol string `json:"version_protocol"`
			Client          struct {
				ServerName string `json:"server_name"`
			}
		}
		Log struct {
			File   struct{ Path string }
			Offset int64
			Level  string
		}
		Error   Error
		Orgsiem struct {
			ClaimedAccount string `json:"claimed_account"`
		}
		AWS map[string]json.RawMessage
	}
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil {
		return Document{}, err
	}
	d := Document{
		Timestamp: g.Timestamp, Message: g.Message, Position: g.Log.Offset,
		Event: Event{Kind: g.Event.Kind, Category: g.Event.Category, Type: g.Event.Type, Action: g.Event.Action,
			Outcome: g.Event.Outcome, Dataset: g.Event.Dataset, Module: g.Event.Module, Provider: g.Event.Provider, Code: g.Event.Code,
			ID: g.Event.ID, Created: g.Event.Created, Ingested: g.Event.Ingested, Severity: g.Event.Severity, Original: g.Event.Original,
			Start: g.Event.Start, End: g.Event.End, Duration: g.Event.Duration},
		Cloud: Cloud{Provider: g.Cloud.Provider, AccountID: g.Cloud.Account.ID, AccountName: g.Cloud.Account.Name,
			Region: g.Cloud.Region, ServiceName: g.Cloud.Service.Name, InstanceID: g.Cloud.Instance.ID},
		Source: g.Source.endpoint(), Destination: g.Destination.endpoint(),
		User: User{Name: g.User.Name, ID: g.User.ID, Domain: g.User.Domain, Roles: g.User.Roles,
			TargetName: g.User.Target.Name, TargetID: g.User.Target.ID},
		Group: g.Group, UserAgent: g.UserAgent.Original, Related: g.Related, Tags: g.Tags,
		Orgsiem: Orgsiem{ClaimedAccount: g.Orgsiem.ClaimedAccount},
		Network: Network{Transport: g.Network.Transport, Protocol: g.Network.Protocol, Type: g.Network.Type,
			Direction: g.Network.Direction, IANANumber: g.Network.IANANumber, ForwardedIP: g.Network.ForwardedIP,
			Bytes: g.Network.Bytes, Packets: g.Network.Packets},
		HTTP: HTTP{Method: g.HTTP.Request.Method, RequestBytes: g.HTTP.Request.Bytes,
			ResponseBytes: g.HTTP.Response.Bytes, Referrer: g.HTTP.Request.Referrer, Version: g.HTTP.Version},
		URL: URL(g.URL),
		DNS: DNS{QuestionName: g.DNS.Question.Name, QuestionType: g.DNS.Question.Type,
			QuestionClass: g.DNS.Question.Class, ResponseCode: g.DNS.ResponseCode, Answers: g.DNS.Answers},
		Rule: g.Rule, Observer: g.Observer, Host: g.Host, Process: g.Process,
		TLS:   TLS{Version: g.TLS.Version, VersionProtocol: g.TLS.VersionProtocol, Cipher: g.TLS.Cipher, ServerName: g.TLS.Client.ServerName},
		Log:   Log{FilePath: g.Log.File.Path, Level: g.Log.Level},
		Error: g.Error,
	}
	if sc := g.HTTP.Response.StatusCode; sc != nil {
		d.HTTP.StatusCode, d.HTTP.StatusCodeSet = *sc, *sc == 0
	}
	for typ, raw := range g.AWS {
		if typ == CloudWatchLogsType && len(g.AWS) > 1 {
			cw := json.NewDecoder(bytes.NewReader(raw))
			cw.DisallowUnknownFields()
			var c struct {
				ID                  string
				LogGroup            string   `json:"log_group"`
				LogStream           string   `json:"log_stream"`
				Owner               string   `json:"owner"`
				SubscriptionFilters []string `json:"subscription_filters"`
			}
			if err := cw.Decode(&c); err != nil {
				return Document{}, err
			}
			d.CloudWatch = CloudWatch(c)
			continue
		}
		d.Type, d.AWS = typ, raw
	}
	return d, nil
}

func TestAppendJSONMatchesReferenceOnGoldenDocuments(t *testing.T) {
	files := goldenDocs(t)
	paths := slices.Sorted(maps.Keys(files))
	// One Encoder writes all files in turn, as the loader writes object
	// after object: what it remembers must follow every change of object.
	var enc Encoder
	n := 0
	for _, path := range paths {
		for i, l := range files[path] {
			if got := l.doc.AppendJSON(nil); !bytes.Equal(got, l.source) {
				t.Errorf("%s line %d: AppendJSON of the decoded document differs from the golden line\n got  %s\n want %s", path, i+1, got, l.source)
			}
			if got := enc.AppendJSON(nil, &l.doc); !bytes.Equal(got, l.source) {
				t.Errorf("%s line %d: the Encoder differs from the golden line\n got  %s\n want %s", path, i+1, got, l.source)
			}
			if ref := refAppendJSON(&l.doc); !bytes.Equal(ref, l.source) {
				t.Errorf("%s line %d: the reference writer differs from the golden line\n got  %s\n want %s", path, i+1, ref, l.source)
			}
			n++
		}
	}
	if n < 100 {
		t.Errorf("only %d golden documents checked", n)
	}
}

// tricky holds values that exercise every escaping and emptiness rule:
// empty, plain of every length around the 4- and 8-byte word sizes, quotes,
// backslashes, control bytes, invalid UTF-8, U+2028, multi-byte runes.
var tricky = []string{
	"", "", "", "a", "ab", "abc", "abcd", "abcde", "abcdefg", "abcdefgh", "abcdefghi",
	"abcdefghijklmnop", "abcdefghijklmnopq", "aws", "event", "172.31.16.139", "2001:db8::1",
	`q"`, `"abcdefgh`, `abcdefg\`, "tab\there", "nl\n", "\x00", "\x1f\x7f", "\xff", "abcdefgh\xfe",
	"é", "abcdefgé", "\u2028", "abcdefgh\u2029", "✓✓✓✓", "\xe2\x80", "a\xe2\x80\xa8b",
	"AWSLogs/123456789010/vpcflowlogs/us-east-1/2014/12/14/123456789010_vpcflowlogs_us-east-1_fl-1234abcd.log.gz",
}

var trickyRaw = []string{
	`{"a":1}`, `{}`, "{\n  \"a\": \"x\xffy\",\n  \"b\": [1, 2]\n}", `{"a": "b c"}`, "{\"t\":\"\\t\"}",
	"{\r\n\"s\":\"\\\"\x01\"}", `{"u":"é✓"}`, "{\"bad\":\"\xc3\"}", `{"n":{"m":[{"k":null}]}}`,
}

func randomDocument(r *rand.Rand) Document {
	s := func() string { return tricky[r.IntN(len(tricky))] }
	i := func() int64 {
		switch r.IntN(4) {
		case 0, 1:
			return 0
		case 2:
			return r.Int64N(100000)
		}
		return -r.Int64N(1 << 62)
	}
	ss := func() []string {
		n := r.IntN(4)
		if n == 0 {
			return nil
		}
		v := make([]string, n)
		for k := range v {
			v[k] = s()
		}
		return v
	}
	answers := func() []DNSAnswer {
		var v []DNSAnswer
		for range r.IntN(3) {
			v = append(v, DNSAnswer{Data: s(), Type: s(), Class: s()})
		}
		return v
	}
	tm := func() time.Time {
		if r.IntN(3) == 0 {
			return time.Time{}
		}
		return time.Unix(r.Int64N(1<<33)-(1<<31), r.Int64N(3)*r.Int64N(1e9)).In(time.FixedZone("z", 3600*r.IntN(3)))
	}
	ep := func() Endpoint {
		if r.IntN(3) == 0 {
			return Endpoint{}
		}
		e := Endpoint{IP: s(), Port: i(), Address: s(), Domain: s(), Bytes: i(), Packets: i()}
		if r.IntN(3) == 0 {
			lat := []float64{0, 1.5, -33.25, math.NaN(), math.Inf(1)}
			e.Geo = &Geo{CountryISOCode: s(), CountryName: s(), CityName: s(), Lat: lat[r.IntN(len(lat))], Lon: lat[r.IntN(len(lat))]}
		}
		if r.IntN(3) == 0 {
			e.AS = &AS{Number: i(), Organization: s()}
		}
		return e
	}
	d := Document{
		Type:     []string{"", "vpcflow", "cloudtrail", CloudWatchLogsType, `we"ird`}[r.IntN(5)],
		Position: i(), Timestamp: tm(), Message: s(), UserAgent: s(),
		Event: Event{Kind: s(), Category: ss(), Type: ss(), Action: s(), Outcome: s(), Dataset: s(), Module: s(),
			Provider: s(), Code: s(), ID: s(), Created: tm(), Ingested: tm(), Start: tm(), End: tm(), Duration: i(), Severity: i(), Original: s()},
		Tags: ss(), Group: Group{Name: s(), ID: s()}, Orgsiem: Orgsiem{ClaimedAccount: s()},
		Cloud:  Cloud{Provider: s(), AccountID: s(), AccountName: s(), Region: s(), ServiceName: s(), InstanceID: s()},
		Source: ep(), Destination: ep(),
		User:       User{Name: s(), ID: s(), Domain: s(), Roles: ss(), TargetName: s(), TargetID: s()},
		Related:    Related{IP: ss(), User: ss(), Hosts: ss()},
		Network:    Network{Transport: s(), Protocol: s(), Type: s(), Direction: s(), IANANumber: s(), ForwardedIP: s(), Bytes: i(), Packets: i()},
		HTTP:       HTTP{Method: s(), StatusCode: i(), StatusCodeSet: r.IntN(4) == 0, RequestBytes: i(), ResponseBytes: i(), Referrer: s(), Version: s()},
		URL:        URL{Original: s(), Domain: s(), Path: s(), Query: s(), Scheme: s(), Port: i()},
		DNS:        DNS{QuestionName: s(), QuestionType: s(), QuestionClass: s(), ResponseCode: s(), Answers: answers()},
		Rule:       Rule{ID: s(), Name: s(), Ruleset: s(), Category: s(), Description: s()},
		Observer:   Observer{Vendor: s(), Product: s(), Type: s(), Name: s(), ID: s()},
		Host:       Host{Name: s(), Hostname: s()},
		Process:    Process{Name: s(), PID: i()},
		TLS:        TLS{Version: s(), VersionProtocol: s(), Cipher: s(), ServerName: s()},
		Log:        Log{FilePath: s(), Level: s()},
		Error:      Error{Message: s(), Type: s(), Code: s()},
		CloudWatch: CloudWatch{ID: s(), LogGroup: s(), LogStream: s(), Owner: s(), SubscriptionFilters: ss()},
	}
	if r.IntN(4) > 0 {
		d.AWS = []byte(trickyRaw[r.IntN(len(trickyRaw))])
	}
	// Most documents leave most field sets empty: clear each set with
	// probability 1/2 so that emptiness of every set is exercised.
	clear := []func(){
		func() { d.Event = Event{} }, func() { d.Cloud = Cloud{} }, func() { d.User = User{} },
		func() { d.Related = Related{} }, func() { d.Network = Network{} }, func() { d.HTTP = HTTP{} },
		func() { d.URL = URL{} }, func() { d.DNS = DNS{} }, func() { d.Rule = Rule{} },
		func() { d.Observer = Observer{} }, func() { d.Host = Host{} }, func() { d.Process = Process{} },
		func() { d.TLS = TLS{} }, func() { d.Log = Log{} }, func() { d.Error = Error{} },
		func() { d.CloudWatch = CloudWatch{} }, func() { d.Group = Group{} }, func() { d.Tags = nil },
		func() { d.Orgsiem = Orgsiem{} },
	}
	for _, c := range clear {
		if r.IntN(2) == 0 {
			c()
		}
	}
	return d
}

func TestAppendJSONMatchesReferenceOnRandomDocuments(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	// The Encoder sees cloud and log.file.path values repeat and change:
	// most documents take them from a few objects.
	objects := []Document{{}, randomDocument(r), randomDocument(r), randomDocument(r)}
	var enc Encoder
	for n := range 20000 {
		d := randomDocument(r)
		if o := objects[r.IntN(len(objects))]; r.IntN(4) > 0 {
			d.Cloud, d.Log.FilePath = o.Cloud, o.Log.FilePath
		}
		want := refAppendJSON(&d)
		if got := d.AppendJSON([]byte("x")); !bytes.Equal(got[1:], want) {
			t.Fatalf("document %d (%+v):\n got  %s\n want %s", n, d, got[1:], want)
		}
		if got := enc.AppendJSON([]byte("x"), &d); !bytes.Equal(got[1:], want) {
			t.Fatalf("document %d (%+v) through the Encoder:\n got  %s\n want %s", n, d, got[1:], want)
		}
		if !json.Valid(want) {
			t.Fatalf("document %d: invalid JSON %s", n, want)
		}
	}
}

// FuzzAppendJSONMatchesReference fills every string field of a document
// with one of the fuzzed strings (picked by the bits of mask) so that the
// fuzzer explores escaping and emptiness together.
func FuzzAppendJSONMatchesReference(f *testing.F) {
	f.Add("abcdefgh\"", "\xff\u2028x", []byte(`{"a":1}`), uint64(0x5555555555555555), int64(7))
	f.Add("", "aws", []byte("{\n\"b\":\"\xfe\"}"), uint64(0xffff0000ffff0000), int64(-1))
	f.Fuzz(func(t *testing.T, s1, s2 string, aws []byte, mask uint64, n int64) {
		bit := 0
		s := func() string {
			bit++
			switch mask >> (2 * (bit % 32)) & 3 {
			case 1:
				return s1
			case 2:
				return s2
			case 3:
				return s1 + s2
			}
			return ""
		}
		d := Document{Type: s(), Message: s(), Position: n, UserAgent: s(), Timestamp: time.Unix(n, n),
			Event:       Event{Kind: s(), Category: []string{s(), s()}, Action: s(), Dataset: s(), Severity: n},
			Cloud:       Cloud{Provider: s(), AccountID: s(), Region: s(), ServiceName: s()},
			Related:     Related{IP: []string{s(), s(), s()}, User: []string{s()}},
			Source:      Endpoint{IP: s(), Port: n, Address: s(), Geo: &Geo{CityName: s(), Lat: float64(n), Lon: 1 / float64(n)}},
			Destination: Endpoint{Domain: s(), AS: &AS{Organization: s()}},
			URL:         URL{Path: s(), Query: s()}, Host: Host{Hostname: s()}, Process: Process{Name: s()},
			TLS: TLS{ServerName: s()}, Log: Log{FilePath: s()}, Error: Error{Message: s()},
			DNS:        DNS{QuestionName: s(), Answers: []DNSAnswer{{Data: s(), Type: s()}}},
			CloudWatch: CloudWatch{LogGroup: s(), SubscriptionFilters: []string{s()}}, AWS: aws}
		want := refAppendJSON(&d)
		if got := d.AppendJSON(nil); !bytes.Equal(got, want) {
			t.Fatalf("\n got  %s\n want %s", got, want)
		}
		// The Encoder writes d fresh, then from what it remembers, then
		// with the cloud and path changed.
		var enc Encoder
		for range 2 {
			if got := enc.AppendJSON(nil, &d); !bytes.Equal(got, want) {
				t.Fatalf("Encoder:\n got  %s\n want %s", got, want)
			}
		}
		d.Cloud.Region, d.Log.FilePath = d.Cloud.Region+s1, s2
		if got, want := enc.AppendJSON(nil, &d), refAppendJSON(&d); !bytes.Equal(got, want) {
			t.Fatalf("Encoder after a change of cloud and path:\n got  %s\n want %s", got, want)
		}
	})
}

// BenchmarkAppendJSONGolden writes the documents of a few golden files,
// one short text format after another and a JSON one; SetBytes is the
// output, cpu-ns/doc (CPU time, steadier than wall time on a shared
// machine) the figure to compare.
func BenchmarkAppendJSONGolden(b *testing.B) {
	for _, name := range []string{"vpcflow/default-v2", "linux/secure", "elb/alb", "cloudtrail/records"} {
		b.Run(name, func(b *testing.B) {
			lines := goldenFile(b, "../logs/testdata/"+name+".expected.ndjson")
			var buf []byte
			size := 0
			for i := range lines {
				buf = lines[i].doc.AppendJSON(buf[:0])
				size += len(buf)
			}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			start := cpuTime()
			for range b.N {
				for i := range lines {
					buf = lines[i].doc.AppendJSON(buf[:0])
				}
			}
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N*len(lines)), "cpu-ns/doc")
		})
	}
}

// cpuTime is the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

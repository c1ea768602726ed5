package loader

import (
	"bytes"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// testGeoDB builds a small City+ASN style database with mmdbwriter.
func testGeoDB(t testing.TB) []byte {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "orgsiem-Test-City-ASN", RecordSize: 24})
	if err != nil {
		t.Fatal(err)
	}
	insert := func(cidr string, rec mmdbtype.Map) {
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			t.Fatal(err)
		}
		if err := tree.Insert(n, rec); err != nil {
			t.Fatal(err)
		}
	}
	insert("81.2.69.0/24", mmdbtype.Map{
		"country":                        mmdbtype.Map{"iso_code": mmdbtype.String("GB"), "names": mmdbtype.Map{"en": mmdbtype.String("United Kingdom")}},
		"city":                           mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String("London")}},
		"location":                       mmdbtype.Map{"latitude": mmdbtype.Float64(51.5142), "longitude": mmdbtype.Float64(-0.0931)},
		"autonomous_system_number":       mmdbtype.Uint32(20712),
		"autonomous_system_organization": mmdbtype.String("Andrews & Arnold Ltd"),
	})
	insert("2a01:4f8::/32", mmdbtype.Map{
		"country": mmdbtype.Map{"iso_code": mmdbtype.String("SE"), "names": mmdbtype.Map{"en": mmdbtype.String("Sweden")}},
	})
	var buf bytes.Buffer
	if _, err := tree.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGeoIPEnrichesPublicSourceAddresses(t *testing.T) {
	g, err := OpenGeoIP(map[string][]byte{"test.mmdb": testGeoDB(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	tests := []struct {
		name string
		ip   string
		want string // source object as JSON
	}{
		{"a known IPv4 address gets geo and as", "81.2.69.160",
			`{"ip":"81.2.69.160","geo":{"country_iso_code":"GB","country_name":"United Kingdom","city_name":"London","location":{"lat":51.5142,"lon":-0.0931}},"as":{"number":20712,"organization":{"name":"Andrews & Arnold Ltd"}}}`},
		{"an IPv4-mapped IPv6 address is looked up as IPv4", "::ffff:81.2.69.1",
			`{"ip":"::ffff:81.2.69.1","geo":{"country_iso_code":"GB","country_name":"United Kingdom","city_name":"London","location":{"lat":51.5142,"lon":-0.0931}},"as":{"number":20712,"organization":{"name":"Andrews & Arnold Ltd"}}}`},
		{"an IPv6 address with country only gets geo without as", "2a01:4f8::5",
			`{"ip":"2a01:4f8::5","geo":{"country_iso_code":"SE","country_name":"Sweden"}}`},
		{"a private address is left alone", "10.1.2.3", `{"ip":"10.1.2.3"}`},
		{"an unknown public address is left alone", "8.8.8.8", `{"ip":"8.8.8.8"}`},
		{"a source that is not an IP is left alone", "", `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := ecs.Document{Timestamp: time.Unix(0, 0), Source: ecs.Endpoint{IP: tt.ip}}
			if err := g.Enrich(&d); err != nil {
				t.Fatal(err)
			}
			var body struct {
				Source json.RawMessage `json:"source"`
			}
			if err := json.Unmarshal(d.AppendJSON(nil), &body); err != nil {
				t.Fatal(err)
			}
			got := string(body.Source)
			if got == "" {
				got = "null"
			}
			if got != tt.want {
				t.Errorf("source = %s\nwant     %s", got, tt.want)
			}
		})
	}
}

func TestOpenGeoIPNamesABrokenDatabase(t *testing.T) {
	_, err := OpenGeoIP(map[string][]byte{"GeoLite2-City.mmdb": []byte("not a database")})
	if err == nil || !strings.Contains(err.Error(), "GeoLite2-City.mmdb") {
		t.Errorf("got %v, want an error naming the database", err)
	}
}

func TestMetricsAreEmbeddedMetricFormatPerLogType(t *testing.T) {
	var buf bytes.Buffer
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	err := writeEMF(&buf, now, map[string]*Metrics{
		"vpcflow":    {Objects: 1, Records: 10, DocumentsIndexed: 9, Skipped: 1, Lag: []time.Duration{1500 * time.Millisecond}},
		"cloudtrail": {Objects: 2, Records: 5, DocumentsIndexed: 4, DeadLettered: 1, Errors: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want one per log type:\n%s", len(lines), buf.String())
	}
	var doc struct {
		LogType          string  `json:"LogType"`
		DocumentsIndexed float64 `json:"DocumentsIndexed"`
		DeadLettered     float64 `json:"DeadLettered"`
		Lag              []int64 `json:"Lag"`
		AWS              struct {
			Timestamp         int64 `json:"Timestamp"`
			CloudWatchMetrics []struct {
				Namespace  string     `json:"Namespace"`
				Dimensions [][]string `json:"Dimensions"`
				Metrics    []struct{ Name, Unit string }
			} `json:"CloudWatchMetrics"`
		} `json:"_aws"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &doc); err != nil {
		t.Fatal(err)
	}
	d := doc.AWS.CloudWatchMetrics[0]
	if doc.LogType != "cloudtrail" || doc.DocumentsIndexed != 4 || doc.DeadLettered != 1 || doc.AWS.Timestamp != now.UnixMilli() ||
		d.Namespace != "OrgSIEM" || len(d.Dimensions) != 1 || d.Dimensions[0][0] != "LogType" {
		t.Errorf("first line %s", lines[0])
	}
	names := map[string]bool{}
	for _, m := range d.Metrics {
		names[m.Name] = true
	}
	for _, want := range []string{"Objects", "ObjectsFailed", "Records", "DocumentsIndexed", "Errors", "DeadLettered", "NotIndexed", "Skipped", "Bytes", "Continuations", "EnrichmentErrors"} {
		if !names[want] {
			t.Errorf("metric %s not declared in %s", want, lines[0])
		}
	}
	if names["Lag"] {
		t.Error("Lag declared without values")
	}
	if err := json.Unmarshal([]byte(lines[1]), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.LogType != "vpcflow" || len(doc.Lag) != 1 || doc.Lag[0] != 1500 {
		t.Errorf("second line %s", lines[1])
	}
}

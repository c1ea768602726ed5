package logs

import (
	"strings"
	"testing"
)

func init() {
	corpusKnownBad["cloudfront/elastic-integrations/test-cloudfront.log"] =
		"its last record has 31 of the 33 columns its #Fields header names (a truncated line)"
}

const cfHeader = "#Version: 1.0\n#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end\n"

const cfLine = "2019-12-04\t21:02:31\tLAX1\t392\t192.0.2.100\tGET\td111111abcdef8.cloudfront.net\t/index.html\t200\t-\tMozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)%20AppleWebKit/537.36%20(KHTML,%20like%20Gecko)%20Chrome/78.0.3904.108%20Safari/537.36\t-\t-\tHit\tSOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==\twww.example.com\thttps\t23\t0.001\t-\tTLSv1.2\tECDHE-RSA-AES128-GCM-SHA256\tHit\tHTTP/2.0\t-\t-\t11040\t0.001\tHit\ttext/html\t78\t-\t-\n"

func TestCloudFrontFields(t *testing.T) {
	checkFieldCases(t, "cloudfront", []fieldCase{
		{"a standard log record maps to ECS", cfHeader + cfLine, map[string]any{
			"@timestamp": "2019-12-04T21:02:31Z", "source.ip": "192.0.2.100", "source.port": 11040,
			"http.request.method": "GET", "http.response.status_code": 200, "http.response.bytes": 392, "http.request.bytes": 23,
			"http.version": "2.0", "url.domain": "www.example.com", "url.path": "/index.html", "url.scheme": "https", "url.query": nil,
			"user_agent.original": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/78.0.3904.108 Safari/537.36",
			"tls.version":         "1.2", "event.id": "SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==", "event.outcome": "success",
			"aws.cloudfront.x_edge_location": "LAX1", "aws.cloudfront.cs_host": "d111111abcdef8.cloudfront.net",
			"aws.cloudfront.cs_user_agent": "Mozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)%20AppleWebKit/537.36%20(KHTML,%20like%20Gecko)%20Chrome/78.0.3904.108%20Safari/537.36",
			"aws.cloudfront.cs_referer":    nil,
		}},
		{"the #Fields header drives a custom column set",
			"#Version: 1.0\n#Fields: c-ip date time sc-status cs-uri-query c-country\n2001:db8::9\t2023-11-14\t22:13:21\t404\ta=1\tDE\n",
			map[string]any{"source.ip": "2001:db8::9", "@timestamp": "2023-11-14T22:13:21Z", "event.outcome": "failure",
				"url.query": "a=1", "aws.cloudfront.c_country": "DE", "url.domain": nil}},
		{"without a header the documented order is used for a legacy 19-column line",
			"2023-04-24\t21:57:56\tFRA6\t919468\t198.51.100.1\tGET\tsamplehost.com\tpage.html\t404\thttps://www.example.com\tMozilla/5.0%2520(compatible)\turi_query\tcookie\t\tIQU6==\tx_host-header\thttps\t394330\t2\n",
			map[string]any{"url.domain": "x_host-header", "http.request.bytes": 394330, "aws.cloudfront.time_taken": "2",
				"aws.cloudfront.x_edge_result_type": nil, "user_agent.original": "Mozilla/5.0%20(compatible)", "http.request.referrer": "https://www.example.com"}},
		{"a status of 000 (the viewer closed the connection) is status 0 and a failure", cfHeader + strings.Replace(cfLine, "\t200\t", "\t000\t", 1),
			map[string]any{"event.outcome": "failure", "http.response.status_code": 0, "aws.cloudfront.sc_status": "000"}},
		{"header names without letters get a column key",
			"#Fields: date time ()\n2023-11-14\t22:13:21\tx\n",
			map[string]any{"aws.cloudfront.column_3": "x"}},
		{"one trailing tab is tolerated", cfHeader + strings.TrimSuffix(cfLine, "\n") + "\t\n",
			map[string]any{"event.outcome": "success", "aws.cloudfront.sc_range_end": nil}},
	})
}

func TestCloudFrontHeadersAreSkipped(t *testing.T) {
	r := normalizeBytes(t, "cloudfront", "key", []byte(cfHeader+cfLine+cfLine))
	if r.stats.Skipped["header"] != 2 || r.stats.Documents != 2 || r.stats.Records != 4 {
		t.Fatalf("stats %+v", r.stats)
	}
}

func TestCloudFrontErrors(t *testing.T) {
	tests := []struct{ name, input, want string }{
		{"a record shorter than #Fields", cfHeader + "2019-12-04\t21:02:31\tLAX1\n", "3 fields, the #Fields header names 33"},
		{"a header-less line that is too short", "2019-12-04\t21:02:31\tLAX1\n", "no #Fields header and 3 fields"},
		{"a bad date", "#Fields: date time\n2019-02-30\t21:02:31\n", `field date time: "2019-02-30 21:02:31"`},
		{"a format without date and time", "#Fields: c-ip\n192.0.2.1\n", "no date and time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs := normalizeBytes(t, "cloudfront", "key", []byte(tt.input)).errorMessages()
			if len(msgs) != 1 || !strings.Contains(msgs[0], tt.want) {
				t.Fatalf("errors %q, want one containing %q", msgs, tt.want)
			}
		})
	}
}

func FuzzCloudFront(f *testing.F) {
	f.Add([]byte(cfHeader + cfLine))
	f.Add([]byte("#Fields: c-ip date time sc-status\n2001:db8::9\t2023-11-14\t22:13:21\t404\n\n#x\n"))
	f.Add([]byte("2023-04-24\t21:57:56\tFRA6\t1\t198.51.100.1\tGET\th\tp\t404\t-\tua\tq\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzTextType(t, "cloudfront", data) })
}

func BenchmarkCloudFront(b *testing.B) {
	benchText(b, "cloudfront", repeatToSize(cfHeader, cfLine, 4<<20))
}

package logs

// Amazon CloudFront standard logs (access logs).
//
// Format: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logs-reference.html
// (W3C extended log file format; field list:
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/AccessLogs.html#BasicDistributionFileFormat).
//
// Tab-separated values; the file starts with the directives "#Version: 1.0"
// and "#Fields: date time x-edge-location ...", which name the columns of
// the records that follow. Every line starting with '#' is a directive,
// reported as a skipped record with reason "header". A file without a
// #Fields directive is read with the documented field order (33 fields);
// each older CloudFront layout was a prefix of it, so a header-less line
// may hold the first 12 to 33 fields (the corpus has a 19-column file of
// that kind). With a #Fields directive a line must have exactly as many
// columns (one trailing empty column, left by a trailing tab, is ignored).
// Values are URL-encoded where they could contain spaces or special
// characters ("-" marks an absent value).
//
// aws.cloudfront keeps every column under its W3C name in snake_case
// ("x-edge-location" → x_edge_location, "cs(User-Agent)" → cs_user_agent),
// as logged (still URL-encoded). ECS: @timestamp from date and time,
// source.ip (c-ip) and source.port (c-port), http.request.method,
// http.response.status_code, http.response.bytes (sc-bytes),
// http.request.bytes (cs-bytes), http.request.referrer, http.version,
// url.domain (x-host-header, else cs(Host)), url.path (cs-uri-stem),
// url.query, url.scheme (cs-protocol), user_agent.original (URL-decoded),
// tls.*, event.id (x-edge-request-id), event.outcome from the status
// (sc-status 000, a viewer that closed the connection before the response,
// is http.response.status_code 0 and a failure), network.forwarded_ip (the
// first address of x-forwarded-for: the viewer behind a proxy) and every
// address of c-ip and x-forwarded-for in related.ip.

import (
	"errors"
	"fmt"
	"strings"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

type cfField uint8

const (
	cfOther cfField = iota
	cfDate
	cfTime
	cfSCBytes
	cfCIP
	cfMethod
	cfCSHost
	cfURIStem
	cfStatus
	cfReferer
	cfUserAgent
	cfURIQuery
	cfRequestID
	cfHostHeader
	cfProtocol
	cfCSBytes
	cfSSLProtocol
	cfSSLCipher
	cfProtocolVersion
	cfCPort
	cfForwardedFor
)

var cfFieldIDs = map[string]cfField{
	"date": cfDate, "time": cfTime, "sc-bytes": cfSCBytes, "c-ip": cfCIP,
	"cs-method": cfMethod, "cs(Host)": cfCSHost, "cs-uri-stem": cfURIStem,
	"sc-status": cfStatus, "cs(Referer)": cfReferer, "cs(User-Agent)": cfUserAgent,
	"cs-uri-query": cfURIQuery, "x-edge-request-id": cfRequestID,
	"x-host-header": cfHostHeader, "cs-protocol": cfProtocol, "cs-bytes": cfCSBytes,
	"ssl-protocol": cfSSLProtocol, "ssl-cipher": cfSSLCipher,
	"cs-protocol-version": cfProtocolVersion, "c-port": cfCPort, "x-forwarded-for": cfForwardedFor,
}

// cfDefaultFields is the documented field order of standard logs.
var cfDefaultFields = strings.Fields(`date time x-edge-location sc-bytes c-ip cs-method cs(Host)
	cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type
	x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol
	ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields
	c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len
	sc-range-start sc-range-end`)

// cfMinDefaultFields is the shortest header-less line accepted (date to
// cs-uri-query).
const cfMinDefaultFields = 12

type cfColumn struct {
	key    string
	member string // memberKey(key)
	id     cfField
}

func newCFLayout(names []string) []cfColumn {
	l := make([]cfColumn, len(names))
	keys := headerKeys(names)
	for i, n := range names {
		l[i] = cfColumn{key: keys[i], member: memberKey(keys[i]), id: cfFieldIDs[n]}
	}
	return l
}

var cfDefaultLayout = newCFLayout(cfDefaultFields)

type cloudFrontParser struct {
	layout  []cfColumn // from #Fields; nil until one is seen
	fields  []string
	obj     textObject
	related []string // related.ip of the current document, reused
}

func parseCloudFront(in *Input, out *Output) error {
	p := &cloudFrontParser{fields: make([]string, 0, 48)}
	return scanLines(in, out, func(line []byte, lineNo int64) error {
		if line[0] == '#' {
			if rest, ok := strings.CutPrefix(string(line), "#Fields:"); ok {
				p.layout = newCFLayout(strings.Fields(rest))
			}
			out.Skip("header")
			return nil
		}
		d := out.Doc()
		err := p.record(d, string(line))
		if err == nil && d.Timestamp.IsZero() {
			err = errors.New("the record has no date and time: no time to index it by")
		}
		if err != nil {
			return out.Fail(line, fmt.Errorf("line %d: %w", lineNo, err))
		}
		return out.Emit(d)
	})
}

// splitTabs splits s at every tab, appending to dst.
func splitTabs(s string, dst []string) []string {
	for {
		i := strings.IndexByte(s, '\t')
		if i < 0 {
			return append(dst, s)
		}
		dst = append(dst, s[:i])
		s = s[i+1:]
	}
}

func (p *cloudFrontParser) record(d *ecs.Document, s string) error {
	f := splitTabs(s, p.fields[:0])
	p.fields = f
	layout := p.layout
	if n := len(f); n > 1 && f[n-1] == "" && (layout == nil || n == len(layout)+1) {
		f = f[:n-1] // trailing tab
	}
	switch {
	case layout != nil:
		if len(f) != len(layout) {
			return fmt.Errorf("%d fields, the #Fields header names %d", len(f), len(layout))
		}
	case len(f) < cfMinDefaultFields || len(f) > len(cfDefaultLayout):
		return fmt.Errorf("no #Fields header and %d fields (want %d to %d in the documented order)",
			len(f), cfMinDefaultFields, len(cfDefaultLayout))
	default:
		layout = cfDefaultLayout[:len(f)]
	}
	var date, clock, host, hostHeader, forwarded string
	d.Related.IP = p.related[:0]
	defer func() { p.related = d.Related.IP }()
	var err error
	p.obj.resetLine(s, true)
	for i := range layout {
		col, v := &layout[i], f[i]
		if v == "-" || v == "" {
			continue
		}
		p.obj.member(col.member, v)
		switch col.id {
		case cfDate:
			date = v
		case cfTime:
			clock = v
		case cfSCBytes:
			d.HTTP.ResponseBytes, err = optInt("sc-bytes", v)
		case cfCSBytes:
			d.HTTP.RequestBytes, err = optInt("cs-bytes", v)
		case cfStatus:
			d.HTTP.StatusCode, err = optInt("sc-status", v)
			// 000: the viewer closed the connection before CloudFront
			// could respond (standard-logs-reference.html): status 0,
			// written, and a failed request.
			d.HTTP.StatusCodeSet = err == nil
		case cfCPort:
			d.Source.Port, err = optInt("c-port", v)
		case cfCIP:
			if ip := setEndpoint(&d.Source, v); ip != "" {
				d.Related.IP = append(d.Related.IP, ip)
			}
		case cfForwardedFor:
			forwarded = v
		case cfMethod:
			d.HTTP.Method = v
		case cfCSHost:
			host = v
		case cfHostHeader:
			hostHeader = v
		case cfURIStem:
			d.URL.Path = v
		case cfURIQuery:
			d.URL.Query = v
		case cfReferer:
			d.HTTP.Referrer = v
		case cfUserAgent:
			d.UserAgent = urlUnescape(v)
		case cfRequestID:
			d.Event.ID = v
		case cfProtocol:
			d.URL.Scheme = v
		case cfSSLProtocol:
			d.TLS.Version = tlsVersion(v)
		case cfSSLCipher:
			d.TLS.Cipher = v
		case cfProtocolVersion:
			d.HTTP.Version = strings.TrimPrefix(v, "HTTP/")
		}
		if err != nil {
			return err
		}
	}
	d.AWS = p.obj.bytes()
	if date != "" || clock != "" {
		t, ok := parseDateTime(date, clock)
		if !ok {
			return &fieldError{Field: "date time", Value: date + " " + clock, Want: "a YYYY-MM-DD hh:mm:ss time"}
		}
		d.Timestamp = t
	}
	if hostHeader != "" {
		d.URL.Domain = hostHeader
	} else {
		d.URL.Domain = host
	}
	d.Cloud.ServiceName = "cloudfront"
	d.Network.Protocol = "http"
	d.Event.Category, d.Event.Type = categoryWeb, typeAccess
	d.Event.Outcome = httpOutcome(d.HTTP.StatusCode)
	if d.HTTP.StatusCodeSet && d.HTTP.StatusCode == 0 {
		d.Event.Outcome = "failure"
	}
	if forwarded != "" {
		// The viewer behind a proxy, then any proxies: comma-separated
		// IPv4 and IPv6 addresses, URL-encoded like every value.
		for i, a := range strings.Split(urlUnescape(forwarded), ",") {
			ip := validIP(strings.TrimSpace(a))
			if ip == "" {
				continue
			}
			if i == 0 {
				d.Network.ForwardedIP = ip
			}
			d.Related.IP = append(d.Related.IP, ip)
		}
	}
	return nil
}

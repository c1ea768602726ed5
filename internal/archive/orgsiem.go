package archive

import (
	"strconv"
	"strings"
	"time"
)

// Segment escaping. orgsiem writes free-form values (log group names, file
// names, dead-letter log types) as single key segments. A value is
// percent-encoded byte by byte, with upper-case hex, except the bytes
// A-Z a-z 0-9 . _ - which stay as they are. So '/' becomes %2F, '%' %25 and
// '#' %23 (S3 lists '#' among the characters to avoid in keys), and
// /aws/lambda/my-fn reads as %2Faws%2Flambda%2Fmy-fn. Three values would
// make odd segments and are spelled differently: the empty value is "-",
// "-" itself is %2D, and "." and ".." are %2E and %2E%2E. Every string
// round-trips.

const upperHex = "0123456789ABCDEF"

func plainByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
}

// writeEscaped writes s as one escaped key segment.
func writeEscaped(b *strings.Builder, s string) {
	switch s {
	case "":
		b.WriteByte('-')
		return
	case "-":
		b.WriteString("%2D")
		return
	case ".":
		b.WriteString("%2E")
		return
	case "..":
		b.WriteString("%2E%2E")
		return
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if plainByte(c) {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(upperHex[c>>4])
			b.WriteByte(upperHex[c&15])
		}
	}
}

// escapedLen is the length writeEscaped writes for s.
func escapedLen(s string) int {
	switch s {
	case "":
		return 1
	case "-", ".":
		return 3
	case "..":
		return 6
	}
	n := len(s)
	for i := 0; i < len(s); i++ {
		if !plainByte(s[i]) {
			n += 2
		}
	}
	return n
}

// unescapeSegment reverses writeEscaped. It accepts either hex case and
// plain bytes outside the escaped set; it fails on an empty segment and
// on a '%' not followed by two hex digits.
func unescapeSegment(seg string) (string, bool) {
	if seg == "-" {
		return "", true
	}
	if seg == "" {
		return "", false
	}
	if strings.IndexByte(seg, '%') < 0 {
		return seg, true
	}
	var b strings.Builder
	b.Grow(len(seg)) // an upper bound; malformed escapes are rejected below
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+2 >= len(seg) {
			return "", false
		}
		hi, ok1 := unhex(seg[i+1])
		lo, ok2 := unhex(seg[i+2])
		if !ok1 || !ok2 {
			return "", false
		}
		b.WriteByte(hi<<4 | lo)
		i += 2
	}
	return b.String(), true
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// writeHourPath writes YYYY/MM/DD/HH of t in UTC. Years outside 0-9999 are
// written as they are and then fail to parse.
func writeHourPath(b *strings.Builder, t time.Time) {
	t = t.UTC()
	y, m, d := t.Date()
	if y >= 0 && y <= 9999 {
		write2(b, y/100)
		write2(b, y%100)
	} else {
		b.WriteString(strconv.Itoa(y))
	}
	b.WriteByte('/')
	write2(b, int(m))
	b.WriteByte('/')
	write2(b, d)
	b.WriteByte('/')
	write2(b, t.Hour())
}

func write2(b *strings.Builder, v int) {
	b.WriteByte(byte('0' + v/10))
	b.WriteByte(byte('0' + v%10))
}

// CWLogsKey is the key the transfer Lambda writes a batch of CloudWatch
// Logs events under, one NDJSON line per event (id, timestamp, message,
// logGroup, logStream, owner):
//
//	CWLogs/<account>/<region>/<escaped log group>/YYYY/MM/DD/HH/<escaped name>.json.gz
//
// account is the 12-digit owner of the log group and region its Region
// (Parse rejects others); logGroup is escaped into one segment (see the
// escaping rules above: '/' is %2F); t is the batch time, written in UTC at
// hour precision; name is the object's unique name without extension
// (".json.gz" is appended) and is escaped too.
func CWLogsKey(account, region, logGroup string, t time.Time, name string) string {
	var b strings.Builder
	b.Grow(len(CWLogsPrefix) + escapedLen(account) + escapedLen(region) + escapedLen(logGroup) + escapedLen(name) + len("/YYYY/MM/DD/HH/.json.gz") + 2)
	b.WriteString(CWLogsPrefix)
	writeEscaped(&b, account)
	b.WriteByte('/')
	writeEscaped(&b, region)
	b.WriteByte('/')
	writeEscaped(&b, logGroup)
	b.WriteByte('/')
	writeHourPath(&b, t)
	b.WriteByte('/')
	writeEscaped(&b, name)
	b.WriteString(".json.gz")
	return b.String()
}

// parseCWLogs reads the part of a CWLogs/ key after the prefix.
func parseCWLogs(key, rest string) (Location, error) {
	r := reader{key: key, layout: "CWLogs", rest: rest}
	account, err := r.account()
	if err != nil {
		return Location{}, err
	}
	region, err := r.region()
	if err != nil {
		return Location{}, err
	}
	seg, _ := r.next()
	group, ok := unescapeSegment(seg)
	if !ok || group == "" {
		return Location{}, r.fail("log group segment %q is not a percent-escaped log group name", seg)
	}
	t, err := r.date("hour")
	if err != nil {
		return Location{}, err
	}
	if _, err := r.file(); err != nil {
		return Location{}, err
	}
	return Location{Key: key, Source: SourceOrgSIEM, LogType: TypeCloudWatchLogs,
		Account: account, Region: region, LogGroup: group, Time: t}, nil
}

// DeadLetterKey is the key a document OpenSearch refused is kept under,
// with the reason; objects there are never re-ingested (Parse reports
// Skip = SkipDeadLetter):
//
//	DeadLetter/<escaped type>/<escaped account>/YYYY/MM/DD/HH/<escaped name>
//
// logType is the document's log type, account its account ("" when the
// object had none, written "-"), t the time of the refusal in UTC at hour
// precision, name the object's unique name including any extension. Every
// value is escaped, so any string round-trips.
func DeadLetterKey(logType, account string, t time.Time, name string) string {
	var b strings.Builder
	b.Grow(len(DeadLetterPrefix) + escapedLen(logType) + escapedLen(account) + escapedLen(name) + len("/YYYY/MM/DD/HH/") + 1)
	b.WriteString(DeadLetterPrefix)
	writeEscaped(&b, logType)
	b.WriteByte('/')
	writeEscaped(&b, account)
	b.WriteByte('/')
	writeHourPath(&b, t)
	b.WriteByte('/')
	writeEscaped(&b, name)
	return b.String()
}

// parseDeadLetter reads the part of a DeadLetter/ key after the prefix.
// Type and account are not validated: the key only has to say where the
// document came from.
func parseDeadLetter(key, rest string) (Location, error) {
	r := reader{key: key, layout: "DeadLetter", rest: rest}
	seg, _ := r.next()
	typ, ok := unescapeSegment(seg)
	if !ok {
		return Location{}, r.fail("log type segment %q is not percent-escaped", seg)
	}
	seg, _ = r.next()
	account, ok := unescapeSegment(seg)
	if !ok {
		return Location{}, r.fail("account segment %q is not percent-escaped", seg)
	}
	t, err := r.date("hour")
	if err != nil {
		return Location{}, err
	}
	if _, err := r.file(); err != nil {
		return Location{}, err
	}
	return Location{Key: key, Source: SourceOrgSIEM, LogType: typ, Account: account, Time: t, Skip: SkipDeadLetter}, nil
}

// parseTyped reads a key of the typed-prefix convention, <type>/<anything>:
// the place to point deliveries whose AWS key does not say what they are.
// Examples:
//
//	s3access/2025-01-02-03-04-05-0123456789ABCDEF        (S3 server access logs, TargetPrefix "s3access/")
//	s3access/123456789012/us-east-1/my-bucket/2025/01/02/2025-01-02-03-04-05-0123456789ABCDEF (partitioned)
//	cloudfront/E2ABC.2025-01-02-03.abcd.gz               (CloudFront standard logs, prefix "cloudfront/")
//	securityhub/2025/01/02/03/orgsiem-findings-1-2025-01-02-03-04-05-<uuid>  (EventBridge → Firehose, prefix "securityhub/")
//	guardduty/2025/01/02/03/...                          (the same for GuardDuty findings)
//
// Source is SourceAWS. Time comes from Firehose's YYYY/MM/DD/HH directories
// right after the prefix, then from a Firehose object name, then from the
// type's own AWS file name, each more precise one overriding; account,
// region, resource and Skip come from the type's AWS file name when the name
// follows it. Nothing after the prefix is required, so it never fails.
func parseTyped(key, typ, rest string) Location {
	loc := Location{Key: key, Source: SourceAWS, LogType: typ}
	if t, ok := leadingDate(rest); ok {
		loc.Time = t
	}
	dir, name := splitLast(rest)
	if t, ok := firehoseTime(name); ok {
		loc.Time = t
	}
	switch typ {
	case TypeS3Access:
		if t, ok := s3AccessName(name, false); ok {
			loc.Time = t
			s3AccessPartition(dir, &loc)
		}
	case TypeCloudFront:
		if dist, t, ok := cloudFrontName(name); ok {
			loc.Resource, loc.Time = dist, t
		}
	default:
		if ni := parseServiceName(name); ni.logType == typ {
			loc.Skip, loc.Account, loc.Region, loc.Resource = ni.skip, ni.account, ni.region, ni.resource
			if !ni.t.IsZero() {
				loc.Time = ni.t
			}
		}
	}
	return loc
}

// leadingDate reads YYYY/MM/DD[/HH]/ at the start of rest (Firehose's
// default prefix after a custom one).
func leadingDate(rest string) (time.Time, bool) {
	y, r, ok := strings.Cut(rest, "/")
	if !ok {
		return time.Time{}, false
	}
	m, r, ok := strings.Cut(r, "/")
	if !ok {
		return time.Time{}, false
	}
	d, r, ok := strings.Cut(r, "/")
	if !ok {
		return time.Time{}, false
	}
	t, ok := clock(y, m, d, "", "", "")
	if !ok {
		return time.Time{}, false
	}
	if h, _, ok := strings.Cut(r, "/"); ok {
		if hh, ok := atoi(h, 2); ok && hh <= 23 {
			t = t.Add(time.Duration(hh) * time.Hour)
		}
	}
	return t, true
}

// AccountWritePrefixes returns the key prefixes, each ending in '*', that
// the writers of one account may put objects under, for the archive bucket
// policy: AWSLogs/<orgID>/<account>/* (omitted when orgID is empty),
// AWSLogs/<account>/* (services writing on the account's behalf) and
// CWLogs/<account>/* (the account's transfer Lambda). account is a 12-digit
// id or an IAM policy variable such as ${aws:PrincipalAccount}; it is used
// as given, so callers validate ids with ValidAccountID.
func AccountWritePrefixes(orgID, account string) []string {
	p := make([]string, 0, 3)
	if orgID != "" {
		p = append(p, AWSLogsPrefix+orgID+"/"+account+"/*")
	}
	return append(p, AWSLogsPrefix+account+"/*", CWLogsPrefix+account+"/*")
}

// TrailPrefix returns the key prefix, ending in '*', the organization trail
// writes under (AWSLogs/<orgID>/*), for the AWSCloudTrailOrganizationWrite
// statement of the bucket policy. Given a management account id instead it
// gives that account's AWSLogs/<account>/* prefix for AWSCloudTrailWrite.
func TrailPrefix(orgID string) string {
	return AWSLogsPrefix + orgID + "/*"
}

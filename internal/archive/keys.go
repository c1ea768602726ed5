package archive

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// Location is what a key of the archive says about its object. String
// fields are substrings of the key where the key spells them literally, so
// Parse does not allocate for AWS layouts.
type Location struct {
	Key     string
	Source  string // who wrote it: SourceAWS or SourceOrgSIEM
	LogType string // a Type* constant; empty only for SkipFolder
	OrgID   string // o-xxxxxxxxxx for organization trails, else empty
	Account string // 12-digit account id, empty when the key carries none
	// Region is the AWS Region the key names, empty when it names none
	// (Route 53 Resolver, S3 access logs in the simple form, CloudFront,
	// WAF web ACLs of CloudFront scope whose key says "cloudfront").
	Region string
	// LogGroup is set for CloudWatch Logs objects (unescaped).
	LogGroup string
	// Resource is the resource the log is about, as the key spells it: the
	// load balancer id (app.<name>.<id>, net.<name>.<id>, or the Classic
	// load balancer name), the VPC flow log id, the WAF web ACL name, the VPC
	// id of Route 53 Resolver logs, the Network Firewall name, the CloudFront
	// distribution id, or the source bucket of partitioned S3 access logs.
	// Empty when the key does not name one.
	Resource string
	// Time is the delivery time the key carries, in UTC, at the precision
	// the key has (day, hour, minute or second; the most precise of the
	// directory names and the file name). Zero when the key has no time.
	Time time.Time
	// Skip names why objects at this key are not indexed (a Skip* constant),
	// else empty.
	Skip string
}

// UnknownKeyError reports a key that matches no known layout.
type UnknownKeyError struct{ Key string }

func (e *UnknownKeyError) Error() string {
	return fmt.Sprintf("archive: key %q matches no known layout", e.Key)
}

// KeyError reports a key that follows a known layout but carries a
// malformed part (account, region, organization id, date, escape ...).
type KeyError struct {
	Key    string
	Layout string // the layout the key was read as, e.g. "cloudtrail", "cwlogs"
	Reason string
}

func (e *KeyError) Error() string {
	return fmt.Sprintf("archive: key %q (%s layout): %s", e.Key, e.Layout, e.Reason)
}

// Parse maps a key of the archive to its Location. The layouts are tried in
// this order; the first that applies decides:
//
//  1. A key ending in '/' is a folder marker: Skip = SkipFolder, no error.
//  2. orgsiem's own prefixes at the start of the key: CWLogs/ and
//     DeadLetter/. They are strict: a malformed part is a *KeyError.
//  3. The first AWSLogs/ segment, anywhere (after any configured prefix),
//     followed by a known service (CloudTrail, CloudTrail-Digest,
//     CloudTrail-Insight, vpcflowlogs, elasticloadbalancing, WAFLogs,
//     vpcdnsquerylogs, network-firewall, GuardDuty, or the Hive-compatible
//     VPC flow log partitions). Strict: a malformed account, region,
//     organization id or date is a *KeyError. An unknown service falls
//     through to the next rules.
//  4. The typed prefix: a first segment equal to a Type* name. Everything
//     after it is free-form; account, region, resource and time are read
//     from it where it follows the type's AWS file name or Firehose's
//     YYYY/MM/DD/HH/<stream>-<version>-YYYY-MM-DD-HH-MM-SS-<uuid> naming.
//     It never fails.
//  5. A file name that identifies itself, after any prefix: S3 server
//     access logs (simple and partitioned), CloudFront standard logs, WAF
//     through Firehose (aws-waf-logs-*), and the <account>_<service>_...
//     names AWS gives CloudTrail, VPC flow, ELB, WAF, Resolver and Network
//     Firewall files.
//
// Anything else is an *UnknownKeyError naming the key.
func Parse(key string) (Location, error) {
	if key == "" {
		return Location{}, &UnknownKeyError{Key: key}
	}
	if key[len(key)-1] == '/' {
		return Location{Key: key, Skip: SkipFolder}, nil
	}
	first, rest, _ := strings.Cut(key, "/")
	switch first {
	case "CWLogs":
		return parseCWLogs(key, rest)
	case "DeadLetter":
		return parseDeadLetter(key, rest)
	}
	if i := awsLogsIndex(key); i >= 0 {
		loc, ok, err := parseAWSLogs(key, key[i+len(AWSLogsPrefix):])
		if ok || err != nil {
			return loc, err
		}
	}
	if rest != "" && IsType(first) {
		return parseTyped(key, first, rest), nil
	}
	if loc, ok := parseByName(key); ok {
		return loc, nil
	}
	return Location{}, &UnknownKeyError{Key: key}
}

// ParseLocal maps a local file path to a Location, for the CLI scanning
// files copied out of the archive or the shared corpus. It tries Parse on
// the path's suffix starting at each path segment, from the leftmost, and
// the first suffix that parses, or follows a layout but is malformed
// (*KeyError), decides: so /tmp/x/AWSLogs/123456789012/CloudTrail/... reads
// as the CloudTrail layout, and /work/shared/corpus/cloudtrail/a/b.json
// reads through the typed-prefix convention ("cloudtrail" is a type name).
//
// Precedence follows from that: a layout AWS wrote into the path (an AWSLogs
// layout or a self-identifying file name) wins over a type-named folder above
// it, because the leftmost suffix already contains it and Parse tries AWS
// layouts before the typed prefix; among type-named folders the outermost
// wins; a malformed AWSLogs path is reported, never re-read by an inner
// suffix. Besides the Type* names, ParseLocal accepts the snake_case folder
// names of the shared corpus (s3_access, route53_resolver, network_firewall,
// cloudwatch_logs, linux_secure) as typed prefixes; Parse does not.
//
// Location.Key and the Key of either error type are path.
func ParseLocal(path string) (Location, error) {
	p := filepath.ToSlash(path)
	for start := 0; start < len(p); {
		if p[start] != '/' {
			loc, err := parseLocalSuffix(p[start:])
			if err == nil {
				loc.Key = path
				return loc, nil
			}
			var ke *KeyError
			if errors.As(err, &ke) {
				return Location{}, &KeyError{Key: path, Layout: ke.Layout, Reason: ke.Reason}
			}
		}
		i := strings.IndexByte(p[start:], '/')
		if i < 0 {
			break
		}
		start += i + 1
	}
	return Location{}, &UnknownKeyError{Key: path}
}

func parseLocalSuffix(s string) (Location, error) {
	loc, err := Parse(s)
	if err == nil {
		return loc, nil
	}
	first, rest, _ := strings.Cut(s, "/")
	if typ := localAlias(first); typ != "" && rest != "" && !errors.As(err, new(*KeyError)) {
		return parseTyped(s, typ, rest), nil
	}
	return loc, err
}

// localAlias maps the shared corpus's folder names that differ from the
// Type* names to the type; "" for any other name.
func localAlias(dir string) string {
	switch dir {
	case "s3_access":
		return TypeS3Access
	case "route53_resolver":
		return TypeRoute53Resolver
	case "network_firewall":
		return TypeNetworkFirewall
	case "cloudwatch_logs":
		return TypeCloudWatchLogs
	case "linux_secure":
		return TypeLinux
	}
	return ""
}

// awsLogsIndex returns the offset of the first AWSLogs/ segment of key, or -1.
func awsLogsIndex(key string) int {
	if strings.HasPrefix(key, AWSLogsPrefix) {
		return 0
	}
	if i := strings.Index(key, "/"+AWSLogsPrefix); i >= 0 {
		return i + 1
	}
	return -1
}

// ValidAccountID reports whether s is a 12-digit AWS account id.
func ValidAccountID(s string) bool {
	return len(s) == 12 && allDigits(s)
}

// ValidOrgID reports whether s is an AWS Organizations id: "o-" followed by
// 10 to 32 lowercase letters or digits.
func ValidOrgID(s string) bool {
	if len(s) < 12 || len(s) > 34 || s[0] != 'o' || s[1] != '-' {
		return false
	}
	for i := 2; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// ValidRegion reports whether s has the shape of an AWS Region code: a
// two-letter area, one or more lowercase words and a number, separated by
// '-' (us-east-1, us-gov-west-1, eu-isoe-west-1, ap-southeast-5).
func ValidRegion(s string) bool {
	if len(s) < 6 || len(s) > 32 {
		return false
	}
	if !isLower(s[0]) || !isLower(s[1]) || s[2] != '-' {
		return false
	}
	last := strings.LastIndexByte(s, '-')
	if last <= 2 || last == len(s)-1 || len(s)-last-1 > 2 || !allDigits(s[last+1:]) {
		return false
	}
	word := 0
	for i := 3; i < last; i++ {
		switch c := s[i]; {
		case isLower(c):
			word++
		case c == '-' && word > 0:
			word = 0
		default:
			return false
		}
	}
	return word > 0
}

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// atoi reads s, which must be exactly n decimal digits (n <= 9).
func atoi(s string, n int) (int, bool) {
	if len(s) != n {
		return 0, false
	}
	v := 0
	for i := 0; i < n; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// clock builds a UTC time from the calendar fields of a key: a 4-digit
// year and 2-digit month, day, hour, minute and second, where "" stands
// for a zero hour, minute or second. It rejects other shapes and
// out-of-range values (month 13, February 30, hour 24 ...).
func clock(year, month, day, hour, minute, second string) (time.Time, bool) {
	y, ok1 := atoi(year, 4)
	mo, ok2 := atoi(month, 2)
	d, ok3 := atoi(day, 2)
	h, ok4 := atoiOrZero(hour)
	mi, ok5 := atoiOrZero(minute)
	s, ok6 := atoiOrZero(second)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 ||
		y < 1 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, s, 0, time.UTC)
	if t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

func atoiOrZero(s string) (int, bool) {
	if s == "" {
		return 0, true
	}
	return atoi(s, 2)
}

// reader walks the '/'-separated segments of a key for one layout and
// builds its *KeyError values.
type reader struct {
	key    string
	layout string
	rest   string
}

// next returns the next segment; ok is false when none is left.
func (r *reader) next() (seg string, ok bool) {
	if r.rest == "" {
		return "", false
	}
	seg, r.rest, _ = strings.Cut(r.rest, "/")
	return seg, true
}

func (r *reader) fail(format string, args ...any) error {
	return &KeyError{Key: r.key, Layout: r.layout, Reason: fmt.Sprintf(format, args...)}
}

func (r *reader) account() (string, error) {
	s, _ := r.next()
	if !ValidAccountID(s) {
		return "", r.fail("account %q is not a 12-digit account id", s)
	}
	return s, nil
}

func (r *reader) region() (string, error) {
	s, _ := r.next()
	if !ValidRegion(s) {
		return "", r.fail("region %q is not an AWS Region code", s)
	}
	return s, nil
}

// nonEmpty reads a segment that names something (web ACL, VPC id ...).
func (r *reader) nonEmpty(what string) (string, error) {
	s, _ := r.next()
	if s == "" {
		return "", r.fail("missing %s", what)
	}
	return s, nil
}

// date reads YYYY/MM/DD and, for each of units ("hour", "minute"), one more
// two-digit segment.
func (r *reader) date(units ...string) (time.Time, error) {
	y, _ := r.next()
	m, _ := r.next()
	d, _ := r.next()
	t, ok := clock(y, m, d, "", "", "")
	if !ok {
		return time.Time{}, r.fail("date %q is not a valid YYYY/MM/DD", y+"/"+m+"/"+d)
	}
	for _, unit := range units {
		s, _ := r.next()
		v, ok := atoi(s, 2)
		limit := 23
		if unit == "minute" {
			limit = 59
		}
		if !ok || v > limit {
			return time.Time{}, r.fail("%s %q is not two digits in 00-%d", unit, s, limit)
		}
		if unit == "minute" {
			t = t.Add(time.Duration(v) * time.Minute)
		} else {
			t = t.Add(time.Duration(v) * time.Hour)
		}
	}
	return t, nil
}

// optionalHour reads one more HH segment when more than the file name is
// left, for layouts with optional hourly partitions.
func (r *reader) optionalHour(t time.Time) (time.Time, error) {
	if !strings.Contains(r.rest, "/") {
		return t, nil
	}
	s, _ := r.next()
	h, ok := atoi(s, 2)
	if !ok || h > 23 {
		return time.Time{}, r.fail("hour %q is not two digits in 00-23", s)
	}
	return t.Add(time.Duration(h) * time.Hour), nil
}

// file reads the last segment, the object's name.
func (r *reader) file() (string, error) {
	s, ok := r.next()
	if !ok || s == "" {
		return "", r.fail("missing file name")
	}
	if r.rest != "" {
		return "", r.fail("expected a single file name after the date, got %q", s+"/"+r.rest)
	}
	return s, nil
}

package logs

// Shared scanning helpers of the text log formats (VPC Flow Logs, ELB, S3
// server access logs, CloudFront standard logs). They work on one line at a
// time: the line is converted to a string once per record and every field is
// a substring of it, so a record costs one string allocation however many
// fields it has. Nothing here uses regular expressions.

import (
	"errors"
	"fmt"
	"io"
	"math/bits"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// scanLines drives a line-oriented parser: it reads every line of in and
// calls record for each, after reporting overlong lines as error documents
// and blank lines as skipped ("blank-line"). It returns what stops reading.
func scanLines(in *Input, out *Output, record func(line []byte, lineNo int64) error) error {
	for {
		line, err := in.ReadLine()
		switch {
		case err != nil:
			if err = readLineError(in, out, err); errors.Is(err, io.EOF) {
				return nil
			}
		case len(trimSpaceBytes(line)) == 0:
			out.Skip("blank-line")
		default:
			err = record(line, in.LineNumber())
		}
		if err != nil {
			return err
		}
	}
}

// readLineError handles what ReadLine returned instead of a line: nil at
// the end, an error document for an overlong line (reading goes on), else
// the error that stops reading.
func readLineError(in *Input, out *Output, err error) error {
	var tooLong *LineTooLongError
	switch {
	case errors.Is(err, io.EOF):
		return io.EOF
	case errors.As(err, &tooLong):
		return out.Fail(tooLong.Prefix, tooLong)
	}
	return fmt.Errorf("line %d: %w", in.LineNumber()+1, err)
}

func trimSpaceBytes(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// splitSpaced splits an ELB / S3 / VPC style line into its fields and
// appends them to dst. Fields are separated by runs of spaces. A field that
// starts with a double quote runs to the next unescaped double quote that is
// followed by a space or the end of the line (a backslash escapes the next
// byte); a field that starts with '[' runs at least to the next ']'. Fields
// keep their quotes and brackets; see unquote.
func splitSpaced(s string, dst []string) ([]string, error) {
	i := 0
	for {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i >= len(s) {
			return dst, nil
		}
		start := i
		switch s[i] {
		case '"':
			i++
			for {
				if i >= len(s) {
					return dst, fmt.Errorf("unterminated quoted field starting at byte %d", start+1)
				}
				c := s[i]
				if c == '\\' {
					i += 2
					continue
				}
				i++
				if c == '"' && (i >= len(s) || s[i] == ' ') {
					break
				}
			}
		case '[':
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return dst, fmt.Errorf("unterminated bracketed field starting at byte %d", start+1)
			}
			i += end + 1
			for i < len(s) && s[i] != ' ' {
				i++
			}
		default:
			for i < len(s) && s[i] != ' ' {
				i++
			}
		}
		dst = append(dst, s[start:i])
	}
}

// unquote strips the double quotes of a quoted field and resolves the
// backslash escapes \" and \\ (other escapes are kept as written). A field
// without quotes is returned unchanged. It allocates only when the field
// contains an escape.
func unquote(f string) string {
	if len(f) < 2 || f[0] != '"' || f[len(f)-1] != '"' {
		return f
	}
	f = f[1 : len(f)-1]
	if strings.IndexByte(f, '\\') < 0 {
		return f
	}
	var b strings.Builder
	b.Grow(len(f))
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c == '\\' && i+1 < len(f) && (f[i+1] == '"' || f[i+1] == '\\') {
			i++
			c = f[i]
		}
		b.WriteByte(c)
	}
	return b.String()
}

// present returns v, or "" when v is the absent marker "-" (AWS writes "-"
// for values that are not applicable or unknown).
func present(v string) string {
	if v == "-" {
		return ""
	}
	return v
}

// parseDecimal parses an optionally negative base-10 integer without
// allocating. ok is false for anything else, including overflow.
func parseDecimal(s string) (n int64, ok bool) {
	neg := false
	if len(s) > 0 && s[0] == '-' {
		neg, s = true, s[1:]
	}
	if len(s) == 0 {
		return 0, false
	}
	if len(s) > 18 { // may overflow: let strconv check (rare)
		v, err := strconv.ParseUint(s, 10, 63)
		if err != nil {
			return 0, false
		}
		n = int64(v)
	} else {
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int64(c-'0')
		}
	}
	if neg {
		n = -n
	}
	return n, true
}

// fieldError describes a field whose value does not have the documented
// shape.
type fieldError struct {
	Field, Value, Want string
}

func (e *fieldError) Error() string {
	v := e.Value
	if len(v) > 64 {
		v = v[:64] + "..."
	}
	return fmt.Sprintf("field %s: %q is not %s", e.Field, v, e.Want)
}

// optInt parses a numeric field that may be absent ("-"). It returns 0 for an
// absent value and a *fieldError for anything that is not an integer.
func optInt(name, v string) (int64, error) {
	if v == "-" || v == "" {
		return 0, nil
	}
	n, ok := parseDecimal(v)
	if !ok {
		return 0, &fieldError{Field: name, Value: v, Want: "an integer"}
	}
	return n, nil
}

// setEndpoint sets e.IP when addr is a valid IP address (e.Address always
// keeps the logged value) and returns the IP, or "".
func setEndpoint(e *ecs.Endpoint, addr string) string {
	addr = present(addr)
	if addr == "" {
		return ""
	}
	e.Address = addr
	if isIPv4(addr) || isIPv6(addr) { // the usual forms, without netip's generality
		e.IP = addr
		return addr
	}
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return ""
	}
	if a.Zone() != "" {
		a = a.WithZone("")
		e.IP = a.String()
	} else {
		e.IP = addr
	}
	return e.IP
}

// validIP returns s in the form related.ip and *.ip keep when s is an IP
// address (a zone dropped), else "".
func validIP(s string) string {
	var e ecs.Endpoint
	return setEndpoint(&e, s)
}

// isIPv4 reports whether s is an IPv4 address in the form
// netip.ParseAddr accepts: four decimal numbers from 0 to 255 without
// leading zeros, separated by dots. netip.ParseAddr(s) then succeeds and
// its String() is s (TestIsIPAgreesWithNetip, FuzzFastIP).
func isIPv4(s string) bool {
	if len(s) < len("0.0.0.0") || len(s) > len("255.255.255.255") {
		return false
	}
	dots, n, digits := 0, 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if digits > 0 && n == 0 { // a leading zero
				return false
			}
			n = n*10 + int(c-'0')
			digits++
			if n > 255 {
				return false
			}
		case c == '.' && digits > 0 && dots < 3:
			dots++
			n, digits = 0, 0
		default:
			return false
		}
	}
	return dots == 3 && digits > 0
}

// isIPv6 reports whether s is an IPv6 address in the usual form: groups of
// one to four hexadecimal digits separated by colons, eight of them or
// fewer with one "::". netip.ParseAddr accepts such an s, without a zone
// (TestIsIPAgreesWithNetip, FuzzFastIP); it is left to decide the rarer
// forms (an IPv4 tail, a zone).
func isIPv6(s string) bool {
	if len(s) < len("::") || len(s) > len("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") {
		return false
	}
	groups, digits, ellipsis, i := 0, 0, false, 0
	if s[0] == ':' { // only as the start of a leading "::"
		if s[1] != ':' {
			return false
		}
		ellipsis, i = true, 2
	}
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case isHex(c):
			if digits++; digits > 4 {
				return false
			}
		case c != ':':
			return false
		case digits > 0: // the colon after a group
			if i == len(s)-1 {
				return false
			}
			groups++
			digits = 0
		case ellipsis: // a second "::" (or ":::")
			return false
		default: // the second colon of "::"
			ellipsis = true
		}
	}
	if digits > 0 {
		groups++
	}
	if ellipsis {
		return groups <= 7 // "::" stands for at least one group
	}
	return groups == 8
}

// splitHostPort splits "ip:port", "[ipv6]:port" or an unbracketed IPv6
// address followed by ":port" (the port is what follows the last colon).
// ok is false when there is no numeric port.
func splitHostPort(s string) (host string, port int64, ok bool) {
	if len(s) > 0 && s[0] == '[' {
		end := strings.IndexByte(s, ']')
		if end < 0 || end+1 >= len(s) || s[end+1] != ':' {
			return "", 0, false
		}
		p, pok := parseDecimal(s[end+2:])
		return s[1:end], p, pok && p >= 0 && p <= 65535
	}
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return "", 0, false
	}
	p, pok := parseDecimal(s[i+1:])
	return s[:i], p, pok && p >= 0 && p <= 65535
}

// setHostPort fills e from an "ip:port" field. An absent value ("-") leaves
// e empty; a value without a port is kept as the address.
func setHostPort(e *ecs.Endpoint, v string) string {
	v = present(v)
	if v == "" {
		return ""
	}
	host, port, ok := splitHostPort(v)
	if !ok {
		e.Address = v
		return ""
	}
	e.Port = port
	return setEndpoint(e, host)
}

// tlsVersion turns "TLSv1.2", "TLSV1.1", "tlsv12" or "TLSv1" into the ECS
// tls.version number ("1.2", "1.1", "1.2", "1.0"); other values are
// returned unchanged.
func tlsVersion(v string) string {
	v = present(v)
	if len(v) < 4 || !strings.EqualFold(v[:4], "tlsv") {
		return v
	}
	n := v[4:]
	switch n {
	case "1", "10", "1.0":
		return "1.0"
	case "11", "1.1":
		return "1.1"
	case "12", "1.2":
		return "1.2"
	case "13", "1.3":
		return "1.3"
	}
	return n
}

// httpOutcome is event.outcome from an HTTP status code.
func httpOutcome(status int64) string {
	switch {
	case status >= 100 && status < 400:
		return "success"
	case status >= 400 && status < 600:
		return "failure"
	}
	return ""
}

// Event categorisations shared by the text formats. They are never modified.
var (
	categoryWeb     = []string{"web"}
	categoryNetwork = []string{"network"}
	typeAccess      = []string{"access"}
	typeConnection  = []string{"connection"}
)

// twoDigits parses exactly two ASCII digits.
func twoDigits(s string) (int, bool) {
	if len(s) != 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}

func fourDigits(s string) (int, bool) {
	if len(s) != 4 {
		return 0, false
	}
	a, ok1 := twoDigits(s[:2])
	b, ok2 := twoDigits(s[2:4])
	return a*100 + b, len(s) == 4 && ok1 && ok2
}

// parseDateTime builds a UTC time from "YYYY-MM-DD" and "hh:mm:ss[.frac]"
// and checks that every component is in range.
func parseDateTime(date, clock string) (time.Time, bool) {
	if len(date) != 10 || date[4] != '-' || date[7] != '-' {
		return time.Time{}, false
	}
	y, ok1 := fourDigits(date[:4])
	mo, ok2 := twoDigits(date[5:7])
	d, ok3 := twoDigits(date[8:10])
	if !(ok1 && ok2 && ok3) {
		return time.Time{}, false
	}
	return makeTime(y, mo, d, clock)
}

// makeTime builds a UTC time from a date and "hh:mm:ss[.frac]".
func makeTime(y, mo, d int, clock string) (time.Time, bool) {
	if len(clock) < 8 || clock[2] != ':' || clock[5] != ':' {
		return time.Time{}, false
	}
	h, ok4 := twoDigits(clock[:2])
	mi, ok5 := twoDigits(clock[3:5])
	se, ok6 := twoDigits(clock[6:8])
	if !(ok4 && ok5 && ok6) {
		return time.Time{}, false
	}
	nsec := 0
	if rest := clock[8:]; rest != "" {
		if rest[0] != '.' || len(rest) < 2 || len(rest) > 10 {
			return time.Time{}, false
		}
		scale := 100_000_000
		for i := 1; i < len(rest); i++ {
			c := rest[i]
			if c < '0' || c > '9' {
				return time.Time{}, false
			}
			nsec += int(c-'0') * scale
			scale /= 10
		}
	}
	if mo < 1 || mo > 12 || d < 1 || d > daysIn(mo, y) || h > 23 || mi > 59 || se > 60 {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(mo), d, h, mi, se, nsec, time.UTC), true
}

func daysIn(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// parseISOTime parses the ISO 8601 times of ELB logs:
// "2018-07-02T22:23:00.186641Z", "2018-12-20T02:59:40" (NLB, UTC without a
// zone designator).
func parseISOTime(s string) (time.Time, bool) {
	if len(s) < 19 || s[10] != 'T' {
		return time.Time{}, false
	}
	clock := s[11:]
	if clock[len(clock)-1] == 'Z' {
		clock = clock[:len(clock)-1]
	}
	return parseDateTime(s[:10], clock)
}

// textObject writes the aws.<type> object into a reused buffer. Values are
// JSON strings holding the field as logged; absent ("-") and empty values
// are left out.
type textObject struct {
	// buf holds the members, each with a leading comma; bytes turns the
	// first comma into the opening brace.
	buf []byte
	// plain is set by resetLine when the values to come need no JSON
	// escaping: they are then copied without a check each.
	plain bool
}

func (o *textObject) reset() {
	o.buf = o.buf[:0]
	o.plain = false
}

// resetLine is reset for an object whose values are all made of bytes of
// line (substrings, or substrings with escapes removed) and, with tabs,
// never hold a tab (fields split at tabs). One check of the whole line
// replaces the escaping check of every value.
func (o *textObject) resetLine(line string, tabs bool) {
	o.buf = o.buf[:0]
	o.plain = jsonPlain(line, tabs)
}

// str adds key: value unless value is empty or "-". key must not need
// escaping (field names are ASCII identifiers).
func (o *textObject) str(key, value string) {
	if value == "" || value == "-" {
		return
	}
	o.buf = append(o.buf, ',', '"')
	o.buf = append(o.buf, key...)
	o.buf = append(o.buf, '"', ':')
	o.value(value)
}

// memberKey is key as member takes it: `,"key":"`.
func memberKey(key string) string { return `,"` + key + `":"` }

// member adds key: value, with the key given as memberKey(key) (built once
// by parsers that add the same keys record after record). The caller has
// left out absent and empty values.
// (Small enough to be inlined: on a textObject in a local variable the
// appends then need no write barriers.)
func (o *textObject) member(mkey, value string) {
	if !o.plain {
		o.escapedMember(mkey, value)
		return
	}
	o.buf = append(append(append(o.buf, mkey...), value...), '"')
}

func (o *textObject) escapedMember(mkey, value string) {
	o.buf = append(o.buf, mkey[:len(mkey)-1]...)
	o.buf = ecs.AppendJSONString(o.buf, value)
}

func (o *textObject) value(v string) {
	if o.plain {
		o.buf = append(o.buf, '"')
		o.buf = append(o.buf, v...)
		o.buf = append(o.buf, '"')
		return
	}
	o.buf = ecs.AppendJSONString(o.buf, v)
}

// bytes closes the object and returns it; valid until the next reset.
func (o *textObject) bytes() []byte {
	if len(o.buf) == 0 {
		o.buf = append(o.buf, '{', '}')
		return o.buf
	}
	o.buf[0] = '{'
	o.buf = append(o.buf, '}')
	return o.buf
}

// Lanes of 8 bytes in a uint64, for the word-at-a-time scans below.
const (
	lanes01 = 0x0101010101010101
	lanes80 = 0x8080808080808080
)

// word loads s[0:8] as a little-endian uint64 (one load on amd64/arm64).
func word(s string) uint64 {
	s = s[:8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// jsonPlain reports whether a JSON string holds every byte of s as it is:
// s is printable ASCII (0x20 to 0x7f) without '"' and '\\' (what
// ecs.AppendJSONString copies without escaping). With tabs, s may also hold
// tabs (separators, which no value contains).
func jsonPlain(s string, tabs bool) bool {
	var acc uint64
	i := 0
	for ; len(s)-i >= 8; i += 8 {
		x := word(s[i:])
		if tabs {
			// Tab lanes become ')' (0x29): t is zero exactly in them, and
			// the high bit of z is set exactly in the other lanes.
			t := x ^ (lanes01 * '\t')
			z := (t&^lanes80 + lanes01*0x7f) | t
			x |= (^z & lanes80) >> 2
		}
		q := x ^ (lanes01 * '"')
		bs := x ^ (lanes01 * '\\')
		// A lane's high bit is set for a byte < 0x20, '"', '\\' or >= 0x80
		// (or above such a byte, which does not change the answer).
		acc |= (x-lanes01*0x20)&^x | (q-lanes01)&^q | (bs-lanes01)&^bs | x
	}
	if acc&lanes80 != 0 {
		return false
	}
	for ; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && !(tabs && c == '\t')) || c >= 0x80 || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// nextBlank returns the index of the first space or tab in s at or after
// i, or len(s).
func nextBlank(s string, i int) int {
	for ; len(s)-i >= 8; i += 8 {
		x := word(s[i:])
		sp := x ^ (lanes01 * ' ')
		tab := x ^ (lanes01 * '\t')
		// The lowest lane flagged is the first space or tab: lanes above a
		// match may be flagged wrongly, lanes below it never are.
		if m := ((sp-lanes01)&^sp | (tab-lanes01)&^tab) & lanes80; m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(s); i++ {
		if s[i] == ' ' || s[i] == '\t' {
			return i
		}
	}
	return len(s)
}

// fieldKey turns a logged field name into its aws.<type> key: lower case,
// every run of other characters than letters and digits becomes one '_',
// with no leading or trailing '_' ("account-id" → "account_id",
// "cs(User-Agent)" → "cs_user_agent"). Used when a header names the fields.
func fieldKey(name string) string {
	var b strings.Builder
	pending := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		default:
			pending = b.Len() > 0
			continue
		}
		if pending {
			b.WriteByte('_')
			pending = false
		}
		b.WriteByte(c)
	}
	return b.String()
}

// headerKeys turns the field names of a header line into aws.<type> keys
// (fieldKey), made unique and never empty so that the object stays
// indexable: a name without letters or digits becomes column_<n>, a repeated
// key gets _<n> appended.
func headerKeys(names []string) []string {
	keys := make([]string, len(names))
	seen := make(map[string]bool, len(names))
	for i, n := range names {
		k := fieldKey(n)
		if k == "" {
			k = "column_" + strconv.Itoa(i+1)
		}
		for j := 2; seen[k]; j++ {
			k = fieldKey(n) + "_" + strconv.Itoa(j)
		}
		seen[k] = true
		keys[i] = k
	}
	return keys
}

// splitURL splits an absolute or origin-form URL into its parts without
// allocating. Host may be a bracketed IPv6 literal; port is 0 when absent or
// not numeric.
func splitURL(u string) (scheme, host string, port int64, path, query string) {
	rest := u
	if i := strings.Index(rest, "://"); i > 0 {
		scheme, rest = rest[:i], rest[i+3:]
		end := strings.IndexAny(rest, "/?")
		if end < 0 {
			end = len(rest)
		}
		hp := rest[:end]
		rest = rest[end:]
		host = hp
		if len(hp) > 0 && hp[0] == '[' {
			if j := strings.IndexByte(hp, ']'); j > 0 {
				host = hp[1:j]
				if len(hp) > j+2 && hp[j+1] == ':' {
					port, _ = parseDecimal(hp[j+2:])
				}
			}
		} else if j := strings.LastIndexByte(hp, ':'); j >= 0 {
			host = hp[:j]
			if p, ok := parseDecimal(hp[j+1:]); ok {
				port = p
			}
		}
	}
	path = rest
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		path, query = rest[:i], rest[i+1:]
	}
	return scheme, host, port, path, query
}

// setRequestLine fills http.* and url.* from an HTTP request line
// "METHOD URL VERSION" as ELB and S3 log it. The URL may contain spaces
// (ALB logs it as sent); "-" parts are absent.
func setRequestLine(d *ecs.Document, req string) {
	req = strings.TrimSpace(req)
	if req == "" || req == "-" {
		return
	}
	method, rest, _ := strings.Cut(req, " ")
	d.HTTP.Method = present(method)
	target := strings.TrimSpace(rest)
	if i := strings.LastIndexByte(target, ' '); i >= 0 && strings.HasPrefix(target[i+1:], "HTTP/") {
		d.HTTP.Version = target[i+6:]
		target = strings.TrimSpace(target[:i])
	} else if strings.HasPrefix(target, "HTTP/") {
		target = ""
	}
	if i := strings.LastIndexByte(target, ' '); i >= 0 && target[i+1:] == "-" {
		target = strings.TrimSpace(target[:i]) // "- - -": no URL, no version
	}
	if target == "" || target == "-" {
		return
	}
	d.URL.Original = target
	scheme, host, port, path, query := splitURL(target)
	d.URL.Scheme, d.URL.Domain, d.URL.Port, d.URL.Path, d.URL.Query = scheme, host, port, path, query
}

// urlUnescape decodes %XX escapes (RFC 3986 percent-encoding; '+' is kept).
// Malformed escapes are kept as written. It allocates only when s holds an
// escape.
func urlUnescape(s string) string {
	i := strings.IndexByte(s, '%')
	if i < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	b = append(b, s[:i]...)
	for ; i < len(s); i++ {
		c := s[i]
		if c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, c)
	}
	return string(b)
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

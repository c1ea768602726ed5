package ecs

import (
	"bytes"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// AppendJSON appends the document body (the _source sent to OpenSearch) to
// buf as one line of JSON and returns the extended buffer.
//
// Objects are nested ("event":{"action":...}); only non-zero fields are
// written, except log.offset (Position), which is always written, and
// ecs.version. @timestamp is RFC3339Nano in UTC. related.ip and related.user
// are deduplicated, empty values dropped. aws.<Type> is d.AWS written as is
// after two repairs that keep the output one line of valid UTF-8: whitespace
// outside strings is removed and invalid UTF-8 is replaced by U+FFFD.
// d.AWS must hold a JSON object (parsers guarantee it by construction); the
// writer does not validate its structure.
//
// Strings are escaped per RFC 8259; invalid UTF-8 becomes U+FFFD, U+2028
// and U+2029 are escaped.
func (d *Document) AppendJSON(buf []byte) []byte {
	b := append(buf, '{')
	if !d.Timestamp.IsZero() {
		b = appendKey(b, `"@timestamp":`)
		b = appendTime(b, d.Timestamp)
	}
	b = appendStringField(b, `"message":`, d.Message)

	b = appendKey(b, `"ecs":{"version":`)
	b = appendString(b, Version)
	b = append(b, '}')

	var m [2]int
	b = d.Event.appendJSON(b)
	b = d.Cloud.appendJSON(b)
	if d.Source != (Endpoint{}) {
		b = d.Source.appendJSON(b, `"source":`)
	}
	if d.Destination != (Endpoint{}) {
		b = d.Destination.appendJSON(b, `"destination":`)
	}
	if d.User != (User{}) {
		m = openObject(&b, `"user":`)
		b = appendStringField(b, `"name":`, d.User.Name)
		b = appendStringField(b, `"id":`, d.User.ID)
		b = appendStringField(b, `"domain":`, d.User.Domain)
		closeObject(&b, m)
	}
	if d.UserAgent != "" {
		m = openObject(&b, `"user_agent":`)
		b = appendStringField(b, `"original":`, d.UserAgent)
		closeObject(&b, m)
	}
	if len(d.Related.IP)+len(d.Related.User) > 0 {
		m = openObject(&b, `"related":`)
		b = appendUniqueStrings(b, `"ip":`, d.Related.IP)
		b = appendUniqueStrings(b, `"user":`, d.Related.User)
		closeObject(&b, m)
	}
	if d.Network != (Network{}) {
		b = d.Network.appendJSON(b)
	}
	if d.HTTP != (HTTP{}) {
		b = d.HTTP.appendJSON(b)
	}
	if d.URL != (URL{}) {
		b = d.URL.appendJSON(b)
	}
	if !d.DNS.isZero() {
		b = d.DNS.appendJSON(b)
	}
	if d.Rule != (Rule{}) {
		b = d.Rule.appendJSON(b)
	}
	if d.Observer != (Observer{}) {
		b = d.Observer.appendJSON(b)
	}
	if d.Host != (Host{}) {
		m = openObject(&b, `"host":`)
		b = appendStringField(b, `"name":`, d.Host.Name)
		b = appendStringField(b, `"hostname":`, d.Host.Hostname)
		closeObject(&b, m)
	}
	if d.Process != (Process{}) {
		m = openObject(&b, `"process":`)
		b = appendStringField(b, `"name":`, d.Process.Name)
		b = appendIntField(b, `"pid":`, d.Process.PID)
		closeObject(&b, m)
	}
	if d.TLS != (TLS{}) {
		m = openObject(&b, `"tls":`)
		b = appendStringField(b, `"version":`, d.TLS.Version)
		b = appendStringField(b, `"cipher":`, d.TLS.Cipher)
		m2 := openObject(&b, `"client":`)
		b = appendStringField(b, `"server_name":`, d.TLS.ServerName)
		closeObject(&b, m2)
		closeObject(&b, m)
	}

	m = openObject(&b, `"log":`)
	m2 := openObject(&b, `"file":`)
	b = appendStringField(b, `"path":`, d.Log.FilePath)
	closeObject(&b, m2)
	b = appendKey(b, `"offset":`)
	b = strconv.AppendInt(b, d.Position, 10)
	b = appendStringField(b, `"level":`, d.Log.Level)
	closeObject(&b, m)

	m = openObject(&b, `"error":`)
	b = appendStringField(b, `"message":`, d.Error.Message)
	b = appendStringField(b, `"type":`, d.Error.Type)
	closeObject(&b, m)

	m = openObject(&b, `"aws":`)
	hasAWS := len(d.AWS) > 0 && d.Type != ""
	if hasAWS {
		if b[len(b)-1] != '{' {
			b = append(b, ',')
		}
		b = appendString(b, d.Type) // a registry name; escaped all the same
		b = append(b, ':')
		b = appendRawJSON(b, d.AWS)
	}
	if !(hasAWS && d.Type == CloudWatchLogsType) {
		b = d.CloudWatch.appendJSON(b)
	}
	closeObject(&b, m)

	return append(b, '}')
}

func (r *Rule) appendJSON(b []byte) []byte {
	m := openObject(&b, `"rule":`)
	b = appendStringField(b, `"id":`, r.ID)
	b = appendStringField(b, `"name":`, r.Name)
	b = appendStringField(b, `"ruleset":`, r.Ruleset)
	b = appendStringField(b, `"category":`, r.Category)
	b = appendStringField(b, `"description":`, r.Description)
	closeObject(&b, m)
	return b
}

func (o *Observer) appendJSON(b []byte) []byte {
	m := openObject(&b, `"observer":`)
	b = appendStringField(b, `"vendor":`, o.Vendor)
	b = appendStringField(b, `"product":`, o.Product)
	b = appendStringField(b, `"type":`, o.Type)
	b = appendStringField(b, `"name":`, o.Name)
	b = appendStringField(b, `"id":`, o.ID)
	closeObject(&b, m)
	return b
}

func (d *DNS) isZero() bool {
	return d.QuestionName == "" && d.QuestionType == "" && d.QuestionClass == "" && d.ResponseCode == "" && len(d.Answers) == 0
}

func (e *Event) appendJSON(b []byte) []byte {
	m := openObject(&b, `"event":`)
	b = appendStringField(b, `"kind":`, e.Kind)
	b = appendStrings(b, `"category":`, e.Category)
	b = appendStrings(b, `"type":`, e.Type)
	b = appendStringField(b, `"action":`, e.Action)
	b = appendStringField(b, `"outcome":`, e.Outcome)
	b = appendStringField(b, `"dataset":`, e.Dataset)
	b = appendStringField(b, `"module":`, e.Module)
	b = appendStringField(b, `"provider":`, e.Provider)
	b = appendStringField(b, `"id":`, e.ID)
	if !e.Created.IsZero() {
		b = appendKey(b, `"created":`)
		b = appendTime(b, e.Created)
	}
	b = appendIntField(b, `"severity":`, e.Severity)
	b = appendStringField(b, `"original":`, e.Original)
	closeObject(&b, m)
	return b
}

func (c *Cloud) appendJSON(b []byte) []byte {
	m := openObject(&b, `"cloud":`)
	b = appendStringField(b, `"provider":`, c.Provider)
	m2 := openObject(&b, `"account":`)
	b = appendStringField(b, `"id":`, c.AccountID)
	b = appendStringField(b, `"name":`, c.AccountName)
	closeObject(&b, m2)
	b = appendStringField(b, `"region":`, c.Region)
	m2 = openObject(&b, `"service":`)
	b = appendStringField(b, `"name":`, c.ServiceName)
	closeObject(&b, m2)
	m2 = openObject(&b, `"instance":`)
	b = appendStringField(b, `"id":`, c.InstanceID)
	closeObject(&b, m2)
	closeObject(&b, m)
	return b
}

func (e *Endpoint) appendJSON(b []byte, name string) []byte {
	m := openObject(&b, name)
	b = appendStringField(b, `"ip":`, e.IP)
	b = appendIntField(b, `"port":`, e.Port)
	b = appendStringField(b, `"address":`, e.Address)
	b = appendStringField(b, `"domain":`, e.Domain)
	b = appendIntField(b, `"bytes":`, e.Bytes)
	b = appendIntField(b, `"packets":`, e.Packets)
	if g := e.Geo; g != nil {
		m2 := openObject(&b, `"geo":`)
		b = appendStringField(b, `"country_iso_code":`, g.CountryISOCode)
		b = appendStringField(b, `"country_name":`, g.CountryName)
		b = appendStringField(b, `"city_name":`, g.CityName)
		if (g.Lat != 0 || g.Lon != 0) && finite(g.Lat) && finite(g.Lon) {
			b = appendKey(b, `"location":`)
			b = append(b, `{"lat":`...)
			b = strconv.AppendFloat(b, g.Lat, 'f', -1, 64)
			b = append(b, `,"lon":`...)
			b = strconv.AppendFloat(b, g.Lon, 'f', -1, 64)
			b = append(b, '}')
		}
		closeObject(&b, m2)
	}
	if a := e.AS; a != nil {
		m2 := openObject(&b, `"as":`)
		b = appendIntField(b, `"number":`, a.Number)
		m3 := openObject(&b, `"organization":`)
		b = appendStringField(b, `"name":`, a.Organization)
		closeObject(&b, m3)
		closeObject(&b, m2)
	}
	closeObject(&b, m)
	return b
}

func (n *Network) appendJSON(b []byte) []byte {
	m := openObject(&b, `"network":`)
	b = appendStringField(b, `"transport":`, n.Transport)
	b = appendStringField(b, `"protocol":`, n.Protocol)
	b = appendStringField(b, `"type":`, n.Type)
	b = appendStringField(b, `"direction":`, n.Direction)
	b = appendStringField(b, `"iana_number":`, n.IANANumber)
	b = appendIntField(b, `"bytes":`, n.Bytes)
	b = appendIntField(b, `"packets":`, n.Packets)
	closeObject(&b, m)
	return b
}

func (h *HTTP) appendJSON(b []byte) []byte {
	m := openObject(&b, `"http":`)
	m2 := openObject(&b, `"request":`)
	b = appendStringField(b, `"method":`, h.Method)
	b = appendIntField(b, `"bytes":`, h.RequestBytes)
	b = appendStringField(b, `"referrer":`, h.Referrer)
	closeObject(&b, m2)
	m2 = openObject(&b, `"response":`)
	b = appendIntField(b, `"status_code":`, h.StatusCode)
	b = appendIntField(b, `"bytes":`, h.ResponseBytes)
	closeObject(&b, m2)
	b = appendStringField(b, `"version":`, h.Version)
	closeObject(&b, m)
	return b
}

func (u *URL) appendJSON(b []byte) []byte {
	m := openObject(&b, `"url":`)
	b = appendStringField(b, `"original":`, u.Original)
	b = appendStringField(b, `"domain":`, u.Domain)
	b = appendStringField(b, `"path":`, u.Path)
	b = appendStringField(b, `"query":`, u.Query)
	b = appendStringField(b, `"scheme":`, u.Scheme)
	b = appendIntField(b, `"port":`, u.Port)
	closeObject(&b, m)
	return b
}

func (d *DNS) appendJSON(b []byte) []byte {
	m := openObject(&b, `"dns":`)
	m2 := openObject(&b, `"question":`)
	b = appendStringField(b, `"name":`, d.QuestionName)
	b = appendStringField(b, `"type":`, d.QuestionType)
	b = appendStringField(b, `"class":`, d.QuestionClass)
	closeObject(&b, m2)
	b = appendStringField(b, `"response_code":`, d.ResponseCode)
	if len(d.Answers) > 0 {
		b = appendKey(b, `"answers":`)
		b = append(b, '[')
		for i, a := range d.Answers {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"data":`...)
			b = appendString(b, a)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	closeObject(&b, m)
	return b
}

func (c *CloudWatch) appendJSON(b []byte) []byte {
	m := openObject(&b, `"`+CloudWatchLogsType+`":`)
	b = appendStringField(b, `"id":`, c.ID)
	b = appendStringField(b, `"log_group":`, c.LogGroup)
	b = appendStringField(b, `"log_stream":`, c.LogStream)
	b = appendStringField(b, `"owner":`, c.Owner)
	b = appendStrings(b, `"subscription_filters":`, c.SubscriptionFilters)
	closeObject(&b, m)
	return b
}

// The writer's helpers take a member key as its encoded token `"name":`,
// so that a key costs one append.

// openObject writes `"name":{` (key is `"name":`, with a leading comma when
// needed) and returns the mark closeObject needs to close it or, if nothing
// was written inside, to remove it again.
func openObject(b *[]byte, key string) [2]int {
	start := len(*b)
	*b = appendKey(*b, key)
	*b = append(*b, '{')
	return [2]int{start, len(*b)}
}

func closeObject(b *[]byte, m [2]int) {
	if len(*b) == m[1] {
		*b = (*b)[:m[0]]
		return
	}
	*b = append(*b, '}')
}

// appendKey writes key (`"name":`), preceded by a comma unless it is the
// first member of the enclosing object. Every value the writer emits ends
// in a byte other than '{', so the previous byte tells which case applies.
func appendKey(b []byte, key string) []byte {
	if b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	return append(b, key...)
}

func appendStringField(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	b = appendKey(b, key)
	return appendString(b, v)
}

func appendIntField(b []byte, key string, v int64) []byte {
	if v == 0 {
		return b
	}
	b = appendKey(b, key)
	return strconv.AppendInt(b, v, 10)
}

func appendStrings(b []byte, key string, vs []string) []byte {
	if len(vs) == 0 {
		return b
	}
	b = appendKey(b, key)
	b = append(b, '[')
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, v)
	}
	return append(b, ']')
}

// appendUniqueStrings writes the non-empty values of vs, each once, in
// first-seen order.
func appendUniqueStrings(b []byte, key string, vs []string) []byte {
	n := 0
	for i, v := range vs {
		if v == "" || seenBefore(vs, i) {
			continue
		}
		if n == 0 {
			b = appendKey(b, key)
			b = append(b, '[')
		} else {
			b = append(b, ',')
		}
		b = appendString(b, v)
		n++
	}
	if n > 0 {
		b = append(b, ']')
	}
	return b
}

func seenBefore(vs []string, i int) bool {
	for _, w := range vs[:i] {
		if w == vs[i] {
			return true
		}
	}
	return false
}

// appendTime writes t in UTC as a JSON string in RFC 3339 with nanoseconds,
// trailing zeros of the fraction dropped (time.RFC3339Nano), formatted by
// hand for the four-digit years time.Format would write the same way.
func appendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	if y < 0 || y > 9999 {
		b = append(b, '"')
		b = t.AppendFormat(b, time.RFC3339Nano)
		return append(b, '"')
	}
	h, mi, s := t.Clock()
	b = append(b, '"',
		byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+int(mo)/10), byte('0'+int(mo)%10), '-',
		byte('0'+d/10), byte('0'+d%10), 'T',
		byte('0'+h/10), byte('0'+h%10), ':',
		byte('0'+mi/10), byte('0'+mi%10), ':',
		byte('0'+s/10), byte('0'+s%10))
	if ns := t.Nanosecond(); ns != 0 {
		var frac [10]byte
		frac[0] = '.'
		for i := 9; i > 0; i-- {
			frac[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := len(frac)
		for frac[n-1] == '0' {
			n--
		}
		b = append(b, frac[:n]...)
	}
	return append(b, 'Z', '"')
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

const hexDigits = "0123456789abcdef"

// safeASCII marks the ASCII bytes that need no escaping in a JSON string.
var safeASCII = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// AppendJSONString appends s as a JSON string, escaped as AppendJSON
// escapes strings (invalid UTF-8 becomes U+FFFD). Parsers use it to build
// the aws.<type> object of text formats.
func AppendJSONString(b []byte, s string) []byte { return appendString(b, s) }

// appendString writes s as a JSON string.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	i := plainLen(s)
	if i == len(s) {
		b = append(b, s...)
		return append(b, '"')
	}
	start := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if safeASCII[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// SWAR constants: a byte repeated in every lane of a uint64.
const (
	lanes01 = 0x0101010101010101
	lanes80 = 0x8080808080808080
)

// plainLen returns the length of the longest prefix of s that appears
// unchanged in a JSON string (printable ASCII except '"' and '\\'),
// testing eight bytes at a time; the last, partial word of a string of at
// least eight bytes is tested as the overlapping last eight bytes.
func plainLen(s string) int {
	i := 0
	for ; len(s)-i >= 8; i += 8 {
		if !plainWord(s[i : i+8]) {
			return i + plainBytes(s[i:i+8])
		}
	}
	if i < len(s) && i >= 8 && plainWord(s[len(s)-8:]) {
		return len(s)
	}
	return i + plainBytes(s[i:])
}

// plainWord reports whether the 8 bytes of w all need no escaping.
func plainWord(w string) bool {
	w = w[:8] // of known length: no bounds checks below
	x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
		uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
	q := x ^ (lanes01 * '"')
	bs := x ^ (lanes01 * '\\')
	// A lane's high bit is set for a byte < 0x20, '"', '\\' or >= 0x80.
	return ((x-lanes01*0x20)&^x|(q-lanes01)&^q|(bs-lanes01)&^bs|x)&lanes80 == 0
}

// plainBytes is plainLen one byte at a time.
func plainBytes(s string) int {
	for i := 0; i < len(s); i++ {
		if !safeASCII[s[i]] {
			return i
		}
	}
	return len(s)
}

// appendRawJSON appends a JSON value that is already encoded. Valid input
// on one line (the common case) is copied verbatim; otherwise whitespace
// outside strings is dropped and invalid UTF-8 inside the value becomes
// U+FFFD, so the output stays one line of valid UTF-8.
func appendRawJSON(b []byte, raw []byte) []byte {
	if !hasLineBreak(raw) && utf8.Valid(raw) {
		return append(b, raw...)
	}
	inString, escaped := false, false
	for i := 0; i < len(raw); {
		c := raw[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, "\ufffd"...)
			} else {
				b = append(b, raw[i:i+size]...)
			}
			i += size
			escaped = false
			continue
		}
		i++
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			case c < 0x20:
				// A raw control byte is not valid inside a JSON string.
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
				continue
			}
			b = append(b, c)
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			inString = true
		}
		b = append(b, c)
	}
	return b
}

func hasLineBreak(raw []byte) bool {
	return bytes.IndexByte(raw, '\n') >= 0 || bytes.IndexByte(raw, '\r') >= 0
}

// Index returns the index the document belongs to:
// log-aws-<type>-YYYY.MM from @timestamp in UTC.
func (d *Document) Index() string {
	b := make([]byte, 0, 40)
	b = append(b, "log-aws-"...)
	b = append(b, d.Type...)
	b = append(b, '-')
	b = d.Timestamp.UTC().AppendFormat(b, "2006.01")
	return string(b)
}

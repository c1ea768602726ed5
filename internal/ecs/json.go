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
// ecs.version; an object with nothing to write is left out. @timestamp is
// RFC3339Nano in UTC. related.ip and related.user are deduplicated, empty
// values dropped. aws.<Type> is d.AWS written as is after two repairs that
// keep the output one line of valid UTF-8: whitespace outside strings is
// removed and invalid UTF-8 is replaced by U+FFFD. d.AWS must hold a JSON
// object (parsers guarantee it by construction); the writer does not
// validate its structure.
//
// Strings are escaped per RFC 8259; invalid UTF-8 becomes U+FFFD, U+2028
// and U+2029 are escaped.
//
// The writer runs once per record and a short text record becomes a
// document several times its size, so it is written for speed: whether an
// object has members is decided before it is opened (no object is written
// and taken back), and every member after "ecs" is known not to be first,
// so its key is written with its comma as one constant.
func (d *Document) AppendJSON(buf []byte) []byte { return d.appendJSON(buf, nil) }

// Encoder writes documents exactly as AppendJSON does, remembering the
// encoded cloud object and log.file.path of the last document it wrote:
// the records of one archive object share them, so they are copied instead
// of escaped again (a sixth of the writer's time for a VPC flow record
// with a real key). It keeps the strings of that document, which is safe
// as Go strings do not change. The zero Encoder is ready to use; it is not
// safe for concurrent use.
type Encoder struct {
	cloud     Cloud
	cloudJSON []byte // `,"cloud":{...}` of cloud, or nothing when it is zero
	path      string
	pathJSON  []byte // `"file":{"path":...},` of path, or nothing when it is empty
}

// AppendJSON appends the body of d to buf, as d.AppendJSON(buf) does.
func (e *Encoder) AppendJSON(buf []byte, d *Document) []byte { return d.appendJSON(buf, e) }

// appendCloud writes c, copying it from enc (which may be nil) when it is
// the cloud enc wrote last.
func (enc *Encoder) appendCloud(b []byte, c *Cloud) []byte {
	if enc == nil {
		return c.appendJSON(b)
	}
	if *c == enc.cloud {
		return append(b, enc.cloudJSON...)
	}
	n := len(b)
	b = c.appendJSON(b)
	enc.cloud, enc.cloudJSON = *c, append(enc.cloudJSON[:0], b[n:]...)
	return b
}

// appendPath writes the log.file object of path, with the comma that
// follows it, copying it from enc (which may be nil) when it is the path
// enc wrote last.
func (enc *Encoder) appendPath(b []byte, path string) []byte {
	if enc != nil && path == enc.path {
		return append(b, enc.pathJSON...)
	}
	if path == "" {
		return b
	}
	n := len(b)
	b = appendMember(b, `"file":{"path":`, path)
	b = append(b, ',')
	if enc != nil {
		enc.path, enc.pathJSON = path, append(enc.pathJSON[:0], b[n:]...)
	}
	return b
}

func (d *Document) appendJSON(buf []byte, enc *Encoder) []byte {
	b := append(buf, '{')
	if !d.Timestamp.IsZero() {
		b = append(b, `"@timestamp":`...)
		b = appendTime(b, d.Timestamp)
	}
	b = appendStringField(b, `"message":`, d.Message)
	b = appendKey(b, `"ecs":{"version":"`+Version+`"}`)
	b = appendStrings(b, `"tags":`, d.Tags)

	if !d.Event.isZero() {
		b = d.Event.appendJSON(b)
	}
	b = enc.appendCloud(b, &d.Cloud)
	if !d.Source.isZero() {
		b = d.Source.appendJSON(b, `,"source":{`)
	}
	if !d.Destination.isZero() {
		b = d.Destination.appendJSON(b, `,"destination":{`)
	}
	if u := &d.User; u.Name != "" || u.ID != "" || u.Domain != "" || len(u.Roles) > 0 || u.TargetName != "" || u.TargetID != "" {
		b = append(b, `,"user":{`...)
		b = appendStringField(b, `"name":`, u.Name)
		b = appendStringField(b, `"id":`, u.ID)
		b = appendStringField(b, `"domain":`, u.Domain)
		b = appendStrings(b, `"roles":`, u.Roles)
		if u.TargetName != "" || u.TargetID != "" {
			b = appendKey(b, `"target":{`)
			b = appendStringField(b, `"name":`, u.TargetName)
			b = appendStringField(b, `"id":`, u.TargetID)
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	if g := &d.Group; g.Name != "" || g.ID != "" {
		b = append(b, `,"group":{`...)
		b = appendStringField(b, `"name":`, g.Name)
		b = appendStringField(b, `"id":`, g.ID)
		b = append(b, '}')
	}
	if d.UserAgent != "" {
		b = appendMember(b, `"user_agent":{"original":`, d.UserAgent)
	}
	if anyNonEmpty(d.Related.IP) || anyNonEmpty(d.Related.User) || anyNonEmpty(d.Related.Hosts) {
		b = append(b, `,"related":{`...)
		b = appendUniqueStrings(b, `"ip":`, d.Related.IP)
		b = appendUniqueStrings(b, `"user":`, d.Related.User)
		b = appendUniqueStrings(b, `"hosts":`, d.Related.Hosts)
		b = append(b, '}')
	}
	if !d.Network.isZero() {
		b = d.Network.appendJSON(b)
	}
	if !d.HTTP.isZero() {
		b = d.HTTP.appendJSON(b)
	}
	if !d.URL.isZero() {
		b = d.URL.appendJSON(b)
	}
	if !d.DNS.isZero() {
		b = d.DNS.appendJSON(b)
	}
	if !d.Rule.isZero() {
		b = d.Rule.appendJSON(b)
	}
	if !d.Observer.isZero() {
		b = d.Observer.appendJSON(b)
	}
	if h := &d.Host; h.Name != "" || h.Hostname != "" {
		b = append(b, `,"host":{`...)
		b = appendStringField(b, `"name":`, h.Name)
		b = appendStringField(b, `"hostname":`, h.Hostname)
		b = append(b, '}')
	}
	if p := &d.Process; p.Name != "" || p.PID != 0 {
		b = append(b, `,"process":{`...)
		b = appendStringField(b, `"name":`, p.Name)
		b = appendIntField(b, `"pid":`, p.PID)
		b = append(b, '}')
	}
	if t := &d.TLS; t.Version != "" || t.VersionProtocol != "" || t.Cipher != "" || t.ServerName != "" {
		b = append(b, `,"tls":{`...)
		b = appendStringField(b, `"version":`, t.Version)
		b = appendStringField(b, `"version_protocol":`, t.VersionProtocol)
		b = appendStringField(b, `"cipher":`, t.Cipher)
		if t.ServerName != "" {
			b = appendMember(b, `"client":{"server_name":`, t.ServerName)
		}
		b = append(b, '}')
	}

	b = append(b, `,"log":{`...)
	b = enc.appendPath(b, d.Log.FilePath)
	b = append(b, `"offset":`...)
	b = strconv.AppendInt(b, d.Position, 10)
	b = appendStringField(b, `"level":`, d.Log.Level)
	b = append(b, '}')

	if e := &d.Error; e.Message != "" || e.Type != "" || e.Code != "" {
		b = append(b, `,"error":{`...)
		b = appendStringField(b, `"message":`, e.Message)
		b = appendStringField(b, `"type":`, e.Type)
		b = appendStringField(b, `"code":`, e.Code)
		b = append(b, '}')
	}
	if o := &d.Orgsiem; o.ClaimedAccount != "" || o.AccountOU != "" {
		b = appendKey(b, `"orgsiem":{`)
		b = appendStringField(b, `"claimed_account":`, o.ClaimedAccount)
		if o.AccountOU != "" {
			b = appendMember(b, `"account":{"ou":`, o.AccountOU)
		}
		b = append(b, '}')
	}

	hasAWS := len(d.AWS) > 0 && d.Type != ""
	// For documents of type cloudwatchlogs, d.AWS (when set) is the whole
	// aws.cloudwatchlogs object.
	hasCW := !(hasAWS && d.Type == CloudWatchLogsType) && !d.CloudWatch.isZero()
	if hasAWS || hasCW {
		b = append(b, `,"aws":{`...)
		if hasAWS {
			b = appendString(b, d.Type) // a registry name; escaped all the same
			b = append(b, ':')
			b = appendRawJSON(b, d.AWS)
		}
		if hasCW {
			b = d.CloudWatch.appendJSON(b)
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

func (e *Event) isZero() bool {
	return e.Kind == "" && len(e.Category) == 0 && len(e.Type) == 0 && e.Action == "" &&
		e.Outcome == "" && e.Dataset == "" && e.Module == "" && e.Provider == "" && e.Code == "" && e.ID == "" &&
		e.Created.IsZero() && e.Ingested.IsZero() && e.Start.IsZero() && e.End.IsZero() && e.Duration == 0 &&
		e.Severity == 0 && e.Original == ""
}

func (e *Event) appendJSON(b []byte) []byte {
	b = append(b, `,"event":{`...)
	b = appendStringField(b, `"kind":`, e.Kind)
	b = appendStrings(b, `"category":`, e.Category)
	b = appendStrings(b, `"type":`, e.Type)
	b = appendStringField(b, `"action":`, e.Action)
	b = appendStringField(b, `"outcome":`, e.Outcome)
	b = appendStringField(b, `"dataset":`, e.Dataset)
	b = appendStringField(b, `"module":`, e.Module)
	b = appendStringField(b, `"provider":`, e.Provider)
	b = appendStringField(b, `"code":`, e.Code)
	b = appendStringField(b, `"id":`, e.ID)
	if !e.Created.IsZero() {
		b = appendKey(b, `"created":`)
		b = appendTime(b, e.Created)
	}
	if !e.Ingested.IsZero() {
		b = appendKey(b, `"ingested":`)
		b = appendTime(b, e.Ingested)
	}
	if !e.Start.IsZero() {
		b = appendKey(b, `"start":`)
		b = appendTime(b, e.Start)
	}
	if !e.End.IsZero() {
		b = appendKey(b, `"end":`)
		b = appendTime(b, e.End)
	}
	b = appendIntField(b, `"duration":`, e.Duration)
	b = appendIntField(b, `"severity":`, e.Severity)
	b = appendStringField(b, `"original":`, e.Original)
	return append(b, '}')
}

func (c *Cloud) isZero() bool {
	return c.Provider == "" && c.AccountID == "" && c.AccountName == "" && c.Region == "" &&
		c.ServiceName == "" && c.InstanceID == ""
}

// appendJSON writes the cloud object, or nothing if c is zero.
func (c *Cloud) appendJSON(b []byte) []byte {
	if c.isZero() {
		return b
	}
	b = append(b, `,"cloud":{`...)
	b = appendStringField(b, `"provider":`, c.Provider)
	if c.AccountID != "" || c.AccountName != "" {
		b = appendKey(b, `"account":{`)
		b = appendStringField(b, `"id":`, c.AccountID)
		b = appendStringField(b, `"name":`, c.AccountName)
		b = append(b, '}')
	}
	b = appendStringField(b, `"region":`, c.Region)
	if c.ServiceName != "" {
		b = appendMember(b, `"service":{"name":`, c.ServiceName)
	}
	if c.InstanceID != "" {
		b = appendMember(b, `"instance":{"id":`, c.InstanceID)
	}
	return append(b, '}')
}

func (e *Endpoint) isZero() bool {
	return e.IP == "" && e.Port == 0 && e.Address == "" && e.Domain == "" && e.Bytes == 0 &&
		e.Packets == 0 && e.Geo.isZero() && e.AS.isZero()
}

// appendJSON writes the endpoint as member open (`,"name":{`).
func (e *Endpoint) appendJSON(b []byte, open string) []byte {
	b = append(b, open...)
	b = appendStringField(b, `"ip":`, e.IP)
	b = appendIntField(b, `"port":`, e.Port)
	b = appendStringField(b, `"address":`, e.Address)
	b = appendStringField(b, `"domain":`, e.Domain)
	b = appendIntField(b, `"bytes":`, e.Bytes)
	b = appendIntField(b, `"packets":`, e.Packets)
	if g := e.Geo; !g.isZero() {
		b = appendKey(b, `"geo":{`)
		b = appendStringField(b, `"country_iso_code":`, g.CountryISOCode)
		b = appendStringField(b, `"country_name":`, g.CountryName)
		b = appendStringField(b, `"city_name":`, g.CityName)
		if g.hasLocation() {
			b = appendKey(b, `"location":{"lat":`)
			b = strconv.AppendFloat(b, g.Lat, 'f', -1, 64)
			b = append(b, `,"lon":`...)
			b = strconv.AppendFloat(b, g.Lon, 'f', -1, 64)
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	if a := e.AS; !a.isZero() {
		b = appendKey(b, `"as":{`)
		b = appendIntField(b, `"number":`, a.Number)
		if a.Organization != "" {
			b = appendMember(b, `"organization":{"name":`, a.Organization)
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// isZero reports whether g (possibly nil) has nothing to write.
func (g *Geo) isZero() bool {
	return g == nil || g.CountryISOCode == "" && g.CountryName == "" && g.CityName == "" && !g.hasLocation()
}

// hasLocation reports whether geo.location is written: a location at 0,0
// is taken as unset, and NaN or infinities cannot be written.
func (g *Geo) hasLocation() bool {
	return (g.Lat != 0 || g.Lon != 0) && finite(g.Lat) && finite(g.Lon)
}

// isZero reports whether a (possibly nil) has nothing to write.
func (a *AS) isZero() bool { return a == nil || a.Number == 0 && a.Organization == "" }

func (n *Network) isZero() bool {
	return n.Transport == "" && n.Protocol == "" && n.Type == "" && n.Direction == "" &&
		n.IANANumber == "" && n.Bytes == 0 && n.Packets == 0 && n.ForwardedIP == ""
}

func (n *Network) appendJSON(b []byte) []byte {
	b = append(b, `,"network":{`...)
	b = appendStringField(b, `"transport":`, n.Transport)
	b = appendStringField(b, `"protocol":`, n.Protocol)
	b = appendStringField(b, `"type":`, n.Type)
	b = appendStringField(b, `"direction":`, n.Direction)
	b = appendStringField(b, `"iana_number":`, n.IANANumber)
	b = appendStringField(b, `"forwarded_ip":`, n.ForwardedIP)
	b = appendIntField(b, `"bytes":`, n.Bytes)
	b = appendIntField(b, `"packets":`, n.Packets)
	return append(b, '}')
}

func (h *HTTP) isZero() bool {
	return h.Method == "" && h.StatusCode == 0 && !h.StatusCodeSet && h.RequestBytes == 0 && h.ResponseBytes == 0 &&
		h.Referrer == "" && h.Version == ""
}

func (h *HTTP) appendJSON(b []byte) []byte {
	b = append(b, `,"http":{`...)
	if h.Method != "" || h.RequestBytes != 0 || h.Referrer != "" {
		b = append(b, `"request":{`...)
		b = appendStringField(b, `"method":`, h.Method)
		b = appendIntField(b, `"bytes":`, h.RequestBytes)
		b = appendStringField(b, `"referrer":`, h.Referrer)
		b = append(b, '}')
	}
	if h.StatusCode != 0 || h.StatusCodeSet || h.ResponseBytes != 0 {
		b = appendKey(b, `"response":{`)
		if h.StatusCode != 0 || h.StatusCodeSet {
			b = appendKey(b, `"status_code":`)
			b = strconv.AppendInt(b, h.StatusCode, 10)
		}
		b = appendIntField(b, `"bytes":`, h.ResponseBytes)
		b = append(b, '}')
	}
	b = appendStringField(b, `"version":`, h.Version)
	return append(b, '}')
}

func (u *URL) isZero() bool {
	return u.Original == "" && u.Domain == "" && u.Path == "" && u.Query == "" && u.Scheme == "" && u.Port == 0
}

func (u *URL) appendJSON(b []byte) []byte {
	b = append(b, `,"url":{`...)
	b = appendStringField(b, `"original":`, u.Original)
	b = appendStringField(b, `"domain":`, u.Domain)
	b = appendStringField(b, `"path":`, u.Path)
	b = appendStringField(b, `"query":`, u.Query)
	b = appendStringField(b, `"scheme":`, u.Scheme)
	b = appendIntField(b, `"port":`, u.Port)
	return append(b, '}')
}

func (d *DNS) isZero() bool {
	return d.QuestionName == "" && d.QuestionType == "" && d.QuestionClass == "" && d.ResponseCode == "" && len(d.Answers) == 0
}

func (d *DNS) appendJSON(b []byte) []byte {
	b = append(b, `,"dns":{`...)
	if d.QuestionName != "" || d.QuestionType != "" || d.QuestionClass != "" {
		b = append(b, `"question":{`...)
		b = appendStringField(b, `"name":`, d.QuestionName)
		b = appendStringField(b, `"type":`, d.QuestionType)
		b = appendStringField(b, `"class":`, d.QuestionClass)
		b = append(b, '}')
	}
	b = appendStringField(b, `"response_code":`, d.ResponseCode)
	if len(d.Answers) > 0 {
		b = appendKey(b, `"answers":[`)
		for i, a := range d.Answers {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			b = appendStringField(b, `"data":`, a.Data)
			b = appendStringField(b, `"type":`, a.Type)
			b = appendStringField(b, `"class":`, a.Class)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func (r *Rule) isZero() bool {
	return r.ID == "" && r.Name == "" && r.Ruleset == "" && r.Category == "" && r.Description == ""
}

func (r *Rule) appendJSON(b []byte) []byte {
	b = append(b, `,"rule":{`...)
	b = appendStringField(b, `"id":`, r.ID)
	b = appendStringField(b, `"name":`, r.Name)
	b = appendStringField(b, `"ruleset":`, r.Ruleset)
	b = appendStringField(b, `"category":`, r.Category)
	b = appendStringField(b, `"description":`, r.Description)
	return append(b, '}')
}

func (o *Observer) isZero() bool {
	return o.Vendor == "" && o.Product == "" && o.Type == "" && o.Name == "" && o.ID == ""
}

func (o *Observer) appendJSON(b []byte) []byte {
	b = append(b, `,"observer":{`...)
	b = appendStringField(b, `"vendor":`, o.Vendor)
	b = appendStringField(b, `"product":`, o.Product)
	b = appendStringField(b, `"type":`, o.Type)
	b = appendStringField(b, `"name":`, o.Name)
	b = appendStringField(b, `"id":`, o.ID)
	return append(b, '}')
}

func (c *CloudWatch) isZero() bool {
	return c.ID == "" && c.LogGroup == "" && c.LogStream == "" && c.Owner == "" && len(c.SubscriptionFilters) == 0
}

func (c *CloudWatch) appendJSON(b []byte) []byte {
	b = appendKey(b, `"`+CloudWatchLogsType+`":{`)
	b = appendStringField(b, `"id":`, c.ID)
	b = appendStringField(b, `"log_group":`, c.LogGroup)
	b = appendStringField(b, `"log_stream":`, c.LogStream)
	b = appendStringField(b, `"owner":`, c.Owner)
	b = appendStrings(b, `"subscription_filters":`, c.SubscriptionFilters)
	return append(b, '}')
}

// The writer's helpers take a member key as its encoded token `"name":`,
// so that a key costs one append.

// appendKey writes key (`"name":`), preceded by a comma unless it is the
// first member of the enclosing object. Every value the writer emits ends
// in a byte other than '{', so the previous byte tells which case applies.
func appendKey(b []byte, key string) []byte {
	if b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	return append(b, key...)
}

// appendMember writes the one-member object open+v+'}', where open is the
// key with the object and its member key (`"file":{"path":`).
func appendMember(b []byte, open, v string) []byte {
	b = appendKey(b, open)
	b = appendString(b, v)
	return append(b, '}')
}

// appendStringField writes member key with value v unless v is empty; it
// is inlined, so that an empty field (most of them) costs no call.
func appendStringField(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	return appendStringMember(b, key, v)
}

func appendStringMember(b []byte, key, v string) []byte {
	b = appendKey(b, key)
	return appendString(b, v)
}

// appendIntField writes member key with value v unless v is 0; inlined
// like appendStringField.
func appendIntField(b []byte, key string, v int64) []byte {
	if v == 0 {
		return b
	}
	return appendIntMember(b, key, v)
}

func appendIntMember(b []byte, key string, v int64) []byte {
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

func anyNonEmpty(vs []string) bool {
	for _, v := range vs {
		if v != "" {
			return true
		}
	}
	return false
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
// unchanged in a JSON string (printable ASCII except '"' and '\\').
// Most strings a document holds are short and plain, so the common answer
// "all of it" is found with as few word tests as possible: eight bytes at a
// time, the last partial word as the overlapping last eight bytes, and a
// string of 4 to 7 bytes as its first and last four bytes in one word. The
// exact position of a byte that needs escaping is then found byte by byte.
func plainLen(s string) int {
	n := len(s)
	switch {
	case n >= 8:
		i := 0
		for ; i <= n-8; i += 8 {
			if special(load64(s[i:])) {
				return i + plainBytes(s[i:])
			}
		}
		if i == n || !special(load64(s[n-8:])) {
			return n
		}
		return i + plainBytes(s[i:])
	case n >= 4:
		if !special(uint64(load32(s))<<32 | uint64(load32(s[n-4:]))) {
			return n
		}
	}
	return plainBytes(s)
}

// load64 returns the first eight bytes of s (at least eight long) as a
// little-endian word; the compiler turns it into one load.
func load64(s string) uint64 {
	s = s[:8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// load32 is load64 for the first four bytes.
func load32(s string) uint32 {
	s = s[:4]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// special reports whether any of the eight bytes of x needs escaping in a
// JSON string: a lane's high bit ends up set for a byte < 0x20, '"', '\\'
// or >= 0x80 (a borrow can only mark lanes above one that is marked).
func special(x uint64) bool {
	q := x ^ (lanes01 * '"')
	bs := x ^ (lanes01 * '\\')
	return ((x-lanes01*0x20)&^x|(q-lanes01)&^q|(bs-lanes01)&^bs|x)&lanes80 != 0
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

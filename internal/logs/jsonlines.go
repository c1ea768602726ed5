package logs

// Shared reading and writing helpers of the JSON log formats (WAF, Route 53
// Resolver, GuardDuty, Security Hub, Network Firewall).
//
// Reading: jsonSplitter splits a decompressed object into records without
// decoding them. AWS delivers these types as JSON lines; the scanner also
// accepts what lands in the archive through other paths: several objects on
// one line (Firehose without a record delimiter writes "}{"), pretty-printed
// objects spanning lines (documentation samples, console exports), and — for
// the finding types only, whose API and CLI output is a list — a top-level
// JSON array whose elements are records. The shape is read off the bytes
// (where a value starts and ends), never by trying decoders in turn.
//
// A record that cannot be complete JSON is cut where that becomes certain, so
// one bad record never swallows the rest of the object: a raw line break
// inside a string (JSON strings cannot hold one), a line that starts with
// '{' while the previous value is still open (the previous record was
// truncated), or the end of the input.
//
// Writing: awsObject builds the aws.<type> object from the record's original
// JSON. It keeps every original field (new AWS fields are not lost), removes
// whitespace, drops duplicate keys (the last one wins, as in encoding/json;
// OpenSearch rejects documents with duplicate keys), applies the parser's
// overrides, and wraps every path the schema declares flat_object so that it
// always holds an object:
//
//	object         -> unchanged
//	array          -> {"items": [...]}
//	string/number  -> {"value": ...}
//	null           -> field left out
//
// Every other declared path is decoded into a typed struct field first, so a
// record whose declared fields have the wrong JSON type is an error document
// and each declared path has one JSON type across all documents.

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// maxJSONRecord bounds one JSON record (which may span lines). A larger
// record becomes an error document holding its first MaxOriginalBytes.
const maxJSONRecord = MaxLineBytes

// jsonRecKind says what the scanner found.
type jsonRecKind uint8

const (
	jsonKindObject jsonRecKind = iota // a complete {...} value (syntax not yet checked)
	jsonKindText                      // a line that does not start a JSON object
	jsonKindBroken                    // a value that cannot be complete JSON
)

// jsonRecord is one record found by jsonSplitter. Raw is valid until the
// next call to next.
type jsonRecord struct {
	Raw  []byte
	Kind jsonRecKind
	Line int64  // 1-based line where the record starts
	Why  string // for jsonKindBroken: what is wrong
}

// jsonSplitter splits a stream into JSON records (see the file comment).
type jsonSplitter struct {
	r       *bufio.Reader
	arrays  bool // a top-level array's elements are records (finding types)
	piece   []byte
	lineNo  int64
	atStart bool // piece starts a line
	bol     bool // the next piece read starts a line
	inArray bool
	rec     []byte
	over    bool // rec exceeded maxJSONRecord and was cut
	eof     bool
	err     error // read error to return after the pending record
}

func newJSONSplitter(r *bufio.Reader, arrays bool) *jsonSplitter {
	return &jsonSplitter{r: r, arrays: arrays, bol: true}
}

// fill reads the next piece (a line or a part of a long line).
func (s *jsonSplitter) fill() bool {
	if s.eof || s.err != nil {
		return false
	}
	p, err := s.r.ReadSlice('\n')
	switch {
	case err == nil:
	case errors.Is(err, bufio.ErrBufferFull):
	case errors.Is(err, io.EOF):
		s.eof = true
	default:
		s.err = err
	}
	if len(p) == 0 {
		return false
	}
	s.atStart = s.bol
	if s.bol {
		s.lineNo++
		if s.lineNo == 1 {
			p = bytes.TrimPrefix(p, []byte("\xef\xbb\xbf"))
		}
	}
	s.bol = p[len(p)-1] == '\n'
	s.piece = p
	return true
}

func (s *jsonSplitter) keep(b []byte) {
	if s.over {
		return
	}
	if len(s.rec)+len(b) > maxJSONRecord {
		s.rec = append(s.rec, b[:maxJSONRecord-len(s.rec)]...)
		s.over = true
		return
	}
	s.rec = append(s.rec, b...)
}

// next returns the next record, io.EOF after the last one, or the read error
// that stopped the input (after returning the record it cut short).
func (s *jsonSplitter) next() (jsonRecord, error) {
	s.rec, s.over = s.rec[:0], false
	// Between records: skip blanks (and array punctuation).
	for {
		if len(s.piece) == 0 && !s.fill() {
			if s.err != nil {
				return jsonRecord{}, s.err
			}
			return jsonRecord{}, io.EOF
		}
		i := 0
		for i < len(s.piece) {
			c := s.piece[i]
			if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
				i++
				continue
			}
			if s.inArray && (c == ',' || c == ']') {
				s.inArray = c == ','
				i++
				continue
			}
			if c == '[' && s.arrays && !s.inArray {
				s.inArray = true
				i++
				continue
			}
			break
		}
		s.piece = s.piece[i:]
		if len(s.piece) > 0 {
			break
		}
	}
	line := s.lineNo
	if s.piece[0] != '{' {
		return s.text(line)
	}
	depth, inStr, esc := 0, false, false
	for {
		p := s.piece
		for i := 0; i < len(p); i++ {
			c := p[i]
			if inStr {
				switch {
				case esc:
					esc = false
				case c == '\\':
					esc = true
				case c == '"':
					inStr = false
				case c == '\n':
					s.keep(p[:i])
					s.piece = p[i+1:]
					return s.broken(line, "line ends inside a JSON string")
				}
				continue
			}
			switch c {
			case '"':
				inStr = true
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.keep(p[:i+1])
					s.piece = p[i+1:]
					if s.over {
						return s.broken(line, fmt.Sprintf("record larger than %d bytes", maxJSONRecord))
					}
					return jsonRecord{Raw: s.rec, Kind: jsonKindObject, Line: line}, nil
				}
			}
		}
		s.keep(p)
		s.piece = nil
		if !s.fill() {
			if s.err != nil {
				return s.broken(line, "input stopped inside a JSON value: "+s.err.Error())
			}
			return s.broken(line, "input ends inside a JSON value")
		}
		if s.atStart && s.piece[0] == '{' {
			return s.broken(line, "JSON value not closed before the next line starting with '{'")
		}
	}
}

// text returns the rest of the current line as a jsonKindText record.
func (s *jsonSplitter) text(line int64) (jsonRecord, error) {
	for {
		if i := bytes.IndexByte(s.piece, '\n'); i >= 0 {
			s.keep(s.piece[:i])
			s.piece = s.piece[i+1:]
			break
		}
		s.keep(s.piece)
		s.piece = nil
		if !s.fill() || s.atStart {
			break
		}
	}
	raw := bytes.TrimRight(s.rec, "\r")
	if s.over {
		return s.broken(line, fmt.Sprintf("line longer than %d bytes", maxJSONRecord))
	}
	return jsonRecord{Raw: raw, Kind: jsonKindText, Line: line}, nil
}

func (s *jsonSplitter) broken(line int64, why string) (jsonRecord, error) {
	raw := s.rec
	if len(raw) > MaxOriginalBytes && s.over {
		raw = raw[:MaxOriginalBytes]
	}
	return jsonRecord{Raw: raw, Kind: jsonKindBroken, Line: line, Why: why}, nil
}

// jsonHandler handles one record of a JSON log type: it reports it (and, for
// an envelope holding several findings, each of them) through out exactly
// once, and returns only errors that stop reading (from out.Emit or
// out.Fail).
type jsonHandler func(out *Output, raw []byte, line int64) error

// readJSONRecords streams every record of in to onObject; a line that is not
// JSON goes to onText, or becomes an error document when onText is nil.
func readJSONRecords(in *Input, out *Output, arrays bool, onObject, onText jsonHandler) error {
	s := newJSONSplitter(in.Reader, arrays)
	for {
		rec, err := s.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		switch rec.Kind {
		case jsonKindObject:
			err = onObject(out, rec.Raw, rec.Line)
		case jsonKindText:
			if onText != nil {
				err = onText(out, rec.Raw, rec.Line)
			} else {
				err = out.Fail(rec.Raw, fmt.Errorf("line %d: not a JSON object", rec.Line))
			}
		default:
			err = out.Fail(rec.Raw, fmt.Errorf("line %d: %s", rec.Line, rec.Why))
		}
		if err != nil {
			return err
		}
	}
}

// lineError locates a decoding error.
func lineError(line int64, err error) error {
	return fmt.Errorf("line %d: %w", line, err)
}

// flatPathsByType holds, per log type, the aws.<type>.* paths (relative)
// the schema declares flat_object. Built once from the ecs schema; read only.
var flatPathsByType = func() map[string]map[string]bool {
	byType := map[string]map[string]bool{}
	for _, f := range ecs.Fields() {
		if f.Type != ecs.FlatObject || f.LogType == "" {
			continue
		}
		prefix := "aws." + f.LogType + "."
		if byType[f.LogType] == nil {
			byType[f.LogType] = map[string]bool{}
		}
		byType[f.LogType][strings.TrimPrefix(f.Path, prefix)] = true
	}
	return byType
}()

// flatPaths returns the flat_object paths of a log type (see
// flatPathsByType); callers must not modify it.
func flatPaths(logType string) map[string]bool { return flatPathsByType[logType] }

// awsObject writes aws.<type> objects (see the file comment). One is reused
// across the records of an object; the result is valid until the next reset.
type awsObject struct {
	flat  map[string]bool
	set   []awsField // overrides by path (Value nil drops the field)
	add   []awsField // top-level fields appended (they replace originals)
	buf   []byte
	path  []byte
	spans []memberSpan
	keys  []byte // unescaped key scratch
}

// awsField is one override or addition: a path and its raw JSON value.
type awsField struct {
	Path  string
	Value []byte
}

type memberSpan struct{ k0, k1, v0, v1 int }

func newAWSObject(logType string) *awsObject {
	return &awsObject{flat: flatPaths(logType)}
}

func (w *awsObject) reset() {
	w.set, w.add = w.set[:0], w.add[:0]
}

// override replaces the value at path (relative to aws.<type>, dotted) when
// the record has it; a nil value drops it.
func (w *awsObject) override(path string, value []byte) {
	w.set = append(w.set, awsField{Path: path, Value: value})
}

// extra adds a top-level field, replacing an original field of that name.
func (w *awsObject) extra(key string, value []byte) {
	w.add = append(w.add, awsField{Path: key, Value: value})
}

// build returns the aws object for raw, which must be a valid JSON object.
func (w *awsObject) build(raw []byte) []byte {
	w.buf = w.buf[:0]
	w.path = w.path[:0]
	w.spans = w.spans[:0]
	v := trimJSONSpace(raw)
	w.object(v, false, true)
	return w.buf
}

func (w *awsObject) object(v []byte, inFlat, top bool) {
	base := len(w.spans)
	for i := skipJSONSpace(v, 1); i < len(v) && v[i] != '}'; {
		k0 := i
		k1 := jsonValueEnd(v, i)
		i = skipJSONSpace(v, k1)
		i = skipJSONSpace(v, i+1) // ':'
		if i >= len(v) {
			break // cannot happen on valid JSON
		}
		v0 := i
		v1 := jsonValueEnd(v, i)
		w.spans = append(w.spans, memberSpan{k0, k1, v0, v1})
		i = skipJSONSpace(v, v1)
		if i < len(v) && v[i] == ',' {
			i = skipJSONSpace(v, i+1)
		}
	}
	members := w.spans[base:]
	n := len(members)
	var last map[string]int
	if n > 32 {
		last = make(map[string]int, n)
		for j, m := range members {
			last[string(v[m.k0:m.k1])] = j
		}
	}
	w.buf = append(w.buf, '{')
	first := true
	pathLen := len(w.path)
	for j := 0; j < n; j++ {
		m := w.spans[base+j]
		key := v[m.k0:m.k1]
		if last != nil {
			if last[string(key)] != j {
				continue
			}
		} else if laterKey(v, w.spans[base+j+1:base+n], key) {
			continue
		}
		val := v[m.v0:m.v1]
		if inFlat {
			first = w.member(first, key, val, true)
			continue
		}
		name := w.keyName(key)
		if top && w.isExtra(name) {
			continue
		}
		w.path = w.path[:pathLen]
		if pathLen > 0 {
			w.path = append(w.path, '.')
		}
		w.path = append(w.path, name...)
		if ov, ok := w.overridden(); ok {
			if ov != nil {
				first = w.rawMember(first, key, ov)
			}
		} else if w.flat[string(w.path)] {
			first = w.flatMember(first, key, val)
		} else {
			first = w.member(first, key, val, false)
		}
	}
	w.path = w.path[:pathLen]
	if top {
		for _, a := range w.add {
			if !first {
				w.buf = append(w.buf, ',')
			}
			first = false
			w.buf = ecs.AppendJSONString(w.buf, a.Path)
			w.buf = append(w.buf, ':')
			w.buf = append(w.buf, a.Value...)
		}
	}
	w.buf = append(w.buf, '}')
	w.spans = w.spans[:base]
}

func laterKey(v []byte, later []memberSpan, key []byte) bool {
	for _, m := range later {
		if bytes.Equal(v[m.k0:m.k1], key) {
			return true
		}
	}
	return false
}

// keyName returns the unquoted key (unescaped when it holds escapes).
func (w *awsObject) keyName(key []byte) []byte {
	inner := key[1 : len(key)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return inner
	}
	var s string
	if json.Unmarshal(key, &s) != nil {
		return inner
	}
	w.keys = append(w.keys[:0], s...)
	return w.keys
}

func (w *awsObject) isExtra(name []byte) bool {
	for _, a := range w.add {
		if a.Path == string(name) {
			return true
		}
	}
	return false
}

func (w *awsObject) overridden() ([]byte, bool) {
	for _, o := range w.set {
		if o.Path == string(w.path) {
			return o.Value, true
		}
	}
	return nil, false
}

func (w *awsObject) rawMember(first bool, key, val []byte) bool {
	if !first {
		w.buf = append(w.buf, ',')
	}
	w.buf = append(w.buf, key...)
	w.buf = append(w.buf, ':')
	w.buf = append(w.buf, val...)
	return false
}

func (w *awsObject) member(first bool, key, val []byte, inFlat bool) bool {
	if !first {
		w.buf = append(w.buf, ',')
	}
	w.buf = append(w.buf, key...)
	w.buf = append(w.buf, ':')
	w.value(val, inFlat)
	return false
}

// flatMember writes a flat_object field so that it holds an object.
func (w *awsObject) flatMember(first bool, key, val []byte) bool {
	switch val[0] {
	case 'n': // null
		return first
	case '{':
		return w.member(first, key, val, true)
	}
	if !first {
		w.buf = append(w.buf, ',')
	}
	w.buf = append(w.buf, key...)
	if val[0] == '[' {
		w.buf = append(w.buf, `:{"items":`...)
	} else {
		w.buf = append(w.buf, `:{"value":`...)
	}
	w.value(val, true)
	w.buf = append(w.buf, '}')
	return false
}

func (w *awsObject) value(v []byte, inFlat bool) {
	switch v[0] {
	case '{':
		w.object(v, inFlat, false)
	case '[':
		w.buf = append(w.buf, '[')
		first := true
		for i := skipJSONSpace(v, 1); i < len(v) && v[i] != ']'; {
			e := jsonValueEnd(v, i)
			if !first {
				w.buf = append(w.buf, ',')
			}
			first = false
			w.value(v[i:e], inFlat)
			i = skipJSONSpace(v, e)
			if i < len(v) && v[i] == ',' {
				i = skipJSONSpace(v, i+1)
			}
		}
		w.buf = append(w.buf, ']')
	default:
		w.buf = append(w.buf, v...)
	}
}

func skipJSONSpace(v []byte, i int) int {
	for i < len(v) && (v[i] == ' ' || v[i] == '\t' || v[i] == '\n' || v[i] == '\r') {
		i++
	}
	return i
}

func trimJSONSpace(v []byte) []byte {
	return bytes.TrimFunc(v, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' })
}

// jsonValueEnd returns the index just past the valid JSON value starting at
// v[i].
func jsonValueEnd(v []byte, i int) int {
	switch v[i] {
	case '"':
		for j := i + 1; j < len(v); j++ {
			switch v[j] {
			case '\\':
				j++
			case '"':
				return j + 1
			}
		}
		return len(v)
	case '{', '[':
		depth, inStr := 0, false
		for j := i; j < len(v); j++ {
			c := v[j]
			if inStr {
				if c == '\\' {
					j++
				} else if c == '"' {
					inStr = false
				}
				continue
			}
			switch c {
			case '"':
				inStr = true
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(v)
	}
	j := i
	for ; j < len(v); j++ {
		switch v[j] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return j
		}
	}
	return j
}

// parseJSONTime parses the times of the JSON formats: RFC 3339 with or
// without fraction ("2021-02-04T17:51:55Z"), a numeric offset without a
// colon (Network Firewall: "2021-11-08T14:22:12.637611+0000"), and
// "2022-06-25 00:27:53[.fff]" without a zone, read as UTC (the form
// analytics tools such as Panther re-export records in).
func parseJSONTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999Z0700", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q is not ISO 8601", s)
}

// parseEpoch parses whole epoch seconds or milliseconds given as digits.
func parseEpoch(s string, unit time.Duration) (time.Time, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, fmt.Errorf("epoch time %q is not a whole number", s)
	}
	if unit == time.Second {
		return time.Unix(n, 0).UTC(), nil
	}
	return time.UnixMilli(n).UTC(), nil
}

// findingID is the _id of a finding version: its id and update time, so an
// update is a new document and a redelivery the same one. OpenSearch caps
// _id at 512 bytes; longer ids are hashed.
func findingID(id string, updated time.Time) string {
	s := id + "-" + updated.UTC().Format(time.RFC3339Nano)
	if len(s) <= 512 {
		return s
	}
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// jsonBool encodes b.
func jsonBool(b bool) []byte {
	if b {
		return []byte("true")
	}
	return []byte("false")
}

// arnParts returns the region and account of an ARN
// (arn:partition:service:region:account:resource); account is returned only
// when it is 12 digits.
func arnParts(arn string) (region, account string) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return "", ""
	}
	region = parts[3]
	if len(parts[4]) == 12 && strings.Trim(parts[4], "0123456789") == "" {
		account = parts[4]
	}
	return region, account
}

// setCloudDefaults sets cloud.account.id and cloud.region to the values of
// an envelope, when it has them, before the record's own values are mapped.
func setCloudDefaults(d *ecs.Document, account, region string) {
	if account != "" {
		d.Cloud.AccountID = account
	}
	if region != "" {
		d.Cloud.Region = region
	}
}

// ipNetworkType is network.type for an IP address ("ipv4", "ipv6" or "").
func ipNetworkType(ip string) string {
	switch {
	case ip == "":
		return ""
	case strings.IndexByte(ip, ':') >= 0:
		return "ipv6"
	}
	return "ipv4"
}

// addRelatedIP appends ip to related.ip when it is set.
func addRelatedIP(d *ecs.Document, ip string) {
	if ip != "" {
		d.Related.IP = append(d.Related.IP, ip)
	}
}

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
// Before the writer runs, each parser checks the record against its
// recordShape (jsonshape.go), built from the ecs schema: in the same pass
// that validates the record, every declared aws.<type> path must hold its
// declared JSON type (or null), and the values the parser maps are kept as
// offsets into the record. A record whose declared fields have another
// JSON type is an error document naming the path and the declared type, so
// each declared path has one JSON type across all documents.

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
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
// next call to next (it may point into the reader's buffer).
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
		i := 0
		if esc { // the escaped byte starts this piece
			esc, i = false, 1
		}
		for i < len(p) {
			if inStr {
				for i < len(p) && !splitStrStop[p[i]] {
					i++
				}
				if i == len(p) {
					break
				}
				switch p[i] {
				case '\\':
					if i+1 == len(p) {
						esc = true
					}
					i += 2
				case '"':
					inStr = false
					i++
				default: // '\n'
					s.keep(p[:i])
					s.piece = p[i+1:]
					return s.broken(line, "line ends inside a JSON string")
				}
				continue
			}
			for i < len(p) && !splitStop[p[i]] {
				i++
			}
			if i == len(p) {
				break
			}
			switch p[i] {
			case '"':
				inStr = true
			case '{', '[':
				depth++
			default: // '}', ']'
				depth--
				if depth == 0 {
					s.piece = p[i+1:]
					if len(s.rec) == 0 && i < maxJSONRecord { // the record lies in the read buffer: no copy
						return jsonRecord{Raw: p[:i+1], Kind: jsonKindObject, Line: line}, nil
					}
					s.keep(p[:i+1])
					if s.over {
						return s.broken(line, fmt.Sprintf("record larger than %d bytes", maxJSONRecord))
					}
					return jsonRecord{Raw: s.rec, Kind: jsonKindObject, Line: line}, nil
				}
			}
			i++
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

// The bytes jsonSplitter.next stops at, outside and inside strings.
var (
	splitStop    = byteSet(`"{}[]`)
	splitStrStop = byteSet("\"\\\n")
)

func byteSet(chars string) (t [256]bool) {
	for i := 0; i < len(chars); i++ {
		t[chars[i]] = true
	}
	return t
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

// flatTrees holds, per log type, the tree of its flat_object paths (see
// flatPathsByType), the nodes on the way to them included. Read only.
var flatTrees = func() map[string]*shapeNode {
	m := map[string]*shapeNode{}
	for typ, paths := range flatPathsByType {
		m[typ] = flatTree(paths)
	}
	return m
}()

// flatTree returns the tree of the given flat_object paths.
func flatTree(paths map[string]bool) *shapeNode {
	root := &shapeNode{slot: -1}
	for p := range paths {
		root.insert(p).typ = ecs.FlatObject
	}
	root.finish()
	return root
}

// awsObject writes aws.<type> objects (see the file comment). One is reused
// across the records of an object; the result is valid until the next
// build.
//
// It writes in one pass over the record: members are written as they come;
// a key seen before in the same object (found through a 64-bit filter of
// key hashes, so the common case costs no comparison) marks the earlier
// member dropped, and only an object that had one is rewritten at its end.
// Paths are looked up only where the flat tree has nodes, and dotted paths
// are built only while there are overrides.
type awsObject struct {
	flat    *shapeNode // the flat_object paths of the log type
	set     []awsField // overrides by path (Value nil drops the field)
	add     []awsField // top-level fields appended (they replace originals)
	buf     []byte
	path    []byte      // dotted path of the current member, while there are overrides
	members []awsMember // members of the objects being written, innermost last
	keys    []byte      // unescaped key
	scratch []byte      // unquoteJSON; the rewrite of an object with a duplicate key
}

// awsField is one override or addition: a path and its raw JSON value.
type awsField struct {
	Path  string
	Value []byte
}

// awsMember is a member written (or left out) by awsObject.
type awsMember struct {
	k0, k1 int    // key token in the input
	o0, o1 int    // what was written for it (no separating comma); empty when left out
	hash   uint32 // kidHash of the key token
	gone   bool   // a later member has the same key
}

func newAWSObject(logType string) *awsObject {
	return &awsObject{flat: flatTrees[logType]}
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
	w.members = w.members[:0]
	if i := skipJSONSpace(raw, 0); i < len(raw) && raw[i] == '{' {
		w.object(raw, i, w.flat, false, true)
	}
	return w.buf
}

// object writes the object at v[i] and returns the index past it. node is
// the object's place in the flat tree (nil: no flat_object path below it);
// inFlat is true inside a flat_object value, where nothing is looked up.
func (w *awsObject) object(v []byte, i int, node *shapeNode, inFlat, top bool) int {
	start := len(w.buf)
	w.buf = append(w.buf, '{')
	base := len(w.members)
	pathLen := len(w.path)
	track := !inFlat && len(w.set) > 0
	var seen uint64 // bit hash%64 of every key so far: a filter of keys seen
	dup := false
	for i = skipJSONSpace(v, i+1); i < len(v) && v[i] == '"'; {
		k1 := jsonStringEnd(v, i)
		key := v[i:k1]
		h := kidHash(key)
		if seen&(1<<(h&63)) != 0 && w.dropEarlier(v, base, key, h) {
			dup = true
		}
		seen |= 1 << (h & 63)
		j := len(w.members)
		w.members = append(w.members, awsMember{k0: i, k1: k1, hash: h, o0: len(w.buf)})
		if i = skipJSONSpace(v, skipJSONSpace(v, k1)+1); i >= len(v) {
			break // cannot happen on valid JSON
		}
		i = w.member(v, i, j, node, inFlat, top, track, pathLen)
		w.members[j].o1 = len(w.buf)
		if i = skipJSONSpace(v, i); i < len(v) && v[i] == ',' {
			i = skipJSONSpace(v, i+1)
		}
	}
	if dup {
		w.scratch = w.scratch[:0]
		for _, m := range w.members[base:] {
			if m.gone || m.o1 == m.o0 {
				continue
			}
			if len(w.scratch) > 0 {
				w.scratch = append(w.scratch, ',')
			}
			w.scratch = append(w.scratch, w.buf[m.o0:m.o1]...)
		}
		w.buf = append(w.buf[:start+1], w.scratch...)
	}
	if top {
		for _, a := range w.add {
			w.comma()
			w.buf = ecs.AppendJSONString(w.buf, a.Path)
			w.buf = append(w.buf, ':')
			w.buf = append(w.buf, a.Value...)
		}
	}
	w.buf = append(w.buf, '}')
	w.members = w.members[:base]
	w.path = w.path[:pathLen]
	return min(i+1, len(v))
}

// member writes member j, whose value starts at v[i], and returns the
// index past the value.
func (w *awsObject) member(v []byte, i, j int, node *shapeNode, inFlat, top, track bool, pathLen int) int {
	key := v[w.members[j].k0:w.members[j].k1]
	scalar := v[i] != '{' && v[i] != '['
	if inFlat {
		if scalar {
			return w.scalar(v, i, j)
		}
		w.key(j, key)
		return w.value(v, i, nil, true)
	}
	var name []byte
	if node != nil || track || (top && len(w.add) > 0) {
		name = w.keyName(key)
	}
	if top && w.isExtra(name) {
		return jsonValueEnd(v, i)
	}
	if track {
		w.path = w.path[:pathLen]
		if pathLen > 0 {
			w.path = append(w.path, '.')
		}
		w.path = append(w.path, name...)
		if ov, ok := w.overridden(); ok {
			if ov != nil {
				w.key(j, key)
				w.buf = append(w.buf, ov...)
			}
			return jsonValueEnd(v, i)
		}
	}
	var child *shapeNode
	if node != nil {
		child = node.kid(name)
	}
	if child != nil && child.typ == ecs.FlatObject {
		return w.flatMember(v, i, j, key)
	}
	if scalar {
		return w.scalar(v, i, j)
	}
	w.key(j, key)
	return w.value(v, i, child, false)
}

// scalar writes member j, whose value at v[i] is a string, number or
// literal, and returns the index past the value. Most members are copied
// in one piece.
func (w *awsObject) scalar(v []byte, i, j int) int {
	e := jsonValueEnd(v, i)
	w.comma()
	m := &w.members[j]
	m.o0 = len(w.buf)
	if i == m.k1+1 { // "key":value
		w.buf = append(w.buf, v[m.k0:e]...)
	} else {
		w.buf = append(w.buf, v[m.k0:m.k1]...)
		w.buf = append(w.buf, ':')
		w.buf = append(w.buf, v[i:e]...)
	}
	return e
}

// comma separates a member or element from the one before, if any.
func (w *awsObject) comma() {
	if c := w.buf[len(w.buf)-1]; c != '{' && c != '[' {
		w.buf = append(w.buf, ',')
	}
}

// key writes the key of member j.
func (w *awsObject) key(j int, key []byte) {
	w.comma()
	w.members[j].o0 = len(w.buf)
	w.buf = append(w.buf, key...)
	w.buf = append(w.buf, ':')
}

// flatMember writes a flat_object member so that it holds an object.
func (w *awsObject) flatMember(v []byte, i, j int, key []byte) int {
	switch v[i] {
	case 'n': // null: left out
		return jsonValueEnd(v, i)
	case '{':
		w.key(j, key)
		return w.object(v, i, nil, true, false)
	}
	w.key(j, key)
	if v[i] == '[' {
		w.buf = append(w.buf, `{"items":`...)
	} else {
		w.buf = append(w.buf, `{"value":`...)
	}
	e := w.value(v, i, nil, true)
	w.buf = append(w.buf, '}')
	return e
}

// value writes the value at v[i] and returns the index past it. Elements
// of an array sit at the array's path, as in OpenSearch.
func (w *awsObject) value(v []byte, i int, node *shapeNode, inFlat bool) int {
	switch v[i] {
	case '{':
		return w.object(v, i, node, inFlat, false)
	case '[':
		w.buf = append(w.buf, '[')
		for i = skipJSONSpace(v, i+1); i < len(v) && v[i] != ']'; {
			w.comma()
			if i = skipJSONSpace(v, w.value(v, i, node, inFlat)); i < len(v) && v[i] == ',' {
				i = skipJSONSpace(v, i+1)
			}
		}
		w.buf = append(w.buf, ']')
		return min(i+1, len(v))
	}
	e := jsonValueEnd(v, i)
	w.buf = append(w.buf, v[i:e]...)
	return e
}

// dropEarlier marks the earlier member of the current object (from base)
// with the same key token as dropped, and reports whether there was one.
func (w *awsObject) dropEarlier(v []byte, base int, key []byte, h uint32) bool {
	for k := base; k < len(w.members); k++ {
		m := &w.members[k]
		if m.hash == h && !m.gone && bytes.Equal(v[m.k0:m.k1], key) {
			m.gone = true
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
	w.keys = append(w.keys[:0], unquoteJSON(key, &w.scratch)...)
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

// parseJSONTime parses the times of the JSON formats: RFC 3339 with or
// without fraction ("2021-02-04T17:51:55Z"), a numeric offset without a
// colon (Network Firewall: "2021-11-08T14:22:12.637611+0000"), and
// "2022-06-25 00:27:53[.fff]" without a zone, read as UTC (the form
// analytics tools such as Panther re-export records in).
func parseJSONTime(s string) (time.Time, error) {
	if t, ok := parseISOFast(s); ok {
		return t, nil
	}
	// The layout the shape names is tried first (a failed time.Parse
	// allocates its error); no two layouts read one string differently.
	first := 0
	switch n := len(s); {
	case n > 5 && (s[n-5] == '+' || s[n-5] == '-') && s[n-3] != ':':
		first = 1
	case n > 10 && s[10] == ' ':
		first = 2
	}
	if t, err := time.Parse(jsonTimeLayouts[first], s); err == nil {
		return t.UTC(), nil
	}
	for i, layout := range jsonTimeLayouts {
		if i == first {
			continue
		}
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q is not ISO 8601", s)
}

var jsonTimeLayouts = [...]string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"}

// parseISOFast parses the shapes AWS writes,
// 2006-01-02T15:04:05[.1-9 digits](Z|±hh:mm|±hhmm), without time.Parse
// (a tenth of its cost). ok is false for anything else, out-of-range
// fields included: time.Parse then decides. TestParseISOFastAgreesWithTimeParse
// and FuzzParseISOFast hold it to time.Parse's result.
func parseISOFast(s string) (t time.Time, ok bool) {
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return t, false
	}
	year, ok1 := isoDigits(s[0:4])
	month, ok2 := isoDigits(s[5:7])
	day, ok3 := isoDigits(s[8:10])
	hour, ok4 := isoDigits(s[11:13])
	minute, ok5 := isoDigits(s[14:16])
	sec, ok6 := isoDigits(s[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) ||
		hour > 23 || minute > 59 || sec > 59 {
		return t, false
	}
	i, nsec := 19, 0
	if s[i] == '.' {
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		n := j - i - 1
		if n < 1 || n > 9 {
			return t, false
		}
		nsec, _ = isoDigits(s[i+1 : j])
		for ; n < 9; n++ {
			nsec *= 10
		}
		i = j
	}
	offset := 0
	switch zone := s[i:]; {
	case zone == "Z":
	case len(zone) == 6 && zone[3] == ':', len(zone) == 5:
		hh, okh := isoDigits(zone[1:3])
		mm, okm := isoDigits(zone[len(zone)-2:])
		if !okh || !okm || hh > 23 || mm > 59 || (zone[0] != '+' && zone[0] != '-') {
			return t, false
		}
		offset = (hh*60 + mm) * 60
		if zone[0] == '-' {
			offset = -offset
		}
	default:
		return t, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC).Add(-time.Duration(offset) * time.Second), true
}

// isoDigits reads a run of decimal digits.
func isoDigits(s string) (n int, ok bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
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

// lowerTransport is strings.ToLower without an allocation for the
// transport names the logs write in upper case.
func lowerTransport(s string) string {
	switch s {
	case "TCP":
		return "tcp"
	case "UDP":
		return "udp"
	case "ICMP":
		return "icmp"
	}
	return strings.ToLower(s)
}

package detect

import (
	"strings"
	"unsafe"

	"github.com/tidwall/gjson"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// evalDoc is the document being matched plus its original record as a
// string (shared memory, no copy). Reading the record is the expensive
// part of matching, so it is done at most once per document and path:
//
//   - the record's top-level members (key and raw value span) are indexed
//     as lookups need them, scanning from the front and, in a record
//     without escapes (where every quote delimits a string), from the back
//     too: a CloudTrail record's small fields sit on both sides of its
//     large request and response objects; a key whose quoted name occurs
//     nowhere in the part not yet indexed is absent without scanning;
//   - each record path a rule reads is resolved once from that index and
//     its values are kept (memo) for the other rules that read the same
//     path of the same document.
//
// All buffers are reused across documents; a document costs no
// allocation.
type evalDoc struct {
	d    *ecs.Document
	raw  string
	top  []topField // members indexed from the front, in order
	back []topField // members indexed from the back, last member first
	memo []memoEntry
	vals []gjson.Result // values of memo entries

	// Scan state, set by the first lookup (scanned). The members not yet
	// indexed are those whose key starts in raw[scan:bstart]; bend is the
	// offset of the ',' or '}' that follows them, or -1 when the back
	// scan is off. scan is scanDone once every member is indexed.
	scanned  bool
	noEscape bool
	scan     int
	bstart   int
	bend     int
}

// topField is one top-level member of the record.
type topField struct {
	key string // as written (records with escaped keys are indexed by gjson)
	val string // raw JSON of the value
	res gjson.Result
	ok  bool // res is set
}

// memoEntry holds the values of one record path: vals[lo:hi].
type memoEntry struct {
	hash   uint64
	path   string
	lo, hi int
}

func (e *evalDoc) reset(d *ecs.Document) {
	e.release()
	e.d = d
	if len(d.AWS) > 0 {
		e.raw = unsafe.String(&d.AWS[0], len(d.AWS))
	}
}

// release drops the references to the document, keeping buffers.
func (e *evalDoc) release() {
	clear(e.top)
	clear(e.back)
	clear(e.vals)
	e.top, e.back, e.memo, e.vals = e.top[:0], e.back[:0], e.memo[:0], e.vals[:0]
	e.d, e.raw, e.scanned = nil, "", false
}

func (e *evalDoc) startScan() {
	e.scanned = true
	e.noEscape = strings.IndexByte(e.raw, '\\') < 0
	e.scan, e.bend = scanStart(e.raw), -1
	e.bstart = len(e.raw)
	switch {
	case e.scan == scanFailed:
		e.indexGJSON()
	case e.scan >= 0 && e.noEscape:
		if j := skipSpaceBack(e.raw, len(e.raw)); j > 0 && e.raw[j-1] == '}' {
			e.bstart, e.bend = j-1, j-1
		}
	}
}

// topValue returns the top-level member key of the record (the first one
// when a key repeats, as gjson does).
func (e *evalDoc) topValue(k *recordKey) (gjson.Result, bool) {
	if !e.scanned {
		e.startScan()
	}
	key := k.name
	for i := range e.top {
		if e.top[i].key == key {
			return e.top[i].result(), true
		}
	}
	if e.scan >= 0 && (!e.noEscape || k.occursIn(e.raw[e.scan:e.bstart])) {
		// The key may be in the part not indexed yet: index from both
		// ends, one member at a time, until it is found there.
		for e.scan >= 0 {
			n := len(e.top)
			e.top, e.scan = scanMember(e.raw, e.scan, e.top)
			switch {
			case e.scan == scanFailed:
				e.indexGJSON()
				return e.topValue(k)
			case e.scan >= e.bstart:
				e.scan = scanDone
			}
			if e.top[n].key == key {
				return e.top[n].result(), true
			}
			if e.scan < 0 || e.bend < 0 {
				continue
			}
			if !e.scanBack() {
				e.indexGJSON()
				return e.topValue(k)
			}
			if b := &e.back[len(e.back)-1]; b.key == key && (e.scan < 0 || !k.occursIn(e.raw[e.scan:e.bstart])) {
				return b.result(), true
			}
		}
	}
	for i := len(e.back) - 1; i >= 0; i-- {
		if e.back[i].key == key {
			return e.back[i].result(), true
		}
	}
	return gjson.Result{}, false
}

// scanBack indexes the last member not indexed yet. It reports false for
// a record it cannot read backward.
func (e *evalDoc) scanBack() bool {
	key, val, start, ok := prevMember(e.raw, e.bend)
	if !ok || start < e.scan {
		return false
	}
	e.back = append(e.back, topField{key: key, val: val})
	e.bstart = start
	if start == e.scan {
		e.scan = scanDone
		return true
	}
	j := skipSpaceBack(e.raw, start)
	if j == 0 || e.raw[j-1] != ',' {
		return false
	}
	e.bend = j - 1
	return true
}

func (t *topField) result() gjson.Result {
	if !t.ok {
		t.res, t.ok = valueResult(t.val), true
	}
	return t.res
}

// indexGJSON indexes the whole record with gjson, which defines the
// semantics for records the fast scanner does not accept (not an object,
// escaped keys, malformed JSON).
func (e *evalDoc) indexGJSON() {
	clear(e.top)
	e.top = e.top[:0]
	e.scan = scanDone
	gjson.Parse(e.raw).ForEach(func(k, v gjson.Result) bool {
		e.top = append(e.top, topField{key: k.Str, val: v.Raw, res: v, ok: true})
		return true
	})
	clear(e.back)
	e.back = e.back[:0]
}

// memoized returns the values of path kept for this document.
func (e *evalDoc) memoized(hash uint64, path string) ([]gjson.Result, bool) {
	for i := range e.memo {
		if m := &e.memo[i]; m.hash == hash && m.path == path {
			return e.vals[m.lo:m.hi], true
		}
	}
	return nil, false
}

// recordAccessor reads keys from the original record of documents of type
// logTy (documents of other types have none of its fields).
func recordAccessor(logTy string, keys []string) accessor {
	path := make([]pathKey, len(keys))
	for i, k := range keys {
		path[i] = pathKey{name: k, esc: escapeGJSON(k)}
	}
	first, rest := newRecordKey(keys[0]), path[1:]
	docPath := "aws." + logTy + "." + strings.Join(keys, ".")
	hash := fnv64(docPath)
	return func(e *evalDoc, buf []gjson.Result) []gjson.Result {
		if e.d.Type != logTy || e.raw == "" {
			return buf
		}
		if vals, ok := e.memoized(hash, docPath); ok {
			return append(buf, vals...)
		}
		lo := len(e.vals)
		if v, ok := e.topValue(first); ok {
			e.vals = walk(v, rest, e.vals)
		}
		e.memo = append(e.memo, memoEntry{hash: hash, path: docPath, lo: lo, hi: len(e.vals)})
		return append(buf, e.vals[lo:]...)
	}
}

// recordPresence reports whether the record has the path at all, a JSON
// null or an empty array included (Sigma "exists": "only verifies the
// presence of a field, not its value, be it empty or null").
func recordPresence(logTy string, keys []string) func(e *evalDoc) bool {
	path := make([]pathKey, len(keys))
	for i, k := range keys {
		path[i] = pathKey{name: k, esc: escapeGJSON(k)}
	}
	first, rest := newRecordKey(keys[0]), path[1:]
	return func(e *evalDoc) bool {
		if e.d.Type != logTy || e.raw == "" {
			return false
		}
		v, ok := e.topValue(first)
		return ok && present(v, rest)
	}
}

func present(r gjson.Result, keys []pathKey) bool {
	if len(keys) == 0 {
		return true
	}
	if r.IsArray() {
		found := false
		r.ForEach(func(_, el gjson.Result) bool {
			found = present(el, keys)
			return !found
		})
		return found
	}
	if !r.IsObject() {
		return false
	}
	v, found, ok := member(r.Raw, keys[0].name)
	switch {
	case !ok:
		if r = r.Get(keys[0].esc); !r.Exists() {
			return false
		}
	case !found:
		return false
	default:
		r = valueResult(v)
	}
	return present(r, keys[1:])
}

// pathKey is one key of a record path: as written, and escaped for gjson.
type pathKey struct{ name, esc string }

// walk appends the values at keys below r. An array at any step (including
// the last) fans out to its elements, so nested arrays such as
// ipPermissions.items[].ipRanges.items[].cidrIp need no index syntax.
func walk(r gjson.Result, keys []pathKey, buf []gjson.Result) []gjson.Result {
	for {
		if r.IsArray() {
			r.ForEach(func(_, el gjson.Result) bool {
				buf = walk(el, keys, buf)
				return true
			})
			return buf
		}
		if len(keys) == 0 {
			if r.Type != gjson.Null {
				buf = append(buf, r)
			}
			return buf
		}
		if !r.IsObject() {
			return buf
		}
		v, found, ok := member(r.Raw, keys[0].name)
		switch {
		case !ok:
			if r = r.Get(keys[0].esc); !r.Exists() {
				return buf
			}
		case !found:
			return buf
		default:
			r = valueResult(v)
		}
		keys = keys[1:]
	}
}

// recordKey is a top-level key of a record with what finds it fast: the
// key in quotes and the offset in it of its rarest byte.
type recordKey struct {
	name   string
	quoted string
	rare   int
}

func newRecordKey(name string) *recordKey {
	k := &recordKey{name: name, quoted: `"` + name + `"`}
	best := -1
	for i := 1; i < len(k.quoted)-1; i++ {
		if r := byteRarity(k.quoted[i]); r > best {
			best, k.rare = r, i
		}
	}
	if best < 0 {
		k.rare = 0
	}
	return k
}

// byteRarity ranks bytes by how rarely they occur in JSON logs: lower-case
// letters are most frequent (in English order), then digits, then
// upper-case letters, then the rest.
func byteRarity(c byte) int {
	const common = "etaoinsrhldcumfpgwybvkxjqz"
	switch {
	case 'a' <= c && c <= 'z':
		return strings.IndexByte(common, c)
	case '0' <= c && c <= '9':
		return 30
	case 'A' <= c && c <= 'Z':
		return 40
	}
	return 50
}

// occursIn reports whether the quoted key occurs in s, searching for its
// rarest byte (strings.Index would search for the quote, which is
// everywhere in JSON).
func (k *recordKey) occursIn(s string) bool {
	c := k.quoted[k.rare]
	for i := k.rare; i < len(s); {
		j := strings.IndexByte(s[i:], c)
		if j < 0 {
			return false
		}
		i += j
		if start := i - k.rare; start+len(k.quoted) <= len(s) && s[start:start+len(k.quoted)] == k.quoted {
			return true
		}
		i++
	}
	return false
}

func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// valueResult parses the raw JSON of one value.
func valueResult(v string) gjson.Result {
	if len(v) >= 2 && v[0] == '"' && strings.IndexByte(v, '\\') < 0 {
		return gjson.Result{Type: gjson.String, Raw: v, Str: v[1 : len(v)-1]}
	}
	return gjson.Parse(v)
}

// Scan positions that are not offsets.
const (
	scanDone   = -1 // every member is indexed
	scanFailed = -2 // not an object with unescaped keys: use gjson
)

// scanStart returns the offset of the first member of the JSON object s.
func scanStart(s string) int {
	i := skipSpace(s, 0)
	if i >= len(s) || s[i] != '{' {
		return scanFailed
	}
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == '}' {
		return scanDone
	}
	return i
}

// scanMember appends the member of the JSON object s at offset i to top
// and returns the offset of the next member (or scanDone, or scanFailed).
func scanMember(s string, i int, top []topField) ([]topField, int) {
	key, val, next := nextMember(s, i)
	if next != scanFailed {
		top = append(top, topField{key: key, val: val})
	}
	return top, next
}

// nextMember reads the member of the JSON object s at offset i and
// returns the offset of the next member (or scanDone, or scanFailed for
// anything but a well-formed member with an unescaped key). Values are
// delimited, not validated: gjson does not validate either.
func nextMember(s string, i int) (key, val string, next int) {
	if i >= len(s) || s[i] != '"' {
		return "", "", scanFailed
	}
	end := stringEnd(s, i)
	if end < 0 {
		return "", "", scanFailed
	}
	key = s[i+1 : end-1]
	if strings.IndexByte(key, '\\') >= 0 {
		return "", "", scanFailed
	}
	i = skipSpace(s, end)
	if i >= len(s) || s[i] != ':' {
		return "", "", scanFailed
	}
	i = skipSpace(s, i+1)
	vend := valueEnd(s, i)
	if vend < 0 {
		return "", "", scanFailed
	}
	val = s[i:vend]
	i = skipSpace(s, vend)
	if i >= len(s) {
		return "", "", scanFailed
	}
	switch s[i] {
	case ',':
		return key, val, skipSpace(s, i+1)
	case '}':
		return key, val, scanDone
	}
	return "", "", scanFailed
}

// member returns the raw value of the first member key of the JSON
// object obj. ok is false when the scanner does not accept obj (gjson
// then decides).
func member(obj, key string) (val string, found, ok bool) {
	for i := scanStart(obj); i >= 0; {
		k, v, next := nextMember(obj, i)
		if next == scanFailed {
			return "", false, false
		}
		if k == key {
			return v, true, true
		}
		i = next
	}
	return "", false, true
}

// prevMember reads, in a record without escapes, the member of the JSON
// object s that ends before s[end] (the ',' or '}' after it). start is the
// offset of its key's opening quote.
func prevMember(s string, end int) (key, val string, start int, ok bool) {
	vend := skipSpaceBack(s, end)
	if vend == 0 {
		return "", "", 0, false
	}
	vstart := -1
	switch c := s[vend-1]; c {
	case '"':
		vstart = strings.LastIndexByte(s[:vend-1], '"')
	case '}', ']':
		depth := 0
	loop:
		for k := vend - 1; k >= 0; k-- {
			switch s[k] {
			case '"':
				if k = strings.LastIndexByte(s[:k], '"'); k < 0 {
					break loop
				}
			case '}', ']':
				depth++
			case '{', '[':
				if depth--; depth == 0 {
					vstart = k
					break loop
				}
			}
		}
	default:
		k := vend - 1
		for k >= 0 && !literalStop[s[k]] {
			k--
		}
		if k < vend-1 {
			vstart = k + 1
		}
	}
	if vstart < 0 {
		return "", "", 0, false
	}
	j := skipSpaceBack(s, vstart)
	if j == 0 || s[j-1] != ':' {
		return "", "", 0, false
	}
	j = skipSpaceBack(s, j-1)
	if j == 0 || s[j-1] != '"' {
		return "", "", 0, false
	}
	q := strings.LastIndexByte(s[:j-1], '"')
	if q < 0 {
		return "", "", 0, false
	}
	return s[q+1 : j-1], s[vstart:vend], q, true
}

// skipSpaceBack returns the offset after the last non-space byte of s[:i].
func skipSpaceBack(s string, i int) int {
	for i > 0 && (s[i-1] == ' ' || s[i-1] == '\n' || s[i-1] == '\r' || s[i-1] == '\t') {
		i--
	}
	return i
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t') {
		i++
	}
	return i
}

// stringStop and valueStop mark the bytes that end a run of uninteresting
// bytes inside a string and inside a container value; literalStop those
// that end a number, true, false or null (read backward).
var stringStop, valueStop, literalStop = func() (a, b, c [256]bool) {
	a['"'], a['\\'] = true, true
	for _, x := range []byte(`"{}[]`) {
		b[x] = true
	}
	for _, x := range []byte("\",:{}[] \t\r\n") {
		c[x] = true
	}
	return
}()

// stringEnd returns the index after the closing quote of the string
// starting at s[i] == '"', or -1. Most strings of a record are short: a
// byte loop beats a call to strings.IndexByte.
func stringEnd(s string, i int) int {
	for j := i + 1; j < len(s); j++ {
		for j < len(s) && !stringStop[s[j]] {
			j++
		}
		if j >= len(s) {
			break
		}
		if s[j] == '"' {
			return j + 1
		}
		j++ // skip the escaped byte
	}
	return -1
}

// valueEnd returns the index after the JSON value starting at s[i], or -1.
func valueEnd(s string, i int) int {
	if i >= len(s) {
		return -1
	}
	switch c := s[i]; {
	case c == '"':
		return stringEnd(s, i)
	case c == '{' || c == '[':
		depth := 0
		for j := i; j < len(s); j++ {
			for j < len(s) && !valueStop[s[j]] {
				j++
			}
			if j >= len(s) {
				break
			}
			switch s[j] {
			case '"':
				end := stringEnd(s, j)
				if end < 0 {
					return -1
				}
				j = end - 1
			case '{', '[':
				depth++
			default:
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	case c == '-' || '0' <= c && c <= '9' || c == 't' || c == 'f' || c == 'n':
		j := i
		for j < len(s) && s[j] != ',' && s[j] != '}' && s[j] != ']' && s[j] != ' ' && s[j] != '\n' && s[j] != '\r' && s[j] != '\t' {
			j++
		}
		return j
	}
	return -1
}

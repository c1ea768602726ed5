package logs

// Reading the records of the JSON formats (WAF, Route 53 Resolver, Network
// Firewall; GuardDuty and Security Hub through findings.go) without
// reflection, in one validating pass.
//
// A recordShape is built once per parser from the ecs schema: a tree of the
// declared aws.<type> paths, each with its declared type. read validates the
// record (scanObject), walks the members of the declared paths, checks that
// each holds its declared JSON type, and keeps the values the parser maps
// (its slots) as offsets into the record; undeclared members and
// flat_object values are not looked into. So a record whose declared fields
// have another JSON type is an error document, as with the typed structs
// this replaced, and each declared path keeps one JSON type across all
// documents (internal/ecs TestTypeConsistency).
//
// The declared JSON types are:
//
//	keyword, text, ip, date  a string
//	long                     a whole number in the int64 range
//	double                   a number in the float64 range
//	boolean                  true or false
//	flat_object              anything (awsObject wraps it into an object)
//	a path with declared fields below it  an object
//
// null is accepted for every path (the field is absent). The schema does
// not say which paths are lists: the parser names them (listOf, oneOrList),
// and only those accept an array of such values (null elements allowed).
//
// Keys match exactly, after unescaping. A key given twice: the last value
// wins, null included (as in aws.<type>, which keeps the last one).

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// arity says whether a declared path may hold an array.
type arity uint8

const (
	single    arity = iota // the value (or null)
	listOf                 // an array of values (or null), never a bare value
	oneOrList              // a value or an array of values (or null)
)

// shapeNode is one declared path of a record shape.
type shapeNode struct {
	name  string
	path  string        // relative to aws.<type>, for error messages
	typ   ecs.FieldType // declared type of a leaf; "" for an object of declared fields
	arity arity
	own   bool // the parser checks the value itself (no type check)
	slot  int  // index in shapeValues.vals, or -1
	sub   []int
	kids  []*shapeNode
	table []*shapeNode // kids by kidHash (open addressing), when there are many
}

// kid returns the child named name, or nil. It is looked up for every
// member of the objects on declared paths, so a node with many kids has a
// hash table of its own: cheaper than a map, whose hash reads every byte.
func (n *shapeNode) kid(name []byte) *shapeNode {
	if n.table != nil {
		mask := uint32(len(n.table) - 1)
		for i := kidHash(name) & mask; ; i = (i + 1) & mask {
			if k := n.table[i]; k == nil || k.name == string(name) {
				return k
			}
		}
	}
	for _, k := range n.kids {
		if k.name == string(name) {
			return k
		}
	}
	return nil
}

// kidHash hashes a name by its length and three of its bytes.
func kidHash(name []byte) uint32 {
	h := uint32(len(name))
	if len(name) > 0 {
		h ^= uint32(name[0])<<8 ^ uint32(name[len(name)/2])<<16 ^ uint32(name[len(name)-1])<<24
	}
	return (h * 0x9E3779B1) >> 16
}

// manyKids is where a table beats a linear search of the kids.
const manyKids = 5

// schemaTree returns the tree of the declared aws.<logType>.* paths.
func schemaTree(logType string) *shapeNode {
	root := &shapeNode{slot: -1}
	prefix := "aws." + logType + "."
	for _, f := range ecs.FieldsFor(logType) {
		if rel, ok := strings.CutPrefix(f.Path, prefix); ok {
			root.insert(rel).typ = f.Type
		}
	}
	root.walk(func(n *shapeNode) {
		if len(n.kids) > 0 && n.typ != "" {
			panic(fmt.Sprintf("ecs schema: aws.%s.%s is declared %s and has declared fields below it", logType, n.path, n.typ))
		}
	})
	root.finish()
	return root
}

// insert returns the node of a dotted path below n, adding the nodes
// missing on the way.
func (n *shapeNode) insert(path string) *shapeNode {
	for part := range strings.SplitSeq(path, ".") {
		k := n.kid([]byte(part))
		if k == nil {
			p := part
			if n.path != "" {
				p = n.path + "." + part
			}
			k = &shapeNode{name: part, path: p, slot: -1}
			n.kids = append(n.kids, k)
		}
		n = k
	}
	return n
}

// finish indexes the kids of the nodes that have many; no node may be
// added after it.
func (n *shapeNode) finish() {
	n.walk(func(n *shapeNode) {
		if len(n.kids) < manyKids {
			return
		}
		size := 1
		for size < 4*len(n.kids) { // mostly one probe, also for unknown names
			size *= 2
		}
		n.table = make([]*shapeNode, size)
		mask := uint32(size - 1)
		for _, k := range n.kids {
			i := kidHash([]byte(k.name)) & mask
			for n.table[i] != nil {
				i = (i + 1) & mask
			}
			n.table[i] = k
		}
	})
}

func (n *shapeNode) walk(fn func(*shapeNode)) {
	fn(n)
	for _, k := range n.kids {
		k.walk(fn)
	}
}

// find returns the node of a dotted path, or nil.
func (n *shapeNode) find(path string) *shapeNode {
	for part := range strings.SplitSeq(path, ".") {
		if n = n.kid([]byte(part)); n == nil {
			return nil
		}
	}
	return n
}

// recordShape is the declared shape of one log type's records plus the
// slots its parser reads. Built at init; read only.
type recordShape struct {
	root   *shapeNode
	nslots int
}

// shapeSpec is what a parser adds to the schema.
type shapeSpec struct {
	lists map[string]arity // declared paths that may hold arrays
	own   []string         // declared paths the parser checks itself
	// slots are the declared paths whose values the parser reads, indexed
	// by the parser's slot constants. A slot cannot lie below a list.
	slots []string
}

// newRecordShape builds the shape of logType's records. It panics when the
// spec names an undeclared path: that is a programming error caught by any
// test that loads the package.
func newRecordShape(logType string, spec shapeSpec) *recordShape {
	root := schemaTree(logType)
	node := func(path string) *shapeNode {
		n := root.find(path)
		if n == nil {
			panic(fmt.Sprintf("logs: %s record shape names %q, which aws.%s does not declare", logType, path, logType))
		}
		return n
	}
	for path, a := range spec.lists {
		node(path).arity = a
	}
	for _, path := range spec.own {
		node(path).own = true
	}
	for slot, path := range spec.slots {
		n := root
		for part := range strings.SplitSeq(path, ".") {
			if n.arity != single {
				panic(fmt.Sprintf("logs: %s slot %q lies below the list %s", logType, path, n.path))
			}
			n = n.kid([]byte(part))
			if n == nil {
				node(path) // panics
			}
			n.sub = append(n.sub, slot) // every node on the way clears it
		}
		n.slot = slot
	}
	return &recordShape{root: root, nslots: len(spec.slots)}
}

// jsonSpan is a validated JSON value inside a record: raw[lo:hi]. The zero
// span is an absent value.
type jsonSpan struct{ lo, hi int }

// shapeValues holds one record as read by a recordShape: the record (as
// bytes and as one string copy that the strings of the document point
// into) and the value of each slot. Reused from record to record.
type shapeValues struct {
	raw     []byte
	s       string
	vals    []jsonSpan
	scratch []byte // unquoteJSON
	keys    []byte // unescaped keys
}

// read validates raw as a JSON object, checks the declared paths and fills
// v. The error is the first syntax error, else the first declared path
// holding another JSON type.
func (sh *recordShape) read(raw []byte, v *shapeValues) error {
	typeErr, err := sh.scan(raw, v, nil)
	if err != nil {
		return err
	}
	return typeErr
}

// scan is read, calling also (when set) with every top-level member in the
// same pass: err is the syntax error, typeErr the first declared path
// holding another JSON type.
func (sh *recordShape) scan(raw []byte, v *shapeValues, also func(m member)) (typeErr, err error) {
	v.raw, v.s = raw, string(raw)
	sh.clearSlots(v)
	isObject, err := scanObject(raw, func(m member) {
		if also != nil {
			also(m)
		}
		if typeErr == nil {
			if n := v.kidAt(sh.root, m.keyStart-1, m.keyEnd+1); n != nil {
				typeErr = v.check(n, m.valStart, m.valEnd)
			}
		}
	})
	switch {
	case err != nil:
		return nil, err
	case !isObject:
		return nil, errors.New("not a JSON object")
	}
	return typeErr, nil
}

// readIn reads the object at obj, inside the record v holds and already
// validated, as read reads a record: the declared paths are checked and
// the slots refilled.
func (sh *recordShape) readIn(v *shapeValues, obj jsonSpan) error {
	sh.clearSlots(v)
	return v.checkMembers(sh.root, obj.lo)
}

// clearSlots sizes the slots of v for sh and empties them.
func (sh *recordShape) clearSlots(v *shapeValues) {
	if cap(v.vals) < sh.nslots {
		v.vals = make([]jsonSpan, sh.nslots)
	}
	v.vals = v.vals[:sh.nslots]
	clear(v.vals)
}

// kidAt returns the child of n named by the key token raw[k0:k1].
func (v *shapeValues) kidAt(n *shapeNode, k0, k1 int) *shapeNode {
	if k := n.kid(v.raw[k0+1 : k1-1]); k != nil {
		return k
	}
	if bytes.IndexByte(v.raw[k0+1:k1-1], '\\') < 0 {
		return nil
	}
	return n.kid(v.key(k0, k1)) // an escaped name matches once unescaped
}

// key returns the name of the key token raw[k0:k1] (quotes included),
// unescaped when it holds escapes.
func (v *shapeValues) key(k0, k1 int) []byte {
	inner := v.raw[k0+1 : k1-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return inner
	}
	v.keys = append(v.keys[:0], unquoteJSON(v.raw[k0:k1], &v.scratch)...)
	return v.keys
}

// check checks the value raw[lo:hi] of a member at node n and keeps the
// slots it holds.
func (v *shapeValues) check(n *shapeNode, lo, hi int) error {
	for _, s := range n.sub {
		v.vals[s] = jsonSpan{} // the last occurrence of a key wins
	}
	if n.slot >= 0 {
		v.vals[n.slot] = jsonSpan{lo, hi}
	}
	c := v.raw[lo]
	if n.own || n.typ == ecs.FlatObject || c == 'n' {
		return nil
	}
	if c == '[' && n.arity != single {
		var err error
		eachElement(v.raw, lo, func(e0, e1 int) bool {
			if v.raw[e0] != 'n' && !v.fits(n, e0, e1) {
				err = v.typeError(n, e0, e1, "a list with ")
			}
			if err == nil && len(n.kids) > 0 {
				err = v.checkMembers(n, e0)
			}
			return err == nil
		})
		return err
	}
	if n.arity == listOf || !v.fits(n, lo, hi) {
		return v.typeError(n, lo, hi, "")
	}
	if len(n.kids) > 0 {
		return v.checkMembers(n, lo)
	}
	return nil
}

// fits reports whether the value raw[lo:hi] (not null) has the JSON type
// of a single value at n.
func (v *shapeValues) fits(n *shapeNode, lo, hi int) bool {
	c := v.raw[lo]
	if len(n.kids) > 0 {
		return c == '{'
	}
	switch n.typ {
	case ecs.Keyword, ecs.Text, ecs.IP, ecs.Date:
		return c == '"'
	case ecs.Long:
		_, ok := v.int(jsonSpan{lo, hi})
		return ok
	case ecs.Double:
		_, ok := v.float(jsonSpan{lo, hi})
		return ok
	case ecs.Boolean:
		return c == 't' || c == 'f'
	}
	return true // geo_point and future types: not checked here
}

// checkMembers checks the declared members of the object at raw[i].
func (v *shapeValues) checkMembers(n *shapeNode, i int) error {
	var err error
	eachMember(v.raw, i, func(k0, k1, v0, v1 int) bool {
		if k := v.kidAt(n, k0, k1); k != nil {
			err = v.check(k, v0, v1)
		}
		return err == nil
	})
	return err
}

// typeError describes a declared path holding another JSON type; in is
// "a list with " for an element of a list.
func (v *shapeValues) typeError(n *shapeNode, lo, hi int, in string) error {
	got := v.jsonTypeName(jsonSpan{lo, hi})
	if got == "a number" {
		got = "the number " + v.s[lo:min(hi, lo+40)]
	}
	one, many := "an object", "objects"
	switch n.typ {
	case "":
	case ecs.Keyword, ecs.Text, ecs.IP, ecs.Date:
		one, many = string(n.typ)+" (a JSON string)", string(n.typ)+" (JSON strings)"
	case ecs.Long:
		one, many = "long (a whole number within 64 bits)", "long (whole numbers within 64 bits)"
	case ecs.Double:
		one, many = "double (a JSON number)", "double (JSON numbers)"
	case ecs.Boolean:
		one, many = "boolean (true or false)", "boolean (true or false)"
	default:
		one, many = string(n.typ), string(n.typ)
	}
	var want string
	switch n.arity {
	case single:
		want = one
	case listOf:
		want = "a list of " + many
	default:
		want = one + " or a list of " + many
	}
	return fmt.Errorf("%s holds %s%s, the schema declares %s", n.path, in, got, want)
}

// Reading slots and other values of the record. Each takes a span that
// read or eachMember/eachElement returned.

// val returns the value of a slot.
func (v *shapeValues) val(slot int) jsonSpan { return v.vals[slot] }

// has reports whether a span holds a value other than null.
func (v *shapeValues) has(s jsonSpan) bool { return s.hi > s.lo && v.raw[s.lo] != 'n' }

// text returns the raw JSON of a span.
func (v *shapeValues) text(s jsonSpan) string { return v.s[s.lo:s.hi] }

// isString reports whether a span holds a JSON string.
func (v *shapeValues) isString(s jsonSpan) bool { return s.hi > s.lo && v.raw[s.lo] == '"' }

// str decodes a JSON string as encoding/json does; "" for anything else.
// Strings without escapes and with valid UTF-8 (nearly all) point into the
// record's string copy.
func (v *shapeValues) str(s jsonSpan) string {
	if !v.isString(s) {
		return ""
	}
	inner := v.s[s.lo+1 : s.hi-1]
	if strings.IndexByte(inner, '\\') < 0 && utf8.ValidString(inner) {
		return inner
	}
	return unquoteJSON(v.raw[s.lo:s.hi], &v.scratch)
}

// int decodes a whole number; ok is false for anything else.
func (v *shapeValues) int(s jsonSpan) (n int64, ok bool) {
	if s.hi == s.lo {
		return 0, false
	}
	n, err := strconv.ParseInt(v.s[s.lo:s.hi], 10, 64)
	return n, err == nil
}

// float decodes a number in the float64 range; ok is false for anything
// else.
func (v *shapeValues) float(s jsonSpan) (f float64, ok bool) {
	if s.hi == s.lo || !(v.raw[s.lo] == '-' || v.raw[s.lo] >= '0' && v.raw[s.lo] <= '9') {
		return 0, false
	}
	f, err := strconv.ParseFloat(v.s[s.lo:s.hi], 64)
	if err != nil {
		return 0, false // not ±Inf, as encoding/json leaves a float64 it cannot decode into
	}
	return f, true
}

// isTrue reports whether a span holds the literal true.
func (v *shapeValues) isTrue(s jsonSpan) bool { return s.hi-s.lo == 4 && v.raw[s.lo] == 't' }

// jsonTypeName names the JSON type of the value at s, for error messages.
func (v *shapeValues) jsonTypeName(s jsonSpan) string {
	switch c := v.raw[s.lo]; {
	case c == '"':
		return "a string"
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	}
	return "a number"
}

// members calls fn with the name and value of each member of the object at
// s (nothing when s is not an object) until fn returns false.
func (v *shapeValues) members(s jsonSpan, fn func(name []byte, val jsonSpan) bool) {
	if s.hi == s.lo || v.raw[s.lo] != '{' {
		return
	}
	eachMember(v.raw, s.lo, func(k0, k1, v0, v1 int) bool {
		return fn(v.key(k0, k1), jsonSpan{v0, v1})
	})
}

// elements calls fn with each element of the array at s (nothing when s is
// not an array) until fn returns false.
func (v *shapeValues) elements(s jsonSpan, fn func(e jsonSpan) bool) {
	if s.hi == s.lo || v.raw[s.lo] != '[' {
		return
	}
	eachElement(v.raw, s.lo, func(e0, e1 int) bool { return fn(jsonSpan{e0, e1}) })
}

// getAll sets vals[i] to the value of the last member called names[i] of
// the object at obj (the last one wins, as in aws.<type>), or to the zero
// span when there is none or obj is not an object: one pass over obj for
// all the names.
func (v *shapeValues) getAll(obj jsonSpan, names []string, vals []jsonSpan) {
	clear(vals)
	v.members(obj, func(n []byte, s jsonSpan) bool {
		for i, name := range names {
			if string(n) == name {
				vals[i] = s
			}
		}
		return true
	})
}

// get returns the value of the last member called name of the object at
// obj, or the zero span (see getAll).
func (v *shapeValues) get(obj jsonSpan, name string) jsonSpan {
	var val [1]jsonSpan
	v.getAll(obj, []string{name}, val[:])
	return val[0]
}

// first returns the first element of the array at arr; ok is false when
// arr is not an array or is empty.
func (v *shapeValues) first(arr jsonSpan) (e jsonSpan, ok bool) {
	v.elements(arr, func(s jsonSpan) bool {
		e, ok = s, true
		return false
	})
	return e, ok
}

// stringOrNull sets *dst to the string at s ("" for null) and reports
// whether s holds one of them.
func (v *shapeValues) stringOrNull(s jsonSpan, dst *string) bool {
	switch v.raw[s.lo] {
	case '"':
		*dst = v.str(s)
	case 'n':
		*dst = ""
	default:
		return false
	}
	return true
}

// objectOrNull calls fn for each member of the object at s and reports
// whether s holds an object or null and fn returned true for every member.
func (v *shapeValues) objectOrNull(s jsonSpan, fn func(name []byte, val jsonSpan) bool) bool {
	switch v.raw[s.lo] {
	case 'n':
		return true
	case '{':
	default:
		return false
	}
	ok := true
	v.members(s, func(name []byte, val jsonSpan) bool {
		ok = fn(name, val)
		return ok
	})
	return ok
}

// Walking validated JSON: these assume b holds valid JSON (scanObject
// passed) and only find where things end.

// eachMember calls fn with the key token (quotes included) and value
// offsets of each member of the object at b[i], until fn returns false.
func eachMember(b []byte, i int, fn func(k0, k1, v0, v1 int) bool) {
	i = skipJSONSpace(b, i+1)
	for i < len(b) && b[i] == '"' {
		k1 := jsonStringEnd(b, i)
		v0 := skipJSONSpace(b, skipJSONSpace(b, k1)+1) // past ':'
		if v0 >= len(b) {
			return
		}
		v1 := jsonValueEnd(b, v0)
		if !fn(i, k1, v0, v1) {
			return
		}
		i = skipJSONSpace(b, v1)
		if i < len(b) && b[i] == ',' {
			i = skipJSONSpace(b, i+1)
		}
	}
}

// eachElement calls fn with the offsets of each element of the array at
// b[i], until fn returns false.
func eachElement(b []byte, i int, fn func(e0, e1 int) bool) {
	i = skipJSONSpace(b, i+1)
	for i < len(b) && b[i] != ']' {
		e := jsonValueEnd(b, i)
		if !fn(i, e) {
			return
		}
		i = skipJSONSpace(b, e)
		if i < len(b) && b[i] == ',' {
			i = skipJSONSpace(b, i+1)
		}
	}
}

// jsonStringEnd returns the index just past the string starting at b[i].
func jsonStringEnd(b []byte, i int) int {
	for j := i + 1; ; j++ {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return len(b)
		}
		j += k
		// The quote is escaped when an odd run of backslashes precedes it.
		n := 0
		for p := j - 1; p > i && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return j + 1
		}
	}
}

// jsonValueEnd returns the index just past the value starting at b[i].
func jsonValueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return jsonStringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			for j < len(b) && !splitStop[b[j]] {
				j++
			}
			if j == len(b) {
				break
			}
			switch b[j] {
			case '"':
				j = jsonStringEnd(b, j) - 1
			case '{', '[':
				depth++
			default: // '}', ']'
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(b)
	}
	j := i
	for j < len(b) && !jsonScalarStop[b[j]] {
		j++
	}
	return j
}

// jsonScalarStop marks the bytes that end a number or literal.
var jsonScalarStop = func() (t [256]bool) {
	for _, c := range []byte(",}] \t\r\n") {
		t[c] = true
	}
	return t
}()

func skipJSONSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

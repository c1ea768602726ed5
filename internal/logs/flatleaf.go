package logs

// Bounded flat_object leaves.
//
// A flat_object field indexes every leaf of its object as a keyword term
// ("<path>=<value>" and "<value>") and, unlike a keyword field, has no
// ignore_above: a leaf longer than Lucene's limit on one term (32766 bytes
// of UTF-8, IndexWriter.MAX_TERM_LENGTH) makes the whole document fail with
// an "immense term" error, and the loader dead-letters it. A CloudTrail
// requestParameters value can be that long (a policy document, a user-data
// script). So before a document leaves the normalizer, every string leaf
// under a path its schema declares flat_object is cut to MaxFlatLeafBytes,
// with a marker saying how long it was, and the full record is kept in
// event.original (a keyword with ignore_above: stored, not indexed).

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// MaxFlatLeafBytes is the longest string leaf kept whole under a
// flat_object path: a quarter of Lucene's 32766-byte term limit, so that
// the path prefix of the "<path>=<value>" term always fits too.
const MaxFlatLeafBytes = 8 << 10

// boundFlatLeaves returns the aws.<typ> object raw with every string leaf
// under a flat_object path cut to MaxFlatLeafBytes, and whether anything
// was cut. It reads nothing unless raw holds a string that long.
func boundFlatLeaves(typ string, raw []byte) ([]byte, bool) {
	flat := flatPaths(typ)
	if len(flat) == 0 || len(raw) <= MaxFlatLeafBytes || !hasLongString(raw) {
		return raw, false
	}
	out, cut, err := rewriteLeaves(raw, flat)
	if err != nil || !cut {
		return raw, false
	}
	return out, true
}

// hasLongString reports whether raw (JSON) holds a string token longer
// than MaxFlatLeafBytes, by a scan of its quotes.
func hasLongString(raw []byte) bool {
	for i := 0; i < len(raw); i++ {
		if raw[i] != '"' {
			continue
		}
		j := i + 1
		for j < len(raw) && raw[j] != '"' {
			if raw[j] == '\\' {
				j++
			}
			j++
		}
		if j-i-1 > MaxFlatLeafBytes {
			return true
		}
		i = j
	}
	return false
}

// leafFrame is an open object or array of rewriteLeaves.
type leafFrame struct {
	object  bool
	wantKey bool // inside an object: the next string is a key
	n       int  // members or elements written
}

// rewriteLeaves re-encodes raw compactly, cutting the long string leaves
// under the flat paths.
func rewriteLeaves(raw []byte, flat map[string]bool) ([]byte, bool, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var stack []leafFrame
	var path []string // the keys leading to the current value
	// valueDone ends a value: in an object, its key leaves the path and a
	// key comes next.
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].wantKey = true
			path = path[:len(path)-1]
		}
	}
	out := make([]byte, 0, len(raw))
	cut := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, false, err
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			out = append(out, byte(d))
			stack = stack[:len(stack)-1]
			valueDone()
			continue
		}
		if n := len(stack); n > 0 {
			f := &stack[n-1]
			if f.n > 0 && (!f.object || f.wantKey) {
				out = append(out, ',')
			}
			if f.object && f.wantKey {
				key, _ := tok.(string)
				f.n++
				out = ecs.AppendJSONString(out, key)
				out = append(out, ':')
				f.wantKey = false
				path = append(path, key)
				continue
			}
			if !f.object {
				f.n++
			}
		}
		switch v := tok.(type) {
		case json.Delim:
			out = append(out, byte(v))
			stack = append(stack, leafFrame{object: v == '{', wantKey: v == '{'})
			continue
		case string:
			if len(v) > MaxFlatLeafBytes && underFlat(path, flat) {
				v = truncateLeaf(v)
				cut = true
			}
			out = ecs.AppendJSONString(out, v)
		case json.Number:
			out = append(out, v...)
		case bool:
			out = strconv.AppendBool(out, v)
		case nil:
			out = append(out, "null"...)
		}
		valueDone()
	}
	return out, cut, nil
}

// underFlat reports whether the key path (array elements add no key) lies
// at or below a flat_object path.
func underFlat(path []string, flat map[string]bool) bool {
	p := ""
	for i, k := range path {
		if i > 0 {
			p += "."
		}
		p += k
		if flat[p] {
			return true
		}
	}
	return false
}

// truncateLeaf cuts s to at most MaxFlatLeafBytes at a UTF-8 boundary and
// says how long it was.
func truncateLeaf(s string) string {
	n := MaxFlatLeafBytes
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + " [orgsiem: truncated, " + strconv.Itoa(len(s)) + " bytes in event.original]"
}

package logs

import "fmt"

// Byte classes of the JSON scanners.
var (
	// strStop marks the bytes that end a run of plain string content.
	strStop = func() (t [256]bool) {
		for c := 0; c < 0x20; c++ {
			t[c] = true
		}
		t['"'], t['\\'] = true, true
		return t
	}()
)

// member is one top-level member of a JSON object, as offsets into the
// scanned bytes: the key without its quotes, and the raw value.
type member struct {
	keyStart, keyEnd, valStart, valEnd int
}

// scanObject validates raw as one JSON value (RFC 8259 grammar; strings may
// hold invalid UTF-8, which the writer repairs) and, when it is an object,
// calls fn for each top-level member in order. It returns whether raw is an
// object. One pass; no allocation.
func scanObject(raw []byte, fn func(m member)) (isObject bool, err error) {
	s := recordScanner{b: raw}
	s.space()
	if s.i < len(s.b) && s.b[s.i] == '{' {
		isObject = true
		err = s.object(fn)
	} else {
		err = s.value(0)
	}
	if err == nil {
		s.space()
		if s.i != len(s.b) {
			err = s.fail("data after the JSON value")
		}
	}
	return isObject, err
}

// maxDepth bounds nesting, so hostile input cannot exhaust the stack.
const maxDepth = 512

type recordScanner struct {
	b []byte
	i int
}

func (s *recordScanner) fail(msg string) error {
	return fmt.Errorf("invalid JSON at byte %d: %s", s.i, msg)
}

func (s *recordScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// object scans the top-level object, reporting its members.
func (s *recordScanner) object(fn func(m member)) error {
	return s.items(0, '}', func(keyStart, keyEnd int, _ bool) error {
		start := s.i
		if err := s.value(1); err != nil {
			return err
		}
		fn(member{keyStart: keyStart, keyEnd: keyEnd, valStart: start, valEnd: s.i})
		return nil
	})
}

// value scans any JSON value at nesting depth.
func (s *recordScanner) value(depth int) error {
	if depth > maxDepth {
		return s.fail("nested too deep")
	}
	if s.i >= len(s.b) {
		return s.fail("want a value")
	}
	switch c := s.b[s.i]; {
	case c == '"':
		_, err := s.str()
		return err
	case c == '{':
		return s.items(depth, '}', nil)
	case c == '[':
		return s.items(depth, ']', nil)
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	}
	return s.fail("want a value")
}

// items scans the object or array at s.i (its opening bracket), closed by
// end: the one loop over members and elements. For each it calls item,
// when not nil, with s at the first byte of the value (and the offsets of
// the key of a member without its quotes, and whether the key holds
// escapes); item must scan the value. A nil item has value scan it at
// depth+1, without an indirect call per value.
func (s *recordScanner) items(depth int, end byte, item func(keyStart, keyEnd int, escaped bool) error) error {
	s.i++
	s.space()
	if s.i < len(s.b) && s.b[s.i] == end {
		s.i++
		return nil
	}
	for {
		s.space()
		var keyStart, keyEnd int
		var escaped bool
		if end == '}' {
			if s.i >= len(s.b) || s.b[s.i] != '"' {
				return s.fail("want a key")
			}
			keyStart = s.i + 1
			var err error
			if escaped, err = s.str(); err != nil {
				return err
			}
			keyEnd = s.i - 1
			s.space()
			if s.i >= len(s.b) || s.b[s.i] != ':' {
				return s.fail("want ':'")
			}
			s.i++
			s.space()
		}
		var err error
		if item != nil {
			err = item(keyStart, keyEnd, escaped)
		} else {
			err = s.value(depth + 1)
		}
		if err != nil {
			return err
		}
		s.space()
		if s.i >= len(s.b) {
			return s.unclosed(end)
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case end:
			s.i++
			return nil
		default:
			return s.unclosed(end)
		}
	}
}

// unclosed is the error of a container that does not go on after an item.
func (s *recordScanner) unclosed(end byte) error {
	what, want := "object", "want ',' or '}'"
	if end == ']' {
		what, want = "array", "want ',' or ']'"
	}
	if s.i >= len(s.b) {
		return s.fail("unterminated " + what)
	}
	return s.fail(want)
}

// str scans a string starting at its opening quote and reports whether it
// holds escapes.
func (s *recordScanner) str() (escaped bool, err error) {
	s.i++
	b := s.b
	for {
		i := s.i
		for i < len(b) && !strStop[b[i]] {
			i++
		}
		s.i = i
		if i >= len(b) {
			return escaped, s.fail("unterminated string")
		}
		switch c := b[i]; {
		case c == '"':
			s.i++
			return escaped, nil
		case c == '\\':
			escaped = true
			if i+1 >= len(b) {
				return escaped, s.fail("unterminated escape")
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if i+6 > len(b) || !isHex4Digits(b[i+2:i+6]) {
					return escaped, s.fail(`bad \u escape`)
				}
				s.i += 6
			default:
				return escaped, s.fail("bad escape")
			}
		default:
			return escaped, s.fail("control character in string")
		}
	}
}

func isHex4Digits(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func (s *recordScanner) literal(word string) error {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return s.fail("bad literal")
	}
	s.i += len(word)
	return nil
}

// number scans -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *recordScanner) number() error {
	b := s.b
	if b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(b) && b[s.i] == '0':
		s.i++
	case s.i < len(b) && b[s.i] >= '1' && b[s.i] <= '9':
		s.digits()
	default:
		return s.fail("bad number")
	}
	if s.i < len(b) && b[s.i] == '.' {
		s.i++
		if !s.digits() {
			return s.fail("bad number fraction")
		}
	}
	if s.i < len(b) && (b[s.i] == 'e' || b[s.i] == 'E') {
		s.i++
		if s.i < len(b) && (b[s.i] == '+' || b[s.i] == '-') {
			s.i++
		}
		if !s.digits() {
			return s.fail("bad number exponent")
		}
	}
	return nil
}

func (s *recordScanner) digits() bool {
	start := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}

package logs

import (
	"bytes"
	"fmt"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

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
	s.i++ // {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return nil
	}
	for {
		s.space()
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return s.fail("want a key")
		}
		kstart := s.i + 1
		if _, err := s.str(); err != nil {
			return err
		}
		kend := s.i - 1
		s.space()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return s.fail("want ':'")
		}
		s.i++
		s.space()
		vstart := s.i
		if err := s.value(1); err != nil {
			return err
		}
		fn(member{keyStart: kstart, keyEnd: kend, valStart: vstart, valEnd: s.i})
		s.space()
		if s.i >= len(s.b) {
			return s.fail("unterminated object")
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return s.fail("want ',' or '}'")
		}
	}
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
		return s.container(depth, '}', true)
	case c == '[':
		return s.container(depth, ']', false)
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

func (s *recordScanner) container(depth int, end byte, keys bool) error {
	s.i++
	s.space()
	if s.i < len(s.b) && s.b[s.i] == end {
		s.i++
		return nil
	}
	for {
		s.space()
		if keys {
			if s.i >= len(s.b) || s.b[s.i] != '"' {
				return s.fail("want a key")
			}
			if _, err := s.str(); err != nil {
				return err
			}
			s.space()
			if s.i >= len(s.b) || s.b[s.i] != ':' {
				return s.fail("want ':'")
			}
			s.i++
			s.space()
		}
		if err := s.value(depth + 1); err != nil {
			return err
		}
		s.space()
		if s.i >= len(s.b) {
			return s.fail("unterminated container")
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case end:
			s.i++
			return nil
		default:
			return s.fail("want ',' or the closing bracket")
		}
	}
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

// unquoteJSON decodes a JSON string token (with its quotes) that a
// recordScanner has validated, exactly as encoding/json decodes it into a
// string: escapes resolved, a lone or mismatched UTF-16 surrogate and
// every invalid UTF-8 byte become U+FFFD. scratch is reused for strings
// with escapes or invalid UTF-8; the result is always a fresh string.
func unquoteJSON(tok []byte, scratch *[]byte) string {
	s := tok[1 : len(tok)-1]
	if bytes.IndexByte(s, '\\') < 0 && utf8.Valid(s) {
		return string(s)
	}
	b := (*scratch)[:0]
	for r := 0; r < len(s); {
		c := s[r]
		switch {
		case c == '\\':
			r++
			switch s[r] {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				rr := hex4(s[r+1 : r+5])
				r += 4
				if utf16.IsSurrogate(rr) {
					if r+7 <= len(s) && s[r+1] == '\\' && s[r+2] == 'u' {
						if dec := utf16.DecodeRune(rr, hex4(s[r+3:r+7])); dec != unicode.ReplacementChar {
							b = utf8.AppendRune(b, dec)
							r += 7
							continue
						}
					}
					rr = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, rr)
			default: // '"', '\\', '/'
				b = append(b, s[r])
			}
			r++
		case c < utf8.RuneSelf:
			b = append(b, c)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			b = utf8.AppendRune(b, rr)
			r += size
		}
	}
	*scratch = b
	return string(b)
}

// hex4 reads four hex digits (validated by the scanner).
func hex4(h []byte) rune {
	var r rune
	for _, c := range h[:4] {
		r = r<<4 | rune(unhex(c))
	}
	return r
}

package logs

import (
	"fmt"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// strPlain marks the bytes a JSON string holds as themselves: printable
// ASCII but '"' and '\\'.
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = false, false
	return t
}()

// scanJSONString scans the JSON string starting at s.i (its opening quote),
// validating it as recordScanner.str does, and decodes it in the same pass,
// exactly as encoding/json decodes it into a string: escapes resolved, a
// lone or mismatched UTF-16 surrogate and every invalid UTF-8 byte become
// U+FFFD. The content is the string's own bytes when it decodes to itself
// (no escape, valid UTF-8: no copy), else it is decoded onto the end of
// dst, which is returned (content is then its tail). ok is false for
// invalid JSON; s.i is then undefined.
func scanJSONString(s *recordScanner, dst []byte) (content, newDst []byte, ok bool) {
	b := s.b
	start := s.i + 1
	i := start
	for {
		for i < len(b) && strPlain[b[i]] {
			i++
		}
		if i >= len(b) {
			return nil, dst, false
		}
		if b[i] == '"' {
			s.i = i + 1
			return b[start:i], dst, true
		}
		if b[i] < utf8.RuneSelf {
			break // an escape or a control character
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			break
		}
		i += size
	}
	n := len(dst)
	out := append(dst, b[start:i]...)
	for {
		j := i
		for j < len(b) && strPlain[b[j]] {
			j++
		}
		out = append(out, b[i:j]...)
		i = j
		if i >= len(b) {
			return nil, out, false
		}
		switch c := b[i]; {
		case c == '"':
			s.i = i + 1
			return out[n:], out, true
		case c == '\\':
			if i+1 >= len(b) {
				return nil, out, false
			}
			switch b[i+1] {
			case '"', '\\', '/':
				out = append(out, b[i+1])
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				if i+6 > len(b) || !isHex4Digits(b[i+2:i+6]) {
					return nil, out, false
				}
				r := hex4(b[i+2 : i+6])
				i += 6
				if utf16.IsSurrogate(r) {
					if i+6 <= len(b) && b[i] == '\\' && b[i+1] == 'u' && isHex4Digits(b[i+2:i+6]) {
						if dec := utf16.DecodeRune(r, hex4(b[i+2:i+6])); dec != unicode.ReplacementChar {
							out = utf8.AppendRune(out, dec)
							i += 6
							continue
						}
					}
					r = unicode.ReplacementChar
				}
				out = utf8.AppendRune(out, r)
				continue
			default:
				return nil, out, false
			}
			i += 2
		case c < 0x20:
			return nil, out, false
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, unicode.ReplacementChar)
			} else {
				out = append(out, b[i:i+size]...)
			}
			i += size
		}
	}
}

// unquoteJSON decodes a JSON string token (with its quotes) that a
// recordScanner has validated, as scanJSONString does. scratch is reused
// for strings with escapes or invalid UTF-8; the result is always a fresh
// string.
func unquoteJSON(tok []byte, scratch *[]byte) string {
	s := recordScanner{b: tok}
	content, buf, ok := scanJSONString(&s, (*scratch)[:0])
	*scratch = buf
	if !ok || s.i != len(tok) {
		// The callers hold tokens their scan accepted: a bug, not input.
		panic(fmt.Sprintf("unquoteJSON of %q, which is not one JSON string", tok))
	}
	return string(content)
}

// hex4 reads four hex digits (validated by the caller).
func hex4(h []byte) rune {
	var r rune
	for _, c := range h[:4] {
		r = r<<4 | rune(unhex(c))
	}
	return r
}

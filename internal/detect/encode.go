package detect

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// Value transformations of the Sigma specification
// (sigma-appendix-modifiers.md, "String Modifiers" and "Encoding"), the
// time modifiers ("Time Modifiers") and keyword searches
// (sigma-rules-specification.md, "Keywords search").

// maxVariants bounds the values one rule value may expand into (windash
// makes 5^n of a value with n dashes).
const maxVariants = 4096

// encode applies the encodings in order to one value and returns its
// variants, each a Sigma string (wildcards and escapes as in the rule).
// Values of other kinds than string pass unchanged.
func encode(v lit, enc []string) ([]lit, error) {
	if len(enc) == 0 || v.kind == litNull {
		return []lit{v}, nil
	}
	cur := [][]globTok{parseSigmaString(v.s)}
	for _, e := range enc {
		var next [][]globTok
		for _, toks := range cur {
			out, err := encodeOne(e, toks)
			if err != nil {
				return nil, fmt.Errorf("%s of %q: %w", e, v.s, err)
			}
			next = append(next, out...)
		}
		if len(next) > maxVariants {
			return nil, fmt.Errorf("%s of %q makes more than %d values", e, v.s, maxVariants)
		}
		cur = next
	}
	out := make([]lit, len(cur))
	for i, toks := range cur {
		out[i] = lit{kind: litString, s: renderSigma(toks), line: v.line}
	}
	return out, nil
}

func encodeOne(enc string, toks []globTok) ([][]globTok, error) {
	switch enc {
	case "windash":
		return windash(toks)
	case "utf16le", "utf16be", "utf16":
		out := make([]globTok, 0, len(toks)+1)
		if enc == "utf16" {
			// "Prepends a byte order mark and encodes UTF16": FF FE, then
			// little-endian code units.
			out = append(out, globTok{kind: 'l', lit: "\xff\xfe"})
		}
		for _, t := range toks {
			if t.kind != 'l' {
				out = append(out, t)
				continue
			}
			out = append(out, globTok{kind: 'l', lit: utf16Bytes(t.lit, enc == "utf16be")})
		}
		return [][]globTok{out}, nil
	case "base64", "base64offset":
		var raw strings.Builder
		for _, t := range toks {
			if t.kind != 'l' {
				return nil, fmt.Errorf("a value with wildcards has no Base64 form")
			}
			raw.WriteString(t.lit)
		}
		if enc == "base64" {
			return [][]globTok{{{kind: 'l', lit: base64.StdEncoding.EncodeToString([]byte(raw.String()))}}}, nil
		}
		var out [][]globTok
		for _, s := range base64Offsets(raw.String()) {
			out = append(out, []globTok{{kind: 'l', lit: s}})
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown encoding %q", enc)
}

// base64Offsets returns the parts of the Base64 encoding of s that do not
// depend on what surrounds s, for s starting at each of the three byte
// offsets modulo 3 ("base64offset"). With i bytes before s, the first
// characters mix those bytes with s: one character for i = 1 is all
// filler, the second mixes; for i = 2 two are filler and the third mixes.
// At the end, a group of one byte leaves one mixed character and "==", a
// group of two one mixed character and "=".
func base64Offsets(s string) []string {
	out := make([]string, 0, 3)
	start := [3]int{0, 2, 3}
	for i := 0; i < 3; i++ {
		enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat(" ", i) + s))
		end := len(enc)
		switch (len(s) + i) % 3 {
		case 1:
			end -= 3
		case 2:
			end -= 2
		}
		if end <= start[i] {
			continue // too short to have a stable part at this offset
		}
		out = append(out, enc[start[i]:end])
	}
	return out
}

func utf16Bytes(s string, bigEndian bool) string {
	var b strings.Builder
	for _, u := range utf16.Encode([]rune(s)) {
		hi, lo := byte(u>>8), byte(u)
		if bigEndian {
			b.WriteByte(hi)
			b.WriteByte(lo)
		} else {
			b.WriteByte(lo)
			b.WriteByte(hi)
		}
	}
	return b.String()
}

// windashChars are the characters windash interchanges: "-, /, – (en
// dash), — (em dash), and ― (horizontal bar)".
var windashChars = []string{"-", "/", "\u2013", "\u2014", "\u2015"}

// windash returns every permutation of the dash characters of the
// value's literal parts.
func windash(toks []globTok) ([][]globTok, error) {
	out := [][]globTok{nil}
	for _, t := range toks {
		if t.kind != 'l' {
			for i := range out {
				out[i] = append(out[i], t)
			}
			continue
		}
		variants := []string{""}
		for _, r := range t.lit {
			c := string(r)
			alts := []string{c}
			for _, d := range windashChars {
				if d == c {
					alts = windashChars
					break
				}
			}
			next := make([]string, 0, len(variants)*len(alts))
			for _, v := range variants {
				for _, a := range alts {
					next = append(next, v+a)
				}
			}
			variants = next
			if len(variants) > maxVariants {
				return nil, fmt.Errorf("more than %d permutations", maxVariants)
			}
		}
		next := make([][]globTok, 0, len(out)*len(variants))
		for _, o := range out {
			for _, v := range variants {
				next = append(next, append(append([]globTok(nil), o...), globTok{kind: 'l', lit: v}))
			}
		}
		out = next
		if len(out) > maxVariants {
			return nil, fmt.Errorf("more than %d permutations", maxVariants)
		}
	}
	return out, nil
}

// renderSigma writes tokens back as a Sigma string: literal '*', '?' and
// '\' are escaped, so parseSigmaString reads the same tokens.
func renderSigma(toks []globTok) string {
	var b strings.Builder
	for _, t := range toks {
		if t.kind != 'l' {
			b.WriteByte(t.kind)
			continue
		}
		for i := 0; i < len(t.lit); i++ {
			if c := t.lit[i]; c == '*' || c == '?' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(t.lit[i])
		}
	}
	return b.String()
}

// timeParts replaces each date value by the number a time modifier
// extracts from it (UTC, as every document time is): "minute: number
// between 0 and 59 ... week: number between 1 and 52 ... year". Values
// that are not dates are dropped. The slice is rewritten in place.
func timeParts(vals []gjson.Result, part string) []gjson.Result {
	out := vals[:0]
	for _, v := range vals {
		var t time.Time
		switch v.Type {
		case gjson.Number: // typed ECS dates are epoch milliseconds
			t = time.UnixMilli(int64(v.Num)).UTC()
		case gjson.String:
			var err error
			if t, err = time.Parse(time.RFC3339Nano, v.Str); err != nil {
				continue
			}
			t = t.UTC()
		default:
			continue
		}
		var n int
		switch part {
		case "minute":
			n = t.Minute()
		case "hour":
			n = t.Hour()
		case "day":
			n = t.Day()
		case "week":
			_, n = t.ISOWeek()
		case "month":
			n = int(t.Month())
		default:
			n = t.Year()
		}
		out = append(out, gjson.Result{Type: gjson.Number, Num: float64(n), Raw: strconv.Itoa(n)})
	}
	return out
}

// keywordField is the pseudo-field of keyword searches: the event's text,
// which is its message and every string of its original record.
func keywordField() *field {
	return &field{raw: "keywords", path: "", typ: ecs.Keyword, get: keywordText}
}

func keywordText(e *evalDoc, buf []gjson.Result) []gjson.Result {
	if m := e.d.Message; m != "" {
		buf = append(buf, gjson.Result{Type: gjson.String, Str: m})
	}
	if e.raw != "" && utf8.ValidString(e.raw) {
		buf = appendStrings(gjson.Parse(e.raw), buf, 0)
	}
	return buf
}

func appendStrings(r gjson.Result, buf []gjson.Result, depth int) []gjson.Result {
	switch {
	case r.Type == gjson.String:
		return append(buf, r)
	case depth < 64 && (r.IsObject() || r.IsArray()):
		r.ForEach(func(_, v gjson.Result) bool {
			buf = appendStrings(v, buf, depth+1)
			return true
		})
	}
	return buf
}

package detect

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// Value predicates: how one rule value is compared with one field value.
//
// Strings compare with ASCII case folding unless the rule says |cased —
// the same folding OpenSearch applies for "case_insensitive": true, so both
// compilers agree byte for byte. Plain values may hold Sigma wildcards: '*'
// (any run of characters) and '?' (one character); '\*', '\?' and '\\' are
// literal.

// pred is one compiled rule value.
type pred interface {
	match(v gjson.Result) bool
}

// valueText is the text of a field value as OpenSearch indexes it in a
// keyword or flat_object field.
func valueText(v gjson.Result) string {
	switch v.Type {
	case gjson.String:
		return v.Str
	case gjson.True:
		return "true"
	case gjson.False:
		return "false"
	case gjson.Number:
		if v.Raw != "" {
			return v.Raw
		}
		return strconv.FormatFloat(v.Num, 'f', -1, 64)
	default:
		return v.Raw
	}
}

// valueNumber is the numeric value of a field value, for long and double
// fields (JSON strings holding numbers are coerced, as OpenSearch does).
func valueNumber(v gjson.Result) (float64, bool) {
	switch v.Type {
	case gjson.Number:
		return v.Num, true
	case gjson.String:
		f, err := strconv.ParseFloat(strings.TrimSpace(v.Str), 64)
		return f, err == nil
	}
	return 0, false
}

// globTok is one token of a parsed Sigma string value.
type globTok struct {
	kind byte // 'l' literal, '*' any run, '?' one character
	lit  string
}

// parseSigmaString splits a Sigma value into literal runs and wildcards.
func parseSigmaString(s string) []globTok {
	var toks []globTok
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			toks = append(toks, globTok{kind: 'l', lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\'):
			lit.WriteByte(s[i+1])
			i++
		case c == '*':
			flush()
			if len(toks) == 0 || toks[len(toks)-1].kind != '*' {
				toks = append(toks, globTok{kind: '*'})
			}
		case c == '?':
			flush()
			toks = append(toks, globTok{kind: '?'})
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return toks
}

// strKind classifies a pattern by the cheapest way to match it.
type strKind uint8

const (
	skEq strKind = iota
	skPrefix
	skSuffix
	skContains
	skGlob
)

// strPred matches text values against a Sigma pattern.
type strPred struct {
	kind strKind
	lit  string    // eq, prefix, suffix, contains; lower-cased when fold
	toks []globTok // glob; literals lower-cased when fold
	fold bool
}

func newStrPred(toks []globTok, fold bool) *strPred {
	p := &strPred{fold: fold}
	if fold {
		toks = append([]globTok(nil), toks...)
		for i := range toks {
			toks[i].lit = lowerASCII(toks[i].lit)
		}
	}
	lits, stars, quest := 0, 0, 0
	for _, t := range toks {
		switch t.kind {
		case 'l':
			lits++
		case '*':
			stars++
		case '?':
			quest++
		}
	}
	n := len(toks)
	switch {
	case quest == 0 && stars == 0:
		p.kind = skEq
		if n == 1 {
			p.lit = toks[0].lit
		}
	case quest == 0 && n == 1: // "*"
		p.kind = skContains
	case quest == 0 && n == 2 && stars == 1 && toks[1].kind == '*':
		p.kind, p.lit = skPrefix, toks[0].lit
	case quest == 0 && n == 2 && stars == 1 && toks[0].kind == '*':
		p.kind, p.lit = skSuffix, toks[1].lit
	case quest == 0 && n == 3 && stars == 2 && toks[1].kind == 'l':
		p.kind, p.lit = skContains, toks[1].lit
	default:
		p.kind, p.toks = skGlob, toks
	}
	return p
}

func (p *strPred) match(v gjson.Result) bool { return p.matchString(valueText(v)) }

func (p *strPred) matchString(s string) bool {
	switch p.kind {
	case skEq:
		if p.fold {
			return equalFoldASCII(s, p.lit)
		}
		return s == p.lit
	case skPrefix:
		if len(s) < len(p.lit) {
			return false
		}
		if p.fold {
			return equalFoldASCII(s[:len(p.lit)], p.lit)
		}
		return s[:len(p.lit)] == p.lit
	case skSuffix:
		if len(s) < len(p.lit) {
			return false
		}
		if p.fold {
			return equalFoldASCII(s[len(s)-len(p.lit):], p.lit)
		}
		return s[len(s)-len(p.lit):] == p.lit
	case skContains:
		if p.fold {
			return indexFoldASCII(s, p.lit) >= 0
		}
		return strings.Contains(s, p.lit)
	}
	return globMatch(p.toks, s, p.fold)
}

// globMatch matches s against tokens with '*' backtracking to the last
// star only, which is exact for '*' and '?' patterns.
func globMatch(toks []globTok, s string, fold bool) bool {
	ti, si := 0, 0
	starT, starS := -1, 0
	for {
		if ti < len(toks) {
			t := toks[ti]
			switch t.kind {
			case '*':
				if ti == len(toks)-1 {
					return true
				}
				starT, starS = ti, si
				ti++
				continue
			case '?':
				if si < len(s) {
					_, w := utf8.DecodeRuneInString(s[si:])
					si += w
					ti++
					continue
				}
			case 'l':
				if len(s)-si >= len(t.lit) && litEqual(s[si:si+len(t.lit)], t.lit, fold) {
					si += len(t.lit)
					ti++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		if starT < 0 || starS >= len(s) {
			return false
		}
		_, w := utf8.DecodeRuneInString(s[starS:])
		starS += w
		ti, si = starT+1, starS
	}
}

func litEqual(a, b string, fold bool) bool {
	if fold {
		return equalFoldASCII(a, b)
	}
	return a == b
}

// equalFoldASCII reports whether s equals lower (already lower-case) under
// ASCII case folding.
func equalFoldASCII(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// indexFoldASCII is strings.Index under ASCII case folding; sub is lower-case.
// It finds candidates with strings.IndexByte: on a byte of sub that has no
// case when there is one, else on the first byte in both cases.
func indexFoldASCII(s, sub string) int {
	if sub == "" {
		return 0
	}
	at := -1
	for i := 0; i < len(sub); i++ {
		if c := sub[i]; c < 'a' || c > 'z' {
			at = i
			break
		}
	}
	if at >= 0 {
		c := sub[at]
		for i := at; i < len(s); i++ {
			j := strings.IndexByte(s[i:], c)
			if j < 0 {
				return -1
			}
			i += j
			if start := i - at; start+len(sub) <= len(s) && equalFoldASCII(s[start:start+len(sub)], sub) {
				return start
			}
		}
		return -1
	}
	// Next positions of the first byte in lower and upper case at or
	// after i; -1 when there is none.
	lo, up := sub[0], sub[0]-('a'-'A')
	nlo, nup := nextByte(s, 0, lo), nextByte(s, 0, up)
	for {
		i := nlo
		if i < 0 || (nup >= 0 && nup < i) {
			i = nup
		}
		if i < 0 || i+len(sub) > len(s) {
			return -1
		}
		if equalFoldASCII(s[i:i+len(sub)], sub) {
			return i
		}
		if i == nlo {
			nlo = nextByte(s, i+1, lo)
		} else {
			nup = nextByte(s, i+1, up)
		}
	}
}

// nextByte is the index of c in s at or after i, or -1.
func nextByte(s string, i int, c byte) int {
	if j := strings.IndexByte(s[i:], c); j >= 0 {
		return i + j
	}
	return -1
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return string(appendLowerASCII(make([]byte, 0, len(s)), s))
		}
	}
	return s
}

func appendLowerASCII(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// numEqPred matches long/double fields numerically.
type numEqPred struct{ n float64 }

func (p numEqPred) match(v gjson.Result) bool {
	f, ok := valueNumber(v)
	return ok && f == p.n
}

// cmpPred implements gt/gte/lt/lte.
type cmpPred struct {
	op string
	n  float64
}

func (p cmpPred) match(v gjson.Result) bool {
	f, ok := valueNumber(v)
	if !ok {
		return false
	}
	switch p.op {
	case "gt":
		return f > p.n
	case "gte":
		return f >= p.n
	case "lt":
		return f < p.n
	default:
		return f <= p.n
	}
}

// ipEqPred matches ip fields by address.
type ipEqPred struct{ a netip.Addr }

func (p ipEqPred) match(v gjson.Result) bool {
	a, err := netip.ParseAddr(valueText(v))
	return err == nil && a.Unmap() == p.a
}

// cidrPred matches ip fields inside a prefix.
type cidrPred struct{ p netip.Prefix }

func (p cidrPred) match(v gjson.Result) bool {
	a, err := netip.ParseAddr(valueText(v))
	return err == nil && p.p.Contains(a.Unmap())
}

// boolPred matches boolean fields (true/false or their text).
type boolPred struct{ b bool }

func (p boolPred) match(v gjson.Result) bool {
	switch v.Type {
	case gjson.True:
		return p.b
	case gjson.False:
		return !p.b
	case gjson.String:
		return v.Str == strconv.FormatBool(p.b)
	}
	return false
}

func parseBool(s string) (bool, error) {
	switch s {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (true or false)", s)
}

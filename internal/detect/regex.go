package detect

import (
	"fmt"
	"regexp/syntax"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// luceneRegexp translates a Go regular expression (searched unanchored, as
// the |re modifier does) into an equivalent Lucene regexp (which must
// match the whole term), for OpenSearch regexp queries:
//
//   - an unanchored side gets ".*" (Lucene "." matches any character);
//   - case folding ((?i)) becomes character classes of every case variant;
//   - "." without (?s) becomes "[^\n]", as in Go;
//   - every non-alphanumeric literal is escaped, so Lucene's optional
//     operators (@ & ~ < > #) never apply.
//
// Constructs Lucene lacks (word boundaries, multi-line anchors, anchors
// inside the expression) are errors, so a rule never means one thing in
// process and another in OpenSearch.
func luceneRegexp(src string) (string, error) {
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return "", err
	}
	subs := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		subs = re.Sub
	}
	startAnchored, endAnchored := false, false
	if len(subs) > 0 && subs[0].Op == syntax.OpBeginText {
		startAnchored, subs = true, subs[1:]
	}
	if len(subs) > 0 && subs[len(subs)-1].Op == syntax.OpEndText {
		endAnchored, subs = true, subs[:len(subs)-1]
	}
	var b strings.Builder
	if !startAnchored {
		b.WriteString(".*")
	}
	for _, s := range subs {
		if err := renderLucene(&b, s); err != nil {
			return "", err
		}
	}
	if !endAnchored {
		b.WriteString(".*")
	}
	return b.String(), nil
}

func renderLucene(b *strings.Builder, re *syntax.Regexp) error {
	switch re.Op {
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if re.Flags&syntax.FoldCase != 0 {
				if variants := foldOrbit(r); len(variants) > 1 {
					b.WriteByte('[')
					for _, v := range variants {
						if err := writeLuceneRune(b, v); err != nil {
							return err
						}
					}
					b.WriteByte(']')
					continue
				}
			}
			if err := writeLuceneRune(b, r); err != nil {
				return err
			}
		}
	case syntax.OpCharClass:
		if len(re.Rune) == 0 {
			return fmt.Errorf("empty character class")
		}
		b.WriteByte('[')
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			if err := writeLuceneRune(b, lo); err != nil {
				return err
			}
			if hi != lo {
				b.WriteByte('-')
				if err := writeLuceneRune(b, hi); err != nil {
					return err
				}
			}
		}
		b.WriteByte(']')
	case syntax.OpAnyCharNotNL:
		b.WriteString("[^\n]")
	case syntax.OpAnyChar:
		b.WriteByte('.')
	case syntax.OpCapture:
		b.WriteByte('(')
		if err := renderLucene(b, re.Sub[0]); err != nil {
			return err
		}
		b.WriteByte(')')
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		if err := renderGroup(b, re.Sub[0]); err != nil {
			return err
		}
		switch re.Op {
		case syntax.OpStar:
			b.WriteByte('*')
		case syntax.OpPlus:
			b.WriteByte('+')
		case syntax.OpQuest:
			b.WriteByte('?')
		default:
			b.WriteByte('{')
			b.WriteString(strconv.Itoa(re.Min))
			if re.Max != re.Min {
				b.WriteByte(',')
				if re.Max >= 0 {
					b.WriteString(strconv.Itoa(re.Max))
				}
			}
			b.WriteByte('}')
		}
	case syntax.OpConcat:
		for _, s := range re.Sub {
			if err := renderLucene(b, s); err != nil {
				return err
			}
		}
	case syntax.OpAlternate:
		b.WriteByte('(')
		for i, s := range re.Sub {
			if i > 0 {
				b.WriteByte('|')
			}
			if s.Op == syntax.OpEmptyMatch {
				return fmt.Errorf("empty alternative")
			}
			if err := renderLucene(b, s); err != nil {
				return err
			}
		}
		b.WriteByte(')')
	case syntax.OpEmptyMatch:
		return fmt.Errorf("empty expression")
	case syntax.OpBeginText, syntax.OpEndText:
		return fmt.Errorf("^ and $ are only supported at the start and end")
	case syntax.OpBeginLine, syntax.OpEndLine:
		return fmt.Errorf("multi-line anchors are not supported")
	case syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return fmt.Errorf(`\b and \B are not supported`)
	default:
		return fmt.Errorf("unsupported construct %v", re.Op)
	}
	return nil
}

// renderGroup renders re as one unit for a repetition operator.
func renderGroup(b *strings.Builder, re *syntax.Regexp) error {
	single := re.Op == syntax.OpCharClass || re.Op == syntax.OpAnyChar || re.Op == syntax.OpAnyCharNotNL ||
		re.Op == syntax.OpCapture || (re.Op == syntax.OpLiteral && len(re.Rune) == 1)
	if single {
		return renderLucene(b, re)
	}
	b.WriteByte('(')
	if err := renderLucene(b, re); err != nil {
		return err
	}
	b.WriteByte(')')
	return nil
}

func writeLuceneRune(b *strings.Builder, r rune) error {
	if !utf8.ValidRune(r) {
		return fmt.Errorf("character %U cannot be written in a query", r)
	}
	if r < 0x80 && !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
		b.WriteByte('\\')
	}
	b.WriteRune(r)
	return nil
}

// foldOrbit returns r and every rune it equals under simple case folding.
func foldOrbit(r rune) []rune {
	out := []rune{r}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		out = append(out, f)
	}
	return out
}

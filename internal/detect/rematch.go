package detect

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// rePred is the |re modifier: an unanchored Go regular expression search.
//
// re is the expression as written. Matching uses the cheapest equivalent
// form found at compile time:
//
//   - literal alternatives (case-sensitive literals, "a|b|c", optionally
//     anchored) are string searches, or a set lookup when both ends are
//     anchored;
//   - otherwise run, the expression without the leading and trailing ".*"
//     an unanchored search does not need (they hide the literal prefix
//     regexp would search with strings.Index), behind a test for a
//     literal every match contains.
//
// The analysis runs on first use (plan), not at load: most rules never see
// a document their regular expression is tested on in a short run, and
// start-up time matters (the loader Lambda's cold start).
type rePred struct {
	re   *regexp.Regexp
	once sync.Once
	rePlan
}

// rePlan is how a rePred matches.
type rePlan struct {
	src string // as written, with (?flags) prefix applied

	lits   []string            // literal alternatives; nil: use run
	set    map[string]struct{} // lits, for anchor == anchorBoth
	anchor reAnchor
	run    *regexp.Regexp
	need   string // a literal every match contains, or ""
}

type reAnchor uint8

const (
	anchorNone reAnchor = iota
	anchorStart
	anchorEnd
	anchorBoth
)

func newRePred(re *regexp.Regexp) *rePred { return &rePred{re: re} }

// plan analyses the expression once; every method of rePred calls it first.
func (p *rePred) plan() {
	p.once.Do(func() { p.rePlan = planRe(p.re) })
}

func planRe(re *regexp.Regexp) rePlan {
	p := rePlan{src: re.String(), run: re}
	tree, err := syntax.Parse(p.src, syntax.Perl)
	if err != nil {
		return p
	}
	subs := []*syntax.Regexp{unwrapCapture(tree.Simplify())}
	if subs[0].Op == syntax.OpConcat {
		subs = subs[0].Sub
	}
	start := len(subs) > 0 && subs[0].Op == syntax.OpBeginText
	if start {
		subs = subs[1:]
	}
	end := len(subs) > 0 && subs[len(subs)-1].Op == syntax.OpEndText
	if end {
		subs = subs[:len(subs)-1]
	}
	// A leading or trailing ".*" changes nothing in an unanchored search.
	for !start && len(subs) > 0 && isDotStar(subs[0]) {
		subs = subs[1:]
	}
	for !end && len(subs) > 0 && isDotStar(subs[len(subs)-1]) {
		subs = subs[:len(subs)-1]
	}
	switch {
	case start && end:
		p.anchor = anchorBoth
	case start:
		p.anchor = anchorStart
	case end:
		p.anchor = anchorEnd
	}
	if lits, ok := literalAlternatives(subs); ok {
		p.lits, p.run = lits, nil
		if p.anchor == anchorBoth {
			p.set = make(map[string]struct{}, len(lits))
			for _, l := range lits {
				p.set[l] = struct{}{}
			}
		}
		return p
	}
	if len(subs) == 0 {
		return p
	}
	var body *syntax.Regexp
	if len(subs) == 1 {
		body = subs[0]
	} else {
		body = &syntax.Regexp{Op: syntax.OpConcat, Sub: subs}
	}
	var sb strings.Builder
	if start {
		sb.WriteString(`\A`)
	}
	sb.WriteString(body.String())
	if end {
		sb.WriteString(`\z`)
	}
	if run, err := regexp.Compile(sb.String()); err == nil {
		p.run = run
	}
	for _, s := range subs {
		if l, ok := caseLiteral(s); ok && len(l) > len(p.need) {
			p.need = l
		}
	}
	if prefix, _ := p.run.LiteralPrefix(); prefix == p.need {
		// regexp searches for its literal prefix itself.
		p.need = ""
	}
	return p
}

func unwrapCapture(re *syntax.Regexp) *syntax.Regexp {
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	return re
}

func isDotStar(re *syntax.Regexp) bool {
	return re.Op == syntax.OpStar && (re.Sub[0].Op == syntax.OpAnyChar || re.Sub[0].Op == syntax.OpAnyCharNotNL)
}

// literalAlternatives returns the strings subs matches when it is one
// case-sensitive literal or an alternation of them (the empty sequence is
// the empty literal).
func literalAlternatives(subs []*syntax.Regexp) ([]string, bool) {
	switch len(subs) {
	case 0:
		return []string{""}, true
	case 1:
	default:
		return nil, false
	}
	re := unwrapCapture(subs[0])
	if s, ok := caseLiteral(re); ok {
		return []string{s}, true
	}
	if re.Op != syntax.OpAlternate {
		return nil, false
	}
	out := make([]string, 0, len(re.Sub))
	for _, alt := range re.Sub {
		s, ok := caseLiteral(unwrapCapture(alt))
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// caseLiteral returns the string of a case-sensitive literal node. Case
// folding is left to regexp: (?i) folds Unicode (k matches the Kelvin
// sign), which ASCII folding would not reproduce. So is U+FFFD, which
// regexp also matches for every invalid UTF-8 byte.
func caseLiteral(re *syntax.Regexp) (string, bool) {
	switch {
	case re.Op == syntax.OpLiteral && re.Flags&syntax.FoldCase == 0 && !slices.Contains(re.Rune, utf8.RuneError):
		return string(re.Rune), true
	case re.Op == syntax.OpCharClass && len(re.Rune) == 2 && re.Rune[0] == re.Rune[1] && re.Rune[0] != utf8.RuneError:
		return string(re.Rune[0]), true
	case re.Op == syntax.OpEmptyMatch:
		return "", true
	}
	return "", false
}

func (p *rePred) match(v gjson.Result) bool { return p.matchString(valueText(v)) }

func (p *rePred) matchString(s string) bool {
	p.plan()
	if p.lits == nil {
		if p.need != "" && !strings.Contains(s, p.need) {
			return false
		}
		return p.run.MatchString(s)
	}
	if p.set != nil {
		_, ok := p.set[s]
		return ok
	}
	for _, l := range p.lits {
		switch p.anchor {
		case anchorStart:
			if strings.HasPrefix(s, l) {
				return true
			}
		case anchorEnd:
			if strings.HasSuffix(s, l) {
				return true
			}
		default:
			if strings.Contains(s, l) {
				return true
			}
		}
	}
	return false
}

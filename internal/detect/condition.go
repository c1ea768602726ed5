package detect

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
)

// condOp is a node kind of a compiled condition.
type condOp uint8

const (
	opSel condOp = iota
	opAnd
	opOr
	opNot
)

// cond is a compiled condition tree.
type cond struct {
	op   condOp
	sel  *selection
	kids []*cond
}

func (c *cond) eval(e *evalDoc, s *scratch) bool {
	switch c.op {
	case opSel:
		return c.sel.eval(e, s)
	case opNot:
		return !c.kids[0].eval(e, s)
	case opAnd:
		for _, k := range c.kids {
			if !k.eval(e, s) {
				return false
			}
		}
		return true
	default:
		for _, k := range c.kids {
			if k.eval(e, s) {
				return true
			}
		}
		return false
	}
}

// parseCondition parses a Sigma condition:
//
//	expr    = and { "or" and }
//	and     = unary { "and" unary }
//	unary   = "not" unary | primary
//	primary = "(" expr ")" | ("1" | "all") "of" (pattern | "them") | name
//
// Names must be defined selections; a pattern (name with '*') must match at
// least one; "them" means every selection not starting with '_'. It returns
// the selections the condition uses.
func parseCondition(src string, sels map[string]*selection) (*cond, map[string]bool, error) {
	toks, err := lexCondition(src)
	if err != nil {
		return nil, nil, err
	}
	p := &condParser{toks: toks, sels: sels, used: map[string]bool{}}
	c, err := p.expr()
	if err != nil {
		return nil, nil, err
	}
	if p.pos < len(p.toks) {
		return nil, nil, fmt.Errorf("unexpected %q", p.toks[p.pos])
	}
	return c, p.used, nil
}

// errAggregation marks a Sigma 1 aggregation ("| count() by x > 5"),
// which the specification replaced by correlation rules.
var errAggregation = errors.New("aggregation expressions (Sigma 1 \"| count() ...\") are not supported: use threshold")

func lexCondition(src string) ([]string, error) {
	var toks []string
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			toks = append(toks, string(c))
			i++
		case c == '|':
			return nil, fmt.Errorf("%w: %q", errAggregation, strings.TrimSpace(src[i:]))
		case isNameByte(c):
			j := i
			for j < len(src) && isNameByte(src[j]) {
				j++
			}
			toks = append(toks, src[i:j])
			i = j
		default:
			return nil, fmt.Errorf("unexpected character %q", c)
		}
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("empty condition")
	}
	return toks, nil
}

func isNameByte(c byte) bool {
	return c == '_' || c == '*' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

type condParser struct {
	toks []string
	pos  int
	sels map[string]*selection
	used map[string]bool
}

func (p *condParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *condParser) next() string {
	t := p.peek()
	p.pos++
	return t
}

func (p *condParser) expr() (*cond, error) {
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	kids := []*cond{left}
	for p.peek() == "or" {
		p.next()
		right, err := p.and()
		if err != nil {
			return nil, err
		}
		kids = append(kids, right)
	}
	if len(kids) == 1 {
		return left, nil
	}
	return &cond{op: opOr, kids: kids}, nil
}

func (p *condParser) and() (*cond, error) {
	left, err := p.unary()
	if err != nil {
		return nil, err
	}
	kids := []*cond{left}
	for p.peek() == "and" {
		p.next()
		right, err := p.unary()
		if err != nil {
			return nil, err
		}
		kids = append(kids, right)
	}
	if len(kids) == 1 {
		return left, nil
	}
	return &cond{op: opAnd, kids: kids}, nil
}

func (p *condParser) unary() (*cond, error) {
	if p.peek() == "not" {
		p.next()
		k, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &cond{op: opNot, kids: []*cond{k}}, nil
	}
	return p.primary()
}

func (p *condParser) primary() (*cond, error) {
	t := p.next()
	switch {
	case t == "":
		return nil, fmt.Errorf("condition ends early")
	case t == "(":
		c, err := p.expr()
		if err != nil {
			return nil, err
		}
		if p.next() != ")" {
			return nil, fmt.Errorf("missing )")
		}
		return c, nil
	case t == "1" || t == "all":
		if p.next() != "of" {
			return nil, fmt.Errorf("expected \"of\" after %q", t)
		}
		target := p.next()
		names, err := p.matching(target)
		if err != nil {
			return nil, err
		}
		op := opOr
		if t == "all" {
			op = opAnd
		}
		kids := make([]*cond, len(names))
		for i, n := range names {
			kids[i] = &cond{op: opSel, sel: p.sels[n]}
			p.used[n] = true
		}
		if len(kids) == 1 {
			return kids[0], nil
		}
		return &cond{op: op, kids: kids}, nil
	case t == ")" || t == "and" || t == "or" || t == "of" || t == "them":
		return nil, fmt.Errorf("unexpected %q", t)
	case strings.ContainsRune(t, '*'):
		return nil, fmt.Errorf("pattern %q needs \"1 of\" or \"all of\"", t)
	default:
		if isNumber(t) {
			return nil, fmt.Errorf("only \"1 of\" and \"all of\" are supported, not %q", t+" of")
		}
		s := p.sels[t]
		if s == nil {
			return nil, fmt.Errorf("undefined selection %q", t)
		}
		p.used[t] = true
		return &cond{op: opSel, sel: s}, nil
	}
}

// matching returns the selection names a "1 of"/"all of" target covers.
func (p *condParser) matching(target string) ([]string, error) {
	if target == "" || target == "(" || target == ")" {
		return nil, fmt.Errorf("expected a selection pattern or \"them\" after \"of\"")
	}
	var names []string
	for n := range p.sels {
		if target == "them" {
			if !strings.HasPrefix(n, "_") {
				names = append(names, n)
			}
			continue
		}
		if ok, _ := path.Match(target, n); ok {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%q matches no selection", target)
	}
	sort.Strings(names)
	return names, nil
}

func isNumber(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

package detect

// requirement is an equality constraint every match of a condition
// satisfies: event.action (or event.provider) is one of the given values,
// lower-cased. nil means unconstrained. The matcher indexes rules by it.
type requirement struct {
	action, provider []string
}

func (c *cond) requirement() requirement {
	switch c.op {
	case opSel:
		var out requirement
		for i, br := range c.sel.branches {
			r := branchRequirement(br)
			if i == 0 {
				out = r
				continue
			}
			out = requirement{action: union(out.action, r.action), provider: union(out.provider, r.provider)}
		}
		return out
	case opNot:
		return requirement{}
	case opAnd:
		var out requirement
		for _, k := range c.kids {
			out = out.and(k.requirement())
		}
		return out
	default:
		out := c.kids[0].requirement()
		for _, k := range c.kids[1:] {
			r := k.requirement()
			out = requirement{action: union(out.action, r.action), provider: union(out.provider, r.provider)}
		}
		return out
	}
}

// and keeps, per field, the smaller of two constraints (either is sound).
func (r requirement) and(o requirement) requirement {
	pick := func(a, b []string) []string {
		if a == nil || (b != nil && len(b) < len(a)) {
			return b
		}
		return a
	}
	return requirement{action: pick(r.action, o.action), provider: pick(r.provider, o.provider)}
}

// union is the constraint of an OR: both sides must be constrained.
func union(a, b []string) []string {
	if a == nil || b == nil {
		return nil
	}
	out := append([]string(nil), a...)
	for _, v := range b {
		if !contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func branchRequirement(br []*fieldMatch) requirement {
	var out requirement
	for _, fm := range br {
		vals := fm.equalityValues()
		if vals == nil {
			continue
		}
		switch fm.f.path {
		case "event.action":
			out = out.and(requirement{action: vals})
		case "event.provider":
			out = out.and(requirement{provider: vals})
		}
	}
	return out
}

// equalityValues returns the lower-cased values of a plain equality entry
// (no wildcards, no null, no modifiers but cased, expand and encodings),
// or nil.
func (fm *fieldMatch) equalityValues() []string {
	m := fm.m
	if m.pos != "" || m.re || m.cidr || m.exists || m.fieldref || m.cmp != "" || m.all || m.neq || m.timePart != "" ||
		fm.nullOK || fm.disabled || len(fm.preds) == 0 {
		return nil
	}
	out := make([]string, 0, len(fm.preds))
	for _, p := range fm.preds {
		sp, ok := p.(*strPred)
		if !ok || sp.kind != skEq {
			return nil
		}
		v := lowerASCII(sp.lit)
		if !contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

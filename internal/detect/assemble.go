package detect

import (
	"errors"
	"fmt"
)

// Param is one rule parameter and its values (scan's --param name=v1,v2;
// the loader's rule parameters).
type Param struct {
	Name   string
	Values []string
}

// ParamError is a parameter that no rule declares or whose values do not
// compile in a rule that does.
type ParamError struct {
	Name string
	Err  error
}

func (e *ParamError) Error() string { return fmt.Sprintf("parameter %s: %v", e.Name, e.Err) }
func (e *ParamError) Unwrap() error { return e.Err }

// Assembly describes the catalog a matcher runs: the embedded rules, extra
// rule sets merged in order (scan's --rules directories, the loader's
// custom rules), then parameters set in order. orgsiem scan and the loader
// both build their catalog with Build, so both run the same rules with the
// same parameters.
type Assembly struct {
	Extra  []*Catalog
	Params []Param
	// Lenient leaves out an extra rule whose id is taken (as a *LoadError)
	// and a parameter that fails (a *ParamError), reporting each in Build's skipped errors,
	// instead of failing: a broken custom rule never stops ingest.
	Lenient bool
}

// Build assembles the catalog. It fails on a built-in rule error and,
// unless Lenient, on any merge or parameter error (a *ParamError for the
// latter); with Lenient those are returned in skipped.
func (a Assembly) Build() (cat *Catalog, skipped []error, err error) {
	cat, err = Builtin()
	if err != nil {
		return nil, nil, fmt.Errorf("built-in rules: %w", err)
	}
	for _, extra := range a.Extra {
		if extra == nil {
			continue
		}
		if !a.Lenient {
			if err := cat.Merge(extra); err != nil {
				return nil, nil, err
			}
			continue
		}
		// Rule by rule: a clash with a rule already there leaves out that
		// rule only.
		for _, r := range cat.MergeNew(extra) {
			skipped = append(skipped, r)
		}
	}
	for _, p := range a.Params {
		if err := cat.SetParameter(p.Name, p.Values); err != nil {
			perr := &ParamError{Name: p.Name, Err: err}
			if !a.Lenient {
				return nil, nil, perr
			}
			skipped = append(skipped, perr)
		}
	}
	return cat, skipped, nil
}

// IsParamError reports whether err is a *ParamError.
func IsParamError(err error) bool {
	var p *ParamError
	return errors.As(err, &p)
}

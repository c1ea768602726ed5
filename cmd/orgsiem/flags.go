package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/orgsiem/orgsiem/internal/detect"
)

// newFlagSet returns a flag set that reports errors instead of exiting and
// prints nothing itself (parse prints help and errors).
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse parses args with fs, allowing flags after positional arguments
// ("scan DIR --format json"); "--" ends the flags. On -h/--help it prints the
// command's help to stdout; on an error, the error and a hint to stderr. ok
// is false when the caller should return code.
func (e *env) parse(c *command, fs *flag.FlagSet, args []string) (positional []string, code int, ok bool) {
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			c.printHelp(e.stdout, func(w io.Writer) { printFlags(w, fs) })
			return nil, exitOK, false
		}
		if err != nil {
			return nil, e.usageError(c, "%v", err), false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, exitOK, true
		}
		if rest[0] == "--" {
			return append(positional, rest[1:]...), exitOK, true
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// usageError prints a usage error and returns exitUsage.
func (e *env) usageError(c *command, format string, args ...any) int {
	fmt.Fprintf(e.stderr, "orgsiem %s: %s\nUsage: %s\nRun \"orgsiem %s --help\" for flags and examples.\n",
		c.name, fmt.Sprintf(format, args...), c.usage, c.name)
	return exitUsage
}

// printFlags lists every flag as "--name value  description (default x)".
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		head := "  --" + f.Name
		if name != "" {
			head += " " + name
		}
		fmt.Fprintf(w, "%s\n      %s", head, usage)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "[]" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error {
	*l = append(*l, s)
	return nil
}

// param is one --param name=v1,v2 override.
type param struct {
	name   string
	values []string
}

// paramList is the repeatable --param flag.
type paramList []param

func (l *paramList) String() string {
	parts := make([]string, len(*l))
	for i, p := range *l {
		parts[i] = p.name + "=" + strings.Join(p.values, ",")
	}
	return strings.Join(parts, " ")
}

func (l *paramList) Set(s string) error {
	name, vals, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return fmt.Errorf("want name=value[,value...], got %q", s)
	}
	var values []string
	for v := range strings.SplitSeq(vals, ",") {
		if v = strings.TrimSpace(v); v != "" {
			values = append(values, v)
		}
	}
	*l = append(*l, param{name: name, values: values})
	return nil
}

// catalogFlags are the rule flags shared by scan and rules: --rules DIR
// (repeatable) and --param name=v1,v2 (repeatable).
type catalogFlags struct {
	dirs   stringList
	params paramList
	strict bool
}

func (cf *catalogFlags) register(fs *flag.FlagSet) {
	fs.Var(&cf.dirs, "rules", "add the rules of `DIR` (*.yml, recursively) to the built-in catalog; repeatable")
	fs.Var(&cf.params, "param", "set rule parameter `name=v1,v2` (e.g. allowed_instance_types=t3.*,m5.*); repeatable")
	fs.BoolVar(&cf.strict, "strict", false, "fail when any --rules rule is refused (by default it is reported and skipped)")
}

// load builds the catalog the way the loader builds its own
// (detect.Assembly): the built-in rules, the --rules directories (Sigma
// rules; a refused rule is reported and skipped unless --strict), the
// --param overrides. Every load error is printed (file, line, rule id).
func (cf *catalogFlags) load(e *env, c *command) (*detect.Catalog, int, bool) {
	params := map[string][]string{}
	asm := detect.Assembly{Lenient: true}
	for _, p := range cf.params {
		params[p.name] = p.values
		asm.Params = append(asm.Params, detect.Param{Name: p.name, Values: p.values})
	}
	for _, dir := range cf.dirs {
		if st, err := os.Stat(dir); err != nil {
			return nil, e.usageError(c, "--rules %s: %v", dir, errors.Unwrap(err)), false
		} else if !st.IsDir() {
			return nil, e.usageError(c, "--rules %s: not a directory", dir), false
		}
		extra, refused, err := detect.LoadSigmaDir(dir, params)
		if err != nil {
			return nil, e.loadErrors(c, dir, err), false
		}
		if code, ok := e.refusals(c, dir, refused, cf.strict); !ok {
			return nil, code, false
		}
		asm.Extra = append(asm.Extra, extra)
	}
	cat, skipped, err := asm.Build()
	if err != nil {
		return nil, e.loadErrors(c, "built-in rules", err), false
	}
	var clashes []*detect.LoadError
	for _, err := range skipped {
		var perr *detect.ParamError
		var lerr *detect.LoadError
		switch {
		case errors.As(err, &perr):
			return nil, e.usageError(c, "--param %s: %v (parameters: %s)", perr.Name, perr.Err, strings.Join(cat.ParameterNames(), ", ")), false
		case errors.As(err, &lerr):
			clashes = append(clashes, lerr)
		default:
			return nil, e.loadErrors(c, "--rules", err), false
		}
	}
	if code, ok := e.refusals(c, strings.Join(cf.dirs, ", "), clashes, cf.strict); !ok {
		return nil, code, false
	}
	return cat, exitOK, true
}

// loadErrors prints each rule load error on its own line and returns
// exitError.
func (e *env) loadErrors(c *command, what string, err error) int {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	fmt.Fprintf(e.stderr, "orgsiem %s: %d rule load %s in %s:\n", c.name, len(errs), plural(len(errs), "error", "errors"), what)
	for _, err := range errs {
		fmt.Fprintf(e.stderr, "  %v\n", err)
	}
	return exitError
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// parseTime reads an absolute or relative time:
//
//	2026-11-01T10:00:00Z   RFC 3339 (fractional seconds allowed)
//	2026-11-01             a UTC day
//	now, now-1d, now+2h    relative to now
//	-24h, -7d              the same as now-24h, now-7d
//
// Durations are Go durations plus d (days) and w (weeks).
func parseTime(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "now":
		return now, nil
	case strings.HasPrefix(s, "now-"), strings.HasPrefix(s, "now+"):
		d, err := parseDuration(s[4:])
		if err != nil {
			return time.Time{}, err
		}
		if s[3] == '-' {
			d = -d
		}
		return now.Add(d), nil
	case strings.HasPrefix(s, "-"):
		d, err := parseDuration(s[1:])
		if err != nil {
			return time.Time{}, err
		}
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("time %q: want RFC 3339 (2026-11-01T10:00:00Z), a day (2026-11-01) or a relative time (now-1d, -24h)", s)
}

// parseDuration is time.ParseDuration plus whole days (d) and weeks (w).
func parseDuration(s string) (time.Duration, error) {
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.Atoi(n)
			if err != nil || v < 0 {
				return 0, fmt.Errorf("duration %q: want a whole number of %s", s, map[string]string{"d": "days", "w": "weeks"}[suffix])
			}
			return time.Duration(v) * unit, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("duration %q: want e.g. 30m, 24h, 1d or 1w", s)
	}
	return d, nil
}

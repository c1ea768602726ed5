package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/orgsiem/orgsiem/functions/maintain"
	"github.com/orgsiem/orgsiem/internal/detect"
	"github.com/orgsiem/orgsiem/internal/search"
	"github.com/orgsiem/orgsiem/policies"
)

func restoreCommand() *command {
	return &command{
		name:    "restore",
		summary: "make a past period's audit data searchable again from snapshots",
		usage:   "orgsiem restore --from DAY --to DAY [--types TYPE,...] [--function NAME | --endpoint URL] [--plan-only]",
		help: `Restore serves an auditor's request for a period whose indices ISM has already deleted: it finds
the snapshots that hold the monthly indices log-aws-<type>-YYYY.MM of the days --from to --to (both
included), restores each under the name restored-<index> (live indices are never touched, system
indices never restored), waits until they are searchable, and prints how to query them.

Indices still live are searchable as they are; indices no snapshot holds are listed as missing.
Restoring again is harmless: already restored indices are left as they are. When the audit is over,
delete the restored-* indices (Dashboards, Index Management) to free the storage.

By default it invokes the maintain Lambda, which runs in the VPC; --endpoint runs the same steps
from here against the domain.`,
		examples: []string{
			"orgsiem restore --from 2025-01-01 --to 2025-03-31 --plan-only",
			"orgsiem restore --from 2025-01-01 --to 2025-03-31 --types cloudtrail",
			"orgsiem restore --from 2024-07-01 --to 2024-07-31 --types cloudtrail,vpcflow --function orgsiem-maintain",
		},
		run: runRestore,
	}
}

// maintainCaller runs maintain actions through the function or directly.
type maintainCaller func(ctx context.Context, req maintain.Request) (maintain.Response, error)

// maintainer returns how to run maintain actions for the flags.
func (rf *remoteFlags) maintainer(ctx context.Context, now func() time.Time) (maintainCaller, error) {
	if rf.endpoint != "" {
		sc, err := rf.searchClient(ctx)
		if err != nil {
			return nil, err
		}
		cat, err := detect.Builtin()
		if err != nil {
			return nil, err
		}
		m, err := maintain.New(maintain.Config{}, sc, cat, now, nil)
		if err != nil {
			return nil, err
		}
		return m.Handle, nil
	}
	api, err := rf.lambdaClient(ctx)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, req maintain.Request) (maintain.Response, error) {
		var resp maintain.Response
		err := invoke(ctx, api, rf.function, req, &resp)
		return resp, err
	}, nil
}

func runRestore(ctx context.Context, e *env, args []string) int {
	c := restoreCommand()
	var rf remoteFlags
	var from, to, types string
	var planOnly bool
	var poll, timeout time.Duration
	fs := newFlagSet(c.name)
	rf.register(fs, policies.MaintainFunction)
	fs.StringVar(&from, "from", "", "first `DAY` of the period (2025-01-01), required")
	fs.StringVar(&to, "to", "", "last `DAY` of the period (2025-03-31), required")
	fs.StringVar(&types, "types", "", "comma-separated log `TYPES` (cloudtrail,vpcflow,...); default every type the snapshots hold")
	fs.BoolVar(&planOnly, "plan-only", false, "print which snapshots and indices would be restored, restore nothing")
	fs.DurationVar(&poll, "poll", 10*time.Second, "check the restore's progress every `DURATION`")
	fs.DurationVar(&timeout, "wait", 2*time.Hour, "wait at most `DURATION` for the indices to become searchable (0: do not wait)")
	pos, code, ok := e.parse(c, fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return e.usageError(c, "unexpected argument %q", pos[0])
	}
	if poll <= 0 {
		return e.usageError(c, "--poll %s: want a positive duration such as 10s", poll)
	}
	if timeout < 0 {
		return e.usageError(c, "--wait %s: want 0 (do not wait) or a positive duration", timeout)
	}
	for _, d := range []struct{ flag, v string }{{"--from", from}, {"--to", to}} {
		if _, err := time.Parse(time.DateOnly, d.v); err != nil {
			return e.usageError(c, "%s %q: want a day such as 2025-01-01", d.flag, d.v)
		}
	}
	req := maintain.Request{From: from, To: to}
	for t := range strings.SplitSeq(types, ",") {
		if t = strings.TrimSpace(t); t != "" {
			req.Types = append(req.Types, t)
		}
	}
	fail := func(err error) int {
		fmt.Fprintf(e.stderr, "orgsiem restore: %v\n", err)
		return exitError
	}
	call, err := rf.maintainer(ctx, e.now)
	if err != nil {
		return fail(err)
	}
	req.Action = "restore-plan"
	if !planOnly {
		req.Action = "restore"
	}
	resp, err := call(ctx, req)
	if err != nil {
		return fail(err)
	}
	p := resp.Plan
	if p == nil {
		return fail(fmt.Errorf("the %s action returned no plan", req.Action))
	}
	printPlan(e.stdout, p, planOnly)
	if planOnly {
		return exitOK
	}
	targets := map[string]bool{}
	for _, it := range p.Items {
		for _, t := range it.Targets {
			targets[t] = true
		}
	}
	for _, idx := range p.AlreadyRestored {
		targets[search.RestorePrefix+idx] = true
	}
	deadline := time.Now().Add(timeout)
	req.Action = "status"
	var ready []string
	for len(targets) > 0 {
		st, err := call(ctx, req)
		if err != nil {
			return fail(err)
		}
		ready = nil
		var pending []string
		for _, s := range st.Status {
			if !targets[s.Index] {
				continue
			}
			if s.Searchable() {
				ready = append(ready, s.Index)
			} else {
				pending = append(pending, fmt.Sprintf("%s (%s)", s.Index, s.Health))
			}
		}
		if len(ready) == len(targets) {
			break
		}
		if timeout == 0 || time.Now().After(deadline) {
			fmt.Fprintf(e.stderr, "orgsiem restore: %d of %d indices searchable; still recovering: %s\nRun \"orgsiem restore --from %s --to %s%s\" again later to check.\n",
				len(ready), len(targets), strings.Join(pending, ", "), from, to, typesArg(req.Types))
			return exitError
		}
		fmt.Fprintf(e.stderr, "%d of %d indices searchable, waiting for %s\n", len(ready), len(targets), strings.Join(pending, ", "))
		select {
		case <-ctx.Done():
			return fail(ctx.Err())
		case <-time.After(poll):
		}
	}
	printSearchable(e.stdout, p, ready)
	return exitOK
}

func typesArg(types []string) string {
	if len(types) == 0 {
		return ""
	}
	return " --types " + strings.Join(types, ",")
}

func printPlan(w io.Writer, p *search.Plan, planOnly bool) {
	verb := "restoring"
	if planOnly {
		verb = "would restore"
	}
	fmt.Fprintf(w, "period %s to %s, log types: %s\n", p.From.Format(time.DateOnly), p.To.Format(time.DateOnly), orAll(p.Types))
	if len(p.Items) == 0 {
		fmt.Fprintln(w, "nothing to restore")
	}
	for _, it := range p.Items {
		fmt.Fprintf(w, "%s from snapshot %s:\n", verb, it.Snapshot)
		for i, idx := range it.Indices {
			fmt.Fprintf(w, "  %s -> %s\n", idx, it.Targets[i])
		}
	}
	for _, l := range []struct {
		what string
		idx  []string
	}{
		{"live (searchable as they are)", p.Live},
		{"already restored", p.AlreadyRestored},
		{"missing (no successful snapshot holds them: no data that month, or never snapshotted)", p.Missing},
	} {
		if len(l.idx) > 0 {
			fmt.Fprintf(w, "%s: %s\n", l.what, strings.Join(l.idx, ", "))
		}
	}
}

func orAll(types []string) string {
	if len(types) == 0 {
		return "all"
	}
	return strings.Join(types, ", ")
}

func printSearchable(w io.Writer, p *search.Plan, restored []string) {
	all := append(append([]string(nil), restored...), p.Live...)
	if len(all) == 0 {
		fmt.Fprintln(w, "no index of the period is searchable")
		return
	}
	fmt.Fprintf(w, "\nsearchable now: %s\n", strings.Join(all, ", "))
	fmt.Fprintf(w, `
How to query them:
  Dashboards: Discover with the index pattern "%s*" (create it under Dashboards Management if it
  is missing) and the time range %s to %s; the live data stays under "log-aws-*".
  API: POST /%s/_search with a query on @timestamp, e.g.
    {"query":{"range":{"@timestamp":{"gte":"%s","lte":"%sT23:59:59Z"}}}}
`, search.RestorePrefix+search.IndexPrefix, p.From.Format(time.DateOnly), p.To.Format(time.DateOnly),
		strings.Join(all, ","), p.From.Format(time.DateOnly), p.To.Format(time.DateOnly))
}

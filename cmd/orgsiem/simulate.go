package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/orgsiem/orgsiem/internal/simulate"
)

func simulateCommand() *command {
	return &command{
		name:    "simulate",
		summary: "write a synthetic organization's log archive with injected attacks and an answer key",
		usage:   "orgsiem simulate --out DIR [flags]",
		help: `Simulate writes the log archive of a synthetic AWS organization to DIR/archive, laid out exactly
as the archive bucket holds it: the organization trail's CloudTrail files for every account and
region, VPC flow logs, Linux /var/log/secure lines archived from CloudWatch Logs, and GuardDuty
findings exported by the security account, all gzip-compressed. Background activity is benign;
the attack scenarios (` + strings.Join(simulate.ScenarioIDs(), ", ") + `)
are spread over the simulated days. DIR/answer-key.json names, for each scenario, the account,
region, principal, time range and the rules that must fire.

The output depends only on the flags: the same --seed gives the same bytes.`,
		examples: []string{
			"orgsiem simulate --accounts 5 --days 2 --seed 42 --out demo-out",
			"orgsiem simulate --accounts 50 --days 7 --events-per-hour 600 --out /tmp/big   # a benchmark archive",
			"orgsiem simulate --quiet --out /tmp/clean   # background only: a scan should raise no high alert",
		},
		run: runSimulate,
	}
}

func runSimulate(ctx context.Context, e *env, args []string) int {
	c := simulateCommand()
	var opts simulate.Options
	var out, start, regions string
	var seed uint64
	fs := newFlagSet(c.name)
	fs.StringVar(&out, "out", "", "write the archive to `DIR`/archive and the answer key to DIR/answer-key.json (required)")
	fs.IntVar(&opts.Accounts, "accounts", simulate.DefaultAccounts, "number of `N` accounts: management, log-archive, security, then workloads")
	fs.IntVar(&opts.Days, "days", simulate.DefaultDays, "simulated `DAYS`")
	fs.Uint64Var(&seed, "seed", 1, "random `SEED`; the same seed gives the same archive")
	fs.StringVar(&start, "start", simulate.DefaultStart.Format(time.RFC3339), "first simulated `TIME` (RFC 3339)")
	fs.StringVar(&regions, "regions", strings.Join(simulate.DefaultRegions, ","), "comma-separated `REGIONS`; the first is the home region")
	fs.IntVar(&opts.EventsPerHour, "events-per-hour", simulate.DefaultEventsPerHour, "mean background CloudTrail events per account and region per hour `N`")
	fs.IntVar(&opts.FlowsPerSlot, "flows", simulate.DefaultFlowsPerSlot, "mean background VPC flow records per account and region per five minutes `N`")
	fs.BoolVar(&opts.Quiet, "quiet", false, "background activity only, no attack scenarios")
	pos, code, ok := e.parse(c, fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return e.usageError(c, "unexpected argument %q", pos[0])
	}
	if out == "" {
		return e.usageError(c, "--out DIR is required")
	}
	// Explicit bounds: a zero here must be an error, not the default.
	for _, n := range []struct {
		flag     string
		v, least int
	}{{"--accounts", opts.Accounts, 1}, {"--days", opts.Days, 1}, {"--events-per-hour", opts.EventsPerHour, 1}, {"--flows", opts.FlowsPerSlot, 0}} {
		if n.v < n.least {
			return e.usageError(c, "%s %d: want at least %d", n.flag, n.v, n.least)
		}
	}
	t, err := parseTime(start, e.now())
	if err != nil {
		return e.usageError(c, "--start: %v", err)
	}
	opts.Start, opts.Seed = t, seed
	opts.Regions = strings.Split(regions, ",")
	opts.Out = filepath.Join(out, "archive")
	if err := opts.Validate(); err != nil {
		return e.usageError(c, "%v", err)
	}
	if entries, err := os.ReadDir(opts.Out); err == nil && len(entries) > 0 {
		fmt.Fprintf(e.stderr, "orgsiem simulate: %s already holds files; remove it or choose another --out (archives of different runs must not mix)\n", opts.Out)
		return exitError
	}
	if err := ctx.Err(); err != nil {
		return exitError
	}
	began := time.Now()
	key, err := simulate.Generate(opts)
	if err != nil {
		fmt.Fprintf(e.stderr, "orgsiem simulate: %v\n", err)
		return exitError
	}
	keyPath := filepath.Join(out, "answer-key.json")
	f, err := os.Create(keyPath)
	if err == nil {
		err = key.WriteJSON(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "orgsiem simulate: answer key: %v\n", err)
		return exitError
	}
	var records int64
	for _, n := range key.Records {
		records += n
	}
	fmt.Fprintf(e.stdout, "archive:    %s (%d objects, %d records, %.1f MB uncompressed, %d accounts, %s to %s) in %.1fs\n",
		opts.Out, key.Objects, records, float64(key.Bytes)/1e6, len(key.Accounts),
		key.Start.Format(time.RFC3339), key.End.Format(time.RFC3339), time.Since(began).Seconds())
	fmt.Fprintf(e.stdout, "answer key: %s (%d attack scenarios)\n", keyPath, len(key.Scenarios))
	for _, s := range key.Scenarios {
		fmt.Fprintf(e.stdout, "  %s  %-34s account %s %s -> %s\n", s.Start.Format(time.RFC3339), s.ID, s.Account, s.Region, strings.Join(s.Rules, ", "))
	}
	return exitOK
}

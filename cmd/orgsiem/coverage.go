package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/orgsiem/orgsiem/internal/coverage"
)

func coverageCommand() *command {
	return &command{
		name:    "coverage",
		summary: "list per account and region which log sources are flowing, silent or off",
		usage:   "orgsiem coverage --endpoint URL [--since 30d] [--silent-after 24h] [--expect DATASETS] [--accounts IDS] [--regions REGIONS] [--format text|json]",
		help: `Coverage reads the last event of every account, region and log type (event.dataset) from the
domain's log indices and says for each whether it is flowing (an event within --silent-after),
silent (events in the --since window but none within --silent-after: enabled, but nothing arrives)
or off (expected by --expect, --accounts and --regions, but no event in the window).

Without --accounts or --regions, the accounts and regions seen are expected. Log types of global
services (aws.cloudfront) are expected once per account. Findings (aws.guardduty, aws.securityhub)
arrive only when there is something to find: silence there is not a fault by itself.

The domain is a VPC domain: reach it through the SSM port forward, a bastion or a VPN.`,
		examples: []string{
			"orgsiem coverage --endpoint https://localhost:9200 --expect aws.cloudtrail,aws.vpcflow",
			"orgsiem coverage --endpoint http://localhost:9200 --accounts 111122223333,444455556666 --regions eu-west-1,us-east-1 --format json",
		},
		run: runCoverage,
	}
}

// parseSince reads a Go duration or whole days ("30d").
func parseSince(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("%q is not a number of days", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration (30d, 72h)", s)
	}
	return d, nil
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func runCoverage(ctx context.Context, e *env, args []string) int {
	c := coverageCommand()
	var rf remoteFlags
	var since, silent, expect, accounts, regions, format string
	fs := newFlagSet(c.name)
	rf.register(fs, "")
	fs.StringVar(&since, "since", "30d", "look back `WINDOW` (30d, 72h)")
	fs.StringVar(&silent, "silent-after", "24h", "a source with no event for `DURATION` is silent")
	fs.StringVar(&expect, "expect", "aws.cloudtrail", "comma-separated `DATASETS` every account and region must have")
	fs.StringVar(&accounts, "accounts", "", "comma-separated account `IDS` expected (default: those seen)")
	fs.StringVar(&regions, "regions", "", "comma-separated `REGIONS` expected (default: those seen)")
	fs.StringVar(&format, "format", "text", "output `FORMAT`: text or json")
	pos, code, ok := e.parse(c, fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return e.usageError(c, "unexpected argument %q", pos[0])
	}
	if rf.endpoint == "" {
		return e.usageError(c, "--endpoint is required")
	}
	if format != "text" && format != "json" {
		return e.usageError(c, "--format %q: want text or json", format)
	}
	o := coverage.Options{Now: e.now(), Accounts: splitList(accounts), Regions: splitList(regions),
		Datasets: splitList(expect), Global: []string{"aws.cloudfront"}}
	var err error
	if o.Since, err = parseSince(since); err != nil {
		return e.usageError(c, "--since: %v", err)
	}
	if o.SilentAfter, err = parseSince(silent); err != nil {
		return e.usageError(c, "--silent-after: %v", err)
	}
	sc, err := rf.searchClient(ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "orgsiem coverage: %v\n", err)
		return exitError
	}
	rows, err := coverage.Collect(ctx, func(ctx context.Context, indices string, body map[string]any) ([]byte, error) {
		var raw json.RawMessage
		err := sc.Search(ctx, []string{indices}, body, &raw)
		return raw, err
	}, o)
	if err != nil {
		fmt.Fprintf(e.stderr, "orgsiem coverage: %v\n", err)
		return exitError
	}
	if format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rows); err != nil {
			return exitError
		}
		return exitOK
	}
	counts := map[string]int{}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tREGION\tLOG TYPE\tSTATUS\tLAST EVENT\tAGO\tEVENTS")
	for _, r := range rows {
		counts[r.Status]++
		last, ago := "never", "-"
		if !r.Last.IsZero() {
			last, ago = r.Last.Format(time.RFC3339), o.Now.Sub(r.Last).Truncate(time.Minute).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\n", r.Account, r.Region, r.Dataset, strings.ToUpper(r.Status), last, ago, r.Events)
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "\n%d flowing, %d silent (no event for %s), %d off (expected, none in %s)\n",
		counts[coverage.Flowing], counts[coverage.Silent], o.SilentAfter, counts[coverage.Off], o.Since)
	return exitOK
}

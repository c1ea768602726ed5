package main

import (
	"context"
	"fmt"
	"io"

	reportfn "github.com/orgsiem/orgsiem/functions/report"
	"github.com/orgsiem/orgsiem/internal/report"
	"github.com/orgsiem/orgsiem/policies"
)

func remoteReportCommand() *command {
	return &command{
		name:    "report",
		summary: "make the Logging Compliance Report from the OpenSearch domain, on demand",
		usage:   "orgsiem report [--window now-1d] [--function NAME | --endpoint URL] [--format text|json|html] [--publish]",
		help: `Report makes the daily Logging Compliance Report for a look-back window, from the domain: it
counts the alert documents of the ten PCI-DSS guidelines' rules in orgsiem-alerts-* (alerts and
threshold signals, each event once per guideline: the same rule as "orgsiem scan"), and reads
coverage per account and log type from the log indices. Each guideline is findings, no findings
(with the data examined) or NO DATA (the log source it needs delivered nothing).

By default it invokes the report Lambda, which runs in the VPC next to the domain, and prints the
report without publishing it. --publish makes the function deliver it as the daily run does: the
text to the alert SNS topic, JSON and HTML to the report bucket, a document in reports-YYYY.MM.
With --endpoint the search runs from here against the domain (you must reach it: a bastion, VPN or
SSM port forward), nothing is published.

To report from local log files instead of the domain, use "orgsiem scan" (its report covers the
files scanned; see --report-window and --report-out).`,
		examples: []string{
			"orgsiem report --window now-1d",
			"orgsiem report --window now-7d --format html > week.html",
			"orgsiem report --window 24h --publish   # send it to the topic now, as the schedule would",
			"orgsiem report --endpoint http://localhost:9200 --format json",
		},
		run: runRemoteReport,
	}
}

func runRemoteReport(ctx context.Context, e *env, args []string) int {
	c := remoteReportCommand()
	var rf remoteFlags
	var window, format string
	var publish bool
	fs := newFlagSet(c.name)
	rf.register(fs, policies.ReportFunction)
	fs.StringVar(&window, "window", reportfn.DefaultWindow, "look-back `WINDOW` ending now: now-1d, now-12h, 7d, 24h")
	fs.StringVar(&format, "format", "text", "output `FORMAT`: text, json or html")
	fs.BoolVar(&publish, "publish", false, "have the function publish the report (SNS, S3, reports index) as the daily run does")
	pos, code, ok := e.parse(c, fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return e.usageError(c, "unexpected argument %q", pos[0])
	}
	render := map[string]func(io.Writer, *report.Report) error{"text": report.Text, "json": report.JSON, "html": report.HTML}[format]
	if render == nil {
		return e.usageError(c, "--format %q: want text, json or html", format)
	}
	w, err := reportfn.ParseWindow(window, e.now())
	if err != nil {
		return e.usageError(c, "--window: %v", err)
	}
	if publish && rf.endpoint != "" {
		return e.usageError(c, "--publish needs the function: drop --endpoint")
	}
	fail := func(err error) int {
		fmt.Fprintf(e.stderr, "orgsiem report: %v\n", err)
		return exitError
	}
	var rep *report.Report
	if rf.endpoint != "" {
		sc, err := rf.searchClient(ctx)
		if err != nil {
			return fail(err)
		}
		r, err := reportfn.New(reportfn.Config{}, sc, nil, nil, e.now)
		if err != nil {
			return fail(err)
		}
		if rep, err = r.Build(ctx, w); err != nil {
			return fail(err)
		}
	} else {
		api, err := rf.lambdaClient(ctx)
		if err != nil {
			return fail(err)
		}
		var resp reportfn.Response
		if err := invoke(ctx, api, rf.function, reportfn.Request{Action: "report", Window: window, DryRun: !publish}, &resp); err != nil {
			return fail(err)
		}
		if resp.Report == nil {
			return fail(fmt.Errorf("%s answered without a report", rf.function))
		}
		rep = resp.Report
		if publish {
			fmt.Fprintf(e.stderr, "published: SNS message %s, s3 %s and %s, document %s\n", resp.MessageID, resp.JSONKey, resp.HTMLKey, resp.Document)
		}
	}
	if err := render(e.stdout, rep); err != nil {
		return fail(err)
	}
	return exitOK
}

// Command orgsiem is the SIEM's command line: scan log archives locally with
// the detection catalog and print alerts and the compliance report, inspect
// and test rules, and simulate an organization's archive.
//
// Each subcommand lives in its own file and is one entry of the table in
// commands(); see command for what an entry holds.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// Exit codes of every subcommand.
const (
	exitOK     = 0 // success
	exitAlerts = 1 // scan: alerts at or above --fail-on; rules test: a rule test failed
	exitUsage  = 2 // the command line is wrong (unknown flag, bad value, missing argument)
	exitError  = 3 // the command could not do its job (rules do not load, no input readable, output not writable)
	exitInput  = 4 // scan: input was lost (unreadable path, truncated object, unparseable records)
	// exitInterrupted is the shell's code for a command ended by SIGINT
	// (128 + 2); a partial summary is printed first.
	exitInterrupted = 130
)

const exitCodesHelp = `Exit codes:
  0  success
  1  scan: alerts at or above --fail-on were found; rules test: a rule test failed
  2  usage error: unknown flag, bad flag value, missing argument
  3  runtime error: rules failed to load, no input could be read, output not writable
  4  scan: input was lost: a path could not be read, an object was truncated or records could not
     be parsed (all counted in the summary); --allow-input-errors accepts them (exit 0 or 1)
  130 interrupted (Ctrl-C, SIGINT or SIGTERM); scan prints a partial summary first
When several apply, the highest-priority code wins: 2, 3, 130, 4, then 1.
`

// command is one subcommand. To add one, write <name>.go with a function
// returning its *command and list it in commands().
type command struct {
	name     string
	summary  string // one line for the top-level help
	usage    string // e.g. "orgsiem scan [flags] PATH..."
	help     string // what it does, a few lines
	examples []string
	// run parses args (without the subcommand name) and does the job; it
	// returns an exit code. It writes only to env's streams.
	run func(ctx context.Context, e *env, args []string) int
}

// commands is the dispatch table, in the order the help lists them.
func commands() []*command {
	return []*command{scanCommand(), rulesCommand(), simulateCommand(),
		loadCommand(), huntCommand(), remoteReportCommand(), coverageCommand(), restoreCommand(), snapshotCommand(), dashboardsCommand(), versionCommand(), completionCommand()}
}

// env is what a subcommand may touch: its output streams and the clock.
// Tests run commands in process with buffers and a fixed clock.
type env struct {
	stdin          io.Reader // scan - reads it
	stdout, stderr io.Writer
	now            func() time.Time
	// terminal reports whether stderr is an interactive terminal (progress
	// bars are drawn only then).
	terminal bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, now: time.Now, terminal: isTerminal(os.Stderr)}
	code := run(ctx, e, os.Args[1:])
	stop()
	os.Exit(code)
}

// isTerminal reports whether f is a character device (a terminal, not a
// file or a pipe).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// run dispatches args to a subcommand and returns the exit code.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		topHelp(e.stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 {
			if c := lookup(args[1]); c != nil {
				return c.run(ctx, e, []string{"--help"})
			}
			fmt.Fprintf(e.stderr, "orgsiem: unknown command %q\n\n", args[1])
			topHelp(e.stderr)
			return exitUsage
		}
		topHelp(e.stdout)
		return exitOK
	}
	c := lookup(name)
	if c == nil {
		fmt.Fprintf(e.stderr, "orgsiem: unknown command %q\n\n", name)
		topHelp(e.stderr)
		return exitUsage
	}
	return c.run(ctx, e, args[1:])
}

func lookup(name string) *command {
	for _, c := range commands() {
		if c.name == name {
			return c
		}
	}
	return nil
}

func topHelp(w io.Writer) {
	fmt.Fprint(w, `orgsiem: an organization-wide SIEM for AWS on OpenSearch.

Usage:
  orgsiem <command> [flags] [arguments]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run "orgsiem <command> --help" (or "orgsiem help <command>") for a command's flags and examples.

Quick start, no AWS account needed:
  orgsiem simulate --accounts 5 --days 2 --seed 42 --out demo-out
  orgsiem scan demo-out/archive

`)
	fmt.Fprint(w, exitCodesHelp)
}

// printHelp writes the command's help: usage, description, flags (from
// printFlags, with their defaults), examples and exit codes.
func (c *command) printHelp(w io.Writer, printFlags func(io.Writer)) {
	fmt.Fprintf(w, "Usage:\n  %s\n\n%s\n", c.usage, strings.TrimSpace(c.help))
	if printFlags != nil {
		fmt.Fprint(w, "\nFlags:\n")
		printFlags(w)
	}
	if len(c.examples) > 0 {
		fmt.Fprint(w, "\nExamples:\n")
		for _, ex := range c.examples {
			fmt.Fprintf(w, "  %s\n", ex)
		}
	}
	fmt.Fprintf(w, "\n%s", exitCodesHelp)
}

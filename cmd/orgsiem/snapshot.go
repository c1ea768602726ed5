package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/orgsiem/orgsiem/functions/maintain"
	"github.com/orgsiem/orgsiem/policies"
)

func snapshotCommand() *command {
	return &command{
		name:    "snapshot",
		summary: "list the domain's snapshots or take one now",
		usage:   "orgsiem snapshot list|create [--function NAME | --endpoint URL]",
		help: `Snapshot lists the snapshots of orgsiem's S3 repository (the daily Snapshot Management policy's and
the on-demand ones), with their state and the indices each holds, or starts an on-demand snapshot
of the log and report indices (system indices are never included). Restoring from them is
"orgsiem restore".`,
		examples: []string{
			"orgsiem snapshot list",
			"orgsiem snapshot create   # e.g. before a risky change",
			"orgsiem snapshot list --endpoint http://localhost:9200",
		},
		run: runSnapshot,
	}
}

func runSnapshot(ctx context.Context, e *env, args []string) int {
	c := snapshotCommand()
	var rf remoteFlags
	fs := newFlagSet(c.name)
	rf.register(fs, policies.MaintainFunction)
	pos, code, ok := e.parse(c, fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 || (pos[0] != "list" && pos[0] != "create") {
		return e.usageError(c, "want list or create")
	}
	call, err := rf.maintainer(ctx, e.now)
	if err != nil {
		fmt.Fprintf(e.stderr, "orgsiem snapshot: %v\n", err)
		return exitError
	}
	if pos[0] == "create" {
		resp, err := call(ctx, maintain.Request{Action: "snapshot"})
		if err != nil {
			fmt.Fprintf(e.stderr, "orgsiem snapshot: %v\n", err)
			return exitError
		}
		fmt.Fprintf(e.stdout, "snapshot %s started in repository %s; \"orgsiem snapshot list\" shows when it is done\n", resp.Snapshot, maintain.Repository)
		return exitOK
	}
	resp, err := call(ctx, maintain.Request{Action: "snapshots"})
	if err != nil {
		fmt.Fprintf(e.stderr, "orgsiem snapshot: %v\n", err)
		return exitError
	}
	if len(resp.Snapshots) == 0 {
		fmt.Fprintf(e.stdout, "no snapshots in repository %s\n", maintain.Repository)
		return exitOK
	}
	for _, s := range resp.Snapshots {
		fmt.Fprintf(e.stdout, "%-40s %-11s %s  %d indices: %s\n", s.Name, s.State, s.End.Format(time.RFC3339), len(s.Indices), strings.Join(s.Indices, ","))
	}
	return exitOK
}

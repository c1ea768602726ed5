package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"runtime/debug"

	"github.com/orgsiem/orgsiem/internal/detect"
)

func versionCommand() *command {
	return &command{
		name:    "version",
		summary: "print the version, commit, build time and the rule catalog's hash",
		usage:   "orgsiem version",
		help: `Version prints what this binary is: the module version, the VCS commit it was built from
(with "+modified" when the tree had uncommitted changes), the commit time, the Go version, and
the number of built-in rules with the SHA-256 of the embedded catalog files, so two binaries can
be compared by the detections they ship.`,
		examples: []string{"orgsiem version", "orgsiem version | grep rules   # compare the detections two binaries ship"},
		run:      runVersion,
	}
}

// buildInfo is what the Go toolchain records in the binary.
type buildInfo struct {
	version, commit, time, goVersion string
	modified                         bool
}

func readBuildInfo() buildInfo {
	b := buildInfo{version: "(unknown)", commit: "(unknown)", time: "(unknown)"}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	b.version, b.goVersion = info.Main.Version, info.GoVersion
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.commit = s.Value
		case "vcs.time":
			b.time = s.Value
		case "vcs.modified":
			b.modified = s.Value == "true"
		}
	}
	return b
}

// catalogHash is the SHA-256 of the embedded catalog: every file's path
// and content, in path order (fs.WalkDir's lexical order).
func catalogHash() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(detect.BuiltinFS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(detect.BuiltinFS(), p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(b))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

func runVersion(ctx context.Context, e *env, args []string) int {
	c := versionCommand()
	pos, code, ok := e.parse(c, newFlagSet(c.name), args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return e.usageError(c, "unexpected argument %q", pos[0])
	}
	cat, err := detect.Builtin()
	if err != nil {
		fmt.Fprintf(e.stderr, "orgsiem version: built-in rules: %v\n", err)
		return exitError
	}
	sum, err := catalogHash()
	if err != nil {
		fmt.Fprintf(e.stderr, "orgsiem version: hashing the rule catalog: %v\n", err)
		return exitError
	}
	b := readBuildInfo()
	commit := b.commit
	if b.modified {
		commit += "+modified"
	}
	fmt.Fprintf(e.stdout, "orgsiem %s\ncommit:  %s\ntime:    %s\ngo:      %s\nrules:   %d built-in, catalog sha256 %s\n",
		b.version, commit, b.time, b.goVersion, cat.Len(), sum)
	return exitOK
}

package main

import (
	"context"
	"io"
	"os"
	"runtime/pprof"
	"testing"
	"time"
)

func TestTmpProf(t *testing.T) {
	f, _ := os.Create("/tmp/cli-helper/scan.prof")
	pprof.StartCPUProfile(f)
	e := &env{stdout: io.Discard, stderr: os.Stderr, now: time.Now}
	run(context.Background(), e, []string{"scan", "/tmp/cli-helper/sim"})
	pprof.StopCPUProfile()
}

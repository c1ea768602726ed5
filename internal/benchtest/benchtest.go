// Package benchtest holds what the benchmarks of several packages share.
package benchtest

import (
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"time"
)

// PeakHeap runs f once after a GC and returns the largest growth of heap
// object bytes (live and not yet swept) seen while it ran, sampled every
// 20µs: an estimate of the memory one invocation needs above the idle
// process.
func PeakHeap(f func()) float64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	runtime.GC()
	base := read()
	var maxSeen atomic.Uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(20 * time.Microsecond)
		defer t.Stop()
		for {
			if v := read(); v > maxSeen.Load() {
				maxSeen.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	f()
	if v := read(); v > maxSeen.Load() {
		maxSeen.Store(v)
	}
	close(done)
	<-stopped
	if maxSeen.Load() < base {
		return 0
	}
	return float64(maxSeen.Load() - base)
}

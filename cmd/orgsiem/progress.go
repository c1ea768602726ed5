package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// progress draws a one-line progress bar on a terminal: bytes and objects
// done, rate and a bar, redrawn a few times a second. A nil *progress draws
// nothing, so callers need not check whether stderr is a terminal.
type progress struct {
	w          io.Writer
	total      int64
	objects    int
	start      time.Time
	done       atomic.Int64 // bytes of input consumed
	objectsRun atomic.Int64
	mu         sync.Mutex // serializes drawing and other writes to w
	drawn      bool
	quit       chan struct{}
	stopped    sync.WaitGroup
	stopOnce   sync.Once
}

func newProgress(w io.Writer, totalBytes int64, objects int) *progress {
	p := &progress{w: w, total: totalBytes, objects: objects, start: time.Now(), quit: make(chan struct{})}
	p.stopped.Add(1)
	go func() {
		defer p.stopped.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.quit:
				return
			case <-t.C:
				p.mu.Lock()
				fmt.Fprintf(p.w, "\r%s", progressLine(p.done.Load(), p.total, int(p.objectsRun.Load()), p.objects, time.Since(p.start)))
				p.drawn = true
				p.mu.Unlock()
			}
		}
	}()
	return p
}

// add records n more bytes of input consumed.
func (p *progress) add(n int64) {
	if p != nil {
		p.done.Add(n)
	}
}

// object records one more object finished.
func (p *progress) object() {
	if p != nil {
		p.objectsRun.Add(1)
	}
}

// print runs fn, which writes a line to the terminal, with the bar erased;
// the next tick redraws it.
func (p *progress) print(fn func()) {
	if p == nil {
		fn()
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.erase()
	fn()
}

func (p *progress) erase() {
	if p.drawn {
		fmt.Fprintf(p.w, "\r%s\r", strings.Repeat(" ", 100))
		p.drawn = false
	}
}

// stop ends the drawing and erases the bar. It may be called more than
// once.
func (p *progress) stop() {
	if p == nil {
		return
	}
	p.stopOnce.Do(func() {
		close(p.quit)
		p.stopped.Wait()
		p.erase()
	})
}

// progressLine renders the bar: percentage of bytes, a 30-cell bar,
// objects done, bytes done and the rate. The bar can only count the bytes
// read from disk (a compressed object's decompressed size is unknown until
// it is read), so it says so; the summary gives both.
func progressLine(done, total int64, objects, totalObjects int, elapsed time.Duration) string {
	frac := 1.0
	if total > 0 {
		frac = min(float64(done)/float64(total), 1)
	}
	cells := int(frac * 30)
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(done) / 1e6 / s
	}
	return fmt.Sprintf("[%s%s] %3.0f%%  %d/%d objects  %.1f/%.1f MB on disk  %.1f MB/s on disk",
		strings.Repeat("=", cells), strings.Repeat(" ", 30-cells), frac*100, objects, totalObjects,
		float64(done)/1e6, float64(total)/1e6, rate)
}

package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// orgsiem report|snapshot|restore|load against a domain that accepts the
// connection and never answers end with a timeout error instead of
// hanging: --timeout bounds each request. The handler blocks until the
// test ends (no sleeps).
func TestRemoteCommandsTimeOutOnAHungDomain(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	for _, args := range [][]string{
		{"report", "--endpoint", srv.URL, "--window", "now-1d", "--timeout", "50ms"},
		{"snapshot", "list", "--endpoint", srv.URL, "--timeout", "50ms"},
	} {
		r := runCLI(t, args...)
		if r.code == exitOK || !strings.Contains(r.stderr, "no answer in time") {
			t.Errorf("%s: exit %d\nstdout %s\nstderr %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
		}
	}
	if r := runCLI(t, "report", "--endpoint", srv.URL, "--timeout", "-1s"); r.code == exitOK {
		t.Errorf("--timeout -1s accepted")
	}
}

package loader

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/accountdir"
	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/s3test"
)

// directoryObject is an account directory as functions/directory writes it.
func directoryObject(t testing.TB, accounts ...accountdir.Account) []byte {
	t.Helper()
	b, err := accountdir.Encode(accountdir.Directory{Generated: time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC), Accounts: accounts})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAccountsComeFromTheDirectoryAndAreRefreshed(t *testing.T) {
	var gets atomic.Int32
	var failing atomic.Bool
	client := s3test.New(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, archive.DirectoryKey) {
				gets.Add(1)
				if failing.Load() {
					w.WriteHeader(http.StatusServiceUnavailable)
					w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code><Message>down</Message></Error>`))
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}, testBucket)
	put := func(accounts ...accountdir.Account) {
		(&s3Server{client: client}).put(t, archive.DirectoryKey, directoryObject(t, accounts...))
	}
	clk := &clock{}
	clk.set(time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC), 0)
	accts := NewAccounts(client, testBucket, 5*time.Minute, clk.Now)
	ctx := context.Background()
	lookup := func(id string) (Account, error) { return accts.Lookup(ctx, id) }

	if _, err := lookup("123456789012"); err == nil {
		t.Fatal("no directory yet, and no error")
	}
	clk.set(clk.Now().Add(time.Minute), 0) // after the retry wait
	put(accountdir.Account{ID: "123456789012", Name: "prod-payments", OU: "/Workloads/Prod"})
	if a, err := lookup("123456789012"); err != nil || a != (Account{"123456789012", "prod-payments", "/Workloads/Prod"}) {
		t.Fatalf("got %+v, %v", a, err)
	}
	if a, err := lookup("999999999999"); err == nil || a.ID != "999999999999" || a.Name != "" {
		t.Errorf("an account missing from the directory: %+v, %v", a, err)
	}
	before := gets.Load()
	put(accountdir.Account{ID: "123456789012", Name: "renamed", OU: "/"})
	clk.set(clk.Now().Add(4*time.Minute), 0)
	if a, _ := lookup("123456789012"); a.Name != "prod-payments" || gets.Load() != before {
		t.Errorf("within the refresh period the directory was read again (%d reads) or changed: %+v", gets.Load()-before, a)
	}
	clk.set(clk.Now().Add(2*time.Minute), 0)
	if a, _ := lookup("123456789012"); a.Name != "renamed" || a.OU != "/" {
		t.Errorf("after the refresh period: %+v", a)
	}
	// A failed read keeps the last directory.
	failing.Store(true)
	clk.set(clk.Now().Add(6*time.Minute), 0)
	if a, err := lookup("123456789012"); err != nil || a.Name != "renamed" {
		t.Errorf("an S3 outage dropped the directory: %+v, %v", a, err)
	}
}

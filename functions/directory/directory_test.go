package directory

import (
	"context"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/orgsiem/orgsiem/internal/accountdir"
	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/s3test"
)

var now = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func TestBuildListsEveryAccountWithItsOUPathAndTags(t *testing.T) {
	org := sampleOrganization()
	d, err := Build(context.Background(), org.client(t), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Accounts) != len(org.accounts) {
		t.Fatalf("%d accounts, want %d (paging through NextToken)", len(d.Accounts), len(org.accounts))
	}
	want := map[string]string{"r-ab12": "/", "ou-ab12-11111111": "/Workloads", "ou-ab12-22222222": "/Workloads/Prod"}
	for i, a := range d.Accounts {
		src := org.accounts[i]
		if a.ID != src.ID || a.Name != src.Name || a.OU != want[src.Parent] || a.EmailDomain != "example.com" || a.Status != "ACTIVE" {
			t.Errorf("account %d: %+v, want id %s name %s ou %s", i, a, src.ID, src.Name, want[src.Parent])
		}
	}
	if got := d.Accounts[7].Tags; got["env"] != "prod" || got["team"] != "payments" || len(got) != 2 {
		t.Errorf("tags of %s: %v", d.Accounts[7].ID, got)
	}
	// 45 accounts in pages of at most 20 after an empty first page.
	if n := org.calls["ListAccounts"]; n != 4 {
		t.Errorf("%d ListAccounts calls, want 4", n)
	}
	if n := org.calls["DescribeOrganizationalUnit"]; n != 2 {
		t.Errorf("%d DescribeOrganizationalUnit calls, want one per OU (2)", n)
	}
}

func TestAnOrganizationsErrorFailsTheRun(t *testing.T) {
	org := sampleOrganization()
	org.accounts[3].Parent = "ou-ab12-99999999" // an OU the fake does not know
	if _, err := Build(context.Background(), org.client(t), now); err == nil {
		t.Fatal("a failed OU lookup produced a directory")
	}
}

func TestHandlerWritesOnlyWhenAccountsChange(t *testing.T) {
	const bucket = "orgsiem-archive-222222222222-eu-west-1"
	var puts atomic.Int32
	client := s3test.New(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPut {
				puts.Add(1)
			}
			next.ServeHTTP(w, r)
		})
	}, bucket)
	org := sampleOrganization()
	cfg := Config{Bucket: bucket, BucketRegion: "eu-west-1", BucketOwner: "222222222222",
		KMSKeyARN: "arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"}
	clock := now
	h := New(cfg, org.client(t), client, func() time.Time { return clock })
	run := func() Result {
		t.Helper()
		res, err := h.Handle(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := run(); !res.Written || res.Accounts != 45 || puts.Load() != 1 {
		t.Fatalf("first run %+v, %d puts", res, puts.Load())
	}
	clock = clock.Add(time.Hour)
	if res := run(); res.Written || puts.Load() != 1 {
		t.Errorf("an unchanged organization was written again (%+v): every write is a locked version", res)
	}
	org.accounts[0].Name = "renamed"
	if res := run(); !res.Written || puts.Load() != 2 {
		t.Errorf("a renamed account was not written (%+v)", res)
	}
	out, err := client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(archive.DirectoryKey)})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(out.Body)
	d, err := accountdir.Decode(b)
	if err != nil || len(d.Accounts) != 45 || d.Accounts[0].Name != "renamed" {
		t.Errorf("stored directory: %v, %+v", err, d.Accounts[:1])
	}
}

func TestConfigFromEnvRequiresEveryVariable(t *testing.T) {
	env := map[string]string{
		"ORGSIEM_ARCHIVE_BUCKET": "b", "ORGSIEM_ARCHIVE_BUCKET_REGION": "eu-west-1",
		"ORGSIEM_ARCHIVE_ACCOUNT_ID": "222222222222", "ORGSIEM_ARCHIVE_KMS_KEY_ARN": "arn:aws:kms:eu-west-1:222222222222:key/x",
	}
	if _, err := ConfigFromEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	for k := range env {
		saved := env[k]
		env[k] = ""
		if _, err := ConfigFromEnv(func(k string) string { return env[k] }); err == nil {
			t.Errorf("accepted without %s", k)
		}
		env[k] = saved
	}
}

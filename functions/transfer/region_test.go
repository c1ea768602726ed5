package transfer

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/orgsiem/orgsiem/internal/s3test"
	"github.com/orgsiem/orgsiem/member"
	"github.com/orgsiem/orgsiem/policies"
)

// credentialScope is the region of a SigV4 Authorization header
// (Credential=<key>/<date>/<region>/s3/aws4_request).
var credentialScope = regexp.MustCompile(`Credential=[^/]+/[0-9]{8}/([a-z0-9-]+)/s3/aws4_request`)

// regionalBucket answers like S3 for a bucket in region: a request signed
// for another region is refused with 400 AuthorizationHeaderMalformed ("the
// region 'x' is wrong; expecting 'y'", Amazon S3 API Reference, Error
// responses, list of error codes), which SDK v2 does not retry in the right
// region (it has no region redirect for S3, unlike SDK v1's
// s3manager.GetBucketRegion or the CLI's redirect handler).
func regionalBucket(region string) func(http.Handler) http.Handler {
	return func(fake http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization"))
			if m == nil || m[1] != region {
				got := "none"
				if m != nil {
					got = m[1]
				}
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AuthorizationHeaderMalformed</Code><Message>The authorization header is malformed; the region '%s' is wrong; expecting '%s'</Message><Region>%s</Region><RequestId>0</RequestId></Error>`, got, region, region)
				return
			}
			fake.ServeHTTP(w, r)
		})
	}
}

// A member account's transfer function in a region other than the home
// region, configured from the member baseline's own environment, writes to
// the archive bucket in the home region.
func TestATransferOutsideTheHomeRegionWritesToTheHomeRegionBucket(t *testing.T) {
	const home, away = "eu-west-1", "eu-central-1"
	org := policies.Org{ID: "o-abcdef1234", Management: "111111111111", LogArchive: "999988887777", Security: "333333333333", HomeRegion: home}
	tmpl, err := member.Baseline(member.Config{
		Org: org, ArchiveKeyARN: testKMSKey, Mode: member.ModeLogGroup, LogRetentionDays: 365, SweepSchedule: "rate(1 day)",
		TransferCodeKey: "lambda/t.zip", SubscribeCodeKey: "lambda/s.zip",
	})
	if err != nil {
		t.Fatal(err)
	}
	vars, _ := tmpl.Resources[member.TransferFunctionID].Properties["Environment"].(member.Props)["Variables"].(member.Props)
	env := map[string]string{EnvRegion: away} // Lambda sets AWS_REGION
	for k, v := range vars {
		s, ok := v.(string)
		if !ok {
			t.Fatalf("variable %s is not a literal: %v", k, v)
		}
		env[k] = s
	}
	cfg, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("the baseline's environment is refused in %s: %v", away, err)
	}
	// As cmd/lambda/transfer does: the S3 client's region is the bucket's.
	base := s3test.New(t, regionalBucket(home), org.ArchiveBucket())
	client := s3.New(base.Options(), func(o *s3.Options) { o.Region = cfg.BucketRegion })
	h, err := New(cfg, client)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Handle(context.Background(), wire(t, readFile(t, filepath.Join("testdata", "linux_secure.json")))); err != nil {
		t.Fatalf("a transfer in %s could not write to the %s archive: %v", away, home, err)
	}
	// The fake refuses what real S3 refuses: a client signing for the
	// function's own region fails.
	wrong := s3.New(base.Options(), func(o *s3.Options) { o.Region = away })
	cfg.BucketRegion = away
	h, err = New(cfg, wrong)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Handle(context.Background(), wire(t, readFile(t, filepath.Join("testdata", "linux_secure.json")))); err == nil {
		t.Fatal("a client signing for the wrong region wrote to the bucket: the fake does not model S3 regions")
	}
}

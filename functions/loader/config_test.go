package loader

import (
	"testing"

	"github.com/orgsiem/orgsiem/internal/lambdaenv"
)

func TestConfigFromEnv(t *testing.T) {
	base := map[string]string{
		lambdaenv.OpenSearchEndpoint: "vpc-orgsiem.eu-west-1.es.amazonaws.com",
		lambdaenv.IngestQueueURL:     "https://sqs.eu-west-1.amazonaws.com/333333333333/orgsiem-ingest",
		lambdaenv.ArchiveBucket:      "orgsiem-archive-222222222222-eu-west-1",
		"AWS_REGION":                 "eu-west-1",
	}
	with := func(k, v string) map[string]string {
		m := map[string]string{k: v}
		for bk, bv := range base {
			if bk != k {
				m[bk] = bv
			}
		}
		return m
	}
	for _, tc := range []struct {
		name       string
		env        map[string]string
		enrichment bool
		geoIP      int
		fail       bool
	}{
		{"account enrichment is off by default", base, false, 0, false},
		{"account enrichment turns on with on", with(lambdaenv.AccountEnrichment, "on"), true, 0, false},
		{"account enrichment stays off with off", with(lambdaenv.AccountEnrichment, "off"), false, 0, false},
		{"another enrichment value is refused", with(lambdaenv.AccountEnrichment, "yes"), false, 0, true},
		{"GeoIP databases are read from the lambdaenv variable",
			with(lambdaenv.GeoIP, "s3://geo/City.mmdb, s3://geo/ASN.mmdb"), false, 2, false},
		{"a GeoIP bucket without a key is refused", with(lambdaenv.GeoIP, "s3://geo"), false, 0, true},
		{"a missing endpoint is refused", with(lambdaenv.OpenSearchEndpoint, ""), false, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ConfigFromEnv(func(k string) string { return tc.env[k] })
			if (err != nil) != tc.fail {
				t.Fatalf("error %v, want failure %v", err, tc.fail)
			}
			if tc.fail {
				return
			}
			if c.AccountEnrichment != tc.enrichment || len(c.GeoIP) != tc.geoIP {
				t.Errorf("config %+v", c)
			}
			if c.Region != "eu-west-1" || c.Endpoint != "https://vpc-orgsiem.eu-west-1.es.amazonaws.com" {
				t.Errorf("region %q endpoint %q", c.Region, c.Endpoint)
			}
		})
	}
}

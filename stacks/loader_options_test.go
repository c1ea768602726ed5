package stacks

import (
	"slices"
	"strings"
	"testing"
)

func TestLoaderOptionsConfiguration(t *testing.T) {
	required := func(extra map[string]string) map[string]string {
		m := map[string]string{
			"organizationId": sampleOrg, "managementAccountId": sampleManagement, "logArchiveAccountId": sampleLogArchive,
			"securityAccountId": sampleLogArchive, "homeRegion": sampleHome,
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	for _, tc := range []struct {
		name       string
		extra      map[string]string
		geoIP      []string
		enrichment bool
		failKey    string
	}{
		{"GeoIP is off and account enrichment (from the directory) on by default", nil, nil, true, ""},
		{"GeoIP databases are read as a list",
			map[string]string{"geoipDatabases": `["s3://geo/City.mmdb","s3://geo/ASN.mmdb"]`},
			[]string{"s3://geo/City.mmdb", "s3://geo/ASN.mmdb"}, true, ""},
		{"a GeoIP location naming no object is refused", map[string]string{"geoipDatabases": `["s3://geo/"]`}, nil, false, "geoipDatabases"},
		{"a wildcard GeoIP location is refused", map[string]string{"geoipDatabases": `["s3://geo/*.mmdb"]`}, nil, false, "geoipDatabases"},
		{"account enrichment turns off", map[string]string{"accountEnrichment": "false"}, nil, false, ""},
		{"a non-boolean account enrichment is refused", map[string]string{"accountEnrichment": "on"}, nil, false, "accountEnrichment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(lookup(required(tc.extra)))
			if tc.failKey != "" {
				if err == nil || !strings.Contains(err.Error(), "orgsiem:"+tc.failKey+":") {
					t.Fatalf("error %v does not name %s", err, tc.failKey)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(c.GeoIPDatabases, tc.geoIP) || c.AccountEnrichment != tc.enrichment {
				t.Errorf("geoip %v enrichment %v", c.GeoIPDatabases, c.AccountEnrichment)
			}
		})
	}
}

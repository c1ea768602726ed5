package stacks

import (
	"strings"
	"testing"
)

// AWS Lambda Developer Guide, "Configuring reserved concurrency": Lambda
// keeps 100 units of the account's concurrency unreserved; a new account's
// quota can be as low as 10, where no reservation at all is possible.
func TestLoaderReservationMustFitTheLambdaQuota(t *testing.T) {
	for _, tc := range []struct {
		name, quota, reserved string
		ok                    bool
	}{
		{"the default reservation fits the default quota", "", "", true},
		{"a reservation leaving 100 unreserved fits", "150", "50", true},
		{"a reservation leaving 99 unreserved is refused", "150", "51", false},
		{"a new account's quota of 10 fits nothing", "10", "2", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := sampleConfig(t)
			if tc.quota != "" {
				cfg["lambdaConcurrencyQuota"] = tc.quota
			}
			if tc.reserved != "" {
				cfg["loaderReservedConcurrency"] = tc.reserved
			}
			_, err := Parse(lookup(cfg))
			if tc.ok != (err == nil) {
				t.Fatalf("err = %v", err)
			}
			if err != nil && (!strings.Contains(err.Error(), "orgsiem:loaderReservedConcurrency:") || !strings.Contains(err.Error(), "unreserved")) {
				t.Errorf("unclear error: %v", err)
			}
		})
	}
}

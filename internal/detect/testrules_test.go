package detect

import (
	"testing"

	"github.com/orgsiem/orgsiem/internal/logs"
)

func TestOwnTestRules(t *testing.T) {
	cat, err := LoadDir("testdata/rules")
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range cat.RunTests(TestOptions{Normalize: logs.NormalizeRecord}) {
		if !res.Passed() {
			t.Error(res.String())
		}
	}
	checkParity(t, cat)
}

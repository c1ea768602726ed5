package simulate

import (
	"os"
	"testing"
)

func TestTmpGen(t *testing.T) {
	os.RemoveAll("/tmp/cli-helper/sim")
	k, err := Generate(Options{Accounts: 5, Days: 2, Seed: 42, Out: "/tmp/cli-helper/sim"})
	if err != nil {
		t.Fatal(err)
	}
	k.WriteJSON(os.Stdout)
}

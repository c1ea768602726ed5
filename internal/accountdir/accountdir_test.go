package accountdir

import (
	"strings"
	"testing"
	"time"
)

func TestRoundTripAndValidation(t *testing.T) {
	d := Directory{Generated: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), Accounts: []Account{
		{ID: "222222222222", Name: "b", OU: "/"}, {ID: "111111111111", Name: "a", OU: "/Workloads", Tags: map[string]string{"env": "prod"}},
	}}
	b, err := Encode(d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Index(string(b), "111111111111") > strings.Index(string(b), "222222222222") {
		t.Error("accounts are not sorted by id")
	}
	back, err := Decode(b)
	if err != nil || !SameAccounts(d, back) || !back.Generated.Equal(d.Generated) {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	later := back
	later.Generated = later.Generated.Add(time.Hour)
	if !SameAccounts(back, later) {
		t.Error("the generation time changes the accounts")
	}
	later.Accounts = append(later.Accounts[:1:1], Account{ID: "222222222222", Name: "renamed", OU: "/"})
	if SameAccounts(back, later) {
		t.Error("a renamed account is the same")
	}
	for name, in := range map[string]string{
		"a malformed id": `{"accounts":[{"id":"12"}]}`,
		"a duplicate":    `{"accounts":[{"id":"111111111111"},{"id":"111111111111"}]}`,
		"not JSON":       `{`,
	} {
		if _, err := Decode([]byte(in)); err == nil {
			t.Errorf("%s is accepted", name)
		}
	}
}

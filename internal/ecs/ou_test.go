package ecs

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestTheAccountOUIsWrittenAndDeclared(t *testing.T) {
	d := Document{Type: "cloudtrail", Cloud: Cloud{AccountID: "123456789012", AccountName: "prod"},
		Orgsiem: Orgsiem{AccountOU: `/Workloads/"Prod"`, ClaimedAccount: "210987654321"}}
	var got struct {
		Orgsiem struct {
			Account        struct{ OU string }
			ClaimedAccount string `json:"claimed_account"`
		}
	}
	raw := d.AppendJSON(nil)
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	// One orgsiem object holding both members (a duplicate key would lose one).
	if got.Orgsiem.Account.OU != d.Orgsiem.AccountOU || got.Orgsiem.ClaimedAccount != d.Orgsiem.ClaimedAccount ||
		strings.Count(string(raw), `"orgsiem":`) != 1 {
		t.Errorf("orgsiem = %+v in %s", got.Orgsiem, raw)
	}
	if typ, ok := FieldTypeOf("orgsiem.account.ou"); !ok || typ != Keyword {
		t.Errorf("orgsiem.account.ou is not a declared keyword (%v, %v)", typ, ok)
	}
}

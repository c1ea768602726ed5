package ecs

import (
	"encoding/json"
	"testing"
)

func TestTheAccountOUIsWrittenAndDeclared(t *testing.T) {
	d := Document{Type: "cloudtrail", Cloud: Cloud{AccountID: "123456789012", AccountName: "prod"}, AccountOU: `/Workloads/"Prod"`}
	var got struct {
		Orgsiem struct {
			Account struct{ OU string }
		}
	}
	if err := json.Unmarshal(d.AppendJSON(nil), &got); err != nil {
		t.Fatal(err)
	}
	if got.Orgsiem.Account.OU != d.AccountOU {
		t.Errorf("orgsiem.account.ou = %q, want %q", got.Orgsiem.Account.OU, d.AccountOU)
	}
	if typ, ok := FieldTypeOf("orgsiem.account.ou"); !ok || typ != Keyword {
		t.Errorf("orgsiem.account.ou is not a declared keyword (%v, %v)", typ, ok)
	}
}

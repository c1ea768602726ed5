package loader

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/orgsiem/orgsiem/internal/alerts"
)

// TestAlertJSONIsTheContracts fills every field of alerts.Document
// (through reflection, so a field added to the contract is filled too)
// with random values, empty ones included, and checks the loader's encoder
// writes what encoding/json writes for the contract's tags.
func TestAlertJSONIsTheContracts(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	strs := []string{"", "a", `quo"te`, "back\\slash", "<tag>&", "ünïcode", "line\nbreak", "\x01ctl"}
	str := func() string { return strs[rng.IntN(len(strs))] }
	tm := func() time.Time {
		return time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)*int64(rng.IntN(2))).UTC()
	}
	for i := 0; i < 500; i++ {
		var d alerts.Document
		v := reflect.ValueOf(&d).Elem()
		for f := 0; f < v.NumField(); f++ {
			fv := v.Field(f)
			switch fv.Interface().(type) {
			case string:
				fv.SetString(str())
			case int:
				fv.SetInt(rng.Int64N(10) - 2)
			case time.Time:
				fv.Set(reflect.ValueOf(tm()))
			case *time.Time:
				if rng.IntN(2) == 0 {
					x := tm()
					fv.Set(reflect.ValueOf(&x))
				}
			case []string:
				var ss []string
				for range rng.IntN(3) {
					ss = append(ss, str())
				}
				fv.Set(reflect.ValueOf(ss))
			default:
				t.Fatalf("field %s of type %s: teach this test and appendAlertJSON", v.Type().Field(f).Name, fv.Type())
			}
		}
		want, err := json.Marshal(&d)
		if err != nil {
			t.Fatal(err)
		}
		got := appendAlertJSON(nil, &d)
		var wm, gm map[string]any
		if err := json.Unmarshal(got, &gm); err != nil {
			t.Fatalf("invalid JSON %s: %v", got, err)
		}
		json.Unmarshal(want, &wm)
		if !reflect.DeepEqual(wm, gm) {
			t.Fatalf("document %d:\n got %s\nwant %s", i, got, want)
		}
		if fmt.Sprint(len(gm)) != fmt.Sprint(len(wm)) {
			t.Fatalf("member count differs")
		}
	}
}

package central

import (
	"strings"
	"testing"

	"github.com/orgsiem/orgsiem/policies"
)

// delivers evaluates advanced event selectors for one event the way the
// CloudTrail User Guide describes ("How CloudTrail evaluates multiple
// conditions for a field", Filtering data events by using advanced event
// selectors): within a field, SELECT operators (Equals, StartsWith) are
// ORed and DESELECT operators (NotEquals, NotStartsWith) are ANDed so that
// any DESELECT match drops the event, and the two groups are ANDed; the
// fields of a selector are ANDed; selectors are ORed. An event without the
// field (a service principal has no userIdentity.arn) meets no DESELECT
// condition on it.
func delivers(selectors []EventSelector, ev map[string]string) bool {
	for _, s := range selectors {
		ok := true
		for _, f := range s.Fields {
			v, present := ev[f.Field]
			sel := len(f.Equals) == 0 && len(f.StartsWith) == 0
			for _, e := range f.Equals {
				sel = sel || (present && v == e)
			}
			for _, p := range f.StartsWith {
				sel = sel || (present && strings.HasPrefix(v, p))
			}
			desel := false
			for _, e := range f.NotEquals {
				desel = desel || (present && v == e)
			}
			for _, p := range f.NotStartsWith {
				desel = desel || (present && strings.HasPrefix(v, p))
			}
			if !sel || desel {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func TestTheTrailDoesNotLogItsOwnDeliveries(t *testing.T) {
	o := policies.Org{ID: "o-abcdef1234", Management: "111111111111", LogArchive: "222222222222", Security: "333333333333", HomeRegion: "eu-west-1"}
	sel := TrailEventSelectors(o)
	obj := func(key string) string { return o.ArchiveBucketARN() + "/" + key }
	data := func(name, key, who string) map[string]string {
		ev := map[string]string{"eventCategory": "Data", "resources.type": "AWS::S3::Object", "eventName": name, "resources.ARN": obj(key)}
		if who != "" {
			ev["userIdentity.arn"] = who
		}
		return ev
	}
	trailFile := "AWSLogs/" + o.ID + "/444444444444/CloudTrail/eu-west-1/2024/05/01/444444444444_CloudTrail_eu-west-1_x.json.gz"
	digest := "AWSLogs/" + o.ID + "/444444444444/CloudTrail-Digest/eu-west-1/2024/05/01/x.json.gz"
	admin := "arn:aws:sts::222222222222:assumed-role/Admin/alice"
	loader := "arn:aws:sts::333333333333:assumed-role/" + policies.LoaderRole + "/orgsiem-loader"
	for _, tc := range []struct {
		name string
		ev   map[string]string
		want bool
	}{
		{"CloudTrail delivering a log file is not logged", data("PutObject", trailFile, ""), false},
		{"CloudTrail delivering a digest file is not logged", data("PutObject", digest, ""), false},
		{"the management account's own trail prefix is not logged",
			data("PutObject", "AWSLogs/111111111111/CloudTrail/eu-west-1/2024/05/01/x.json.gz", ""), false},
		{"a transfer function's write is logged", data("PutObject", "CWLogs/444444444444/eu-west-1/x/2024/05/01/10/y.json.gz",
			"arn:aws:sts::444444444444:assumed-role/orgsiem-transfer-eu-west-1/f"), true},
		{"a person reading a trail file is logged", data("GetObject", trailFile, admin), true},
		{"a person deleting a trail file version is logged", data("DeleteObject", trailFile, admin), true},
		{"the loader reading a trail file is not logged", data("GetObject", trailFile, loader), false},
		{"another bucket's objects are not logged", map[string]string{"eventCategory": "Data", "resources.type": "AWS::S3::Object",
			"eventName": "GetObject", "resources.ARN": "arn:aws:s3:::other/x", "userIdentity.arn": admin}, false},
		{"management events are logged", map[string]string{"eventCategory": "Management", "eventName": "StopLogging"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := delivers(sel, tc.ev); got != tc.want {
				t.Errorf("delivered = %v, want %v", got, tc.want)
			}
		})
	}
}
